"""A browser journey: build two routers, compare them, download the report."""

from __future__ import annotations

import pytest

from app.data.importers import import_path
from app.store.db import open_store
from tests.serve import ARTIFACTS, streamlit_server, wait_for_app
from tests.test_browser_data import browser  # noqa: F401  (the shared Chromium fixture)
from tests.test_router_pages import toy_log

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _save_router(page, kind_title: str, name: str) -> None:
    page.get_by_label("Router", exact=True).click()
    page.get_by_role("option", name=kind_title).click()
    wait_for_app(page)
    name_box = page.get_by_label("Name")
    name_box.fill(name)
    name_box.press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text(f"Saved router '{name}'").wait_for(timeout=60_000)


def test_two_routers_compared_and_reported(browser, tmp_path):  # noqa: F811
    db = tmp_path / "journey.duckdb"
    store = open_store(db)
    import_path(store, toy_log(tmp_path))
    store.close()
    env = {"ROUTELAB_DEMO": "0", "ROUTELAB_ENCODER": "hashing-ngrams-512"}
    with streamlit_server(db, env=env) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 2200}, accept_downloads=True)
        page.goto(f"{url}/routers")
        wait_for_app(page)
        _save_router(page, "kNN (nearest logged queries)", "my-knn")
        _save_router(page, "Centroid (RouterRetriever)", "my-centroid")
        page.goto(f"{url}/compare")
        page.get_by_text("Where each router misroutes").wait_for(timeout=120_000)
        wait_for_app(page)
        assert page.get_by_text("Router my-knn", exact=False).count() >= 1
        assert page.get_by_text("Router my-centroid", exact=False).count() >= 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "compare_page.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the stakeholder report (HTML)").click()
        report = ARTIFACTS / "report.html"
        download.value.save_as(report)
        text = report.read_text()
        assert "Routing report: toy" in text and "my-knn" in text
        assert page.locator("[data-testid='stException']").count() == 0
        _report_draws_offline(browser, report)


def _report_draws_offline(chromium, report) -> None:
    """The downloaded report, opened with every request but the file refused, draws both
    charts with the routers in the legend, and logs no error."""
    page = chromium.new_page(viewport={"width": 1200, "height": 1600})
    asked, errors = [], []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        "file:") else (asked.append(route.request.url), route.abort()))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(report.as_uri())
    page.locator(".vega-embed svg").nth(1).wait_for(timeout=30_000)
    labels = page.locator("#cost-quality svg text").all_text_contents()
    assert {"my-knn", "my-centroid", "cheap", "dear"} <= set(labels)  # legend, diamonds
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert not asked and not errors, (asked, errors)
    page.close()
