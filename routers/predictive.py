"""Per-model heads predicting P(good | query) from its embedding."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from routers.base import Outcomes, Queries, Router, rewards_of
from routers.features import PRESETS


class PredictiveRouter(Router):
    """RouterBench's predictive routers (Hu et al., 2024): one classifier per model learns
    whether that model answers a query well, here logistic regression or a small MLP over
    the query embedding; its probability is the model's predicted score. Heads are
    independent, so models are added or removed without retraining the others."""

    name = "predictive"
    title = "Per-model logistic / MLP heads"
    independent_models = True
    space = {"head": {"kind": "choice", "choices": ("logistic", "mlp")},
             "C": {"low": 0.001, "high": 100.0, "help": "Inverse regularisation (logistic)"},
             "hidden": {"low": 4, "high": 512, "help": "Hidden units (MLP)"},
             "good_at": {"low": 0.0, "high": 1.0},
             "features": {"kind": "choice", "choices": PRESETS,
                          "help": "Query features: the embedding, plus the task, the prompt's "
                                  "length, hashed n-grams (routers/features.py)"}}

    def __init__(self, *, head: str = "logistic", C: float = 1.0, hidden: int = 64,
                 good_at: float = 0.5, features: str = "embedding", seed: int = 0):
        self.head = head
        self.C = C
        self.hidden = hidden
        self.good_at = good_at
        self.features = features
        self.seed = seed

    def _reset(self, outcomes: Outcomes) -> None:
        self.heads_ = {}

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        rows, rewards = rewards_of(outcomes, model)
        good = rewards >= self.good_at
        if len(good) == 0 or good.all() or not good.any():
            self.heads_[model] = float(good.mean()) if len(good) else 0.5
            return
        if self.head == "mlp":
            head = MLPClassifier(hidden_layer_sizes=(self.hidden,), alpha=1e-3, max_iter=300,
                                 early_stopping=len(rows) > 200, random_state=self.seed)
        else:
            head = LogisticRegression(C=self.C, max_iter=2000)
        self.heads_[model] = head.fit(outcomes.queries.X[rows], good)

    def _remove(self, model: str, index: int) -> None:
        self.heads_.pop(model, None)

    def _score(self, queries: Queries) -> np.ndarray:
        columns = []
        for model in self.models_:
            head = self.heads_[model]
            columns.append(np.full(len(queries), head) if isinstance(head, float)
                           else head.predict_proba(queries.X)[:, 1])
        return np.column_stack(columns)
