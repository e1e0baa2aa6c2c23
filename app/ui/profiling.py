"""Where a page's script run spends its time, for the page benchmark (bench/pages.py).

With ROUTELAB_PROFILE=DIR each script run of a page is profiled (cProfile, this session's
thread only) and written to DIR/<page>.prof, and its wall time appended to DIR/runs.tsv.
A fragment's own reruns (the Map's panel, the Label page's votes) are profiled the same
way under the fragment's name; when a fragment runs inside its page's run it is part of
that run's profile. Without ROUTELAB_PROFILE nothing is measured and nothing is written.
"""

from __future__ import annotations

import cProfile
import functools
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

_running = threading.local()  # one profiler a thread: a second would replace the first's hook


@contextmanager
def profiled(page: str):
    folder = os.environ.get("ROUTELAB_PROFILE", "").strip()
    if not folder or getattr(_running, "profile", None):
        yield
        return
    profile = _running.profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    try:
        yield
    finally:  # st.stop() and st.rerun() end a run by raising: still a run to count
        profile.disable()
        _running.profile = None
        seconds = time.perf_counter() - started
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        name = page.strip("/") or "data"
        profile.dump_stats(out / f"{name}.prof")
        with open(out / "runs.tsv", "a", encoding="utf-8") as runs:
            runs.write(f"{name}\t{seconds:.4f}\n")


def profiled_fragment(name: str):
    """Profile a fragment's runs under `name` (put it below `@st.fragment`)."""
    def decorate(function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            with profiled(name):
                return function(*args, **kwargs)
        return run
    return decorate
