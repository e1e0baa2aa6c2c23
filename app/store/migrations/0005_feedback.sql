-- Thumbs and labels: append-only. Every bandit's state is the replay of these events in
-- order (nothing is pickled). A retracted event (undo) stays, marked, and replay skips it.
CREATE SEQUENCE feedback_ids START 1;
CREATE TABLE feedback (
    event_id    BIGINT PRIMARY KEY DEFAULT nextval('feedback_ids'),
    ts          TIMESTAMP NOT NULL DEFAULT current_timestamp,
    session_id  VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,          -- playground | label
    router      VARCHAR,                   -- the router whose choice was judged
    model       VARCHAR NOT NULL,
    query_text  VARCHAR NOT NULL,
    query_id    BIGINT,                    -- set when the query comes from a logged dataset
    dataset     VARCHAR,
    reward      DOUBLE NOT NULL,
    propensity  DOUBLE NOT NULL,           -- P(the router chose this model) when it chose
    response_id VARCHAR NOT NULL,
    vote_key    VARCHAR NOT NULL UNIQUE,   -- one vote per (session, answer): no double count
    retracted   BOOLEAN NOT NULL DEFAULT false
);

-- "Reset" a bandit: its replay starts after this event.
CREATE TABLE bandit_resets (
    bandit   VARCHAR NOT NULL,
    after_id BIGINT NOT NULL,
    ts       TIMESTAMP NOT NULL DEFAULT current_timestamp
);
