"""Traffic logs (format `litellm-log`): the calls a router exported into the LiteLLM proxy
routed, written by its hook as `routelab-traffic/1` lines, imported as a dataset.

Each successful call becomes a query (its source id the call's id) with one outcome: the
chosen model's answer with its real cost and latency and no score, which is unknown until
someone labels it. A call whose request had no user text (the gateway logs an empty prompt)
has nothing to embed or judge, so it is not a query; the notes count it. Every call, failed
ones too, keeps its routing record in `routed_calls` (router, propensity, scores, time,
fallback, error): off-policy estimates and the Savings view read it. A repeated id is
imported once, from its first line.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow as pa

from app.data.importers.problems import ImportProblem
from app.data.importers.traffic_lines import SCHEMA_FAMILY, Call, read_calls

FORMAT = "litellm-log"
_SUFFIXES = (".jsonl", ".ndjson", ".json")
_HEAD_LIMIT = 1 << 24  # a first line longer than this (16 MB) is not sniffed

_COLUMNS = pa.schema([
    ("line", pa.int64()), ("call_id", pa.string()), ("started_at", pa.timestamp("us")),
    ("router", pa.string()), ("virtual_model", pa.string()), ("prompt", pa.string()),
    ("model", pa.string()), ("propensity", pa.float64()), ("scores", pa.string()),
    ("fallback", pa.bool_()), ("status", pa.string()), ("response", pa.string()),
    ("error", pa.string()), ("latency_ms", pa.float64()), ("cost_usd", pa.float64()),
    ("tokens_in", pa.int64()), ("tokens_out", pa.int64())])


def looks_like(path: Path) -> bool:
    """A JSON-lines file whose first line says it is a routelab traffic log."""
    if not path.is_file() or path.suffix.lower() not in _SUFFIXES:
        return False
    with path.open("rb") as handle:
        for raw in iter(lambda: handle.readline(_HEAD_LIMIT), b""):
            if raw.strip():
                try:
                    first = json.loads(raw)
                except ValueError:
                    return False
                return isinstance(first, dict) and str(first.get("schema", "")).startswith(
                    SCHEMA_FAMILY)
    return False


def stage(cur, path: Path) -> list[str]:
    """Read and check every line (ImportProblem at the first bad one), keep each id's first
    line, and stage the calls as temp table `traffic_stage`; return notes for the report."""
    calls, repeats = [], 0
    seen: set[str] = set()
    for call in read_calls(path):
        if call.id in seen:
            repeats += 1
            continue
        seen.add(call.id)
        calls.append(call)
    if not any(c.status == "success" and c.prompt.strip() for c in calls):
        raise ImportProblem(path.name, f"has no successful call with a prompt among its "
                            f"{len(calls):,} calls, so there is no answer to import.",
                            "Check the gateway's model keys and its log for errors.")
    cur.register("traffic_arrow", _as_table(calls))
    cur.execute("CREATE OR REPLACE TEMP TABLE traffic_stage AS SELECT * FROM traffic_arrow")
    cur.unregister("traffic_arrow")
    return _notes(calls, repeats)


def write(cur, *, name: str, kind: str, source: str, content_hash: str,
          notes: list[str]) -> tuple[int, int, int]:
    """Insert the dataset, a query and an outcome (score NULL) per successful call, and the
    routing record of every call; return (queries, models, outcomes)."""
    dataset_id = cur.execute(
        "INSERT INTO datasets (name, kind, format, source, content_hash, notes) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING dataset_id",
        [name, kind, FORMAT, source, content_hash, "\n".join(notes) or None]).fetchall()[0][0]
    cur.execute("""
        CREATE OR REPLACE TEMP TABLE traffic_queries AS
        SELECT nextval('query_ids') AS query_id, * FROM (
            SELECT * FROM traffic_stage WHERE status = 'success' AND trim(prompt) <> ''
            ORDER BY line)""")
    cur.execute("""
        INSERT INTO queries (query_id, dataset_id, source_id, text, embed_text)
        SELECT query_id, ?, call_id, prompt, prompt FROM traffic_queries""", [dataset_id])
    cur.execute("""
        INSERT INTO outcomes (query_id, model, score, score_original, cost_usd,
                              cost_estimated, latency_ms, tokens_in, tokens_out, response)
        SELECT query_id, model, NULL, NULL, cost_usd, false, latency_ms, tokens_in,
               tokens_out, response FROM traffic_queries""")
    cur.execute("""
        INSERT INTO routed_calls (dataset_id, call_id, line, query_id, started_at, router,
                                  virtual_model, model, propensity, scores, fallback,
                                  status, error)
        SELECT ?, s.call_id, s.line, q.query_id, s.started_at, s.router, s.virtual_model,
               s.model, s.propensity, s.scores, s.fallback, s.status, s.error
        FROM traffic_stage s LEFT JOIN traffic_queries q USING (call_id)""", [dataset_id])
    cur.execute("INSERT INTO models (model) SELECT DISTINCT model FROM traffic_queries "
                "ON CONFLICT DO NOTHING")
    queries, models = cur.execute("SELECT count(*), count(DISTINCT model) "
                                  "FROM traffic_queries").fetchall()[0]
    for table in ("traffic_queries", "traffic_stage"):
        cur.execute(f"DROP TABLE IF EXISTS {table}")
    return int(queries), int(models), int(queries)  # one outcome per query


def _as_table(calls: list[Call]) -> pa.Table:
    return pa.table({
        "line": [c.line for c in calls], "call_id": [c.id for c in calls],
        "started_at": [c.started_at for c in calls], "router": [c.router for c in calls],
        "virtual_model": [c.virtual_model for c in calls],
        "prompt": [c.prompt for c in calls], "model": [c.model for c in calls],
        "propensity": [c.propensity for c in calls],
        "scores": [json.dumps(c.scores, sort_keys=True) for c in calls],
        "fallback": [c.fallback for c in calls], "status": [c.status for c in calls],
        "response": [c.response for c in calls], "error": [c.error for c in calls],
        "latency_ms": [c.latency_s * 1000.0 for c in calls],
        "cost_usd": [c.cost_usd for c in calls],
        "tokens_in": [c.prompt_tokens for c in calls],
        "tokens_out": [c.completion_tokens for c in calls]}, schema=_COLUMNS)


def _notes(calls: list[Call], repeats: int) -> list[str]:
    """What the report says: failures, repeats, fallbacks, and that scores are unknown."""
    notes = []
    failed = [c for c in calls if c.status == "failure"]
    if failed:
        common = Counter((c.error or "no error text").splitlines()[0][:80]
                         for c in failed).most_common(1)[0]
        notes.append(f"{len(failed):,} of {len(calls):,} calls failed: they are not outcomes "
                     f"(no answer to score); their errors are kept with the routing record "
                     f"(most common: '{common[0]}', {common[1]:,}).")
    if repeats:
        notes.append(f"Skipped {repeats:,} line(s) repeating an earlier line's id: each "
                     "call is imported once, from its first line.")
    blank = sum(c.status == "success" and not c.prompt.strip() for c in calls)
    if blank:
        notes.append(f"{blank:,} successful calls had no user text (an empty prompt): "
                     "nothing to embed or judge, so they are not queries; their routing "
                     "records are kept.")
    fallbacks = sum(c.fallback for c in calls)
    if fallbacks:
        notes.append(f"{fallbacks:,} calls went to the default model because the routing "
                     "hook failed; off-policy estimates leave them out (no router chose).")
    notes.append("Scores are unknown until labelled: judge the answers on the Label page.")
    return notes
