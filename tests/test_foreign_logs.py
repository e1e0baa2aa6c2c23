"""The foreign-log suite: logs of every shape a user may bring, through import, training
and evaluation, checked for properties any honest evaluation must have.

Shapes (tests/foreign_logs.py, and a pairwise log): no cost, cost for some models, 0/1,
0-1 and 1-10 scores, 2 and 16 models, missing outcomes, duplicate prompts, multi-turn
prompts, non-English text.
Properties: with one model best on every task, every deterministic learned router's
headline reaches that model's test quality minus 0.02; no curve beats the oracle; the Zero
router is never below a single model; every metric is finite or absent (None, never NaN);
nothing warns; the JSON report is strict; the Compare page's charts and the stakeholder
report are drawn, their data finite.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from app.data.importers import import_path
from app.present.compare_charts import cost_quality, slices_heatmap
from app.present.comparison_out import as_json
from app.present.report import render
from app.routing.comparison import compare
from app.routing.configs import RouterConfig, load_for_routing
from app.store.db import open_store
from tests.foreign_logs import Shape, write_long

pytestmark = pytest.mark.slow
FAST = "hashing-ngrams-512"
# deterministic routers that learn per-query quality: with one model best everywhere they
# must find it (cascades, sampling bandits and hand-written routes are other mechanisms)
LEARNED = ("knn", "centroid", "clusters", "predictive", "mf", "irt", "linucb")
OTHERS = ("cascade", "thompson", "semantic", "stacked", "judged-cascade")


def evaluate(tmp_path, shape: Shape, routers=LEARNED + OTHERS):
    """Import the shape's log into a fresh store and compare routers on it, turning every
    warning into an error; (comparison, its JSON text)."""
    store = open_store(tmp_path / f"s{abs(hash(repr(shape)))}.duckdb")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            path = write_long(shape, tmp_path / f"log{abs(hash(repr(shape)))}.jsonl")
            import_path(store, path, fmt="long", name="foreign", replace=True)
            data = load_for_routing(store, "foreign", FAST)
            result = compare(store, "foreign", [RouterConfig(k, k, {}, encoder=FAST)
                                                for k in routers], n_boot=30, data=data)
            text = json.dumps(_strict(as_json(result)), allow_nan=False)
    finally:
        store.close()
    return result, text


def check_properties(result, text: str, shape: Shape) -> None:
    def refuse(constant):
        raise AssertionError(f"{constant} in the JSON report")
    json.loads(text, parse_constant=refuse)
    _charts_drawn(result)
    oracle = result.references["oracle"].headline_quality
    singles = {m: result.references[m].headline_quality for m in result.models}
    zero_quality = max(result.zero[1])
    assert zero_quality >= max(singles.values()) - 1e-12
    for row in result.rows:
        for key, value in row.items():
            if isinstance(value, float):
                assert math.isfinite(value), (row["name"], key, value)
        assert row["quality"] <= oracle + 1e-12, row["name"]
    for name, curve in result.routers.items():
        assert curve.mean_quality.max() <= oracle + 1e-12, name
    if shape.best_everywhere:
        best = max(singles.values())
        for name in LEARNED:
            assert result.routers[name].headline_quality >= best - 0.02, (
                name, result.routers[name].headline_quality, best, result.axis.kind)
    if result.axis.kind == "none":
        assert all(r["cost"] is None and r["aiq"] is None for r in result.rows)


def _charts_drawn(result) -> None:
    """Every mark the Compare page draws is a finite number on the comparison's own axis,
    and the report (which refuses NaN in its charts' data) is written."""
    points, spec = cost_quality(result)
    cells, _ = slices_heatmap(result)
    for frame in (points, cells):
        numbers = frame.select_dtypes("number").to_numpy(dtype=float)
        assert np.isfinite(numbers).all(), frame
    if result.axis.kind == "share":
        assert points["cost"].between(0, 1).all()
    if result.axis.kind == "none":
        assert "layer" in spec and spec["layer"][0]["mark"] == "bar"  # quality only
    assert "routelab report: foreign" in render(result)


def _strict(value):
    from app.cli import _strict_json
    return _strict_json(value)


FIXED = {
    "no cost, 16 judged models": Shape(n_queries=160, n_models=16, cost="none", scale="0-1"),
    "no cost, 2 models (RouteLLM)": Shape(n_queries=160, n_models=2, cost="none"),
    "cost for some models": Shape(n_queries=120, n_models=4, cost="some"),
    "1-10 judge scores": Shape(n_queries=120, n_models=3, scale="1-10"),
    "one model best everywhere, no cost": Shape(n_queries=160, n_models=5, cost="none",
                                               best_everywhere=True),
    "one model best everywhere, priced": Shape(n_queries=160, n_models=3,
                                              best_everywhere=True),
    "missing outcomes and duplicates": Shape(n_queries=160, n_models=3, missing=0.1,
                                            duplicates=0.2),
    "multi-turn, non-English": Shape(n_queries=120, n_models=3, multi_turn=True,
                                     non_english=True),
    # found by the generated cases: LinUCB without a constant feature missed the best model
    "16 models, one best everywhere, cost for some": Shape(
        n_queries=109, n_models=16, cost="some", best_everywhere=True, seed=65535),
}


@pytest.mark.parametrize("label", list(FIXED))
def test_fixed_shapes(tmp_path, label):
    shape = FIXED[label]
    result, text = evaluate(tmp_path, shape)
    check_properties(result, text, shape)
    kind = json.loads(text)["cost_axis"]["kind"]
    expected = {"all": "usd", "some": "none", "none": "share" if shape.n_models == 2
                else "none"}[shape.cost]
    assert kind == expected


def drawn_shapes(count: int = 15, seed: int = 2026) -> list[Shape]:
    """`count` shapes drawn at random from the whole space a user may bring, seeded, so every
    run checks the same ones. (Hypothesis drew these before; even derandomized, it mixes the
    literal constants of every loaded local module into its draws, so adding a constant to
    any routelab module, or importing modules in another order, changed which shapes ran.)"""
    rng = np.random.default_rng(seed)

    def pick(options):
        return options[int(rng.integers(len(options)))]
    return [Shape(n_queries=int(rng.integers(60, 141)), n_models=pick([2, 3, 5, 16]),
                  cost=pick(["all", "none", "some"]), scale=pick(["0/1", "0-1", "1-10"]),
                  best_everywhere=pick([False, True]), missing=pick([0.0, 0.03]),
                  duplicates=pick([0.0, 0.15]), multi_turn=pick([False, True]),
                  non_english=pick([False, True]), seed=int(rng.integers(0, 2**16)))
            for _ in range(count)]


# Drawn shapes where the best-everywhere property fails today: small logs, where a learned
# router fitted on 50-100 queries strays from the one good model. Strict, so the day they
# pass the marks must go. (Hypothesis's draw had found others: LinUCB on 16 models and 118
# queries, clusters on 2 models and 60 queries.)
KNOWN_MISSES = {
    11: "mf 0.645 against the best model's 0.738 (62 queries; its L2 is chosen on 10)",
    12: "linucb 0.900 against the best model's 0.925 (130 queries, 0/1 scores)",
}


@pytest.mark.parametrize("shape", [
    pytest.param(shape, marks=pytest.mark.xfail(strict=True, raises=AssertionError,
                                                reason=KNOWN_MISSES[i]))
    if i in KNOWN_MISSES else shape for i, shape in enumerate(drawn_shapes())], ids=repr)
def test_drawn_shapes(tmp_path, shape):
    result, text = evaluate(tmp_path, shape, routers=LEARNED)
    check_properties(result, text, shape)


def test_pairwise_battles(tmp_path):
    """A judged-vs-baseline log (Arena-Hard verdicts): win rates are finite, the oracle is
    never beaten, nothing warns, the JSON is strict."""
    import numpy as np

    from app.routing.preferences import evaluate_dataset
    rng = np.random.default_rng(3)
    verdicts = ["A>>B", "A>B", "A=B", "B>A", "B>>A"]
    lines = ["question_id,prompt,model_a,model_b,verdict"]
    for i in range(160):
        topic = ["proofs", "haiku"][i % 2]
        challenger = ["solver", "poet"][int(rng.integers(2))]
        good = (challenger == "solver") == (topic == "proofs")
        verdict = verdicts[int(rng.integers(3, 5))] if good else verdicts[int(rng.integers(0, 3))]
        lines.append(f"q{i},write {topic} number {i},baseline,{challenger},{verdict}")
    path = tmp_path / "judged.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = open_store(tmp_path / "pairwise.duckdb")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            import_path(store, path, name="arena")
            result = evaluate_dataset(store, "arena", encoder=FAST, n_boot=50)
    finally:
        store.close()
    rows = {r["name"]: r for r in result.rows}
    json.loads(json.dumps(_strict([*rows.values()]), allow_nan=False))
    oracle = next(r for r in rows.values() if not r["deployable"])
    assert all(math.isfinite(r["win_rate"]) for r in rows.values())
    assert all(r["win_rate"] <= oracle["win_rate"] + 1e-12 for r in rows.values())
    assert rows["bt-mf"]["win_rate"] > 0.6  # it learns which challenger wins which topic


def test_a_sparse_log_says_which_models_to_keep(tmp_path):
    """16 models that each skipped 30% of the queries: almost no test query was answered
    by all, so the comparison refuses with what to do, and works on fewer models."""
    from app.routing.configs import RouterProblem

    shape = Shape(n_queries=120, n_models=16, missing=0.3, seed=5)
    store = open_store(tmp_path / "sparse.duckdb")
    try:
        import_path(store, write_long(shape, tmp_path / "sparse.jsonl"), name="sparse")
        data = load_for_routing(store, "sparse", FAST)
        knn = [RouterConfig("knn", "knn", {}, encoder=FAST)]
        with pytest.raises(RouterProblem, match="answered by every model.*--models"):
            compare(store, "sparse", knn, n_boot=0, data=data)
        models = list(shape.model_names()[-3:])
        result = compare(store, "sparse", knn, n_boot=0, data=data, models=models)
        assert result.models == tuple(models) and result.test_size >= 10
        with pytest.raises(RouterProblem, match="not in the log: nope"):
            compare(store, "sparse", knn, n_boot=0, data=data, models=["nope", models[0]])
    finally:
        store.close()
