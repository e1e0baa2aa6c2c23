"""The DuckDB store: one connection per process, a cursor per operation, one writer at a time.

DuckDB allows a single writing process per file. The process that opens the store owns it;
threads of that process (Streamlit sessions) share the connection through `cursor()`, and
writes are serialised by a lock and retried when DuckDB reports a transaction conflict.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from app import settings

T = TypeVar("T")

# Re-exported so other modules can catch database errors without importing duckdb.
DatabaseError = duckdb.Error
ConstraintError = duckdb.ConstraintException

_CONFLICT_RETRIES = 6


class DatabaseLocked(RuntimeError):
    """Another process holds the database file."""

    def __init__(self, path: Path, pid: int | None, command: str | None):
        self.path, self.pid, self.command = path, pid, command
        holder = f"process {pid}" if pid else "another process"
        if command:
            holder += f" ({command})"
        super().__init__(
            f"The database {path} is in use by {holder}. DuckDB lets one process write a "
            f"file at a time. Stop that process{f' (kill {pid})' if pid else ''} — or, if "
            "it is the routelab dashboard, do this from its Data page — or set ROUTELAB_DB "
            "to another file."
        )


class Store:
    """A routelab database file, migrated to the newest schema on open."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con = _connect(self.path)
        self._write_lock = threading.RLock()
        self._generation = 0          # committed writes so far (DuckDB: the only writer)
        self._kept: dict[str, tuple[int, Any]] = {}
        migrate(self)

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of the shared connection for one read; closed afterwards."""
        cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def rows(self, sql: str, params: Any = None) -> list[tuple]:
        with self.cursor() as cur:
            return cur.execute(sql, params).fetchall()

    def frame(self, sql: str, params: Any = None):
        """Run a read query and return a pandas DataFrame."""
        with self.cursor() as cur:
            return cur.execute(sql, params).df()

    def write(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run `work(cursor)` in one transaction; retry on conflict, roll back on error."""
        with self._write_lock:
            for attempt in range(_CONFLICT_RETRIES):
                cur = self._con.cursor()
                try:
                    cur.begin()
                    result = work(cur)
                    cur.commit()
                    self._generation += 1
                    return result
                except duckdb.TransactionException as exc:
                    _rollback(cur)
                    if not _is_conflict(exc) or attempt == _CONFLICT_RETRIES - 1:
                        raise
                    time.sleep(0.01 * 2**attempt)
                except BaseException:
                    _rollback(cur)
                    raise
                finally:
                    cur.close()
        raise AssertionError("unreachable")

    def until_next_write(self, key: str, compute: Callable[[], T]) -> T:
        """compute(), kept until this store's next committed write: every write of this
        file goes through write(), since DuckDB lets no other process write it meanwhile.
        For small reads every page run repeats (the sidebar's dataset listing)."""
        generation = self._generation  # read first: a write during compute() voids it
        kept = self._kept.get(key)
        if kept is not None and kept[0] == generation:
            return kept[1]
        value = compute()
        self._kept[key] = (generation, value)
        return value

    def close(self) -> None:
        self._con.close()


def open_store(path: Path | str | None = None) -> Store:
    """Open (creating and migrating if needed) the configured database."""
    return Store(path or settings.db_path())


def migrate(store: Store) -> list[str]:
    """Apply the numbered SQL files of app/store/migrations that this file has not seen."""
    store.write(lambda cur: cur.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"))
    done = {v for (v,) in store.rows("SELECT version FROM schema_migrations")}
    applied = []
    for version, name, sql in _migration_files():
        if version in done:
            continue

        def apply(cur, version=version, name=name, sql=sql):
            cur.execute(sql)
            cur.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                        [version, name])

        store.write(apply)
        applied.append(name)
    return applied


def migration_versions() -> list[int]:
    """The schema versions this code knows (one per app/store/migrations/NNNN_*.sql)."""
    return [version for version, _, _ in _migration_files()]


def _migration_files() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files("app.store.migrations").iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", entry.name)
        if match:
            found.append((int(match[1]), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path))
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" not in text.lower():
            raise
        match = re.search(r"PID (\d+)", text)
        pid = int(match[1]) if match else None
        raise DatabaseLocked(path, pid, _process_command(pid)) from None


def _process_command(pid: int | None) -> str | None:
    if not pid:
        return None
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    words = [w for w in raw.decode(errors="replace").split("\0") if w]
    return " ".join(Path(words[0]).name if i == 0 else w for i, w in enumerate(words[:4]))


def _is_conflict(exc: Exception) -> bool:
    return "conflict" in str(exc).lower()


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    try:
        cur.rollback()
    except duckdb.Error:
        pass  # nothing to roll back: the transaction never started or already ended


def register_udf(cur, name: str, fn: Callable, arg_types: list[str], ret: str) -> None:
    """Register a vectorised (Arrow) Python scalar function on this cursor, once."""
    # DuckDB 2 keeps a cursor's functions on the shared connection, and registering one
    # twice aborts the transaction: look before registering.
    if cur.execute("SELECT count(*) FROM duckdb_functions() WHERE function_name = ?",
                   [name]).fetchall()[0][0]:
        return
    try:
        cur.create_function(name, fn, [duckdb.sqltype(t) for t in arg_types],
                            duckdb.sqltype(ret), type="arrow")
    except duckdb.NotImplementedException:
        pass  # already registered on this cursor
