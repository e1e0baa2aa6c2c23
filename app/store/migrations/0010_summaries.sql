-- Per-dataset summaries for the Data page (app/store/summary.py), stored by each import in
-- its transaction so a page over millions of outcomes reads a few rows, not the log. Each
-- row keeps the dataset's outcome count when it was computed (`outcomes`): a dataset whose
-- count has changed since (a live collection appends outcomes), or that has no row in
-- summary_oracle (imported before this migration, or collected), is summarised from its
-- outcomes instead, so a stale summary is never shown.
CREATE TABLE summary_models (
    dataset_id          INTEGER NOT NULL,
    outcomes            BIGINT NOT NULL,
    model               VARCHAR NOT NULL,
    answered            BIGINT,
    mean_score          DOUBLE,
    mean_cost_usd       DOUBLE,
    total_cost_usd      DOUBLE,
    cost_estimated      BOOLEAN,
    estimated_costs     BIGINT,
    missing_costs       BIGINT,
    mean_latency_ms     DOUBLE,
    sole_wins           BIGINT,
    cheapest_best_share DOUBLE
);
CREATE TABLE summary_tasks (
    dataset_id    INTEGER NOT NULL,
    outcomes      BIGINT NOT NULL,
    task          VARCHAR NOT NULL,
    model         VARCHAR NOT NULL,   -- a model, or 'oracle'
    answered      BIGINT,
    mean_score    DOUBLE,
    mean_cost_usd DOUBLE
);
CREATE TABLE summary_oracle (
    dataset_id                         INTEGER NOT NULL,
    outcomes                           BIGINT NOT NULL,
    queries                            BIGINT,
    oracle_score                       DOUBLE,
    oracle_cost_usd                    DOUBLE,
    oracle_cost_usd_cheapest_when_none DOUBLE
);
