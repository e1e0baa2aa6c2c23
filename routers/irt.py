"""Item response theory: model ability against query difficulty and discrimination."""

from __future__ import annotations

import numpy as np

from routers.base import Learned, Outcomes, Queries, Router, rewards_of
from routers.features import PRESETS
from routers.optim import adam, bce, known_pairs, sigmoid


class IRTRouter(Router):
    """IRT-Router (Song et al., 2025): a two-parameter logistic IRT model,
    P(model m answers query q) = sigmoid(a_q * (theta_m - d_q)), where every model has an
    ability theta and every query a difficulty d_q and discrimination a_q predicted from
    its embedding (linear maps, a_q through softplus), learned jointly. The fitted
    abilities (`abilities_`) and per-query `difficulty` / `discrimination` are
    inspectable. A model added after fitting gets its ability estimated with the query
    parameters frozen, so the others do not move."""

    name = "irt"
    title = "IRT (ability / difficulty)"
    independent_models = True
    space = {"l2": {"low": 0.0, "high": 1.0}, "steps": {"low": 10, "high": 5000},
             "lr": {"low": 0.0001, "high": 1.0},
             "features": {"kind": "choice", "choices": PRESETS,
                          "help": "Query features: the embedding, plus the task, the prompt's "
                                  "length, hashed n-grams (routers/features.py)"}}

    def __init__(self, *, l2: float = 1e-3, steps: int = 400, lr: float = 0.05,
                 features: str = "embedding", seed: int = 0):
        self.l2 = l2
        self.steps = steps
        self.lr = lr
        self.features = features
        self.seed = seed

    def fit(self, outcomes: Outcomes):
        self.__dict__.pop("w_d_", None)
        super().fit(outcomes)  # registers models and costs; abilities are learned below
        outcomes = self.viewed(outcomes)
        rng = np.random.default_rng(self.seed)
        # float64 once, not a cast of float32 embeddings in each of the 4 products a step
        X, m = np.asarray(outcomes.queries.X, dtype=np.float64), len(outcomes.models)
        d = X.shape[1]
        params = {"theta": np.zeros(m), "w_a": rng.normal(0, 0.01, d), "c_a": np.array([0.5]),
                  "w_d": rng.normal(0, 0.01, d), "c_d": np.zeros(1)}
        rows, cols, y = known_pairs(outcomes.reward)

        def loss_and_grads(p):
            u = X @ p["w_a"] + p["c_a"][0]
            a = np.logaddexp(0, u)
            diff = X @ p["w_d"] + p["c_d"][0]
            gap = p["theta"][cols] - diff[rows]
            prob = sigmoid(a[rows] * gap)
            dz = (prob - y) / len(y)
            d_theta = np.bincount(cols, weights=dz * a[rows], minlength=m)
            d_diff = np.bincount(rows, weights=-dz * a[rows], minlength=len(X))
            d_a = np.bincount(rows, weights=dz * gap, minlength=len(X))
            d_u = d_a * sigmoid(u)
            loss = bce(prob, y) + self.l2 * (np.sum(p["w_a"] ** 2) + np.sum(p["w_d"] ** 2))
            return loss, {"theta": d_theta, "w_a": X.T @ d_u + 2 * self.l2 * p["w_a"],
                          "c_a": np.array([d_u.sum()]), "w_d": X.T @ d_diff
                          + 2 * self.l2 * p["w_d"], "c_d": np.array([d_diff.sum()])}

        self.loss_ = adam(params, loss_and_grads, steps=self.steps, lr=self.lr)
        self.w_a_, self.c_a_ = params["w_a"], float(params["c_a"][0])
        self.w_d_, self.c_d_ = params["w_d"], float(params["c_d"][0])
        self.abilities_ = {model: float(params["theta"][j])
                           for j, model in enumerate(outcomes.models)}
        return self

    def _reset(self, outcomes: Outcomes) -> None:
        self.abilities_ = {}

    def learned(self) -> list[Learned]:
        return [Learned("Model abilities (IRT θ)", dict(self.abilities_), "ability")]

    def difficulty(self, X: np.ndarray) -> np.ndarray:
        return X @ self.w_d_ + self.c_d_

    def discrimination(self, X: np.ndarray) -> np.ndarray:
        return np.logaddexp(0, X @ self.w_a_ + self.c_a_)

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        if not hasattr(self, "w_d_"):
            return  # fitting: abilities are learned jointly in fit()
        rows, rewards = rewards_of(outcomes, model)
        X = outcomes.queries.X[rows]
        a, d = self.discrimination(X), self.difficulty(X)
        grid = np.linspace(-6, 6, 481)  # 1-D maximum likelihood for the new ability
        losses = [bce(sigmoid(a * (theta - d)), rewards) for theta in grid]
        self.abilities_[model] = float(grid[int(np.argmin(losses))]) if len(rows) else 0.0

    def _remove(self, model: str, index: int) -> None:
        self.abilities_.pop(model, None)

    def _score(self, queries: Queries) -> np.ndarray:
        a, d = self.discrimination(queries.X), self.difficulty(queries.X)
        theta = np.array([self.abilities_[m] for m in self.models_])
        return sigmoid(a[:, None] * (theta[None, :] - d[:, None]))
