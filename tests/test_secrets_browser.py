"""A dummy provider key, every page driven and every export taken: the key is nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.serve import streamlit_server, wait_for_app
from tests.test_browser_data import browser  # noqa: F401  (the shared Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DUMMY = "sk-routelab-DUMMY-0123456789abcdef"
PAGES = ("", "map", "routers", "compare", "playground", "label", "learning", "models")


def test_the_key_never_reaches_db_logs_exports_or_pages(browser, tmp_path,  # noqa: F811
                                                        local_models):
    db = tmp_path / "secret.duckdb"
    env = {"OPENAI_API_KEY": DUMMY, "ANTHROPIC_API_KEY": DUMMY + "-a",
           "ROUTELAB_ENCODER": "hashing-ngrams-512"}
    seen_html, exports = [], []
    with streamlit_server(db, env=env) as url:
        page = browser.new_page(viewport={"width": 1300, "height": 1500}, accept_downloads=True)
        for name in PAGES:
            page.goto(f"{url}/{name}")
            wait_for_app(page, timeout=180_000)
            page.wait_for_timeout(1000)
            wait_for_app(page, timeout=180_000)
            seen_html.append(page.content())
        page.get_by_role("button", name="Check which models are reachable").click()
        page.locator("td[role='gridcell']", has_text="down:").first.wait_for(
            state="attached", timeout=120_000)  # the cloud calls fail offline
        seen_html.append(page.content())
        page.get_by_role("combobox", name="Models").click()
        page.get_by_role("option", name="gpt-4o-mini").click()
        page.keyboard.press("Escape")
        page.get_by_label("Only the first N prompts (0 = all)").fill("2")
        page.keyboard.press("Tab")
        wait_for_app(page)
        page.get_by_role("button", name="Collect").click()
        page.get_by_text("new answers").first.wait_for(timeout=180_000)
        seen_html.append(page.content())
        page.goto(f"{url}/routers")
        wait_for_app(page)
        page.get_by_role("button", name="Save").click()
        page.get_by_text("Saved router '").wait_for(timeout=60_000)
        with page.expect_download() as download:
            page.get_by_role("button", name="Export as JSON").click()
        exports.append(tmp_path / "router.json")
        download.value.save_as(exports[-1])
        page.goto(f"{url}/compare")
        page.get_by_text("Where each router misroutes").wait_for(timeout=240_000)
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the stakeholder report (HTML)").click()
        exports.append(tmp_path / "report.html")
        download.value.save_as(exports[-1])
        seen_html.append(page.content())
    for html in seen_html:
        assert DUMMY not in html
    for path in [db, *exports, *Path(tmp_path).glob("*.log")]:
        assert path.exists(), path
        assert DUMMY.encode() not in path.read_bytes(), f"the key leaked into {path.name}"
