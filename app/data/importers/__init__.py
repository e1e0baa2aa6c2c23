"""Import query logs (RouterBench, LLMRouter, generic long / wide) into the store.

`import_path` picks the log's layout (layouts.py), then runs one transaction: the layout
stages the files with DuckDB's readers as one row per (query, model), load.py validates
and writes; any problem leaves the database exactly as it was.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.data.importers.layouts import numeric_columns, pick_layout
from app.data.importers.load import delete_dataset, validate, write_dataset
from app.data.importers.mapping import LongMapping, WideMapping
from app.data.importers.problems import ImportProblem, ImportReport
from app.data.importers.sources import content_hash, list_files, stage_files
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
    layout = pick_layout(path, fmt, mapping, queries, prices)
    files = layout.files
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
        staged = layout.stage(cur, label)
        report.format = staged.format
        report.notes = validate(cur, staged.column_of, label) + staged.notes
        report.queries, report.models, report.outcomes = write_dataset(
            cur, name=name, kind=kind, fmt=staged.format, source=source or str(path),
            content_hash=digest, notes=report.notes)

    store.write(work)
    return report


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
        numeric = numeric_columns(cur, columns)
        cur.execute("DROP TABLE IF EXISTS raw")
        return columns, numeric
    with store.cursor() as cur:
        return look(cur)
