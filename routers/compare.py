"""A comparison table from curves: every standard metric, with bootstrap intervals."""

from __future__ import annotations

import numpy as np

from routers.base import Outcomes
from routers.evaluate import (
    Curve,
    aiq,
    apgr,
    arena_score,
    bootstrap,
    cpt,
    ndch,
    oracle_curve,
    pgr_curve,
    single_model_curves,
)


def cost_range(outcomes: Outcomes) -> tuple[float, float]:
    """The AIQ integration range: cheapest to dearest single model's mean cost."""
    means = [c.mean_cost[0] for c in single_model_curves(outcomes).values()]
    return float(min(means)), float(max(means))


def cheapest_model(outcomes: Outcomes) -> tuple[float, float]:
    """(mean cost, mean quality) of the cheapest single model: every hull's floor."""
    curves = single_model_curves(outcomes).values()
    cheapest = min(curves, key=lambda c: (c.mean_cost[0], -c.mean_quality[0]))
    return float(cheapest.mean_cost[0]), float(cheapest.mean_quality[0])


def zero_router(outcomes: Outcomes) -> tuple[np.ndarray, np.ndarray]:
    """RouterBench's Zero router: the NDCH of the single models (random mixtures of them)."""
    singles = single_model_curves(outcomes).values()
    return ndch([c.mean_cost[0] for c in singles], [c.mean_quality[0] for c in singles])


def metrics(curve: Curve, outcomes: Outcomes, *, n_boot: int = 1000,
            pair: tuple[str, str] | None = None, scores=None, seed: int = 0,
            router: bool = True, has_cost: bool = True, dollars: bool = True) -> dict:
    """Every number the Compare page shows for one curve, at its headline point.

    A router's AIQ hull includes the cheapest model (it can always route there). AIQ is a
    property of curves, so references (single models, oracle, random) get none: compare
    routers with the Zero router's AIQ instead (`zero_router_row`). Without costs
    (`has_cost` false) cost, AIQ and the arena score are None; the arena score also needs
    `dollars` (it is not defined on a share-of-calls axis)."""
    low, high = cost_range(outcomes)
    floor = cheapest_model(outcomes)
    oracle = oracle_curve(outcomes).quality[0]
    at = curve.headline
    quality, cost = curve.headline_quality, curve.headline_cost
    top = int(curve.mean_quality.argmax())
    row = {
        "name": curve.name, "deployable": curve.deployable,
        "why_not_deployable": curve.why_not_deployable or None,
        "quality": quality, "cost": cost if has_cost else None,
        "headline": [cost if has_cost else None, quality],
        "best_quality": float(curve.mean_quality[top]),
        "best_quality_cost": float(curve.mean_cost[top]) if has_cost else None,
        "aiq": aiq(curve.mean_cost, curve.mean_quality, low, high, floor=floor)
        if router and has_cost else None,
        "arena": arena_score(cost, quality) if has_cost and dollars else None,
        "regret": float((oracle - curve.quality[at]).mean()),
        "points": len(curve.tradeoffs),
    }
    if n_boot:
        point = curve.headline_point()
        row["quality_ci"] = bootstrap(point, lambda c, q: q[0], n_boot, seed)
        row["cost_ci"] = bootstrap(point, lambda c, q: c[0], n_boot, seed) if has_cost \
            else None
        if router and has_cost:
            row["aiq_ci"] = bootstrap(curve, lambda c, q: aiq(c, q, low, high, 64, floor),
                                      n_boot, seed)
    if pair and scores is not None:
        router_scores, router_models = scores
        if set(pair) <= set(router_models):
            shares, pgr = pgr_curve(router_scores, list(router_models), outcomes, *pair)
            row.update(apgr=apgr(shares, pgr), cpt50=cpt(shares, pgr, 0.5),
                       cpt80=cpt(shares, pgr, 0.8))
    return row


def task_slices(curves: dict[str, Curve], tasks: np.ndarray) -> list[dict]:
    """Quality and cost at the headline point per task, for every curve."""
    rows = []
    for task in sorted({str(t) for t in tasks}):
        mask = np.array([str(t) == task for t in tasks])
        for name, curve in curves.items():
            rows.append({"task": task, "name": name, "queries": int(mask.sum()),
                         "quality": float(curve.quality[curve.headline, mask].mean()),
                         "cost": float(curve.cost[curve.headline, mask].mean())})
    return rows


def reaches(curve: Curve, target_quality: float) -> float | None:
    """The lowest mean cost at which the curve's NDCH reaches a quality, or None."""
    c, q = ndch(curve.mean_cost, curve.mean_quality)
    above = np.flatnonzero(q >= target_quality - 1e-12)
    if not len(above):
        return None
    i = above[0]
    if i == 0:
        return float(c[0])
    # linear interpolation between hull points i-1 and i
    frac = (target_quality - q[i - 1]) / (q[i] - q[i - 1])
    return float(c[i - 1] + frac * (c[i] - c[i - 1]))


def zero_router_row(outcomes: Outcomes, *, has_cost: bool = True, dollars: bool = True
                    ) -> dict:
    """The Zero router (random mixtures of single models) as a metrics row: its AIQ is the
    bar a router must clear to add anything over mixing models blindly. Its headline is its
    best mixture (the best single model); its regret is the oracle's quality minus that."""
    c, q = zero_router(outcomes)
    low, high = cost_range(outcomes)
    oracle = float(oracle_curve(outcomes).quality[0].mean())
    cost = float(c[-1]) if has_cost else None
    return {"name": "Zero router", "kind": "zero", "deployable": True,
            "why_not_deployable": None, "quality": float(q[-1]), "cost": cost,
            "headline": [cost, float(q[-1])], "best_quality": float(q[-1]),
            "best_quality_cost": cost, "aiq": aiq(c, q, low, high) if has_cost else None,
            "arena": arena_score(float(c[-1]), float(q[-1])) if has_cost and dollars
            else None, "regret": oracle - float(q[-1]), "points": len(c)}
