"""Cluster error vectors: k-means regions and each model's score in each region."""

from __future__ import annotations

from typing import Self

import numpy as np
from sklearn.cluster import KMeans

from routers.base import Learned, Outcomes, Queries, Router, rewards_of
from routers.features import PRESETS


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
    onboards = True  # a new model joins from a few representative prompts (`onboard`)
    space = {"n_clusters": {"low": 2, "high": 200}, "temperature": {"low": 0.005, "high": 1.0},
             "shrinkage": {"low": 0.0, "high": 50.0, "help": "Pseudo-counts towards the mean"},
             "features": {"kind": "choice", "choices": PRESETS,
                          "help": "Query features: the embedding, plus the task, the prompt's "
                                  "length, hashed n-grams (routers/features.py)"}}

    def __init__(self, *, n_clusters: int = 20, temperature: float = 0.05,
                 shrinkage: float = 2.0, features: str = "embedding", seed: int = 0):
        self.n_clusters = n_clusters
        self.temperature = temperature
        self.shrinkage = shrinkage
        self.features = features
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

    def representative_prompts(self, X: np.ndarray, per_cluster: int = 3, text=None,
                               task=None) -> np.ndarray:
        """Rows of X (the training queries' embeddings; their texts and tasks when the
        router uses more features than the embedding) nearest each cluster centre: the few
        prompts a new model must answer to be onboarded."""
        X = self._seen(X, text, task)
        labels = self._assign(X)
        similarity = np.einsum("ij,ij->i", X, self.centres_[labels])
        picks = []
        for cluster in range(len(self.centres_)):
            members = np.flatnonzero(labels == cluster)
            picks.extend(members[np.argsort(-similarity[members])[:per_cluster]])
        return np.array(sorted(picks), dtype=np.int64)

    def onboard(self, model: str, X: np.ndarray, rewards, cost=0.0, text=None,
                task=None) -> Self:
        """Add `model` from its answers on a few prompts only (embeddings X, rewards, cost
        per prompt or one for all), typically the `representative_prompts`: its error
        vector comes from those answers, shrunk towards its mean on them as in training.
        The clusters and the other models stay as they are: that is what makes it cheap."""
        if not hasattr(self, "centres_"):
            raise ValueError("fit the router on a log before onboarding a model")
        rewards = np.asarray(rewards, dtype=float).reshape(-1)
        if not len(rewards):
            raise ValueError(f"'{model}' has no answers to onboard from")
        X = np.asarray(X, dtype=float).reshape(len(rewards), -1)
        costs = np.broadcast_to(np.asarray(cost, dtype=float), rewards.shape).reshape(-1, 1)
        queries = Queries(tuple(text) if text is not None else ("",) * len(rewards), X,
                          None if task is None else tuple(task))
        return self.add_model(model, Outcomes(queries, (model,), rewards[:, None], costs))

    def fit_onboarded(self, outcomes: Outcomes, onboarded: dict[str, int]) -> Self:
        """Learn every model of `outcomes` from its whole log except those in `onboarded`
        ({model: prompts per cluster}), which learn only from their answers on that many
        representative prompts per cluster: the router a user has after onboarding them."""
        unknown = sorted(set(onboarded) - set(outcomes.models))
        if unknown:
            raise ValueError(f"cannot onboard {unknown}: the log has no such model")
        keep = [j for j, m in enumerate(outcomes.models) if m not in onboarded]
        self.fit(Outcomes(outcomes.queries, tuple(outcomes.models[j] for j in keep),
                          outcomes.reward[:, keep], outcomes.cost[:, keep]))
        for model, per_cluster in onboarded.items():
            rows = self.onboarding_rows(outcomes, model, per_cluster)
            column = outcomes.column(model)
            chosen = outcomes.queries.subset(rows)
            self.onboard(model, chosen.X, outcomes.reward[rows, column],
                         outcomes.cost[rows, column], chosen.text, chosen.task)
        return self

    def onboarding_rows(self, outcomes: Outcomes, model: str, per_cluster: int
                        ) -> np.ndarray:
        """Rows of `outcomes` among its representative prompts that `model` answered: the
        prompts a user would run a new model on, here read off its log."""
        queries = outcomes.queries
        rows = self.representative_prompts(queries.X, int(per_cluster), queries.text,
                                           queries.task)
        answered = rows[~np.isnan(outcomes.reward[rows, outcomes.column(model)])]
        if not len(answered):
            raise ValueError(f"'{model}' answered none of the {len(rows)} representative "
                             "prompts")
        return answered

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        rows, rewards = rewards_of(outcomes, model)
        self.vectors_[model] = self._vector(outcomes.queries.X[rows], rewards)

    def _vector(self, X: np.ndarray, rewards: np.ndarray) -> np.ndarray:
        """Per-cluster mean reward, shrunk towards the overall mean by `shrinkage`
        pseudo-counts, so a cluster with few answers leans on the model's average."""
        labels = self._assign(X)
        overall = rewards.mean() if len(rewards) else 0.5
        sums = np.bincount(labels, weights=rewards, minlength=len(self.centres_))
        counts = np.bincount(labels, minlength=len(self.centres_))
        return (sums + self.shrinkage * overall) / (counts + self.shrinkage + 1e-12)

    def _remove(self, model: str, index: int) -> None:
        self.vectors_.pop(model, None)

    def _seen(self, X: np.ndarray, text=None, task=None) -> np.ndarray:
        """Embeddings as the clusters see them (through the feature view, if any)."""
        view = getattr(self, "view_", None)
        return X if view is None or view.plain else view.vectors(X, text, task)

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
