"""The routelab command as a user runs it: a subprocess with ROUTELAB_DB set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from tests.conftest import REPO, write


def routelab(*args, db, env=None, timeout=120):
    full_env = {**os.environ, "ROUTELAB_DB": str(db), **(env or {})}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=REPO, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def test_import_then_list_as_json(tmp_path, routerbench_dir):
    db = tmp_path / "cli.duckdb"
    done = routelab("import", str(routerbench_dir), "--name", "rb", db=db)
    assert done.returncode == 0, done.stderr
    assert "3,164 queries, 11 models" in done.stdout and "note:" in done.stdout
    log = write(tmp_path / "mine.csv", "prompt,model,score\nhi,a,1\nhi,b,0\nyo,a,1\n")
    assert routelab("import", str(log), "--format", "long", db=db).returncode == 0
    listed = routelab("datasets", "--json", db=db)
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert {k: rows["rb"][k] for k in ("kind", "queries", "models", "outcomes")} == {
        "kind": "imported", "queries": 3164, "models": 11, "outcomes": 34804}
    assert (rows["mine"]["queries"], rows["mine"]["models"], rows["mine"]["outcomes"]) == (
        2, 2, 3)
    assert "rb" in routelab("datasets", db=db).stdout


def test_column_flags_and_bad_input_exit_2_with_message(tmp_path):
    db = tmp_path / "cli.duckdb"
    log = write(tmp_path / "odd.csv", "ask,who,ok\nhi,a,1\nhi,b,zero\n")
    done = routelab("import", str(log), "--text-col", "ask", "--model-col", "who",
                    "--score-col", "ok", db=db)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "odd.csv, row 2, column 'ok'" in done.stderr
    partial = routelab("import", str(log), "--text-col", "ask", db=db)
    assert partial.returncode == 2 and "--model-col" in partial.stderr


def test_locked_database_message_names_pid(tmp_path):
    db = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; "
                               "c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
                               "time.sleep(60)", str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        done = routelab("datasets", db=db)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert f"process {holder.pid}" in done.stderr and "ROUTELAB_DB" in done.stderr
    finally:
        holder.kill()
        holder.wait()


def test_routerbench_download_fails_fast_offline(tmp_path):
    started = time.monotonic()
    done = routelab("import", "routerbench", db=tmp_path / "x.duckdb",
                    env={"HF_HUB_OFFLINE": "1"})
    assert time.monotonic() - started < 20
    assert done.returncode == 2 and "HF_HUB_OFFLINE" in done.stderr
    assert "routelab import PATH/TO/routerbench_0shot.pkl" in done.stderr


def test_an_unknown_encoder_setting_is_a_clear_message(tmp_path):
    db = tmp_path / "enc.duckdb"
    log = write(tmp_path / "small.csv", "prompt,model,score\nhi,a,1\nhi,b,0\nyo,a,1\nyo,b,1\n")
    assert routelab("import", str(log), db=db).returncode == 0
    done = routelab("evaluate", "small", "--router", "knn", db=db,
                    env={"ROUTELAB_ENCODER": "minilm-typo"})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "ROUTELAB_ENCODER is 'minilm-typo'" in done.stderr
    assert "hashing-ngrams-512" in done.stderr  # it says which names work


def test_the_app_says_so_too(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("ROUTELAB_DB", str(tmp_path / "app.duckdb"))
    monkeypatch.setenv("ROUTELAB_DEMO", "0")
    monkeypatch.setenv("ROUTELAB_ENCODER", "minilm-typo")
    from app.ui import resources
    resources.store.clear()
    app = AppTest.from_file(str(REPO / "app" / "main.py"), default_timeout=60).run()
    assert not app.exception
    assert any("Check the encoder setting" in e.value for e in app.error)
    resources.store.clear()
