-- Datasets of query logs, the queries, the models seen, and one outcome per (query, model).
-- No foreign keys: DuckDB checks them eagerly inside a transaction, which breaks the
-- delete-then-reinsert of a dataset replace; app/importers keeps the references whole.
CREATE SEQUENCE dataset_ids START 1;
CREATE TABLE datasets (
    dataset_id   INTEGER PRIMARY KEY DEFAULT nextval('dataset_ids'),
    name         VARCHAR NOT NULL UNIQUE,
    kind         VARCHAR NOT NULL CHECK (kind IN ('demo', 'imported', 'live')),
    format       VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    imported_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    notes        VARCHAR
);

CREATE SEQUENCE query_ids START 1;
CREATE TABLE queries (
    query_id   BIGINT PRIMARY KEY,
    dataset_id INTEGER NOT NULL,
    source_id  VARCHAR NOT NULL,
    text       VARCHAR NOT NULL,   -- the full prompt as the models saw it
    embed_text VARCHAR NOT NULL,   -- the question itself (few-shot prefixes removed)
    task       VARCHAR,
    split      VARCHAR,
    reference  VARCHAR,
    metric     VARCHAR
);
CREATE INDEX queries_by_dataset ON queries (dataset_id);

CREATE TABLE models (
    model          VARCHAR PRIMARY KEY,
    litellm_model  VARCHAR,
    api_base       VARCHAR,
    kind           VARCHAR CHECK (kind IN ('chat', 'completion')),
    usd_per_1k_in  DOUBLE,
    usd_per_1k_out DOUBLE
);

CREATE TABLE outcomes (
    query_id       BIGINT NOT NULL,
    model          VARCHAR NOT NULL,
    score          DOUBLE NOT NULL,
    cost_usd       DOUBLE,
    cost_estimated BOOLEAN NOT NULL DEFAULT false,
    latency_ms     DOUBLE,
    tokens_in      INTEGER,
    tokens_out     INTEGER,
    response       VARCHAR,
    PRIMARY KEY (query_id, model)
);
