"""process_guard: a guarded child is stopped by the kernel when its parent dies, even by
SIGKILL, and the guard refuses to start a child whose parent is already gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO

PARENT = """
import subprocess, sys, time
from app.models.process_guard import guarded
child = subprocess.Popen(guarded(["sleep", "300"]))
print(child.pid, flush=True)
time.sleep(300)
"""


def _gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


def test_a_guarded_child_dies_with_a_sigkilled_parent():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    try:
        assert not _gone(child, timeout=0.5), "the guarded child should be running"
        parent.send_signal(signal.SIGKILL)  # no cleanup code runs in the parent
        parent.wait()
        assert _gone(child), f"guarded child {child} outlived its SIGKILLed parent"
    finally:
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_the_guard_does_not_start_a_child_for_a_dead_parent():
    done = subprocess.run([sys.executable, "-m", "app.models.process_guard", "1", "--", "true"],
                          cwd=REPO, capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and "parent 1 is gone" in done.stderr
