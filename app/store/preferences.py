"""Reading a pairwise dataset's battles (the `preferences` table): as arrays for routers,
as per-model and per-pair summaries for the Data page, and as per-query win rates and
battle lists for the Map."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.store.datasets import OutcomeMatrix
from app.store.db import Store


@dataclass(frozen=True, eq=False)
class BattleLog:
    """A dataset's queries (query_id order) and its battles, as arrays."""

    query_ids: np.ndarray          # (n,)
    texts: tuple[str, ...]         # (n,) the text each query is embedded by
    tasks: np.ndarray              # (n,) object
    splits: np.ndarray             # (n,) object
    query: np.ndarray              # (k,) row of each battle's query
    model_a: np.ndarray            # (k,) object
    model_b: np.ndarray
    outcome: np.ndarray            # (k,) from model_a's side: 1, 0.5, 0
    weight: np.ndarray


def battle_log(store: Store, dataset_id: int) -> BattleLog:
    """Every query and battle of a pairwise dataset."""
    queries = store.rows("SELECT query_id, embed_text, task, split FROM queries "
                         "WHERE dataset_id = ? ORDER BY query_id", [dataset_id])
    battles = store.rows("SELECT query_id, model_a, model_b, outcome, weight FROM preferences "
                         "WHERE dataset_id = ? ORDER BY battle_id", [dataset_id])
    ids = np.array([q[0] for q in queries], dtype=np.int64)
    row_of = {int(q): i for i, q in enumerate(ids)}
    return BattleLog(
        ids, tuple(q[1] for q in queries), np.array([q[2] for q in queries], dtype=object),
        np.array([q[3] for q in queries], dtype=object),
        np.array([row_of[int(b[0])] for b in battles], dtype=np.int64),
        np.array([b[1] for b in battles], dtype=object),
        np.array([b[2] for b in battles], dtype=object),
        np.array([b[3] for b in battles], dtype=float),
        np.array([b[4] for b in battles], dtype=float))


def battle_count(store: Store, dataset_id: int) -> int:
    return int(store.rows("SELECT count(*) FROM preferences WHERE dataset_id = ?",
                          [dataset_id])[0][0])


def model_records(store: Store, dataset_id: int,
                  query_ids: list[int] | None = None) -> pd.DataFrame:
    """One row per model: battles, wins, ties, losses, and its win rate (ties count half,
    strong verdicts by their weight); over the battles on `query_ids` only, when given (a
    selection on the Map)."""
    chosen = "" if query_ids is None else "AND query_id IN (SELECT unnest($queries::BIGINT[]))"
    params = {"dataset": dataset_id} | (
        {} if query_ids is None else {"queries": [int(q) for q in query_ids]})
    return store.frame(f"""
        WITH sides AS (
            SELECT model_a AS model, outcome AS result, weight, both_bad FROM preferences
            WHERE dataset_id = $dataset {chosen}
            UNION ALL
            SELECT model_b, 1 - outcome, weight, both_bad FROM preferences
            WHERE dataset_id = $dataset {chosen})
        SELECT model, count(*) AS battles,
               count(*) FILTER (WHERE result = 1) AS wins,
               count(*) FILTER (WHERE result = 0.5) AS ties,
               count(*) FILTER (WHERE result = 0) AS losses,
               sum(weight * result) / sum(weight) AS win_rate
        FROM sides GROUP BY model ORDER BY win_rate DESC, model""", params)


def query_battles(store: Store, query_ids: list[int], limit: int = 500) -> pd.DataFrame:
    """The battles on the given queries, for the Map's drill-down: the question, the two
    models, who won ("(tie)", bracketed apart from any model's name, or "(tie, both bad)")
    and the verdict as the log gave it. A battle log keeps no answers, so there are none to show."""
    if not query_ids:
        return pd.DataFrame()
    return store.frame("""
        SELECT q.query_id, q.task, q.embed_text AS question, p.model_a, p.model_b,
               CASE WHEN p.outcome = 1 THEN p.model_a WHEN p.outcome = 0 THEN p.model_b
                    WHEN p.both_bad THEN '(tie, both bad)' ELSE '(tie)' END AS winner,
               p.verdict
        FROM preferences p JOIN queries q USING (query_id)
        WHERE q.query_id IN (SELECT unnest(?::BIGINT[]))
        ORDER BY q.query_id, p.battle_id LIMIT ?""", [[int(q) for q in query_ids], limit])


def pair_records(store: Store, dataset_id: int) -> pd.DataFrame:
    """One row per pair of models (in name order): battles, and the shares of the first's
    wins, ties (of which both bad) and the second's wins."""
    return store.frame("""
        WITH ordered AS (
            SELECT least(model_a, model_b) AS first, greatest(model_a, model_b) AS second,
                   CASE WHEN model_a <= model_b THEN outcome ELSE 1 - outcome END AS result,
                   both_bad
            FROM preferences WHERE dataset_id = $dataset)
        SELECT first, second, count(*) AS battles,
               avg(CASE WHEN result = 1 THEN 1.0 ELSE 0.0 END) AS first_wins,
               avg(CASE WHEN result = 0.5 THEN 1.0 ELSE 0.0 END) AS ties,
               avg(CASE WHEN both_bad THEN 1.0 ELSE 0.0 END) AS both_bad,
               avg(CASE WHEN result = 0 THEN 1.0 ELSE 0.0 END) AS second_wins
        FROM ordered GROUP BY first, second ORDER BY battles DESC, first, second""",
        {"dataset": dataset_id})


def win_rate_matrix(store: Store, dataset_id: int) -> OutcomeMatrix:
    """A pairwise dataset as an outcome matrix (for the Map's win regions): each model's
    win rate in the battles on each query, ties half and strong verdicts by their weight
    (as model_records counts them); NaN where a model fought no battle on that query. A
    battle log has no costs: every cost is NaN."""
    queries = store.rows("SELECT query_id, task, split FROM queries WHERE dataset_id = ? "
                         "ORDER BY query_id", [dataset_id])
    rates = store.frame("""
        WITH sides AS (
            SELECT query_id, model_a AS model, outcome AS result, weight FROM preferences
            WHERE dataset_id = $dataset
            UNION ALL
            SELECT query_id, model_b, 1 - outcome, weight FROM preferences
            WHERE dataset_id = $dataset)
        SELECT query_id, model, sum(weight * result) / sum(weight) AS rate
        FROM sides GROUP BY query_id, model""", {"dataset": dataset_id})
    query_ids = np.array([q[0] for q in queries], dtype=np.int64)
    # one row per query (query_id order), one column per model (pivot sorts them by name)
    table = rates.pivot(index="query_id", columns="model", values="rate").reindex(query_ids)
    scores = table.to_numpy(dtype=float)
    return OutcomeMatrix(query_ids, [str(m) for m in table.columns], scores,
                         np.full_like(scores, np.nan),
                         np.array([q[1] for q in queries], dtype=object),
                         np.array([q[2] for q in queries], dtype=object))
