"""Reruns of the Map and Compare pages with Streamlit's post-run collection off (routelab's
setting, .streamlit/config.toml) and on: the server's time per rerun and its resident
memory as the reruns go on.

Each setting gets a fresh server on the demo log (hashing encoder: no model to load) and one
protocol session (tests/protocol.py) that opens Map, Compare, Map, Compare and reruns each
RUNS times with its widgets unchanged: the script, its figures and tables are all built
again and sent, as on a slider or a click. With the collection off, reference cycles (Plotly
figures, pandas frames) wait for Python's own generational collector: the memory after the
reruns shows whether that lets anything build up."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bench.load import resident_mib
from bench.report import ROOT, Figure

RUNS = 150
PAGES = ("map", "compare", "map", "compare")


def run() -> list[Figure]:
    sys.path.insert(0, str(ROOT))
    found = {setting: _measure(setting) for setting in ("false", "true")}
    off, on = found["false"], found["true"]
    runs = RUNS * len(PAGES)
    return [
        Figure("Map and Compare, server time per rerun, post-run collection off (routelab)",
               off["per_run"], "s", on["per_run"], "collection on, Streamlit's default",
               higher_is_better=False, digits=3),
        Figure("the server's resident memory after the first Map and Compare runs, "
               "collection off", off["start"], "MiB", on["start"], "collection on",
               higher_is_better=False),
        Figure(f"the server's resident memory after {runs:,} more reruns, collection off",
               off["end"], "MiB", off["start"], "after the first runs",
               target="no build-up", higher_is_better=False),
        Figure(f"the server's resident memory after {runs:,} more reruns, collection on",
               on["end"], "MiB", on["start"], "after the first runs",
               higher_is_better=False),
    ]


def _measure(setting: str) -> dict[str, float]:
    from tests.serve import streamlit_process

    env = {"ROUTELAB_ENCODER": "hashing-ngrams-512",
           "STREAMLIT_RUNNER_POST_SCRIPT_GC": setting}
    with tempfile.TemporaryDirectory() as folder, streamlit_process(
            Path(folder) / "reruns.duckdb", env=env, timeout=120) as (url, server):
        found = asyncio.run(_reruns(url, server.pid))
    print(f"post-run collection {setting}: {found['per_run']:.3f} s a rerun, "
          f"{found['start']:.0f} -> {found['end']:.0f} MiB", flush=True)
    return found


async def _reruns(url: str, pid: int) -> dict[str, float]:
    from tests.protocol import Session

    for page in PAGES[:2]:  # the map's projection and the comparison computed, then kept
        session = await Session.open(url, page)
        await session.run(timeout=600)
        await session.close()
    start, seconds = resident_mib(pid), 0.0
    for page in PAGES:
        session = await Session.open(url, page)
        await session.run(timeout=120)
        started = time.perf_counter()
        for _ in range(RUNS):
            await session.run(timeout=120)
        seconds += time.perf_counter() - started
        if session.page.exceptions:
            raise RuntimeError(f"the {page} page failed: {session.page.exceptions[0]}")
        await session.close()
    return {"per_run": seconds / (RUNS * len(PAGES)), "start": start,
            "end": resident_mib(pid)}


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
