"""Heavy work (embedding, UMAP, training every router) on a worker thread, shared by the
server's sessions.

Streamlit stops a script run at its next Streamlit call once the user clicks anything or
changes page, so work done on the script thread is thrown away by a click and begun again
by the next run. Here the work runs on a thread of its own, started once per key by
whichever session asks first; a script run only waits for it, drawing its progress. A
stopped run leaves the job working; the next run, or another session asking the same
question, waits on the same job and gets its result. One job computes at a time (2 cores:
two at once only slow each other down), so a later one says it is queued.

A job's work must not call Streamlit (it has no script run to draw in): it gets the
store and everything else it reads as arguments, and reports progress through `report`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
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
    """The server's jobs by key: running ones, and the last `keep` that finished well
    (their callers cache the results too; these serve the sessions still waiting)."""

    def __init__(self, keep: int = 8):
        self.keep = keep
        self._jobs: OrderedDict[Hashable, Job] = OrderedDict()
        self._lock = threading.Lock()    # guards _jobs
        self._turn = threading.Lock()    # one job computes at a time

    def wait(self, key: Hashable, work: Callable[[Report], Any],
             show: Report | None = None) -> Any:
        """`work`'s result for `key`: started now unless a job for it is running or has
        finished, then waited for, `show(stage, fraction)` called as it goes. A failed job
        raises its error here, once, and is forgotten, so asking again tries again."""
        job = self._start(key, work)
        while not job.finished.wait(POLL_SECONDS):
            if show:
                show(job.stage, job.fraction)
        if job.error is not None:
            with self._lock:
                if self._jobs.get(key) is job:
                    del self._jobs[key]
            raise job.error
        return job.result

    def running(self) -> int:
        with self._lock:
            return sum(not job.finished.is_set() for job in self._jobs.values())

    def _start(self, key: Hashable, work: Callable[[Report], Any]) -> Job:
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                return job
            job = Job()
            self._jobs[key] = job
            self._forget_old()
        threading.Thread(target=self._run, args=(job, work), daemon=True,
                         name="routelab-background").start()
        return job

    def _run(self, job: Job, work: Callable[[Report], Any]) -> None:
        with self._turn:
            job.report("Starting ...", 0.0)
            try:
                job.result = work(job.report)
            except BaseException as exc:  # handed to the waiting script run, raised there
                job.error = exc
            finally:
                job.finished.set()

    def _forget_old(self) -> None:
        finished = [key for key, job in self._jobs.items() if job.finished.is_set()]
        for key in finished[:max(0, len(finished) - self.keep)]:
            del self._jobs[key]


@st.cache_resource(show_spinner=False)
def jobs() -> Jobs:
    """The server's one set of jobs."""
    return Jobs()
