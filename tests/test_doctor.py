"""`routelab doctor`, each check shown a broken piece of its kind: a locked database, a
missing key, a stopped or crashed model server, a probe that dies of a signal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app import doctor, settings
from app.cli import main
from app.models.pool import load_pool
from app.store.db import migration_versions
from tests.conftest import REPO

KEY = "sk-routelab-doctor-test-0123456789"


def test_quick_checks_pass_on_a_fresh_database(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ROUTELAB_DB", str(tmp_path / "fresh.duckdb"))
    findings = {f.check: f for f in doctor.run(quick=True)}
    assert list(findings) == ["python", "packages", "llama.cpp", "database", "model server",
                              "keys", "chromium"]
    assert findings["python"].status == doctor.OK
    assert findings["packages"].status == doctor.OK, findings["packages"].verdict
    assert findings["database"].status == doctor.OK
    assert f"schema version {max(migration_versions())}" in findings["database"].verdict


@pytest.fixture
def held_db(tmp_path):
    """(path, pid): a database file held open for writing by another process."""
    db = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from app.store.db import open_store; held = open_store(sys.argv[1]); "
        "print('holding', flush=True); time.sleep(120)"), str(db)], cwd=REPO,
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    yield db, holder.pid
    holder.kill()
    holder.wait()


def test_a_locked_database_fails_with_the_holder_and_the_fix(held_db, monkeypatch):
    db, pid = held_db
    monkeypatch.setenv("ROUTELAB_DB", str(db))
    finding = doctor.database()
    assert finding.status == doctor.FAIL
    assert f"locked by process {pid}" in finding.verdict
    assert f"kill {pid}" in finding.fix and "ROUTELAB_DB" in finding.fix


def test_a_database_from_a_newer_routelab_is_named(store):
    store.write(lambda cur: cur.execute(
        "INSERT INTO schema_migrations (version, name) VALUES (99, '0099_future.sql')"))
    finding = doctor.database(store)
    assert finding.status == doctor.FAIL and "schema version 99" in finding.verdict


def test_a_missing_key_names_the_variable_never_a_value(monkeypatch, tmp_path):
    pool = load_pool(REPO / "models.toml")
    cloud = {name for name, spec in pool.items() if spec.key_env() and not spec.api_base}
    assert cloud, "the committed pool has cloud models"
    monkeypatch.setattr("app.models.secrets.secrets_path", lambda: tmp_path / "none.toml")
    for name in cloud:
        monkeypatch.delenv(pool[name].key_env(), raising=False)
    missing = doctor.keys(pool)
    assert missing.status == doctor.WARN and "OPENAI_API_KEY" in missing.verdict
    assert "secrets.toml" in missing.fix
    for name in cloud:
        monkeypatch.setenv(pool[name].key_env(), KEY)
    present = doctor.keys(pool)
    assert present.status == doctor.OK and KEY not in present.line()


def test_a_stopped_server_is_a_warning_with_the_way_to_start_it(monkeypatch):
    from tests.serve import free_port

    monkeypatch.setenv("ROUTELAB_LLAMA_PORT", str(free_port()))
    finding = doctor.local_server_status()
    assert finding.status == doctor.WARN and "not running" in finding.verdict
    assert "make run" in finding.fix


def test_a_probe_killed_by_sigill_is_named_with_the_rebuild():
    crash = [sys.executable, "-c", "import os, signal; print('loading', flush=True); "
             "os.kill(os.getpid(), signal.SIGILL)"]
    finding = doctor.probe("gemma3-270m", crash)
    assert finding.status == doctor.FAIL
    assert "signal SIGILL (illegal instruction)" in finding.verdict
    assert "make clean run" in finding.fix


def test_a_model_file_that_is_not_gguf_fails_its_real_probe(tmp_path):
    pytest.importorskip("llama_cpp")
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a model" * 100)
    finding = doctor.probe("broken", [sys.executable, "-m", "app.models.llama_probe", str(broken)])
    assert finding.status == doctor.FAIL and "the probe failed (exit" in finding.verdict


def test_the_llama_build_is_the_portable_one_make_setup_records():
    finding = doctor.llama_build()
    stamp = Path(sys.prefix) / ".llama-build"
    if not stamp.exists():
        assert finding.status == doctor.WARN and "make clean run" in finding.fix
        pytest.skip("this venv was not set up by `make setup`")
    assert finding.status == doctor.OK and "portable build" in finding.verdict


def test_the_cli_prints_one_line_per_check_and_fails_on_a_failure(held_db, capsys):
    db, pid = held_db
    assert main(["--db", str(db), "doctor", "--quick"]) == 1
    out = capsys.readouterr().out
    assert "FAIL database" in out and f"locked by process {pid}" in out
    assert "1 failed: database" in out
    assert str(settings.DEFAULT_DB) not in out  # it checked the file it was given
