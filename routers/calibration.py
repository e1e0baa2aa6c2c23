"""Probability calibration (Platt, isotonic) and the reliability check that judges it.

A router's scores are used as probabilities: the λ tradeoff subtracts dollars from them,
budgets and cascade thresholds cut them. Platt scaling (Platt, 1999) fits a logistic map
of the score's logit; isotonic regression (Zadrozny & Elkan, 2002) fits any monotone map.
Reliability: bin the predictions, compare each bin's mean prediction with how often the
event happened; the expected calibration error (ECE) is the count-weighted mean gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

METHODS = ("platt", "isotonic")


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


class Calibrator:
    """A monotone map from raw scores to probabilities, fitted on held-out predictions."""

    def __init__(self, method: str = "platt"):
        if method not in METHODS:
            raise ValueError(f"unknown calibration '{method}'; known: {', '.join(METHODS)}")
        self.method = method

    def fit(self, scores: np.ndarray, outcome: np.ndarray) -> Calibrator:
        scores, outcome = np.asarray(scores, float), np.asarray(outcome, float)
        if len(np.unique(outcome >= 0.5)) < 2:  # one class only: its rate is the answer
            self.constant_ = float(np.clip(outcome.mean() if len(outcome) else 0.5, 0, 1))
            return self
        self.constant_ = None
        if self.method == "platt":
            self.map_ = LogisticRegression(C=1e4, max_iter=1000).fit(
                logit(scores)[:, None], outcome >= 0.5)
        else:
            self.map_ = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(
                scores, outcome)
        return self

    def predict(self, scores: np.ndarray) -> np.ndarray:
        scores = np.asarray(scores, float)
        if self.constant_ is not None:
            return np.full(len(scores), self.constant_)
        if self.method == "platt":
            return self.map_.predict_proba(logit(scores)[:, None])[:, 1]
        return self.map_.predict(scores)


@dataclass(frozen=True)
class Reliability:
    """Predicted vs observed frequency per bin of predicted probability."""

    predicted: np.ndarray        # mean prediction per non-empty bin
    observed: np.ndarray         # mean outcome per non-empty bin
    counts: np.ndarray           # predictions per non-empty bin
    ece: float                   # expected calibration error


def reliability(predicted: np.ndarray, outcome: np.ndarray, bins: int = 10) -> Reliability:
    """Equal-width bins over [0, 1]; NaN pairs are skipped."""
    predicted, outcome = np.asarray(predicted, float), np.asarray(outcome, float)
    known = ~(np.isnan(predicted) | np.isnan(outcome))
    predicted, outcome = predicted[known], outcome[known]
    which = np.clip((predicted * bins).astype(int), 0, bins - 1)
    counts = np.bincount(which, minlength=bins)
    filled = counts > 0
    mean_p = np.bincount(which, weights=predicted, minlength=bins)[filled] / counts[filled]
    mean_y = np.bincount(which, weights=outcome, minlength=bins)[filled] / counts[filled]
    ece = float(np.sum(counts[filled] * np.abs(mean_p - mean_y)) / max(len(predicted), 1))
    return Reliability(mean_p, mean_y, counts[filled], ece)
