"""Off-policy estimates of how a router would have done on logged bandit feedback.

Each logged event is (context, logged action, reward, propensity of that action under the
logging policy). For a deterministic target policy pi:
- IPS (Horvitz-Thompson): mean of 1[pi(x) = a] r / p;
- self-normalised IPS (Swaminathan & Joachims, 2015): sum(w r) / sum(w), w = 1[pi(x) = a] / p;
- doubly robust (Dudik, Langford & Li, 2011): mean of q(x, pi(x)) + 1[pi(x) = a] (r - q(x, a)) / p,
  with q a reward model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Estimates:
    ips: float
    snips: float
    dr: float
    matched: int        # events where the target policy agrees with the logged action
    events: int


def estimate(target: np.ndarray, logged: np.ndarray, reward: np.ndarray,
             propensity: np.ndarray, q_target: np.ndarray, q_logged: np.ndarray) -> Estimates:
    """All three estimates; `q_target` / `q_logged` are the reward model's predictions for
    the target's action and the logged action of each event."""
    target, logged = np.asarray(target), np.asarray(logged)
    reward, propensity = np.asarray(reward, float), np.asarray(propensity, float)
    match = (target == logged).astype(float)
    weight = match / np.clip(propensity, 1e-6, None)
    n = len(reward)
    if n == 0:
        return Estimates(float("nan"), float("nan"), float("nan"), 0, 0)
    ips = float(np.mean(weight * reward))
    snips = float(np.sum(weight * reward) / np.sum(weight)) if weight.sum() > 0 else float("nan")
    dr = float(np.mean(np.asarray(q_target) + weight * (reward - np.asarray(q_logged))))
    return Estimates(ips, snips, dr, int(match.sum()), n)
