"""Query features beyond the embedding: the task, the prompt's length, a lexical view.

A router with a `features` parameter sees each query as one unit vector built from the
named views, each scaled by its weight before the row is normalised:

- `embedding`: the query's sentence embedding (always first);
- `task`: a one-hot of the log's task or category. A query without a known task (a live
  prompt, a task unseen in training) takes the training task whose embedding centroid is
  nearest, so the view is defined for every query a deployment sees;
- `length`: the standardised log of the prompt's length in characters;
- `hash`: hashed character 2-4-grams of the text (512-d), a lexical second view that
  catches wording and format the sentence encoder smooths away.

Spec strings join views with "+", e.g. "embedding+task+length". The view is fitted on the
training queries only (task vocabulary, length scale, task centroids).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routers.base import Queries
from routers.ngrams import hashed_char_grams

EMBEDDING = "embedding"
VIEWS = ("embedding", "task", "length", "hash")
WEIGHTS = {"embedding": 1.0, "task": 1.0, "length": 0.3, "hash": 0.5}
PRESETS = ("embedding", "embedding+task", "embedding+task+length",
           "embedding+task+length+hash")
HASH_DIM = 512


def parse(spec: str) -> tuple[str, ...]:
    """The views a spec names, in canonical order; ValueError names the known ones."""
    names = [p.strip() for p in str(spec or EMBEDDING).split("+") if p.strip()]
    unknown = [n for n in names if n not in VIEWS]
    if unknown:
        raise ValueError(f"unknown feature view(s) {unknown}; known: {', '.join(VIEWS)} "
                         "(join them with '+', e.g. 'embedding+task')")
    return tuple(v for v in VIEWS if v in names or v == EMBEDDING)


@dataclass
class QueryView:
    """A fitted map from Queries to the unit vectors a router works on."""

    views: tuple[str, ...] = (EMBEDDING,)

    @classmethod
    def of(cls, spec: str) -> QueryView:
        return cls(parse(spec))

    @property
    def plain(self) -> bool:
        """Only the embedding: queries pass through untouched."""
        return self.views == (EMBEDDING,)

    def fit(self, queries: Queries) -> QueryView:
        self.tasks_ = sorted({str(t) for t in (queries.task or ()) if t is not None})
        if "task" in self.views and self.tasks_:
            labels = np.array([self.tasks_.index(str(t)) if t is not None else -1
                               for t in queries.task])
            centres = np.stack([queries.X[labels == i].mean(axis=0)
                                for i in range(len(self.tasks_))])
            self.task_centres_ = centres / np.clip(
                np.linalg.norm(centres, axis=1, keepdims=True), 1e-12, None)
        lengths = _log_lengths(queries.text)
        self.length_mean_ = float(lengths.mean()) if len(lengths) else 0.0
        self.length_std_ = float(lengths.std()) if len(lengths) > 1 else 1.0
        return self

    def transform(self, queries: Queries) -> Queries:
        """The same queries with X replaced by the view's unit vectors."""
        if self.plain:
            return queries
        return Queries(queries.text, self.vectors(queries.X, queries.text, queries.task),
                       queries.task)

    def vectors(self, X: np.ndarray, text=None, task=None) -> np.ndarray:
        """Unit rows for embeddings X (text and task when known; a missing task is
        predicted from the embedding, a missing text gives length 0 and no n-grams)."""
        X = np.asarray(X, dtype=float)
        if self.plain:
            return X
        text = tuple(text) if text is not None else ("",) * len(X)
        blocks = [WEIGHTS["embedding"] * X]
        if "task" in self.views and self.tasks_:
            blocks.append(WEIGHTS["task"] * self._task_onehot(X, task))
        if "length" in self.views:
            scaled = (_log_lengths(text) - self.length_mean_) / max(self.length_std_, 1e-6)
            blocks.append(WEIGHTS["length"] * scaled[:, None])
        if "hash" in self.views:
            blocks.append(WEIGHTS["hash"] * hashed(text))
        Z = np.hstack(blocks)
        return Z / np.clip(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12, None)

    def predicted_tasks(self, X: np.ndarray) -> np.ndarray:
        """Index of the nearest training task centroid for each embedding."""
        return np.argmax(np.asarray(X, dtype=float) @ self.task_centres_.T, axis=1)

    def _task_onehot(self, X: np.ndarray, task) -> np.ndarray:
        guessed = self.predicted_tasks(X)
        known = {t: i for i, t in enumerate(self.tasks_)}
        given = task if task is not None else (None,) * len(X)
        index = np.array([known.get(str(t), g) if t is not None else g
                          for t, g in zip(given, guessed, strict=True)])
        return np.eye(len(self.tasks_))[index]


def hashed(texts) -> np.ndarray:
    """(n, 512) L2-normalised hashed character 2-4-gram counts."""
    return char_grams(texts, HASH_DIM, 4000).toarray()


def char_grams(texts, n_features: int, max_chars: int):
    """Sparse (n, n_features) L2-normalised hashed character 2-4-grams of each text's first
    `max_chars` characters (the lexical view of queries and of answers): scikit-learn's
    char_wb HashingVectorizer to the bit, which exported routers run, computed 3x faster
    (routers/ngrams.py)."""
    return hashed_char_grams(texts, n_features, max_chars)


def _log_lengths(texts) -> np.ndarray:
    return np.log1p(np.array([len(str(t or "")) for t in texts], dtype=float))
