"""Cross-fitting on the training split: folds by query text and out-of-fold scores.

Every choice a router makes from data (stacking weights, calibration maps, a cascade's
thresholds, the λ for a budget) must be made on predictions for queries the predicting
model never saw, or in-sample optimism picks it (a kNN router finds each training query
as its own nearest neighbour). `cross_fit` gives those predictions: each fold is scored
by a router fitted on the other folds. Folds keep identical texts together, as the
train/test split does, so a twin never sits on both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from routers.base import Outcomes, Router

Folds = list[tuple[np.ndarray, np.ndarray]]  # (fit rows, held-out rows) per fold


def text_folds(texts: Sequence[str], k: int = 5, seed: int = 0) -> Folds:
    """k folds over rows, whole groups of identical (normalised) texts at a time; fewer
    folds when there are fewer distinct texts than k."""
    keys = [" ".join(str(t).lower().split()) for t in texts]
    ids = {key: i for i, key in enumerate(dict.fromkeys(keys))}
    groups = np.array([ids[key] for key in keys], dtype=np.int64)
    k = max(2, min(k, len(ids)))
    fold_of_group = np.empty(len(ids), dtype=np.int64)
    fold_of_group[np.random.default_rng(seed).permutation(len(ids))] = np.arange(len(ids)) % k
    fold = fold_of_group[groups]
    rows = np.arange(len(keys))
    return [(rows[fold != f], rows[fold == f]) for f in range(k)]


def cross_fit(make: Callable[[], Router], outcomes: Outcomes, folds: Folds) -> np.ndarray:
    """(n, m) out-of-fold scores in `outcomes.models` order: row i is scored by a router
    fitted on the folds that do not hold i."""
    scores = np.full(outcomes.reward.shape, np.nan)
    for fit_rows, held_rows in folds:
        router = make().fit(outcomes.subset(fit_rows))
        fold_scores = router.score(outcomes.queries.subset(held_rows))
        columns = [outcomes.column(m) for m in router.models_]
        scores[np.ix_(held_rows, columns)] = fold_scores
    return scores
