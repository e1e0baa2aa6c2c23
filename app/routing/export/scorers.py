"""A fitted router's learned state as plain arrays: what an exported router decides from.

`artifact(source)` gives the `router.json` metadata and the `router.npz` arrays that the
shipped standalone module (standalone/routelab_router.py, copied into every export) reads
back; its SCORERS recompute each kind's `score` with numpy alone. Kinds whose decision
cannot be carried that way (baselines, rules, semantic routes, cascades, Thompson
sampling's random draws) are refused with the list of those that can.
"""

from __future__ import annotations

import numpy as np

from app.routing.export.base import ExportProblem, ExportSource
from routers import Router
from routers.bandits import features

EXACT_KINDS = ("knn", "centroid", "clusters", "predictive", "mf", "irt", "linucb")


def check(source: ExportSource) -> None:
    kind = source.config.kind
    if kind not in EXACT_KINDS:  # thompson's scores are random draws: not exported
        raise ExportProblem(
            f"router '{source.config.name}' is a {kind} router, which cannot be exported "
            f"to run outside routelab: only {', '.join(EXACT_KINDS)} routers decide from "
            "an embedding and learned arrays alone. Save one of those kinds (routelab "
            "routers save NAME --dataset D --kind knn) and export it")
    features = source.config.params.get("features", "embedding")
    if features not in ("", "embedding"):
        raise ExportProblem(
            f"router '{source.config.name}' routes on the features '{features}', and an "
            "exported router decides from the query embedding alone. Save a copy with "
            "features=embedding (routelab routers save NAME --dataset D --kind "
            f"{kind} --param features=embedding) and export that")


def artifact(source: ExportSource) -> tuple[dict, dict[str, np.ndarray]]:
    """(router.json content, router.npz arrays) for a router of an EXACT_KINDS kind."""
    check(source)
    router = source.router
    dim = source.data.outcomes.queries.X.shape[1]
    params, arrays = _STATE[source.config.kind](router, dim)
    meta = {
        "format": "routelab-router/1",
        "name": source.config.name,
        "kind": source.config.kind,
        "dataset": source.config.dataset,
        "encoder": source.data.encoder,
        "models": list(router.models_),
        "costs": [float(router.costs_[m]) for m in router.models_],
        "tie_ranks": router.tie_order().tolist(),
        "operating_point": source.point.as_params(),
        "params": params,
    }
    return meta, {k: np.asarray(v) for k, v in arrays.items()}


def _knn(router: Router, dim: int):
    if not router.index_.exact:  # big logs: routelab searches approximately (IVF)
        note = "approximate in routelab (inverted-file index), exact in the export"
    else:
        note = "exact"
    return ({"k": int(router.k), "weighted": bool(router.weighted), "search": note},
            {"X": router.index_.X.astype(np.float32), "rewards": router.rewards_,
             "prior": router.prior_})


def _centroid(router: Router, dim: int):
    good, bad, coef, intercept, constant = [], [], [], [], []
    for model in router.models_:
        good.append(_or_zeros(router.good_[model], dim))
        bad.append(_or_zeros(router.bad_[model], dim))
        calibration = router.calibration_[model]
        if isinstance(calibration, float):
            coef.append(0.0), intercept.append(0.0), constant.append(calibration)
        else:
            coef.append(float(calibration.coef_[0, 0]))
            intercept.append(float(calibration.intercept_[0]))
            constant.append(np.nan)
    return {}, {"good": np.array(good), "bad": np.array(bad), "coef": np.array(coef),
                "intercept": np.array(intercept), "constant": np.array(constant)}


def _clusters(router: Router, dim: int):
    table = np.column_stack([router.vectors_[m] for m in router.models_])
    return ({"temperature": float(router.temperature)},
            {"centres": router.centres_, "table": table})


def _predictive(router: Router, dim: int):
    layers, arrays, constant = [], {}, []
    for j, model in enumerate(router.models_):
        head = router.heads_[model]
        if isinstance(head, float):
            layers.append(0), constant.append(head)
            continue
        constant.append(np.nan)
        if hasattr(head, "coefs_"):          # MLP: ReLU hidden layers, logistic output
            weights = list(zip(head.coefs_, head.intercepts_, strict=True))
            if head.activation != "relu" or head.out_activation_ != "logistic":
                raise ExportProblem(f"the {model} head uses {head.activation} / "
                                    f"{head.out_activation_}; only relu / logistic export")
        else:                                # logistic regression: one layer
            weights = [(head.coef_.T, head.intercept_)]
        layers.append(len(weights))
        for layer, (W, b) in enumerate(weights):
            arrays[f"W{j}_{layer}"], arrays[f"b{j}_{layer}"] = W, b
    return {"layers": layers}, {**arrays, "constant": np.array(constant)}


def _mf(router: Router, dim: int):
    return {}, {"W": router.W_, "V": np.stack([router.heads_[m][0] for m in router.models_]),
                "b": np.array([router.heads_[m][1] for m in router.models_])}


def _irt(router: Router, dim: int):
    return ({"c_a": float(router.c_a_), "c_d": float(router.c_d_)},
            {"w_a": router.w_a_, "w_d": router.w_d_,
             "theta": np.array([router.abilities_[m] for m in router.models_])})


def _linucb(router: Router, dim: int):
    dim = features(np.zeros((1, dim))).shape[1]
    for model in router.models_:
        router._ensure(model, dim)  # a model without observations scores from the prior
    return ({"alpha": float(router.alpha)},
            {"theta": np.stack([router.A_inv_[m] @ router.b_[m] for m in router.models_]),
             "A_inv": np.stack([router.A_inv_[m] for m in router.models_])})


def _or_zeros(vector, dim: int) -> np.ndarray:
    return np.zeros(dim) if vector is None else np.asarray(vector, dtype=float)


_STATE = {"knn": _knn, "centroid": _centroid, "clusters": _clusters,
          "predictive": _predictive, "mf": _mf, "irt": _irt, "linucb": _linucb}
