"""Pairwise preference logs: every verdict style imported as battles, bad input refused
whole, routers that learn from battles, and win rate against a reference model."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from app.data.importers import ImportProblem, import_path, remove_dataset
from app.data.importers import pairwise as pairwise_importer
from app.routing.preferences import (
    default_reference,
    evaluate_dataset,
    evaluate_preferences,
    load_preferences,
)
from routers.pairwise import Battles, BradleyTerryMF, CentroidWinRate, KNNWinRate
from routers.winrate import win_rate_table
from tests.conftest import SHARED, snapshot, vega_charts, write

FAST = "hashing-ngrams-512"  # a real, fast encoder: these tests are about the pipeline


def _battles(store, name: str) -> list[tuple]:
    return store.rows("""SELECT q.text, p.model_a, p.model_b, p.outcome, p.weight, p.both_bad,
                                p.verdict
                         FROM preferences p JOIN queries q USING (query_id)
                         JOIN datasets d ON d.dataset_id = p.dataset_id
                         WHERE d.name = ? ORDER BY p.battle_id""", [name])


def _refused(store, path, **kwargs) -> ImportProblem:
    before = snapshot(store) + (store.rows("SELECT count(*) FROM preferences")[0][0],)
    with pytest.raises(ImportProblem) as caught:
        import_path(store, path, **kwargs)
    after = snapshot(store) + (store.rows("SELECT count(*) FROM preferences")[0][0],)
    assert after == before, "a refused import changed the database"
    return caught.value


# ---- importing ------------------------------------------------------------------------

def test_arena_winners_with_ties_and_bothbad_are_detected(store, tmp_path):
    path = write(tmp_path / "arena.csv", "question_id,prompt,model_a,model_b,winner\n"
                 "1,What is 2+2?,alpha,beta,model_a\n2,What is 2+2?,beta,gamma,model_b\n"
                 "3,Name a colour,alpha,gamma,tie\n4,Name a colour,beta,alpha,tie (bothbad)\n"
                 "5,Spell cat,gamma,alpha,gamma\n")
    report = import_path(store, path)
    assert (report.format, report.queries, report.models, report.battles) == (
        "pairwise", 3, 3, 5)
    assert "3 prompts, 3 models, 5 battles" in report.summary()
    assert any("2 battles are ties" in n and "1 marked both bad" in n for n in report.notes)
    assert [b[1:6] for b in _battles(store, "arena")] == [
        ("alpha", "beta", 1.0, 1.0, False), ("beta", "gamma", 0.0, 1.0, False),
        ("alpha", "gamma", 0.5, 1.0, False), ("beta", "alpha", 0.5, 1.0, True),
        ("gamma", "alpha", 1.0, 1.0, False)]  # the winner named by its own name
    assert store.rows("SELECT format FROM datasets WHERE name = 'arena'") == [("pairwise",)]
    assert store.rows("SELECT count(*) FROM outcomes") == [(0,)]


def test_judge_verdicts_against_a_baseline_keep_their_strength(store, tmp_path):
    rows = [("Write a haiku", "A>>B"), ("Sort a list", "[[A>B]]"), ("Say hi", "A=B"),
            ("Explain DNS", "B>A"), ("Prove it", "b >> a")]
    path = tmp_path / "judged.jsonl"
    path.write_text("".join(json.dumps({"question": q, "model_a": "baseline",
                                        "model_b": "challenger", "verdict": v}) + "\n"
                            for q, v in rows), encoding="utf-8")
    report = import_path(store, path)
    assert report.format == "pairwise" and report.battles == 5
    assert [(b[3], b[4], b[6]) for b in _battles(store, "judged")] == [
        (1.0, 3.0, "A>>B"), (1.0, 1.0, "[[A>B]]"), (0.5, 1.0, "A=B"), (0.0, 1.0, "B>A"),
        (0.0, 3.0, "b >> a")]
    assert any("2 verdicts are strong" in n for n in report.notes)


def test_one_hot_winner_columns_in_parquet(store, tmp_path):
    frame = pd.DataFrame({"id": [1, 2, 3], "prompt": ["a?", "b?", "c?"],
                          "model_a": ["x", "x", "y"], "model_b": ["y", "z", "z"],
                          "winner_model_a": [1, 0, 0], "winner_model_b": [0, 1, 0],
                          "winner_tie": [0, 0, 1]})
    frame.to_parquet(tmp_path / "kaggle.parquet")
    import_path(store, tmp_path / "kaggle.parquet")
    assert [b[3] for b in _battles(store, "kaggle")] == [1.0, 0.0, 0.5]


def test_multi_turn_json_prompts_keep_the_user_turns_in_any_language(store, tmp_path):
    chat = [{"role": "user", "content": "¿Cuál es la capital de Perú?"},
            {"role": "assistant", "content": "Lima."},
            {"role": "user", "content": "¿Y de Chile?"}]
    lines = [{"conversation_a": chat, "model_a": "a", "model_b": "b", "winner": "model_a"},
             {"conversation_a": [{"role": "user", "content": "東京の人口は？"}],
              "model_a": "a", "model_b": "b", "winner": "model_b"},
             {"conversation_a": [{"role": "user",
                                  "content": [{"type": "text", "text": "Привет"}]}],
              "model_a": "a", "model_b": "b", "winner": "tie"}]
    path = tmp_path / "chats.jsonl"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines),
                    encoding="utf-8")
    import_path(store, path)
    assert [b[0] for b in _battles(store, "chats")] == [
        "¿Cuál es la capital de Perú?\n\n¿Y de Chile?", "東京の人口は？", "Привет"]
    turns = write(tmp_path / "mt.csv", 'turns,model_a,model_b,winner\n'
                  '"[""Write a story"", ""Now shorten it""]",a,b,model_b\n')
    import_path(store, turns)
    assert _battles(store, "mt")[0][0] == "Write a story\n\nNow shorten it"


def test_an_unknown_verdict_names_file_row_column_and_the_allowed_values(store, tmp_path):
    path = write(tmp_path / "votes.csv", "prompt,model_a,model_b,winner\n"
                 "q1,a,b,model_a\nq2,a,b,model_c\n")
    problem = _refused(store, path)
    assert (problem.file, problem.row, problem.column) == ("votes.csv", 2, "winner")
    assert "'model_c'" in str(problem) and "model_a, model_b, tie, tie (bothbad)" in str(problem)
    judged = write(tmp_path / "judged.csv", "prompt,model_a,model_b,verdict\nq,a,b,A>>>B\n")
    problem = _refused(store, judged)
    assert problem.column == "verdict" and "A>>B, A>B, A=B, B>A, B>>A" in str(problem)


def test_missing_columns_and_declared_scales_are_refused(store, tmp_path):
    path = write(tmp_path / "half.csv", "prompt,model_a,winner\nq,a,model_a\n")
    assert "model_b" in str(_refused(store, path, fmt="pairwise"))
    good = write(tmp_path / "good.csv", "prompt,model_a,model_b,winner\nq,a,b,tie\n")
    assert "score scale does not apply" in str(_refused(store, good, score_scale="1-10"))
    empty = write(tmp_path / "empty.csv", "prompt,model_a,model_b,winner\nq,a,b,\n")
    assert "no battle to keep" in str(_refused(store, empty))


def test_a_failure_while_writing_leaves_nothing_half_written(store, tmp_path, monkeypatch):
    write_for_real = pairwise_importer.write

    def write_then_fail(cur, **kwargs):
        write_for_real(cur, **kwargs)
        raise ImportProblem("arena.csv", "failed after writing.", "Nothing should remain.")

    monkeypatch.setattr(pairwise_importer, "write", write_then_fail)
    path = write(tmp_path / "arena.csv", "prompt,model_a,model_b,winner\nq,a,b,model_a\n")
    _refused(store, path)
    assert store.rows("SELECT count(*) FROM queries") == [(0,)]


def test_replacing_and_removing_a_dataset_removes_its_battles(store, tmp_path):
    path = write(tmp_path / "log.csv", "prompt,model_a,model_b,winner\nq1,a,b,model_a\n"
                 "q2,a,b,model_b\n")
    import_path(store, path)
    write(path, "prompt,model_a,model_b,winner\nq1,a,b,tie\n")
    import_path(store, path, replace=True)
    assert [b[3] for b in _battles(store, "log")] == [0.5]
    assert store.rows("SELECT count(*) FROM preferences") == [(1,)]
    assert remove_dataset(store, "log")
    assert store.rows("SELECT count(*) FROM preferences") == [(0,)]
    assert store.rows("SELECT count(*) FROM queries") == [(0,)]


# ---- routers and win rate -------------------------------------------------------------

def _planted(n: int = 300, seed: int = 0) -> tuple[np.ndarray, Battles]:
    """Two topics in embedding space; alpha wins on topic 0, beta on topic 1 (90%)."""
    rng = np.random.default_rng(seed)
    topic = rng.integers(0, 2, n)
    X = rng.normal(size=(2, 24))[topic] + 0.8 * rng.normal(size=(n, 24))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    alpha_better = np.where(topic == 0, 0.9, 0.1)
    outcome = (rng.random(n) < alpha_better).astype(float)
    battles = Battles(np.arange(n), np.zeros(n, np.int64), np.ones(n, np.int64), outcome,
                      np.ones(n), ("alpha", "beta"))
    return X, battles


@pytest.mark.parametrize("router", [BradleyTerryMF(), KNNWinRate(), CentroidWinRate()],
                         ids=lambda r: r.name)
def test_routers_recover_a_planted_preference(router):
    X, battles = _planted()
    train, test = battles.subset(np.arange(200)), battles.subset(np.arange(200, 300))
    scores = router.fit(X, train).score(X)
    assert scores.shape == (300, 2)
    rows = {r["name"]: r for r in win_rate_table({"router": scores}, test, "alpha",
                                                 n_boot=300)}
    assert rows["router"]["win_rate"] > 0.65 and rows["router"]["win_rate_ci"][0] > 0.5
    assert rows["router"]["win_rate"] > rows["always the challenger"]["win_rate"] + 0.1
    assert rows["always alpha (the reference)"]["win_rate"] == 0.5


def test_bt_mf_is_deterministic_given_a_seed():
    X, battles = _planted()
    first = BradleyTerryMF(seed=3).fit(X, battles).score(X)
    assert np.array_equal(first, BradleyTerryMF(seed=3).fit(X, battles).score(X))
    assert not np.array_equal(first, BradleyTerryMF(seed=4).fit(X, battles).score(X))


def test_win_rate_definition_on_hand_made_battles():
    # ref vs x three times: x wins, ties, loses; the router prefers x on query 0 only.
    battles = Battles(np.array([0, 1, 2]), np.array([0, 1, 0]), np.array([1, 0, 1]),
                      np.array([0.0, 0.5, 1.0]), np.ones(3), ("ref", "x"))
    scores = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    rows = {r["name"]: r for r in win_rate_table({"r": scores}, battles, "ref", n_boot=0)}
    assert rows["r"]["win_rate"] == pytest.approx((1.0 + 0.5 + 0.0) / 3)
    assert rows["always x"]["win_rate"] == pytest.approx(0.5)
    assert rows["oracle (picks the battle's winner)"]["win_rate"] == pytest.approx(2 / 3)
    assert rows["oracle (picks the battle's winner)"]["deployable"] is False
    assert all(r["battles"] == 3 for r in rows.values())


def _topic_log(path, n: int = 120, seed: int = 0):
    """Maths prompts where alpha wins and cooking prompts where beta wins (90% each)."""
    rng = np.random.default_rng(seed)
    lines = ["prompt,model_a,model_b,winner"]
    for i in range(n):
        if i % 2:
            prompt = f"Solve the equation {i}x + {i % 7} = {3 * i} and show the algebra"
            alpha_wins = rng.random() < 0.9
        else:
            prompt = f"How long should I roast {i} potatoes in the oven with rosemary?"
            alpha_wins = rng.random() < 0.1
        a, b = ("alpha", "beta") if i % 3 else ("beta", "alpha")
        winner = "model_a" if alpha_wins == (a == "alpha") else "model_b"
        lines.append(f'"{prompt}",{a},{b},{winner}')
    return write(path, "\n".join(lines) + "\n")


def test_the_app_trains_on_the_training_split_and_scores_win_rates(store, tmp_path):
    import_path(store, _topic_log(tmp_path / "topics.csv"))
    data = load_preferences(store, "topics", FAST)
    train_texts = {data.texts[q] for q in data.battles.query[data.train]}
    test_texts = {data.texts[q] for q in data.battles.query[data.test]}
    assert train_texts and test_texts and not train_texts & test_texts
    assert default_reference(data) in ("alpha", "beta")
    result = evaluate_preferences(data, reference="alpha", n_boot=200)
    rows = {r["name"]: r for r in result.rows}
    for name in ("bt-mf", "knn-winrate", "centroid-winrate"):
        assert rows[name]["win_rate"] > 0.6, (name, rows[name])
        assert rows[name]["win_rate"] > rows["always alpha (the reference)"]["win_rate"]
        assert rows[name]["deployable"]
    assert set(rows[name]) == {"name", "win_rate", "win_rate_ci", "battles", "deployable"}
    assert evaluate_dataset(store, "topics", encoder=FAST, n_boot=0).reference == (
        default_reference(data))


def test_real_pairwise_logs_in_shared_data(store):
    found = [p for p in SHARED.rglob("*") if p.suffix in (".csv", ".jsonl", ".parquet")
             and p.stat().st_size < 200 * 2**20 and _looks_pairwise(p)] if SHARED.is_dir() else []
    if not found:
        pytest.skip(f"no pairwise preference log (model_a / model_b columns) under {SHARED}")
    for path in found[:2]:
        report = import_path(store, path, fmt="pairwise", name=path.stem)
        assert report.battles > 0
        result = evaluate_dataset(store, path.stem, encoder=FAST, n_boot=100)
        assert 0.0 <= result.rows[0]["win_rate"] <= 1.0


def _looks_pairwise(path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(4096).decode("utf-8", errors="replace")
    return "model_a" in head and "model_b" in head


# ---- pages ------------------------------------------------------------------------------

@pytest.fixture
def page_db(tmp_path, monkeypatch):
    """A database holding the topics log, for AppTest runs (closed before the app opens it)."""
    from app.store.db import open_store
    from app.ui import resources

    path = tmp_path / "page.duckdb"
    opened = open_store(path)
    import_path(opened, _topic_log(tmp_path / "topics.csv"))
    opened.close()
    for key, value in {"ROUTELAB_DB": str(path), "ROUTELAB_DEMO": "0",
                       "ROUTELAB_ENCODER": FAST}.items():
        monkeypatch.setenv(key, value)
    resources.store.clear()
    yield path
    resources.store.clear()


def _compare_panel():
    from app.store.datasets import by_name
    from app.ui import resources
    from app.ui.preference_view import show_preferences

    show_preferences(resources.store(), by_name(resources.store(), "topics"), n_boot=50)


def test_the_data_page_shows_battles_and_the_compare_panel_win_rates(page_db):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import REPO

    app = AppTest.from_file(str(REPO / "app" / "main.py"), default_timeout=60).run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Battles"] == "120" and metrics["Models"] == "2"
    pairs = next(d.value for d in app.dataframe if "first" in d.value.columns)
    assert pairs["battles"].tolist() == [120]
    [(_, cells)] = vega_charts(app)  # battles per pair, mirrored: each model's own row
    assert sorted(cells["value"]) == [120, 120] and set(cells["row"]) == set(cells["column"])
    panel = AppTest.from_function(_compare_panel, default_timeout=60).run()
    assert not panel.exception and not panel.error, [e.value for e in panel.error]
    table = panel.dataframe[0].value
    assert {"bt-mf", "knn-winrate", "centroid-winrate"} <= set(table["name"])
    [(spec, bars)] = vega_charts(panel)
    assert bars["win_rate"].is_monotonic_decreasing  # best first
    kinds = dict(zip(bars["name"], bars["kind"], strict=True))
    assert kinds["bt-mf"] == "router" and "not deployable" in kinds.values()
    assert any(layer.get("encoding", {}).get("x", {}).get("datum") == 0.5
               for layer in spec["layer"])  # the reference's own line
    assert spec["layer"][0]["encoding"]["y"]["axis"]["labelLimit"] == 0  # names read whole
    panel.selectbox(key="pref_reference").set_value("beta").run()
    assert not panel.exception
    assert "involving beta" in panel.caption[0].value


# ---- the Map and Label pages on a battle log -----------------------------------------

def _judged_log(store, tmp_path) -> int:
    """Four judged battles on two prompts (a strong verdict and a tie among them), imported;
    its dataset id."""
    path = tmp_path / "judged.jsonl"
    path.write_text("".join(json.dumps({"question": q, "model_a": a, "model_b": b,
                                        "verdict": v}) + "\n" for q, a, b, v in [
        ("Write a haiku", "alpha", "beta", "A>B"), ("Write a haiku", "alpha", "gamma", "A=B"),
        ("Sort a list", "beta", "alpha", "A>>B"), ("Sort a list", "alpha", "beta", "A>B")]),
        encoding="utf-8")
    import_path(store, path)
    return store.rows("SELECT dataset_id FROM datasets WHERE name = 'judged'")[0][0]


def test_the_map_reads_each_models_win_rate_on_each_query(store, tmp_path):
    """Per query, a model's weighted win rate in its battles there (ties half, a strong
    verdict three times); NaN where it fought none; a battle log has no costs."""
    from app.store.preferences import win_rate_matrix

    dataset_id = _judged_log(store, tmp_path)
    matrix = win_rate_matrix(store, dataset_id)
    assert matrix.models == ["alpha", "beta", "gamma"]
    rows = {text: i for (text,), i in zip(store.rows(
        "SELECT text FROM queries ORDER BY query_id"), range(2), strict=True)}
    haiku, sort = matrix.scores[rows["Write a haiku"]], matrix.scores[rows["Sort a list"]]
    assert haiku[:2].tolist() == [0.75, 0.0] and haiku[2] == 0.5
    assert sort[:2].tolist() == [0.25, 0.75] and np.isnan(sort[2])  # 1 of 4 weighted wins
    assert np.isnan(matrix.costs).all() and len(matrix.query_ids) == 2


def test_a_map_selection_on_a_battle_log_lists_its_battles(store, tmp_path):
    """A box or lasso on a battle log's map: each model's record in the battles on the
    selected queries only, and those battles with who won (the log keeps no answers)."""
    from app.store.preferences import model_records, query_battles

    dataset_id = _judged_log(store, tmp_path)
    haiku = store.rows("SELECT query_id FROM queries WHERE text = 'Write a haiku'")[0][0]
    records = model_records(store, dataset_id, [haiku]).set_index("model")
    assert records["battles"].to_dict() == {"alpha": 2, "beta": 1, "gamma": 1}
    assert records.loc["alpha", "win_rate"] == 0.75 and records.loc["beta", "win_rate"] == 0
    everything = model_records(store, dataset_id).set_index("model")
    assert everything.loc["alpha", "battles"] == 4  # the sort battles count without a selection
    battles = query_battles(store, [haiku])
    assert battles[["model_a", "model_b", "winner", "verdict"]].values.tolist() == [
        ["alpha", "beta", "alpha", "A>B"], ["alpha", "gamma", "(tie)", "A=B"]]
    assert set(battles["question"]) == {"Write a haiku"}
    assert len(query_battles(store, [haiku], limit=1)) == 1 and query_battles(store, []).empty


def _battle_selection():
    """The Map's drill-down of a box around every query of the topics log, with a cap of 50
    battles shown (its own is 500: more than this log holds)."""
    from app.store.datasets import by_name
    from app.store.preferences import win_rate_matrix
    from app.ui import map_view, resources

    map_view.BATTLES_SHOWN = 50
    dataset = by_name(resources.store(), "topics")
    matrix = win_rate_matrix(resources.store(), dataset.id)
    map_view.battle_selection_details(resources.store(), dataset.id, matrix,
                                      list(range(len(matrix.query_ids))))


def test_the_maps_battle_drill_down_shows_records_and_the_first_battles(page_db):
    """What a box or lasso over a battle log lists: each model's record over the selected
    queries (120 battles: each counted once for either side), a caption when more battles
    are selected than shown, and the battles without an empty task column."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(_battle_selection, default_timeout=60).run()
    assert not app.exception, app.exception
    assert app.subheader[0].value == "120 selected queries"
    records, battles = (d.value for d in app.dataframe)
    assert records["battles"].tolist() == [120, 120] and records["wins"].sum() == 120
    assert any("first 50 of the 120 battles" in c.value for c in app.caption)
    assert len(battles) == 50 and "task" not in battles.columns
    assert set(battles["winner"]) <= {"alpha", "beta"}  # this log has no ties


def test_the_map_and_label_pages_take_a_battle_log(tmp_path, monkeypatch):
    """The Map draws where each model wins the battles (alpha the maths prompts, beta the
    cooking ones); the Label page says a battle log has no answers to judge. Both crashed:
    a battle log has no outcomes, so no scores to decide regions by and no answer to show."""
    from streamlit.testing.v1 import AppTest

    from app.embed import maps
    from app.store.db import open_store
    from app.store.preferences import win_rate_matrix
    from app.ui import resources
    from app.ui.map_view import BATTLE_COLOUR_BY
    from tests.conftest import REPO

    db = tmp_path / "battles.duckdb"
    with_battles = open_store(db)
    import_path(with_battles, _topic_log(tmp_path / "topics.csv"))
    with_battles.close()
    for name, value in (("ROUTELAB_DB", str(db)), ("ROUTELAB_DEMO", "0"),
                        ("ROUTELAB_ENCODER", FAST)):
        monkeypatch.setenv(name, value)
    resources.store.clear()
    try:
        app = AppTest.from_file(str(REPO / "app" / "main.py"), default_timeout=240).run()
        app.switch_page(str(REPO / "pages" / "map.py")).run()
        assert not app.exception, app.exception
        assert any("wins the battles on nearby queries" in c.value for c in app.caption)
        # what the page drew its regions from: the map it built and the battles' win rates
        drawn = resources.store()
        dataset_id, version = drawn.rows("SELECT dataset_id, content_hash FROM datasets")[0]
        _, coords = maps.cached_projection(drawn, dataset_id, version, FAST, maps.MapParams())
        matrix = win_rate_matrix(drawn, dataset_id)
        best = maps.Objective("best")
        owner = maps.decide(matrix.scores, matrix.costs, best)
        alpha, beta = matrix.models.index("alpha"), matrix.models.index("beta")
        maths = np.array(["equation" in t for (t,) in drawn.rows(
            "SELECT text FROM queries ORDER BY query_id")])
        # each query's one battle, won by its topic's model 90% of the time (78% and 90%
        # of this log's draws)
        assert (owner[maths] == alpha).mean() > 0.7 and (owner[~maths] == beta).mean() > 0.7
        regions = maps.win_regions(coords, matrix.scores, matrix.costs, best)
        assert {alpha, beta} <= set(np.unique(regions.winner).tolist())
        # battles have win rates, not scores or costs, and no router trains on them: the
        # controls offer no λ, threshold or router, and the colourings speak of wins
        assert not app.segmented_control, "a battle log has nothing to trade off"
        assert app.selectbox(key="map_colour").options == list(BATTLE_COLOUR_BY)
        figure = json.loads(app.get("plotly_chart")[0].proto.spec)
        hover = " ".join(str(t) for trace in figure["data"]
                         for t in trace.get("hovertext") or [])
        assert "best win rate: alpha" in hover and "oracle" not in hover
        assert any(t.get("name") == "alpha" for t in figure["data"])  # best win rate, by model
        app.selectbox(key="map_colour").set_value("one model's win rate").run()
        app.selectbox(key="map_colour_model").set_value("beta").run()
        assert not app.exception, app.exception
        figure = json.loads(app.get("plotly_chart")[0].proto.spec)
        assert "beta win rate" in json.dumps(figure["data"])
        app.switch_page(str(REPO / "pages" / "label.py")).run()
        assert not app.exception, app.exception
        assert any("no answers to judge" in i.value for i in app.info)
        # the Playground's kNN cannot train on battles: said in its own column, the page runs
        app.switch_page(str(REPO / "pages" / "playground.py")).run()
        app.multiselect(key="playground_routers").set_value(["bandit", "knn"]).run()
        app.text_area(key="playground_prompt").input("How long should I roast potatoes?")
        app.button[-1].click().run()  # Send
        assert not app.exception, app.exception
        assert any("'topics' is a pairwise preference log" in e.value for e in app.error)
        # nor can the Learning page's what-if simulate a bandit on it
        app.switch_page(str(REPO / "pages" / "learning.py"))
        app.session_state["fold_what_if"] = True  # the what-if fold, opened
        app.run()
        next(b for b in app.button if b.label == "Simulate").click().run()
        assert not app.exception, app.exception
        assert any("'topics' is a pairwise preference log" in e.value for e in app.error)
    finally:
        resources.store.clear()


def test_score_routers_refuse_a_battle_log_by_name(store, tmp_path):
    """The Routers page's 'Train and test', the Playground and `routers save` all load a
    log for score routers: on a battle log that was a traceback ('knn is not fitted')."""
    from app.routing.configs import RouterProblem, load_for_routing

    import_path(store, _topic_log(tmp_path / "topics.csv"))
    with pytest.raises(RouterProblem, match="'topics' is a pairwise preference log.*Compare"):
        load_for_routing(store, "topics", FAST)
