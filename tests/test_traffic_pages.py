"""A traffic log through the pages (AppTest): the Data page's Savings view, the Label page
scoring its one answer per call into the bandit, the Learning page's off-policy table, and
the Compare page saying why it does not compare routers on it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.data.importers import import_path
from app.present.text import plain
from app.store.db import open_store
from tests.conftest import REPO, vega_charts
from tests.traffic_logs import FAST, call, failure, save_single, scored_log, write_log

pytestmark = pytest.mark.slow

# Models LiteLLM's cost map prices, so the page's Savings have a price without any input.
CHEAP, DEAR = "gpt-4o-mini", "gpt-4o"


@pytest.fixture
def app(tmp_path, monkeypatch):
    for key, value in {"ROUTELAB_DB": str(tmp_path / "traffic.duckdb"), "ROUTELAB_DEMO": "0",
                       "ROUTELAB_ENCODER": FAST}.items():
        monkeypatch.setenv(key, value)
    store = open_store(tmp_path / "traffic.duckdb")
    scored_log(store, tmp_path)
    save_single(store, "always-big", "big")
    calls = [call(i, [CHEAP, DEAR][i % 2], scores={CHEAP: 0.3, DEAR: 0.7}) for i in range(6)]
    import_path(store, write_log(tmp_path / "gateway.jsonl", calls + [failure(6, DEAR)]),
                name="gateway")
    store.close()
    from app.ui import resources
    for cached in (resources.store, resources.ensure_demo, resources.bandits):
        cached.clear()
    test = AppTest.from_file(str(REPO / "app" / "main.py"), default_timeout=120)
    test.run()
    test.sidebar.selectbox(key="dataset").select("gateway").run()
    yield test
    for cached in (resources.store, resources.ensure_demo, resources.bandits):
        cached.clear()


def _page(app, name: str):
    app.switch_page(str(REPO / "pages" / f"{name}.py")).run()
    assert not app.exception, app.exception
    return app


def test_data_page_shows_the_savings_view(app):
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Answered calls"] == "6" and metrics["Labelled"] == "0 of 6"
    assert metrics["Saved"].startswith("$") and metrics["All to the strongest"].startswith("$")
    assert "Savings" in [h.value for h in app.subheader]
    said = " ".join(m.value for m in app.markdown)
    assert plain(DEAR) in said and plain("Failed calls, not counted as answers: 1") in said
    assert any("error" in d.value.columns for d in app.dataframe)  # failed calls, kept
    assert app.get("download_button"), "the stakeholder report is offered"
    assert not app.get("plotly_chart")  # no Plotly front end to load on the Data page
    (spend_spec, spend), (share_spec, share) = vega_charts(app)
    assert spend["bar"].tolist() == ["as routed", f"all to {DEAR}"]
    assert spend["label"].iloc[1] == metrics["All to the strongest"]
    assert spend_spec["title"].startswith("Spend on 6 comparable calls")
    assert share.groupby("period")["share"].sum().round(9).eq(1).all()  # each bar is 100%
    assert set(share["model"]) == {CHEAP, DEAR} and share["calls"].sum() == 6


def test_label_page_scores_a_traffic_answer_and_the_bandit_learns(app):
    from app.ui import resources, state
    _page(app, "label")
    query_id = _first_in_queue(app)
    model, = resources.store().rows("SELECT model FROM outcomes WHERE query_id = ?",
                                    [query_id])[0]
    app.session_state[state.label_thumb(query_id, model)] = 1
    app.run()
    assert not app.exception, app.exception
    rows = resources.store().rows("SELECT query_id, model, reward, source FROM feedback")
    assert rows == [(query_id, model, 1.0, "label")]
    assert model in resources.bandits().get("bandit").models_  # the vote reached the bandit
    app.segmented_control(key="label_mode").set_value("pick the better of two").run()
    assert not app.exception
    assert not [b for b in app.button if b.label == "This one is better"]
    assert any("Only one answer is logged" in c.value for c in app.caption)


def _first_in_queue(app) -> int:
    """The query the Label page shows: its text is the first verbatim text, under 'Query'."""
    from app.ui import resources
    shown = app.text[0].value
    return resources.store().rows("SELECT query_id FROM queries WHERE text = ?", [shown])[0][0]


def test_learning_page_estimates_saved_routers_on_the_labelled_calls(app):
    from app.routing.feedback import Vote, record_vote
    from app.ui import resources
    store = resources.store()
    for query_id, model, text in store.rows(
            "SELECT q.query_id, o.model, q.text FROM queries q JOIN outcomes o "
            "USING (query_id) JOIN datasets d USING (dataset_id) WHERE d.name = 'gateway'"):
        record_vote(store, resources.bandits(), Vote.label(
            "s", model=model, question=text, reward=float(model == DEAR), query_id=query_id,
            dataset="gateway"))
    _page(app, "learning")
    table = next(d.value for d in app.dataframe if "role" in d.value.columns)
    rows = table.set_index("router")
    assert rows.loc["prod", "role"] == "deployed (on-policy)"
    assert rows.loc["prod", "value"] == 0.5 and rows.loc["prod", "labelled calls"] == 6
    assert rows.loc["always-big", "matches"] == 0  # big is not among the gateway's models
    assert "only 0 matching calls" in rows.loc["always-big", "note"]
    assert any("deterministic" in i.value for i in app.info)
    assert any("Too few calls to trust" in w.value for w in app.warning)


def test_compare_page_points_to_savings_and_learning(app):
    _page(app, "compare")
    assert any("This is a traffic log" in i.value for i in app.info)
