"""Training the token router's policy (CITER): the search by rollouts and held-out folds,
the rollout cache, the stored policies and test answers, the curve on the Compare page,
and a short training on the real local models."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from app.data.importers import import_path
from app.models.continuation import Continuation
from app.models.llm import Call, CallError
from app.routing import catalog
from app.routing.comparison import compare
from app.routing.configs import RouterConfig
from app.routing.live.token_router import TokenRouter
from app.routing.token_training import (
    TOKEN_CURVE,
    CachedContinuations,
    RouterShape,
    TokenTrainingProblem,
    token_curve,
    trained,
    trained_policy,
)
from routers.crossfit import text_folds
from routers.token_policy import (
    LogisticPolicy,
    ThresholdPolicy,
    describe,
    first_deferral,
    policy_from_dict,
    policy_to_dict,
)
from routers.token_search import RolloutTable, Search, search
from tests.conftest import write

FAST = "hashing-ngrams-512"


def test_policies_round_trip_as_data():
    for policy in (ThresholdPolicy(0.35), LogisticPolicy((-1.0, 2.0, 0.5, 0.0), 0.25)):
        assert policy_from_dict(json.loads(json.dumps(policy_to_dict(policy)))) == policy
    with pytest.raises(ValueError, match="not a token-routing policy"):
        policy_from_dict({"family": "logistic", "weights": [1.0]})


def test_each_policy_is_rolled_out_once_per_prompt():
    calls = []

    def rollout(policy, i):
        calls.append((policy, i))
        return 1.0, 0.001
    table = RolloutTable(rollout, 3)
    for _ in range(2):
        assert table.reward(ThresholdPolicy(0.5), 10.0, np.arange(3)) == pytest.approx(-9.0)
    assert calls == [(ThresholdPolicy(0.5), i) for i in range(3)]  # λ reads cost per 1k


def thresholds_world(need: np.ndarray):
    """Prompt i is answered right when the threshold is at least need[i]; deferring costs
    (threshold x 0.01 USD per 1k queries)."""
    def rollout(policy, i):
        t = policy.threshold if isinstance(policy, ThresholdPolicy) else 0.0
        return float(t >= need[i]), t * 1e-5
    return rollout


def test_the_threshold_is_chosen_per_tradeoff_on_the_training_prompts():
    need = np.array([0.2, 0.35, 0.5, 0.5, 0.9, 0.95, 0.3, 0.5])
    folds = text_folds([f"p{i}" for i in range(8)], 2)
    quiet = Search(population=2, generations=1)
    quality_first, frugal = search(thresholds_world(need), 8, folds, (0.0, 1000.0), quiet)
    assert quality_first.policy == ThresholdPolicy(0.95) and quality_first.family == "threshold"
    assert quality_first.train_reward == pytest.approx(1.0)
    assert frugal.policy == ThresholdPolicy(0.0)  # deferring costs more than it earns


def features_world():
    """Three tokens per prompt: two plain ones (top 0.6, margin 0.5), then a critical one the
    small model is confident in but torn about (top 0.9, margin 0.1). Deferring exactly at
    the critical token answers right; no threshold on the top probability can do that."""
    F = np.array([[0.6, 0.5, 0.0, 0.0], [0.6, 0.5, 0.0, 0.0], [0.9, 0.1, 0.0, 0.0]])

    def rollout(policy, i):
        at = first_deferral(policy, F)
        return float(at == 2), 0.0 if at is None else 1e-6
    return rollout


def test_a_logistic_policy_wins_where_a_threshold_cannot_and_folds_say_so():
    folds = text_folds([f"p{i}" for i in range(6)], 2)
    (choice,) = search(features_world(), 6, folds, (0.0,), Search(population=24, seed=3))
    assert choice.family == "logistic" and choice.train_reward == pytest.approx(1.0)
    assert choice.heldout["logistic"] > choice.heldout["threshold"]
    assert first_deferral(choice.policy, np.array([[0.6, 0.5, 0, 0], [0.9, 0.1, 0, 0]])) == 1


def scripted_call(log):
    def call(spec, prompt, answer, *, max_tokens, top):
        log.append((spec.name, answer))
        if prompt == "down":
            return Continuation(Call(spec.name, error=CallError("unreachable", "down")))
        return Continuation(Call(spec.name, "Yes.", 120.0, 9, 2, 0.002, "declared"),
                            ["Yes", "."], [{"Yes": math.log(0.9)}, {".": 0.0}], True)
    return call


def test_a_state_already_called_is_read_back_with_its_recorded_cost(store, pool):
    log = []
    cache = CachedContinuations(store, scripted_call(log))
    first = cache(pool["smollm2"], "Is it?", "", max_tokens=12, top=3)
    again = CachedContinuations(store, scripted_call(log))(pool["smollm2"], "Is it?", "",
                                                             max_tokens=12, top=3)
    assert len(log) == 1 and cache.new_calls == 1  # the second came from the database
    assert (again.call.text, again.tokens, again.finished) == ("Yes.", ["Yes", "."], True)
    assert again.top_logprobs == first.top_logprobs
    assert (again.call.cost_usd, again.call.latency_ms, again.call.tokens_in) == (
        0.002, 120.0, 9)
    cache(pool["smollm2"], "Is it?", "", max_tokens=6, top=3)  # another state: a new call
    assert len(log) == 2
    failed = cache(pool["smollm2"], "down", "", max_tokens=12, top=3)
    assert not failed.call.ok
    assert store.rows("SELECT count(*) FROM token_continuations WHERE prompt = 'down'") == [
        (0,)]


def test_a_trained_policy_drives_the_live_router(store, pool):
    """A stored policy reaches the live router through its resources; none stored is a
    clear error naming the command to run."""
    with pytest.raises(TokenTrainingProblem, match="routelab token-train --dataset demo"):
        TokenRouter.resources(store, {"policy": "trained:demo"})
    store.write(lambda cur: [cur.execute(
        "INSERT INTO token_policies (dataset, tradeoff, family, policy, train_reward, "
        "heldout, settings) VALUES ('demo', ?, 'threshold', ?, 0.5, '{}', '{}')",
        [lam, json.dumps(policy_to_dict(ThresholdPolicy(t)))]) for lam, t in
        ((0.0, 0.8), (10.0, 0.2))])
    assert trained_policy(store, "demo", 2.0) == ThresholdPolicy(0.8)
    params = {"policy": "trained:demo", "tradeoff": 8.0}
    router = catalog.kind("token-router").build(params, pool,
                                                **TokenRouter.resources(store, params))
    assert router.policy == ThresholdPolicy(0.2) and "0.20" in describe(router.policy)
    assert [t.tradeoff for t in trained(store, "demo")] == [0.0, 10.0]
    with pytest.raises(ValueError, match="resources"):
        TokenRouter(pool, policy="trained:demo")


def evaluations(store, dataset, sources, lams=(0.0, 10.0)):
    def add(cur):
        for k, lam in enumerate(lams):
            for i, source in enumerate(sources):
                cur.execute("INSERT INTO token_evaluations VALUES (?, ?, ?, ?, ?, 1.0, ?, ?, "
                            "'x')", [dataset, lam, source, float((i + k) % 2), 1e-5 * (k + 1),
                                     10, 10 * (1 - k)])
    store.write(add)


def test_the_stored_test_answers_make_a_curve_over_the_tradeoff(store):
    evaluations(store, "demo", ["a", "b", "c", "d"])
    curve, note = token_curve(store, "demo", ["d", "c", "b", "a"])
    assert curve.name == TOKEN_CURVE and curve.deployable
    assert curve.tradeoffs.tolist() == [0.0, 10.0] and curve.quality.shape == (2, 4)
    assert curve.quality[0].tolist() == [1.0, 0.0, 1.0, 0.0]  # in the asked order
    assert curve.mean_cost.tolist() == pytest.approx([1e-5, 2e-5])
    assert "λ=0: 50%" in note and "λ=10: 0%" in note
    missing, why = token_curve(store, "demo", ["a", "e"])
    assert missing is None and "routelab token-train --dataset demo" in why
    assert token_curve(store, "other", ["a"]) == (None, "")


@pytest.mark.slow
def test_the_compare_page_draws_the_trained_token_router(store, tmp_path):
    lines = ["prompt,task,model,score,cost_usd"]
    for i in range(40):
        lines += [f"question {i},t{i % 2},small,{int(i % 3 == 0)},0.00001",
                  f"question {i},t{i % 2},large,{int(i % 3 != 1)},0.00003"]
    import_path(store, write(tmp_path / "pair.csv", "\n".join(lines) + "\n"))
    sources = [s for (s,) in store.rows("SELECT source_id FROM queries")]
    evaluations(store, "pair", sources)
    knn = [RouterConfig("knn", "knn", {"k": 3}, encoder=FAST)]
    result = compare(store, "pair", knn, n_boot=0)
    curve = result.routers[TOKEN_CURVE]
    assert curve.quality.shape == (2, result.test_size)
    assert any("tokens written by the large model" in n for n in result.notes)
    row = next(r for r in result.rows if r["name"] == TOKEN_CURVE)
    assert row["kind"] == "router"
    # one test query without its answer: no curve, and a note says what to run
    (gone,) = store.rows("SELECT source_id FROM queries WHERE query_id = ?",
                         [int(result.test_query_ids[0])])[0]
    store.write(lambda cur: cur.execute("DELETE FROM token_evaluations WHERE source_id = ?",
                                        [gone]))
    partial = compare(store, "pair", knn, n_boot=0)
    assert TOKEN_CURVE not in partial.routers
    assert any("do not cover" in n for n in partial.notes)


@pytest.fixture
def demo_store(store):
    from app.data.demo.log import ensure_demo

    ensure_demo(store)
    return store


@pytest.mark.slow
def test_training_on_the_local_models_keeps_a_policy_per_tradeoff(local_models, pool,
                                                                   demo_store):
    from app.routing import token_training

    choices = token_training.train(
        demo_store, "demo", pool, prompts=4, folds=2, tradeoffs=(0.0, 30.0),
        settings=Search(thresholds=(0.0, 0.5, 0.95), population=2, generations=2))
    assert [c.tradeoff for c in choices] == [0.0, 30.0]
    kept = trained(demo_store, "demo")
    assert len(kept) == 2 and kept[0].settings["small"] == RouterShape().small
    assert len(kept[0].settings["prompts"]) == 4
    cached = demo_store.rows("SELECT count(*), sum(cost_usd) FROM token_continuations")[0]
    assert cached[0] > 0 and cached[1] > 0
    assert all(set(c.heldout) == {"threshold", "logistic"} for c in choices)


def test_removing_a_dataset_drops_its_trained_policies_and_answers(store, tmp_path):
    import_path(store, write(tmp_path / "log.csv", "prompt,model,score\nq1,a,1\nq1,b,0\n"))
    evaluations(store, "log", ["q1"])
    store.write(lambda cur: cur.execute(
        "INSERT INTO token_policies (dataset, tradeoff, family, policy, train_reward, "
        "heldout, settings) VALUES ('log', 0, 'threshold', ?, 0.5, '{}', '{}')",
        [json.dumps(policy_to_dict(ThresholdPolicy(0.5)))]))
    from app.data.importers import remove_dataset

    assert remove_dataset(store, "log")
    assert trained(store, "log") == []
    assert store.rows("SELECT count(*) FROM token_evaluations WHERE dataset = 'log'") == [(0,)]
