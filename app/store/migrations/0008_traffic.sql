-- Traffic logs (format litellm-log, written by a router exported into the LiteLLM proxy):
-- each successful call is a query with one outcome, the chosen model's, whose score is
-- unknown until someone labels it; so an outcome's score may now be NULL.
ALTER TABLE outcomes ALTER COLUMN score DROP NOT NULL;
-- One row per logged call: what the deployed router decided and how likely that decision
-- was (off-policy estimates reweight by it), when (shares over time), and for a failed
-- call, which has no query and no outcome, its error.
CREATE TABLE routed_calls (
    dataset_id    INTEGER NOT NULL,
    call_id       VARCHAR NOT NULL,        -- the log's id, unique per call
    line          INTEGER NOT NULL,        -- its line in the log file
    query_id      BIGINT,                  -- NULL for a failed call
    started_at    TIMESTAMP NOT NULL,      -- UTC
    router        VARCHAR NOT NULL,        -- the saved router's name
    virtual_model VARCHAR,                 -- the name the client asked for
    model         VARCHAR NOT NULL,        -- the model the router chose
    propensity    DOUBLE NOT NULL CHECK (propensity > 0 AND propensity <= 1),
    scores        VARCHAR NOT NULL,        -- JSON {model: score}, the router's own
    fallback      BOOLEAN NOT NULL,        -- the hook failed: the default model answered
    status        VARCHAR NOT NULL CHECK (status IN ('success', 'failure')),
    error         VARCHAR,
    PRIMARY KEY (dataset_id, call_id)
);
