"""A small full-batch Adam for the factor models (MF, IRT): numpy only."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def adam(params: dict[str, np.ndarray], loss_and_grads: Callable[[dict], tuple[float, dict]],
         *, steps: int = 300, lr: float = 0.05, tol: float = 1e-6) -> list[float]:
    """Minimise in place; returns the loss history. Stops early when the loss settles."""
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(x) for k, x in params.items()}
    history = []
    for step in range(1, steps + 1):
        loss, grads = loss_and_grads(params)
        history.append(loss)
        for key, grad in grads.items():
            m[key] = 0.9 * m[key] + 0.1 * grad
            v[key] = 0.999 * v[key] + 0.001 * grad * grad
            m_hat = m[key] / (1 - 0.9 ** step)
            v_hat = v[key] / (1 - 0.999 ** step)
            params[key] -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)
        if step > 20 and abs(history[-20] - loss) < tol * max(1.0, abs(loss)):
            break
    return history


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def bce(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def known_pairs(reward: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query rows, model columns, rewards) of every logged outcome."""
    rows, cols = np.nonzero(~np.isnan(reward))
    return rows, cols, reward[rows, cols]
