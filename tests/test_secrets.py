"""A dummy provider key never reaches the database, the logs or the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.data.collect import collect
from app.models import llm, secrets
from tests.conftest import REPO

DUMMY = "sk-routelab-DUMMY-9f8e7d6c5b4a39281706"


@pytest.fixture
def dummy_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", DUMMY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", DUMMY + "-anthropic")
    return DUMMY


def test_redact_removes_known_and_key_shaped_values(dummy_key):
    assert DUMMY not in secrets.redact(f"Incorrect API key provided: {DUMMY}.")
    assert "sk-abcdefghijklmnop" not in secrets.redact("key sk-abcdefghijklmnopqrst failed")


def test_calls_with_a_dummy_key_leave_no_trace(dummy_key, store, tmp_path, pool):
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"id": "a", "prompt": "Say OK.", "verifier": {"type": "regex", '
                       '"pattern": "OK"}}\n')
    # No internet here: the cloud call fails, and its error must not carry the key.
    report = collect(store, prompts, ["gpt-4o-mini"], "cloud", pool=pool)
    assert report.failed == 1
    health = llm.check(pool["gpt-4o-mini"], timeout=5)
    assert DUMMY not in health.message
    store.close()
    for path in [store.path, *Path(tmp_path).rglob("*.log")]:
        assert DUMMY.encode() not in Path(path).read_bytes(), f"key found in {path}"


def test_models_page_never_shows_the_key(dummy_key, tmp_path, monkeypatch):
    monkeypatch.setenv("ROUTELAB_DB", str(tmp_path / "page.duckdb"))
    monkeypatch.setenv("ROUTELAB_DEMO", "0")
    from app.ui import resources
    resources.store.clear()
    app = AppTest.from_file(str(REPO / "app" / "main.py"), default_timeout=60)
    app.run()
    app.switch_page(str(REPO / "pages" / "models.py")).run()
    assert not app.exception
    table = app.dataframe[0].value
    assert table.loc[table["model"] == "gpt-4o-mini", "key"].item() == "environment"
    everything = repr(table.to_dict()) + "".join(str(e.value) for e in app.markdown) + \
        "".join(str(e.value) for e in app.caption)
    assert DUMMY not in everything
    resources.store.clear()
