"""Chains of models with acceptance thresholds: running them and choosing them.

A chain is a tuple of steps. A step is a model column (>= 0) or a routed step (< 0): the
model a query router picks for each query (`picks[:, -1 - step]`), so a cascade can start
where a kNN router would send the query and escalate from there. At each step the best
answer so far is accepted when the judge's probability reaches the step's threshold; the
last step always accepts. A model already called is never paid for twice.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.96, 0.98, 1.01)  # 1.01: always go on
ROUTED_AT = (0.0, 0.03, 0.1, 0.3, 1.0)  # a routed step's λ, times the dearest model's cost


@dataclass(frozen=True)
class Policy:
    """A chain, its per-step thresholds, and its out-of-fold training quality and cost."""

    chain: tuple[int, ...]
    thresholds: tuple[float, ...]
    quality: float
    cost: float


def columns_at(step: int, picks: np.ndarray) -> np.ndarray:
    """The model column each query calls at this step."""
    return picks[:, -1 - step] if step < 0 else np.full(len(picks), step)


def obtained_by(prefix: tuple[int, ...], picks: np.ndarray, n_models: int) -> np.ndarray:
    """(n, m) which answers a query holds after the steps of `prefix`."""
    held = np.zeros((len(picks), n_models), bool)
    rows = np.arange(len(picks))
    for step in prefix:
        held[rows, columns_at(step, picks)] = True
    return held


def run(chain, thresholds, probs: Callable[[tuple], np.ndarray], picks: np.ndarray,
        cost: np.ndarray):
    """(answering column, spent, calls, called (n, m)) of running the chain; `probs(prefix)`
    gives the judge's (n, m) probabilities with the answers of `prefix` in hand."""
    n, m = cost.shape
    rows = np.arange(n)
    done = np.zeros(n, bool)
    called = np.zeros((n, m), bool)
    answer = np.zeros(n, dtype=np.int64)
    spent = np.zeros(n)
    for k, step in enumerate(chain):
        active = ~done
        column = columns_at(step, picks)
        new = active & ~called[rows, column]
        spent[new] += cost[rows[new], column[new]]
        called[rows[new], column[new]] = True
        p = probs(chain[: k + 1])
        # no judged answer in hand (an empty or missing one): keep the last call's, never
        # an answer nobody asked for
        best = np.where(p.max(axis=1) >= 0, np.argmax(p, axis=1), column)
        accept = active & ((p[rows, best] >= thresholds[k]) | (k == len(chain) - 1))
        answer[accept] = best[accept]
        done |= accept
    return answer, spent, called.sum(axis=1), called


def candidate_chains(reward: np.ndarray, cost: np.ndarray, *, size: int, max_steps: int,
                     routed: int, fixed: tuple[int, ...] = ()) -> list[tuple[int, ...]]:
    """The chains tried on a segment: `fixed` alone when given; else every cost-ordered
    chain of up to `max_steps` of its cheapest non-dominated models (at most `size`), and
    each routed step alone or followed by one of those models."""
    if fixed:
        return [fixed]
    quality, spend = reward.mean(axis=0), cost.mean(axis=0)
    order = sorted(range(reward.shape[1]), key=lambda j: (spend[j], -quality[j]))
    frontier, best = [], -np.inf
    for j in order:  # cheapest first, each better than every cheaper one
        if quality[j] > best + 1e-9:
            frontier.append(j)
            best = quality[j]
    if len(frontier) > size:  # keep the cheapest, the best, and a spread between
        keep = np.unique(np.round(np.linspace(0, len(frontier) - 1, size)))
        frontier = [frontier[int(k)] for k in keep]
    chains = [c for n in range(1, max(1, max_steps) + 1)
              for c in itertools.combinations(frontier, n)]
    for r in range(routed):
        chains += [(-1 - r,)] + ([(-1 - r, j) for j in frontier] if max_steps > 1 else [])
    return chains


def policies(chains, probs, picks, reward, cost) -> list[Policy]:
    """Every chain with every threshold combination, scored on the given (out-of-fold)
    judgements."""
    rows = np.arange(len(reward))
    found = []
    for chain in chains:
        for th in itertools.product(THRESHOLDS, repeat=len(chain) - 1):
            thresholds = (*th, 0.0)
            answer, spent, _, _ = run(chain, thresholds, probs, picks, cost)
            found.append(Policy(chain, thresholds, float(reward[rows, answer].mean()),
                                float(spent.mean())))
    return found


def best_for(options: list[Policy], tradeoff: float) -> Policy:
    """The policy of best quality − tradeoff × cost (the cheaper on ties)."""
    return max(options, key=lambda p: (p.quality - tradeoff * p.cost, -p.cost))


def routed_picks(prior: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """(n, len(ROUTED_AT)) the column a query router with scores `prior` picks at each
    routed λ (the cheaper model on ties)."""
    scale = max(float(np.max(costs)), 1e-12)
    picks = []
    for at in ROUTED_AT:
        utility = prior - (at / scale) * costs[None, :] - 1e-9 * costs[None, :]
        picks.append(np.argmax(utility, axis=1))
    return np.column_stack(picks)
