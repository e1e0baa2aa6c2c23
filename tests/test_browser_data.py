"""The Data page in a real browser: upload a file, import it, see the per-model table."""

from __future__ import annotations

import pytest

from tests.conftest import write
from tests.serve import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    chromium_available,
    streamlit_server,
    wait_for_app,
)

pytestmark = pytest.mark.browser

LOG = ("prompt,model,score,cost_usd,latency_ms\n"
       "What is 2+2?,tiny-model,1,0.0001,120\nWhat is 2+2?,huge-model,1,0.01,900\n"
       "Prove Fermat,tiny-model,0,0.0001,150\nProve Fermat,huge-model,1,0.01,1500\n")


@pytest.fixture(scope="module")
def browser():
    reason = chromium_available()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as play:
        launched = play.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_upload_import_and_see_per_model_table(browser, tmp_path):
    log = write(tmp_path / "uploaded_log.csv", LOG)
    with streamlit_server(tmp_path / "browser.duckdb", env={"ROUTELAB_DEMO": "0"}) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.goto(url)
        wait_for_app(page)
        page.get_by_text("No datasets yet. Import a").wait_for(timeout=60_000)
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(log))
        page.get_by_text("uploaded_log.csv").first.wait_for()
        page.get_by_role("button", name="Import", exact=True).click()
        page.get_by_text("Imported 'uploaded_log'").wait_for(timeout=60_000)
        # the first visible grid: the import form's price table sits folded above it
        table = page.locator("[data-testid='stDataFrame']:visible").first
        table.wait_for()
        page.get_by_role("heading", name="Per model").wait_for()
        # The grid draws on a canvas; its accessible fallback table carries the cell text.
        cells = table.locator("td[role='gridcell'][aria-colindex='1']")
        cells.first.wait_for(state="attached")
        models = [cells.nth(i).text_content() for i in range(cells.count())]
        assert models == ["huge-model", "tiny-model"]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "data_page_after_upload.png"), full_page=True)
        assert page.locator("[data-testid='stException']").count() == 0
        assert "uploaded_log" in page.locator("[data-testid='stSidebar']").inner_text()
