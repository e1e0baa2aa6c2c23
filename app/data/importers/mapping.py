"""Column mappings for generic logs, and guesses of them from column names."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

# Synonyms, best first, for each field a log may carry (compared case-insensitively).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("query_id", "sample_id", "qid", "id", "prompt_id", "question_id", "uid"),
    "text": ("prompt", "query", "question", "input", "text", "instruction", "user_prompt"),
    "model": ("model", "model_name", "llm", "model_id", "engine"),
    "score": ("score", "correct", "quality", "reward", "accuracy", "is_correct", "label",
              "performance"),
    "cost": ("cost_usd", "cost", "total_cost", "price", "usd"),
    "latency": ("latency_ms", "latency", "latency_s", "duration_ms", "duration", "time_ms"),
    "tokens_in": ("tokens_in", "prompt_tokens", "input_tokens", "n_input_tokens"),
    "tokens_out": ("tokens_out", "completion_tokens", "output_tokens", "n_output_tokens"),
    "response": ("response", "model_response", "output", "completion", "answer", "generation"),
    "task": ("task", "eval_name", "task_name", "category", "domain", "dataset", "subject"),
    "split": ("split", "partition", "fold"),
    "reference": ("reference", "ground_truth", "gold", "target", "expected", "answer_key"),
    "verifier": ("verifier",),
}

# Per-model column suffixes of wide logs ("<model>|total_cost", "<model>_cost", ...).
WIDE_SUFFIXES: dict[str, tuple[str, ...]] = {
    "cost": ("|total_cost", "|cost", "_cost", ":cost", "|cost_usd", "_cost_usd"),
    "response": ("|model_response", "|response", "_response", ":response"),
    "latency": ("|latency_ms", "|latency", "_latency_ms", "_latency", ":latency"),
}


@dataclass(frozen=True)
class LongMapping:
    """One row per (query, model): which column holds which field."""

    text: str
    model: str
    score: str
    id: str | None = None
    cost: str | None = None
    latency: str | None = None
    latency_unit: str = "ms"
    tokens_in: str | None = None
    tokens_out: str | None = None
    response: str | None = None
    task: str | None = None
    split: str | None = None
    reference: str | None = None
    verifier: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class WideMapping:
    """One row per query with a score column per model; patterns name the other columns."""

    text: str
    models: tuple[str, ...]
    score_pattern: str = "{model}"
    cost_pattern: str | None = None
    response_pattern: str | None = None
    latency_pattern: str | None = None
    latency_unit: str = "ms"
    id: str | None = None
    task: str | None = None
    split: str | None = None
    reference: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    def column(self, pattern: str | None, model: str) -> str | None:
        return pattern.replace("{model}", model) if pattern else None

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("extra")
        data["models"] = list(self.models)
        return data


def guess_field(columns: list[str], name: str, taken: set[str] = frozenset()) -> str | None:
    """The column that most likely holds `name`, by exact then prefix synonym match."""
    lowered = {c.lower(): c for c in columns if c not in taken}
    for synonym in SYNONYMS[name]:
        if synonym in lowered:
            return lowered[synonym]
    return None


def latency_unit_of(column: str | None) -> str:
    """Seconds when the column name says so (latency_s, duration_sec), else milliseconds."""
    if column and re.search(r"(^|[_|:\s])(s|sec|secs|seconds)$", column.lower()):
        return "s"
    return "ms"


def guess_long(columns: list[str]) -> LongMapping | None:
    """A long mapping when text, model and score columns can all be named, else None."""
    picks: dict[str, str | None] = {}
    taken: set[str] = set()
    for name in ("model", "text", "score", "id", "cost", "latency", "tokens_in", "tokens_out",
                 "response", "task", "split", "reference", "verifier"):
        picks[name] = guess_field(columns, name, taken)
        if picks[name]:
            taken.add(picks[name])
    if not (picks["text"] and picks["model"] and picks["score"]):
        return None
    return LongMapping(**picks, latency_unit=latency_unit_of(picks["latency"]))


def guess_wide(columns: list[str], numeric: list[str] | None = None) -> WideMapping | None:
    """A wide mapping: models are columns that have per-model siblings, else numeric leftovers."""
    patterns: dict[str, str | None] = {}
    models: set[str] = set()
    for kind, suffixes in WIDE_SUFFIXES.items():
        patterns[kind] = None
        for suffix in suffixes:
            owners = {c[: -len(suffix)] for c in columns if c.endswith(suffix)}
            owners = {m for m in owners if m in columns}
            if owners:
                patterns[kind] = "{model}" + suffix
                models |= owners
                break
    taken: set[str] = set()
    picks = {}
    for name in ("text", "id", "task", "split", "reference"):
        picks[name] = guess_field(columns, name, taken | models)
        if picks[name]:
            taken.add(picks[name])
    if not models and numeric:
        known = {syn for names in SYNONYMS.values() for syn in names}
        models = {c for c in numeric if c not in taken and c.lower() not in known
                  and not c.lower().startswith(("unnamed", "column", "index", "__"))} - {""}
    if not (picks["text"] and models):
        return None
    ordered = tuple(c for c in columns if c in models)
    return WideMapping(models=ordered, cost_pattern=patterns["cost"],
                       response_pattern=patterns["response"],
                       latency_pattern=patterns["latency"],
                       latency_unit=latency_unit_of(patterns["latency"]), **picks)
