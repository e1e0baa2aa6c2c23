"""The layouts a log can come in, and picking one: the one place a format is decided.

A layout knows which files make a log and how to stage them, inside the import's
transaction, as one row per (query, model) (`stage`) and one per query (`stage_rows`):
- LLMRouter: a folder (or JSON file) of scores, with query and price files beside them;
- a traffic log (`litellm-log`): the JSON lines a router exported to LiteLLM writes
  (traffic.py stages it as calls, not as (query, model) rows);
- a table read by DuckDB's own CSV / Parquet / JSON readers, then recognised from its
  columns as RouterBench (wide, `<model>|total_cost`), wide (a score column per model) or
  long (one row per query and model) — or as the mapping given says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.data.importers import llmrouter, pairwise, routerbench, traffic
from app.data.importers.load import ColumnOf
from app.data.importers.mapping import LongMapping, WideMapping, guess_field, guess_long, guess_wide
from app.data.importers.problems import ImportProblem
from app.data.importers.sources import list_files, stage_files
from app.data.importers.stage import stage_long, stage_wide


@dataclass(frozen=True)
class Staged:
    """What staging found: the format, how to name a field's column, notes for the report."""

    format: str
    column_of: ColumnOf
    notes: list[str] = field(default_factory=list)


class Layout(Protocol):
    files: list[Path]        # every file the log is made of (hashed to spot a re-import)

    def stage(self, cur, label: str) -> Staged:
        """Build the stage tables in the import's transaction."""


@dataclass
class LLMRouterLayout:
    found: llmrouter.LLMRouterFiles

    @property
    def files(self) -> list[Path]:
        return self.found.all()

    def stage(self, cur, label: str) -> Staged:
        notes = llmrouter.stage(cur, self.found)
        return Staged("llmrouter", _llmrouter_columns, notes)


@dataclass
class TrafficLayout:
    files: list[Path]

    def stage(self, cur, label: str) -> Staged:
        notes = traffic.stage(cur, self.files[0])  # refuses a bad line by line and field
        return Staged(traffic.FORMAT, lambda field, model: field, notes)


@dataclass
class TableLayout:
    files: list[Path]
    fmt: str                 # auto | routerbench | long | wide
    mapping: LongMapping | WideMapping | None

    def stage(self, cur, label: str) -> Staged:
        columns = stage_files(cur, self.files)
        fmt, column_of = _stage_table(cur, self.fmt, columns, self.mapping, label)
        return Staged(fmt, column_of)


def pick_layout(path: Path, fmt: str, mapping: LongMapping | WideMapping | None,
                queries: Path | None = None, prices: Path | None = None) -> Layout:
    """The layout of the log at `path`: as `fmt` says, or detected (`auto`)."""
    if fmt == "llmrouter" and path.exists() and not llmrouter.looks_like(path):
        raise ImportProblem(str(path), "is not LLMRouter data: expected a folder with "
                            "dcrouter_preprocessed/*.json or a JSON array of {question, scores}.",
                            "Use --format auto to detect the layout.")
    if fmt == traffic.FORMAT or (fmt == "auto" and traffic.looks_like(path)):
        if path.is_dir():
            raise ImportProblem(str(path), "is a folder; a traffic log is one file.",
                                "Point at the gateway's traffic.jsonl.")
        return TrafficLayout(list_files(path))
    if fmt == "llmrouter" or (fmt == "auto" and llmrouter.looks_like(path)):
        found = llmrouter.find_files(path, queries, prices)
        list_files(found.scores[0])  # size and emptiness checks
        return LLMRouterLayout(found)
    return TableLayout(list_files(path), fmt, mapping)


def _stage_table(cur, fmt: str, columns: list[str], mapping, label: str
                 ) -> tuple[str, ColumnOf]:
    """Pick the table layout (given or detected) from the staged columns, build `stage`;
    return (format, column namer)."""
    if fmt == "pairwise" or (fmt == "auto" and mapping is None and pairwise.matches(columns)):
        return "pairwise", pairwise.stage(cur, columns, label).column_of
    if fmt == "routerbench" or (fmt == "auto" and mapping is None
                                and routerbench.matches(columns)):
        if not routerbench.matches(columns):
            raise ImportProblem(label, "does not look like a RouterBench log: it needs the "
                                "columns sample_id, prompt, eval_name and <model>|total_cost.",
                                "Use --format long or --format wide with column flags, or "
                                "--format auto.")
        return "routerbench", _wide_columns(routerbench.stage(cur, columns, label))
    if isinstance(mapping, WideMapping) or (fmt == "wide" and mapping is None):
        mapping = mapping or guess_wide(columns, numeric_columns(cur, columns))
        if mapping is None:
            raise _no_layout(label, columns, "wide")
        stage_wide(cur, mapping, columns, label)
        return "wide", _wide_columns(mapping)
    # A model column means one row per (query, model); otherwise try per-model columns.
    if mapping is None and fmt == "auto" and guess_field(columns, "model") is None:
        wide = guess_wide(columns, numeric_columns(cur, columns))
        if wide is not None:
            stage_wide(cur, wide, columns, label)
            return "wide", _wide_columns(wide)
    mapping = mapping or guess_long(columns)
    if mapping is None:
        raise _no_layout(label, columns, "long" if fmt == "auto" else fmt)
    stage_long(cur, mapping, columns, label)
    return "long", lambda field, model: getattr(mapping, field, None)


def _wide_columns(mapping: WideMapping):
    patterns = {"score": mapping.score_pattern, "cost": mapping.cost_pattern,
                "latency": mapping.latency_pattern}

    def column_of(field: str, model: str) -> str | None:
        if field in patterns:
            return mapping.column(patterns[field], model)
        return getattr(mapping, field, None) if field != "model" else None
    return column_of


def _llmrouter_columns(field: str, model: str) -> str | None:
    return {"score": f"scores.{model}", "text": "question"}.get(field)


def numeric_columns(cur, columns: list[str]) -> list[str]:
    """Columns whose non-empty values all parse as numbers (files are read as text)."""
    numeric = []
    for column in columns:
        ok = cur.execute(f"""SELECT count(*) > 0 AND count(*) = count(TRY_CAST(v AS DOUBLE))
            FROM (SELECT nullif(trim(CAST("{column.replace('"', '""')}" AS VARCHAR)), '') AS v
                  FROM raw LIMIT 1000) WHERE v IS NOT NULL""").fetchall()[0][0]
        if ok:
            numeric.append(column)
    return numeric


def _no_layout(label: str, columns: list[str], fmt: str) -> ImportProblem:
    shown = ", ".join(columns[:25]) + (" ..." if len(columns) > 25 else "")
    fields = ("text", "model", "score") if fmt != "wide" else ("text",)
    missing = [f for f in fields if guess_field(columns, f) is None]
    what = (f"no column for the {' / '.join(missing)} was recognised" if missing
            else "no per-model score columns were recognised")
    return ImportProblem(label, f"could not be read as a {fmt} log: {what} (columns: {shown}).",
                         "Name the columns with --text-col, --model-col and --score-col "
                         "(long) or --text-col and --models (wide), or use the mapping form.")
