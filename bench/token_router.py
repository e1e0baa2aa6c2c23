"""The token router (CITER) trained by rollouts, measured on the whole demo test split.

Runs `routelab token-train`'s training and evaluation in bench/out/token.duckdb (kept:
greedy continuations are cached there, so a rerun replays the calls it already made, with
their recorded cost and latency, and reports how many calls were new). Beside each λ's
policy: the demo log's own answers of each local model alone on the same test prompts.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from bench.report import ROOT, Figure

OUT = ROOT / "bench" / "out"


def run() -> list[Figure]:
    from app.data.demo.log import ensure_demo
    from app.models import local_server
    from app.models.pool import load_pool
    from app.routing import token_training
    from app.store.db import open_store

    OUT.mkdir(parents=True, exist_ok=True)
    store = open_store(Path(OUT) / "token.duckdb")
    server = None
    try:
        ensure_demo(store)
        pool = load_pool()
        server = local_server.start()
        started = time.perf_counter()
        cache_before = _cached(store)
        token_training.train(store, "demo", pool)
        trained_s = time.perf_counter() - started
        token_training.evaluate(store, "demo", pool)
        new_calls = _cached(store) - cache_before
        wall = time.perf_counter() - started
        test = [p.source_id for p in token_training.split_prompts(store, "demo")[1]]
        singles = _singles(store, test)
        latency = dict(store.rows("SELECT tradeoff, avg(latency_ms) FROM token_evaluations "
                                  "WHERE dataset = 'demo' GROUP BY tradeoff"))
        rows = token_training.summary(store, "demo")
    finally:
        local_server.stop(server)
        store.close()
    best = max(singles, key=lambda m: singles[m][0])
    figures = [Figure(f"{model} alone: accuracy on {len(test)} demo test prompts (the log's "
                      f"answers; ${cost * 1000:.4f} per 1k queries)", accuracy, "accuracy",
                      singles[best][0], f"best single local model, {best}", digits=3)
               for model, (accuracy, cost) in singles.items()]
    for row in rows:
        figures.append(Figure(
            f"token-router, λ={row['λ']:g} ({row['family']}: {row['policy']}): accuracy on "
            f"{row['test prompts']} test prompts (${row['USD per 1k queries']:.4f} per 1k "
            f"queries, {latency[row['λ']]:,.0f} ms model time per query, "
            f"{row['large-model tokens']:.0%} of tokens by the large model)",
            row["test accuracy"], "accuracy", singles[best][0],
            f"best single local model, {best}", digits=3))
    figures.append(Figure(f"training and test answers, wall time ({new_calls:,} new model "
                          f"calls; the rest replayed from bench/out/token.duckdb; training "
                          f"{trained_s:,.0f} s)", wall, "s", higher_is_better=False))
    return figures


def _cached(store) -> int:
    return store.rows("SELECT count(*) FROM token_continuations")[0][0]


def _singles(store, test: list[str]) -> dict[str, tuple[float, float]]:
    """{model: (accuracy, USD per query)} of the demo log's own answers on `test`."""
    from app.routing.live.offline import logged

    log = logged(store, "demo")
    models = sorted({m for p in test for m in log.get(p, {})})
    return {m: tuple(np.mean([log[p][m][:2] for p in test], axis=0)) for m in models
            if all(m in log.get(p, {}) for p in test)}


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
