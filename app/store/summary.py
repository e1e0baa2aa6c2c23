"""Per-dataset summaries for the Data page and the CLI, computed in SQL.

Oracle (RouterBench's definition): per query, the cheapest model among those with the
highest score; when no model scores above 0 the oracle abstains at cost 0.
"""

from __future__ import annotations

import pandas as pd

from app.store.db import Store

# Per query: best score, and the oracle's pick (cheapest among the best; ties by name).
_ORACLE = """
    WITH o AS (
        SELECT o.*, q.task FROM outcomes o JOIN queries q USING (query_id)
        WHERE q.dataset_id = $dataset),
    with_best AS (SELECT *, max(score) OVER (PARTITION BY query_id) AS best FROM o),
    ranked AS (
        SELECT *,
               count(*) FILTER (WHERE score = best) OVER (PARTITION BY query_id) AS n_best,
               row_number() OVER (PARTITION BY query_id
                   ORDER BY score DESC, coalesce(cost_usd, 0), model) AS rank
        FROM with_best)
"""


def model_summary(store: Store, dataset: int) -> pd.DataFrame:
    """One row per model: quality, cost, latency, wins and oracle share."""
    return store.frame(_ORACLE + """
        SELECT model,
               count(*) AS answered,
               avg(score) AS mean_score,
               avg(cost_usd) AS mean_cost_usd,
               sum(cost_usd) AS total_cost_usd,
               bool_or(cost_estimated) AS cost_estimated,
               count(*) FILTER (WHERE cost_estimated) AS estimated_costs,
               count(*) FILTER (WHERE cost_usd IS NULL) AS missing_costs,
               avg(latency_ms) AS mean_latency_ms,
               count(*) FILTER (WHERE score = best AND n_best = 1) AS sole_wins,
               avg(CASE WHEN rank = 1 AND best > 0 THEN 1.0 ELSE 0.0 END) AS cheapest_best_share
        FROM ranked GROUP BY model ORDER BY mean_score DESC, mean_cost_usd, model""",
        {"dataset": dataset})


def oracle_summary(store: Store, dataset: int) -> dict:
    """The oracle's mean quality and mean cost per query (and the best single model's)."""
    row = store.rows(_ORACLE + """
        SELECT count(*), avg(best),
               avg(CASE WHEN best > 0 THEN cost_usd ELSE 0 END),
               avg(cost_usd)
        FROM ranked WHERE rank = 1""", {"dataset": dataset})[0]
    return {"queries": row[0], "oracle_score": row[1], "oracle_cost_usd": row[2],
            "oracle_cost_usd_cheapest_when_none": row[3]}


def task_breakdown(store: Store, dataset: int) -> pd.DataFrame:
    """Mean score per (task, model), plus the oracle per task, in long form."""
    return store.frame(_ORACLE + """
        SELECT coalesce(task, '(no task)') AS task, model, count(*) AS answered,
               avg(score) AS mean_score, avg(cost_usd) AS mean_cost_usd
        FROM ranked GROUP BY ALL
        UNION ALL
        SELECT coalesce(task, '(no task)'), 'oracle', count(*), avg(best),
               avg(CASE WHEN best > 0 THEN cost_usd ELSE 0 END)
        FROM ranked WHERE rank = 1 GROUP BY ALL
        ORDER BY task, model""", {"dataset": dataset})


def split_counts(store: Store, dataset: int) -> dict[str, int]:
    rows = store.rows("SELECT coalesce(split, '(none)'), count(*) FROM queries "
                      "WHERE dataset_id = ? GROUP BY ALL ORDER BY 1", [dataset])
    return dict(rows)


def search_queries(store: Store, dataset: int, text: str = "", task: str | None = None,
                   limit: int = 200) -> pd.DataFrame:
    """Queries whose text contains `text` (case-insensitive), with every model's score.
    Parameterised: whatever is typed is only ever a value, never SQL."""
    return store.frame("""
        SELECT q.source_id, q.task, q.split, q.embed_text AS question,
               list(o.model ORDER BY o.model) AS models,
               list(o.score ORDER BY o.model) AS scores
        FROM queries q LEFT JOIN outcomes o USING (query_id)
        WHERE q.dataset_id = ? AND contains(lower(q.text), lower(?))
          AND (? IS NULL OR q.task = ?)
        GROUP BY ALL ORDER BY min(q.query_id) LIMIT ?""", [dataset, text, task, task, limit])
