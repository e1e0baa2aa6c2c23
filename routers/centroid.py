"""Per-model centroids of the queries each model answers well."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from routers.base import Outcomes, Queries, Router, rewards_of
from routers.features import PRESETS


class CentroidRouter(Router):
    """RouterRetriever (Lee et al., 2024): represent each model by the embeddings of the
    queries it handles well and route by similarity. Here each model has a centroid of its
    good queries and one of its bad ones; the similarity margin, calibrated per model by a
    one-feature logistic fit, estimates P(good). Each model's state is its own, so models
    are added or removed without retraining the rest."""

    name = "centroid"
    title = "Centroid (RouterRetriever)"
    independent_models = True
    space = {"good_at": {"low": 0.0, "high": 1.0, "help": "Score that counts as answered well"},
             "features": {"kind": "choice", "choices": PRESETS,
                          "help": "Query features: the embedding, plus the task, the prompt's "
                                  "length, hashed n-grams (routers/features.py)"}}

    def __init__(self, *, good_at: float = 0.5, features: str = "embedding"):
        self.good_at = good_at
        self.features = features

    def _reset(self, outcomes: Outcomes) -> None:
        self.good_, self.bad_, self.calibration_ = {}, {}, {}

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        rows, rewards = rewards_of(outcomes, model)
        X = outcomes.queries.X[rows]
        good = rewards >= self.good_at
        self.good_[model] = _unit(X[good].mean(axis=0)) if good.any() else None
        self.bad_[model] = _unit(X[~good].mean(axis=0)) if (~good).any() else None
        margin = self._margin(model, X)
        if good.all() or not good.any():
            self.calibration_[model] = float(good.mean()) if len(good) else 0.5
        else:
            self.calibration_[model] = LogisticRegression().fit(margin[:, None], good)

    def _remove(self, model: str, index: int) -> None:
        for table in (self.good_, self.bad_, self.calibration_):
            table.pop(model, None)

    def _margin(self, model: str, X: np.ndarray) -> np.ndarray:
        good = X @ self.good_[model] if self.good_[model] is not None else np.zeros(len(X))
        bad = X @ self.bad_[model] if self.bad_[model] is not None else np.zeros(len(X))
        return good - bad

    def _score(self, queries: Queries) -> np.ndarray:
        columns = []
        for model in self.models_:
            calibration = self.calibration_[model]
            if isinstance(calibration, float):
                columns.append(np.full(len(queries), calibration))
            else:
                margin = self._margin(model, queries.X)
                columns.append(calibration.predict_proba(margin[:, None])[:, 1])
        return np.column_stack(columns)


def _unit(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v)
    return v / norm if norm > 0 else v
