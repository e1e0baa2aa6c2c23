"""Import query logs (RouterBench, LLMRouter, generic long / wide) into the store.

Every import runs in one transaction: it stages the files with DuckDB's readers, reshapes
them to one row per (query, model), validates, and writes; any problem leaves the
database exactly as it was.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.data.importers import llmrouter, routerbench
from app.data.importers.load import delete_dataset, validate, write_dataset
from app.data.importers.mapping import LongMapping, WideMapping, guess_field, guess_long, guess_wide
from app.data.importers.problems import ImportProblem, ImportReport
from app.data.importers.sources import content_hash, list_files, stage_files
from app.data.importers.stage import stage_long, stage_wide
from app.store.datasets import version_of
from app.store.db import Store

__all__ = ["FORMATS", "ImportProblem", "ImportReport", "LongMapping", "WideMapping",
           "import_path", "remove_dataset", "default_name", "peek_columns"]

FORMATS = ("auto", "routerbench", "llmrouter", "long", "wide")
KINDS = ("demo", "imported", "live")


def import_path(store: Store, path: str | Path, *, fmt: str = "auto", name: str | None = None,
                mapping: LongMapping | WideMapping | None = None, kind: str = "imported",
                replace: bool = False, queries: Path | None = None, prices: Path | None = None,
                source: str | None = None) -> ImportReport:
    """Import the log at `path` as dataset `name`; raise ImportProblem on bad input."""
    path = Path(path)
    if fmt not in FORMATS:
        raise ImportProblem(str(path), f"'{fmt}' is not a known format.",
                            f"Use one of: {', '.join(FORMATS)}.")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    is_llmrouter = fmt == "llmrouter" or (fmt == "auto" and llmrouter.looks_like(path))
    if fmt == "llmrouter" and path.exists() and not llmrouter.looks_like(path):
        raise ImportProblem(str(path), "is not LLMRouter data: expected a folder with "
                            "dcrouter_preprocessed/*.json or a JSON array of {question, scores}.",
                            "Use --format auto to detect the layout.")
    if is_llmrouter:
        found = llmrouter.find_files(path, queries, prices)
        files = found.all()
        list_files(found.scores[0])  # size and emptiness checks
    else:
        files = list_files(path)
    name = check_name(name or default_name(path))
    options = json.dumps(mapping.as_dict() if mapping else None, sort_keys=True)
    digest = content_hash(files, fmt, options)
    report = ImportReport(dataset=name, format=fmt, files=[p.name for p in files])
    existing = version_of(store, name)
    if existing == digest:
        report.unchanged = True
        return report
    if existing is not None and not replace:
        raise ImportProblem(str(path), f"a dataset named '{name}' already exists with other "
                            "content.", "Choose another name (--name), or replace it "
                            "(--replace).")
    label = ", ".join(p.name for p in files)

    def work(cur):
        report.replaced = delete_dataset(cur, name)
        if is_llmrouter:
            notes = llmrouter.stage(cur, found)
            report.format, column_of = "llmrouter", _llmrouter_columns
        else:
            columns = stage_files(cur, files)
            report.format, column_of = _stage_log(cur, fmt, columns, mapping, label)
            notes = []
        notes = validate(cur, column_of, label) + notes
        report.notes = notes
        write_dataset(cur, name=name, kind=kind, fmt=report.format, source=source or str(path),
                      content_hash=digest, notes=notes, report=report)

    store.write(work)
    return report


def _stage_log(cur, fmt: str, columns: list[str], mapping, label: str):
    """Pick the layout (given or detected), build `stage`; return (format, column namer)."""
    if fmt == "routerbench" or (fmt == "auto" and mapping is None
                                and routerbench.matches(columns)):
        if not routerbench.matches(columns):
            raise ImportProblem(label, "does not look like a RouterBench log: it needs the "
                                "columns sample_id, prompt, eval_name and <model>|total_cost.",
                                "Use --format long or --format wide with column flags, or "
                                "--format auto.")
        return "routerbench", _wide_columns(routerbench.stage(cur, columns, label))
    if isinstance(mapping, WideMapping) or (fmt == "wide" and mapping is None):
        mapping = mapping or guess_wide(columns, _numeric_columns(cur, columns))
        if mapping is None:
            raise _no_layout(label, columns, "wide")
        stage_wide(cur, mapping, columns, label)
        return "wide", _wide_columns(mapping)
    # A model column means one row per (query, model); otherwise try per-model columns.
    if mapping is None and fmt == "auto" and guess_field(columns, "model") is None:
        wide = guess_wide(columns, _numeric_columns(cur, columns))
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


def _numeric_columns(cur, columns: list[str]) -> list[str]:
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


def default_name(path: Path) -> str:
    """A dataset name from a path: the file stem, or the folder name."""
    return (path.name if path.is_dir() else path.stem) or "dataset"


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 120 or re.search(r"[\x00-\x1f]", name):
        raise ImportProblem(name[:40] or "(empty)", "is not a usable dataset name.",
                            "Use 1-120 printable characters.")
    return name


def remove_dataset(store: Store, name: str) -> bool:
    """Delete a dataset and its queries and outcomes; True when it existed."""
    return store.write(lambda cur: delete_dataset(cur, name))


def peek_columns(store: Store, path: Path) -> tuple[list[str], list[str]]:
    """The columns of a file and which look numeric, for the mapping form (nothing written)."""
    files = list_files(path)

    def look(cur):
        columns = stage_files(cur, files, table="raw")
        numeric = _numeric_columns(cur, columns)
        cur.execute("DROP TABLE IF EXISTS raw")
        return columns, numeric
    with store.cursor() as cur:
        return look(cur)
