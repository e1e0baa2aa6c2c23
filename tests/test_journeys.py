"""Browser journeys of a new user (the other journeys: map selection in test_browser_map,
routers compared and reported in test_browser_routers, the playground vote in
test_browser_playground, which also checks the Learning page)."""

from __future__ import annotations

import csv

import pytest

from tests.conftest import ROUTERBENCH
from tests.serve import ARTIFACTS, streamlit_server, wait_for_app
from tests.test_browser_data import browser  # noqa: F401  (the shared Chromium fixture)

csv.field_size_limit(1 << 30)
pytestmark = [pytest.mark.browser, pytest.mark.slow]
PAGES = {"": "Data", "map": "Map", "routers": "Routers", "compare": "Compare",
         "playground": "Playground", "label": "Label", "learning": "Learning",
         "models": "Models"}
FAST = {"ROUTELAB_ENCODER": "hashing-ngrams-512"}


def test_first_visit_every_page_loads_on_the_demo(browser, tmp_path):  # noqa: F811
    with streamlit_server(tmp_path / "first.duckdb", env=FAST) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        for path, title in PAGES.items():
            page.goto(f"{url}/{path}")
            page.get_by_role("heading", name=title, exact=True).wait_for(timeout=180_000)
            wait_for_app(page, timeout=240_000)
            if path == "map":
                page.get_by_text("Draw a box or lasso").wait_for(timeout=240_000)
            if path == "compare":
                page.get_by_text("Where each router misroutes").wait_for(timeout=240_000)
            wait_for_app(page, timeout=240_000)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"journey_{path or 'data'}.png"),
                            full_page=True)
            assert page.locator("[data-testid='stException']").count() == 0, title
            assert page.locator("[data-testid='stAlertContentError']").count() == 0, title
            assert "demo" in page.locator("[data-testid='stSidebar']").inner_text()


def test_import_a_routerbench_file_and_see_its_summary(browser, tmp_path, routerbench_dir):  # noqa: F811
    with streamlit_server(tmp_path / "import.duckdb", env={**FAST, "ROUTELAB_DEMO": "0"}) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.goto(url)
        wait_for_app(page)
        upload = ROUTERBENCH / "mbpp_test.csv"
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(upload))
        page.get_by_text("mbpp_test.csv").first.wait_for()
        page.get_by_role("button", name="Import", exact=True).click()
        page.get_by_text("Imported 'mbpp_test' (routerbench)").wait_for(timeout=120_000)
        wait_for_app(page)
        # The summary is drawn by the rerun that follows the import message: wait for it.
        page.locator("[data-testid='stMetricValue']").first.wait_for(timeout=60_000)
        metrics = page.locator("[data-testid='stMetricValue']").all_inner_texts()
        with upload.open(newline="", encoding="utf-8") as handle:
            rows = {row["sample_id"] for row in csv.DictReader(handle)}
        assert metrics[0] == f"{len(rows):,}" and metrics[1] == "11"   # queries, models
        page.screenshot(path=str(ARTIFACTS / "journey_import_routerbench.png"), full_page=True)
        assert page.locator("[data-testid='stException']").count() == 0
