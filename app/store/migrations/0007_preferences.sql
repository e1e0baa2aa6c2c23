-- Pairwise preference logs (Chatbot Arena battles, judge-vs-baseline verdicts such as
-- Arena-Hard's A>>B): one row per battle, its queries in `queries` like any dataset's.
-- `outcome` is from model_a's side: 1 a win, 0.5 a tie, 0 a loss. `weight` is how much the
-- verdict counts (a strong A>>B counts three times, as Arena-Hard counts it); `both_bad`
-- marks Arena's "tie (bothbad)"; `verdict` is the log's own value, kept as given.
CREATE SEQUENCE battle_ids START 1;
CREATE TABLE preferences (
    battle_id  BIGINT PRIMARY KEY DEFAULT nextval('battle_ids'),
    dataset_id INTEGER NOT NULL,
    query_id   BIGINT NOT NULL,
    model_a    VARCHAR NOT NULL,
    model_b    VARCHAR NOT NULL,
    outcome    DOUBLE NOT NULL CHECK (outcome IN (0.0, 0.5, 1.0)),
    weight     DOUBLE NOT NULL DEFAULT 1.0 CHECK (weight > 0),
    both_bad   BOOLEAN NOT NULL DEFAULT false,
    verdict    VARCHAR NOT NULL
);
