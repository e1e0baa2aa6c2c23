"""A dataset's outcomes as dense arrays (queries x models), for the map and evaluation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.store.db import Store


@dataclass(frozen=True)
class OutcomeMatrix:
    query_ids: np.ndarray      # (n,) in query_id order
    models: list[str]          # (m,) sorted by name
    scores: np.ndarray         # (n, m); NaN where a model has no outcome for a query
    costs: np.ndarray          # (n, m) USD; NaN where unknown
    tasks: np.ndarray          # (n,) task names (None when absent)
    splits: np.ndarray         # (n,)

    def row_of(self) -> dict[int, int]:
        return {int(q): i for i, q in enumerate(self.query_ids)}


def outcome_matrix(store: Store, dataset_id: int) -> OutcomeMatrix:
    """Pivot a dataset's outcomes into (queries x models) score and cost arrays."""
    with store.cursor() as cur:
        queries = cur.sql("SELECT query_id, task, split FROM queries WHERE dataset_id = ? "
                              "ORDER BY query_id", params=[dataset_id]).to_arrow_table()
        long = cur.sql("""SELECT o.query_id, o.model, o.score, o.cost_usd
                              FROM outcomes o JOIN queries q USING (query_id)
                              WHERE q.dataset_id = ?""", params=[dataset_id]).to_arrow_table()
    query_ids = queries.column("query_id").to_numpy()
    models = sorted(set(long.column("model").to_pylist()))
    row = {int(q): i for i, q in enumerate(query_ids)}
    col = {m: j for j, m in enumerate(models)}
    scores = np.full((len(query_ids), len(models)), np.nan)
    costs = np.full_like(scores, np.nan)
    rows = np.array([row[int(q)] for q in long.column("query_id").to_pylist()], dtype=np.int64)
    cols = np.array([col[m] for m in long.column("model").to_pylist()], dtype=np.int64)
    if len(rows):
        scores[rows, cols] = long.column("score").to_numpy(zero_copy_only=False)
        costs[rows, cols] = np.array(long.column("cost_usd").to_pylist(), dtype=float)
    return OutcomeMatrix(query_ids, models, scores, costs,
                         np.array(queries.column("task").to_pylist(), dtype=object),
                         np.array(queries.column("split").to_pylist(), dtype=object))


def query_details(store: Store, query_ids: list[int], limit: int = 500) -> pd.DataFrame:
    """Every model's score, cost and response for the given queries (for drill-down)."""
    if not query_ids:
        return pd.DataFrame()
    return store.frame("""
        SELECT q.query_id, q.source_id, q.task, q.embed_text AS question, o.model, o.score,
               o.cost_usd, o.latency_ms, o.response
        FROM queries q JOIN outcomes o USING (query_id)
        WHERE q.query_id IN (SELECT unnest(?::BIGINT[]))
        ORDER BY q.query_id, o.model LIMIT ?""", [list(map(int, query_ids)), limit * 20])
