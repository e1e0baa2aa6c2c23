"""Where a page's script run spends its time, for the page benchmark (bench/pages.py).

With ROUTELAB_PROFILE=DIR each script run of a page is profiled (cProfile, this session's
thread only) and written to DIR/<page>.prof, and its wall time appended to DIR/runs.tsv.
Without it nothing is measured and nothing is written.
"""

from __future__ import annotations

import cProfile
import os
import time
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def profiled(page: str):
    folder = os.environ.get("ROUTELAB_PROFILE", "").strip()
    if not folder:
        yield
        return
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    try:
        yield
    finally:  # st.stop() and st.rerun() end a run by raising: still a run to count
        profile.disable()
        seconds = time.perf_counter() - started
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        name = page.strip("/") or "data"
        profile.dump_stats(out / f"{name}.prof")
        with open(out / "runs.tsv", "a", encoding="utf-8") as runs:
            runs.write(f"{name}\t{seconds:.4f}\n")
