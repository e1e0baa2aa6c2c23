"""The Label and Learning pages through AppTest on the built-in demo log."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture
def app(tmp_path, monkeypatch):
    for key, value in {"ROUTELAB_DB": str(tmp_path / "fb.duckdb"), "ROUTELAB_DEMO": "1",
                       "ROUTELAB_ENCODER": "hashing-ngrams-512"}.items():
        monkeypatch.setenv(key, value)
    from app.ui import resources
    resources.store.clear()
    resources.ensure_demo.clear()
    resources.bandits.clear()
    test = AppTest.from_file(str(REPO / "app" / "main.py"), default_timeout=120)
    test.run()
    yield test
    for cached in (resources.store, resources.ensure_demo, resources.bandits):
        cached.clear()


def test_label_pick_the_better_of_two_then_undo(app):
    app.switch_page(str(REPO / "pages" / "label.py")).run()
    assert not app.exception
    app.segmented_control(key="label_mode").set_value("pick the better of two").run()
    better = [b for b in app.button if b.label == "This one is better"]
    assert len(better) == 2
    better[0].click().run()
    assert not app.exception
    from app.ui import resources
    rows = resources.store().rows("SELECT reward, source, propensity FROM feedback "
                                  "ORDER BY event_id")
    assert sorted(r[0] for r in rows) == [0.0, 1.0] and {r[1] for r in rows} == {"label"}
    assert "1 labelled" in app.get("progress")[0].proto.text
    next(b for b in app.button if b.label == "Undo last label").click().run()
    # one judgement, two votes: undone together
    assert resources.store().rows("SELECT count(*) FROM feedback WHERE NOT retracted")[0][0] == 0


def test_learning_page_shows_the_bandit_and_off_policy_table(app):
    from app.routing.feedback import Vote, record_vote
    from app.ui import resources
    for i in range(12):
        record_vote(resources.store(), resources.bandits(), Vote(
            "s", "playground", ["gemma3", "smollm2"][i % 2], f"What is {i} plus 1?",
            float(i % 2), f"r{i}", router="bandit"))
    app.switch_page(str(REPO / "pages" / "learning.py")).run()
    assert not app.exception, app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Votes learned from"] == "12" and metrics["Models it knows"] == "2"
    table = app.dataframe[0].value
    assert "bandit" in set(table["router"]) and {"IPS", "doubly robust"} <= set(table.columns)
