"""Matrix factorisation: a query projection and a vector per model, scored bilinearly."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from routers.base import Outcomes, Queries, Router, rewards_of
from routers.optim import adam, bce, known_pairs, sigmoid


class MatrixFactorisationRouter(Router):
    """RouteLLM's matrix-factorisation router (Ong et al., 2024), generalised from a
    strong/weak pair to N models: P(model m answers query q well) = sigmoid(v_m . W x_q
    + b_m), with W (projection of the query embedding) and every v_m, b_m learned jointly
    on all logged outcomes. After fitting, a new model is added by learning only its own
    v, b with W frozen, so the others' scores do not move."""

    name = "mf"
    title = "Matrix factorisation (RouteLLM MF, N models)"
    independent_models = True
    space = {"dim": {"low": 2, "high": 256}, "l2": {"low": 0.0, "high": 1.0},
             "steps": {"low": 10, "high": 5000}, "lr": {"low": 0.0001, "high": 1.0}}

    def __init__(self, *, dim: int = 16, l2: float = 1e-3, steps: int = 400, lr: float = 0.02,
                 seed: int = 0):
        self.dim = dim
        self.l2 = l2
        self.steps = steps
        self.lr = lr
        self.seed = seed

    def fit(self, outcomes: Outcomes):
        self.__dict__.pop("W_", None)
        super().fit(outcomes)  # registers models, costs; _add below is a no-op while fitting
        rng = np.random.default_rng(self.seed)
        X, m = outcomes.queries.X, len(outcomes.models)
        params = {"W": rng.normal(0, 0.1, (self.dim, X.shape[1])),
                  "V": rng.normal(0, 0.1, (m, self.dim)), "b": np.zeros(m)}
        rows, cols, y = known_pairs(outcomes.reward)

        def loss_and_grads(p):
            H = X @ p["W"].T
            z = np.einsum("ij,ij->i", H[rows], p["V"][cols]) + p["b"][cols]
            prob = sigmoid(z)
            dz = (prob - y) / len(y)
            dH = np.zeros_like(H)
            np.add.at(dH, rows, dz[:, None] * p["V"][cols])
            dV = np.zeros_like(p["V"])
            np.add.at(dV, cols, dz[:, None] * H[rows])
            db = np.bincount(cols, weights=dz, minlength=m)
            loss = bce(prob, y) + self.l2 * (np.sum(p["W"] ** 2) + np.sum(p["V"] ** 2))
            return loss, {"W": dH.T @ X + 2 * self.l2 * p["W"],
                          "V": dV + 2 * self.l2 * p["V"], "b": db}

        self.loss_ = adam(params, loss_and_grads, steps=self.steps, lr=self.lr)
        self.W_ = params["W"]
        self.heads_ = {model: (params["V"][j], float(params["b"][j]))
                       for j, model in enumerate(outcomes.models)}
        return self

    def _reset(self, outcomes: Outcomes) -> None:
        self.heads_ = {}

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        if not hasattr(self, "W_"):
            return  # fitting: all models are learned jointly in fit()
        rows, rewards = rewards_of(outcomes, model)
        H = outcomes.queries.X[rows] @ self.W_.T
        good = rewards >= 0.5
        if good.all() or not good.any():
            rate = np.clip(good.mean() if len(good) else 0.5, 0.01, 0.99)
            self.heads_[model] = (np.zeros(self.dim), float(np.log(rate / (1 - rate))))
            return
        head = LogisticRegression(C=1.0 / max(self.l2, 1e-6) / max(len(rows), 1),
                                  max_iter=2000).fit(H, good)
        self.heads_[model] = (head.coef_[0], float(head.intercept_[0]))

    def _remove(self, model: str, index: int) -> None:
        self.heads_.pop(model, None)

    def _score(self, queries: Queries) -> np.ndarray:
        H = queries.X @ self.W_.T
        V = np.stack([self.heads_[m][0] for m in self.models_])
        b = np.array([self.heads_[m][1] for m in self.models_])
        return sigmoid(H @ V.T + b)
