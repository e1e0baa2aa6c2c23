"""Semantic routes: similarity of a query to each route's example utterances."""

from __future__ import annotations

import numpy as np

from routers.base import Outcomes, Queries, Router, rewards_of


class SemanticRoutes(Router):
    """aurelio-labs semantic-router: a route is a list of example utterances; a query goes
    to the route whose utterances it is most similar to (max or mean cosine). Routes can be
    written by hand (`routes`: model -> utterances, embedded by the app before fitting)
    or taken from the log: each model's examples are queries only it answered well."""

    name = "semantic"
    title = "Semantic routes (example utterances)"
    independent_models = True
    space = {"routes": {"kind": "json", "help": "{model: [utterances]}; empty = from the log"},
             "examples_per_model": {"low": 1, "high": 500},
             "aggregation": {"kind": "choice", "choices": ("max", "mean")}}

    def __init__(self, *, routes: dict | None = None, examples_per_model: int = 25,
                 aggregation: str = "max"):
        self.routes = routes if routes is not None else {}
        self.examples_per_model = examples_per_model
        self.aggregation = aggregation

    def utterance_texts(self) -> dict[str, list[str]]:
        """Hand-written utterances the app must embed (set_utterance_vectors) before fit."""
        return {m: list(u) for m, u in self.routes.items() if u}

    def set_utterance_vectors(self, vectors: dict[str, np.ndarray]) -> None:
        self.utterance_vectors_ = vectors

    def _reset(self, outcomes: Outcomes) -> None:
        self.examples_ = {}
        self.sole_ = _sole_winners(outcomes)

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        given = getattr(self, "utterance_vectors_", {}).get(model)
        if given is not None and len(given):
            self.examples_[model] = np.asarray(given)
            return
        rows, rewards = rewards_of(outcomes, model)
        column = outcomes.column(model)
        wins = [r for r in rows if self.sole_[r] == column]
        if not wins:  # no sole wins: fall back to the queries it answered best
            wins = list(rows[np.argsort(-rewards)])
        self.examples_[model] = outcomes.queries.X[wins[: self.examples_per_model]]

    def _remove(self, model: str, index: int) -> None:
        self.examples_.pop(model, None)

    def _score(self, queries: Queries) -> np.ndarray:
        columns = []
        for model in self.models_:
            sims = queries.X @ self.examples_[model].T
            columns.append(sims.max(axis=1) if self.aggregation == "max" else sims.mean(axis=1))
        return np.column_stack(columns)


def _sole_winners(outcomes: Outcomes) -> np.ndarray:
    """Per query, the column of the only model with the top score, or -1."""
    reward = np.where(np.isnan(outcomes.reward), -np.inf, outcomes.reward)
    best = reward.max(axis=1, keepdims=True)
    is_best = reward == best
    return np.where(is_best.sum(axis=1) == 1, is_best.argmax(axis=1), -1)
