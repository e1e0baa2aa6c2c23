"""The routers that call models while they route, measured live on the demo prompt set.

A stratified sample of the demo prompts (8 per domain) goes through every live router
and, for reference, through each single local model, all in this run against the local
llama.cpp server; answers are scored with the prompts' own verifiers. Cost and latency are
the sums over every call a router made.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict

import numpy as np

from bench.report import ROOT, Figure

PER_DOMAIN = 8
SINGLES = ("smollm2", "smollm2-fewshot", "gemma3")


def sample() -> list[dict]:
    rows = [json.loads(line) for line in (ROOT / "data/demo/prompts.jsonl").open()]
    by_task = defaultdict(list)
    for row in rows:
        by_task[row["task"]].append(row)
    rng = np.random.default_rng(0)
    return [by_task[t][i] for t in sorted(by_task)
            for i in sorted(rng.choice(len(by_task[t]), PER_DOMAIN, replace=False))]


def run() -> list[Figure]:
    from app.models import llm, local_server
    from app.models.pool import load_pool
    from app.models.verifiers import verify
    from app.routing import catalog

    pool = load_pool()
    server = local_server.start()
    prompts = sample()
    results: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    large_share: dict[str, list[float]] = defaultdict(list)
    try:
        for model in SINGLES:
            for row in prompts:
                call = llm.complete(pool[model], row["prompt"])
                score = verify(call.text, row["verifier"]).score if call.ok else 0.0
                results[model].append((score, call.cost_usd or 0.0, call.latency_ms))
        variants = {"live-cascade, reference-answer judge (upper bound, not deployable)":
                    ("live-cascade", {}, True),
                    "live-cascade (self-check judge)": ("live-cascade", {}, False),
                    "self-consistency": ("self-consistency", {}, False),
                    "llm-router": ("llm-router", {}, False),
                    "multi-refine": ("multi-refine", {}, False),
                    "token-router (threshold 0.3)": ("token-router", {"threshold": 0.3}, False),
                    "token-router (threshold 0.5)": ("token-router", {"threshold": 0.5}, False)}
        for label, (kind, params, with_verifier) in variants.items():
            started = time.perf_counter()
            for row in prompts:
                result = catalog.kind(kind).build(params, pool).run(
                    row["prompt"], row["verifier"] if with_verifier else None)
                score = verify(result.answer, row["verifier"]).score if result.answer else 0.0
                results[label].append((score, result.cost_usd, result.latency_ms))
                if result.spans:  # token routers: who wrote how much
                    large_share[label].append(large_tokens(result.spans, params))
            print(f"{label}: {time.perf_counter() - started:.0f} s")
    finally:
        local_server.stop(server)
    best = max(SINGLES, key=lambda m: np.mean([s for s, _, _ in results[m]]))
    base = np.array(results[best])
    figures = []
    for name, values in results.items():
        values = np.array(values)
        accuracy, cost, latency = values.mean(axis=0)
        print(f"{name:<34} accuracy {accuracy:.3f}  ${cost:.6f}/query  {latency:,.0f} ms")
        share = (f"; {np.mean(large_share[name]):.0%} of tokens by the large model"
                 if large_share.get(name) else "")
        figures.append(Figure(f"{name}: accuracy on {len(prompts)} demo prompts (mean "
                              f"${cost:.6f} and {latency:,.0f} ms per query{share})", accuracy,
                              "accuracy", float(base[:, 0].mean()),
                              f"best single local model, {best}"))
    return figures


def large_tokens(spans, params: dict) -> float:
    """Share of an answer's tokens written by the token router's large model."""
    large = params.get("large", "gemma3")
    total = sum(s.tokens for s in spans) or 1
    return sum(s.tokens for s in spans if s.model == large) / total


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
