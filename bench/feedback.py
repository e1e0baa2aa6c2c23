"""Votes through the app's write path: sustained votes per second (1 and 8 threads) and
the time from a vote to the updated posterior (target under 50 ms).

The prompts are embedded beforehand, as the Playground does when it routes them; a vote
then costs a cache lookup, one DuckDB transaction and the bandits' rank-one updates.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from bench.report import Figure

N_TEXTS, N_VOTES = 200, 1000


def run() -> list[Figure]:
    from app.embed.embeddings import default_encoder, embed_texts
    from app.routing.feedback import BanditBook, Vote, record_vote
    from app.store.db import open_store
    from routers import Queries

    texts = [f"Routing benchmark question number {i}: what is {i} plus {i}?"
             for i in range(N_TEXTS)]
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "votes.duckdb")
        encoder = default_encoder()
        embed_texts(store, texts, encoder)
        book = BanditBook(store, encoder)
        bandit = book.get("bandit")

        def vote(i: int, session: str) -> Vote:
            return Vote(session, "playground", ["smollm2", "gemma3", "gemma3-vote3"][i % 3],
                        texts[i % N_TEXTS], float(i % 2), f"{session}-{i}", router="bandit")

        started = time.perf_counter()
        for i in range(N_VOTES):
            record_vote(store, book, vote(i, "one"))
        single = N_VOTES / (time.perf_counter() - started)

        def session(s: int) -> None:
            for i in range(N_VOTES // 8):
                record_vote(store, book, vote(i, f"thread-{s}"))

        threads = [threading.Thread(target=session, args=(s,)) for s in range(8)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        threaded = N_VOTES / (time.perf_counter() - started)

        x = Queries((texts[0],), embed_texts(store, [texts[0]], encoder)[0])
        delays = []
        for i in range(100):
            started = time.perf_counter()
            record_vote(store, book, vote(i, "latency"))
            bandit.posterior(x)
            delays.append((time.perf_counter() - started) * 1000)
        store.close()
    p50, p95 = np.percentile(delays, [50, 95])
    print(f"{single:.0f} votes/s (1 thread), {threaded:.0f} votes/s (8 threads); "
          f"vote -> posterior p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    return [Figure("votes per second, one session", single, "votes/s"),
            Figure("votes per second, 8 sessions at once", threaded, "votes/s", single,
                   "one session"),
            Figure("vote -> updated posterior, p50", p50, "ms", target="< 50 ms",
                   higher_is_better=False),
            Figure("vote -> updated posterior, p95", p95, "ms", target="< 50 ms",
                   higher_is_better=False)]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
