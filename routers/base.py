"""Value types and the Router base class (scikit-learn style; see docs/architecture.md).

A router scores every model for every query (`score`, predicted utility, higher is
better) and routes to the argmax of `score - tradeoff * cost`. Subclasses write per-model
state in `_add` / `_remove` and per-model scoring in `_score`.

Ties (equal utility, common in logs without costs and with coarse scores) never go to
whichever model happens to be first: they go to the cheaper model, then to the model with
the higher mean quality on the training log, then to the name first in alphabetical order.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np


@dataclass(frozen=True, eq=False)
class Queries:
    """Queries as routers see them: the text, the L2-normalised embeddings, the task."""

    text: tuple[str, ...]
    X: np.ndarray                          # (n, d), rows of unit length
    task: tuple[str | None, ...] | None = None

    def __len__(self) -> int:
        return len(self.text)

    def subset(self, rows) -> Queries:
        rows = np.asarray(rows)
        return Queries(tuple(self.text[i] for i in rows), self.X[rows],
                       None if self.task is None else tuple(self.task[i] for i in rows))


@dataclass(frozen=True, eq=False)
class Outcomes:
    """What happened when each model answered each query: reward in [0, 1] and cost."""

    queries: Queries
    models: tuple[str, ...]
    reward: np.ndarray                     # (n, m); NaN where a model did not answer
    cost: np.ndarray                       # (n, m) USD; NaN where unknown
    # (n, m) each model's answer text (None where it gave none); loaded only for routers
    # that read answers (`needs_responses`), None otherwise
    responses: np.ndarray | None = None

    def column(self, model: str) -> int:
        return self.models.index(model)

    def subset(self, rows) -> Outcomes:
        rows = np.asarray(rows)
        return Outcomes(self.queries.subset(rows), self.models, self.reward[rows],
                        self.cost[rows], None if self.responses is None else
                        self.responses[rows])

    def only(self, models) -> Outcomes:
        """The same queries with only these models' columns, in the given order."""
        columns = [self.column(m) for m in models]
        return Outcomes(self.queries, tuple(models), self.reward[:, columns],
                        self.cost[:, columns], None if self.responses is None else
                        self.responses[:, columns])

    def with_queries(self, queries: Queries) -> Outcomes:
        return Outcomes(queries, self.models, self.reward, self.cost, self.responses)

    def mean_costs(self) -> np.ndarray:
        """Mean cost per model (0 where no cost is known)."""
        return column_means(self.cost, fill=0.0)


@dataclass(frozen=True)
class Decision:
    model: str
    scores: dict[str, float]
    fallbacks: tuple[str, ...] = ()
    accept_at: float | None = None         # cascades: accept an answer scoring at least this


@dataclass(frozen=True)
class Learned:
    """Something a trained router learned that is worth showing (the Routers page draws
    `values` as a bar chart titled `title`, or shows `note` alone)."""

    title: str
    values: dict[str, float] | None = None
    label: str = ""
    note: str = ""


@dataclass(frozen=True)
class Param:
    """A hyperparameter as the settings form shows it."""

    name: str
    default: Any
    kind: str                              # int | float | bool | choice | text | json
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    help: str = ""


class Router:
    """Base class. `__init__` only stores hyperparameters; learned state ends in `_`."""

    name: ClassVar[str] = "router"
    title: ClassVar[str] = "Router"
    online: ClassVar[bool] = False           # has partial_fit
    cold_start: ClassVar[bool] = False       # add_model works without outcomes
    independent_models: ClassVar[bool] = False  # adding/removing a model leaves others' scores
    needs_embeddings: ClassVar[bool] = True
    needs_responses: ClassVar[bool] = False  # reads each model's logged answer text to learn
    simulates: ClassVar[bool] = False        # evaluated by `simulate` per chain length (cascades)
    model_params: ClassVar[tuple[str, ...]] = ()  # parameters that name a model of the pool
    in_defaults: ClassVar[bool] = True       # run by `routelab evaluate` and offered by default
    explore_param: ClassVar[str | None] = None  # online kinds: the exploration knob
    why_not_deployable: ClassVar[str] = ""   # non-empty: it reads gold labels to decide
    space: ClassVar[dict[str, dict]] = {}    # per-parameter form hints: low, high, choices, help

    # -- parameters -----------------------------------------------------------------------
    @classmethod
    def param_specs(cls) -> list[Param]:
        """The constructor's keyword parameters, described for a generated settings form."""
        specs = []
        for p in inspect.signature(cls.__init__).parameters.values():
            if p.name == "self" or p.kind is not p.KEYWORD_ONLY:
                continue
            hints = cls.space.get(p.name, {})
            kind = hints.get("kind") or kind_of(p.default)
            specs.append(Param(p.name, p.default, kind, hints.get("low"), hints.get("high"),
                               tuple(hints.get("choices", ())), hints.get("help", "")))
        return specs

    def get_params(self) -> dict:
        return {p.name: getattr(self, p.name) for p in self.param_specs()}

    def set_params(self, **params) -> Self:
        known = {p.name for p in self.param_specs()}
        for key, value in params.items():
            if key not in known:
                raise ValueError(f"{self.name} has no parameter '{key}'; it has {sorted(known)}")
            setattr(self, key, value)
        return self

    # -- learning -------------------------------------------------------------------------
    def start(self) -> Self:
        """A valid router that knows no model yet (cold-start kinds: bandits, baselines);
        models then arrive with `add_model` and, for online kinds, learn with `update`."""
        if not self.cold_start:
            raise ValueError(f"{self.name} needs outcomes to start; use fit()")
        self._reset(None)
        self.models_, self.costs_, self.quality_ = [], {}, {}
        return self

    def fit(self, outcomes: Outcomes) -> Self:
        """Forget everything, then learn every model of `outcomes`."""
        from routers.features import QueryView

        self.view_ = QueryView.of(getattr(self, "features", "embedding")).fit(outcomes.queries)
        outcomes = self.viewed(outcomes)
        self._reset(outcomes)
        self.models_: list[str] = []
        self.costs_: dict[str, float] = {}
        self.quality_: dict[str, float] = {}  # mean training reward: the second tie-break
        for model in outcomes.models:
            self._learn(model, outcomes)
        return self

    def viewed(self, data):
        """Queries (or Outcomes) as this router sees them: through its fitted feature view
        (`features`), or untouched when it has none."""
        view = getattr(self, "view_", None)
        if view is None or view.plain:
            return data
        if isinstance(data, Outcomes):
            return data.with_queries(view.transform(data.queries))
        return view.transform(data)

    def add_model(self, model: str, outcomes: Outcomes | None = None) -> Self:
        """Learn one more model without retraining the others where the method allows."""
        return self._learn(model, None if outcomes is None else self.viewed(outcomes))

    def _learn(self, model: str, outcomes: Outcomes | None) -> Self:
        if not hasattr(self, "models_"):
            self.models_, self.costs_ = [], {}
        if not hasattr(self, "quality_"):
            self.quality_ = {}
        if model in self.models_:
            self.remove_model(model)
        if outcomes is None and not self.cold_start:
            raise ValueError(f"{self.name} needs outcomes to learn '{model}'")
        if outcomes is not None and model in outcomes.models:
            column = outcomes.column(model)
            self.costs_[model] = float(outcomes.mean_costs()[column])
            self.quality_[model] = float(column_means(outcomes.reward[:, [column]], 0.0)[0])
        else:
            self.costs_.setdefault(model, 0.0)
        self._add(model, outcomes)
        self.models_.append(model)
        return self

    def remove_model(self, model: str) -> Self:
        index = self.models_.index(model)
        self._remove(model, index)
        self.models_.pop(index)
        self.costs_.pop(model, None)
        getattr(self, "quality_", {}).pop(model, None)
        return self

    def partial_fit(self, queries: Queries, models: list[str], rewards) -> Self:
        raise NotImplementedError(f"{self.name} learns offline only")

    # -- routing --------------------------------------------------------------------------
    def score(self, queries: Queries) -> np.ndarray:
        """(n, n_models) predicted utility of each model for each query."""
        if not getattr(self, "models_", None):
            raise RuntimeError(f"{self.name} is not fitted")
        return np.asarray(self._score(self.viewed(queries)), dtype=float)

    def route(self, queries: Queries, *, costs=None, tradeoff: float = 0.0) -> list[Decision]:
        """Argmax of score - tradeoff * cost; costs default to each model's mean cost."""
        scores = self.score(queries)
        chosen = self.choose(scores, costs, tradeoff)
        ranked = np.argsort(-(scores - tradeoff * self._costs(costs)), axis=1)
        return [Decision(self.models_[c], dict(zip(self.models_, row.tolist(), strict=True)),
                         tuple(self.models_[j] for j in order if j != c))
                for c, row, order in zip(chosen, scores, ranked, strict=True)]

    def choose(self, scores: np.ndarray, costs=None, tradeoff: float = 0.0) -> np.ndarray:
        """Column index of the chosen model per row: the highest utility; ties by the rule
        in the module docstring (cheaper, then better on training, then by name)."""
        cost = self._costs(costs)
        return pick_best(scores - tradeoff * cost, self.tie_order(cost))

    def tie_order(self, cost: np.ndarray | None = None) -> np.ndarray:
        """Rank of each model column among tied ones (0 = preferred)."""
        cost = np.nan_to_num(self._costs(cost)).reshape(-1)
        quality = getattr(self, "quality_", {})
        keys = [(c, -quality.get(m, 0.0), m) for m, c in zip(self.models_, cost, strict=True)]
        ranks = np.empty(len(keys), dtype=np.int64)
        ranks[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys))
        return ranks

    def out_of_fold_scores(self) -> np.ndarray | None:
        """(n, m) scores of the training queries it was fitted on, each from a model that
        never saw that query, when fitting produced them (stacking does); None otherwise,
        and callers cross-fit the router themselves."""
        return None

    def propensity(self, queries: Queries, choice: int, usable: np.ndarray | None = None
                   ) -> float:
        """P(this router picks column `choice` for the (single) query), among the `usable`
        models (default: all): 1 for deterministic routers; stochastic ones override."""
        return 1.0

    # -- what to show -----------------------------------------------------------------------
    def learned(self) -> list[Learned]:
        """What this trained router learned that a person may want to see (none by default)."""
        return []

    def utterance_texts(self) -> dict[str, list[str]]:
        """Texts per model that the app must embed before `fit` (semantic routes)."""
        return {}

    def set_utterance_vectors(self, vectors: dict[str, np.ndarray]) -> None:
        """The embeddings of `utterance_texts`, handed back by the app."""

    def _costs(self, costs) -> np.ndarray:
        if costs is None:
            return np.array([self.costs_[m] for m in self.models_])
        return np.asarray(costs, dtype=float)

    # -- for subclasses ---------------------------------------------------------------------
    def _reset(self, outcomes: Outcomes) -> None:
        """Prepare shared state before models are added (e.g. embeddings, clusters)."""

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        raise NotImplementedError

    def _remove(self, model: str, index: int) -> None:
        """Drop per-model state; the base class removes the name and cost."""

    def _score(self, queries: Queries) -> np.ndarray:
        raise NotImplementedError


def pick_best(utility: np.ndarray, ranks: np.ndarray, tolerance: float = 1e-12
              ) -> np.ndarray:
    """Per row, the column of highest utility; among columns within `tolerance` of it (ties,
    up to rounding), the one of lowest rank."""
    utility = np.nan_to_num(np.asarray(utility, dtype=float), nan=-np.inf)
    best = utility.max(axis=1, keepdims=True)
    tied = utility >= best - tolerance * np.maximum(1.0, np.abs(best))
    return np.argmin(np.where(tied, ranks[None, :], len(ranks)), axis=1)


def column_means(values: np.ndarray, fill: float = np.nan) -> np.ndarray:
    """Mean of each column over its known (non-NaN) entries; `fill` for a column with none.
    Unlike np.nanmean it warns about nothing: logs without costs are normal input."""
    values = np.asarray(values, dtype=float).reshape(len(values), -1)
    known = ~np.isnan(values)
    counts = known.sum(axis=0)
    sums = np.where(known, values, 0.0).sum(axis=0)
    return np.where(counts > 0, sums / np.maximum(counts, 1), fill)


def rewards_of(outcomes: Outcomes, model: str) -> tuple[np.ndarray, np.ndarray]:
    """(rows where `model` answered, its rewards there)."""
    column = outcomes.reward[:, outcomes.column(model)]
    known = ~np.isnan(column)
    return np.flatnonzero(known), column[known]


def kind_of(value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, (dict, list, tuple)):
        return "json"
    return "text"
