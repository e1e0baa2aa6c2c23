"""`routelab evaluate` from a cold cache, beside what it cannot avoid.

A fresh process and database per log, the log imported first (not timed), then `routelab
evaluate LOG` (the default line-up) timed end to end: cold (nothing embedded
yet), warm with --fresh (vectors cached: only the router fits, sweeps and intervals), and
again as a user would run it (the comparison kept on disk by the cold run is answered from
there); then the default line-up less its last router, as when a router is taken off the
Compare page's picker (every router left was trained by the cold run). Beside them, in the
same run, a bare encode of the same texts in a fresh process (the encoder loaded before the
clock starts), by routelab's encoder and by sentence-transformers on PyTorch. The cold
run's floor is bare encode + warm run; the ratio says how much a
cold evaluate costs beyond it. Logs: the RouterBench subset (../shared/data), and a
generated RouterBench-shaped 15,000-prompt, 2-model log (bench/scale.py's generator).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import ROOT, SHARED, Figure

ENV = {"HF_HUB_OFFLINE": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
LONG_PROMPTS, LONG_MODELS = 15_000, 2


def run() -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory() as folder:
        if SHARED.is_dir():
            figures += _measure("RouterBench subset", SHARED / "routerbench_subset",
                                Path(folder) / "rb", 40)
        else:
            print(f"skipped the RouterBench subset: no real data at {SHARED}")
        log = _long_log(Path(folder))
        figures += _measure(f"generated {LONG_PROMPTS:,}-prompt {LONG_MODELS}-model log",
                            log, Path(folder) / "long", 90)
    return figures


def _measure(title: str, source: Path, folder: Path, target: int) -> list[Figure]:
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **ENV, "ROUTELAB_DB": str(folder / "cold.duckdb")}
    routelab = [sys.executable, "-m", "app.cli"]
    subprocess.run([*routelab, "import", str(source), "--name", "log"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    times, outputs = [], []
    for extra in ([], ["--fresh"], []):  # cold (nothing kept yet), warm (fits only), kept
        started = time.perf_counter()
        done = subprocess.run([*routelab, "evaluate", "log", "--json", *extra], cwd=ROOT,
                              env=env, check=True, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        outputs.append(done.stdout)
    assert len(set(outputs)) == 1, "the warm and kept runs must report the cold run's figures"
    from app.routing.configs import default_configs  # the line-up `evaluate LOG` runs

    fewer = [arg for c in default_configs()[:-1] for arg in ("--router", c.kind)]
    started = time.perf_counter()
    subprocess.run([*routelab, "evaluate", "log", "--json", *fewer], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    one_fewer = time.perf_counter() - started
    bare, texts = _bare_encode(folder / "cold.duckdb")
    pytorch, _ = _bare_encode(folder / "cold.duckdb", "MiniLM()")
    cold, warm, kept = times
    print(f"{title}: cold {cold:.1f} s, warm {warm:.1f} s, kept {kept:.1f} s, one router "
          f"fewer {one_fewer:.1f} s, bare encode {bare:.1f} s ({texts:,} texts; PyTorch "
          f"{pytorch:.1f} s)", flush=True)
    return [Figure(f"{title}: routelab evaluate, cold", cold, "s", bare + warm,
                   f"bare encode {bare:.1f} s + the warm evaluate {warm:.1f} s",
                   f"<= {target} s and <= 1.3x (issue 18)", higher_is_better=False, digits=1),
            Figure(f"{title}: bare encode of the {texts:,} query texts (routelab's "
                   "encoder, OpenVINO)", bare, "s", pytorch,
                   "sentence-transformers on PyTorch, bfloat16 in bulk where native",
                   higher_is_better=False, digits=1),
            Figure(f"{title}: routelab evaluate again, the comparison kept on disk", kept, "s",
                   warm, "the warm evaluate, --fresh: every router trained again",
                   higher_is_better=False, digits=1),
            Figure(f"{title}: routelab evaluate of the line-up less one router (the rest "
                   "trained before)", one_fewer, "s", warm,
                   "the warm evaluate, --fresh: every router trained again",
                   higher_is_better=False, digits=1)]


BARE = """
import sys, time, duckdb
sys.path.insert(0, {root!r})
from app.embed.embeddings import MiniLM, load_minilm
texts = [t for (t,) in duckdb.connect({db!r}, read_only=True).sql(
    "SELECT DISTINCT embed_text FROM queries").fetchall()]
encoder = {encoder}
encoder.encode(texts[:64])
started = time.perf_counter()
encoder.encode(texts)
print(time.perf_counter() - started, len(texts))
"""


def _bare_encode(db: Path, encoder: str = "load_minilm()") -> tuple[float, int]:
    """(seconds, texts) of `encoder`.encode alone on a database's distinct query texts, in
    a fresh process (the model loaded and warmed up before the clock starts); by default
    the encoder routelab runs (OpenVINO), "MiniLM()" for sentence-transformers on PyTorch."""
    code = BARE.format(root=str(ROOT), db=str(db), encoder=encoder)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **ENV},
                          check=True, capture_output=True, text=True)
    seconds, count = done.stdout.split()[-2:]
    return float(seconds), int(count)


def _long_log(folder: Path) -> Path:
    """A generated RouterBench-shaped log of LONG_PROMPTS prompts (bench/scale.py), kept to
    LONG_MODELS of its models: the dearest strong one and a cheap one."""
    import pyarrow.parquet as pq

    from bench.scale import MODELS, generate

    keep = {MODELS[0][0], MODELS[3][0]}
    drop = {m for m, *_ in MODELS} - keep
    target = folder / "long"
    for path in generate(target, LONG_PROMPTS, name="long"):
        table = pq.read_table(path)
        pq.write_table(table.drop_columns([c for c in table.column_names
                                           if c.split("|")[0] in drop]), path)
    return target


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
