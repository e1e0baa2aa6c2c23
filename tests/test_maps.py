"""Win regions on constructed maps where the right answer is known."""

from __future__ import annotations

import numpy as np

from app.embed.maps import Objective, decide, oracle_pick, win_regions


def _two_clusters(seed: int = 0):
    """Left cluster: model 0 right, model 1 wrong. Right cluster: the reverse.
    Model 1 costs ten times model 0."""
    rng = np.random.default_rng(seed)
    left = rng.normal([-5.0, 0.0], 0.6, size=(60, 2))
    right = rng.normal([5.0, 0.0], 0.6, size=(60, 2))
    coords = np.vstack([left, right])
    scores = np.vstack([np.tile([1.0, 0.0], (60, 1)), np.tile([0.0, 1.0], (60, 1))])
    costs = np.tile([0.001, 0.01], (120, 1))
    return coords, scores, costs


def _winner_at(regions, x, y):
    col = np.abs(regions.xs - x).argmin()
    row = np.abs(regions.ys - y).argmin()
    return regions.winner[row, col], regions.confidence[row, col]


def test_two_clusters_give_two_regions_of_the_right_models():
    coords, scores, costs = _two_clusters()
    regions = win_regions(coords, scores, costs, Objective("best"), grid=60)
    left, left_conf = _winner_at(regions, -5, 0)
    right, right_conf = _winner_at(regions, 5, 0)
    assert (left, right) == (0, 1)
    assert left_conf > 0.9 and right_conf > 0.9
    assert set(np.unique(regions.winner)) == {-1, 0, 1}  # empty space between the clusters
    assert _winner_at(regions, 0, 0)[0] == -1


def test_lambda_flips_the_expensive_region_to_the_cheaper_model():
    coords, scores, costs = _two_clusters()
    # In the right cluster the cheap model scores 0.7 on average, the dear one 1.0.
    scores[60:, 0] = np.where(np.arange(60) % 10 < 7, 1.0, 0.0)
    best = win_regions(coords, scores, costs, Objective("best"), grid=40)
    assert _winner_at(best, 5, 0)[0] == 1
    cheap = win_regions(coords, scores, costs, Objective("tradeoff", lam=0.5), grid=40)
    assert _winner_at(cheap, 5, 0)[0] == 0  # 0.7 - 0.05 beats 1.0 - 0.5
    assert _winner_at(cheap, -5, 0)[0] == 0


def test_good_enough_picks_the_cheapest_model_reaching_tau():
    scores = np.array([[0.6, 0.9, 1.0], [0.2, 0.5, 1.0]])
    costs = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    assert decide(scores, costs, Objective("good_enough", tau=0.8)).tolist() == [1, 2]
    assert decide(scores, costs, Objective("good_enough", tau=0.5)).tolist() == [0, 1]


def test_oracle_pick_is_the_cheapest_best_and_abstains_when_all_fail():
    scores = np.array([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0], [np.nan, 1.0]])
    costs = np.array([[2.0, 1.0], [1.0, 2.0], [1.0, 1.0], [1.0, 3.0]])
    assert oracle_pick(scores, costs).tolist() == [1, 1, -1, 1]
