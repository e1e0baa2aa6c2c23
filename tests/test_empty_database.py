"""Every page on an empty database (no demo, no imports): a way forward, never a traceback."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO

PAGES = ("data", "map", "routers", "compare", "playground", "label", "learning", "models")


@pytest.mark.parametrize("page", PAGES)
def test_each_page_on_an_empty_database(page, tmp_path, monkeypatch):
    monkeypatch.setenv("ROUTELAB_DB", str(tmp_path / "empty.duckdb"))
    monkeypatch.setenv("ROUTELAB_DEMO", "0")
    monkeypatch.setenv("ROUTELAB_ENCODER", "hashing-ngrams-512")
    from app.ui import resources
    resources.store.clear()
    resources.ensure_demo.clear()
    app = AppTest.from_file(str(REPO / "app" / "main.py"), default_timeout=120)
    try:
        app.run()
        app.switch_page(str(REPO / "pages" / f"{page}.py")).run()
        assert not app.exception, app.exception
        assert app.title[0].value == page.capitalize()
        shown = " ".join(m.value for m in [*app.info, *app.caption, *app.markdown])
        if page in ("map", "routers", "compare", "label"):
            assert "No datasets yet: import one on the Data page." in shown
    finally:
        resources.store.clear()
