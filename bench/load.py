"""The long form of the load test: 20 browser sessions voting for 2 minutes against one
warmed server (the short form runs in `make test`); their votes and their first page loads
are reported apart."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench.report import ROOT, Figure

SESSIONS, SECONDS = 20, 120


def run() -> list[Figure]:
    sys.path.insert(0, str(ROOT))
    from app.store.db import open_store
    from tests.load import run_load
    from tests.serve import chromium_available, streamlit_server

    reason = chromium_available()
    if reason:
        print(f"skipped: {reason}")
        return []
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "load.duckdb"
        with streamlit_server(db, env={"ROUTELAB_ENCODER": "hashing-ngrams-512"}) as url:
            result = run_load(url, SESSIONS, SECONDS, warm=True)
        store = open_store(db)
        rows, keys = store.rows("SELECT count(*), count(DISTINCT vote_key) FROM feedback")[0]
        store.close()
    exact = rows == keys == 2 * result["labels"]
    print(f"{result['actions']} actions, {result['labels']} labels, errors: "
          f"{len(result['errors'])}, votes stored exactly once: {exact} ({rows} rows, "
          f"{keys} distinct vote keys, {2 * result['labels']} votes the pages confirmed)")
    for error in result["errors"]:
        print(f"  error: {error[:500]}")
    target = "p95 <= 5 s, no errors, votes stored exactly once (issue 18)"
    return [Figure(f"vote confirmed, p50 ({SESSIONS} sessions, {SECONDS} s, "
                   f"{len(result['errors'])} errors, votes stored exactly once: {exact})",
                   result["p50"], "s", higher_is_better=False),
            Figure("vote confirmed, p95", result["p95"], "s", target=target,
                   higher_is_better=False),
            Figure("Label page first load per session (warm server), p50", result["load_p50"],
                   "s", higher_is_better=False),
            Figure("Label page first load per session (warm server), p95", result["load_p95"],
                   "s", target=target, higher_is_better=False),
            Figure("labels confirmed (two votes each)", result["labels"], "labels")]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
