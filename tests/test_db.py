"""The store: migrations once, atomic writes, many threads, and a clear message when locked."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from app.store.db import DatabaseLocked, open_store


def test_migrations_apply_once(tmp_path):
    path = tmp_path / "m.duckdb"
    first = open_store(path)
    versions = first.rows("SELECT version FROM schema_migrations")
    first.close()
    again = open_store(path)
    assert again.rows("SELECT version FROM schema_migrations ORDER BY 1") == sorted(versions)
    assert [v for (v,) in sorted(versions)] == list(range(1, len(versions) + 1))
    tables = {r[0] for r in again.rows("SELECT table_name FROM information_schema.tables")}
    assert {"datasets", "queries", "models", "outcomes"} <= tables
    again.close()


def test_failed_write_rolls_back(store):
    def half_then_fail(cur):
        cur.execute("INSERT INTO models (model) VALUES ('x')")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        store.write(half_then_fail)
    assert store.rows("SELECT count(*) FROM models")[0][0] == 0


def test_many_threads_write_through_one_connection(store):
    def writer(i):
        for j in range(25):
            store.write(lambda cur, m=f"m{i}-{j}": cur.execute(
                "INSERT INTO models (model) VALUES (?)", [m]))
            store.rows("SELECT count(*) FROM models")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.rows("SELECT count(*) FROM models")[0][0] == 200


def test_locked_file_names_the_holder(tmp_path):
    path = tmp_path / "held.duckdb"
    open_store(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); time.sleep(60)", str(path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(DatabaseLocked) as caught:
            open_store(path)
        message = str(caught.value)
        assert f"process {holder.pid}" in message and f"kill {holder.pid}" in message
        assert "ROUTELAB_DB" in message and str(path) in message
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.2)
    open_store(path).close()  # free again once the holder is gone
