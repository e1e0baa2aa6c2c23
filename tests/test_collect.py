"""The collector: resumable, never duplicating, recording failures with their errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from app.data.collect import CollectProblem, collect, load_prompts
from app.models import llm
from app.models.pool import ModelSpec
from tests.conftest import REPO

PROMPTS = [
    {"id": "p1", "task": "arithmetic", "prompt": "What is 2 plus 2? Answer with just the number.",
     "verifier": {"type": "numeric", "reference": "4"}},
    {"id": "p2", "task": "capitals", "prompt": "What is the capital of Peru? Answer with just "
     "the city name.", "verifier": {"type": "normalised", "reference": "Lima"}},
    {"id": "p3", "task": "yes_no", "prompt": "Is ice cold? Answer yes or no.",
     "verifier": {"type": "choice", "reference": "yes"}},
    {"id": "p4", "task": "antonyms", "prompt": "What is the opposite of 'up'? Answer with one "
     "word.", "verifier": {"type": "normalised", "reference": "down"}},
]


def _write_prompts(tmp_path, rows=PROMPTS):
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _fake_pool():
    return {name: ModelSpec(name=name, litellm_model=f"openai/{name}", api_base="local",
                            usd_per_1k_in=0.001, usd_per_1k_out=0.002)
            for name in ("right", "wrong")}


def _fake_complete(spec, prompt, **_):
    """Stands in for the model in unit tests only: 'right' knows the answers."""
    answers = {"2 plus 2": "4", "Peru": "Lima", "ice": "yes", "'up'": "down"}
    text = next((a for k, a in answers.items() if k in prompt), "?")
    return llm.Call(spec.name, text=text if spec.name == "right" else "no idea",
                    latency_ms=5.0, tokens_in=10, tokens_out=2, cost_usd=0.001,
                    cost_source="declared")


def test_collects_scores_and_costs(store, tmp_path, monkeypatch):
    monkeypatch.setattr(llm, "complete", _fake_complete)
    report = collect(store, _write_prompts(tmp_path), ["right", "wrong"], "c", pool=_fake_pool())
    assert (report.answered, report.failed, report.skipped) == (8, 0, 0)
    scores = dict(store.rows("SELECT model, avg(score) FROM outcomes GROUP BY model"))
    assert scores == {"right": 1.0, "wrong": 0.0}
    assert store.rows("SELECT count(*) FROM live_calls WHERE source = 'collect'")[0][0] == 8
    kind, fmt = store.rows("SELECT kind, format FROM datasets WHERE name = 'c'")[0]
    assert (kind, fmt) == ("live", "collected")


def test_resume_after_a_crash_loses_and_duplicates_nothing(store, tmp_path, monkeypatch):
    calls = []

    def crash_after_three(spec, prompt, **kwargs):
        if len(calls) == 3:
            raise KeyboardInterrupt  # the user pressed Ctrl-C mid-run
        calls.append((spec.name, prompt))
        return _fake_complete(spec, prompt)

    monkeypatch.setattr(llm, "complete", crash_after_three)
    path = _write_prompts(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        collect(store, path, ["right", "wrong"], "c", pool=_fake_pool(), concurrency=1)
    kept = store.rows("SELECT query_id, model, response FROM outcomes ORDER BY ALL")
    assert len(kept) == 3
    monkeypatch.setattr(llm, "complete", _fake_complete)
    report = collect(store, path, ["right", "wrong"], "c", pool=_fake_pool())
    assert (report.skipped, report.answered) == (3, 5)
    assert store.rows("SELECT count(*), count(DISTINCT (query_id, model)) FROM outcomes")[0] == (
        8, 8)
    assert set(kept) <= set(store.rows("SELECT query_id, model, response FROM outcomes"))
    again = collect(store, path, ["right", "wrong"], "c", pool=_fake_pool())
    assert (again.skipped, again.answered) == (8, 0)


def test_majority_vote_over_samples(store, tmp_path, monkeypatch):
    replies = iter(["5", "4", "4"])
    monkeypatch.setattr(llm, "complete", lambda spec, prompt, **_: llm.Call(
        spec.name, text=next(replies), latency_ms=1.0, tokens_in=10, tokens_out=1,
        cost_usd=0.5, cost_source="declared"))
    pool = {"vote": ModelSpec(name="vote", litellm_model="openai/x", api_base="local",
                              samples=3)}
    collect(store, _write_prompts(tmp_path, PROMPTS[:1]), ["vote"], "v", pool=pool)
    score, cost, tokens, response = store.rows(
        "SELECT score, cost_usd, tokens_in, response FROM outcomes")[0]
    assert (score, cost, tokens, response) == (1.0, 1.5, 30, "4")  # 3 calls, majority "4"


def test_a_model_that_always_fails_is_recorded_and_retried(store, tmp_path):
    pool = {"down": ModelSpec(name="down", litellm_model="openai/nothing",
                              api_base="http://127.0.0.1:9/v1", timeout_s=5)}
    path = _write_prompts(tmp_path, PROMPTS[:2])
    report = collect(store, path, ["down"], "d", pool=pool)
    assert (report.answered, report.failed) == (0, 2)
    assert "Could not reach http://127.0.0.1:9/v1" in report.summary()
    assert store.rows("SELECT count(*) FROM outcomes")[0][0] == 0
    errors = store.rows("SELECT error_kind, count(*) FROM live_calls GROUP BY ALL")
    assert errors == [("unreachable", 2)]
    assert collect(store, path, ["down"], "d", pool=pool).failed == 2  # tried again


def test_bad_prompt_files_and_requests(store, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "prompt": "x"}\n{"prompt": "no id"}\n')
    with pytest.raises(CollectProblem, match="bad.jsonl, line 2"):
        load_prompts(bad)
    bad.write_text('{"id": "a", "prompt": "x", "verifier": {"type": "vibes"}}\n')
    with pytest.raises(CollectProblem, match="unknown verifier 'vibes'"):
        load_prompts(bad)
    with pytest.raises(CollectProblem, match="unknown models"):
        collect(store, _write_prompts(tmp_path), ["nope"], "x", pool=_fake_pool())


@pytest.mark.slow
def test_sigkill_mid_collect_then_resume_with_real_models(tmp_path, local_models):
    """The real thing: `routelab collect` against the local server, killed with SIGKILL."""
    db, path = tmp_path / "kill.duckdb", _write_prompts(tmp_path, PROMPTS * 1)
    env = {**os.environ, "ROUTELAB_DB": str(db)}
    command = [sys.executable, "-m", "app.cli", "collect", "--prompts", str(path), "--models",
               "smollm2,gemma3", "--name", "k", "--concurrency", "1"]
    first = subprocess.Popen(command, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    buffer = ""
    while "[3/8]" not in buffer and first.poll() is None:
        buffer += first.stderr.read(1)
    first.send_signal(signal.SIGKILL)
    first.wait()
    time.sleep(0.5)
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 already there" in done.stdout or "already there" in done.stdout
    from app.store.db import open_store
    store = open_store(db)
    assert store.rows("SELECT count(*), count(DISTINCT (query_id, model)) FROM outcomes")[0] == (
        8, 8)
    assert store.rows("SELECT min(tokens_in), min(latency_ms) > 0 FROM outcomes")[0][1]
    store.close()
