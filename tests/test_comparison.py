"""Training and comparing routers on real logs, end to end through the app layer."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from app.data.importers import import_path
from app.routing.comparison import compare, summary
from app.routing.configs import (
    RouterConfig,
    load_for_routing,
    save_config,
    saved_configs,
    split_rows,
)
from tests.conftest import REPO, write

FAST = "hashing-ngrams-512"  # a real, fast encoder: these tests are about the pipeline
pytestmark = pytest.mark.slow


def test_split_uses_the_logs_own_split_else_stratified():
    train, test, note = split_rows(np.array(["train", "test", "train", None]),
                                   np.array(["a", "a", "b", "b"]))
    assert train.tolist() == [0, 2] and test.tolist() == [1] and "own split" in note
    tasks = np.array(["a"] * 10 + ["b"] * 10)
    train, test, note = split_rows(np.array([None] * 20), tasks, test_fraction=0.3, seed=1)
    assert len(test) == 6 and (tasks[test] == "a").sum() == 3 and "stratified" in note
    assert np.intersect1d(train, test).size == 0 and len(train) + len(test) == 20


def test_the_split_is_by_query_text():
    """A text (once case and spacing are normalised) never sits in both splits."""
    texts = ["What is 2+2?", "what is  2+2?", "Capital of Peru?", "capital of peru?",
             "Say hi", "Name a colour", "Count to 3", "Spell cat", "Add 1 and 1", "2*3?"]
    tasks = np.array(["maths", "maths", "geo", "maths", "chat", "chat", "maths", "chat",
                      "maths", "maths"])
    for seed in range(20):
        train, test, note = split_rows(np.array([None] * 10), tasks, 0.3, seed, texts)
        assert "by query text" in note and len(train) + len(test) == 10
        norm = [" ".join(t.lower().split()) for t in texts]
        assert not {norm[i] for i in train} & {norm[i] for i in test}
        assert 1 <= len(test) <= 5
    # a log's own split that puts a text on both sides: its training rows are left out
    own = np.array(["train", "test", "train", "test"])
    train, test, note = split_rows(own, np.array(["a"] * 4), texts=["q1", "Q1 ", "q2", "q3"])
    assert train.tolist() == [2] and test.tolist() == [1, 3]
    assert "1 training rows whose text is also in test left out" in note


def test_a_log_without_costs_evaluates_to_strict_json_without_warnings(store, tmp_path):
    lines = ["prompt,task,model,score"]
    for i in range(60):
        task = ["maths", "geo"][i % 2]
        lines += [f"question {i} on {task},{task},weak,{int(i % 5 == 0)}",
                  f"question {i} on {task},{task},strong,{int(i % 5 != 1)}"]
    import_path(store, write(tmp_path / "nocost.csv", "\n".join(lines) + "\n"))
    store.close()
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "evaluate", "nocost", "--router", "knn", "--boot",
         "50", "--json"], cwd=REPO, capture_output=True, text=True, timeout=300,
        env={**os.environ, "ROUTELAB_DB": str(store.path), "ROUTELAB_ENCODER": FAST})
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr, done.stderr
    # a cold evaluate says how far its embedding has got (each count on a line of a log)
    lines = done.stderr.splitlines()
    assert lines[:3] == ["Embedding and splitting the dataset",
                         "Embedding the queries: 0 of 60", "Embedding the queries: 60 of 60"]

    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")
    report = json.loads(done.stdout, parse_constant=refuse)
    assert {"knn", "strong", "weak", "oracle"} <= set(report["curves"])


def test_the_apgr_pair_is_chosen_on_training_queries(store, tmp_path):
    """'a' is the better model on the log's training split, 'b' on its test split: the
    strong/weak pair must come from training, the only split the choice may read."""
    lines = ["prompt,task,split,model,score,cost_usd"]
    for i in range(40):
        split = "train" if i < 20 else "test"
        lines += [f"q{i} text,t,{split},a,{int(split == 'train')},0.01",
                  f"q{i} text,t,{split},b,{int(split == 'test')},0.02"]
    import_path(store, write(tmp_path / "flip.csv", "\n".join(lines) + "\n"))
    result = compare(store, "flip", [RouterConfig("knn", "knn", {"k": 3}, encoder=FAST)],
                     n_boot=0)
    assert result.pair == ("a", "b")


def test_routerbench_subset_comparison(store, routerbench_dir):
    import_path(store, routerbench_dir)
    configs = [RouterConfig("knn", "knn", {"k": 50}, encoder=FAST),
               RouterConfig("predictive", "predictive", {}, encoder=FAST),
               RouterConfig("cascade", "cascade", {"judge_error": 0.1}, encoder=FAST)]
    data = load_for_routing(store, "routerbench_subset", FAST)
    result = compare(store, "routerbench_subset", configs, n_boot=100, data=data)
    rows = {r["name"]: r for r in result.rows}
    assert result.test_size == 947  # the merged split rows make every test prompt complete
    assert rows["gpt-4-1106-preview"]["quality"] == pytest.approx(0.879, abs=0.005)
    assert rows["gpt-4-1106-preview"]["cost"] == pytest.approx(0.0050, abs=0.0001)
    for name in ("knn", "predictive", "cascade"):
        assert rows[name]["aiq"] > rows["Zero router"]["aiq"]  # beats mixing models blindly
        assert rows[name]["quality_ci"][0] <= rows[name]["quality"] <= rows[name]["quality_ci"][1]
    assert rows["oracle"]["quality"] > max(rows[m]["quality"] for m in result.models)
    assert any("reaches" in line or "does not reach" in line for line in summary(result))


def test_saved_configs_round_trip_and_cli_json(store, tmp_path):
    lines = ["prompt,task,model,score,cost_usd"]
    for i in range(40):
        task = ["maths", "geo"][i % 2]
        lines.append(f"question {i} about {task} {'sum numbers' if task == 'maths' else 'city'},"
                     f"{task},cheap,{int(task == 'geo')},0.001")
        lines.append(f"question {i} about {task} {'sum numbers' if task == 'maths' else 'city'},"
                     f"{task},dear,1,0.01")
    import_path(store, write(tmp_path / "toy.csv", "\n".join(lines) + "\n"))
    config = RouterConfig("my-knn", "knn", {"k": 3}, "toy", FAST)
    save_config(store, config)
    assert saved_configs(store) == [config]
    store.close()
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "evaluate", "toy", "--router", "knn", "--param", "k=3",
         "--router", "centroid", "--boot", "50", "--json"], cwd=REPO, capture_output=True,
        text=True, timeout=300, env={**os.environ, "ROUTELAB_DB": str(store.path),
                                     "ROUTELAB_ENCODER": FAST})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report["curves"]) >= {"knn", "centroid", "cheap", "dear", "oracle"}
    knn = report["curves"]["knn"]
    assert len(knn["points"]) == 50 and 0 <= knn["aiq"] <= 1
    # the kNN router learns that 'cheap' suffices on geography: it beats mixing models
    assert knn["aiq"] > report["zero_router"]["aiq"]


def small_and_large_log(store, path, n: int) -> None:
    """Import `n` queries of three tasks: 'small' ($0.001) right when i % 4 == 0, 'large'
    ($0.01) right unless i % 4 == 1."""
    lines = ["prompt,task,model,score,cost_usd"]
    for i in range(n):
        task = ["maths", "geo", "code"][i % 3]
        lines += [f"question {i} about {task},{task},small,{int(i % 4 == 0)},0.001",
                  f"question {i} about {task},{task},large,{int(i % 4 != 1)},0.01"]
    import_path(store, write(path, "\n".join(lines) + "\n"))


def test_a_log_above_the_sample_limit_is_compared_on_a_stated_sample(store, tmp_path):
    """Only a seeded sample is embedded and split (by text, as always); the comparison says
    how many of how many queries it used, and its intervals come from that sample."""
    from app.embed.embeddings import get_encoder

    small_and_large_log(store, tmp_path / "big.csv", 300)
    data = load_for_routing(store, "big", FAST, sample_limit=120)
    assert len(data.outcomes.queries) == len(data.query_ids) == 120
    assert data.split_note.startswith("a seeded sample of 120 of the log's 300 queries")
    texts = data.outcomes.queries.text
    assert not set(texts[i] for i in data.train) & set(texts[i] for i in data.test)
    assert np.allclose(data.outcomes.queries.X, get_encoder(FAST).encode(list(texts)))
    # each sampled row keeps its own outcomes: "question i" is right for large unless i%4==1
    ids = [int(t.split()[1]) for t in texts]
    assert data.outcomes.reward[:, data.outcomes.column("large")].tolist() == \
        [float(i % 4 != 1) for i in ids]
    assert load_for_routing(store, "big", FAST, sample_limit=120).query_ids.tolist() == \
        data.query_ids.tolist()  # the same sample every time
    result = compare(store, "big", [RouterConfig("knn", "knn", {"k": 5}, encoder=FAST)],
                     n_boot=50, data=data)
    assert result.test_size == len(data.test) and "120 of the log's 300" in result.split_note


def test_a_router_on_another_encoder_is_compared_on_the_same_sample(store, tmp_path):
    """A sampled comparison whose routers use two encoders: the second encoder's vectors
    are of the same sampled queries, so both routers are judged on the same test queries;
    data loaded with another sample size than compare() is told is refused, not misaligned."""
    from app.embed.embeddings import DEFAULT_ENCODER

    small_and_large_log(store, tmp_path / "big.csv", 300)
    data = load_for_routing(store, "big", FAST, sample_limit=120)
    configs = [RouterConfig("knn-fast", "knn", {"k": 5}, encoder=FAST),
               RouterConfig("knn-minilm", "knn", {"k": 5}, encoder=DEFAULT_ENCODER)]
    result = compare(store, "big", configs, n_boot=0, data=data, sample_limit=120)
    assert {"knn-fast", "knn-minilm"} <= set(result.routers)
    assert result.test_size == len(data.test) and "120 of the log's 300" in result.split_note
    with pytest.raises(RuntimeError, match="sample_limit"):
        compare(store, "big", configs, n_boot=0, data=data)  # the default 30k: all 300


def test_evaluate_sample_sets_the_sample_and_rejects_nonsense(store, tmp_path, capsys):
    """`routelab evaluate --sample N`: the stated sample is N queries; a non-number is an
    argument error naming the value, not a traceback."""
    from app import cli

    small_and_large_log(store, tmp_path / "sampled.csv", 200)
    store.close()
    env = {**os.environ, "ROUTELAB_DB": str(store.path), "ROUTELAB_ENCODER": FAST}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "evaluate", "sampled", "--router", "knn", "--boot",
         "20", "--sample", "150", "--json"], cwd=REPO, capture_output=True, text=True,
        timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["split"].startswith(
        "a seeded sample of 150 of the log's 200 queries")
    with pytest.raises(SystemExit):
        cli.main(["evaluate", "sampled", "--sample", "lots"])
    assert "'lots' is not a whole number above 0" in capsys.readouterr().err


def test_mf_chooses_its_l2_on_a_bounded_part_of_a_big_training_split(monkeypatch):
    """The three candidate fits of MF's L2 search use at most TUNE_LIMIT training queries;
    the final fit uses them all."""
    from routers import Outcomes, Queries, mf

    rng = np.random.default_rng(0)
    n = 400
    X = rng.normal(size=(n, 8))
    reward = (rng.random((n, 2)) < np.where(X[:, :1] > 0, [0.9, 0.2], [0.2, 0.9])).astype(float)
    outcomes = Outcomes(Queries(tuple(f"q{i}" for i in range(n)), X), ("a", "b"), reward,
                        np.tile([1.0, 5.0], (n, 1)))
    sizes = []
    train = mf.MatrixFactorisationRouter._train
    monkeypatch.setattr(mf.MatrixFactorisationRouter, "_train",
                        lambda self, o, l2: sizes.append(len(o.queries)) or train(self, o, l2))
    monkeypatch.setattr(mf, "TUNE_LIMIT", 100)
    router = mf.MatrixFactorisationRouter(steps=30).fit(outcomes)
    assert sizes == [80, 80, 80, n] and router.l2_ in mf.L2_GRID


def test_embedding_progress_is_told_at_each_tenth():
    from app.embed.embeddings import told_in_tenths

    told = []
    report = told_in_tenths(lambda stage, fraction: told.append(stage), "the queries")
    for done in range(0, 15_001, 512):
        report(done, 15_000)
    report(15_000, 15_000)
    assert told[0] == "Embedding the queries: 0 of 15,000"
    assert told[-1] == "Embedding the queries: 15,000 of 15,000"
    assert len(told) == 11  # 0, each tenth, the end
    silent = told_in_tenths(lambda stage, fraction: told.append(stage), "the prompts")
    silent(0, 0)  # every text was embedded before
    assert len(told) == 11


def test_a_command_rewrites_a_counting_stage_on_a_terminal():
    import io

    from app.cli_stages import Stages

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    for stream, expected in (
            (Terminal(), "Embedding and splitting the dataset\n"
                         "Embedding the queries: 0 of 9\r\033[KEmbedding the queries: 9 of 9\n"
                         "Training and sweeping knn\n"),
            (io.StringIO(), "Embedding and splitting the dataset\nEmbedding the queries: 0 of 9\n"
                            "Embedding the queries: 9 of 9\nTraining and sweeping knn\n")):
        stages = Stages(stream)
        for stage in ("Embedding and splitting the dataset", "Embedding the queries: 0 of 9",
                      "Embedding the queries: 9 of 9", "Training and sweeping knn"):
            stages(stage, 0.0)
        stages.close()
        assert stream.getvalue() == expected
