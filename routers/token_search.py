"""Training a token-level routing policy as CITER does: by rollouts whose reward is the
finished answer's score minus a tradeoff λ times its cost, every choice made on the
training prompts and kept by how it does on held-out folds of them.

Two families compete for each λ: a threshold on the small model's top-token probability
(searched over a grid) and a logistic policy on the token features (routers/token_policy.py),
found by the cross-entropy method (Rubinstein, 1999): sample policies, keep the elite by
reward, refit the sampling distribution to them, sample again. For each fold, each family
is chosen on the other folds and scored on the held-out one; the family with the higher
mean held-out reward is then chosen again on all the training prompts.

A rollout (one prompt answered under one policy) is the expensive part, so `RolloutTable`
rolls each policy out once per prompt and every λ and fold reads the same results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from routers.token_policy import FEATURES, LogisticPolicy, ThresholdPolicy

THRESHOLDS = (0.0, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95)  # 0.0 never defers: the small model alone
TRADEOFFS = (0.0, 1.0, 3.0, 10.0, 30.0)  # λ: score points per USD per 1,000 queries
DEFAULT_TRADEOFF = 3.0  # the live router's default λ and the Compare curve's headline point
COST_UNIT = 1000.0  # the reward reads cost as USD per 1,000 queries

Rollout = Callable[[object, int], tuple[float, float]]  # (policy, prompt) -> (score, USD)


class RolloutTable:
    """(score, cost) of every policy tried, on every training prompt, each rolled out once;
    `progress(policies tried)` after each new policy."""

    def __init__(self, rollout: Rollout, n: int,
                 progress: Callable[[int], None] | None = None):
        self.rollout, self.n = rollout, n
        self.progress = progress or (lambda tried: None)
        self.results: dict[object, tuple[np.ndarray, np.ndarray]] = {}

    def outcomes(self, policy) -> tuple[np.ndarray, np.ndarray]:
        if policy not in self.results:
            pairs = [self.rollout(policy, i) for i in range(self.n)]
            self.results[policy] = (np.array([s for s, _ in pairs], dtype=float),
                                    np.array([c for _, c in pairs], dtype=float))
            self.progress(len(self.results))
        return self.results[policy]

    def reward(self, policy, tradeoff: float, rows: np.ndarray) -> float:
        scores, costs = self.outcomes(policy)
        return float(np.mean(scores[rows] - tradeoff * COST_UNIT * costs[rows]))


@dataclass(frozen=True)
class Choice:
    """The policy kept for one λ, with what chose it."""

    tradeoff: float
    family: str                    # "threshold" or "logistic"
    policy: object
    train_reward: float            # on all the training prompts
    heldout: dict[str, float] = field(default_factory=dict)  # family -> mean held-out reward


@dataclass(frozen=True)
class Search:
    thresholds: Sequence[float] = THRESHOLDS
    population: int = 8            # logistic policies per generation
    generations: int = 2
    elite: int = 3
    seed: int = 0

    def policies(self, tradeoffs: int, folds: int) -> int:
        """How many policies a search tries at most (for progress)."""
        later = (self.generations - 1) * self.population * tradeoffs * (folds + 1)
        return len(self.thresholds) + self.population + 1 + later


def search(rollout: Rollout, n: int, folds: list[tuple[np.ndarray, np.ndarray]],
           tradeoffs: Sequence[float] = TRADEOFFS, settings: Search | None = None,
           progress: Callable[[int], None] | None = None) -> list[Choice]:
    """One Choice per λ, from rollouts of n training prompts with (fit, held-out) folds."""
    settings = settings or Search()
    table = RolloutTable(rollout, n, progress)
    everything = np.arange(n)
    # the first generation is shared by every λ and fold: drawn before any reward is seen
    first = _sample(np.random.default_rng(settings.seed), np.array([-1.0, 0, 0, 0, 0.5]),
                    np.array([1.0, 1.0, 1.0, 1.0, 0.5]), settings.population)
    choices = []
    for lam in tradeoffs:
        heldout: dict[str, list[float]] = {"threshold": [], "logistic": []}
        for k, (fit, held) in enumerate(folds):
            threshold = _best_threshold(table, settings.thresholds, lam, fit)
            heldout["threshold"].append(table.reward(threshold, lam, held))
            logistic = _cross_entropy(table, first, threshold, lam, fit, settings, k + 1)
            heldout["logistic"].append(table.reward(logistic, lam, held))
        means = {f: float(np.mean(v)) for f, v in heldout.items()}
        # ties go to the simpler family
        family = "logistic" if means["logistic"] > means["threshold"] + 1e-12 else "threshold"
        threshold = _best_threshold(table, settings.thresholds, lam, everything)
        policy = threshold if family == "threshold" else _cross_entropy(
            table, first, threshold, lam, everything, settings, 0)
        choices.append(Choice(float(lam), family, policy,
                              table.reward(policy, lam, everything), means))
    return choices


def _best_threshold(table: RolloutTable, thresholds: Sequence[float], lam: float,
                    rows: np.ndarray) -> ThresholdPolicy:
    policies = [ThresholdPolicy(float(t)) for t in thresholds]
    rewards = [table.reward(p, lam, rows) for p in policies]
    return policies[int(np.argmax(rewards))]  # the first (lowest, cheapest) of equals


def _cross_entropy(table: RolloutTable, first: list[LogisticPolicy], start: ThresholdPolicy,
                   lam: float, rows: np.ndarray, settings: Search, stream: int
                   ) -> LogisticPolicy:
    """The best logistic policy on `rows`, from the shared first generation plus the
    threshold found on the same rows written as a logistic rule."""
    as_logistic = LogisticPolicy((-1.0, 0.0, 0.0, 0.0), float(start.threshold))
    pool = [as_logistic, *first]
    rng = np.random.default_rng([settings.seed, stream, int(lam * 1000)])
    for _ in range(settings.generations - 1):
        ranked = sorted(pool, key=lambda p: -table.reward(p, lam, rows))
        elite = np.array([[*p.weights, p.bias] for p in ranked[:settings.elite]])
        spread = np.maximum(elite.std(axis=0), 0.05)  # never collapse to one point
        pool += _sample(rng, elite.mean(axis=0), spread, settings.population)
    return max(pool, key=lambda p: table.reward(p, lam, rows))


def _sample(rng: np.random.Generator, mean: np.ndarray, std: np.ndarray,
            count: int) -> list[LogisticPolicy]:
    draws = rng.normal(mean, std, size=(count, len(FEATURES) + 1))
    # rounded so that policies that decide alike are one key of the rollout table
    return [LogisticPolicy(tuple(np.round(d[:-1], 3).tolist()), float(np.round(d[-1], 3)))
            for d in draws]
