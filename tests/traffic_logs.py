"""Generated `routelab-traffic/1` logs (the lines a router exported to LiteLLM writes) and a
small scored log for the saved routers that read them: nothing copied into the repo."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from app.data.importers import import_path
from app.routing.configs import RouterConfig, save_config

START = dt.datetime(2026, 11, 28, 0, 10, tzinfo=dt.UTC)
FAST = "hashing-ngrams-512"


def call(i: int, model: str, **fields) -> dict:
    """One logged call: success by default, half an hour after the previous one."""
    line = {"schema": "routelab-traffic/1", "id": f"chatcmpl-{i}",
            "time": (START + dt.timedelta(minutes=30 * i)).isoformat(),
            "router": "prod", "virtual_model": "router-prod",
            "prompt": f"Question {i}: what is {i} plus {i}?", "model": model,
            "propensity": 1.0, "scores": {"small": 0.4, "big": 0.6}, "fallback": False,
            "status": "success", "response": f"The answer is {2 * i}.", "error": None,
            "latency_s": 0.25 + i / 100, "cost_usd": 0.0001 * (i + 1),
            "prompt_tokens": 10 + i, "completion_tokens": 5 + i}
    line.update(fields)
    return line


def failure(i: int, model: str, error: str = "litellm.Timeout: request timed out") -> dict:
    return call(i, model, status="failure", response=None, error=error, cost_usd=None,
                completion_tokens=None)


def write_log(path: Path, calls: list[dict], raw_lines: tuple[str, ...] = ()) -> Path:
    """The calls one JSON object per line, then any raw lines as given."""
    lines = [json.dumps(c) for c in calls] + list(raw_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def scored_log(store, folder: Path, name: str = "train-log") -> None:
    """A scored log where big beats small (mean 0.75 vs 0.25) and mid sits between."""
    rows = ["prompt,model,score,cost"]
    for i in range(8):
        rows += [f"training prompt {i},small,{int(i % 4 == 0)},0.0001",
                 f"training prompt {i},mid,{int(i % 2 == 0)},0.001",
                 f"training prompt {i},big,{int(i % 4 != 0)},0.01"]
    path = folder / f"{name}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_path(store, path, name=name)


def save_single(store, name: str, model: str, dataset: str = "train-log") -> None:
    """A saved router that sends everything to one model: its choices are known by hand."""
    save_config(store, RouterConfig(name, "single", {"model": model}, dataset, FAST))
