"""A saved router's operating point: where on its cost-quality curve it routes.

A router picks argmax(score − λ·cost); λ = 0 is quality first. Calibration picks the point
on the training split, as RouteLLM calibrates its threshold, in one of two ways:

- a budget (USD per 1,000 queries): the λ whose training cost fits the budget with the
  highest training quality, both read off out-of-fold scores (5-fold cross-validation);
- a share of strong calls (RouteLLM's framing): restricted to the strong/weak pair chosen on
  the training split, a query goes to the strong model when its score lead over the weak
  one exceeds the threshold that sends that share of training queries there.

The test split is then read once, for the expected quality and cost (95% bootstrap
intervals) recorded with the point. The point is stored in the saved config's params under
OPERATING, so every use of the saved router (`routelab route`, exports) decides the same.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from app.routing import catalog
from app.routing.budgets import out_of_fold
from app.routing.comparison import default_pair
from app.routing.configs import (
    OPERATING,
    DatasetForRouting,
    RouterConfig,
    RouterProblem,
    fit_router,
    load_for_routing,
)
from app.store.db import Store
from routers import Queries, Router
from routers.axis import cost_axis
from routers.budget import tradeoff_for_budget
from routers.evaluate import Curve, bootstrap, single_model_curves, tradeoff_grid


@dataclass(frozen=True)
class OperatingPoint:
    tradeoff: float = 0.0                      # λ (budget calibration, or 0)
    pair: tuple[str, str] | None = None        # (strong, weak) for a strong-share point
    threshold: float | None = None             # strong when lead > threshold
    budget: float | None = None                # what was asked: USD per 1,000 queries
    strong_share: float | None = None          # what was asked: share of strong calls
    expected: dict | None = None               # test quality and cost with intervals

    def as_params(self) -> dict:
        found = asdict(self)
        found["pair"] = list(self.pair) if self.pair else None
        return found

    @classmethod
    def from_params(cls, params: dict | None) -> OperatingPoint:
        found = dict(params or {})
        if found.get("pair"):
            found["pair"] = tuple(found["pair"])
        return cls(**found)


def point_of(config: RouterConfig) -> OperatingPoint:
    return OperatingPoint.from_params(config.params.get(OPERATING))


def with_point(config: RouterConfig, point: OperatingPoint) -> RouterConfig:
    return replace(config, params={**config.params, OPERATING: point.as_params()})


def decide(router: Router, queries: Queries, point: OperatingPoint,
           scores: np.ndarray | None = None) -> np.ndarray:
    """Column (in router.models_) of the model the router picks for each query (`scores`:
    the router's scores for `queries`, when the caller has them already)."""
    scores = router.score(queries) if scores is None else scores
    if point.pair is None:
        return router.choose(scores, None, point.tradeoff)
    strong, weak = (router.models_.index(m) for m in point.pair)
    lead = scores[:, strong] - scores[:, weak]
    return np.where(lead > point.threshold, strong, weak)


def calibrate(store: Store, config: RouterConfig, *, budget: float | None = None,
              strong_share: float | None = None, data: DatasetForRouting | None = None,
              router: Router | None = None) -> OperatingPoint:
    """The operating point for a budget (USD per 1,000 queries) or a share of strong calls,
    chosen on the training split, with its expected test quality and cost (`router`: the
    config already fitted on `data`'s training split, when the caller has it)."""
    if (budget is None) == (strong_share is None):
        raise RouterProblem("give either a budget (USD per 1,000 queries) or a share of "
                            "calls to the strong model, not both or neither")
    if config.dataset is None:
        raise RouterProblem(f"router '{config.name}' names no dataset to calibrate on")
    if catalog.kind(config.kind).simulates:
        raise RouterProblem(f"'{config.name}' is a cascade: its operating points are chains "
                            "and thresholds, compared per budget on the Compare page "
                            "(routelab evaluate --budget), not a λ or a threshold to save")
    data = data or load_for_routing(store, config.dataset, config.encoder)
    router = router or fit_router(store, config, data)
    train = data.outcomes.subset(data.train)
    if budget is not None:
        point = _for_budget(store, config, router, train, budget)
    else:
        point = _for_share(router, train, strong_share)
    return replace(point, expected=expected_at(router, data, point))


def _for_budget(store: Store, config: RouterConfig, router: Router, train, budget: float
                ) -> OperatingPoint:
    """The λ of best training quality within the budget, judged on out-of-fold scores
    (5-fold cross-validation on the training split: in-sample scores flatter a router
    and its λ would overspend on new queries)."""
    axis, priced = cost_axis(train, np.arange(len(train.queries)))
    if axis.kind != "usd":
        raise RouterProblem("a budget needs a dollar cost for every model; "
                            f"{axis.notice.split(':')[0].lower()}. Use a share of strong "
                            "calls instead (--strong-share)")
    singles = [c.mean_cost[0] * 1000 for c in single_model_curves(priced).values()]
    low, high = min(singles), max(singles)
    if not low <= budget <= high:
        raise RouterProblem(f"a budget of ${budget:g} per 1,000 queries is outside what the "
                            f"models cost on the training split (${low:.4g} for the cheapest "
                            f"to ${high:.4g} for the dearest); choose one in that range")
    oof = out_of_fold(store, config, router, priced)
    grid = tradeoff_grid(max(router.costs_.values(), default=1.0))
    chosen = tradeoff_for_budget(router, oof, priced, budget / 1000, grid)
    return OperatingPoint(tradeoff=chosen.tradeoff, budget=budget)


def _for_share(router: Router, train, share: float) -> OperatingPoint:
    if not 0.0 <= share <= 1.0:
        raise RouterProblem(f"a share of strong calls must be between 0 and 1, not {share:g}")
    if len(router.models_) < 2:
        raise RouterProblem("a share of strong calls needs at least two models")
    strong, weak = default_pair(train.only(router.models_))
    scores = router.score(train.queries)
    lead = scores[:, router.models_.index(strong)] - scores[:, router.models_.index(weak)]
    # the threshold that sends `share` of the training queries to the strong model
    if share == 1:  # finite, so the saved point stays plain JSON
        threshold = float(np.min(lead)) - 1.0
    elif share == 0:
        threshold = float(np.max(lead))
    else:
        threshold = float(np.quantile(lead, 1.0 - share))
    return OperatingPoint(pair=(strong, weak), threshold=threshold, strong_share=share)


def expected_at(router: Router, data: DatasetForRouting, point: OperatingPoint,
              n_boot: int = 1000) -> dict:
    """Quality, cost (USD per 1,000 queries, when known) and strong share on the test
    queries every model answered, with 95% bootstrap intervals."""
    rows = data.test[~np.isnan(data.outcomes.reward[data.test]).any(axis=1)]
    test = data.outcomes.subset(rows)
    columns = np.array([test.column(m) for m in router.models_])
    chosen = columns[decide(router, test.queries, point)]
    index = np.arange(len(rows))
    quality = np.nan_to_num(test.reward, nan=0.0)[index, chosen]
    cost = test.cost[index, chosen]
    priced = not np.isnan(cost).any()
    curve = Curve("point", np.zeros(1), quality[None], np.nan_to_num(cost)[None] * 1000)
    found = {"test_queries": len(rows),
             "quality": float(quality.mean()),
             "quality_ci": bootstrap(curve, lambda c, q: q[0], n_boot),
             "usd_per_1k": float(cost.mean() * 1000) if priced else None,
             "usd_per_1k_ci": bootstrap(curve, lambda c, q: c[0], n_boot) if priced else None}
    if point.pair:
        strong = test.column(point.pair[0])
        share = Curve("share", np.zeros(1), (chosen == strong)[None].astype(float),
                      np.zeros((1, len(rows))))
        found["strong_share"] = float((chosen == strong).mean())
        found["strong_share_ci"] = bootstrap(share, lambda c, q: q[0], n_boot)
    return found
