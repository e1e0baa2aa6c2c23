"""`routelab evaluate` from a cold cache, and where its time goes.

A fresh process and database per run, the RouterBench subset imported first (not timed),
then `routelab evaluate routerbench_subset` (the default line-up) timed end to end: once
with bulk embedding in bfloat16 (the default on a CPU with native bf16) and once in float32
(ROUTELAB_EMBED_BF16=0). Beside them, in the same run: a bare encode of the same texts in
each precision, so the embedding share of a cold evaluate is visible.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import ROOT, SHARED, Figure

TARGET = "cold evaluate <= 40 s (issue 18)"


def run() -> list[Figure]:
    if not SHARED.is_dir():
        print(f"skipped: no real data at {SHARED}")
        return []
    cold = {flag: _cold_evaluate(flag) for flag in ("1", "0")}
    bare = {flag: _bare_encode(flag) for flag in ("1", "0")}
    texts = bare["1"][1]
    return [
        Figure("routelab evaluate routerbench_subset, cold (bf16 bulk embedding)",
               cold["1"], "s", cold["0"], "the same with float32 embedding",
               TARGET, higher_is_better=False, digits=1),
        Figure(f"bare encode of the {texts:,} query texts, bf16 autocast", bare["1"][0], "s",
               bare["0"][0], "float32", higher_is_better=False, digits=1),
    ]


def _cold_evaluate(bf16: str) -> float:
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "ROUTELAB_DB": str(Path(folder) / "cold.duckdb"),
               "ROUTELAB_EMBED_BF16": bf16, "HF_HUB_OFFLINE": "1",
               "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
        routelab = [sys.executable, "-m", "app.cli"]
        subprocess.run([*routelab, "import", str(SHARED / "routerbench_subset"), "--name",
                        "routerbench_subset"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        started = time.perf_counter()
        subprocess.run([*routelab, "evaluate", "routerbench_subset", "--json"], cwd=ROOT,
                       env=env, check=True, capture_output=True)
        seconds = time.perf_counter() - started
    print(f"cold evaluate, bf16={bf16}: {seconds:.1f} s", flush=True)
    return seconds


BARE = """
import sys, time, duckdb
sys.path.insert(0, {root!r})
from app.embed.embeddings import MiniLM
texts = [t for (t,) in duckdb.connect({db!r}, read_only=True).sql(
    "SELECT DISTINCT embed_text FROM queries").fetchall()]
encoder = MiniLM(bf16={bf16})
encoder.encode(texts[:64])
started = time.perf_counter()
encoder.encode(texts)
print(time.perf_counter() - started, len(texts))
"""


def _bare_encode(bf16: str) -> tuple[float, int]:
    """(seconds, texts) of MiniLM.encode alone on the subset's distinct query texts, in a
    fresh process (the model loaded and warmed up before the clock starts)."""
    with tempfile.TemporaryDirectory() as folder:
        db = str(Path(folder) / "texts.duckdb")
        env = {**os.environ, "ROUTELAB_DB": db, "HF_HUB_OFFLINE": "1"}
        subprocess.run([sys.executable, "-m", "app.cli", "import",
                        str(SHARED / "routerbench_subset"), "--name", "rb"], cwd=ROOT,
                       env=env, check=True, capture_output=True)
        code = BARE.format(root=str(ROOT), db=db, bf16=bf16 == "1")
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True)
    seconds, count = done.stdout.split()[-2:]
    print(f"bare encode, bf16={bf16}: {float(seconds):.1f} s for {count} texts", flush=True)
    return float(seconds), int(count)


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
