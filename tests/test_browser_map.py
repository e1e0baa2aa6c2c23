"""The Map page in a real browser: the map draws, a box selection fills the table."""

from __future__ import annotations

import pytest

from app.data.importers import import_path
from app.embed import maps
from app.embed.embeddings import DEFAULT_ENCODER
from app.store.db import open_store
from tests.serve import ARTIFACTS, streamlit_server, wait_for_app
from tests.test_browser_data import browser  # noqa: F401  (the shared Chromium fixture)
from tests.test_map_page import tiny_log

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_box_select_lists_the_queries(browser, tmp_path, monkeypatch):  # noqa: F811
    db = tmp_path / "map.duckdb"
    monkeypatch.setenv("ROUTELAB_DB", str(db))
    store = open_store(db)
    import_path(store, tiny_log(tmp_path))
    dataset_id, version = store.rows("SELECT dataset_id, content_hash FROM datasets")[0]
    maps.ensure_map(store, dataset_id, version, DEFAULT_ENCODER, maps.MapParams())
    store.close()
    with streamlit_server(db, env={"ROUTELAB_DEMO": "0"}) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        page.goto(f"{url}/map")
        page.get_by_text("Draw a box or lasso").wait_for(timeout=120_000)
        wait_for_app(page)
        plot = page.locator("[data-testid='stPlotlyChart']").first
        plot.hover()
        page.locator(".modebar-btn[data-val='select']").first.click()  # box select
        area = page.locator(".nsewdrag").first.bounding_box()  # the plotting area itself
        page.mouse.move(area["x"] + 3, area["y"] + 3)
        page.mouse.down()
        page.mouse.move(area["x"] + area["width"] - 3, area["y"] + area["height"] - 3, steps=12)
        page.mouse.up()
        heading = page.get_by_text("30 selected queries")
        try:
            heading.wait_for(timeout=60_000)
        except Exception:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "map_page_selection_failed.png"))
            raise
        wait_for_app(page)
        cells = page.locator("[data-testid='stDataFrame']").first.locator(
            "td[role='gridcell'][aria-colindex='1']")
        cells.first.wait_for(state="attached")
        assert sorted(cells.nth(i).text_content() for i in range(cells.count())) == [
            "calc", "geo"]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map_page_selection.png"), full_page=True)
        assert page.locator("[data-testid='stException']").count() == 0
