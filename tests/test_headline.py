"""Headline points, deployability, the tie rule and the cost axis, on logs small enough to
compute by hand."""

from __future__ import annotations

import inspect

import numpy as np

from routers.axis import cost_axis
from routers.base import Outcomes, Queries
from routers.cascade import CascadeRouter
from routers.compare import metrics, zero_router_row
from routers.evaluate import oracle_curve, sweep
from routers.knn import KNNRouter


def _log(reward, cost, models=("cheap", "dear")):
    reward, cost = np.asarray(reward, float), np.asarray(cost, float)
    n = len(reward)
    X = np.eye(n, 4)
    return Outcomes(Queries(tuple(f"q{i}" for i in range(n)), X), tuple(models), reward, cost)


def test_the_cascade_headline_is_the_full_chain():
    """cheap is right on 3 of 10, dear on 8 (including cheap's 3); a perfect judge. The full
    cascade answers 8 right: cheap's 3 accepted (cost 1 each), the other 7 escalated
    (1 + 10 each): quality 0.8, cost (3 * 1 + 7 * 11) / 10 = 8.0. The first point of the
    sweep (cheap alone, 0.3 at 1.0) is not the headline."""
    cheap = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    dear = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]
    log = _log(np.column_stack([cheap, dear]), np.tile([1.0, 10.0], (10, 1)))
    cascade = CascadeRouter(judge_error=0.0).fit(log)
    curve = sweep(cascade, log.queries, log)
    assert curve.headline == 1 and curve.mean_quality[0] == 0.3
    row = metrics(curve, log, n_boot=50)
    assert row["quality"] == 0.8 and row["cost"] == 8.0 and row["headline"] == [8.0, 0.8]
    assert row["quality_ci"][0] <= 0.8 <= row["quality_ci"][1]
    assert row["deployable"] is False and "judge" in row["why_not_deployable"]
    # regret at the headline: the oracle is right wherever someone is (8 of 10)
    assert row["regret"] == 0.0


def test_self_consistency_headline_is_the_live_routers_configured_thresholds():
    from app.routing.live.consistency import SelfConsistencyRouter
    from app.routing.live.offline import CONFIGURED, THRESHOLDS
    defaults = inspect.signature(SelfConsistencyRouter.__init__).parameters
    assert THRESHOLDS[CONFIGURED] == (defaults["agree_below"].default,
                                      defaults["ensemble_above"].default)


def test_routers_headline_at_tradeoff_zero_and_oracle_not_deployable():
    log = _log([[0, 1], [1, 0], [0, 1], [1, 1]], np.tile([1.0, 2.0], (4, 1)))
    router = KNNRouter(k=1).fit(log)
    curve = sweep(router, log.queries, log)
    assert curve.headline == 0 and curve.deployable
    assert curve.headline_quality == curve.mean_quality[0] == 1.0
    oracle = oracle_curve(log)
    assert not oracle.deployable and not metrics(oracle, log, n_boot=0, router=False)[
        "deployable"]
    zero = zero_router_row(log)
    assert zero["deployable"] and zero["regret"] == 1.0 - 0.75


def test_ties_never_go_to_the_first_column():
    """Equal predicted quality and no cost: the model better on training wins, whatever its
    column; at equal training quality, the name first in alphabetical order."""
    # 'a-weak' is first alphabetically (column 0) but worse on training
    reward = [[0, 1], [0, 1], [1, 1], [0, 0]]
    log = _log(reward, np.zeros((4, 2)), models=("a-weak", "b-strong"))
    router = KNNRouter(k=4).fit(log)
    tied = np.full((3, 2), 0.5)
    assert list(router.choose(tied)) == [1, 1, 1]
    # cost still comes first: give the weak model a lower cost
    assert list(router.choose(tied, costs=[0.1, 0.2], tradeoff=0.0)) == [0, 0, 0]
    even = _log([[1, 1], [0, 0]], np.zeros((2, 2)), models=("zeta", "alpha"))
    assert list(KNNRouter(k=2).fit(even).choose(np.full((2, 2), 0.3))) == [1, 1]


def test_cost_axis_dollars_share_and_none():
    priced = _log([[0, 1], [1, 1], [0, 1]], [[1.0, 2.0], [np.nan, 2.0], [1.0, 2.0]])
    axis, out = cost_axis(priced, np.arange(3))
    assert axis.kind == "usd" and axis.filled == 1 and out.cost[1, 0] == 1.0

    two = _log([[0, 1], [1, 1], [0, 1]], np.full((3, 2), np.nan), models=("b", "a"))
    axis, out = cost_axis(two, np.arange(3))
    assert (axis.kind, axis.strong, axis.weak) == ("share", "a", "b")
    assert out.cost[:, 1].tolist() == [1, 1, 1] and out.cost[:, 0].tolist() == [0, 0, 0]
    assert "share of calls" in axis.notice and "--price" in axis.notice

    some = _log([[0, 1, 1], [1, 1, 0]], [[0.1, np.nan, 0.2], [0.1, np.nan, 0.2]],
                models=("x", "y", "z"))
    axis, out = cost_axis(some, np.arange(2))
    assert axis.kind == "none" and axis.unpriced == ("y",) and not out.cost.any()
    assert "Quality-only mode" in axis.notice


def test_quality_only_metrics_withhold_cost_figures():
    log = _log([[0, 1, 1], [1, 1, 0], [0, 0, 1]], np.zeros((3, 3)), models=("x", "y", "z"))
    curve = sweep(KNNRouter(k=1).fit(log), log.queries, log)
    row = metrics(curve, log, n_boot=20, has_cost=False)
    assert row["cost"] is None and row["aiq"] is None and row["arena"] is None
    assert row["cost_ci"] is None and row["headline"] == [None, row["quality"]]
    assert all(np.isfinite(v) for v in (row["quality"], row["regret"]))
