"""Shared fixtures: a fresh store per test, and the real public data in ../shared/data."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from app import settings
from app.store.db import Store, open_store

REPO = settings.REPO_ROOT
SHARED = Path(os.environ.get("ROUTELAB_SHARED_DATA", settings.SHARED_DATA))
ROUTERBENCH = SHARED / "routerbench_subset"
LLMROUTER = SHARED / "llmrouter"


# The suite draws the same property-test examples on every run (seeded by each test), so a
# red CI run is a change's doing, not a new draw; `make fuzz` searches fresh random
# examples, twenty times as many (a failure it finds belongs in a test of its own).
hypothesis_settings.register_profile("suite", max_examples=150, derandomize=True)
hypothesis_settings.register_profile("explore", max_examples=3000, derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


def pytest_configure(config):
    """The Data page starts building a small log's map ahead of need (ui/map_view's
    build_ahead); the suite's many small logs would each start one, so it is off in the
    suite (its servers included) and on in the tests that check it. Benchmarks, which
    import this module for its helpers, keep the default."""
    os.environ.setdefault("ROUTELAB_BUILD_AHEAD", "0")


@pytest.fixture
def store(tmp_path) -> Store:
    opened = open_store(tmp_path / "test.duckdb")
    yield opened
    opened.close()


@pytest.fixture
def routerbench_dir() -> Path:
    if not ROUTERBENCH.is_dir():
        pytest.skip(f"real RouterBench subset not found at {ROUTERBENCH} (../shared/data is "
                    "absent on this machine)")
    return ROUTERBENCH


@pytest.fixture
def llmrouter_dir() -> Path:
    if not LLMROUTER.is_dir():
        pytest.skip(f"real LLMRouter data not found at {LLMROUTER} (../shared/data is absent "
                    "on this machine)")
    return LLMROUTER


def vega_charts(app) -> list[tuple[dict, object]]:
    """An AppTest page's native (Vega-Lite) charts in page order: (spec, its data as the
    DataFrame Streamlit sends over Arrow)."""
    import json

    import pyarrow as pa

    return [(json.loads(c.proto.spec),
             pa.ipc.open_stream(c.proto.data.data).read_all().to_pandas())
            for c in app.get("vega_lite_chart")]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(store: Store) -> tuple:
    """Everything an import could change, to prove a failed one changed nothing."""
    return tuple(store.rows(f"SELECT count(*) FROM {t}")[0][0]
                 for t in ("datasets", "queries", "outcomes", "models")) + (
        tuple(store.rows("SELECT name, content_hash FROM datasets ORDER BY name")),)


@pytest.fixture(scope="session")
def local_server_process():
    """routelab's real llama.cpp server (SmolLM2 + Gemma 3) on a free port, for the session:
    (process, port). `start()` returns only after each model generated a token."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        pytest.skip("llama-cpp-python is not installed (pip install -e '.[dev]')")
    from app.models import local_server
    from tests.serve import free_port

    previous = os.environ.get("ROUTELAB_LLAMA_PORT")
    port = free_port()
    os.environ["ROUTELAB_LLAMA_PORT"] = str(port)
    process = local_server.start(port)
    yield process, port
    local_server.stop(process)
    if previous is None:
        os.environ.pop("ROUTELAB_LLAMA_PORT", None)
    else:
        os.environ["ROUTELAB_LLAMA_PORT"] = previous


@pytest.fixture(scope="session")
def local_models(local_server_process):
    """The base URL of the session's local model server."""
    return f"http://127.0.0.1:{local_server_process[1]}/v1"


@pytest.fixture
def pool():
    from app.models.pool import load_pool
    return load_pool(REPO / "models.toml")


def settle(jobs, timeout: float) -> None:
    """Wait until no background job (app/ui/background.py) runs, or `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while jobs.running() and time.monotonic() < deadline:
        time.sleep(0.05)
