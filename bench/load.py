"""The long form of the load test: 20 sessions voting for 2 minutes against one warmed
server (the short form runs in `make test`), driven twice: by clients speaking Streamlit's
websocket protocol (the server's own response: a user's browser runs on the user's
machine) and by Chromium tabs (what a user sees, drawing included, with every tab sharing
this machine's cores with the server). Votes and first page loads are reported apart."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench.report import ROOT, Figure

SESSIONS, SECONDS = 20, 120
TARGET = "p95 <= 5 s, no errors, votes stored exactly once (issue 18)"


def run() -> list[Figure]:
    sys.path.insert(0, str(ROOT))
    from tests.load import run_load, run_protocol_load
    from tests.serve import chromium_available

    # a protocol client loads no HTML, scripts or styles: its "load" is the page's runs
    figures = _drive("protocol clients", run_protocol_load,
                     "Label page opened, set to pairs (its two script runs)")
    reason = chromium_available()
    if reason:
        print(f"skipped the browser sessions: {reason}")
    else:
        figures += _drive("Chromium tabs on the server's 2 cores", run_load,
                          "Label page first load, set to pairs")
    return figures


def _drive(driver: str, load, opening: str) -> list[Figure]:
    from tests.load import stored_labels_per_session, stored_votes
    from tests.serve import streamlit_process

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "load.duckdb"
        env = {"ROUTELAB_ENCODER": "hashing-ngrams-512"}
        with streamlit_process(db, env=env) as (url, server):
            result = load(url, SESSIONS, SECONDS, warm=True)
            memory = resident_mib(server.pid)
        rows, keys = stored_votes(db)
        stored = stored_labels_per_session(db)
    exact = rows == keys == 2 * result["labels"]
    errors = len(result["errors"])
    print(f"{driver}: {result['actions']} actions, {result['labels']} labels, errors: "
          f"{errors}, votes stored exactly once: {exact} ({rows} rows, {keys} distinct vote "
          f"keys, {2 * result['labels']} votes the pages confirmed)")
    print(f"  the server's resident memory after the sessions: {memory:.0f} MiB")
    if not exact:  # which sessions disagree: the counts neither side has
        shown = [n for n in result["labels_per_session"] if n > 0]
        print(f"  labels per session, pages (sorted): {shown}")
        print(f"  labels per session, stored (sorted): {stored}")
    for error in result["errors"]:
        print(f"  error: {error[:500]}")
    return [Figure(f"{driver}: vote confirmed, p50 ({SESSIONS} sessions, {SECONDS} s, "
                   f"{errors} errors, votes stored exactly once: {exact})",
                   result["p50"], "s", higher_is_better=False),
            Figure(f"{driver}: vote confirmed, p95", result["p95"], "s", target=TARGET,
                   higher_is_better=False),
            Figure(f"{driver}: {opening} per session (warm server), p50",
                   result["load_p50"], "s", higher_is_better=False),
            Figure(f"{driver}: {opening} per session (warm server), p95",
                   result["load_p95"], "s", target=TARGET, higher_is_better=False),
            Figure(f"{driver}: labels confirmed (two votes each)", result["labels"],
                   "labels"),
            # the server skips Streamlit's full collection after each run (.streamlit/
            # config.toml): this shows its memory does not build up for it
            Figure(f"{driver}: the server's resident memory after the sessions", memory,
                   "MiB", higher_is_better=False)]


def resident_mib(pid: int) -> float:
    """A process's resident memory now (Linux), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
