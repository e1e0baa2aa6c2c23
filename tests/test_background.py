"""Heavy work on a worker thread (app/ui/background.py): started once per key, survives the
script run that asked for it being stopped, shared by every waiter, one job at a time."""

from __future__ import annotations

import threading
import time

import pytest

from app.ui.background import QUEUED, Jobs
from tests.conftest import settle


class Stopped(Exception):
    """What Streamlit raises in a script run when a click stops it."""


def test_a_stopped_wait_leaves_the_work_running_and_the_next_wait_gets_its_result():
    jobs, calls, release = Jobs(), [], threading.Event()

    def work(report):
        calls.append(1)
        report("halfway", 0.5)
        release.wait(10)
        return "result"

    def click(stage, fraction):  # the first progress drawn meets a click: the run stops
        raise Stopped
    with pytest.raises(Stopped):
        jobs.wait("question", work, show=click)
    assert jobs.running() == 1  # the work goes on without the run that started it
    again = []  # the next run asks while the job still works
    waiter = threading.Thread(target=lambda: again.append(jobs.wait("question", work)))
    waiter.start()
    release.set()
    waiter.join(10)
    assert again == ["result"]
    assert calls == [1]  # the second run waited on the same job: nothing computed twice


def test_sessions_asking_the_same_question_share_one_job():
    jobs, calls, release = Jobs(), [], threading.Event()

    def work(report):
        calls.append(1)
        release.wait(10)
        return len(calls)
    results = []
    waiters = [threading.Thread(target=lambda: results.append(jobs.wait("same", work)))
               for _ in range(3)]
    for waiter in waiters:
        waiter.start()
    time.sleep(0.3)
    release.set()
    for waiter in waiters:
        waiter.join(10)
    assert results == [1, 1, 1] and calls == [1]


def test_a_failed_job_raises_in_the_waiting_run_and_asking_again_tries_again():
    jobs, calls = Jobs(), []

    def work(report):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("the log has no answers")
        return "fixed"
    with pytest.raises(ValueError, match="no answers"):
        jobs.wait("question", work)
    assert jobs.wait("question", work) == "fixed" and len(calls) == 2


def test_one_job_computes_at_a_time_and_a_later_one_says_it_is_queued():
    jobs, order, first_running, release = Jobs(), [], threading.Event(), threading.Event()

    def first(report):
        order.append("first starts")
        first_running.set()
        release.wait(10)
        order.append("first ends")
        return 1

    def second(report):
        order.append("second starts")
        return 2
    seen = []
    waiter = threading.Thread(target=jobs.wait, args=("a", first))
    waiter.start()
    first_running.wait(10)

    def watch(stage, fraction):
        seen.append(stage)
        release.set()  # let the first finish once the second has been seen queued
    assert jobs.wait("b", second, show=watch) == 2
    waiter.join(10)
    assert seen[0] == QUEUED
    assert order == ["first starts", "first ends", "second starts"]


def test_a_finished_job_leaves_and_asking_again_computes_again():
    """Callers keep results where they look first (disk, the database); the jobs hold only
    the work in progress, so nothing finished is held twice or served stale."""
    jobs, calls = Jobs(), []

    def work(report):
        calls.append(1)
        return len(calls)
    assert jobs.wait("a", work) == 1 and jobs.running() == 0
    assert jobs.wait("a", work) == 2


def test_a_started_job_runs_with_no_one_waiting_once_and_drops_its_error(monkeypatch):
    monkeypatch.setenv("ROUTELAB_BUILD_AHEAD", "1")  # the suite turns work ahead off
    jobs, calls, release, done = Jobs(), [], threading.Event(), threading.Event()

    def work(report):
        calls.append(1)
        release.wait(10)
        done.set()
        raise RuntimeError("dropped: no run waits on a warm-up")
    started = time.perf_counter()
    jobs.start("ahead", work)
    jobs.start("ahead", work)  # the same key while it runs: no second job
    assert time.perf_counter() - started < 1 and jobs.running() == 1
    release.set()
    assert done.wait(10)
    settle(jobs, 5)  # the job leaves the registry as it finishes
    assert calls == [1] and jobs.running() == 0


def test_work_ahead_of_need_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("ROUTELAB_BUILD_AHEAD", "0")
    jobs, calls = Jobs(), []
    jobs.start("ahead", lambda report: calls.append(1))
    time.sleep(0.2)
    assert calls == [] and jobs.running() == 0
