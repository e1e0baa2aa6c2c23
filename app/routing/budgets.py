"""Quality at a budget: where each curve stands at "at most $X per query".

Two figures per router and budget, both on the test split with 95% bootstrap intervals:
- on its hull (RouterBench's convention, what AIQ integrates): the quality the router's
  NDCH reaches at that cost, mixing its points if need be;
- at its operating point: the λ (a cascade's chain and thresholds) chosen for the budget
  by 5-fold cross-validation on the training split (routers/budget.py), then read once
  on the test split. This is what a deployment at that budget gets, and its test cost
  may land a little above or below the budget.
Each point also carries its paired difference with the best single model (chosen on the
training split) on the same test queries, with its interval. References: the Zero
router's hull, the best single model whose training cost fits, and the oracle (not
deployable).
"""

from __future__ import annotations

import numpy as np

from app.routing.configs import RouterConfig, RouterProblem, router_maker
from app.store.db import Store
from routers.base import Outcomes, Router, column_means
from routers.budget import cascade_point_for_budget, tradeoff_for_budget
from routers.compare import cheapest_model, zero_router
from routers.crossfit import cross_fit, text_folds
from routers.evaluate import Curve, bootstrap, hull_quality_at, ndch, tradeoff_grid

FOLDS = 5


def out_of_fold(store: Store, config: RouterConfig, router: Router, train: Outcomes
                ) -> np.ndarray:
    """The fitted router's out-of-fold scores on the training split: its own when fitting
    made them (stacking), else from a 5-fold cross-fit of its config (an onboarded model
    learns from its whole training log there: only λ is chosen on them)."""
    oof = router.out_of_fold_scores()
    if oof is not None:
        return oof
    try:
        return cross_fit(router_maker(store, config), train,
                         text_folds(train.queries.text, FOLDS))
    except (ValueError, KeyError, np.linalg.LinAlgError) as exc:
        raise RouterProblem(f"router '{config.name}' could not be cross-validated on the "
                            f"training split to choose a budget's point: {exc}") from None


def router_rows(store: Store, config: RouterConfig, router: Router, train: Outcomes,
                test: Outcomes, curve: Curve, budgets, n_boot: int,
                scores: np.ndarray | None = None) -> list[dict]:
    """One row per budget (USD per query) for a fitted router (`scores`: its scores of
    the test queries, when the caller has them)."""
    floor = cheapest_model(test)
    if router.simulates:
        points = [cascade_point_for_budget(router, train, b) for b in budgets]
        runs = [router.simulate(test, p.point)[:2] for p in points]
    else:
        oof = out_of_fold(store, config, router, train)
        grid = tradeoff_grid(max(router.costs_.values(), default=1.0))
        points = [tradeoff_for_budget(router, oof, train, b, grid) for b in budgets]
        scores = router.score(test.queries) if scores is None else scores
        columns = np.array([test.column(m) for m in router.models_])
        rows = np.arange(len(test.queries))
        reward, cost = np.nan_to_num(test.reward, nan=0.0), np.nan_to_num(test.cost, nan=0.0)
        runs = []
        for p in points:
            chosen = columns[router.choose(scores, None, p.tradeoff)]
            runs.append((reward[rows, chosen], cost[rows, chosen]))
    best = best_single(train)
    strong = np.nan_to_num(test.reward[:, test.column(best)], nan=0.0)
    rows = []
    for b, p, (quality, cost) in zip(budgets, points, runs, strict=True):
        row = _row(curve.name, b, p, quality, cost, curve, floor, n_boot)
        # paired on the same test queries: far narrower than the two intervals apart
        difference = np.asarray(quality, float) - strong
        row.update(best_single=best, vs_best_single=float(difference.mean()))
        if n_boot:
            paired = Curve("difference", np.zeros(1), difference[None], np.zeros((1, len(strong))))
            row["vs_best_single_ci"] = bootstrap(paired, lambda c, q: q[0], n_boot)
        rows.append(row)
    return rows


def best_single(train: Outcomes) -> str:
    """The best single model on the training split (the cheaper on ties)."""
    quality, cost = column_means(train.reward, 0.0), column_means(train.cost, 0.0)
    return train.models[max(range(len(train.models)), key=lambda j: (quality[j], -cost[j]))]


def reference_rows(train: Outcomes, test: Outcomes, references: dict[str, Curve], budgets,
                   n_boot: int) -> list[dict]:
    """The Zero router's hull, the best single model within the budget (chosen on the
    training split) and the oracle, at each budget."""
    c, q = zero_router(test)
    quality, cost = column_means(train.reward, 0.0), column_means(train.cost, 0.0)
    rows = []
    for b in budgets:
        rows.append({"name": "Zero router", "kind": "zero", "budget": b, "deployable": True,
                     "hull_quality": float(hull_quality_at(c, q, np.array([b]))[0])
                     if b >= c[0] else None})
        fitting = [j for j in range(len(train.models)) if cost[j] <= b * (1 + 1e-9)]
        if fitting:
            j = max(fitting, key=lambda j: (quality[j], -cost[j]))
            single = references[train.models[j]]
            rows.append(_point(f"{train.models[j]} (best single within budget)",
                               "model", b, single.quality[0], single.cost[0], n_boot))
        oracle = references["oracle"]
        rows.append({**_point("oracle", "oracle", b, oracle.quality[0], oracle.cost[0],
                              n_boot), "deployable": False})
    return rows


def _row(name, budget, point, quality, cost, curve: Curve, floor, n_boot) -> dict:
    row = _point(name, "router", budget, quality, cost, n_boot)
    row.update(deployable=curve.deployable, train_quality=point.train_quality,
               train_cost=point.train_cost, tradeoff=point.tradeoff, point=point.point,
               hull_quality=None, hull_ci=None)
    if budget >= floor[0]:  # below the cheapest model no mixture is affordable
        row["hull_quality"] = _hull_at(curve.mean_cost, curve.mean_quality, budget, floor)
        if n_boot:
            row["hull_ci"] = bootstrap(curve, lambda c, q: _hull_at(c, q, budget, floor),
                                       n_boot)
    return row


def _point(name, kind, budget, quality, cost, n_boot) -> dict:
    quality, cost = np.asarray(quality, float), np.asarray(cost, float)
    row = {"name": name, "kind": kind, "budget": budget, "deployable": True,
           "quality": float(quality.mean()), "cost": float(cost.mean())}
    if n_boot:
        point = Curve(name, np.zeros(1), quality[None], cost[None])
        row["quality_ci"] = bootstrap(point, lambda c, q: q[0], n_boot)
        row["cost_ci"] = bootstrap(point, lambda c, q: c[0], n_boot)
    return row


def _hull_at(costs, qualities, budget: float, floor: tuple[float, float]) -> float:
    c, q = ndch(list(costs) + [floor[0]], list(qualities) + [floor[1]])
    return float(hull_quality_at(c, q, np.array([budget]))[0])
