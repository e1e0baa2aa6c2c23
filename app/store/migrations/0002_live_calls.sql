-- Every model call routelab makes (collector, health checks, later the playground), with
-- its error when it failed. Keys are never stored: requests are not logged, only results.
CREATE TABLE live_calls (
    response_id VARCHAR PRIMARY KEY,
    ts          TIMESTAMP NOT NULL DEFAULT current_timestamp,
    source      VARCHAR NOT NULL,          -- collect | playground | judge | health
    dataset_id  INTEGER,
    query_id    BIGINT,
    router      VARCHAR,
    model       VARCHAR NOT NULL,
    prompt      VARCHAR,
    response    VARCHAR,
    latency_ms  DOUBLE,
    tokens_in   INTEGER,
    tokens_out  INTEGER,
    cost_usd    DOUBLE,
    error_kind  VARCHAR,
    error       VARCHAR
);

-- How a query is checked (a JSON verifier spec), for collected and demo prompts.
ALTER TABLE queries ADD COLUMN verifier VARCHAR;
