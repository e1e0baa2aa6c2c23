"""Feed a bandit rewards from a full-information log, one vote at a time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routers.base import Outcomes


@dataclass(frozen=True)
class Simulation:
    chosen: np.ndarray       # (T,) model column chosen at each step
    reward: np.ndarray       # (T,) reward the bandit got
    best: np.ndarray         # (T,) the best reward available at that step (oracle)
    explored: np.ndarray     # (T,) whether it chose another model than its greedy estimate

    def running_mean(self, window: int = 100) -> np.ndarray:
        kernel = np.ones(window) / window
        return np.convolve(self.reward, kernel, mode="valid")

    @property
    def cumulative_regret(self) -> np.ndarray:
        return np.cumsum(self.best - self.reward)


def simulate(bandit, outcomes: Outcomes, steps: int, seed: int = 0) -> Simulation:
    """Stream `steps` queries (drawn in a random order, cycling through the log) to an
    online router; it picks a model, is told that model's logged reward, and learns."""
    reward = np.nan_to_num(outcomes.reward, nan=0.0)
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(len(reward))
                            for _ in range(steps // len(reward) + 1)])[:steps]
    for model in outcomes.models:
        if model not in getattr(bandit, "models_", []):
            bandit.add_model(model)
    columns = np.array([outcomes.column(m) for m in bandit.models_])
    chosen, got, explored = [], [], []
    for row in order:
        query = outcomes.queries.subset([row])
        pick = int(np.argmax(bandit.score(query)[0]))
        greedy = int(np.argmax(bandit.posterior(query)[0][0])) if hasattr(bandit, "posterior") \
            else pick
        column = columns[pick]
        bandit.partial_fit(query, [bandit.models_[pick]], [reward[row, column]])
        chosen.append(column)
        got.append(reward[row, column])
        explored.append(pick != greedy)
    return Simulation(np.array(chosen), np.array(got), reward[order].max(axis=1),
                      np.array(explored))
