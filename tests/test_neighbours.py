"""Exact nearest neighbours: the same rows for a query alone or in a batch, ties by row."""

from __future__ import annotations

import numpy as np

from routers.neighbours import NeighbourIndex


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_a_query_alone_and_in_a_batch_keeps_the_same_neighbours():
    """A log that repeats texts holds equal vectors, and a templated one holds rows whose
    similarities to a query differ by less than float32's rounding: a batch (gemm) and a
    single query (gemv) used to keep different ones at the k-th place."""
    rng = np.random.default_rng(0)
    X = _unit(rng.normal(size=(20_000, 384)))
    X[10_000:10_300] = X[:300]  # repeated texts
    queries = _unit(X[rng.integers(0, len(X), 300)] + 0.05 * rng.normal(size=(300, 384)))
    index = NeighbourIndex(X)
    sims, ids = index.search(queries, 50)
    for i in range(len(queries)):
        one_sims, one_ids = index.search(queries[i:i + 1], 50)
        assert one_ids[0].tolist() == ids[i].tolist(), i
        assert one_sims[0].tolist() == sims[i].tolist(), i
    # the same rows as a float64 ranking, ties by row
    exact = queries.astype(np.float64) @ X.T.astype(np.float64)
    for i in range(0, len(queries), 10):
        assert ids[i].tolist() == np.lexsort((np.arange(len(X)), -exact[i]))[:50].tolist()


def test_equal_rows_cut_by_the_k_th_place_keep_the_lowest():
    """Ten copies of one vector, the query's nearest; k = 4 keeps the first four copies,
    best first, whatever the batch."""
    rng = np.random.default_rng(1)
    X = _unit(rng.normal(size=(500, 16)))
    copies = np.array([7, 40, 41, 99, 150, 151, 200, 333, 480, 499])
    X[copies] = X[7]
    index = NeighbourIndex(X)
    query = X[7:8] + 0.0
    batch = np.vstack([_unit(rng.normal(size=(37, 16))), query, _unit(rng.normal(size=(5, 16)))])
    assert index.search(query, 4)[1][0].tolist() == [7, 40, 41, 99]
    assert index.search(batch, 4)[1][37].tolist() == [7, 40, 41, 99]
    sims, ids = index.search(query, 12)  # all ten copies, then the next two rows
    assert ids[0][:10].tolist() == copies.tolist() and sims[0][9] > sims[0][10]
