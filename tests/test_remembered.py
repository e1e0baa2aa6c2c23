"""Comparisons kept on disk: the same question on the same data and code is answered from the
kept result; any change to the question, the data or the code computes it again."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from app.data.importers import import_path
from app.routing import remembered
from app.routing.comparison import compare
from app.routing.configs import RouterConfig
from tests.conftest import REPO, write

FAST = "hashing-ngrams-512"
QUESTION = dict(n_boot=20, sample_limit=30_000)


def toy_log(store, tmp_path, name: str = "toy", flip: bool = False, replace=False) -> None:
    lines = ["prompt,task,model,score,cost_usd"]
    for i in range(40):
        task = ["maths", "geo"][i % 2]
        good = int((task == "geo") != flip)
        lines += [f"question {i} about {task},{task},cheap,{good},0.001",
                  f"question {i} about {task},{task},dear,1,0.01"]
    import_path(store, write(tmp_path / f"{name}.csv", "\n".join(lines) + "\n"),
                replace=replace)


@pytest.fixture
def kept_here(tmp_path, monkeypatch):
    """The cache beside a test database of its own."""
    monkeypatch.setenv("ROUTELAB_DB", str(tmp_path / "test.duckdb"))
    return tmp_path / "comparison-cache"


def test_a_kept_comparison_is_found_only_for_the_same_question_and_data(store, tmp_path,
                                                                         kept_here):
    toy_log(store, tmp_path)
    knn = [RouterConfig("knn", "knn", {"k": 3}, encoder=FAST)]
    key = remembered.digest(store, "toy", knn, **QUESTION)
    assert remembered.load(key) is None
    result = compare(store, "toy", knn, **QUESTION)
    remembered.save(key, result)
    kept, _ = remembered.load(key)
    assert kept.rows == result.rows and kept.split_note == result.split_note
    assert not list(kept_here.glob("*.part"))  # written aside, then renamed: whole or absent
    # every part of the question is in the key
    assert remembered.digest(store, "toy", knn, **QUESTION) == key
    assert remembered.digest(store, "toy", knn, n_boot=21, sample_limit=30_000) != key
    assert remembered.digest(store, "toy", [RouterConfig("knn", "knn", {"k": 4}, encoder=FAST)],
                             **QUESTION) != key
    assert remembered.digest(store, "toy", knn, models=["cheap", "dear"], **QUESTION) != key
    # and so is the data: another dataset (a probes log, say) is a new key too
    toy_log(store, tmp_path, name="other", flip=True)
    assert remembered.digest(store, "toy", knn, **QUESTION) != key


def test_a_code_change_is_a_new_key(store, tmp_path, kept_here, monkeypatch):
    toy_log(store, tmp_path)
    knn = [RouterConfig("knn", "knn", {"k": 3}, encoder=FAST)]
    key = remembered.digest(store, "toy", knn, **QUESTION)
    monkeypatch.setattr(remembered, "code_fingerprint", lambda: "edited sources")
    assert remembered.digest(store, "toy", knn, **QUESTION) != key


def test_the_code_fingerprint_reads_every_source(tmp_path, monkeypatch):
    for top in remembered.SOURCES:
        (tmp_path / top).mkdir()
        write(tmp_path / top / "module.py", "X = 1\n")
    monkeypatch.setattr(remembered, "ROOT", tmp_path)
    remembered.code_fingerprint.cache_clear()
    try:
        before = remembered.code_fingerprint()
        remembered.code_fingerprint.cache_clear()
        write(tmp_path / remembered.SOURCES[-1] / "module.py", "X = 2\n")
        assert remembered.code_fingerprint() != before
    finally:
        remembered.code_fingerprint.cache_clear()


def test_an_unreadable_kept_result_is_computed_again(kept_here):
    kept_here.mkdir(parents=True)
    (kept_here / "cut.pickle").write_bytes(b"\x80\x05not a whole pickle")
    assert remembered.load("cut") is None
    assert not (kept_here / "cut.pickle").exists()


def test_only_the_newest_results_are_kept(kept_here, monkeypatch):
    monkeypatch.setattr(remembered, "KEEP", 3)
    for i in range(5):
        remembered.save(f"key{i}", {"result": i})
        os.utime(kept_here / f"key{i}.pickle", (1_000_000 + i, 1_000_000 + i))
    remembered.save("key5", {"result": 5})
    assert sorted(p.stem for p in kept_here.glob("*.pickle")) == ["key3", "key4", "key5"]


def _evaluate(store, *extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "evaluate", "toy", "--router", "knn", "--boot", "20",
         "--json", *extra], cwd=REPO, capture_output=True, text=True, timeout=300,
        env={**os.environ, "ROUTELAB_DB": str(store.path), "ROUTELAB_ENCODER": FAST})


@pytest.mark.slow
def test_evaluate_again_answers_from_the_kept_comparison_until_the_data_changes(store, tmp_path):
    toy_log(store, tmp_path)
    store.close()
    first = _evaluate(store)
    assert first.returncode == 0, first.stderr
    assert "Training and sweeping knn" in first.stderr
    again = _evaluate(store)
    assert again.returncode == 0, again.stderr
    assert "Training" not in again.stderr and "--fresh computes it again" in again.stderr
    assert json.loads(again.stdout) == json.loads(first.stdout)
    # another question on the same data (more resamples): the router is not trained again
    resampled = _evaluate(store, "--boot", "30")
    assert resampled.returncode == 0, resampled.stderr
    assert "knn: trained in an earlier comparison" in resampled.stderr
    assert "Training" not in resampled.stderr
    fresh = _evaluate(store, "--fresh")
    assert "Training and sweeping knn" in fresh.stderr
    assert json.loads(fresh.stdout) == json.loads(first.stdout)  # seeded: the same figures
    # a re-import that changes the log is new data: computed again, with its own figures
    from app.store.db import open_store
    reopened = open_store(store.path)
    toy_log(reopened, tmp_path, flip=True, replace=True)
    reopened.close()
    changed = _evaluate(store)
    assert "Training and sweeping knn" in changed.stderr
    assert json.loads(changed.stdout) != json.loads(first.stdout)


def test_a_router_trained_for_one_line_up_is_not_trained_again_for_another(
        store, tmp_path, kept_here, monkeypatch):
    """Taking a router off the line-up (or adding one) trains only what is new: the others'
    curves, scores and metrics are the ones the first comparison computed."""
    from app.routing import comparison

    toy_log(store, tmp_path)
    knn = RouterConfig("knn", "knn", {"k": 3}, encoder=FAST)
    centroid = RouterConfig("centroid", "centroid", {}, encoder=FAST)
    trained = remembered.TrainedRouters(store, "toy", **QUESTION)
    both = compare(store, "toy", [knn, centroid], **QUESTION, trained=trained)
    assert len(list((kept_here / "routers").glob("*.pickle"))) == 2

    def no_training(*args, **kwargs):
        raise AssertionError("trained again, though trained on the same data before")
    monkeypatch.setattr(comparison, "fit_router", no_training)
    stages = []
    one = compare(store, "toy", [centroid], **QUESTION, progress=lambda s, f: stages.append(s),
                  trained=remembered.TrainedRouters(store, "toy", **QUESTION))
    assert "centroid: trained in an earlier comparison" in stages
    np.testing.assert_array_equal(one.routers["centroid"].quality,
                                  both.routers["centroid"].quality)
    row = next(r for r in one.rows if r["name"] == "centroid")
    assert row == next(r for r in both.rows if r["name"] == "centroid")
    # a router not seen before, or one with other settings, is trained
    with pytest.raises(AssertionError, match="trained again"):
        compare(store, "toy", [RouterConfig("knn", "knn", {"k": 4}, encoder=FAST)],
                **QUESTION, trained=remembered.TrainedRouters(store, "toy", **QUESTION))
    # and without `trained` nothing is reused (routelab evaluate --fresh)
    with pytest.raises(AssertionError, match="trained again"):
        compare(store, "toy", [centroid], **QUESTION)


def test_a_routers_kept_results_are_keyed_by_what_they_depend_on(store, tmp_path, kept_here):
    toy_log(store, tmp_path)
    knn = RouterConfig("knn", "knn", {"k": 3}, encoder=FAST)
    key = remembered.TrainedRouters(store, "toy", **QUESTION).key(knn)
    assert remembered.TrainedRouters(store, "toy", **QUESTION).key(knn) == key

    def key_with(**changed):
        return remembered.TrainedRouters(store, "toy", **{**QUESTION, **changed}).key(knn)
    assert key_with(n_boot=21) == key  # the resamples only reach a router through budgets
    assert key_with(budgets=(0.002,)) != key
    assert key_with(budgets=(0.002,), n_boot=21) != key_with(budgets=(0.002,))
    assert key_with(models=["cheap", "dear"]) != key
    assert key_with(sample_limit=10_000) != key
    assert remembered.TrainedRouters(store, "toy", **QUESTION).key(
        RouterConfig("knn", "knn", {"k": 4}, encoder=FAST)) != key
    toy_log(store, tmp_path, flip=True, replace=True)  # the same name, other data
    assert remembered.TrainedRouters(store, "toy", **QUESTION).key(knn) != key


def test_save_says_whether_it_kept_the_result(kept_here, tmp_path, monkeypatch):
    """The Compare page says a result is kept on disk only when it was."""
    assert remembered.save("fine", {"result": 1}) is True
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setattr(remembered, "cache_dir", lambda: blocked / "comparison-cache")
    assert remembered.save("nowhere", {"result": 2}) is False
