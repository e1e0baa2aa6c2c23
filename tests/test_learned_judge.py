"""The learned-judge cascade, cross-fitting, calibration and budget points (issue 16), on
generated logs with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from routers import Outcomes, Queries, Router, chains
from routers.budget import tradeoff_for_budget
from routers.calibration import Calibrator, reliability
from routers.compare import cheapest_model, cost_range, zero_router
from routers.crossfit import cross_fit, text_folds
from routers.evaluate import aiq, hull_quality_at, sweep, tradeoff_grid
from routers.judged import NEEDS_ANSWERS, JudgedCascade
from routers.knn import KNNRouter
from routers.stacking import StackedRouter

MODELS = ("small", "medium", "large")


def answered_log(n: int = 600, seed: int = 0) -> Outcomes:
    """Two tasks; 'small' (cost 1) is right 55% of the time, 'medium' (cost 3) 75%,
    'large' (cost 20) 95%. A right answer commits to the true letter; a wrong one to
    another letter, so answers that agree are usually right: the signal a judge can learn
    without ever seeing a score."""
    rng = np.random.default_rng(seed)
    task = rng.integers(0, 2, n)
    X = np.eye(2, 16)[task] * 2 + rng.normal(0, 0.5, (n, 16))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    truth = rng.integers(0, 4, n)
    right = np.column_stack([rng.random(n) < p for p in (0.55, 0.75, 0.95)])
    letters = np.array(list("ABCD"))
    wrong = (truth[:, None] + rng.integers(1, 4, (n, 3))) % 4
    said = np.where(right, truth[:, None], wrong)
    responses = np.array([[f"{letters[a]}" for a in row] for row in said], dtype=object)
    cost = np.tile([0.001, 0.003, 0.020], (n, 1))
    queries = Queries(tuple(f"question {i}" for i in range(n)), X,
                      tuple(f"task{t}" for t in task))
    return Outcomes(queries, MODELS, right.astype(float), cost, responses)


@pytest.fixture(scope="module")
def fitted():
    log = answered_log()
    train, test = log.subset(np.arange(0, 400)), log.subset(np.arange(400, 600))
    return JudgedCascade(folds=3, samples=2).fit(train), train, test


def test_the_judge_never_reads_the_score_of_the_query_it_judges(fitted):
    router, train, test = fitted
    assert not set(train.queries.text) & set(test.queries.text)  # different queries
    before = router.decide(test.queries, test.responses, tradeoff=0.0)
    rng = np.random.default_rng(1)
    # fresh copies, so nothing remembered about `test` can answer for them
    copied = Queries(tuple(test.queries.text), test.queries.X.copy(), test.queries.task)
    shuffled = Outcomes(copied, test.models, rng.permutation(test.reward), test.cost,
                        test.responses.copy())
    for tradeoff in router.points()[::10]:
        kept, _, calls = router.simulate(test, tradeoff)
        again, _, calls_again = router.simulate(shuffled, tradeoff)
        answer = router.decide(test.queries, test.responses, tradeoff)[0]
        assert np.array_equal(calls, calls_again)  # same calls, whatever the scores say
        assert np.array_equal(router.decide(shuffled.queries, shuffled.responses,
                                            tradeoff)[0], answer)
    assert np.array_equal(router.decide(test.queries, test.responses, 0.0)[0], before[0])


def test_agreement_lets_the_cascade_beat_every_mixture_of_single_models(fitted):
    router, train, test = fitted
    curve = sweep(router, test.queries, test)
    assert curve.deployable and not curve.why_not_deployable
    c_zero, q_zero = zero_router(test)
    low, high = cost_range(test)
    floor = cheapest_model(test)
    gain = aiq(curve.mean_cost, curve.mean_quality, low, high, floor=floor) - aiq(
        c_zero, q_zero, low, high)
    # accepting agreeing cheap answers and escalating the rest beats mixing the medium
    # and large models at the same cost (by hand: 0.935 against 0.89 at 0.015)
    assert gain > 0.01, gain
    mid = (curve.mean_cost > 0.006) & (curve.mean_cost < 0.019)
    above = curve.mean_quality[mid] - hull_quality_at(c_zero, q_zero, curve.mean_cost[mid])
    assert above.max() > 0.02, above
    assert curve.mean_quality[router.headline] >= test.reward[:, 2].mean() - 0.03
    assert router.judge_auc_ > 0.75


def test_costs_count_every_call_made(fitted):
    router, _, test = fitted
    for tradeoff in router.points()[::15]:
        answer, called, calls = router.decide(test.queries, test.responses, tradeoff)
        _, cost, _ = router.simulate(test, tradeoff)
        assert np.allclose(cost, (called * test.cost).sum(axis=1))
        assert np.array_equal(called.sum(axis=1), calls)
        assert called[np.arange(len(answer)), answer].all()  # the kept answer was paid for


def test_a_log_without_answers_is_refused_with_a_reason():
    log = answered_log(60)
    bare = Outcomes(log.queries, log.models, log.reward, log.cost)
    with pytest.raises(ValueError, match="answer text"):
        JudgedCascade().fit(bare)
    assert "answer text" in NEEDS_ANSWERS


class Remembers(Router):
    """Scores 1 for a query whose text it was trained on, 0 otherwise."""

    name = "remembers"

    def _reset(self, outcomes):
        self.seen_ = {" ".join(t.lower().split()) for t in outcomes.queries.text}

    def _add(self, model, outcomes):
        pass

    def _score(self, queries):
        seen = [" ".join(t.lower().split()) in self.seen_ for t in queries.text]
        return np.tile(np.array(seen, float)[:, None], (1, len(self.models_)))


def test_no_out_of_fold_prediction_comes_from_a_router_that_saw_its_row():
    log = answered_log(90)
    texts = list(log.queries.text)
    texts[5] = texts[70] = "The same question, twice"  # twins must share a fold
    texts[6] = "the  SAME question, twice"
    twins = Outcomes(Queries(tuple(texts), log.queries.X, log.queries.task), log.models,
                     log.reward, log.cost)
    folds = text_folds(twins.queries.text, k=5, seed=3)
    assert sorted(np.concatenate([held for _, held in folds]).tolist()) == list(range(90))
    oof = cross_fit(Remembers, twins, folds)
    assert not np.isnan(oof).any()
    assert (oof == 0).all()


def test_calibration_recovers_known_probabilities():
    rng = np.random.default_rng(0)
    raw = rng.random(20000)
    truth = raw ** 3  # an over-confident score: the event is much rarer than it says
    happened = (rng.random(len(raw)) < truth).astype(float)
    fit, check = slice(0, 10000), slice(10000, None)
    assert reliability(raw[check], happened[check]).ece > 0.15
    for method in ("platt", "isotonic"):
        calibrated = Calibrator(method).fit(raw[fit], happened[fit]).predict(raw[check])
        assert reliability(calibrated, happened[check]).ece < 0.03, method
        assert np.abs(calibrated - truth[check]).mean() < 0.06, method


def test_reliability_by_hand():
    found = reliability(np.array([0.1, 0.1, 0.9, 0.9]), np.array([0, 1, 1, 1]))
    assert found.counts.tolist() == [2, 2]
    assert found.observed.tolist() == [0.5, 1.0]
    assert found.ece == pytest.approx((2 * 0.4 + 2 * 0.1) / 4)


def test_stacking_is_calibrated_on_held_out_folds():
    log = answered_log(500)
    stacked = StackedRouter(bases=["knn", "centroid"], folds=4).fit(log.subset(range(350)))
    test = log.subset(range(350, 500))
    scores = stacked.score(test.queries)
    assert reliability(scores.ravel(), test.reward.ravel()).ece < 0.08
    note = stacked.learned()[0].note
    assert "held-out folds" in note and "calibration error" in note
    held = stacked.out_of_fold_scores()  # what a budget's λ is chosen on
    assert held.shape == (350, 3) and not np.isnan(held).any()
    assert not np.allclose(held, stacked.score(log.subset(range(350)).queries))


def test_a_budget_is_chosen_on_out_of_fold_scores_and_fits_on_training():
    log = answered_log(400)
    folds = text_folds(log.queries.text, 5)
    oof = cross_fit(lambda: KNNRouter(k=20), log, folds)
    router = KNNRouter(k=20).fit(log)
    grid = tradeoff_grid(0.02)
    for budget in (0.002, 0.005, 0.012):
        point = tradeoff_for_budget(router, oof, log, budget, grid)
        assert point.train_cost <= budget + 1e-12
    # by hand: the λ of best out-of-fold quality among those within the budget
    rows = np.arange(len(log.reward))
    by_hand = []
    for t in grid:
        chosen = router.choose(oof, None, t)
        by_hand.append((log.reward[rows, chosen].mean(), -log.cost[rows, chosen].mean(), t))
    fitting = [h for h in by_hand if -h[1] <= 0.005]
    point = tradeoff_for_budget(router, oof, log, 0.005, grid)
    assert point.train_quality == pytest.approx(max(fitting)[0])
    assert point.tradeoff == max(fitting)[2]


def test_a_cascade_never_keeps_an_answer_it_did_not_pay_for():
    """A model that gave no answer (empty, or missing in the log) has nothing to judge:
    the chain keeps the last answer it paid for, never an uncalled model's."""
    cost = np.tile([1.0, 2.0, 3.0], (4, 1))
    picks = np.zeros((4, 1), dtype=np.int64)

    def probs(prefix):  # the judge saw no answer at all
        return np.full((4, 3), -1.0)
    answer, spent, calls, called = chains.run((2,), (0.0,), probs, picks, cost)
    assert (answer == 2).all() and (spent == 3.0).all() and called[:, 2].all()
    answer, spent, _, called = chains.run((1, 2), (0.9, 0.0), probs, picks, cost)
    assert (answer == 2).all() and (spent == 5.0).all()
    assert called[np.arange(4), answer].all()


def test_a_query_of_a_small_task_takes_the_nearest_big_tasks_chains():
    log = answered_log(600)
    # a third task, too small for chains of its own, close to task1's queries
    task = list(log.queries.task)
    near = [i for i, t in enumerate(task) if t == "task1"][:20]
    for i in near:
        task[i] = "rare"
    small = Outcomes(Queries(log.queries.text, log.queries.X, tuple(task)), log.models,
                     log.reward, log.cost, log.responses)
    router = JudgedCascade(folds=3, samples=1).fit(small)
    assert router.segments_ == ["task0", "task1"]
    rare = small.queries.subset(near)
    assert (router.segment_of(rare) == 1).all()  # task1's, not the first segment's
    live = Queries(rare.text, rare.X)  # no task at all: predicted from the embedding
    assert (router.segment_of(live) == 1).all()


def test_probabilities_many_equals_one_prediction_per_mask(monkeypatch):
    """Judging several answer sets in shared predictions (the chain search's prefixes)
    gives each set the probabilities it gets alone, however the batches are cut."""
    from routers import judge

    outcomes = answered_log(300)
    router = JudgedCascade().fit(outcomes)
    ev = router.evidence(outcomes.queries, outcomes.responses)
    rng = np.random.default_rng(3)
    masks = [judge.sampled_sets(ev.answered, 2, rng) for _ in range(4)]
    single = [judge.probabilities(router.judge_, ev, mask) for mask in masks]
    monkeypatch.setattr(judge, "PREDICT_ROWS", 50)
    for got, want in zip(judge.probabilities_many(router.judge_, ev, masks), single,
                         strict=True):
        assert np.array_equal(got, want)
