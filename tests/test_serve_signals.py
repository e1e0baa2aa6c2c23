"""`routelab serve` stops the dashboard and the model server with it, however it is stopped:
Ctrl-C, SIGTERM (a service manager, a container stop), SIGHUP (a closed terminal), or
SIGKILL, where no cleanup code runs and the kernel has to do it (process_guard)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app.models import local_server
from tests.conftest import REPO
from tests.serve import free_port

pytestmark = pytest.mark.slow


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.25)


def dashboard_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
            return True
    except OSError:
        return False


def as_in_a_terminal() -> None:
    """Ctrl-C reaches a command run in a terminal. A suite started in the background
    without job control (`make test &` in a script) ignores SIGINT, its children inherit
    that, and the SIGINT case would then test the shell instead of `routelab serve`."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT,
                                 signal.SIGKILL], ids=lambda s: s.name)
def test_no_child_survives_serve(sig, tmp_path):
    web, models = free_port(), free_port()
    env = {**os.environ, "ROUTELAB_DB": str(tmp_path / "serve.duckdb"),
           "ROUTELAB_LLAMA_PORT": str(models), "ROUTELAB_DEMO": "0"}
    log = open(tmp_path / "serve.log", "w")
    serve = subprocess.Popen(
        [str(Path(sys.executable).parent / "routelab"), "serve", "--", "--server.port",
         str(web), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=as_in_a_terminal)
    try:
        wait_until(lambda: dashboard_answers(web) and local_server.is_up(models), 240,
                   "the dashboard and the model server")
        children = descendants(serve.pid)
        assert len(children) >= 2, f"expected streamlit and the model server: {children}"
        serve.send_signal(sig)
        serve.wait(timeout=60)
        wait_until(lambda: not any(running(pid) for pid in children), 30,
                   f"{sorted(pid for pid in children if running(pid))} to exit after "
                   f"{sig.name} (log: {(tmp_path / 'serve.log').read_text()[-2000:]})")
        assert not local_server.is_up(models) and not dashboard_answers(web)
    finally:
        for pid in descendants(serve.pid) | {serve.pid}:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        serve.wait()
