"""Operating points for a budget, chosen on the training split by cross-validation.

"At most $X per 1,000 queries" is a choice of the tradeoff λ (or, for a cascade, of its
chain and thresholds). Choosing it on in-sample scores is optimistic: a router fitted on
the training queries scores them better than it will score new ones, so the λ it picks
overspends on the test split. Here λ is chosen on out-of-fold scores (routers.crossfit),
then the test split is read once, at that λ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routers.base import Outcomes, Router


@dataclass(frozen=True)
class BudgetPoint:
    budget: float                   # USD per query asked for
    tradeoff: float | None          # λ chosen (None: the cascade point below)
    point: float | None             # a simulating router's operating point
    train_quality: float            # out-of-fold training quality and cost there
    train_cost: float


def tradeoff_for_budget(router: Router, oof_scores: np.ndarray, train: Outcomes,
                        budget: float, tradeoffs: np.ndarray) -> BudgetPoint:
    """The λ of best out-of-fold training quality whose training cost fits the budget
    (`oof_scores` in `train.models` order; the fitted `router` gives costs and ties).
    When none fits, the dearest λ (the cheapest routing there is)."""
    columns = [train.column(m) for m in router.models_]
    scores = oof_scores[:, columns]
    reward = np.nan_to_num(train.reward[:, columns], nan=0.0)
    cost = np.nan_to_num(train.cost[:, columns], nan=0.0)
    rows = np.arange(len(reward))
    results = []
    for t in tradeoffs:
        chosen = router.choose(scores, None, t)
        results.append((float(t), float(reward[rows, chosen].mean()),
                        float(cost[rows, chosen].mean())))
    t, quality, spent = _best_within(results, budget)
    return BudgetPoint(budget, t, None, quality, spent)


def cascade_point_for_budget(router: Router, train: Outcomes, budget: float) -> BudgetPoint:
    """A simulating router's point of best training quality within the budget, from its
    `train_figures` (out-of-fold for a learned judge)."""
    point, quality, cost = _best_within(router.train_figures(train), budget)
    return BudgetPoint(budget, None, point, quality, cost)


def _best_within(results: list[tuple[float, float, float]], budget: float):
    """(point, quality, cost) of best quality within the budget, the cheaper on ties;
    when nothing fits, the cheapest."""
    fitting = [r for r in results if r[2] <= budget * (1 + 1e-9)]
    if fitting:
        return max(fitting, key=lambda r: (r[1], -r[2]))
    return min(results, key=lambda r: (r[2], -r[1]))
