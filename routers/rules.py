"""Rules: keyword, regex, length and task conditions mapped to models, first match wins."""

from __future__ import annotations

import re

import numpy as np

from routers.base import Outcomes, Queries, Router

EXAMPLE_RULES = [
    {"when": "regex", "value": r"\bdef\b|python|function", "model": ""},
    {"when": "longer_than", "value": 400, "model": ""},
]


class RuleRouter(Router):
    """Hand-written routing rules, as in production gateways (e.g. LiteLLM's tag and
    content-based routing): the first rule whose condition holds picks the model; the
    default model takes the rest. Conditions: `keyword` (any of comma-separated words),
    `regex`, `longer_than` / `shorter_than` (characters), `task` (equals)."""

    name = "rules"
    title = "Rules (keyword / regex / length / task)"
    cold_start = True
    independent_models = True
    needs_embeddings = False
    model_params = ("default_model",)
    in_defaults = False  # needs hand-written rules
    space = {"rules": {"kind": "json", "help": "List of {when, value, model}; first match wins"},
             "default_model": {"help": "Model for queries no rule matches"}}

    def __init__(self, *, rules: list | None = None, default_model: str = ""):
        self.rules = rules if rules is not None else []
        self.default_model = default_model

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        pass

    def pick(self, text: str, task: str | None) -> str | None:
        for rule in self.rules:
            if _holds(rule, text, task) and rule.get("model") in self.models_:
                return rule["model"]
        return self.default_model if self.default_model in self.models_ else None

    def _score(self, queries: Queries) -> np.ndarray:
        tasks = queries.task or (None,) * len(queries)
        scores = np.zeros((len(queries), len(self.models_)))
        for i, (text, task) in enumerate(zip(queries.text, tasks, strict=True)):
            chosen = self.pick(text, task)
            if chosen is not None:
                scores[i, self.models_.index(chosen)] = 1.0
        return scores


def _holds(rule: dict, text: str, task: str | None) -> bool:
    when, value = rule.get("when"), rule.get("value")
    if when == "keyword":
        words = [w.strip().lower() for w in str(value).split(",") if w.strip()]
        return any(w in text.lower() for w in words)
    if when == "regex":
        return re.search(str(value), text, flags=re.IGNORECASE) is not None
    if when == "longer_than":
        return len(text) > float(value)
    if when == "shorter_than":
        return len(text) < float(value)
    if when == "task":
        return task == value
    raise ValueError(f"unknown rule condition '{when}'")
