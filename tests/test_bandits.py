"""Bandit updates against hand-computed values, replay, simulation, off-policy estimates."""

from __future__ import annotations

import numpy as np
import pytest

from routers.bandits import LinearThompson, LinUCB, choice_probabilities
from routers.base import Outcomes, Queries
from routers.offpolicy import estimate
from routers.simulate import simulate


def _q(*rows):
    X = np.array(rows, dtype=float)
    return Queries(tuple(f"q{i}" for i in range(len(X))), X)


def test_linucb_update_matches_hand_computation():
    """With the constant feature, x = (x1, x2, 1)."""
    bandit = LinUCB(alpha=2.0, ridge=1.0)
    bandit.add_model("a")
    x1, x2 = np.array([1.0, 0.0]), np.array([0.6, 0.8])
    bandit.partial_fit(_q(x1, x2), ["a", "a"], [1.0, 0.0])
    f1, f2 = np.array([1.0, 0.0, 1.0]), np.array([0.6, 0.8, 1.0])
    A = np.eye(3) + np.outer(f1, f1) + np.outer(f2, f2)
    b = 1.0 * f1 + 0.0 * f2
    np.testing.assert_allclose(bandit.A_inv_["a"], np.linalg.inv(A))
    np.testing.assert_allclose(bandit.b_["a"], b)
    x = np.array([0.0, 1.0, 1.0])
    theta = np.linalg.solve(A, b)
    expected = x @ theta + 2.0 * np.sqrt(x @ np.linalg.solve(A, x))
    assert bandit.score(_q(np.array([0.0, 1.0])))[0, 0] == pytest.approx(expected)
    # by hand: A = [[2.36, .48, 1.6], [.48, 1.64, .8], [1.6, .8, 3]]; solve A theta = b
    assert A[0] == pytest.approx([2.36, 0.48, 1.6]) and A[2] == pytest.approx([1.6, 0.8, 3.0])


def test_linucb_learns_that_a_model_is_better_everywhere():
    """The constant feature: on queries unlike any it saw, the arm that was right more
    often still predicts higher (without it both predictions shrink to noise)."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 40))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    bandit = LinUCB(alpha=0.0)
    bandit.partial_fit(Queries(tuple(map(str, range(60))), X), ["good"] * 60,
                       (rng.random(60) < 0.9).astype(float))
    bandit.partial_fit(Queries(tuple(map(str, range(60))), X), ["bad"] * 60,
                       (rng.random(60) < 0.3).astype(float))
    fresh = rng.normal(size=(50, 40))
    fresh /= np.linalg.norm(fresh, axis=1, keepdims=True)
    mean, _ = bandit.posterior(Queries(tuple(map(str, range(50))), fresh))
    assert (mean[:, bandit.models_.index("good")] > mean[:, bandit.models_.index("bad")]).all()


def test_thompson_shares_the_posterior_and_samples_around_it():
    bandit = LinearThompson(v=0.5, seed=3)
    bandit.add_model("a")
    bandit.add_model("b")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    bandit.partial_fit(Queries(tuple(map(str, range(200))), X), ["a"] * 200,
                       (X[:, 0] > 0).astype(float))
    mean, std = bandit.posterior(_q([1.0, 0, 0]))
    assert mean[0, 0] > mean[0, 1] and std[0, 0] < std[0, 1]  # learned a, b still unknown
    probs = choice_probabilities(bandit, _q([1.0, 0, 0]), samples=400)
    assert probs.sum() == pytest.approx(1.0) and 0.5 < probs[0, 0] < 1.0


def test_replay_in_any_order_gives_the_same_state():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 4))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    models = [["a", "b", "c"][i % 3] for i in range(60)]
    rewards = rng.integers(0, 2, 60).astype(float)
    forward, backward = LinUCB(), LinUCB()
    forward.partial_fit(Queries(tuple(map(str, range(60))), X), models, rewards)
    for i in reversed(range(60)):
        backward.partial_fit(Queries(("x",), X[i:i + 1]), [models[i]], [rewards[i]])
    for model in "abc":
        np.testing.assert_allclose(forward.A_inv_[model], backward.A_inv_[model], atol=1e-10)
        np.testing.assert_allclose(forward.b_[model], backward.b_[model])


def test_off_policy_estimates_on_a_log_with_a_known_answer():
    # logging policy: uniform over two actions (p = .5); action 1 always pays 1, action 0 pays 0
    logged = np.array([0, 1, 0, 1, 1, 0, 1, 0])
    reward = (logged == 1).astype(float)
    p = np.full(8, 0.5)
    always_one = np.ones(8, dtype=int)
    q_perfect = np.ones(8)                       # the reward model knows action 1 pays 1
    found = estimate(always_one, logged, reward, p, q_perfect, reward)
    assert found.ips == pytest.approx(1.0)       # (4 matches x 1 / .5) / 8
    assert found.snips == pytest.approx(1.0) and found.dr == pytest.approx(1.0)
    never = estimate(np.zeros(8, dtype=int), logged, reward, p, np.zeros(8), reward)
    assert never.ips == 0.0 and never.dr == pytest.approx(0.0) and never.matched == 4


def test_a_bandit_learns_to_beat_the_best_single_model_on_the_demo_log():
    import json

    from app.data.demo.log import DEMO_LOG
    from app.embed.embeddings import HashingNgrams

    rows = [json.loads(line) for line in DEMO_LOG.open()]
    prompts = list(dict.fromkeys(r["prompt"] for r in rows))
    models = sorted({r["model"] for r in rows})
    index = {p: i for i, p in enumerate(prompts)}
    reward = np.full((len(prompts), len(models)), np.nan)
    for r in rows:
        reward[index[r["prompt"]], models.index(r["model"])] = r["score"]
    X = HashingNgrams().encode(prompts)
    outcomes = Outcomes(Queries(tuple(prompts), X), tuple(models), reward,
                        np.zeros_like(reward))
    run = simulate(LinUCB(alpha=0.3), outcomes, steps=2000, seed=0)
    best_single = np.nanmean(reward, axis=0).max()
    early, late = run.reward[:200].mean(), run.reward[-500:].mean()
    assert late > best_single + 0.05 and late > early, (early, late, best_single)


def test_thompson_propensity_is_never_zero_and_counts_only_usable_arms():
    """(k + 1) / (S + 1): the draw that chose counts, so a choice the S draws missed still
    has 1 / (S + 1), and a masked arm takes no share of the usable ones."""
    from routers.bandits import PROPENSITY_SAMPLES

    bandit = LinearThompson(v=0.01).start()
    for model in ("a", "b", "c"):
        bandit.add_model(model)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    good = (X[:, 0] > 0).astype(float)  # 'a' is right where x0 > 0, 'b' never is
    bandit.partial_fit(Queries(tuple(map(str, range(300))), X), ["a"] * 150 + ["b"] * 150,
                       np.concatenate([good[:150], np.zeros(150)]))
    query = _q([1.0, 0, 0])
    floor = 1 / (PROPENSITY_SAMPLES + 1)
    assert bandit.propensity(query, 0) > 0.9            # 'a' wins nearly every draw
    assert bandit.propensity(query, 1) == pytest.approx(floor)  # never drawn: the floor
    usable = np.array([False, True, True])
    shares = [bandit.propensity(query, j, usable) for j in (1, 2)]
    assert min(shares) >= floor and sum(shares) == pytest.approx(
        (PROPENSITY_SAMPLES + 2) / (PROPENSITY_SAMPLES + 1))
