"""Onboarding a new model into a saved clusters router from a few representative prompts.

UniRoute's promise is that a model joins a trained router from its answers on a few
prompts per cluster, without retraining. Here the "new" model is one of the log's models:
its logged answers on the representative prompts of the training split stand in for a
user running it on them, and the test split (never read for any choice) shows how close
that gets to retraining with the model's whole training log, and to leaving it out.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from app.routing import catalog
from app.routing.configs import (
    ONBOARDED,
    DatasetForRouting,
    RouterConfig,
    RouterProblem,
    fit_router,
    load_for_routing,
    onboarded_models,
    save_config,
    saved_configs,
)
from app.store.db import Store
from routers.compare import metrics
from routers.evaluate import sweep, tradeoff_grid

ONBOARDED_NAME, RETRAINED_NAME, WITHOUT_NAME = "onboarded", "retrained", "without"


@dataclass(frozen=True, eq=False)
class Onboarding:
    """How a model onboarded from representative prompts routes on the test split,
    beside the router retrained with its whole log and the router without it."""

    config: RouterConfig       # the saved router with this onboarding recorded
    dataset: str
    model: str
    per_cluster: int
    prompts: tuple[str, ...]   # the representative prompts the model answered
    model_log: int             # the model's answers in the training split
    test_size: int
    split_note: str
    rows: list[dict]           # per variant: name, quality, cost, aiq, regret, share
    agreement: float           # share of test queries onboarded and retrained route alike

    def row(self, name: str) -> dict:
        return next(r for r in self.rows if r["name"] == name)

    @property
    def quality_ratio(self) -> float:
        """Onboarded quality as a share of the retrained router's (at tradeoff 0)."""
        retrained = self.row(RETRAINED_NAME)["quality"]
        return self.row(ONBOARDED_NAME)["quality"] / retrained if retrained > 0 else 1.0

    @property
    def gain_recovered(self) -> float | None:
        """Share of retraining's gain over leaving the model out that onboarding wins;
        None when retraining gains less than one test query's worth (nothing to recover)."""
        without = self.row(WITHOUT_NAME)["quality"]
        gain = self.row(RETRAINED_NAME)["quality"] - without
        if gain < 1 / max(self.test_size, 1):
            return None
        return (self.row(ONBOARDED_NAME)["quality"] - without) / gain

    def headline(self) -> str:
        share = len(self.prompts) / max(self.model_log, 1)
        line = (f"Onboarding {self.model} from {len(self.prompts):,} prompts ({share:.0%} "
                f"of its training log) reaches {self.quality_ratio:.0%} of the retrained "
                f"router's quality on {self.test_size:,} test queries")
        recovered = self.gain_recovered
        if recovered is None:
            return line + "; retraining with its whole log gains nothing over leaving it out."
        if recovered < 0:
            return line + ", but routes worse than leaving it out, which retraining beats."
        return line + f", and wins {recovered:.0%} of what adding it by retraining gains."


def onboardable(store: Store) -> list[RouterConfig]:
    """Saved routers whose kind can onboard a model (cluster error vectors)."""
    return [c for c in saved_configs(store)
            if c.kind in catalog.CATALOG and catalog.kind(c.kind).onboards]


def saved_onboardable(store: Store, name: str) -> RouterConfig:
    """The saved router `name`, if its kind can onboard; else a RouterProblem that says why."""
    found = {c.name: c for c in saved_configs(store)}
    if name not in found:
        raise RouterProblem(f"no saved router named '{name}'; saved: {sorted(found) or 'none'}")
    config = found[name]
    if config.kind not in catalog.CATALOG or not catalog.kind(config.kind).onboards:
        kinds = [k for k in catalog.kinds() if catalog.kind(k).onboards]
        raise RouterProblem(f"router '{name}' is a {config.kind} router, which cannot onboard "
                            f"a model; onboarding needs one of: {', '.join(kinds)}")
    return config


def with_onboarded(config: RouterConfig, model: str, per_cluster: int | None) -> RouterConfig:
    """The config with `model` onboarded from `per_cluster` prompts per cluster, or (None)
    learning from its whole log again."""
    record = {m: n for m, n in onboarded_models(config).items() if m != model}
    if per_cluster is not None:
        record[model] = int(per_cluster)
    params = {k: v for k, v in config.params.items() if k != ONBOARDED}
    return replace(config, params={**params, ONBOARDED: record} if record else params)


def simulate(store: Store, config: RouterConfig, model: str, per_cluster: int = 3, *,
             dataset: str | None = None, data: DatasetForRouting | None = None,
             progress: Callable[[str], None] | None = None) -> Onboarding:
    """Onboard `model` into `config` from its logged answers on `per_cluster`
    representative training prompts per cluster, and compare on the test split."""
    say = progress or (lambda stage: None)
    if per_cluster < 1:
        raise RouterProblem("onboarding needs at least one prompt per cluster")
    name = dataset or config.dataset
    if not name:
        raise RouterProblem(f"router '{config.name}' names no dataset; choose one to onboard on")
    say(f"Embedding and splitting '{name}'")
    data = data or load_for_routing(store, name, config.encoder)
    if model not in data.outcomes.models:
        raise RouterProblem(f"'{name}' has no model named '{model}'; its models: "
                            f"{', '.join(data.outcomes.models)}")
    train = data.outcomes.subset(data.train)
    say(f"Retraining {config.name} with {model}'s whole training log")
    retrained = fit_router(store, with_onboarded(config, model, None), data)
    say(f"Onboarding {model} from {per_cluster} representative prompts per cluster")
    onboarded_config = with_onboarded(config, model, per_cluster)
    onboarded = fit_router(store, onboarded_config, data)
    without = copy.deepcopy(retrained).remove_model(model)  # the others do not change
    rows = onboarded.onboarding_rows(train, model, per_cluster)
    say("Routing the test split")
    rows_of, agreement, test = _evaluate({ONBOARDED_NAME: onboarded,
                                          RETRAINED_NAME: retrained,
                                          WITHOUT_NAME: without}, data, model)
    return Onboarding(onboarded_config, name, model, per_cluster,
                      tuple(train.queries.text[i] for i in rows),
                      int((~np.isnan(train.reward[:, train.column(model)])).sum()),
                      len(test.queries), data.split_note, rows_of, agreement)


def _evaluate(routers: dict, data: DatasetForRouting, model: str):
    """(a metrics row per router, onboarded/retrained agreement at tradeoff 0, the test
    outcomes) on the test queries every model answered."""
    test = data.outcomes.subset(data.test)
    test = test.subset(np.flatnonzero(~np.isnan(test.reward).any(axis=1)))
    if not len(test.queries):
        raise RouterProblem("no test query was answered by every model: nothing to compare on")
    grid = tradeoff_grid(float(np.nan_to_num(test.cost, nan=0.0).mean(axis=0).max()) or 1.0)
    rows, picks = [], {}
    for name, router in routers.items():
        curve = sweep(router, test.queries, test, grid, name)
        picks[name] = curve.choice[0]
        row = metrics(curve, test, n_boot=0)
        share = float((curve.choice[0] == test.column(model)).mean())
        rows.append({k: row[k] for k in ("name", "quality", "cost", "aiq", "regret")}
                    | {"share_to_model": share})
    agreement = float((picks[ONBOARDED_NAME] == picks[RETRAINED_NAME]).mean())
    return rows, agreement, test


def save(store: Store, onboarding: Onboarding) -> RouterConfig:
    """Record the onboarding in the saved router, so it keeps learning the model this way."""
    save_config(store, onboarding.config)
    return onboarding.config
