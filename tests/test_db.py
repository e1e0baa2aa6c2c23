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


def test_a_kept_read_lasts_until_the_next_write(store):
    calls = []

    def count_configs():
        calls.append(1)
        return store.rows("SELECT count(*) FROM router_configs")[0][0]

    assert store.until_next_write("n", count_configs) == 0
    assert store.until_next_write("n", count_configs) == 0 and len(calls) == 1
    store.write(lambda cur: cur.execute(
        "INSERT INTO router_configs (name, kind, params) VALUES ('r', 'knn', '{}')"))
    assert store.until_next_write("n", count_configs) == 1 and len(calls) == 2


def test_a_write_during_a_kept_read_voids_it(store):
    """The read saw the table before the write: it must not be served after it."""
    def read_then_write():
        found = store.rows("SELECT count(*) FROM router_configs")[0][0]
        store.write(lambda cur: cur.execute(
            "INSERT INTO router_configs (name, kind, params) VALUES ('r', 'knn', '{}')"))
        return found

    assert store.until_next_write("n", read_then_write) == 0
    assert store.until_next_write("n", lambda: store.rows(
        "SELECT count(*) FROM router_configs")[0][0]) == 1


def test_the_dataset_listing_follows_an_import(store, tmp_path):
    """The sidebar's listing is kept between page runs, and an import shows at once."""
    from app.data.importers import import_path
    from app.store.datasets import all_datasets
    from tests.conftest import write

    assert all_datasets(store) == ()
    log = write(tmp_path / "log.csv", "prompt,model,score\nhi,a,1\nhi,b,0\n")
    import_path(store, log, name="tiny")
    assert [(d.name, d.queries, d.models) for d in all_datasets(store)] == [("tiny", 1, 2)]
