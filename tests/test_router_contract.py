"""One contract for every router in the registry, on small constructed data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from routers import ROUTERS
from routers.base import Outcomes, Queries

MODELS = ("small", "medium", "large")


def _data(n: int = 120, seed: int = 0) -> Outcomes:
    """Three topics on the unit sphere; 'small' is right on topic 0, 'medium' on 0-1,
    'large' on everything; costs 1, 3, 10 (cents)."""
    rng = np.random.default_rng(seed)
    centres = np.eye(3, 8) * 3
    topic = np.arange(n) % 3
    X = centres[topic] + rng.normal(0, 0.4, (n, 8))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    reward = np.column_stack([topic == 0, topic <= 1, np.ones(n, bool)]).astype(float)
    flip = rng.random(reward.shape) < 0.05
    reward = np.where(flip, 1 - reward, reward)
    cost = np.tile([0.01, 0.03, 0.10], (n, 1))
    queries = Queries(tuple(f"query {i} about topic {t}" for i, t in enumerate(topic)), X,
                      tuple(f"t{t}" for t in topic))
    # answers for routers that read them: a right answer commits to the letter A
    responses = np.array([[f"{'A' if r else 'B'}" for r in row] for row in reward], dtype=object)
    return Outcomes(queries, MODELS, reward, cost, responses)


def _router(name):
    cls = ROUTERS[name]
    params = {"single": {"model": "large"},
              "rules": {"rules": [{"when": "task", "value": "t0", "model": "small"}],
                        "default_model": "large"},
              "clusters": {"n_clusters": 3}, "mf": {"steps": 150}, "irt": {"steps": 150}}
    return cls(**params.get(name, {}))


@pytest.fixture(scope="module")
def data():
    return _data()


@pytest.mark.parametrize("name", sorted(ROUTERS))
def test_fit_returns_self_and_scores_have_the_right_shape(name, data):
    router = _router(name)
    assert router.fit(data) is router
    scores = router.score(data.queries)
    assert scores.shape == (len(data.queries), len(MODELS))
    assert np.isfinite(scores).all()
    decisions = router.route(data.queries.subset([0, 1]))
    assert all(d.model in MODELS for d in decisions)


@pytest.mark.parametrize("name", sorted(ROUTERS))
def test_get_params_round_trips_through_json(name):
    router = _router(name)
    params = json.loads(json.dumps(router.get_params()))
    again = ROUTERS[name](**params)
    assert again.get_params() == router.get_params()
    assert {p.name for p in ROUTERS[name].param_specs()} == set(params)


@pytest.mark.parametrize("name", sorted(n for n, c in ROUTERS.items() if c.independent_models))
def test_add_then_remove_a_model_restores_identical_scores(name, data):
    router = _router(name)
    two = Outcomes(data.queries, MODELS[:2], data.reward[:, :2], data.cost[:, :2])
    router.fit(two)
    before = router.score(data.queries)
    router.add_model("large", data)
    assert router.score(data.queries).shape[1] == 3
    router.remove_model("large")
    np.testing.assert_allclose(router.score(data.queries), before)


@pytest.mark.parametrize("name", sorted(ROUTERS))
def test_routing_respects_tradeoff(name, data):
    router = _router(name).fit(data)
    scores = router.score(data.queries)
    costs = np.array([router.costs_[m] for m in router.models_])
    spent = [costs[router.choose(scores, None, t)].mean() for t in (0, 1, 10, 100, 1e4)]
    assert all(a >= b - 1e-12 for a, b in zip(spent, spent[1:], strict=False)), spent


def test_learned_routers_beat_random_on_easy_data(data):
    train, test = data.subset(np.arange(0, 90)), data.subset(np.arange(90, 120))
    for name in ("knn", "centroid", "clusters", "predictive", "mf", "irt", "linucb"):
        router = _router(name).fit(train)
        picks = router.choose(router.score(test.queries), None, tradeoff=3.0)
        quality = test.reward[np.arange(len(picks)), picks].mean()
        cost = test.cost[np.arange(len(picks)), picks].mean()
        assert quality >= 0.8 and cost < 0.08, (name, quality, cost)  # large alone: 0.10
