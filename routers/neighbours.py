"""Cosine nearest neighbours for unit vectors: exact, or an inverted-file index for big logs.

Exact search reads the whole index for every query, which is memory-bound (a 100k x 384
float32 log is 150 MB) and spends most of a batch in argpartition. Above `IVF_FROM` rows
the index is clustered with k-means (the IVF-Flat scheme of FAISS, Jegou et al., 2011) and
a query is compared only with the rows of its `n_probe` nearest clusters.

Exact search gives a query the same neighbours alone or in a batch. A matrix product rounds
a similarity differently for a batch (gemm) than for one query (gemv) on some CPUs, by a
float32 ulp or so, and on a templated log two training queries often lie that close to a
query's k-th place: the batch and the single query then kept different ones (about 1% of
a generated log's decisions). So the float32 product only shortlists: every row within
`TIE` of the k-th similarity is scored again in float64, one pair at a time, and the k
best are kept by that score, equal scores (equal vectors: a repeated text) by lowest row.
"""

from __future__ import annotations

import numpy as np

# queries per exact search step: each gathers its ~k shortlisted rows per query in float64
# (at k = 200, about 40 MB a copy); 256 held four times that for no gain in speed
BATCH = 64
IVF_FROM = 50_000


class NeighbourIndex:
    """Top-k cosine neighbours among the rows of `X` (unit vectors)."""

    def __init__(self, X: np.ndarray, *, exact: bool | None = None, n_probe: int = 16,
                 seed: int = 0):
        self.X = np.ascontiguousarray(X, dtype=np.float32)
        self.exact = len(self.X) < IVF_FROM if exact is None else exact
        self.n_probe = n_probe
        if not self.exact:
            self._build(seed)

    def _build(self, seed: int) -> None:
        from sklearn.cluster import MiniBatchKMeans

        n_lists = int(max(16, np.sqrt(len(self.X))))
        kmeans = MiniBatchKMeans(n_clusters=n_lists, batch_size=4096, n_init=1,
                                 random_state=seed).fit(self.X)
        centres = kmeans.cluster_centers_.astype(np.float32)
        self.centres = centres / np.clip(np.linalg.norm(centres, axis=1, keepdims=True),
                                         1e-12, None)
        labels = kmeans.labels_
        self.order = np.argsort(labels, kind="stable")        # rows grouped by list
        self.sorted_X = self.X[self.order]
        self.starts = np.searchsorted(labels[self.order], np.arange(n_lists + 1))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(similarities, row indices), each (n, k), best first."""
        queries = np.asarray(queries, dtype=np.float32)
        k = max(1, min(k, len(self.X)))
        if self.exact:
            return _exact(queries, self.X, k)
        probes = np.argpartition(-(queries @ self.centres.T), self.n_probe - 1,
                                 axis=1)[:, : self.n_probe]
        # Work list by list (a few hundred numpy calls, not one per query): each probed
        # list contributes its own top-k of every query probing it, then the best k of
        # those n_probe * k candidates per query are kept.
        cand_sims = np.full((len(queries), self.n_probe, k), -np.inf, dtype=np.float32)
        cand_ids = np.zeros((len(queries), self.n_probe, k), dtype=np.int64)
        flat = probes.ravel()
        order = np.argsort(flat, kind="stable")
        bounds = np.searchsorted(flat[order], np.arange(len(self.centres) + 1))
        for c in np.flatnonzero(np.diff(bounds)):
            pairs = order[bounds[c]:bounds[c + 1]]
            who, slot = pairs // self.n_probe, pairs % self.n_probe
            a, b = self.starts[c], self.starts[c + 1]
            if a == b:
                continue
            block = queries[who] @ self.sorted_X[a:b].T
            take = min(k, b - a)
            best = np.argpartition(block, (b - a) - take, axis=1)[:, -take:]
            cand_sims[who, slot, :take] = np.take_along_axis(block, best, axis=1)
            cand_ids[who, slot, :take] = self.order[a + best]
        cand_sims = cand_sims.reshape(len(queries), -1)
        cand_ids = cand_ids.reshape(len(queries), -1)
        best = np.argpartition(-cand_sims, k - 1, axis=1)[:, :k]
        best_sims = np.take_along_axis(cand_sims, best, axis=1)
        ranked = np.argsort(-best_sims, axis=1)
        return (np.take_along_axis(best_sims, ranked, axis=1),
                np.take_along_axis(np.take_along_axis(cand_ids, best, axis=1), ranked, axis=1))


def top_k(queries: np.ndarray, index: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k (kept for callers that hold a plain matrix)."""
    return _exact(np.asarray(queries, dtype=np.float32), index, max(1, min(k, len(index))))


def _exact(queries: np.ndarray, index: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    sims = np.empty((len(queries), k), dtype=np.float32)
    ids = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), BATCH):
        block = queries[start:start + BATCH]
        sims[start:start + BATCH], ids[start:start + BATCH] = _best(block, index, k)
    return sims, ids


TIE = 1e-4  # well above the float32 rounding of a 384-term similarity (up to ~1e-5)


def _best(queries: np.ndarray, index: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each query's k most similar rows, best first: shortlisted in float32 (every row
    within TIE of the k-th similarity), then ranked by a float64 similarity computed pair
    by pair, equal ones by lowest row, so a batch and a single query keep the same rows."""
    rough = np.nan_to_num(queries @ index.T, copy=False, nan=-np.inf)  # a NaN vector: last
    n, width = rough.shape
    if k < width:
        kth = np.partition(rough, width - k, axis=1)[:, width - k]
        who, row = np.nonzero(rough >= (kth - TIE)[:, None])
    else:
        who, row = np.nonzero(np.ones_like(rough, dtype=bool))
    exact = (queries[who].astype(np.float64) * index[row].astype(np.float64)).sum(axis=1)
    order = np.lexsort((row, -exact, who))
    who, row, exact = who[order], row[order], exact[order]
    keep = np.arange(len(who)) - np.searchsorted(who, who) < k  # the first k of each query
    return exact[keep].reshape(n, k).astype(np.float32), row[keep].reshape(n, k)


def weighted_nanmean(values: np.ndarray, weights: np.ndarray,
                     fallback: np.ndarray | float = np.nan) -> np.ndarray:
    """(n, k, m) neighbour values and (n, k) weights -> (n, m) weighted means that skip NaN
    values; `fallback` where no neighbour has a value."""
    known = ~np.isnan(values)
    w = weights[:, :, None] * known
    total = w.sum(axis=1)
    summed = (np.where(known, values, 0.0) * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, summed / np.where(total > 0, total, 1.0), fallback)
