-- Saved routers: a kind from the registry, its hyperparameters (get_params() as JSON), and
-- where it learns (dataset name and encoder). Trained state is rebuilt from this on demand.
CREATE TABLE router_configs (
    name       VARCHAR PRIMARY KEY,
    kind       VARCHAR NOT NULL,
    params     VARCHAR NOT NULL,
    dataset    VARCHAR,
    encoder    VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
