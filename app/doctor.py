"""`routelab doctor`: is this machine ready? One verdict per check, with the fix.

Quick checks (`--quick`, run by `make run` before it starts): Python and the pinned
packages, the llama.cpp build, the database, the local model server, the pool's keys
(never their values), Chromium. The slow ones add the encoder loading offline and one token
from each local model, each generated in a subprocess so that a build this CPU cannot run
is reported with its signal instead of killing the doctor. The Models page shows the same.
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app import settings
from app.models import local_server, secrets

OK, WARN, FAIL = "ok", "warn", "fail"
PROBE_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class Finding:
    check: str
    status: str   # ok | warn (works, with a caveat) | fail (something is broken)
    verdict: str
    fix: str = ""

    def line(self) -> str:
        mark = {OK: "ok  ", WARN: "warn", FAIL: "FAIL"}[self.status]
        return f"{mark} {self.check:<14} {self.verdict}" + (f" -> {self.fix}" if self.fix
                                                             else "")


def python_version() -> Finding:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.prefix == sys.base_prefix:  # the pins hold in .venv, not in a system Python
        return Finding("python", WARN, f"Python {version} outside a virtual environment",
                       "run routelab from .venv (make run, or .venv/bin/routelab)")
    return Finding("python", OK, f"Python {version} in {sys.prefix}")


def packages(pyproject: Path | None = None) -> Finding:
    """Every `name==version` pin of pyproject.toml against what is installed."""
    pyproject = pyproject or settings.REPO_ROOT / "pyproject.toml"
    try:
        pins = _pins(tomllib.loads(pyproject.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError):
        return Finding("packages", WARN, f"cannot read the pins in {pyproject}")
    wrong = []
    for name, wanted in pins.items():
        try:
            have = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            have = "missing"
        if have.split("+")[0] != wanted:  # a local label (torch's "+cpu") is the same release
            wrong.append(f"{name} {have} (pinned {wanted})")
    if wrong:
        return Finding("packages", FAIL, "; ".join(wrong), "make clean setup")
    return Finding("packages", OK, f"all {len(pins)} pinned packages at their pins")


def _pins(project: dict) -> dict[str, str]:
    pins = {}
    for requirement in project.get("project", {}).get("dependencies", []):
        match = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)(?:\[[^]]*\])?\s*==\s*([^\s;,]+)\s*",
                             requirement)
        if match:
            pins[match[1]] = match[2]
    return pins


def llama_build() -> Finding:
    """Which llama.cpp build the venv holds (scripts/install-llama-cpp.sh records it)."""
    stamp = Path(sys.prefix) / ".llama-build"
    try:
        build = stamp.read_text(encoding="utf-8").strip()
    except OSError:
        return Finding("llama.cpp", WARN, "llama-cpp-python was not installed by `make "
                       "setup`; it may be built for this CPU only and crash on others",
                       "make clean run")
    flags = build.split()[1:]
    if "-DGGML_NATIVE=OFF" not in flags:
        return Finding("llama.cpp", WARN, f"a build for this CPU only ({build})",
                       "make clean run")
    level = ("x86-64-v3: AVX2, FMA, F16C; no AVX-512/AMX" if "-DGGML_AVX2=ON" in flags
             else "baseline: no AVX" if "-DGGML_AVX=OFF" in flags else " ".join(flags))
    return Finding("llama.cpp", OK, f"portable build ({level})")


def database(store=None, path: Path | None = None) -> Finding:
    """Writable, not locked by another process, schema up to date. `store`: an open one;
    else the file at `path` (default: the configured database) is opened."""
    from app.store.db import DatabaseLocked, migration_versions, open_store

    path = store.path if store is not None else Path(path or settings.db_path())
    try:
        opened = store if store is not None else open_store(path)
    except DatabaseLocked as exc:
        return Finding("database", FAIL, f"{path} is locked by process {exc.pid}"
                       + (f" ({exc.command})" if exc.command else ""),
                       f"stop it (kill {exc.pid}) or set ROUTELAB_DB to another file")
    except Exception as exc:  # unreadable, not a DuckDB file, a folder without write access
        return Finding("database", FAIL, f"cannot open {path}: {exc}",
                       "fix the file's permissions, or set ROUTELAB_DB to another file")
    try:
        applied = {v for (v,) in opened.rows("SELECT version FROM schema_migrations")}
    finally:
        if store is None:
            opened.close()
    known = set(migration_versions())
    if applied - known:
        return Finding("database", FAIL, f"{path} has schema version {max(applied)}, newer "
                       f"than this routelab knows ({max(known)})",
                       "update routelab, or set ROUTELAB_DB to another file")
    return Finding("database", OK, f"{path} is writable, schema version {max(applied)}")


def local_server_status() -> Finding:
    url = settings.local_server_url()
    if local_server.is_up():
        return Finding("model server", OK, f"SmolLM2 and Gemma 3 answer on {url}")
    exited = local_server.why_down()
    if exited:  # a crash fails; a server stopped from outside is only not running
        return Finding("model server", FAIL if local_server.crashed() else WARN, exited,
                       "make run")
    return Finding("model server", WARN, f"not running on {url}",
                   "`make run` starts it with the dashboard")


def keys(pool: dict | None = None) -> Finding:
    """Which cloud models have their key. Names where a key is missing; never a value."""
    from app.models.pool import PoolError, load_pool

    try:
        pool = pool if pool is not None else load_pool()
    except PoolError as exc:
        return Finding("keys", FAIL, str(exc), "fix models.toml")
    needing = {name: spec.key_env() for name, spec in pool.items()
               if spec.key_env() and not spec.api_base}
    missing = {name: env for name, env in needing.items() if secrets.where(env) == "missing"}
    if not needing:
        return Finding("keys", OK, "no model in the pool needs a key")
    if missing:
        listed = ", ".join(f"{env} ({name})" for name, env in missing.items())
        return Finding("keys", WARN, f"{len(needing) - len(missing)} of {len(needing)} cloud "
                       f"models have a key; missing: {listed}",
                       "set it in the environment or in .streamlit/secrets.toml")
    return Finding("keys", OK, f"all {len(needing)} cloud models have a key")


def chromium() -> Finding:
    path = shutil.which("chromium") or ("/usr/bin/chromium"
                                        if Path("/usr/bin/chromium").exists() else None)
    if path:
        return Finding("chromium", OK, f"{path} (for the browser tests)")
    return Finding("chromium", WARN, "not installed; only the browser tests need it",
                   "make chromium")


def encoder() -> Finding:
    """The default encoder loads from its package with the network off, and encodes."""
    from app.embed.embeddings import DEFAULT_ENCODER, get_encoder

    started = time.perf_counter()
    try:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # one verdict line, not a loading bar
        loaded = get_encoder(DEFAULT_ENCODER)
        vector = loaded.encode(["Is routelab ready?"])
    except Exception as exc:  # a missing package, a hub lookup refused offline, ...
        return Finding("encoder", FAIL, f"{DEFAULT_ENCODER} does not load offline: {exc}",
                       "make clean setup")
    return Finding("encoder", OK, f"{DEFAULT_ENCODER} loads offline ({vector.shape[1]}-d, "
                   f"{getattr(loaded, 'runtime', 'its own code')}, "
                   f"{time.perf_counter() - started:.1f} s)")


def local_models() -> list[Finding]:
    """One token from each local model, each in its own subprocess."""
    try:
        files = local_server.model_files()
    except Exception as exc:  # a model package missing or its file not assembled
        return [Finding("local models", FAIL, f"model files unavailable: {exc}",
                        "make clean setup")]
    return [probe(alias, [sys.executable, "-m", "app.models.llama_probe", str(path)])
            for alias, path in files.items()]


def probe(alias: str, command: list[str], timeout: float = PROBE_TIMEOUT_S) -> Finding:
    """Run a one-token probe; a signal exit is named, with the end of what it printed."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              cwd=settings.REPO_ROOT)
    except subprocess.TimeoutExpired:
        return Finding(alias, FAIL, f"no token within {timeout:.0f} s", "make clean run")
    if done.returncode == 0:
        return Finding(alias, OK, done.stdout.strip().splitlines()[-1])
    tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
    if done.returncode < 0:
        verdict = (f"the probe died with signal {local_server.signal_name(done.returncode)}"
                   + (f": {tail}" if tail else ""))
        fix = ("this llama.cpp build uses instructions this CPU cannot run: make clean run"
               if done.returncode == -signal.SIGILL else "make clean run")
        return Finding(alias, FAIL, verdict, fix)
    return Finding(alias, FAIL, f"the probe failed (exit {done.returncode}): {tail}",
                   "make clean setup")


QUICK: tuple[Callable[[], Finding], ...] = (python_version, packages, llama_build, database,
                                            local_server_status, keys, chromium)


def run(quick: bool = False, store=None, db: Path | None = None) -> Iterator[Finding]:
    """Every check in order, each as soon as it is known. The database checked: `store`
    (the app's open one), else the file `db`, else the configured one."""
    for check in QUICK:
        yield database(store, db) if check is database else check()
    if not quick:
        yield encoder()
        yield from local_models()
