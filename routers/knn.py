"""k-nearest-neighbour routing."""

from __future__ import annotations

import numpy as np

from routers.base import Outcomes, Queries, Router
from routers.features import PRESETS
from routers.neighbours import NeighbourIndex, weighted_nanmean


class KNNRouter(Router):
    """Predict each model's score on a query as the mean of its scores on the k most similar
    logged queries (cosine), optionally similarity-weighted. Follows "kNN beats learned
    routers" (Li et al., 2025: simple kNN over query embeddings matches or beats trained
    routers). Models are independent columns, so adding or removing one needs no refit.
    Logs above 50,000 queries are searched through an inverted-file index (approximate)."""

    name = "knn"
    title = "kNN (nearest logged queries)"
    independent_models = True
    space = {"k": {"low": 1, "high": 200, "help": "Neighbours per query"},
             "weighted": {"help": "Weight neighbours by cosine similarity"},
             "features": {"kind": "choice", "choices": PRESETS,
                          "help": "Query features: the embedding, plus the task, the prompt's "
                                  "length, hashed n-grams (routers/features.py)"}}

    def __init__(self, *, k: int = 50, weighted: bool = True, features: str = "embedding"):
        self.k = k
        self.weighted = weighted
        self.features = features

    def _reset(self, outcomes: Outcomes) -> None:
        self.index_ = NeighbourIndex(outcomes.queries.X)
        self.rewards_ = np.zeros((len(outcomes.queries), 0))

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        column = outcomes.reward[:, outcomes.column(model)]
        self.rewards_ = np.column_stack([self.rewards_, column])
        self.prior_ = _column_means(self.rewards_)

    def _remove(self, model: str, index: int) -> None:
        self.rewards_ = np.delete(self.rewards_, index, axis=1)
        self.prior_ = _column_means(self.rewards_)

    def _score(self, queries: Queries) -> np.ndarray:
        sims, ids = self.index_.search(queries.X, self.k)
        weights = np.clip(sims, 1e-6, None) if self.weighted else np.ones_like(sims)
        return weighted_nanmean(self.rewards_[ids], weights, self.prior_)


def _column_means(rewards: np.ndarray) -> np.ndarray:
    """Each model's mean logged score (the fallback when no neighbour has one)."""
    answered = ~np.isnan(rewards)
    return np.where(answered, rewards, 0).sum(axis=0) / np.maximum(answered.sum(axis=0), 1)
