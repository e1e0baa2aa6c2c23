"""Import query logs (RouterBench, LLMRouter, generic long / wide, pairwise, traffic) into
the store.

`import_path` picks the log's layout (layouts.py), then runs one transaction: the layout
stages the files with DuckDB's readers as one row per (query, model), load.py validates
and writes; any problem leaves the database exactly as it was.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.data.importers import pairwise, traffic
from app.data.importers.layouts import numeric_columns, pick_layout
from app.data.importers.load import delete_dataset, validate, write_dataset
from app.data.importers.mapping import LongMapping, WideMapping
from app.data.importers.pricing import Price, estimate_costs
from app.data.importers.problems import ImportProblem, ImportReport
from app.data.importers.scales import AUTO, parse_scale, settle_scale
from app.data.importers.sources import content_hash, list_files, stage_files
from app.store import summary
from app.store.datasets import version_of
from app.store.db import Store

__all__ = ["FORMATS", "ImportProblem", "ImportReport", "LongMapping", "WideMapping",
           "import_path", "remove_dataset", "default_name", "peek_columns"]

FORMATS = ("auto", "routerbench", "llmrouter", "long", "wide", "pairwise", traffic.FORMAT)
KINDS = ("demo", "imported", "live")


def import_path(store: Store, path: str | Path, *, fmt: str = "auto", name: str | None = None,
                mapping: LongMapping | WideMapping | None = None, kind: str = "imported",
                replace: bool = False, queries: Path | None = None, prices: Path | None = None,
                source: str | None = None, score_scale: str = AUTO,
                given_prices: dict[str, Price] | None = None) -> ImportReport:
    """Import the log at `path` as dataset `name`; raise ImportProblem on bad input.

    `score_scale` is "auto" (detect 0/1, 0-1 or a graded scale such as 1-10) or a declared
    scale ("0/1", "0-1", "1-10", "LOW-HIGH"); scores are stored normalised to [0, 1] with
    the originals kept. A pairwise log (fmt "pairwise", or detected from its model_a /
    model_b / winner columns) is stored as battles in `preferences` instead of outcomes. A
    traffic log (fmt "litellm-log", or detected from its schema field) becomes one query per
    successful call with the chosen model's outcome, score unknown (traffic.py).
    Outcomes without a cost get an estimated one where a price is known (pricing.py);
    `given_prices` (per model) come first."""
    path = Path(path)
    if fmt not in FORMATS:
        raise ImportProblem(str(path), f"'{fmt}' is not a known format.",
                            f"Use one of: {', '.join(FORMATS)}.")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    layout = pick_layout(path, fmt, mapping, queries, prices)
    files = layout.files
    name = check_name(name or default_name(path))
    declared = parse_scale(score_scale)
    options = json.dumps(mapping.as_dict() if mapping else None, sort_keys=True)
    # A declared scale changes what is stored; "auto" leaves earlier fingerprints as they were.
    scale_option = (f"score_scale:{declared.label}",) if declared else ()
    price_option = (json.dumps({m: [p.per_million_in, p.per_million_out] for m, p in
                                sorted(given_prices.items())}),) if given_prices else ()
    digest = content_hash(files, fmt, options, *scale_option, *price_option)
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
        if staged.format == "pairwise":
            if declared is not None:
                raise ImportProblem(label, "is a pairwise log: it has verdicts, not scores, "
                                    "so a score scale does not apply.",
                                    "Leave the score scale on auto.")
            report.notes = pairwise.notes(cur)
            report.queries, report.models, report.battles = pairwise.write(
                cur, name=name, kind=kind, source=source or str(path), content_hash=digest,
                notes=report.notes)
            return
        if staged.format == traffic.FORMAT:
            if declared is not None:
                raise ImportProblem(label, "is a traffic log: its answers have no scores "
                                    "yet, so a score scale does not apply.",
                                    "Leave the score scale on auto; label the answers on "
                                    "the Label page.")
            report.notes = list(staged.notes)
            written = traffic.write(cur, name=name, kind=kind, source=source or str(path),
                                    content_hash=digest, notes=report.notes)
        else:
            report.notes = validate(cur, staged.column_of, label) + staged.notes
            scale, scale_notes = settle_scale(cur, declared, staged.column_of)
            report.notes += scale_notes
            written = write_dataset(
                cur, name=name, kind=kind, fmt=staged.format, source=source or str(path),
                content_hash=digest, notes=report.notes, scale=scale)
        report.queries, report.models, report.outcomes = written
        dataset_id = cur.execute("SELECT dataset_id FROM datasets WHERE name = ?",
                                 [name]).fetchall()[0][0]
        priced = estimate_costs(cur, dataset_id, given_prices)
        if priced:
            report.notes += priced
            cur.execute("UPDATE datasets SET notes = ? WHERE dataset_id = ?",
                        ["\n".join(report.notes), dataset_id])
        summary.refresh(cur, dataset_id)  # the Data page reads these, not the whole log

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
