"""Compare routers on a dataset's test split: curves, metrics, slices, plain words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from app.embed.embeddings import told_in_tenths
from app.routing import budgets as budget_view
from app.routing import catalog
from app.routing.configs import (
    SAMPLE_LIMIT,
    DatasetForRouting,
    RouterConfig,
    RouterProblem,
    fit_router,
    load_for_routing,
    with_responses,
)
from app.store.db import Store
from routers.axis import CostAxis, cost_axis
from routers.base import column_means
from routers.compare import (
    cost_range,
    metrics,
    reaches,
    task_slices,
    zero_router,
    zero_router_row,
)
from routers.evaluate import (
    Curve,
    oracle_curve,
    random_curve,
    single_model_curves,
    sweep,
    tradeoff_grid,
)

if TYPE_CHECKING:
    from app.routing.remembered import TrainedRouters


@dataclass(frozen=True, eq=False)
class Comparison:
    dataset: str
    split_note: str
    test_size: int
    models: tuple[str, ...]
    routers: dict[str, Curve]          # by router name
    references: dict[str, Curve]       # single models, oracle(s), random
    zero: tuple[np.ndarray, np.ndarray]
    rows: list[dict]                   # metrics per curve, routers first
    slices: list[dict]
    pair: tuple[str, str] | None
    cost_range: tuple[float, float]
    regret: dict[str, np.ndarray]      # per test query, at each curve's headline point
    test_query_ids: np.ndarray
    axis: CostAxis                     # what the cost numbers mean (dollars, share, none)
    notes: tuple[str, ...] = ()
    budgets: tuple[dict, ...] = ()     # quality at each asked budget (app/routing/budgets.py)


def compare(store: Store, dataset: str, configs: list[RouterConfig], *,
            pair: tuple[str, str] | None = None, n_boot: int = 1000,
            data: DatasetForRouting | None = None, probes: str | None = None,
            models: list[str] | None = None, budgets: tuple[float, ...] = (),
            sample_limit: int = SAMPLE_LIMIT,
            progress: Callable[[str, float], None] | None = None,
            trained: TrainedRouters | None = None) -> Comparison:
    """Train each router on the training split and evaluate everything on the test split
    (the test queries every model answered); `models` keeps only those models; `budgets`
    (USD per query) adds each router's quality at those budgets (dollar logs only).
    `data`, when given, must have been loaded with this `sample_limit`: a router on another
    encoder reloads the same sample with its own vectors. `trained`, when given, keeps each
    router's trained results and gives back those of a router already trained on the same
    data, which is not trained again."""
    say = progress or (lambda stage, fraction: None)
    say("Embedding and splitting the dataset", 0.0)
    data = data or load_for_routing(store, dataset, sample_limit=sample_limit,
                                    progress=told_in_tenths(say, "the queries"))
    if models:
        data = _only(data, models)
    axis, priced = cost_axis(data.outcomes, data.train)
    data = replace(data, outcomes=priced)  # routers train and are judged on the same axis
    data, configs, left_out = _answers_if_needed(store, data, configs)
    by_encoder = {_encoder(data): data}
    test_rows = data.test[~np.isnan(data.outcomes.reward[data.test]).any(axis=1)]
    if len(test_rows) < MIN_TEST_QUERIES:
        raise RouterProblem(_too_sparse(data, len(test_rows)))
    complete = np.isin(data.test, test_rows)
    test = data.outcomes.subset(test_rows)  # every model answered every test query
    test_ids = data.query_ids[data.test][complete]
    train = data.outcomes.subset(data.train)
    # chosen on training queries: the test split is only read for the numbers shown
    pair = pair or ((axis.strong, axis.weak) if axis.kind == "share" else default_pair(train))
    oracles = [oracle_curve(test, "routerbench", name="oracle"),
               oracle_curve(test, "cheapest", name="oracle (cheapest when none right)")]
    references = {**single_model_curves(test), **{c.name: c for c in oracles},
                  "random": random_curve(test)}
    grid = tradeoff_grid(float(column_means(test.cost, fill=0.0).max(initial=0.0)) or 1.0)
    curves, scores, notes = {}, {}, [axis.notice] if axis.notice else []
    notes += left_out
    if budgets and axis.kind != "usd":
        notes.append("Quality at a budget needs a dollar cost for every model; left out.")
        budgets = ()
    at_budget = []
    if axis.filled:
        notes.append(f"{axis.filled:,} outcomes without a logged cost were given their "
                     "model's mean cost on the training split.")
    run = _Run(store, dataset, data, test_rows, grid, budgets, n_boot, sample_limit, models)
    for i, config in enumerate(configs):
        at = (i + 0.5) / len(configs)
        kept = trained.get(config) if trained is not None else None
        if kept is None:
            say(f"Training and sweeping {config.name}", at)
            kept = _train_and_sweep(run, config, by_encoder, say, (i + 0.8) / len(configs))
            if trained is not None:
                trained.put(config, kept)
        else:
            say(f"{config.name}: trained in an earlier comparison", at)
        curves[config.name], score, rows = kept
        if score is not None:
            scores[config.name] = score
        at_budget += rows
    if probes and axis.kind != "usd":
        notes.append("Self-consistency from the probe log is left out: it needs dollar "
                     "costs for every model.")
    elif probes:
        offline = _consistency(store, dataset, probes, data, test_rows, train)
        if offline is not None:
            curves[offline.name] = offline
    if axis.kind == "usd":  # the token router's costs are dollars, from its real calls
        token, token_note = _token_router(store, dataset, data, test_rows)
        if token is not None:
            curves[token.name] = token
        notes += [token_note] if token_note else []
    say("Computing metrics and confidence intervals", 0.95)
    oracle_quality = references["oracle"].quality[0]
    on_axis = {"has_cost": axis.has_cost, "dollars": axis.kind == "usd"}
    rows = [dict(metrics(c, test, n_boot=n_boot, pair=pair, scores=scores.get(name),
                         **on_axis), kind="router") for name, c in curves.items()]
    rows += [zero_router_row(test, **on_axis)]
    rows += [dict(metrics(c, test, n_boot=n_boot, router=False, **on_axis), kind=_kind(name))
             for name, c in references.items()]
    return Comparison(
        dataset, data.split_note, len(test.queries), test.models, curves, references,
        zero_router(test), rows, task_slices({**curves, **references},
                                              np.array(test.queries.task, dtype=object)),
        pair, cost_range(test),
        {n: oracle_quality - c.quality[c.headline] for n, c in curves.items()},
        test_ids, axis, tuple(notes), tuple(at_budget + (budget_view.reference_rows(
            train, test, references, budgets, n_boot) if budgets else [])))


@dataclass(frozen=True)
class _Run:
    """What every router of one comparison is trained and judged on."""

    store: Store
    dataset: str
    data: DatasetForRouting
    test_rows: np.ndarray      # rows of `data` in the test split that every model answered
    grid: np.ndarray           # the cost-quality trade-offs each router is swept over
    budgets: tuple[float, ...]
    n_boot: int
    sample_limit: int          # what `data` was loaded with: another encoder loads the same
    models: list[str] | None   # the models kept, when not all


def _train_and_sweep(run: _Run, config: RouterConfig, by_encoder: dict,
                     say: Callable[[str, float], None], at: float):
    """(the router's curve on the test split, its scores of the test queries or None, its
    rows at each budget): everything a comparison needs of one router."""
    mine = _on_encoder(run, config, by_encoder)
    if mine.outcomes.responses is None and run.data.outcomes.responses is not None:
        mine = replace(mine, outcomes=replace(mine.outcomes,
                                              responses=run.data.outcomes.responses))
    router = fit_router(run.store, config, mine)
    own_test = mine.outcomes.subset(run.test_rows)
    curve = sweep(router, own_test.queries, own_test, run.grid, config.name)
    score = None if router.simulates else (router.score(own_test.queries),
                                           list(router.models_))
    if run.budgets:
        say(f"Choosing {config.name}'s budget points by cross-validation", at)
    rows = budget_view.router_rows(
        run.store, config, router, mine.outcomes.subset(run.data.train), own_test, curve,
        run.budgets, run.n_boot, score[0] if score else None) if run.budgets else []
    return curve, score, rows


def _on_encoder(run: _Run, config: RouterConfig, by_encoder: dict) -> DatasetForRouting:
    """The comparison's data with the vectors of the router's encoder (loaded once per
    encoder, into `by_encoder`): the same queries, split and costs."""
    encoder = config.encoder or _encoder(run.data)
    if encoder not in by_encoder:  # a router trained on another encoder's vectors
        other = load_for_routing(run.store, run.dataset, encoder,
                                 sample_limit=run.sample_limit)
        if not np.array_equal(other.query_ids, run.data.query_ids):
            raise RuntimeError(f"{config.name}'s {encoder} vectors are of other queries "
                               "than the comparison's: pass compare() the sample_limit "
                               "its data was loaded with")
        other = _only(other, list(run.data.outcomes.models)) if run.models else other
        by_encoder[encoder] = replace(other, outcomes=replace(
            other.outcomes, cost=run.data.outcomes.cost))
    return by_encoder[encoder]


MIN_TEST_QUERIES = 10  # fewer and every interval spans most of [0, 1]


def _answers_if_needed(store: Store, data: DatasetForRouting, configs: list[RouterConfig]):
    """(data with answer texts when a router reads them, the routers that can run, notes
    on those left out because the log has no answers)."""
    reading = [c for c in configs if c.kind in catalog.CATALOG
               and catalog.kind(c.kind).needs_responses]
    if not reading:
        return data, configs, []
    try:
        return with_responses(store, data), configs, []
    except RouterProblem as exc:
        names = ", ".join(c.name for c in reading)
        return data, [c for c in configs if c not in reading], [f"Left out {names}: {exc}."]


def _only(data: DatasetForRouting, models: list[str]) -> DatasetForRouting:
    unknown = [m for m in models if m not in data.outcomes.models]
    if unknown or len(set(models)) < 2:
        known = ", ".join(data.outcomes.models[:8]) + (
            " ..." if len(data.outcomes.models) > 8 else "")
        why = f"not in the log: {', '.join(unknown)}" if unknown else "fewer were given"
        raise RouterProblem(f"pick at least two of the log's models ({known}); {why}")
    return replace(data, outcomes=data.outcomes.only(list(dict.fromkeys(models))))


def _too_sparse(data: DatasetForRouting, complete: int) -> str:
    """Why a log cannot be compared, and which models to keep instead."""
    answered = (~np.isnan(data.outcomes.reward[data.test])).mean(axis=0)
    sparse = [m for _, m in sorted(zip(answered, data.outcomes.models, strict=True))][:3]
    return (f"only {complete} of {len(data.test):,} test queries were answered by every "
            f"model ({len(data.outcomes.models)} models), too few to compare routers "
            f"fairly. Compare fewer models (CLI: --models a,b,c; Compare page: Models); "
            f"the least answered are {', '.join(sparse)}.")


def default_pair(outcomes) -> tuple[str, str] | None:
    """Strong = the best single model, weak = the cheapest (RouteLLM's setting); ties go
    to the cheaper strong model and the weaker weak model, then by name."""
    if len(outcomes.models) < 2:
        return None
    quality = column_means(outcomes.reward, fill=0.0)
    cost = column_means(outcomes.cost, fill=0.0)
    models = range(len(outcomes.models))
    strong = min(models, key=lambda j: (-quality[j], cost[j], outcomes.models[j]))
    weak = min((j for j in models if j != strong),
               key=lambda j: (cost[j], quality[j], outcomes.models[j]))
    return outcomes.models[strong], outcomes.models[weak]


def summary(comparison: Comparison) -> list[str]:
    """Plain-language findings for stakeholders, each at a curve's headline point; cost
    sentences only where costs exist (see routers.axis)."""
    axis = comparison.axis
    models = {m: comparison.references[m] for m in comparison.models}
    best_model = max(models, key=lambda m: (models[m].headline_quality,
                                            -models[m].headline_cost, m))
    best_q, best_c = models[best_model].headline_quality, models[best_model].headline_cost
    at = f" at {axis.format(best_c)}" + (" per query" if axis.kind == "usd" else "") \
        if axis.has_cost else ""
    lines = [f"On {comparison.test_size:,} test queries of '{comparison.dataset}' "
             f"({comparison.split_note}), the best single model is {best_model}: quality "
             f"{best_q:.3f}{at}."]
    for name, curve in comparison.routers.items():
        badge = "" if curve.deployable else " (not deployable: it " \
            f"{curve.why_not_deployable})"
        if not axis.has_cost:
            verb = "beats" if curve.headline_quality > best_q + 1e-12 else "does not beat"
            lines.append(f"Router {name}{badge} {verb} {best_model}: quality "
                         f"{curve.headline_quality:.3f}.")
            continue
        cost = reaches(curve, best_q)
        if cost is not None and axis.kind == "share":
            lines.append(f"Router {name}{badge} reaches {best_model}'s quality with "
                         f"{axis.format(cost)}.")
        elif cost is not None and best_c > 0:
            lines.append(f"Router {name}{badge} reaches {best_model}'s quality at "
                         f"{cost / best_c:.0%} of its cost ({axis.format(cost)}).")
        elif cost is not None:
            lines.append(f"Router {name}{badge} reaches {best_model}'s quality at "
                         f"{axis.format(cost)}.")
        else:
            top = int(curve.mean_quality.argmax())
            lines.append(f"Router {name}{badge} does not reach {best_model}'s quality; at "
                         f"best {curve.mean_quality[top]:.3f} for "
                         f"{axis.format(float(curve.mean_cost[top]))}.")
    oracle = comparison.references["oracle"]
    where = f" at {axis.format(oracle.headline_cost)}" if axis.has_cost else ""
    lines.append(f"A perfect router (the oracle, not deployable: it "
                 f"{oracle.why_not_deployable}) would score {oracle.headline_quality:.3f}"
                 f"{where}: the headroom routing can win.")
    return lines


def _kind(name: str) -> str:
    if name.startswith("oracle"):
        return "oracle"
    return "random" if name == "random" else "model"


def _encoder(data: DatasetForRouting) -> str:
    return data.encoder


def _consistency(store: Store, dataset: str, probes: str, data: DatasetForRouting,
                 test_rows: np.ndarray, train) -> Curve | None:
    """Self-consistency evaluated from the probe log, on exactly the test queries; its
    "strong" model is the best single model on the training queries."""
    from app.routing.live.offline import consistency_curve

    prompt_ids = _source_ids(store, dataset, data.query_ids[test_rows])
    models = list(train.models)
    quality = column_means(train.reward, fill=0.0)
    strong = models[int(np.argmax(quality))]
    ensemble = [m for m in models if "vote" not in m] or models
    curve = consistency_curve(store, dataset, probes, prompt_ids, strong=strong,
                              ensemble=ensemble)
    if curve is None or curve.quality.shape[1] != len(prompt_ids):
        return None  # the probe log must cover every test query to compare fairly
    return curve


def _token_router(store: Store, dataset: str, data: DatasetForRouting,
                  test_rows: np.ndarray) -> tuple[Curve | None, str]:
    """The trained token router over λ, from its stored answers to exactly these test
    queries (`routelab token-train`); (None, "") when it was never trained here."""
    from app.routing.token_training import token_curve

    curve, note = token_curve(store, dataset,
                              _source_ids(store, dataset, data.query_ids[test_rows]))
    checkable = store.rows("SELECT count(*) FROM queries q JOIN datasets d USING "
                           "(dataset_id) WHERE d.name = ? AND q.verifier IS NOT NULL",
                           [dataset])[0][0]
    if curve is None and not note and checkable:
        note = (f"The token-level router (CITER) joins this comparison once trained: "
                f"`routelab token-train --dataset {dataset}` (rollouts on the local models).")
    return curve, note


def _source_ids(store: Store, dataset: str, query_ids: np.ndarray) -> list[str]:
    """The log's own ids of these queries (what probe logs and token answers are keyed by)."""
    source = dict(store.rows("SELECT query_id, source_id FROM queries q JOIN datasets d "
                             "USING (dataset_id) WHERE d.name = ?", [dataset]))
    return [source[int(q)] for q in query_ids]
