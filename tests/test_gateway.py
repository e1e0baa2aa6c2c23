"""End to end: `routelab gateway` serves a saved router through the real LiteLLM proxy in
front of the two real local models; 20 prompts go through the OpenAI client, each to the
model the router chose, and the traffic log comes back as a dataset."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli import main
from app.data.demo.log import ensure_demo
from app.models import gateway
from app.routing.configs import load_for_routing
from app.store.db import open_store
from tests.serve import free_port

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
N_PROMPTS = 20


@pytest.fixture
def demo_db(tmp_path, monkeypatch):
    path = tmp_path / "gateway.duckdb"
    store = open_store(path)
    ensure_demo(store)
    store.close()
    monkeypatch.setenv("ROUTELAB_DB", str(path))
    monkeypatch.delenv("ROUTELAB_ENCODER", raising=False)  # MiniLM, as users run it
    return path


def test_the_gateway_routes_real_traffic_and_it_comes_back(demo_db, local_models, tmp_path,
                                                           capsys):
    try:
        gateway.litellm_command()
    except gateway.GatewayProblem as exc:
        pytest.skip(str(exc))
    assert main(["routers", "save", "knn-demo", "--dataset", "demo", "--kind", "knn"]) == 0
    store = open_store(demo_db)
    data = load_for_routing(store, "demo")
    prompts = [data.outcomes.queries.text[i] for i in data.test[:N_PROMPTS]]
    store.close()
    file = tmp_path / "prompts.jsonl"
    file.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in prompts))
    capsys.readouterr()
    assert main(["route", "knn-demo", "--prompts", str(file), "--json"]) == 0
    chosen = [json.loads(line)["model"] for line in capsys.readouterr().out.splitlines()]

    port, traffic = free_port(), tmp_path / "traffic.jsonl"
    key = "sk-routelab-test-gateway-key"
    env = {**os.environ, "LITELLM_MASTER_KEY": key}
    log = (tmp_path / "gateway.out").open("w")
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "gateway", "knn-demo",
                                "--port", str(port), "--traffic", str(traffic)],
                               cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for(port, process, tmp_path / "gateway.out")
        from openai import OpenAI
        client = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=key, timeout=120,
                        max_retries=0)
        answered = []
        for prompt in prompts:
            raw = client.chat.completions.with_raw_response.create(
                model="router-knn-demo", max_tokens=12,
                messages=[{"role": "user", "content": prompt}])
            answer = raw.parse()
            assert answer.choices[0].message.content is not None
            # who answered: the hook's header, and LiteLLM's own deployment id
            assert raw.headers["x-routelab-model"] == raw.headers["x-litellm-model-id"]
            answered.append(raw.headers["x-routelab-model"])
        assert answered == chosen
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        log.close()
    output = (tmp_path / "gateway.out").read_text()
    assert key not in output and key not in traffic.read_text()

    lines = [json.loads(line) for line in traffic.read_text().splitlines()]
    assert [r["model"] for r in lines] == chosen and all(r["status"] == "success"
                                                       for r in lines)
    assert all(r["latency_s"] > 0 and r["response"] is not None for r in lines)
    assert main(["import", str(traffic), "--format", "litellm-log", "--name", "traffic"]) == 0
    store = open_store(demo_db)
    try:
        n_queries, n_outcomes, latencies, scores = store.rows("""
            SELECT count(DISTINCT q.query_id), count(*), list(o.latency_ms ORDER BY o.query_id),
                   count(o.score)
            FROM queries q JOIN outcomes o USING (query_id) JOIN datasets d USING (dataset_id)
            WHERE d.name = 'traffic'""")[0]
    finally:
        store.close()
    assert (n_queries, n_outcomes, scores) == (N_PROMPTS, N_PROMPTS, 0)  # scores: unknown
    expected = sorted(r["latency_s"] * 1000 for r in lines)  # real, in milliseconds
    assert all(abs(a - b) < 1.0 for a, b in zip(sorted(latencies), expected, strict=True))


def _wait_for(port: int, process: subprocess.Popen, log: Path, timeout: float = 300.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"routelab gateway exited ({process.returncode}):\n"
                        f"{log.read_text()[-3000:]}")
        if gateway.is_up(port) and "LiteLLM proxy on" in log.read_text():
            return
        time.sleep(1)
    pytest.fail(f"the gateway did not come up in {timeout:.0f} s:\n{log.read_text()[-3000:]}")
