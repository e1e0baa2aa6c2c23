"""Collector throughput against the local llama.cpp server.

(a) prompts per second with 1 vs 4 concurrent calls; (b) the collector's overhead over
calling LiteLLM in a bare loop on the same prompts (target: under 5%).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from app.models.shots import EXAMPLE_BANK
from bench.report import ROOT, Figure

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
N_PROMPTS = 120  # enough calls that run-to-run noise (about ±10% at 40) stays small
MODEL = "smollm2-fewshot"  # short answers: the timing is about routelab, not rambling


def _prompts(folder: Path) -> Path:
    rows = [json.loads(line) for line in (ROOT / "data/demo/prompts.jsonl").open()]
    picked = [r for r in rows if r["task"] in ("capitals", "antonyms", "yes_no")][:N_PROMPTS]
    path = folder / "bench_prompts.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in picked))
    # The task's worked examples beside the prompts, as the bare loop uses them: the same
    # calls on both sides (without them the collector's prompts would differ).
    shutil.copyfile(EXAMPLE_BANK, path.with_suffix(".examples.json"))
    return path


def _collect_seconds(path: Path, concurrency: int) -> float:
    from app.data.collect import collect
    from app.store.db import open_store

    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "bench.duckdb")
        started = time.perf_counter()
        report = collect(store, path, [MODEL], "bench", concurrency=concurrency)
        elapsed = time.perf_counter() - started
        store.close()
    assert report.failed == 0, report.summary()
    return elapsed


def _bare_seconds(path: Path) -> float:
    """The same calls through litellm.completion in a plain loop, nothing recorded."""
    import litellm

    from app.data.collect import load_prompts
    from app.models.llm import build_prompt
    from app.models.pool import load_pool

    spec = load_pool()[MODEL]
    items, examples = load_prompts(path)
    started = time.perf_counter()
    for item in items:
        body = build_prompt(spec, item.prompt, examples.get(item.task or "", ()))
        litellm.completion(model=spec.litellm_model, api_base=spec.base_url(), api_key="none",
                           max_tokens=spec.max_tokens, temperature=0.0, **body)
    return time.perf_counter() - started


def run() -> list[Figure]:
    from app.models import local_server

    server = local_server.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = _prompts(Path(folder))
            _bare_seconds(path)  # warm the server (model load, prompt cache) once
            bare = min(_bare_seconds(path) for _ in range(2))
            one = min(_collect_seconds(path, 1) for _ in range(2))
            four = _collect_seconds(path, 4)
    finally:
        local_server.stop(server)
    overhead = (one - bare) / bare * 100
    print(f"bare loop {bare:.2f} s, collector x1 {one:.2f} s ({overhead:+.1f}%), "
          f"x4 {four:.2f} s for {N_PROMPTS} prompts")
    return [
        Figure("collector prompts/s, concurrency 4", N_PROMPTS / four, "prompts/s",
               N_PROMPTS / one, "collector, concurrency 1"),
        Figure("collector prompts/s, concurrency 1", N_PROMPTS / one, "prompts/s",
               N_PROMPTS / bare, "bare litellm.completion loop",
               target="overhead < 5% (ratio > 0.95)"),
        Figure("collector overhead vs bare loop", overhead, "%", target="< 5%",
               higher_is_better=False),
    ]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
