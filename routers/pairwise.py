"""Routers that learn from pairwise preferences (battles) instead of per-model scores.

A preference log says, for a prompt, which of two models answered better (Chatbot Arena
votes, a judge's verdict against a baseline); it never gives a model a score of its own.
These routers share a small interface:

    router.fit(X, battles) -> router    X: (n, d) unit query embeddings,
                                        battles: Battles indexing rows of X
    router.score(X) -> (n, n_models)    higher = more likely to win on that query

`score` columns follow `battles.models`; comparing two columns for a query says which of
the two models the router would pick (see routers/winrate.py for the evaluation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from routers.neighbours import NeighbourIndex
from routers.optim import adam, sigmoid

SMALL_PRODUCTS = 5e7  # queries x dimensions x factors below which BLAS runs single-threaded


@dataclass(frozen=True, eq=False)
class Battles:
    """Pairwise verdicts: battle i compared models a[i] and b[i] on query row query[i];
    outcome[i] is from a's side (1 a won, 0.5 tie, 0 b won), weight[i] how much it counts."""

    query: np.ndarray                      # (k,) rows of the query matrix X
    a: np.ndarray                          # (k,) columns of `models`
    b: np.ndarray
    outcome: np.ndarray                    # (k,) in {0, 0.5, 1}
    weight: np.ndarray                     # (k,) > 0
    models: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.query)

    def subset(self, rows) -> Battles:
        rows = np.asarray(rows, dtype=np.int64)
        return Battles(self.query[rows], self.a[rows], self.b[rows], self.outcome[rows],
                       self.weight[rows], self.models)

    def sides(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Each battle seen from both sides: (battle row, model, its result, weight), 2k long."""
        rows = np.arange(len(self))
        return (np.concatenate([rows, rows]), np.concatenate([self.a, self.b]),
                np.concatenate([self.outcome, 1.0 - self.outcome]),
                np.concatenate([self.weight, self.weight]))


def global_win_rates(battles: Battles, prior: float = 1.0) -> np.ndarray:
    """(m,) each model's weighted win rate over all its battles (ties count half), pulled
    toward 0.5 by `prior` pseudo-battles so a model seen twice is not rated 0 or 1."""
    _, model, result, weight = battles.sides()
    m = len(battles.models)
    wins = np.bincount(model, weights=weight * result, minlength=m)
    games = np.bincount(model, weights=weight, minlength=m)
    return (wins + 0.5 * prior) / (games + prior)


class PreferenceRouter:
    """Base of the preference routers: keyword hyperparameters, learned state ends in `_`."""

    name = "preference"
    title = "Preference router"

    def fit(self, X: np.ndarray, battles: Battles) -> Self:
        raise NotImplementedError

    def score(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def get_params(self) -> dict:
        return {k: v for k, v in vars(self).items() if not k.endswith("_")}


class BradleyTerryMF(PreferenceRouter):
    """RouteLLM's matrix-factorisation router (Ong et al., 2024, "RouteLLM: Learning to Route
    LLMs with Preference Data") trained as they train it, on battles: a model's strength on
    query q is s(m, q) = v_m . (P x_q) + b_m, and P(a beats b | q) = sigmoid(s(a, q) -
    s(b, q)) (Bradley-Terry). P, every v_m and b_m minimise the weighted log-loss of the
    verdicts (a tie is a target of 1/2) plus L2, by full-batch Adam from a seeded start, so
    the same data and seed give the same router."""

    name = "bt-mf"
    title = "Matrix factorisation, Bradley-Terry loss (RouteLLM MF)"

    def __init__(self, *, dim: int = 16, l2: float = 1e-3, steps: int = 800,
                 lr: float = 0.03, seed: int = 0):
        self.dim, self.l2, self.steps, self.lr, self.seed = dim, l2, steps, lr, seed

    def fit(self, X: np.ndarray, battles: Battles) -> Self:
        rng = np.random.default_rng(self.seed)
        m = len(battles.models)
        params = {"P": rng.normal(0, 0.1, (self.dim, X.shape[1])),
                  "V": rng.normal(0, 0.1, (m, self.dim)), "bias": np.zeros(m)}
        # Only the battles' queries matter; one float64 copy of them, not a cast per step.
        used, q = np.unique(battles.query, return_inverse=True)
        X = np.asarray(X[used], dtype=np.float64)
        a, b, y = battles.a, battles.b, battles.outcome
        w = battles.weight / battles.weight.sum()

        def loss_and_grads(p):
            H = X @ p["P"].T                                    # (n, dim)
            diff = p["V"][a] - p["V"][b]                        # (k, dim)
            z = np.einsum("ij,ij->i", H[q], diff) + p["bias"][a] - p["bias"][b]
            prob = np.clip(sigmoid(z), 1e-7, 1 - 1e-7)
            loss = -np.sum(w * (y * np.log(prob) + (1 - y) * np.log(1 - prob)))
            dz = w * (prob - y)
            dV = np.zeros_like(p["V"])
            np.add.at(dV, a, dz[:, None] * H[q])
            np.add.at(dV, b, -dz[:, None] * H[q])
            dH = np.zeros_like(H)
            np.add.at(dH, q, dz[:, None] * diff)
            dbias = np.bincount(a, dz, m) - np.bincount(b, dz, m)
            penalty = self.l2 * (np.sum(p["P"] ** 2) + np.sum(p["V"] ** 2)
                                 + np.sum(p["bias"] ** 2))
            return float(loss + penalty), {"P": dH.T @ X + 2 * self.l2 * p["P"],
                                           "V": dV + 2 * self.l2 * p["V"],
                                           "bias": dbias + 2 * self.l2 * p["bias"]}

        # Each step is a few small matrix products: BLAS threads cost more than they save
        # there (ten times the time on a busy machine), so small problems run on one.
        small = X.size * self.dim < SMALL_PRODUCTS
        with threadpool_limits(limits=1 if small else None, user_api="blas"):
            self.loss_ = adam(params, loss_and_grads, steps=self.steps, lr=self.lr)
        self.P_, self.V_, self.bias_ = params["P"], params["V"], params["bias"]
        self.models_ = battles.models
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        """Bradley-Terry strengths s(m, q): differences are log-odds of winning."""
        return (X @ self.P_.T) @ self.V_.T + self.bias_


class KNNWinRate(PreferenceRouter):
    """kNN routing ("kNN beats learned routers", Li et al., 2025) on preferences: for a
    query, each model's win rate (ties count half) over the k training battles whose
    prompts are nearest (cosine), shrunk toward its global win rate by `shrink`
    pseudo-battles, so a model that played once nearby is not trusted blindly."""

    name = "knn-winrate"
    title = "kNN on win rates"

    def __init__(self, *, k: int = 50, shrink: float = 5.0):
        self.k, self.shrink = k, shrink

    def fit(self, X: np.ndarray, battles: Battles) -> Self:
        self.index_ = NeighbourIndex(X[battles.query])
        self.battles_ = battles
        self.prior_ = global_win_rates(battles)
        self.models_ = battles.models
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        _, ids = self.index_.search(X, self.k)                  # (n, k) battle rows
        t, m = self.battles_, len(self.models_)
        rows = np.repeat(np.arange(len(X)), ids.shape[1])
        flat = ids.ravel()
        wins, games = np.zeros((len(X), m)), np.zeros((len(X), m))
        for model, result in ((t.a, t.outcome), (t.b, 1.0 - t.outcome)):
            np.add.at(wins, (rows, model[flat]), t.weight[flat] * result[flat])
            np.add.at(games, (rows, model[flat]), t.weight[flat])
        return (wins + self.shrink * self.prior_) / (games + self.shrink)


class CentroidWinRate(PreferenceRouter):
    """RouterRetriever (Lee et al., 2024) on preferences: each model is represented by the
    centroid of the prompts it won and of those it lost (ties count half to each); the
    similarity margin, calibrated by a per-model logistic fit on that model's own battles,
    estimates its win rate on a new query."""

    name = "centroid-winrate"
    title = "Centroid on win rates"

    def __init__(self, *, c: float = 1.0):
        self.c = c

    def fit(self, X: np.ndarray, battles: Battles) -> Self:
        rows, model, result, weight = battles.sides()
        Xq = X[battles.query[rows]]
        prior = global_win_rates(battles)
        self.centroids_, self.calibration_ = [], []
        for j in range(len(battles.models)):
            mine = model == j
            won, lost = weight[mine] * result[mine], weight[mine] * (1 - result[mine])
            pair = (_unit(won @ Xq[mine]), _unit(lost @ Xq[mine]))
            self.centroids_.append(pair)
            margin = Xq[mine] @ pair[0] - Xq[mine] @ pair[1]
            if won.sum() == 0 or lost.sum() == 0:
                self.calibration_.append(float(prior[j]))
                continue
            features = np.concatenate([margin, margin])[:, None]
            labels = np.concatenate([np.ones(len(margin)), np.zeros(len(margin))])
            self.calibration_.append(LogisticRegression(C=self.c).fit(
                features, labels, sample_weight=np.concatenate([won, lost])))
        self.models_ = battles.models
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        columns = []
        for (won, lost), calibration in zip(self.centroids_, self.calibration_, strict=True):
            if isinstance(calibration, float):
                columns.append(np.full(len(X), calibration))
            else:
                margin = X @ won - X @ lost
                columns.append(calibration.predict_proba(margin[:, None])[:, 1])
        return np.column_stack(columns) if columns else np.zeros((len(X), 0))


PREFERENCE_ROUTERS: dict[str, type[PreferenceRouter]] = {
    cls.name: cls for cls in (BradleyTerryMF, KNNWinRate, CentroidWinRate)}


def _unit(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v)
    return v / norm if norm > 0 else v
