-- Embedding vectors cached by (encoder, hash of the embedded text): nothing is embedded
-- twice, across datasets too, and vectors of different encoders never mix.
CREATE TABLE embeddings (
    encoder   VARCHAR NOT NULL,
    text_hash VARCHAR NOT NULL,
    vec       FLOAT[] NOT NULL,
    PRIMARY KEY (encoder, text_hash)
);

-- 2-D map coordinates per (dataset version, encoder, method, parameters).
CREATE TABLE projections (
    dataset_id  INTEGER NOT NULL,
    version     VARCHAR NOT NULL,
    encoder     VARCHAR NOT NULL,
    method      VARCHAR NOT NULL,
    params_hash VARCHAR NOT NULL,
    query_id    BIGINT NOT NULL,
    x           DOUBLE NOT NULL,
    y           DOUBLE NOT NULL,
    PRIMARY KEY (dataset_id, version, encoder, method, params_hash, query_id)
);
