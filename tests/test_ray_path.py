"""The Ray path (ROUTELAB_RAY_ADDRESS): the same vectors and the same log as in-process, and no
ray import at all without the variable. One local Ray session serves the whole module."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from app.data.collect import collect
from app.embed import embeddings, ray_embed
from app.embed.embeddings import MiniLM, embed_texts, get_encoder
from app.embed.openvino_minilm import OpenVinoMiniLM
from app.embed.ray_embed import RAY_ADDRESS_VAR, RayProblem
from app.models.pool import ModelSpec
from app.store.db import open_store
from tests.conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ray_session():
    """A local Ray on this machine's cores, started once by routelab's own connect()."""
    pytest.importorskip("ray", reason="ray is not installed (pip install -e '.[ray]'); the "
                        "Ray path cannot be tested")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(RAY_ADDRESS_VAR, "local")
        # bf16 autocast depends on batch size and threads: compare float32 with float32.
        mp.setenv("ROUTELAB_EMBED_BF16", "0")
        ray = ray_embed.connect()
    yield ray
    ray.shutdown()


def _texts(n: int = 50) -> list[str]:
    """Real prompts of every task of the built-in demo (every 12th line)."""
    lines = (REPO / "data/demo/prompts.jsonl").read_text().splitlines()
    return [json.loads(line)["prompt"] for line in lines[::12]][:n]


def _in_process(name: str):
    """The encoder each Ray actor loads (get_encoder), here in float32 as they run it."""
    if name == embeddings.DEFAULT_ENCODER:
        return OpenVinoMiniLM(bf16=False) if isinstance(get_encoder(name), OpenVinoMiniLM) \
            else MiniLM(bf16=False)
    return get_encoder(name)


@pytest.mark.parametrize("encoder", [embeddings.DEFAULT_ENCODER, "hashing-ngrams-512"])
def test_ray_embedding_writes_the_same_vectors(ray_session, encoder, tmp_path, monkeypatch):
    texts = _texts()
    monkeypatch.setattr(embeddings, "CHUNK", 16)  # several chunks, spread over two actors
    monkeypatch.delenv(RAY_ADDRESS_VAR, raising=False)
    here, there = open_store(tmp_path / "here.duckdb"), open_store(tmp_path / "ray.duckdb")
    X_here, fresh_here = embed_texts(here, texts, _in_process(encoder))

    calls = []
    real = ray_embed.encode_batches
    monkeypatch.setattr(ray_embed, "encode_batches", lambda *a: calls.append(a) or real(*a))
    monkeypatch.setattr(embeddings, "RAY_MIN_TEXTS", 1)
    monkeypatch.setenv(RAY_ADDRESS_VAR, "local")
    seen = []
    X_ray, fresh_ray = embed_texts(there, texts, encoder, progress=lambda d, t: seen.append(d))
    assert len(calls) == 1 and seen[-1] == fresh_ray == fresh_here == len(texts)
    np.testing.assert_allclose(X_ray, X_here, atol=1e-5)

    query = "SELECT encoder, text_hash, vec FROM embeddings ORDER BY text_hash"
    rows_here, rows_ray = here.rows(query), there.rows(query)
    assert [r[:2] for r in rows_ray] == [r[:2] for r in rows_here]  # same (encoder, hash) keys
    np.testing.assert_allclose(np.array([r[2] for r in rows_ray]),
                               np.array([r[2] for r in rows_here]), atol=1e-5)
    assert embed_texts(there, texts, encoder)[1] == 0  # cached: nothing goes to Ray again
    here.close(), there.close()


class _Stub(BaseHTTPRequestHandler):
    """An OpenAI-compatible server standing in for the models in this test only: 'right'
    knows the answers, 'wrong' does not. It counts the calls in flight at once."""

    answers = {"2 plus 2": "4", "Peru": "Lima", "ice": "yes", "'up'": "down"}
    lock, in_flight, most = threading.Lock(), 0, 0

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.lock:
            _Stub.in_flight += 1
            _Stub.most = max(_Stub.most, _Stub.in_flight)
        time.sleep(0.1)  # long enough for calls to overlap
        prompt = body["messages"][-1]["content"]
        text = next((a for k, a in self.answers.items() if k in prompt), "?")
        reply = json.dumps({
            "id": "stub", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop", "message": {
                "role": "assistant", "content": text if body["model"] == "right" else "no"}}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14}})
        with self.lock:
            _Stub.in_flight -= 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply.encode())

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def stub_models():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield {name: ModelSpec(name=name, litellm_model=f"openai/{name}", api_base=base,
                           usd_per_1k_in=0.001, usd_per_1k_out=0.002, samples=samples)
           for name, samples in (("right", 1), ("wrong", 1), ("vote", 3))}
    server.shutdown()


PROMPTS = [
    {"id": "p1", "prompt": "What is 2 plus 2?", "verifier": {"type": "numeric", "reference": "4"}},
    {"id": "p2", "prompt": "The capital of Peru?", "verifier": {"type": "normalised",
                                                                "reference": "Lima"}},
    {"id": "p3", "prompt": "Is ice cold?", "verifier": {"type": "choice", "reference": "yes"}},
    {"id": "p4", "prompt": "Opposite of 'up'?", "verifier": {"type": "normalised",
                                                             "reference": "down"}},
]
LOG = """SELECT q.source_id, o.model, o.score, o.response, o.cost_usd, o.tokens_in, o.tokens_out
         FROM outcomes o JOIN queries q USING (query_id) ORDER BY ALL"""


def test_ray_collect_writes_the_same_log_and_resumes(ray_session, stub_models, tmp_path,
                                                     monkeypatch):
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps(p) + "\n" for p in PROMPTS))
    models = ["right", "wrong", "vote"]
    here, there = open_store(tmp_path / "here.duckdb"), open_store(tmp_path / "ray.duckdb")
    monkeypatch.delenv(RAY_ADDRESS_VAR, raising=False)
    expected = collect(here, prompts, models, "c", pool=stub_models)

    collect(there, prompts, ["right"], "c", pool=stub_models, limit=2)  # a run cut short
    monkeypatch.setenv(RAY_ADDRESS_VAR, "local")
    _Stub.most = 0
    report = collect(there, prompts, models, "c", pool=stub_models, concurrency=2)
    assert (report.skipped, report.answered, report.failed) == (2, 10, 0)
    assert 1 <= _Stub.most <= 2  # never more calls in flight than `concurrency`
    assert (expected.answered, expected.failed) == (12, 0)
    assert there.rows(LOG) == here.rows(LOG)
    calls = "SELECT model, source, count(*) FROM live_calls GROUP BY ALL ORDER BY ALL"
    assert there.rows(calls) == here.rows(calls)  # 3 calls per prompt for "vote"
    again = collect(there, prompts, models, "c", pool=stub_models)
    assert (again.skipped, again.answered) == (12, 0)
    here.close(), there.close()


def test_without_the_address_ray_is_never_imported(stub_models, tmp_path):
    """An embed (past the Ray threshold) and a collect on the normal path, in a fresh
    process: ray stays out of sys.modules."""
    code = """
import json, sys
from pathlib import Path
from app import cli
from app.data.collect import collect
from app.embed.embeddings import embed_texts
from app.models.pool import ModelSpec
from app.store.db import open_store
store = open_store(sys.argv[1] + "/plain.duckdb")
_, fresh = embed_texts(store, [f"prompt number {i}" for i in range(600)], "hashing-ngrams-512")
spec = ModelSpec(name="right", litellm_model="openai/right", api_base=sys.argv[2])
report = collect(store, Path(sys.argv[1] + "/prompts.jsonl"), ["right"], "c",
                 pool={"right": spec})
print(json.dumps([fresh, report.answered, "ray" in sys.modules]))
"""
    (tmp_path / "prompts.jsonl").write_text("".join(json.dumps(p) + "\n" for p in PROMPTS))
    env = {k: v for k, v in os.environ.items() if k != RAY_ADDRESS_VAR}
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path),
                           stub_models["right"].api_base], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [600, 4, False]


def test_clear_errors_name_the_variable(monkeypatch):
    monkeypatch.setenv(RAY_ADDRESS_VAR, "127.0.0.1:1")
    with pytest.raises(RayProblem, match=f"{RAY_ADDRESS_VAR} is '127.0.0.1:1', where no Ray"):
        ray_embed._check_reachable("127.0.0.1:1")
    monkeypatch.setitem(sys.modules, "ray", None)  # as if ray were not installed
    with pytest.raises(RayProblem, match=r"ray is not installed: run .*pip install -e '\.\[ray\]'"):
        ray_embed.connect()


def test_cli_ray_option_names_the_cluster(tmp_path, monkeypatch):
    from app import cli

    # set first so the teardown removes what the CLI sets (a bare delenv of an absent name
    # records nothing to undo, and later tests' servers would all inherit a Ray address)
    monkeypatch.setenv(RAY_ADDRESS_VAR, "set by the test")
    monkeypatch.delenv(RAY_ADDRESS_VAR)
    assert cli.main(["--db", str(tmp_path / "cli.duckdb"), "embed", "nope", "--ray",
                     "local"]) == 1  # no such dataset: nothing to embed, nothing started
    assert os.environ[RAY_ADDRESS_VAR] == "local"
