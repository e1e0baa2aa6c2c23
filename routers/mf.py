"""Matrix factorisation: a query projection and a vector per model, scored bilinearly."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from routers.base import Outcomes, Queries, Router, rewards_of
from routers.features import PRESETS
from routers.optim import adam, bce, known_pairs, sigmoid

L2_GRID = (1e-3, 1e-2, 1e-1)
TUNE_LIMIT = 10_000  # training queries the L2 weight is chosen on (then refit on all)


class MatrixFactorisationRouter(Router):
    """RouteLLM's matrix-factorisation router (Ong et al., 2024), generalised from a
    strong/weak pair to N models: P(model m answers query q well) = sigmoid(v_m . W x_q
    + b_m), with W (projection of the query embedding) and every v_m, b_m learned jointly
    on all logged outcomes. With `tune` the L2 weight is chosen from L2_GRID by the loss
    on a held-out fifth of the training queries (of at most TUNE_LIMIT of them; small logs
    need more of it; the test split is never read), then the model is refit on every
    training query. After fitting, a new model is added by learning only its own v, b with
    W frozen, so the others' scores do not move."""

    name = "mf"
    title = "Matrix factorisation (RouteLLM MF, N models)"
    independent_models = True
    space = {"dim": {"low": 2, "high": 256}, "l2": {"low": 0.0, "high": 1.0},
             "steps": {"low": 10, "high": 5000}, "lr": {"low": 0.0001, "high": 1.0},
             "tune": {"help": "Choose l2 on a held-out part of the training split"},
             "features": {"kind": "choice", "choices": PRESETS,
                          "help": "Query features: the embedding, plus the task, the prompt's "
                                  "length, hashed n-grams (routers/features.py)"}}

    def __init__(self, *, dim: int = 16, l2: float = 1e-3, steps: int = 400, lr: float = 0.02,
                 tune: bool = True, features: str = "embedding", seed: int = 0):
        self.dim = dim
        self.l2 = l2
        self.steps = steps
        self.lr = lr
        self.tune = tune
        self.features = features
        self.seed = seed

    def fit(self, outcomes: Outcomes):
        self.__dict__.pop("W_", None)
        super().fit(outcomes)  # registers models, costs; _add below is a no-op while fitting
        outcomes = self.viewed(outcomes)
        self.l2_ = self._chosen_l2(outcomes) if self.tune else self.l2
        params = self._train(outcomes, self.l2_)
        self.W_ = params["W"]
        self.heads_ = {model: (params["V"][j], float(params["b"][j]))
                       for j, model in enumerate(outcomes.models)}
        return self

    def _chosen_l2(self, outcomes: Outcomes) -> float:
        n = len(outcomes.queries)
        if n < 20:
            return self.l2
        held = np.random.default_rng(self.seed).permutation(n)[: n // 5]
        fit_rows = np.setdiff1d(np.arange(n), held)
        if n > TUNE_LIMIT:  # three candidate fits on a seeded part, not on all of a big log
            held = held[: TUNE_LIMIT // 5]
            fit_rows = np.sort(np.random.default_rng(self.seed + 1).choice(
                fit_rows, TUNE_LIMIT - len(held), replace=False))
        check = outcomes.subset(held)
        rows, cols, y = known_pairs(check.reward)
        losses = {}
        for l2 in L2_GRID:
            p = self._train(outcomes.subset(fit_rows), l2)
            z = np.einsum("ij,ij->i", (check.queries.X @ p["W"].T)[rows], p["V"][cols])
            losses[l2] = bce(sigmoid(z + p["b"][cols]), y)
        return min(losses, key=losses.get)

    def _train(self, outcomes: Outcomes, l2: float) -> dict[str, np.ndarray]:
        """Jointly fit W, V, b on `outcomes` with L2 weight `l2` (full-batch Adam)."""
        rng = np.random.default_rng(self.seed)
        # float64 once: float32 embeddings times float64 weights are cast on every product,
        # two thirds of each step (the cast is exact, so the fit is the same)
        X, m = np.asarray(outcomes.queries.X, dtype=np.float64), len(outcomes.models)
        params = {"W": rng.normal(0, 0.1, (self.dim, X.shape[1])),
                  "V": rng.normal(0, 0.1, (m, self.dim)), "b": np.zeros(m)}
        # Dense over (query, model) with a mask of the logged pairs: a log answers most
        # queries with most models, and whole-matrix products are many times faster than
        # gathering and scattering one row per outcome (np.add.at).
        known = ~np.isnan(outcomes.reward)
        Y, count = np.where(known, outcomes.reward, 0.0), max(int(known.sum()), 1)

        def loss_and_grads(p):
            H = X @ p["W"].T
            prob = sigmoid(H @ p["V"].T + p["b"])
            dZ = np.where(known, prob - Y, 0.0) / count
            dH = dZ @ p["V"]
            clipped = np.clip(prob, 1e-7, 1 - 1e-7)
            bce_sum = -np.sum(np.where(known, Y * np.log(clipped)
                                       + (1 - Y) * np.log(1 - clipped), 0.0))
            loss = bce_sum / count + l2 * (np.sum(p["W"] ** 2) + np.sum(p["V"] ** 2))
            return loss, {"W": dH.T @ X + 2 * l2 * p["W"], "V": dZ.T @ H + 2 * l2 * p["V"],
                          "b": dZ.sum(axis=0)}

        self.loss_ = adam(params, loss_and_grads, steps=self.steps, lr=self.lr)
        return params

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
        l2 = getattr(self, "l2_", self.l2)
        head = LogisticRegression(C=1.0 / max(l2, 1e-6) / max(len(rows), 1),
                                  max_iter=2000).fit(H, good)
        self.heads_[model] = (head.coef_[0], float(head.intercept_[0]))

    def _remove(self, model: str, index: int) -> None:
        self.heads_.pop(model, None)

    def _score(self, queries: Queries) -> np.ndarray:
        H = queries.X @ self.W_.T
        V = np.stack([self.heads_[m][0] for m in self.models_])
        b = np.array([self.heads_[m][1] for m in self.models_])
        return sigmoid(H @ V.T + b)
