"""Metrics on tiny examples computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from routers.base import Outcomes, Queries
from routers.compare import metrics, reaches, zero_router
from routers.evaluate import (
    Curve,
    aiq,
    apgr,
    arena_score,
    bootstrap,
    cpt,
    ndch,
    oracle_curve,
    pgr_curve,
    random_curve,
)


def _outcomes(reward, cost):
    reward, cost = np.asarray(reward, float), np.asarray(cost, float)
    n = len(reward)
    queries = Queries(tuple(f"q{i}" for i in range(n)), np.eye(n, 3))
    return Outcomes(queries, ("cheap", "dear"), reward, cost)


def test_ndch_drops_points_under_the_hull_and_after_the_peak():
    c, q = ndch([1, 2, 3, 4, 5], [0.2, 0.3, 0.7, 0.75, 0.6])
    # (2, 0.3) lies under the line from (1, 0.2) to (3, 0.7); (5, 0.6) is past the peak
    assert c.tolist() == [1, 3, 4] and q.tolist() == [0.2, 0.7, 0.75]


def test_aiq_is_the_mean_height_of_the_hull():
    # hull (0, 0) -> (1, 1) -> (2, 1): area over [0, 2] = 0.5 + 1 = 1.5, mean 0.75
    assert aiq([0, 1, 2], [0.0, 1.0, 1.0], 0, 2) == pytest.approx(0.75, abs=1e-3)
    # a single point is flat across the range
    assert aiq([1], [0.6], 0, 2) == pytest.approx(0.6)
    # ... unless the cheapest model (cost 0, quality 0.2) is its floor: 0.2 -> 0.6 on [0, 1]
    assert aiq([1], [0.6], 0, 2, floor=(0.0, 0.2)) == pytest.approx((0.4 + 0.6) / 2, abs=1e-3)


def test_oracle_definitions_and_random():
    out = _outcomes([[1, 1], [0, 1], [0, 0]], [[1, 10], [1, 10], [1, 10]])
    rb = oracle_curve(out, "routerbench")
    assert rb.mean_quality[0] == pytest.approx(2 / 3)
    assert rb.mean_cost[0] == pytest.approx((1 + 10 + 0) / 3)   # abstains on the last
    cheapest = oracle_curve(out, "cheapest")
    assert cheapest.mean_cost[0] == pytest.approx((1 + 10 + 1) / 3)
    rnd = random_curve(out)
    assert rnd.mean_quality[0] == pytest.approx(0.5) and rnd.mean_cost[0] == pytest.approx(5.5)


def test_zero_router_is_the_hull_of_single_models():
    out = _outcomes([[1, 1], [0, 1], [0, 1], [1, 0]], np.tile([1.0, 3.0], (4, 1)))
    c, q = zero_router(out)
    assert c.tolist() == [1, 3] and q.tolist() == [0.5, 0.75]


def test_pgr_apgr_and_cpt_on_a_perfect_and_a_useless_router():
    # weak right on 2 of 4, strong right on all: gap 0.5
    out = _outcomes([[1, 1], [1, 1], [0, 1], [0, 1]], np.tile([1.0, 5.0], (4, 1)))
    perfect = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], float)  # strong only where needed
    shares, pgr = pgr_curve(perfect, ["cheap", "dear"], out, "dear", "cheap",
                            np.linspace(0, 1, 5))
    assert pgr.tolist() == [0.0, 0.5, 1.0, 1.0, 1.0]
    assert apgr(shares, pgr) == pytest.approx(0.75)   # trapezoids: .0625+.1875+.25+.25
    assert cpt(shares, pgr, 0.5) == 0.25 and cpt(shares, pgr, 0.8) == 0.5
    backwards = perfect[:, ::-1]
    _, pgr_bad = pgr_curve(backwards, ["cheap", "dear"], out, "dear", "cheap",
                           np.linspace(0, 1, 5))
    assert pgr_bad.tolist() == [0.0, 0.0, 0.0, 0.5, 1.0]


def test_arena_score_matches_its_definition():
    # cost $0.0002/query = $0.2 per 1k; C = (log2 200 - log2 .2) / (log2 200 - log2 .0044)
    c = (np.log2(200) - np.log2(0.2)) / (np.log2(200) - np.log2(0.0044))
    expected = 1.1 * 0.8 * c / (0.1 * 0.8 + c)
    assert arena_score(0.0002, 0.8) == pytest.approx(expected)
    assert arena_score(1.0, 0.8) == 0.0   # $1000 per 1k queries: beyond c_max


def test_bootstrap_interval_brackets_the_mean():
    rng = np.random.default_rng(1)
    quality = (rng.random((1, 400)) < 0.7).astype(float)
    curve = Curve("x", np.zeros(1), quality, np.zeros_like(quality))
    low, high = bootstrap(curve, lambda c, q: q[0], n_boot=500)
    assert low < quality.mean() < high and high - low < 0.12


def test_metrics_row_and_reaches():
    out = _outcomes([[1, 1], [0, 1], [0, 1], [1, 0]], np.tile([1.0, 3.0], (4, 1)))
    curve = Curve("r", np.array([0.0, 1.0]), np.array([[1, 1, 1, 1], [1, 0, 0, 1.0]]),
                  np.array([[1, 3, 3, 1], [1, 1, 1, 1.0]]))
    row = metrics(curve, out, n_boot=50)
    assert row["quality"] == 1.0 and row["cost"] == 2.0 and row["regret"] == 0.0
    assert row["aiq"] is not None and metrics(curve, out, n_boot=0, router=False)["aiq"] is None
    assert row["quality_ci"][0] <= 1.0 <= row["quality_ci"][1]
    assert reaches(curve, 0.75) == pytest.approx(1.5)   # halfway from (1, .5) to (2, 1)
