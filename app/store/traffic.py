"""A traffic dataset's calls (format litellm-log): each call's routing record with its
outcome and its labels, in log order. The one home of the SQL that reads `routed_calls`.
"""

from __future__ import annotations

import pandas as pd

from app.store.db import Store

# A call's labels are the Label page's votes on its answer (retracted ones left out); its
# quality is their mean, else the outcome's own score (NULL in a freshly imported log).
_CALLS = """
    SELECT c.call_id, c.line, c.query_id, c.started_at, c.router, c.virtual_model, c.model,
           c.propensity, c.scores, c.fallback, c.status, c.error, q.text AS prompt,
           o.cost_usd, coalesce(o.cost_estimated, false) AS cost_estimated, o.latency_ms,
           o.tokens_in, o.tokens_out, o.score, coalesce(l.labels, 0) AS labels,
           coalesce(l.label, o.score) AS quality
    FROM routed_calls c
    LEFT JOIN queries q ON q.query_id = c.query_id
    LEFT JOIN outcomes o ON o.query_id = c.query_id AND o.model = c.model
    LEFT JOIN (SELECT query_id, model, avg(reward) AS label, count(*) AS labels
               FROM feedback WHERE NOT retracted AND source = 'label'
                 AND query_id IS NOT NULL GROUP BY query_id, model) l
           ON l.query_id = c.query_id AND l.model = c.model
    WHERE c.dataset_id = ?
    ORDER BY c.line"""


def routed_calls(store: Store, dataset_id: int) -> pd.DataFrame:
    """Every logged call of a traffic dataset (failed ones have no query and no outcome)."""
    return store.frame(_CALLS, [dataset_id])

