"""Ingest speed: routelab's DuckDB importer vs pandas.read_csv + row-wise inserts.

Builds a RouterBench-shaped CSV of >= 400,000 outcome rows by repeating the shared subset
with new sample ids, imports it into a fresh database, and times a plain baseline on a
slice of the same file (row-wise inserts are too slow to run on all of it).
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

from bench.report import OUT, SHARED, Figure

TARGET_OUTCOMES = 400_000
BASELINE_ROWS = 1_000  # wide rows (x 11 models) for the row-wise baseline


def build_file(target: int = TARGET_OUTCOMES) -> tuple[Path, int]:
    """Repeat the RouterBench subset with fresh ids until it holds `target` outcomes."""
    csv.field_size_limit(1 << 30)
    source = sorted((SHARED / "routerbench_subset").glob("*.csv"))
    if not source:
        sys.exit(f"bench/ingest.py needs the RouterBench subset at {SHARED}")
    rows, header = [], None
    for path in source:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            rows.extend(reader)
    models = [c for c in header if f"{c}|total_cost" in header]
    copies = -(-target // (len(rows) * len(models)))
    out = OUT / f"routerbench_x{copies}.csv"
    if not out.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        id_at = header.index("sample_id")
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for k in range(copies):
                for row in rows:
                    writer.writerow(row[:id_at] + [f"{row[id_at]}#{k}"] + row[id_at + 1:])
    return out, copies * len(rows) * len(models)


def time_routelab(path: Path) -> tuple[float, int]:
    from app.data.importers import import_path
    from app.store.db import open_store

    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "bench.duckdb")
        started = time.perf_counter()
        report = import_path(store, path, fmt="routerbench")
        elapsed = time.perf_counter() - started
        store.close()
    return elapsed, report.outcomes


def time_baseline(path: Path, n_rows: int = BASELINE_ROWS) -> tuple[float, int]:
    """The obvious approach: pandas reads the CSV, Python inserts each outcome row."""
    import duckdb
    import pandas as pd

    started = time.perf_counter()
    frame = pd.read_csv(path, nrows=n_rows)
    models = [c for c in frame.columns if f"{c}|total_cost" in frame.columns]
    con = duckdb.connect()
    con.execute("CREATE TABLE outcomes (sample_id VARCHAR, prompt VARCHAR, model VARCHAR, "
                "score DOUBLE, cost DOUBLE, response VARCHAR)")
    inserted = 0
    for _, row in frame.iterrows():
        for model in models:
            if pd.notna(row[model]):
                con.execute("INSERT INTO outcomes VALUES (?, ?, ?, ?, ?, ?)",
                            [row["sample_id"], row["prompt"], model, row[model],
                             row[f"{model}|total_cost"], row.get(f"{model}|model_response")])
                inserted += 1
    return time.perf_counter() - started, inserted


def run() -> list[Figure]:
    path, _ = build_file()
    seconds, outcomes = time_routelab(path)
    base_seconds, base_rows = time_baseline(path)
    print(f"routelab: {outcomes:,} outcomes in {seconds:.2f} s; baseline: {base_rows:,} rows "
          f"in {base_seconds:.2f} s")
    return [
        Figure("outcome rows imported per second", outcomes / seconds, "rows/s",
               base_rows / base_seconds, "pandas.read_csv + row-wise INSERT",
               target="—"),
        Figure(f"time to import {outcomes:,} outcome rows", seconds, "s", target="< 10 s",
               higher_is_better=False),
    ]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
