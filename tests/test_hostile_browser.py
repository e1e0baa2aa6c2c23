"""Hostile text in prompts, responses, model and dataset names: shown, never executed."""

from __future__ import annotations

import pytest

from app.data.importers import import_path
from app.embed import maps
from app.embed.embeddings import default_encoder
from app.store.db import open_store
from tests.hostile import HOSTILE_MODELS, HOSTILE_NAME, write_log
from tests.serve import ARTIFACTS, streamlit_server, wait_for_app
from tests.test_browser_data import browser  # noqa: F401  (the shared Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FAST = "hashing-ngrams-512"


def test_nothing_injected_runs_on_any_page(browser, tmp_path, monkeypatch):  # noqa: F811
    db = tmp_path / "hostile.duckdb"
    monkeypatch.setenv("ROUTELAB_DB", str(db))
    monkeypatch.setenv("ROUTELAB_ENCODER", FAST)
    store = open_store(db)
    import_path(store, write_log(tmp_path), name=HOSTILE_NAME)
    dataset_id, version = store.rows("SELECT dataset_id, content_hash FROM datasets")[0]
    maps.ensure_map(store, dataset_id, version, default_encoder(), maps.MapParams())
    store.close()
    dialogs, elsewhere = [], []
    with streamlit_server(db, env={"ROUTELAB_DEMO": "0", "ROUTELAB_ENCODER": FAST}) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        # nothing asked of another server: not a tracker's image in a prompt, nor the tab's
        # icon (a ":material/...:" page icon is fetched from fonts.gstatic.com)
        page.on("request", lambda r: None if r.url.startswith((url, "data:", "blob:"))
                else elsewhere.append(r.url))
        for name in ("", "map", "routers", "compare", "playground", "label", "learning",
                     "models"):
            page.goto(f"{url}/{name}")
            wait_for_app(page, timeout=120_000)
            page.wait_for_timeout(1500)
            for link in page.locator("a").all()[:40]:  # click what looks like a link
                href = link.get_attribute("href") or ""
                assert not href.lower().startswith("javascript"), href
            assert page.evaluate("() => window.__pwned") is None, name
            errors = page.locator("[data-testid='stException']")
            assert errors.count() == 0, (name, errors.first.inner_text()[:2000])
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"hostile_{name or 'data'}.png"))
        page.goto(url)
        wait_for_app(page)
        assert HOSTILE_MODELS[0] in _heatmap_tooltips(page)  # shown as text, not run
        assert page.evaluate("() => window.__pwned") is None
        page.get_by_text("Browse queries").click()
        page.get_by_label("Text contains").fill("'; DROP TABLE outcomes; --")
        page.keyboard.press("Enter")
        wait_for_app(page)
        page.screenshot(path=str(ARTIFACTS / "hostile_search.png"), full_page=True)
        assert page.get_by_text("1 queries shown").count() == 1  # found as text, not run
        assert page.evaluate("() => window.__pwned") is None
    assert dialogs == []
    assert elsewhere == []
    store = open_store(db)
    assert store.rows("SELECT count(*) FROM outcomes")[0][0] == 18  # nothing dropped
    store.close()


def _heatmap_tooltips(page) -> str:
    """The text of every tooltip the Data page's task x model heatmap shows under a pointer
    swept over it (Vega-Lite's tooltip handler writes each into one element)."""
    heatmap = page.locator("[data-testid='stVegaLiteChart']").nth(1)
    heatmap.scroll_into_view_if_needed()
    box = heatmap.bounding_box()
    seen = []
    for i in range(1, 20):
        for j in range(1, 8):
            page.mouse.move(box["x"] + box["width"] * i / 20, box["y"] + box["height"] * j / 8)
            seen.append(page.evaluate("() => (document.getElementById('vg-tooltip-element')"
                                      " || {}).innerText || ''"))
    return "\n".join(seen)
