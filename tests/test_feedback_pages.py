"""The Label and Learning pages through AppTest on the built-in demo log."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO, settle

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


def test_the_shown_question_is_embedded_before_the_vote(app, monkeypatch):
    """The Label page embeds the question on a worker thread as it shows it, so a vote
    does not wait for the encoder."""
    from app.embed.embeddings import text_hash
    from app.ui import background, resources
    monkeypatch.setenv("ROUTELAB_BUILD_AHEAD", "1")  # the suite turns work ahead off
    app.switch_page(str(REPO / "pages" / "label.py")).run()
    assert not app.exception, app.exception
    shown = app.text[0].value  # the query, shown verbatim
    settle(background.jobs(), 10)
    cached = resources.store().rows(
        "SELECT count(*) FROM embeddings WHERE encoder = ? AND text_hash = ?",
        [resources.bandits().encoder, text_hash(shown)])[0][0]
    assert cached == 1


def test_the_playground_trains_its_routers_while_the_prompt_is_written(app, monkeypatch):
    """Opening the Playground starts training its chosen routers on worker threads; Send
    then finds them trained."""
    from app.ui import background, resources
    monkeypatch.setenv("ROUTELAB_BUILD_AHEAD", "1")
    resources.routing_cache.clear()  # nothing trained by an earlier test
    app.switch_page(str(REPO / "pages" / "playground.py")).run()
    assert not app.exception, app.exception
    settle(background.jobs(), 30)
    trained = [config for (dataset, config) in resources.routing_cache().routers.items]
    assert any('"kind": "knn"' in config for config in trained), trained


def test_the_playground_imports_litellm_while_the_prompt_is_written(app, monkeypatch):
    """A server's first model call waited about 1.8 s for LiteLLM's import; opening the
    Playground now starts it on a worker thread (not imported here: the test process may
    hold it already, so the import is recorded instead)."""
    import importlib
    import sys

    from app.ui import background
    monkeypatch.setenv("ROUTELAB_BUILD_AHEAD", "1")
    monkeypatch.delitem(sys.modules, "litellm", raising=False)
    imported, real = [], importlib.import_module
    monkeypatch.setattr(importlib, "import_module", lambda name, *args: imported.append(
        name) if name == "litellm" else real(name, *args))
    app.switch_page(str(REPO / "pages" / "playground.py")).run()
    assert not app.exception, app.exception
    settle(background.jobs(), 30)
    assert imported == ["litellm"]


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
    charts = [json.loads(c.proto.spec) for c in app.get("vega_lite_chart")]
    assert not app.get("plotly_chart")  # no Plotly front end to load on the Learning page
    bars = next(c for c in charts if "y2" in c["layer"][-1]["encoding"])  # the posterior
    assert set(bars["layer"][0]["encoding"]["x"]["sort"]) == {"gemma3", "smollm2"}


def test_a_second_click_on_a_labelled_pair_counts_nothing(monkeypatch):
    """A click that lands while the first one's run is drawing fires the old query's
    callback again (Streamlit keeps an interrupted run's widgets): no second vote, and the
    query is counted once, so Undo brings it back."""
    import streamlit as st

    from app.store.datasets import Dataset
    from app.ui import label_view, state

    monkeypatch.setattr(st, "session_state", {state.LABELLED: {}})
    votes = []
    monkeypatch.setattr(label_view, "vote", lambda *args: votes.append(args))
    dataset = Dataset(1, "demo", "v1", "demo", "csv", "demo.csv", None, None, 10, 2, 20)
    shown = [("a", "yes", "q?"), ("b", "no", "q?")]
    for _ in range(2):
        label_view.pick_better(dataset, 7, shown, 0, "s")
    assert len(votes) == 1 and votes[0][2] == {"a": 1.0, "b": 0.0}
    assert st.session_state[state.LABELLED] == {"demo": [7]}
    label_view.skip(8)
    label_view.skip(8)
    assert st.session_state[state.SKIPPED] == [8]


class _StoppingState(dict):
    """Session state as Streamlit's script runner serves it: once another click has asked
    the run to stop (runner.fastReruns), its next access raises StopException."""

    stop = False

    def _yield(self):
        if self.stop:
            from streamlit.runtime.scriptrunner_utils.exceptions import StopException
            raise StopException()

    def __getitem__(self, key):
        self._yield()
        return super().__getitem__(key)

    def __setitem__(self, key, value):
        self._yield()
        super().__setitem__(key, value)

    def get(self, key, default=None):
        self._yield()
        return super().get(key, default)

    def setdefault(self, key, default=None):
        self._yield()
        return super().setdefault(key, default)

    def pop(self, key, *default):
        self._yield()
        return super().pop(key, *default)


def test_a_label_stored_while_another_click_stops_the_run_is_still_counted(monkeypatch):
    """Under load a second click can arrive while the first one's callback is writing:
    Streamlit then stops that run at its next session-state access. The label it stored
    must still be counted and undoable (once, it was stored and never counted)."""
    import streamlit as st

    from app.store.datasets import Dataset
    from app.ui import label_view, state

    session = _StoppingState()
    monkeypatch.setattr(st, "session_state", session)
    stored = []

    def vote_then_another_click_arrives(*args):
        stored.append(args)
        session.stop = True
        return [11, 12]

    monkeypatch.setattr(label_view, "vote", vote_then_another_click_arrives)
    dataset = Dataset(1, "demo", "v1", "demo", "csv", "demo.csv", None, None, 10, 2, 20)
    label_view.pick_better(dataset, 7, [("a", "yes", "q?"), ("b", "no", "q?")], 0, "s")
    session.stop = False
    assert len(stored) == 1
    assert session[state.LABELLED] == {"demo": [7]}
    assert session[state.LABEL_EVENTS] == [[11, 12]]


def test_an_undo_stopped_by_another_click_leaves_the_label_whole_or_wholly_undone(
        monkeypatch):
    """Undo retracts a label's votes one by one: a stop between them (see above) must not
    leave one vote retracted and the other counted, with the label gone from the history."""
    import streamlit as st

    from app.store.datasets import Dataset
    from app.ui import label_view, state

    session = _StoppingState({state.LABELLED: {"demo": [7]}, state.LABEL_EVENTS: [[11, 12]],
                              state.label_sent(7, "a"): True})
    monkeypatch.setattr(st, "session_state", session)
    monkeypatch.setattr(label_view, "vote_of", lambda store, event: (7, "ab"[event - 11]))
    retracted = []

    def retract_then_another_click_arrives(store, book, event):
        retracted.append(event)
        session.stop = True

    monkeypatch.setattr(label_view, "retract", retract_then_another_click_arrives)
    monkeypatch.setattr(label_view.resources, "store", lambda: None)
    monkeypatch.setattr(label_view.resources, "bandits", lambda: None)
    dataset = Dataset(1, "demo", "v1", "demo", "csv", "demo.csv", None, None, 10, 2, 20)
    label_view.undo(dataset)
    session.stop = False
    assert retracted == [11, 12]
    assert session[state.LABEL_EVENTS] == [] and session[state.LABELLED] == {"demo": []}
    assert state.label_sent(7, "a") not in session


def test_the_prompt_box_defaults_to_the_prompt_shown(app):
    """As with the sidebar's dataset box: a browser that mounts the Playground's prompt box
    afresh shows the box's default and would send that with Send. The default must be the
    prompt shown (here a demo prompt the script put there), not an empty box."""
    app.switch_page(str(REPO / "pages" / "playground.py")).run()
    next(b for b in app.button if b.label == "Try a prompt from the demo set").click().run()
    picked = app.text_area(key="playground_prompt").value
    assert picked
    app.run()  # a later run, where the script does not set the value
    box = app.text_area(key="playground_prompt")
    assert box.value == picked and box.proto.default == picked
    assert not app.exception  # nor Streamlit's warning about a default and a value set both:
    assert not any("Session State" in warning.value for warning in app.warning)
