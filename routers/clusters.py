"""Cluster error vectors: k-means regions and each model's score in each region."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans

from routers.base import Learned, Outcomes, Queries, Router, rewards_of


class ClusterErrorRouter(Router):
    """Universal Model Routing (Jitkrittum et al., 2025): cluster the training queries with
    k-means; represent each model by its per-cluster error (here: per-cluster mean score,
    shrunk towards the model's overall mean); predict a query's score as the soft
    cluster-membership-weighted average. The clusters are shared and fixed, so a new model
    is onboarded from its answers on a few representative prompts per cluster
    (`representative_prompts`) without touching the others."""

    name = "clusters"
    title = "Cluster error vectors (UniRoute)"
    independent_models = True
    space = {"n_clusters": {"low": 2, "high": 200}, "temperature": {"low": 0.005, "high": 1.0},
             "shrinkage": {"low": 0.0, "high": 50.0, "help": "Pseudo-counts towards the mean"}}

    def __init__(self, *, n_clusters: int = 20, temperature: float = 0.05,
                 shrinkage: float = 2.0, seed: int = 0):
        self.n_clusters = n_clusters
        self.temperature = temperature
        self.shrinkage = shrinkage
        self.seed = seed

    def _reset(self, outcomes: Outcomes) -> None:
        X = outcomes.queries.X
        k = max(1, min(self.n_clusters, len(X)))
        self.kmeans_ = KMeans(n_clusters=k, n_init=4, random_state=self.seed).fit(X)
        self.labels_ = self.kmeans_.labels_
        centres = self.kmeans_.cluster_centers_
        self.centres_ = centres / np.clip(np.linalg.norm(centres, axis=1, keepdims=True),
                                          1e-12, None)
        self.vectors_ = {}

    def learned(self) -> list[Learned]:
        sizes = np.bincount(self.labels_)
        return [Learned("Clusters", note=f"{len(sizes)} clusters, {sizes.min()}-{sizes.max()} "
                        "training queries each.")]

    def representative_prompts(self, X: np.ndarray, per_cluster: int = 3) -> np.ndarray:
        """Rows of X (the training queries) nearest each cluster centre: the few prompts
        a new model must answer to be onboarded."""
        labels = self._assign(X)
        similarity = np.einsum("ij,ij->i", X, self.centres_[labels])
        picks = []
        for cluster in range(len(self.centres_)):
            members = np.flatnonzero(labels == cluster)
            picks.extend(members[np.argsort(-similarity[members])[:per_cluster]])
        return np.array(sorted(picks), dtype=np.int64)

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        rows, rewards = rewards_of(outcomes, model)
        labels = self._assign(outcomes.queries.X[rows])
        overall = rewards.mean() if len(rewards) else 0.5
        sums = np.bincount(labels, weights=rewards, minlength=len(self.centres_))
        counts = np.bincount(labels, minlength=len(self.centres_))
        self.vectors_[model] = (sums + self.shrinkage * overall) / (counts + self.shrinkage
                                                                     + 1e-12)

    def _remove(self, model: str, index: int) -> None:
        self.vectors_.pop(model, None)

    def _assign(self, X: np.ndarray) -> np.ndarray:
        return np.argmax(X @ self.centres_.T, axis=1)

    def memberships(self, X: np.ndarray) -> np.ndarray:
        logits = (X @ self.centres_.T) / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        return weights / weights.sum(axis=1, keepdims=True)

    def _score(self, queries: Queries) -> np.ndarray:
        table = np.column_stack([self.vectors_[m] for m in self.models_])
        return self.memberships(queries.X) @ table
