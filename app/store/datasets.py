"""Datasets: finding them (`Dataset`, a frozen value every page, cache and service
accepts) and reading them (the outcome matrix, drill-down details). The one home of the
SQL that looks a dataset up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from app.store.db import Store

# A pairwise dataset's "outcomes" are its battles and its models those that fought. The
# counts come from one pass over the outcomes grouped by (dataset, model): no DISTINCT over
# millions of rows (the sidebar lists the datasets on every page).
_LISTING = """
    SELECT d.dataset_id, d.name, d.kind, d.format, d.source, d.imported_at, d.notes,
           d.content_hash, coalesce(n.queries, 0) AS queries,
           coalesce(nullif(c.models, 0), b.models, 0) AS models,
           coalesce(nullif(c.outcomes, 0), b.battles, 0) AS outcomes
    FROM datasets d LEFT JOIN (
        SELECT dataset_id, count(*) AS queries FROM queries GROUP BY dataset_id
    ) n USING (dataset_id) LEFT JOIN (
        SELECT dataset_id, count(*) AS models, CAST(sum(answered) AS BIGINT) AS outcomes
        FROM (SELECT q.dataset_id, o.model, count(*) AS answered
              FROM outcomes o JOIN queries q USING (query_id) GROUP BY ALL)
        GROUP BY dataset_id
    ) c USING (dataset_id) LEFT JOIN (
        SELECT dataset_id, count(*) AS battles,
               length(list_distinct(list_concat(list(model_a), list(model_b)))) AS models
        FROM preferences GROUP BY dataset_id
    ) b USING (dataset_id)"""


@dataclass(frozen=True)
class Dataset:
    """One dataset as of when it was read: hashable, so caches key on it. Its counts are
    part of the value, so a dataset that grows (a live collection keeps its content hash)
    is a new value and nothing cached about it goes stale."""

    id: int
    name: str
    version: str                   # the content hash: changes when a re-import changes it
    kind: str                      # demo | imported | live
    format: str
    source: str
    imported_at: dt.datetime
    notes: str | None
    queries: int
    models: int
    outcomes: int

    @classmethod
    def from_row(cls, row) -> Dataset:
        notes = row["notes"]
        imported_at = pd.Timestamp(row["imported_at"]).to_pydatetime()
        return cls(int(row["dataset_id"]), str(row["name"]), str(row["content_hash"]),
                   str(row["kind"]), str(row["format"]), str(row["source"]), imported_at,
                   None if notes is None or pd.isna(notes) else str(notes),
                   int(row["queries"]), int(row["models"]), int(row["outcomes"]))


def table(store: Store) -> pd.DataFrame:
    """Every dataset with its counts, demo first, then newest first (for listings)."""
    return store.frame(_LISTING + " ORDER BY d.kind = 'demo' DESC, d.imported_at DESC, d.name")


def all_datasets(store: Store) -> tuple[Dataset, ...]:
    """Every dataset (as `table` orders them); read again only after a write to the store:
    every page run lists them, and the counts are a pass over all outcomes."""
    return store.until_next_write("all_datasets", lambda: tuple(
        Dataset.from_row(row) for _, row in table(store).iterrows()))


def data_stamp(store: Store) -> tuple:
    """What a comparison reads besides its own dataset: every dataset's version and counts
    (a probes log, say) and the trained token policies, so a change anywhere is a new key
    for a cached comparison."""
    policies = store.rows("SELECT (SELECT count(*) FROM token_policies), (SELECT "
                          "max(trained_at) FROM token_policies), (SELECT count(*) FROM "
                          "token_evaluations)")[0]
    return all_datasets(store), tuple(policies)


def by_name(store: Store, name: str) -> Dataset | None:
    found = store.frame(_LISTING + " WHERE d.name = ?", [name])
    return None if found.empty else Dataset.from_row(found.iloc[0])


def id_of(store: Store, name: str) -> int | None:
    found = store.rows("SELECT dataset_id FROM datasets WHERE name = ?", [name])
    return int(found[0][0]) if found else None


def version_of(store: Store, name: str) -> str | None:
    found = store.rows("SELECT content_hash FROM datasets WHERE name = ?", [name])
    return found[0][0] if found else None


def query_ids(store: Store, dataset_id: int) -> list[int]:
    return [int(q) for (q,) in store.rows("SELECT query_id FROM queries WHERE dataset_id = ? "
                                          "ORDER BY query_id", [dataset_id])]


def texts_of(store: Store, query_ids) -> list[str]:
    """The embedding texts of these queries, in their order (a large log's sample), without
    reading every text of the log."""
    ids = [int(q) for q in query_ids]
    found = dict(store.rows("SELECT query_id, embed_text FROM queries WHERE query_id IN "
                            "(SELECT unnest(?))", [ids]))
    return [found[q] for q in ids]


def answers(store: Store, query_id: int) -> list[tuple[str, str, str]]:
    """(model, response, question) of every logged answer to a query, by model name."""
    return store.rows("SELECT o.model, coalesce(o.response, ''), q.text FROM outcomes o "
                      "JOIN queries q USING (query_id) WHERE query_id = ? ORDER BY o.model",
                      [query_id])


def query_texts(store: Store, dataset_id: int) -> list[str]:
    """The text each query is embedded by, in query_id order (the outcome matrix's)."""
    return [q for (q,) in store.rows("SELECT embed_text FROM queries WHERE dataset_id = ? "
                                     "ORDER BY query_id", [dataset_id])]


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
    # whole-array indexing: a log of millions of outcomes never passes through Python
    encoded = pc.dictionary_encode(long.column("model")).combine_chunks()
    names = encoded.dictionary.to_pylist()
    order = np.argsort(names, kind="stable")
    models = [names[i] for i in order]  # sorted by name
    cols = np.argsort(order)[encoded.indices.to_numpy(zero_copy_only=False)] \
        if names else np.zeros(0, dtype=np.int64)
    rows = np.searchsorted(query_ids, long.column("query_id").to_numpy())  # ids ascend
    scores = np.full((len(query_ids), len(models)), np.nan)
    costs = np.full_like(scores, np.nan)
    if len(rows):
        scores[rows, cols] = long.column("score").to_numpy(zero_copy_only=False)
        costs[rows, cols] = long.column("cost_usd").cast("double").fill_null(
            float("nan")).to_numpy(zero_copy_only=False)
    return OutcomeMatrix(query_ids, models, scores, costs,
                         np.array(queries.column("task").to_pylist(), dtype=object),
                         np.array(queries.column("split").to_pylist(), dtype=object))


def responses(store: Store, dataset_id: int, query_ids: np.ndarray, models) -> np.ndarray:
    """(queries x models) each logged answer's text in the outcome matrix's order; None
    where a model gave none."""
    with store.cursor() as cur:
        long = cur.sql("""SELECT o.query_id, o.model, o.response FROM outcomes o
                          JOIN queries q USING (query_id) WHERE q.dataset_id = ?
                          AND o.response IS NOT NULL""",
                       params=[dataset_id]).to_arrow_table()
    row = {int(q): i for i, q in enumerate(query_ids)}
    col = {m: j for j, m in enumerate(models)}
    found = np.full((len(query_ids), len(col)), None, dtype=object)
    for q, m, text in zip(long.column("query_id").to_pylist(), long.column("model").to_pylist(),
                          long.column("response").to_pylist(), strict=True):
        if int(q) in row and m in col:
            found[row[int(q)], col[m]] = text
    return found


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


def score_scale(store: Store, dataset_id: int) -> str | None:
    """The scale a scored dataset's scores came on ("0/1", "0-1", "1-10", ...; stored
    normalised to 0-1), or None (pairwise and collected datasets, older imports)."""
    found = store.rows("SELECT score_scale FROM datasets WHERE dataset_id = ?", [dataset_id])
    return found[0][0] if found else None
