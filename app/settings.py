"""Paths and limits shared by the app and the CLI; read from the environment."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = REPO_ROOT / "data" / "routelab.duckdb"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

# Imports larger than this are refused before any parsing (uploads and paths alike).
DEFAULT_MAX_IMPORT_MB = 2048


def db_path() -> Path:
    """The database file: $ROUTELAB_DB if set, else data/routelab.duckdb."""
    configured = os.environ.get("ROUTELAB_DB", "").strip()
    return Path(configured).expanduser() if configured else DEFAULT_DB


def max_import_bytes() -> int:
    """Largest file an import accepts, from $ROUTELAB_MAX_IMPORT_MB."""
    raw = os.environ.get("ROUTELAB_MAX_IMPORT_MB", "")
    try:
        megabytes = float(raw) if raw else DEFAULT_MAX_IMPORT_MB
    except ValueError:
        megabytes = DEFAULT_MAX_IMPORT_MB
    return int(megabytes * 1024 * 1024)


LOCAL_SERVER_PORT = 8765
MODELS_DIR = REPO_ROOT / "data" / "models"


def local_server_port() -> int:
    """Port of routelab's llama.cpp server: $ROUTELAB_LLAMA_PORT, else 8765."""
    raw = os.environ.get("ROUTELAB_LLAMA_PORT", "")
    return int(raw) if raw.isdigit() else LOCAL_SERVER_PORT


def local_server_url() -> str:
    return f"http://127.0.0.1:{local_server_port()}"


def demo_enabled() -> bool:
    """Load the built-in demo log into an empty database (off with ROUTELAB_DEMO=0)."""
    return os.environ.get("ROUTELAB_DEMO", "1").strip().lower() not in ("0", "false", "no")


def force_offline() -> None:
    """Keep model libraries off the network: everything they need ships in packages."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
