"""One line of a `routelab-traffic/1` log (docs/traffic-log.md), checked field by field.

A problem names the file, the line and the field, and says what the gateway writes there;
a line that passes becomes a `Call`. Fields the format marks nullable may also be absent.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app.data.importers.problems import ImportProblem

SCHEMA = "routelab-traffic/1"
SCHEMA_FAMILY = "routelab-traffic/"
STATUSES = ("success", "failure")
FIELDS_HELP = ("Every line of a routelab-traffic/1 log has schema, id, time, router, "
               "virtual_model, prompt, model, propensity, scores, fallback, status and "
               "latency_s (docs/traffic-log.md describes each).")
# What each field holds, as the gateway writes it: a bad value's message says so.
MEANING = {
    "id": "the response id, unique per call",
    "time": "when the request started, ISO 8601 in UTC",
    "router": "the saved router's name", "virtual_model": "the model name the client asked for",
    "prompt": "the text the router read: the last user message",
    "model": "the pool model the router chose",
    "propensity": "P(the router picks the model for this prompt), 1 for deterministic routers",
    "scores": "the router's score per model", "fallback": "whether the hook failed",
    "status": "how the call ended", "response": "the answer text, null on failure",
    "error": "the failure message, null on success",
    "latency_s": "seconds from request to the complete answer",
    "cost_usd": "LiteLLM's cost for the call, null when unknown",
    "prompt_tokens": "the prompt's token count, or null",
    "completion_tokens": "the answer's token count, or null",
}


@dataclass(frozen=True)
class Call:
    line: int
    id: str
    started_at: dt.datetime          # UTC, without tzinfo (as DuckDB's TIMESTAMP holds it)
    router: str
    virtual_model: str | None
    prompt: str
    model: str
    propensity: float
    scores: dict[str, float]
    fallback: bool
    status: str
    response: str | None
    error: str | None
    latency_s: float
    cost_usd: float | None
    prompt_tokens: int | None
    completion_tokens: int | None


def read_calls(path: Path) -> Iterator[Call]:
    """Every non-blank line of the log as a Call; ImportProblem at the first bad one."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ImportProblem(path.name, "is not UTF-8 text.", "The gateway writes "
                                    "UTF-8; the file was changed or cut since.",
                                    line=number) from None
            if text.strip():
                yield parse_line(path.name, number, text)


def parse_line(file: str, number: int, text: str) -> Call:
    try:
        entry = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportProblem(file, f"is not valid JSON ({exc.msg} at character {exc.colno}).",
                            "Each line is one JSON object as the gateway writes it; a line "
                            "cut short by a crash can be deleted.", line=number) from None
    if not isinstance(entry, dict):
        raise ImportProblem(file, f"is a JSON {type(entry).__name__}, not an object.",
                            FIELDS_HELP, line=number)
    get = _Fields(file, number, entry)
    schema = get.text("schema")
    if schema != SCHEMA:
        raise ImportProblem(file, f"the schema '{schema}' is not one this routelab reads.",
                            f"This version reads {SCHEMA}. A newer gateway writes a newer "
                            "schema: update routelab, or import with the routelab that "
                            "exported the router.", line=number, field="schema")
    status = get.text("status")
    if status not in STATUSES:
        raise get.bad("status", status, "'success' or 'failure'")
    return Call(
        line=number, id=get.text("id"), started_at=get.time("time"), router=get.text("router"),
        virtual_model=get.text("virtual_model"),
        prompt=get.text("prompt", empty_ok=True), model=get.text("model"),
        propensity=get.number("propensity", low=0.0, high=1.0, low_open=True),
        scores=get.scores("scores"), fallback=get.boolean("fallback"), status=status,
        response=get.text("response", nullable=True, empty_ok=True),
        error=get.text("error", nullable=True, empty_ok=True),
        latency_s=get.number("latency_s", low=0.0),
        cost_usd=get.number("cost_usd", low=0.0, nullable=True),
        prompt_tokens=get.count("prompt_tokens"),
        completion_tokens=get.count("completion_tokens"))


class _Fields:
    """Typed reads of one line's fields, refusing with the file, line and field."""

    def __init__(self, file: str, line: int, entry: dict):
        self.file, self.line, self.entry = file, line, entry

    def bad(self, field: str, value, expected: str) -> ImportProblem:
        fix = f"It holds {MEANING[field]} (docs/traffic-log.md)." if field in MEANING \
            else FIELDS_HELP
        return ImportProblem(self.file, f"{_shown(value)} is not {expected}.", fix,
                             line=self.line, field=field)

    def _get(self, field: str, nullable: bool):
        if field not in self.entry:
            if nullable:
                return None
            raise ImportProblem(self.file, "the field is missing.", FIELDS_HELP,
                                line=self.line, field=field)
        value = self.entry[field]
        if value is None and not nullable:
            raise self.bad(field, value, "allowed here: the field needs a value")
        return value

    def text(self, field: str, *, nullable: bool = False, empty_ok: bool = False):
        value = self._get(field, nullable)
        if value is None:
            return None
        if not isinstance(value, str) or (not empty_ok and not value.strip()):
            raise self.bad(field, value, "a non-empty string" if not empty_ok else "a string")
        return value

    def number(self, field: str, *, low: float, high: float = math.inf,
               low_open: bool = False, nullable: bool = False) -> float | None:
        value = self._get(field, nullable)
        if value is None:
            return None
        span = f"in ({low:g}, {high:g}]" if low_open else (
            f">= {low:g}" if high == math.inf else f"in [{low:g}, {high:g}]")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                math.isfinite(value) and (value > low if low_open else value >= low)
                and value <= high):
            raise self.bad(field, value, f"a number {span}")
        return float(value)

    def count(self, field: str) -> int | None:
        value = self._get(field, nullable=True)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.bad(field, value, "a whole number of tokens >= 0 (or null)")
        return value

    def boolean(self, field: str) -> bool:
        value = self._get(field, nullable=False)
        if not isinstance(value, bool):
            raise self.bad(field, value, "true or false")
        return value

    def scores(self, field: str) -> dict[str, float]:
        value = self._get(field, nullable=False)
        if not isinstance(value, dict) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                for v in value.values()):
            raise self.bad(field, value, "an object of {model: number}")
        return {str(k): float(v) for k, v in value.items()}

    def time(self, field: str) -> dt.datetime:
        value = self._get(field, nullable=False)
        try:
            moment = dt.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise self.bad(field, value, "an ISO 8601 time such as "
                           "2026-11-28T02:30:00.123456+00:00") from None
        if moment.tzinfo is not None:  # stored as UTC; a time without offset already is
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
        return moment


def _shown(value) -> str:
    """A value as the message quotes it, with its JSON type."""
    kind = {bool: "true/false", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object", type(None): "null"}.get(type(value), "a value")
    text = json.dumps(value, ensure_ascii=False)
    text = text if len(text) <= 60 else text[:59] + "…"
    return "null" if value is None else f"{text} ({kind})"
