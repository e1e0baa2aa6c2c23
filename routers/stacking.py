"""Stacking: several routers' cross-fitted predictions combined by a calibrated meta-model."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from routers.base import Learned, Outcomes, Queries, Router
from routers.calibration import METHODS, Calibrator, logit, reliability
from routers.crossfit import cross_fit, text_folds
from routers.features import PRESETS

DEFAULT_BASES = ("knn", "centroid", "clusters", "predictive")


class StackedRouter(Router):
    """Stacked generalisation (Wolpert, 1992) of the field's query routers, as RouterBench
    and RouterEval ensembles do: each base router (kNN, centroid, clusters, predictive, and
    MF / IRT when listed) is cross-fitted on the training split, so every training query
    gets a prediction from routers that never saw it; a per-model logistic meta-model
    learns from those out-of-fold predictions how far to trust each base (Platt scaling
    over their logits), optionally followed by an isotonic map fitted on the meta-model's
    own out-of-fold output. The bases are then refitted on the whole training split.
    `learned()` shows the meta-weights and the reliability of the stacked probabilities
    against the best base on held-out folds."""

    name = "stacked"
    title = "Stacked routers (cross-fitted, calibrated)"
    # 25 base fits per training: on RouterBench and LLMRouter it did not beat its best
    # base (docs/benchmarks.md), so `routelab evaluate` runs it only when asked
    in_defaults = False
    space = {"bases": {"kind": "json", "help": "Router kinds to combine (their defaults)"},
             "features": {"kind": "choice", "choices": PRESETS,
                          "help": "Query features every base sees (routers/features.py)"},
             "calibration": {"kind": "choice", "choices": METHODS},
             "folds": {"low": 2, "high": 10, "help": "Cross-fitting folds on the training split"},
             "C": {"low": 0.001, "high": 100.0, "help": "Meta-model inverse regularisation"}}

    def __init__(self, *, bases: list | None = None, features: str = "embedding+task",
                 calibration: str = "platt", folds: int = 5, C: float = 1.0, seed: int = 0):
        self.bases = list(bases) if bases is not None else list(DEFAULT_BASES)
        self.features = features
        self.calibration = calibration
        self.folds = folds
        self.C = C
        self.seed = seed

    def fit(self, outcomes: Outcomes):
        # the bases apply the features themselves; the stack sees raw queries
        self.view_ = None
        self._reset(outcomes)
        self.models_, self.costs_, self.quality_ = [], {}, {}
        for model in outcomes.models:
            self._learn(model, outcomes)
        return self

    def _make(self, kind: str):
        from routers import ROUTERS  # the registry lists this class too

        if kind not in ROUTERS or kind == self.name or ROUTERS[kind].simulates \
                or ROUTERS[kind].needs_responses:
            raise ValueError(f"'{kind}' cannot be stacked; use query routers such as "
                             f"{', '.join(DEFAULT_BASES)}, mf, irt")
        cls = ROUTERS[kind]
        takes = {p.name for p in cls.param_specs()}
        return lambda: cls(**({"features": self.features} if "features" in takes else {}))

    def _reset(self, outcomes: Outcomes) -> None:
        if self.calibration not in METHODS:  # platt: the logistic meta-model itself
            raise ValueError(f"unknown calibration '{self.calibration}'; known: "
                             f"{', '.join(METHODS)}")
        makers = {kind: self._make(kind) for kind in dict.fromkeys(self.bases)}
        if not makers:
            raise ValueError("stacking needs at least one base router")
        self.stacked_models_ = tuple(outcomes.models)
        self.folds_ = text_folds(outcomes.queries.text, self.folds, self.seed)
        self.oof_ = {kind: cross_fit(make, outcomes, self.folds_) for kind, make in makers.items()}
        self.fitted_ = {kind: make().fit(outcomes) for kind, make in makers.items()}
        self.meta_, self.iso_, self.checks_ = {}, {}, {}
        self.held_ = np.full(outcomes.reward.shape, np.nan)  # the stack's own out-of-fold

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        if model not in self.stacked_models_:
            raise ValueError(f"a stacked router learns its models jointly: refit it to add "
                             f"'{model}'")
        j = self.stacked_models_.index(model)
        y = outcomes.reward[:, j]
        known = ~np.isnan(y)
        F = self._meta_features(self.oof_, j)
        good = y >= 0.5
        if len(np.unique(good[known])) < 2:
            self.meta_[model] = float(good[known].mean()) if known.any() else 0.5
            self.held_[:, j] = self.meta_[model]
            return
        held = np.full(len(y), np.nan)  # the meta-model's own out-of-fold predictions
        for fit_rows, held_rows in self.folds_:
            fit_rows, held_rows = fit_rows[known[fit_rows]], held_rows[known[held_rows]]
            if len(held_rows) and len(np.unique(good[fit_rows])) == 2:
                held[held_rows] = self._logistic(F[fit_rows], good[fit_rows]) \
                    .predict_proba(F[held_rows])[:, 1]
        self.meta_[model] = self._logistic(F[known], good[known])
        ok = known & ~np.isnan(held)
        if self.calibration == "isotonic" and ok.any():
            self.iso_[model] = Calibrator("isotonic").fit(held[ok], y[ok])
            checked = held.copy()  # judged on folds its map never saw, like the rest
            for _, held_rows in self.folds_:
                rest = ok.copy()
                rest[held_rows] = False
                inside = held_rows[ok[held_rows]]
                if rest.any() and len(inside):
                    checked[inside] = Calibrator("isotonic").fit(
                        held[rest], y[rest]).predict(held[inside])
            held = checked
        self.held_[:, j] = np.where(np.isnan(held), self._oof_mean(j), held)
        base_ece = {k: reliability(o[known, j], y[known]).ece for k, o in self.oof_.items()}
        self.checks_[model] = (reliability(held[ok], y[ok]).ece, min(base_ece.values()))

    def _oof_mean(self, j: int) -> np.ndarray:
        return np.mean(np.nan_to_num(np.column_stack([o[:, j] for o in self.oof_.values()]),
                                     nan=0.5), axis=1)

    def out_of_fold_scores(self) -> np.ndarray:
        """The meta-model's predictions on each training fold, fitted without that fold
        (over base predictions that are themselves out of fold)."""
        return self.held_

    def _logistic(self, F, y):
        return LogisticRegression(C=self.C, max_iter=2000).fit(F, y)

    def _meta_features(self, scores: dict[str, np.ndarray], j: int) -> np.ndarray:
        return np.column_stack([logit(np.clip(np.nan_to_num(scores[k][:, j], nan=0.5), 0.02, 0.98))
                                for k in self.oof_])

    def _remove(self, model: str, index: int) -> None:
        for table in (self.meta_, self.iso_, self.checks_):
            table.pop(model, None)

    def _score(self, queries: Queries) -> np.ndarray:
        base = {kind: router.score(queries) for kind, router in self.fitted_.items()}
        columns = []
        for model in self.models_:
            j = self.stacked_models_.index(model)
            meta = self.meta_[model]
            if isinstance(meta, float):
                columns.append(np.full(len(queries), meta))
                continue
            p = meta.predict_proba(self._meta_features(base, j))[:, 1]
            columns.append(self.iso_[model].predict(p) if model in self.iso_ else p)
        return np.column_stack(columns)

    def learned(self) -> list[Learned]:
        weights = {}
        for meta in self.meta_.values():
            if not isinstance(meta, float):
                for kind, w in zip(self.oof_, meta.coef_[0], strict=True):
                    weights[kind] = weights.get(kind, 0.0) + float(w) / len(self.meta_)
        checked = list(self.checks_.values())
        note = ""
        if checked:
            stacked, best_base = (float(np.mean(v)) for v in zip(*checked, strict=True))
            note = (f"Calibration on held-out folds of the training split: expected "
                    f"calibration error {stacked:.3f} stacked vs {best_base:.3f} for the "
                    f"best-calibrated base (mean over models).")
        return [Learned("Meta-model weight per base router (mean over models)", weights,
                        "weight on the base's logit", note)]
