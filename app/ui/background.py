"""Heavy work (embedding, UMAP, training every router) on a worker thread, shared by the
server's sessions.

Streamlit stops a script run at its next Streamlit call once the user clicks anything or
changes page, so work done on the script thread is thrown away by a click and begun again
by the next run. Here the work runs on a thread of its own, started once per key by
whichever session asks first; a script run only waits for it, drawing its progress. A
stopped run leaves the job working; the next run, or another session asking the same
question, waits on the same job and gets its result. One job computes at a time (2 cores:
two at once only slow each other down), so a later one says it is queued; work started
ahead of need (`start`: a small dataset's map, the question a user is reading) shares the
cores instead of queueing anything behind it.

A job's work must not call Streamlit (it has no script run to draw in): it gets the
store and everything else it reads as arguments, and reports progress through `report`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

Report = Callable[[str, float], None]  # (stage, fraction done)
POLL_SECONDS = 0.25   # how often a waiting run redraws its job's progress
QUEUED = "Queued behind another computation ..."


@dataclass(eq=False)
class Job:
    stage: str = QUEUED
    fraction: float = 0.0
    result: Any = None
    error: BaseException | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    def report(self, stage: str, fraction: float) -> None:
        self.stage, self.fraction = stage, min(max(float(fraction), 0.0), 1.0)


class Jobs:
    """The server's running jobs by key. A job leaves as it finishes: its callers keep the
    result where they look first (a comparison on disk, a map in the database), and a
    run still waiting holds the job itself."""

    def __init__(self):
        self._jobs: dict[Hashable, Job] = {}
        self._lock = threading.Lock()    # guards _jobs
        self._turn = threading.Lock()    # one job computes at a time

    def wait(self, key: Hashable, work: Callable[[Report], Any],
             show: Report | None = None) -> Any:
        """`work`'s result for `key`: started now unless a job for it is running, then
        waited for, `show(stage, fraction)` called as it goes. A failed job raises its
        error in the runs waiting on it; asking again tries again."""
        job = self._start(key, work)
        while not job.finished.wait(POLL_SECONDS):
            if show:
                show(job.stage, job.fraction)
        if job.error is not None:
            raise job.error
        return job.result

    def start(self, key: Hashable, work: Callable[[Report], Any]) -> None:
        """Start `work` for `key` unless a job for it is running, and return at once: for
        work done ahead of need that no run waits on yet. It does not take the one turn
        (it would hold up work a user is waiting for): it shares the cores instead. A run
        that later asks for the same key waits on it; its result is otherwise dropped, and
        so is its error (whoever needs the work does it then, or finds it done).
        ROUTELAB_BUILD_AHEAD=0 turns all such work off (the test suite does: its many
        small logs would each start some)."""
        if os.environ.get("ROUTELAB_BUILD_AHEAD", "1").strip() != "0":
            self._start(key, work, ahead=True)

    def running(self) -> int:
        with self._lock:
            return len(self._jobs)

    def _start(self, key: Hashable, work: Callable[[Report], Any], ahead: bool = False) -> Job:
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                return job
            job = self._jobs[key] = Job()
        threading.Thread(target=self._run, args=(key, job, work, ahead), daemon=True,
                         name="routelab-background").start()
        return job

    def _run(self, key: Hashable, job: Job, work: Callable[[Report], Any],
             ahead: bool) -> None:
        with nullcontext() if ahead else self._turn:
            job.report("Starting ...", 0.0)
            try:
                job.result = work(job.report)
            except BaseException as exc:  # handed to the waiting script runs, raised there
                job.error = exc
            finally:
                with self._lock:
                    del self._jobs[key]
                job.finished.set()


@st.cache_resource(show_spinner=False)
def jobs() -> Jobs:
    """The server's one set of jobs."""
    return Jobs()
