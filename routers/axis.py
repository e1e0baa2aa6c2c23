"""What the cost axis means for a log: dollars, the share of calls to the strong model, or
nothing (quality-only mode).

Many logs carry no cost (judged answers of many models, correctness logs of a strong and a
weak model). Treating unknown costs as zero makes every model look free and every router
look like its quality-first point. Instead:

- "usd": every model has a known cost (logged, or estimated at import); an outcome without
  one takes its model's mean cost on the training split.
- "share": two models and no full costs. Following RouteLLM, the axis is the share of calls
  to the strong model (the better one on the training split): its cost is 1, the weak
  model's 0, so mean cost = share of strong calls, and APGR / CPT live on this axis.
- "none": more than two models and no full costs. Routers pick by predicted quality alone;
  cost figures, AIQ and cost sentences are withheld, and `notice` says why and how to add
  prices.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from routers.base import Outcomes, column_means


@dataclass(frozen=True)
class CostAxis:
    kind: str                       # usd | share | none
    label: str                      # the chart's x-axis title
    unit: str                       # how one value is written: "$0.000123" or "12% strong"
    strong: str | None = None       # share: the model whose calls are counted
    weak: str | None = None
    unpriced: tuple[str, ...] = ()  # models without a known cost
    filled: int = 0                 # usd: outcomes that took their model's mean cost
    notice: str = ""                # shown wherever cost figures are withheld or reframed

    @property
    def has_cost(self) -> bool:
        return self.kind != "none"

    def format(self, value: float | None) -> str:
        if value is None or not self.has_cost:
            return "-"
        return f"{value:.0%} of calls to {self.strong}" if self.kind == "share" \
            else f"${value:.6f}"


def cost_axis(outcomes: Outcomes, train_rows: np.ndarray) -> tuple[CostAxis, Outcomes]:
    """The axis for this log and its outcomes with costs expressed on it. Every choice
    (strong model, fill values) reads the training rows only."""
    train = outcomes.subset(train_rows)
    answered = ~np.isnan(outcomes.reward)
    known = ~np.isnan(outcomes.cost)
    priced = [m for j, m in enumerate(outcomes.models)
              if known[train_rows, j].any() and known[answered[:, j], j].any()]
    unpriced = tuple(m for m in outcomes.models if m not in priced)
    if not unpriced:
        means = column_means(train.cost, fill=0.0)
        gaps = answered & ~known
        cost = np.where(gaps, means[None, :], outcomes.cost)
        return CostAxis("usd", "Mean cost per query ($)", "$", filled=int(gaps.sum())), \
            replace(outcomes, cost=cost)
    how = ("Add prices to see cost: re-import with --price MODEL=IN/OUT (USD per million "
           "tokens) or the price table of the import form, or use model names LiteLLM's "
           "cost map knows.")
    missing = ", ".join(unpriced[:5]) + (" ..." if len(unpriced) > 5 else "")
    if len(outcomes.models) == 2:
        quality = column_means(train.reward, fill=0.0)
        order = sorted(range(2), key=lambda j: (-quality[j], outcomes.models[j]))
        strong, weak = (outcomes.models[j] for j in order)
        cost = np.zeros_like(outcomes.reward)
        cost[:, outcomes.column(strong)] = 1.0
        notice = (f"No cost for {missing}: with two models the cost axis is the share of calls "
                  f"to the strong model, {strong} (the better one on the training split), as "
                  f"in RouteLLM. {how}")
        return CostAxis("share", f"Share of calls to {strong}", "share", strong, weak,
                        unpriced, notice=notice), replace(outcomes, cost=cost)
    notice = (f"Quality-only mode: no cost for {missing}, so routers pick by predicted quality "
              "(ties: better on the training split, then by name) and cost, AIQ and cost "
              f"sentences are not shown. {how}")
    return CostAxis("none", "", "", unpriced=unpriced, notice=notice), \
        replace(outcomes, cost=np.zeros_like(outcomes.reward))
