"""The real LiteLLM proxy in front of the pool, serving an exported router (`routelab gateway`).

The proxy runs from its own virtual environment (`make gateway-setup` builds .venv-gateway):
`litellm[proxy]` pins websockets and rich below what the dashboard's environment holds, so
the two cannot share one. The proxy needs a master key: $LITELLM_MASTER_KEY, else one
generated once into data/gateway/master.key (readable by this user only); it is never
printed. The proxy is a guarded child: it stops when the process that started it dies.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from app import settings
from app.models.process_guard import guarded
from app.models.process_guard import stop as stop_process

GATEWAY_VENV = settings.REPO_ROOT / ".venv-gateway"
GATEWAY_DIR = settings.REPO_ROOT / "data" / "gateway"
DEFAULT_PORT = 4000


class GatewayProblem(RuntimeError):
    """The gateway cannot start; the message says why and what to do."""


def litellm_command() -> Path:
    binary = Path(os.environ.get("ROUTELAB_GATEWAY_VENV", GATEWAY_VENV)) / "bin" / "litellm"
    if not binary.exists():
        raise GatewayProblem(f"the gateway's environment is not installed ({binary} is "
                             "missing): run `make gateway-setup` (about 4 minutes, once)")
    return binary


def master_key() -> str:
    """$LITELLM_MASTER_KEY, else the key kept in data/gateway/master.key (made once)."""
    if os.environ.get("LITELLM_MASTER_KEY"):
        return os.environ["LITELLM_MASTER_KEY"]
    path = key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(f"sk-{secrets.token_hex(24)}\n")
    return path.read_text().strip()


def key_path() -> Path:
    return GATEWAY_DIR / "master.key"


def start(config: Path, *, port: int = DEFAULT_PORT, traffic_log: Path,
          timeout: float = 240.0) -> subprocess.Popen:
    """Start the proxy on 127.0.0.1:`port` with `config` (absolute: the hook lies beside
    it) and return once it answers its liveness probe; raise with its log if it does not."""
    if is_up(port):  # else the old server's answer would pass for the new one's
        raise GatewayProblem(f"something already answers on port {port}: stop it or "
                             "choose another --port")
    command = [str(litellm_command()), "--config", str(Path(config).resolve()),
               "--port", str(port), "--host", "127.0.0.1"]
    env = {**os.environ, "LITELLM_MASTER_KEY": master_key(),
           "ROUTELAB_TRAFFIC_LOG": str(Path(traffic_log).resolve()),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "LITELLM_LOCAL_MODEL_COST_MAP": "True", "DISABLE_ADMIN_UI": "True",
           "LITELLM_TELEMETRY": "False", "LITELLM_LOG": os.environ.get("LITELLM_LOG", "ERROR")}
    env.pop("DATABASE_URL", None)  # no spend database: the traffic log is the record
    log = log_path(port)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(guarded(command), stdout=out, stderr=subprocess.STDOUT,
                                   env=env, cwd=Path(config).resolve().parent)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise GatewayProblem(f"the LiteLLM proxy exited ({process.returncode}) while "
                                 f"starting; its log ({log}) ends:\n{_tail(log)}")
        if is_up(port):
            return process
        time.sleep(0.5)
    stop(process)
    raise GatewayProblem(f"the LiteLLM proxy did not answer on port {port} within "
                         f"{timeout:.0f} s; its log ({log}) ends:\n{_tail(log)}")


def is_up(port: int = DEFAULT_PORT) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/liveliness",
                                    timeout=2) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


def stop(process: subprocess.Popen | None) -> None:
    stop_process(process)


def log_path(port: int) -> Path:
    return GATEWAY_DIR / f"proxy.{port}.log"


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
