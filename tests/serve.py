"""Start a real `streamlit run` server and a headless Debian Chromium for browser tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import REPO

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO / "tests" / "artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(db: Path, env: dict | None = None, timeout: float = 90.0,
                     script: str = "app/main.py"):
    """Yield the base URL of a streamlit server on a free port using database `db` (another
    `script` for a baseline app, e.g. the benchmarks' one-widget page)."""
    with streamlit_process(db, env, timeout, script=script) as (url, _):
        yield url


@contextlib.contextmanager
def streamlit_process(db: Path, env: dict | None = None, timeout: float = 90.0,
                      port: int | None = None, script: str = "app/main.py"):
    """Yield (base URL, process) of a streamlit server, for tests that kill it."""
    port = port or free_port()
    log = open(db.with_suffix(".server.log"), "w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "streamlit"), "run", script,
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env={**os.environ, "ROUTELAB_DB": str(db), **(env or {})},
        stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError("streamlit did not start:\n" +
                                   db.with_suffix(".server.log").read_text())
            time.sleep(0.3)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def chromium_available() -> str | None:
    """None when the browser tests can run, else the reason they cannot."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return ("Debian's chromium is not installed "
                "(make test installs it: apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright (Python) is not installed: pip install -e '.[dev]'"
    return None


def wait_for_app(page, timeout: float = 60_000) -> None:
    """Wait until Streamlit has finished running the script (no 'running' indicator)."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=timeout)
    page.wait_for_timeout(300)
