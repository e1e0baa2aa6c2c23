"""Routing speed with 100,000 logged queries, and the time of a full comparison.

Data: 100k synthetic 384-d unit vectors in 50 topics, 5 models with topic-dependent
accuracy (the speed of routing does not depend on the data being real). Latency excludes
embedding. The kNN router is timed beside scikit-learn's KNeighborsRegressor (brute-force
cosine, the same k) on the same queries.
"""

from __future__ import annotations

import time

import numpy as np

from bench.report import Figure
from routers import ROUTERS
from routers.base import Outcomes, Queries
from routers.compare import metrics
from routers.evaluate import sweep, tradeoff_grid

N_LOG, N_TEST, DIM, MODELS = 100_000, 10_000, 384, ("m1", "m2", "m3", "m4", "m5")
FAST_FIT = {"mf": {"steps": 20}, "irt": {"steps": 20}, "clusters": {"n_clusters": 50},
            "predictive": {"C": 0.1}, "single": {"model": "m5"},
            "stacked": {"bases": ["knn", "clusters"], "folds": 2, "features": "embedding"}}


def synthetic(n: int, seed: int) -> Outcomes:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(50, DIM))
    topic = rng.integers(0, 50, n)
    X = (centres[topic] + 0.8 * rng.normal(size=(n, DIM))).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    skill = np.random.default_rng(7).random((50, len(MODELS)))
    reward = (rng.random((n, len(MODELS))) < skill[topic]).astype(float)
    cost = np.tile(np.geomspace(1e-5, 1e-2, len(MODELS)), (n, 1))
    queries = Queries(tuple(f"q{seed}-{i}" for i in range(n)), X, tuple(map(str, topic)))
    return Outcomes(queries, MODELS, reward, cost)


def latency(log: Outcomes, test: Outcomes) -> tuple[list[Figure], dict]:
    figures, fitted = [], {}
    batch, single = test.queries.subset(np.arange(2000)), test.queries.subset([0])
    for name, cls in ROUTERS.items():
        if cls.simulates:
            continue  # cascades route by chains and judges: nothing to score per query
        router = cls(**FAST_FIT.get(name, {})).fit(log)
        fitted[name] = router
        router.score(single)  # warm up
        started = time.perf_counter()
        router.score(batch)
        per_query = (time.perf_counter() - started) / len(batch) * 1000
        started = time.perf_counter()
        for i in range(20):
            router.score(test.queries.subset([i]))
        one = (time.perf_counter() - started) / 20 * 1000
        target = "< 1 ms batched, < 5 ms single" if name == "knn" else ""
        figures.append(Figure(f"{name}: ms per query, batches of 2,000 / single", per_query,
                              f"ms (single {one:.2f} ms)", target=target,
                              higher_is_better=False))
        print(f"{name:<12} {per_query:8.3f} ms/query batched, {one:8.2f} ms single")
    return figures, fitted


def knn_vs_sklearn(log: Outcomes, test: Outcomes, router) -> Figure:
    from sklearn.neighbors import KNeighborsRegressor

    batch = test.queries.subset(np.arange(2000))
    baseline = KNeighborsRegressor(n_neighbors=router.k, metric="cosine", algorithm="brute",
                                   weights="distance").fit(log.queries.X, log.reward)
    started = time.perf_counter()
    baseline.predict(batch.X)
    theirs = time.perf_counter() - started
    started = time.perf_counter()
    router.score(batch)
    ours = time.perf_counter() - started
    exact = baseline.kneighbors(batch.X[:500], return_distance=False)
    approx = router.index_.search(batch.X[:500], router.k)[1]
    recall = np.mean([len(set(a) & set(b)) / router.k for a, b in zip(approx, exact,
                                                                      strict=True)])
    print(f"kNN 2,000 queries: routelab {ours:.2f} s, sklearn {theirs:.2f} s; "
          f"recall@{router.k} {recall:.2f}")
    return Figure(f"kNN scoring, 2,000 queries over 100k logged (IVF index, recall@{router.k} "
                  f"{recall:.2f} vs exact on this synthetic data)", len(batch) / ours,
                  "queries/s", len(batch) / theirs, "sklearn KNeighborsRegressor (brute cosine)")


def full_compare(fitted: dict, test: Outcomes) -> Figure:
    names = ["knn", "centroid", "clusters", "predictive", "mf", "irt", "linucb", "semantic"]
    grid = tradeoff_grid(float(test.cost.mean(axis=0).max()))
    started = time.perf_counter()
    for name in names:
        curve = sweep(fitted[name], test.queries, test, grid, name)
        metrics(curve, test, n_boot=1000)
    seconds = time.perf_counter() - started
    print(f"compare 8 routers x {len(grid)} points on {len(test.queries):,}: {seconds:.2f} s")
    return Figure(f"full comparison: 8 routers x {len(grid)} tradeoffs x 10,000 test queries "
                  "(fitted routers, 1,000 bootstrap resamples)", seconds, "s", target="< 5 s",
                  higher_is_better=False)


def run() -> list[Figure]:
    log, test = synthetic(N_LOG, 1), synthetic(N_TEST, 2)
    figures, fitted = latency(log, test)
    return figures + [knn_vs_sklearn(log, test, fitted["knn"]), full_compare(fitted, test)]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
