"""`routelab routers export --to litellm`: the exported hook decides as routelab does, the
config carries no secret, bad requests write nothing."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import yaml

from app.cli import main
from app.routing.configs import load_for_routing
from app.store.db import open_store
from tests.foreign_logs import Shape, log_database

pytestmark = pytest.mark.slow
FAST = "hashing-ngrams-512"
KINDS = [("knn", []), ("knn", ["weighted=false", "k=7"]), ("centroid", []),
         ("clusters", ["n_clusters=6"]), ("predictive", []),
         ("predictive", ['head="mlp"', "hidden=16"]), ("mf", ["steps=150"]), ("irt", []),
         ("linucb", [])]


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A 4-model priced log in a fresh database, routed with the fast encoder."""
    path = log_database(tmp_path, Shape(n_queries=300, n_models=4, cost="all", seed=5,
                                        missing=0.05))
    monkeypatch.setenv("ROUTELAB_DB", str(path))
    monkeypatch.setenv("ROUTELAB_ENCODER", FAST)
    return path


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_prompts(db, encoder=FAST) -> list[str]:
    store = open_store(db)
    try:
        data = load_for_routing(store, "log", encoder)
        return [data.outcomes.queries.text[i] for i in data.test]
    finally:
        store.close()


test_prompts.__test__ = False  # a helper, not a test


def load_hook(directory):
    """The exported hook module, loaded from its file as the proxy loads it."""
    spec = importlib.util.spec_from_file_location(f"hook_{abs(hash(directory))}",
                                                  directory / "routelab_hook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.path.remove(str(directory))  # the hook put its directory first; leave none behind
    sys.modules.pop("routelab_router", None)
    return module


def routelab_decisions(capsys, tmp_path, name, prompts) -> list[str]:
    file = tmp_path / f"{name}-prompts.jsonl"
    file.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in prompts))
    code, out, err = run(capsys, "route", name, "--prompts", file, "--json")
    assert code == 0, err
    return [json.loads(line)["model"] for line in out.splitlines()]


@pytest.mark.parametrize(("kind", "params"), KINDS)
def test_the_hook_routes_as_routelab_does(db, capsys, tmp_path, kind, params):
    name = f"{kind}-{len(params)}"
    args = [a for p in params for a in ("--param", p)]
    assert run(capsys, "routers", "save", name, "--dataset", "log", "--kind", kind, *args)[0] == 0
    out = tmp_path / "export"
    code, said, err = run(capsys, "routers", "export", name, "--to", "litellm", "--out", out)
    assert code == 0, err
    assert {"config.yaml", "router.json", "router.npz", "routelab_hook.py",
            "routelab_router.py", "README.md", "routelab-export.json"} <= {
        p.name for p in out.iterdir()}
    prompts = test_prompts(db)
    hook = load_hook(out)
    theirs = [hook.route(p) for p in prompts]
    ours = routelab_decisions(capsys, tmp_path, name, prompts)
    agree = np.mean([a == b for a, b in zip(ours, theirs, strict=True)])
    assert agree >= 0.99, f"{kind}: the hook agrees with routelab on {agree:.1%}"
    # a router that routes, not a constant (IRT at λ = 0 ranks models by ability alone)
    assert len(set(ours)) > 1 or kind in ("irt", "linucb")


def test_a_strong_share_point_is_exported_and_met(db, capsys, tmp_path):
    run(capsys, "routers", "save", "mf-log", "--dataset", "log", "--kind", "mf",
        "--param", "steps=150")
    out = tmp_path / "export"
    code, _, err = run(capsys, "routers", "export", "mf-log", "--to", "litellm", "--out", out,
                       "--strong-share", "0.5")
    assert code == 0, err
    meta = json.loads((out / "router.json").read_text())
    strong = meta["operating_point"]["pair"][0]
    hook = load_hook(out)
    picks = [hook.route(p) for p in test_prompts(db)]
    assert abs(np.mean([p == strong for p in picks]) - 0.5) <= 0.1
    manifest = json.loads((out / "routelab-export.json").read_text())
    low, high = manifest["expected_on_test_split"]["strong_share_ci"]
    assert low <= np.mean([p == strong for p in picks]) <= high


def test_the_config_names_every_model_and_no_secret(db, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-do-not-leak-1234")
    run(capsys, "routers", "save", "knn-log", "--dataset", "log", "--kind", "knn")
    out = tmp_path / "export"
    assert run(capsys, "routers", "export", "knn-log", "--to", "litellm", "--out", out)[0] == 0
    config = yaml.safe_load((out / "config.yaml").read_text())
    names = [e["model_name"] for e in config["model_list"]]
    meta = json.loads((out / "router.json").read_text())
    assert names == [*meta["models"], "router-knn-log"]
    assert config["litellm_settings"]["callbacks"] == ["routelab_hook.proxy_handler_instance"]
    assert config["general_settings"]["master_key"] == "os.environ/LITELLM_MASTER_KEY"
    # the generated models have logged costs but no price anywhere: said, not invented
    assert not any("input_cost_per_token" in e["litellm_params"] for e in config["model_list"])
    assert "neither the pool nor LiteLLM's cost map has a price" in (out / "README.md").read_text()
    for path in out.iterdir():
        assert b"do-not-leak" not in path.read_bytes(), path.name


@pytest.mark.parametrize(("args", "says"), [
    (["routers", "export", "nope", "--to", "litellm"], "no saved router named 'nope'"),
    (["routers", "export", "random-log", "--to", "litellm"], "cannot be exported"),
    (["routers", "export", "knn-log", "--to", "litellm", "--budget", "0.000001"],
     "outside what the models cost"),
    (["routers", "export", "knn-log", "--to", "litellm", "--budget", "1e9"],
     "outside what the models cost"),
])
def test_bad_requests_write_nothing(db, capsys, tmp_path, args, says):
    run(capsys, "routers", "save", "knn-log", "--dataset", "log", "--kind", "knn")
    run(capsys, "routers", "save", "random-log", "--dataset", "log", "--kind", "random")
    out = tmp_path / "exports" / "here"
    out.parent.mkdir()
    code, _, err = run(capsys, *args, "--out", out)
    assert code == 2 and says in err and err.count("\n") == 1
    assert list(out.parent.iterdir()) == []  # nothing written, no staging left behind


def test_an_existing_directory_is_never_overwritten(db, capsys, tmp_path):
    run(capsys, "routers", "save", "knn-log", "--dataset", "log", "--kind", "knn")
    out = tmp_path / "export"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    code, _, err = run(capsys, "routers", "export", "knn-log", "--to", "litellm", "--out", out)
    assert code == 2 and "not an empty directory" in err
    assert [p.name for p in out.iterdir()] == ["mine.txt"]


def test_the_hook_rewrites_routed_requests_and_logs_them(db, capsys, tmp_path, monkeypatch):
    """The hook's LiteLLM side with the arguments the proxy passes (the real proxy is
    driven in test_gateway.py)."""
    run(capsys, "routers", "save", "knn-log", "--dataset", "log", "--kind", "knn")
    out = tmp_path / "export"
    run(capsys, "routers", "export", "knn-log", "--to", "litellm", "--out", out)
    monkeypatch.setenv("ROUTELAB_TRAFFIC_LOG", str(tmp_path / "traffic.jsonl"))
    hook = load_hook(out).proxy_handler_instance
    prompt = test_prompts(db)[0]
    data = {"model": "router-knn-log", "messages": [{"role": "system", "content": "be brief"},
                                                    {"role": "user", "content": prompt}]}
    routed = asyncio.run(hook.async_pre_call_hook(None, None, data, "acompletion"))
    assert routed["model"] == hook.router.route(prompt)
    other = {"model": routed["model"], "messages": data["messages"]}
    assert asyncio.run(hook.async_pre_call_hook(None, None, dict(other), "acompletion")) == other
    headers = asyncio.run(hook.async_post_call_response_headers_hook(routed, None, None))
    assert headers == {"x-routelab-model": routed["model"], "x-routelab-router": "knn-log"}
    started = datetime.now(UTC)
    kwargs = {"litellm_params": {"metadata": routed["metadata"]}, "response_cost": 0.002,
              "standard_logging_object": {"prompt_tokens": 9, "completion_tokens": 3}}
    answer = type("Answer", (), {"id": "chatcmpl-1", "choices": [type("Choice", (), {
        "message": type("Message", (), {"content": "4"})()})()]})()
    asyncio.run(hook.async_log_success_event(kwargs, answer, started,
                                             started + timedelta(seconds=1.5)))
    line = json.loads((tmp_path / "traffic.jsonl").read_text())
    assert line["schema"] == "routelab-traffic/1" and line["id"] == "chatcmpl-1"
    assert line["model"] == routed["model"] and line["prompt"] == prompt
    assert (line["latency_s"], line["cost_usd"], line["response"]) == (1.5, 0.002, "4")
    assert line["status"] == "success" and line["propensity"] == 1.0


def test_the_hook_fails_open(db, capsys, tmp_path):
    run(capsys, "routers", "save", "knn-log", "--dataset", "log", "--kind", "knn")
    out = tmp_path / "export"
    run(capsys, "routers", "export", "knn-log", "--to", "litellm", "--out", out)
    hook = load_hook(out).proxy_handler_instance
    hook.router.encode = lambda texts: (_ for _ in ()).throw(RuntimeError("encoder gone"))
    data = {"model": "router-knn-log", "messages": [{"role": "user", "content": "hi"}]}
    routed = asyncio.run(hook.async_pre_call_hook(None, None, data, "acompletion"))
    assert routed["model"] == "router-knn-log"  # served by the virtual entry's default model
    record = routed["metadata"]["routelab"]
    assert record["fallback"] and "encoder gone" in record["routing_error"]
    assert record["model"] == hook.default_model


@pytest.mark.parametrize("kind", ["knn", "linucb"])
def test_the_hook_routes_as_routelab_does_with_minilm(tmp_path, monkeypatch, capsys, kind):
    """The real encoder: the hook embeds each prompt alone with sentence-transformers,
    routelab embeds them in batches; the decisions still agree."""
    path = log_database(tmp_path, Shape(n_queries=150, n_models=3, cost="all", seed=8))
    monkeypatch.setenv("ROUTELAB_DB", str(path))
    monkeypatch.delenv("ROUTELAB_ENCODER", raising=False)
    assert run(capsys, "routers", "save", "r", "--dataset", "log", "--kind", kind)[0] == 0
    out = tmp_path / "export"
    assert run(capsys, "routers", "export", "r", "--to", "litellm", "--out", out)[0] == 0
    assert json.loads((out / "router.json").read_text())["encoder"] == "all-MiniLM-L6-v2"
    prompts = test_prompts(path, encoder="all-MiniLM-L6-v2")
    hook = load_hook(out)
    theirs = [hook.route(p) for p in prompts]
    ours = routelab_decisions(capsys, tmp_path, "r", prompts)
    assert np.mean([a == b for a, b in zip(ours, theirs, strict=True)]) >= 0.99
