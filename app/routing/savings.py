"""Savings on real traffic: what a deployed router spent, against sending every call to the
strongest model; how its calls spread over the models through time; quality where labelled.

The strongest model is the router's model (one it chose or scored) with the highest mean
quality on the saved router's training dataset when that is known, else the dearest by
list price. What every call would have cost there is estimated from the call's logged token
counts times that model's price, which assumes it would have written an answer as long as
the one logged; a call it did answer counts at its real cost. Both sums cover the same
calls: those whose cost and token counts are known.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.data.importers.pricing import Price, known_price
from app.routing.configs import RouterProblem, saved_configs
from app.store import datasets, summary
from app.store import traffic as traffic_store
from app.store.db import Store

HOURLY_UP_TO = pd.Timedelta(hours=48)  # longer logs are shared out by day


@dataclass(frozen=True, eq=False)
class Savings:
    dataset: str
    calls: int                    # answered calls (the dataset's queries)
    failed: int                   # failed calls: no answer, no outcome
    spend: float                  # USD over the answered calls whose cost is known
    unpriced: int                 # answered calls whose cost is unknown (not in `spend`)
    estimated: int                # calls whose cost was estimated at import, not logged
    strongest: str | None
    why_strongest: str
    price: Price | None           # the strongest model's
    compared: int                 # calls both sides of the comparison cover
    actual: float                 # what those calls cost as routed
    all_strongest: float | None   # what they would have cost on the strongest model
    period: str                   # "hour" or "day": the share's time buckets
    share: pd.DataFrame           # period, model, calls, share (of that period's calls)
    quality: pd.DataFrame         # model, calls, labelled, mean_quality; "(all)" first
    notes: tuple[str, ...]

    @property
    def saved(self) -> float | None:
        return None if self.all_strongest is None else self.all_strongest - self.actual

    @property
    def saved_fraction(self) -> float | None:
        if self.all_strongest is None or self.all_strongest <= 0:
            return None
        return self.saved / self.all_strongest


def savings(store: Store, dataset: str, prices: dict[str, Price] | None = None) -> Savings:
    """The Savings view's numbers for a traffic dataset (`prices`: per model, first)."""
    dataset_id = datasets.id_of(store, dataset)
    if dataset_id is None:
        raise RouterProblem(f"no dataset named '{dataset}'")
    calls = traffic_store.routed_calls(store, dataset_id)
    answered = calls[calls["query_id"].notna()].reset_index(drop=True)  # with an answer
    strongest, why = strongest_model(store, calls, prices)
    price = known_price(strongest, prices) if strongest else None
    cost = answered["cost_usd"].astype(float)
    if_strongest = _cost_on(answered, strongest, price)
    both = cost.notna() & if_strongest.notna()
    notes = _notes(answered, strongest, price, int(both.sum()))
    period = "hour" if _span(answered) <= HOURLY_UP_TO else "day"
    return Savings(
        dataset=dataset, calls=len(answered), failed=int((calls["status"] == "failure").sum()),
        spend=float(cost.sum()), unpriced=int(cost.isna().sum()),
        estimated=int(answered["cost_estimated"].sum()), strongest=strongest,
        why_strongest=why, price=price, compared=int(both.sum()),
        actual=float(cost[both].sum()),
        all_strongest=float(if_strongest[both].sum()) if price is not None else None,
        period=period, share=_share(answered, period), quality=_quality(answered),
        notes=tuple(notes))


def strongest_model(store: Store, calls: pd.DataFrame, prices: dict[str, Price] | None = None
                    ) -> tuple[str | None, str]:
    """(the strongest of the router's models, why it is): the best mean quality on the
    training dataset of the saved router that routed most calls, else the dearest."""
    candidates = sorted(set(calls["model"]) | {
        m for text in calls["scores"] for m in json.loads(text)})
    configs = {c.name: c for c in saved_configs(store)}
    for router in calls["router"].value_counts().index:
        config = configs.get(router)
        trained = datasets.id_of(store, config.dataset) if config and config.dataset else None
        if trained is None:
            continue
        quality = summary.model_summary(store, trained).set_index("model")["mean_score"]
        quality = quality[quality.index.isin(candidates)].dropna()
        if len(quality):
            best = min(quality.index, key=lambda m: (-quality[m], m))  # ties: by name
            return best, (f"the highest mean quality ({quality[best]:.3f}) on "
                          f"'{config.dataset}', where router '{router}' learned")
    priced = {m: p for m in candidates if (p := known_price(m, prices)) is not None}
    if priced:
        dearest = min(priced, key=lambda m: (-priced[m].per_million_in
                                             - priced[m].per_million_out, m))
        return dearest, ("the dearest by list price (no saved router's training data says "
                         "which model is best)")
    return None, "unknown: no model's quality or price is known"


def _cost_on(answered: pd.DataFrame, strongest: str | None, price: Price | None) -> pd.Series:
    """Per call, what the strongest model would have cost: its real cost where it answered,
    else the logged token counts times its price (NaN where that cannot be known)."""
    if strongest is None or price is None:
        return pd.Series(np.nan, index=answered.index)
    tokens_in = answered["tokens_in"].astype(float)
    tokens_out = answered["tokens_out"].astype(float)
    estimate = (tokens_in * price.per_million_in + tokens_out * price.per_million_out) / 1e6
    real = answered["cost_usd"].astype(float).where(answered["model"] == strongest)
    return real.fillna(estimate)


def _span(answered: pd.DataFrame) -> pd.Timedelta:
    times = pd.to_datetime(answered["started_at"])
    return times.max() - times.min() if len(times) else pd.Timedelta(0)


def _share(answered: pd.DataFrame, period: str) -> pd.DataFrame:
    buckets = pd.to_datetime(answered["started_at"]).dt.floor("h" if period == "hour" else "D")
    counts = answered.assign(period=buckets).groupby(["period", "model"]).size()
    frame = counts.rename("calls").reset_index()
    frame["share"] = frame["calls"] / frame.groupby("period")["calls"].transform("sum")
    return frame


def _quality(answered: pd.DataFrame) -> pd.DataFrame:
    def row(model: str, part: pd.DataFrame) -> dict:
        known = part["quality"].dropna()
        return {"model": model, "calls": len(part), "labelled": len(known),
                "mean_quality": float(known.mean()) if len(known) else np.nan}
    rows = [row("(all)", answered)] + [row(m, part) for m, part in answered.groupby("model")]
    return pd.DataFrame(rows, columns=["model", "calls", "labelled", "mean_quality"])


def _notes(answered: pd.DataFrame, strongest: str | None, price: Price | None,
           compared: int) -> list[str]:
    notes = []
    if strongest and price is not None:
        notes.append(f"Assumes {strongest} would have written answers as long as the ones "
                     f"logged: each call's token counts times its price ({price.source}); "
                     f"calls {strongest} answered count at their real cost.")
    elif strongest:
        notes.append(f"No price is known for {strongest}, so what sending everything there "
                     "would have cost is unknown; give its price at import (--price).")
    left_out = len(answered) - compared
    if price is not None and left_out:
        notes.append(f"{left_out:,} of {len(answered):,} calls are left out of the "
                     "comparison: their cost or token counts are unknown.")
    estimated = int(answered["cost_estimated"].sum())
    if estimated:
        notes.append(f"{estimated:,} calls have a cost estimated at import (token counts "
                     "times list prices), not logged by the gateway.")
    return notes
