-- Token-level routing (CITER) trained by rollouts on the real models.
-- A greedy continuation is deterministic, so each state a rollout visits (model, prompt,
-- answer so far, how many tokens, how many candidates) is called once and read back after:
-- training many policies, and rerunning after an interruption, costs only new states. The
-- recorded cost and latency are the real call's.
CREATE TABLE token_continuations (
    model        VARCHAR NOT NULL,   -- the pool name
    spec_key     VARCHAR NOT NULL,   -- what of the model's config shapes its output
    prompt       VARCHAR NOT NULL,
    answer       VARCHAR NOT NULL,   -- the answer so far, which the call continues
    max_tokens   INTEGER NOT NULL,
    top          INTEGER NOT NULL,
    text         VARCHAR NOT NULL,
    tokens       VARCHAR NOT NULL,   -- JSON list
    top_logprobs VARCHAR NOT NULL,   -- JSON list of {token: log-probability}
    finished     BOOLEAN NOT NULL,
    tokens_in    INTEGER,
    tokens_out   INTEGER,
    cost_usd     DOUBLE,
    latency_ms   DOUBLE,
    PRIMARY KEY (model, spec_key, prompt, answer, max_tokens, top)
);
-- The policy kept for each tradeoff λ on a dataset's training prompts, with what chose it.
CREATE TABLE token_policies (
    dataset      VARCHAR NOT NULL,
    tradeoff     DOUBLE NOT NULL,    -- score points per USD per 1,000 queries
    family       VARCHAR NOT NULL,   -- threshold | logistic
    policy       VARCHAR NOT NULL,   -- JSON (routers/token_policy.py policy_to_dict)
    train_reward DOUBLE NOT NULL,
    heldout      VARCHAR NOT NULL,   -- JSON {family: mean held-out reward}
    settings     VARCHAR NOT NULL,   -- JSON: models, prompts, folds, search settings
    trained_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (dataset, tradeoff)
);
-- Each kept policy's answers to the dataset's test prompts (never seen in training).
CREATE TABLE token_evaluations (
    dataset      VARCHAR NOT NULL,
    tradeoff     DOUBLE NOT NULL,
    source_id    VARCHAR NOT NULL,   -- the test query's id in its log
    score        DOUBLE NOT NULL,
    cost_usd     DOUBLE NOT NULL,
    latency_ms   DOUBLE NOT NULL,
    small_tokens INTEGER NOT NULL,
    large_tokens INTEGER NOT NULL,
    answer       VARCHAR NOT NULL,
    PRIMARY KEY (dataset, tradeoff, source_id)
);
