"""Per-dataset summaries for the Data page and the CLI, computed in SQL.

Oracle (RouterBench's definition): per query, the cheapest model among those with the
highest score; when no model scores above 0 the oracle abstains at cost 0.

An import stores its dataset's summaries (`refresh`, in the import's transaction), so a
page over ten million outcomes reads a few rows instead of the log. Each stored summary
records how many outcomes the dataset had; when that count has changed since (a live
collection appends outcomes), or nothing is stored (datasets collected or imported before
summaries were stored), the same SQL runs on the outcomes instead. A dataset's outcomes
change only that way: an import writes them and refreshes in one transaction, collection
appends, and deleting the dataset deletes its summaries too.
"""

from __future__ import annotations

import pandas as pd

from app.store.db import Store

# The dataset's outcomes with each query's task.
_OUTCOMES = """
    o AS (
        SELECT o.query_id, o.model, o.score, o.cost_usd, o.cost_estimated, o.latency_ms,
               q.task
        FROM outcomes o JOIN queries q USING (query_id) WHERE q.dataset_id = $dataset)"""
# Per query: its best score, whether one model alone reached it (the second-best score is
# lower), and the oracle's pick: the cheapest among the best, ties by model name (compared
# by the name's place in name order: DuckDB finds a minimum over numbers far faster).
_ORACLE = """
    ranks AS (
        SELECT model, row_number() OVER (ORDER BY model) AS model_rank
        FROM (SELECT DISTINCT model FROM o)),
    per_query AS (
        SELECT task, max(score, 2) AS top,
               arg_min({'model': model, 'cost_usd': cost_usd},
                       (-score, coalesce(cost_usd, 0), model_rank)) AS pick
        FROM o JOIN ranks USING (model) GROUP BY query_id, task),
    oracle AS (
        SELECT task, top[1] AS best, len(top) = 1 OR top[2] < top[1] AS sole,
               pick.model, pick.cost_usd
        FROM per_query)"""

# One row per model: quality, cost, latency, wins and oracle share.
_MODELS = """
    SELECT m.*, coalesce(w.sole_wins, 0) AS sole_wins,
           coalesce(w.picked, 0) / m.answered AS cheapest_best_share
    FROM (SELECT model,
                 count(*) AS answered,
                 avg(score) AS mean_score,
                 avg(cost_usd) AS mean_cost_usd,
                 sum(cost_usd) AS total_cost_usd,
                 bool_or(cost_estimated) AS cost_estimated,
                 count(*) FILTER (WHERE cost_estimated) AS estimated_costs,
                 count(*) FILTER (WHERE cost_usd IS NULL) AS missing_costs,
                 avg(latency_ms) AS mean_latency_ms
          FROM o GROUP BY model) m
    LEFT JOIN (SELECT model, count(*) FILTER (WHERE sole) AS sole_wins,
                      count(*) FILTER (WHERE best > 0) AS picked
               FROM oracle GROUP BY model) w USING (model)"""
_MODELS_ORDER = " ORDER BY mean_score DESC, mean_cost_usd, model"

_ORACLE_ROW = """
    SELECT count(*) AS queries, avg(best) AS oracle_score,
           avg(CASE WHEN best > 0 THEN cost_usd ELSE 0 END) AS oracle_cost_usd,
           avg(cost_usd) AS oracle_cost_usd_cheapest_when_none
    FROM oracle"""

# Mean score per (task, model), plus the oracle per task, in long form.
_TASKS = """
    SELECT coalesce(task, '(no task)') AS task, model, count(*) AS answered,
           avg(score) AS mean_score, avg(cost_usd) AS mean_cost_usd
    FROM o GROUP BY ALL
    UNION ALL
    SELECT coalesce(task, '(no task)'), 'oracle', count(*), avg(best),
           avg(CASE WHEN best > 0 THEN cost_usd ELSE 0 END)
    FROM oracle GROUP BY ALL"""
_TASKS_ORDER = " ORDER BY task, model"

_COUNT = """SELECT count(*) FROM outcomes o JOIN queries q USING (query_id)
            WHERE q.dataset_id = $dataset"""
_STORED = {"models": ("summary_models", _MODELS), "tasks": ("summary_tasks", _TASKS),
           "oracle": ("summary_oracle", _ORACLE_ROW)}


def _live(body: str) -> str:
    return f"WITH {_OUTCOMES}, {_ORACLE} {body}"


def _stored(store: Store, dataset: int) -> bool:
    """True when the dataset's stored summaries are of its outcomes as they are now."""
    found = store.rows(f"SELECT outcomes = ({_COUNT}) FROM summary_oracle "
                       "WHERE dataset_id = $dataset", {"dataset": dataset})
    return bool(found and found[0][0])


def refresh(cur, dataset: int) -> None:
    """Compute and store the dataset's summaries (inside the caller's transaction)."""
    params = {"dataset": dataset}
    for table, _ in _STORED.values():
        cur.execute(f"DELETE FROM {table} WHERE dataset_id = $dataset", params)
    count = cur.execute(_COUNT, params).fetchall()[0][0]
    # every summary reads the per-query oracle: work it out once
    cur.execute(f"CREATE OR REPLACE TEMP TABLE summary_oracle_rows AS "
                f"{_live('SELECT * FROM oracle')}", params)
    for table, body in _STORED.values():
        cur.execute(f"""INSERT INTO {table} BY NAME
            SELECT $dataset AS dataset_id, $count AS outcomes, * FROM (
                WITH {_OUTCOMES}, oracle AS (SELECT * FROM summary_oracle_rows) {body})""",
                    {**params, "count": count})
    cur.execute("DROP TABLE summary_oracle_rows")


def forget(cur, dataset: int) -> None:
    """Delete the dataset's stored summaries (inside the caller's transaction)."""
    for table, _ in _STORED.values():
        cur.execute(f"DELETE FROM {table} WHERE dataset_id = ?", [dataset])


def _sql(store: Store, dataset: int, kind: str, order: str = "") -> str:
    """The SQL reading one summary of the dataset: stored, or from its outcomes."""
    table, body = _STORED[kind]
    if _stored(store, dataset):
        return (f"SELECT * EXCLUDE (dataset_id, outcomes) FROM {table} "
                f"WHERE dataset_id = $dataset{order}")
    return _live(body) + order


def model_summary(store: Store, dataset: int) -> pd.DataFrame:
    """One row per model: quality, cost, latency, wins and oracle share."""
    return store.frame(_sql(store, dataset, "models", _MODELS_ORDER), {"dataset": dataset})


def oracle_summary(store: Store, dataset: int) -> dict:
    """The oracle's mean quality and mean cost per query (and the best single model's)."""
    row = store.rows(_sql(store, dataset, "oracle"), {"dataset": dataset})[0]
    return {"queries": row[0], "oracle_score": row[1], "oracle_cost_usd": row[2],
            "oracle_cost_usd_cheapest_when_none": row[3]}


def task_breakdown(store: Store, dataset: int) -> pd.DataFrame:
    """Mean score per (task, model), plus the oracle per task, in long form."""
    return store.frame(_sql(store, dataset, "tasks", _TASKS_ORDER), {"dataset": dataset})


def split_counts(store: Store, dataset: int) -> dict[str, int]:
    rows = store.rows("SELECT coalesce(split, '(none)'), count(*) FROM queries "
                      "WHERE dataset_id = ? GROUP BY ALL ORDER BY 1", [dataset])
    return dict(rows)


def search_queries(store: Store, dataset: int, text: str = "", task: str | None = None,
                   limit: int = 200) -> pd.DataFrame:
    """Queries whose text contains `text` (case-insensitive), with every model's score.
    Parameterised: whatever is typed is only ever a value, never SQL. The first `limit`
    matching queries are found before their outcomes are read (nothing typed matches all)."""
    return store.frame("""
        WITH found AS (
            SELECT query_id, source_id, task, split, embed_text AS question FROM queries
            WHERE dataset_id = $dataset AND ($text = '' OR contains(lower(text), lower($text)))
              AND ($task IS NULL OR task = $task)
            ORDER BY query_id LIMIT $limit)
        SELECT f.source_id, f.task, f.split, f.question,
               list(o.model ORDER BY o.model) AS models,
               list(o.score ORDER BY o.model) AS scores
        FROM found f LEFT JOIN outcomes o USING (query_id)
        GROUP BY f.query_id, f.source_id, f.task, f.split, f.question
        ORDER BY f.query_id""", {"dataset": dataset, "text": text, "task": task,
                                 "limit": limit})
