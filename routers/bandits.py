"""Contextual bandits over query embeddings: LinUCB and linear Thompson sampling."""

from __future__ import annotations

import numpy as np

from routers.base import Learned, Outcomes, Queries, Router, rewards_of

PROPENSITY_SAMPLES = 200  # posterior draws behind a logged Thompson propensity


class LinUCB(Router):
    """LinUCB (Li et al., 2010, "A contextual-bandit approach to personalized news article
    recommendation"): per model a ridge regression of reward on the query embedding plus a
    constant feature (as in Li et al.'s features), so an arm can learn that a model is good
    in general and not only near the queries it saw; score = predicted reward + alpha * its
    standard error. Learns online from thumbs (`partial_fit`, Sherman-Morrison updates), so
    its state is exactly the replay of its feedback; arms are independent and a new model
    starts from the prior."""

    name = "linucb"
    title = "Contextual bandit: LinUCB"
    explore_param = "alpha"
    online = True
    cold_start = True
    independent_models = True
    space = {"alpha": {"low": 0.0, "high": 5.0, "help": "Exploration bonus weight"},
             "ridge": {"low": 0.01, "high": 100.0, "help": "Prior precision"}}

    def __init__(self, *, alpha: float = 1.0, ridge: float = 1.0):
        self.alpha = alpha
        self.ridge = ridge

    def _reset(self, outcomes: Outcomes | None) -> None:
        self.A_inv_, self.b_, self.n_ = {}, {}, {}
        self.dim_ = outcomes.queries.X.shape[1] + 1 if outcomes is not None else None

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        if not hasattr(self, "A_inv_"):
            self._reset(outcomes)
        if self.dim_ is None and outcomes is not None:
            self.dim_ = outcomes.queries.X.shape[1] + 1
        self.A_inv_[model] = None  # the prior until the dimension is known
        self.b_[model], self.n_[model] = None, 0
        if outcomes is not None and model in outcomes.models:
            rows, rewards = rewards_of(outcomes, model)
            if len(rows):
                X = features(outcomes.queries.X[rows])
                A = self.ridge * np.eye(X.shape[1]) + X.T @ X
                self.A_inv_[model] = np.linalg.inv(A)
                self.b_[model] = X.T @ rewards
                self.n_[model] = len(rows)

    def _remove(self, model: str, index: int) -> None:
        for table in (self.A_inv_, self.b_, self.n_):
            table.pop(model, None)

    def learned(self) -> list[Learned]:
        return [Learned("Observations per arm", dict(self.n_), "observations")]

    def _ensure(self, model: str, dim: int) -> None:
        self.dim_ = self.dim_ or dim
        if self.A_inv_[model] is None:
            self.A_inv_[model] = np.eye(dim) / self.ridge
            self.b_[model] = np.zeros(dim)

    def partial_fit(self, queries: Queries, models: list[str], rewards) -> LinUCB:
        """One update per (query, chosen model, reward), in order."""
        for x, model, reward in zip(queries.X, models, rewards, strict=True):
            if model not in getattr(self, "models_", []):
                self.add_model(model)  # a new arm starts from the prior
            self.update(model, np.asarray(x, dtype=float), float(reward))
        return self

    def update(self, model: str, x: np.ndarray, reward: float) -> None:
        """One Sherman-Morrison step for a query embedding `x` (without the constant)."""
        x = features(x)
        self._ensure(model, len(x))
        A_inv = self.A_inv_[model]
        Ax = A_inv @ x
        self.A_inv_[model] = A_inv - np.outer(Ax, Ax) / (1.0 + x @ Ax)
        self.b_[model] = self.b_[model] + reward * x
        self.n_[model] += 1

    def posterior(self, queries: Queries) -> tuple[np.ndarray, np.ndarray]:
        """(mean, standard deviation) of each model's predicted reward, (n, m) each."""
        X = features(queries.X)
        means, stds = [], []
        for model in self.models_:
            self._ensure(model, X.shape[1])
            theta = self.A_inv_[model] @ self.b_[model]
            means.append(X @ theta)
            spread = ((X @ self.A_inv_[model]) * X).sum(axis=1)  # BLAS, not einsum
            stds.append(np.sqrt(np.clip(spread, 0, None)))
        return np.column_stack(means), np.column_stack(stds)

    def _score(self, queries: Queries) -> np.ndarray:
        mean, std = self.posterior(queries)
        return mean + self.alpha * std


class LinearThompson(LinUCB):
    """Linear Thompson sampling (Agrawal & Goyal, 2013): the same per-model ridge posterior
    as LinUCB, but each decision samples a reward model from N(theta, v^2 A^-1) and
    takes the best sample, so exploration is randomised rather than optimistic."""

    name = "thompson"
    explore_param = "v"
    title = "Contextual bandit: linear Thompson sampling"
    space = {"v": {"low": 0.0, "high": 5.0, "help": "Posterior scale"},
             "ridge": {"low": 0.01, "high": 100.0}}

    def __init__(self, *, v: float = 0.3, ridge: float = 1.0, seed: int = 0):
        self.v = v
        self.ridge = ridge
        self.seed = seed
        self.alpha = 0.0

    def propensity(self, queries: Queries, choice: int, usable: np.ndarray | None = None
                   ) -> float:
        """P(Thompson sampling picks `choice` among the usable models), estimated from
        PROPENSITY_SAMPLES posterior draws plus the draw that actually chose (which picked
        `choice`): (k + 1) / (S + 1). Never 0, so an inverse-propensity weight stays at most
        S + 1 instead of exploding on a choice the estimate happened to miss."""
        probs = choice_probabilities(self, queries, PROPENSITY_SAMPLES, usable=usable)[0]
        return float((probs[choice] * PROPENSITY_SAMPLES + 1) / (PROPENSITY_SAMPLES + 1))

    def _score(self, queries: Queries) -> np.ndarray:
        X = features(queries.X)
        rng = np.random.default_rng([self.seed, sum(self.n_.values())])
        columns = []
        for model in self.models_:
            self._ensure(model, X.shape[1])
            theta = self.A_inv_[model] @ self.b_[model]
            L = np.linalg.cholesky(self.A_inv_[model] + 1e-12 * np.eye(X.shape[1]))
            noise = np.einsum("ij,ij->i", X @ L, rng.standard_normal(X.shape))
            columns.append(X @ theta + self.v * noise)
        return np.column_stack(columns)


def choice_probabilities(bandit: LinearThompson, queries: Queries, samples: int = 200,
                         seed: int = 0, usable: np.ndarray | None = None) -> np.ndarray:
    """(n, m) how often Thompson sampling picks each model (only `usable` ones, when
    given): the basis of the propensity logged with a vote, for off-policy estimates."""
    X = features(queries.X)
    rng = np.random.default_rng(seed)
    draws = []
    for model in bandit.models_:
        bandit._ensure(model, X.shape[1])
        theta = bandit.A_inv_[model] @ bandit.b_[model]
        L = np.linalg.cholesky(bandit.A_inv_[model] + 1e-12 * np.eye(X.shape[1]))
        noise = (X @ L) @ rng.standard_normal((X.shape[1], samples))     # (n, samples)
        draws.append((X @ theta)[:, None] + bandit.v * noise)
    stacked = np.stack(draws)                                             # (m, n, samples)
    if usable is not None:
        stacked[~np.asarray(usable, dtype=bool)] = -np.inf
    winners = np.argmax(stacked, axis=0)                                  # (n, samples)
    return np.stack([(winners == j).mean(axis=1) for j in range(len(bandit.models_))], axis=1)


def features(X: np.ndarray) -> np.ndarray:
    """Query embeddings with a constant 1 appended (the bias feature), row-wise."""
    X = np.asarray(X, dtype=float)
    return np.concatenate([X, np.ones(X.shape[:-1] + (1,))], axis=-1)
