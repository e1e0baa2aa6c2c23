"""Ten million outcomes on one machine (issue 18): import and the Data page's summary.

`generate` writes a RouterBench-shaped log (RouterBench's wide layout: `sample_id`,
`prompt` as a stringified Python list, `eval_name`, a 0/1 or 0-1 score column per model
and `<model>|total_cost`) of N prompts x 10 models as Parquet files named like the shared
subset's (`scale_train`, `scale_test`: the importer reads the split from the name), built
with numpy and pyarrow in vectorised chunks:
- prompts of ~20-400 words: a task's template (few-shot for ARC and Winogrande, like
  RouterBench's) around random words from a Zipf-weighted vocabulary, so texts are distinct;
- eight tasks like RouterBench's; mt-bench graded 0-1 in tenths, the rest 0/1;
- ten models with list prices spread over two orders of magnitude; a call's cost is its
  prompt's tokens (chars / 4) and its answer's (task- and model-dependent) times the prices;
- scores from an item-response model: model strength + a model-task bonus - task
  difficulty - the prompt's own difficulty (shared by all models, so they agree on hard
  prompts as real logs do).

`run()` then measures, each in a fresh process with its peak resident memory:
1. `import_path` (what `routelab import PATH --name scale` calls) into a fresh DuckDB file,
   beside DuckDB's bare `CREATE TABLE AS SELECT * FROM read_parquet(...)` of the same files;
2. the Data page's reads of the whole log (app/ui/dataset_view.py and the sidebar's
   dataset list: `all_datasets`, `model_summary`, `oracle_summary`, `split_counts`,
   `score_scale`, `task_breakdown`, and the "Browse queries" search with nothing typed),
   timed warm (a second call), beside a bare per-model GROUP BY on the imported table.

`python -m bench.scale [--prompts N] [--keep]`; files go to /tmp/scale and are deleted at
the end unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.report import ROOT, Figure

PROMPTS = 1_000_000
WORK = Path("/tmp/scale")
CHUNK = 100_000
TEST_SHARE = 0.2

# (name, strength, USD per million tokens in, out, answer length factor): RouterBench's
# models and roughly their list prices when it was published.
MODELS = (
    ("gpt-4-1106-preview", 2.2, 10.0, 30.0, 1.2),
    ("claude-v2", 1.5, 8.0, 24.0, 1.3),
    ("claude-instant-v1", 0.7, 0.8, 2.4, 1.0),
    ("gpt-3.5-turbo-1106", 0.9, 1.0, 2.0, 0.9),
    ("mistralai/mixtral-8x7b-chat", 0.8, 0.6, 0.6, 1.1),
    ("zero-one-ai/Yi-34B-Chat", 0.6, 0.8, 0.8, 1.2),
    ("meta/llama-2-70b-chat", 0.3, 0.9, 0.9, 1.4),
    ("meta/code-llama-instruct-34b-chat", -0.2, 0.776, 0.776, 1.0),
    ("WizardLM/WizardLM-13B-V1.2", -0.4, 0.3, 0.3, 1.1),
    ("mistralai/mistral-7b-chat", -0.7, 0.2, 0.2, 1.0),
)
# (name, share, difficulty, words: median, min, max, answer tokens, graded)
TASKS = (
    ("mmlu", 0.25, 0.2, 70, 25, 250, 3, False),
    ("hellaswag", 0.15, -0.3, 90, 40, 200, 3, False),
    ("gsm8k", 0.12, 0.6, 80, 30, 200, 160, False),
    ("mbpp", 0.08, 0.5, 35, 20, 90, 220, False),
    ("arc-challenge", 0.12, 0.0, 260, 150, 400, 3, False),
    ("winogrande", 0.12, 0.1, 220, 150, 380, 3, False),
    ("mt-bench", 0.06, -0.2, 60, 20, 400, 350, True),
    ("consistency", 0.10, 0.3, 50, 20, 160, 40, False),
)
# Per (model, task) bonuses beyond strength: coders code, small models guess MC less badly.
BONUS = {("meta/code-llama-instruct-34b-chat", "mbpp"): 1.2,
         ("gpt-4-1106-preview", "gsm8k"): 0.8, ("mistralai/mistral-7b-chat", "hellaswag"): 0.5,
         ("claude-v2", "mt-bench"): 0.6, ("WizardLM/WizardLM-13B-V1.2", "gsm8k"): -0.6,
         ("meta/llama-2-70b-chat", "gsm8k"): -0.5}
MC_SUFFIX = '\nPrint only a single choice from "A" or "B" or "C" or "D" without explanation.'
TEMPLATES = {
    "mmlu": [("The following is a multiple choice question about {w}.\n\n", "?\nA) {w}\n"
              "B) {w}\nC) {w}\nD) {w}" + MC_SUFFIX + "\nAnswer:"),
             ("Question: ", "?\nA) {w}\nB) {w}\nC) {w}\nD) {w}" + MC_SUFFIX + " Answer:")],
    "hellaswag": [("Pick the most plausible ending.\n\nContext: ", "\nA) {w}\nB) {w}\nC) {w}"
                   "\nD) {w}" + MC_SUFFIX + "\nAnswer:")],
    "gsm8k": [("Solve this problem step by step, and give the final answer as a number.\n\n",
               "?\nAnswer:"),
              ("Q: ", "? Let's think step by step.\nA:")],
    "mbpp": [("Write a Python function to ", ". Your code should pass these tests:\n\n"
              "assert {w}(1) == 2\nassert {w}(3) == 4"),
             ("Write a function that ", ".")],
    "arc-challenge": [("George wants to warm his hands quickly by rubbing them. Which skin "
                       "surface will produce the most heat?\nA) dry palms\nB) wet palms\nC) "
                       "palms covered with oil\nD) palms covered with lotion" + MC_SUFFIX +
                       "\nAnswer:\nA\n\n", "?\nA) {w}\nB) {w}\nC) {w}\nD) {w}" + MC_SUFFIX +
                       "\nAnswer:")],
    "winogrande": [("Please answer with the letter of the correct answer.\n\nIan volunteered "
                    "to eat Dennis's menudo after already having a bowl because _ despised "
                    "eating intestine.\nA) Ian\nB) Dennis\nPrint only a single choice from "
                    '"A" or "B" without explanation. Answer:\nB\n\nPlease answer with the '
                    "letter of the correct answer.\n\n", "\nA) {w}\nB) {w}\nPrint only a "
                    'single choice from "A" or "B" without explanation. Answer:')],
    "mt-bench": [("", ""), ("Compose an engaging essay about ", "."),
                 ("Imagine you are ", ". What would you say?")],
    "consistency": [("Is the following statement consistent with the passage? Passage: ",
                     "\nAnswer yes or no.")],
}
COMMON = ("the of and to a in is that for it as was with be by on not he i this are or his "
          "from at which but have an they you were her she there one all we their can has "
          "been if more when will would who so no what out up into do than about two time "
          "only could new some these may other then first any like now my such make over "
          "our even most me state after also made many did must before back see through way "
          "where get much go well your know should down work year because come people just "
          "each take how between own both life being under never day same another while last "
          "might us great old off come since against right three without place small found "
          "number water function list value answer question system problem energy cells "
          "plant animal student teacher city river heat light force earth sun moon company "
          "market price money law court music story book game team player")
SYLLABLES = ("ka ri to me sa lo ne vi du pa el an or is un re de ex pro con ter ing tion al "
             "ment ly er ous ble ive ful ness less ist ize at om").split()


def _escape(text: str) -> str:
    """Text as it sits inside a single-quoted Python string literal (RouterBench's prompt
    column holds `repr([text])`)."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("'", "\\'")


def vocabulary(size: int = 6000, seed: int = 7) -> tuple[list[str], np.ndarray]:
    """Common English words, then made-up words of 2-4 syllables (some possessive, so a
    prompt carries escaped quotes), with Zipf weights."""
    rng = np.random.default_rng(seed)
    words = list(dict.fromkeys(COMMON.split()))
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES, rng.integers(2, 5)))
        if rng.random() < 0.03:
            word += "'s"
        if word not in seen:
            seen.add(word)
            words.append(word)
    weights = 1.0 / np.arange(1, size + 1) ** 1.05
    return words, weights / weights.sum()


def _templates() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every task's templates as (pieces, slots, first): pieces (t, k + 1) of escaped fixed
    text around k slots, slot kinds (t, k) 0 = nothing, 1 = a random word, 2 = the body;
    first[i]: the row of task i's first template."""
    rows, first = [], []
    for name, *_ in TASKS:
        first.append(len(rows))
        for pre, post in TEMPLATES[name]:
            split = re.split(r"(\{w\}|\{body\})", pre + "{body}" + post)
            rows.append(([_escape(p) for p in split[0::2]],
                         [1 if s == "{w}" else 2 for s in split[1::2]]))
    k = max(len(kinds) for _, kinds in rows)
    pieces = np.array([p + [""] * (k - len(kinds)) for p, kinds in rows], dtype=object)
    slots = np.array([kinds + [0] * (k - len(kinds)) for _, kinds in rows], dtype=np.int8)
    return pieces, slots, np.array(first)


def _chunk(start: int, n: int, rng: np.random.Generator, vocab, cdf):
    """One chunk of prompts: a pyarrow Table in RouterBench's layout, plus its splits."""
    import pyarrow as pa
    import pyarrow.compute as pc

    shares = np.array([t[1] for t in TASKS])
    task = rng.choice(len(TASKS), n, p=shares / shares.sum())
    median = np.array([t[3] for t in TASKS])[task]
    low, high = np.array([t[4] for t in TASKS])[task], np.array([t[5] for t in TASKS])[task]
    words = np.clip(np.rint(median * rng.lognormal(0.0, 0.45, n)), low, high).astype(np.int64)
    # the body: `words` random vocabulary words per prompt, joined in Arrow
    picks = np.searchsorted(cdf, rng.random(int(words.sum())), side="right")
    offsets = np.concatenate([[0], np.cumsum(words)]).astype(np.int32)
    body = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets),
                                                   vocab.take(pa.array(picks))), " ")
    # the template around it: fixed pieces between slots, each slot the body, a random
    # word (a subject, an option) or nothing (templates with fewer slots)
    pieces, slots, first = _templates()
    counts = np.array([len(TEMPLATES[t[0]]) for t in TASKS])
    at = pa.array(first[task] + (rng.random(n) * counts[task]).astype(np.int64))
    parts = [pa.array(pieces[:, 0]).take(at)]
    for j in range(slots.shape[1]):
        kind = pa.array(slots[:, j]).take(at)
        word = vocab.take(pa.array(np.searchsorted(cdf, rng.random(n), side="right")))
        parts.append(pc.choose(kind, pa.nulls(n, pa.string()).fill_null(""), word, body))
        parts.append(pa.array(pieces[:, j + 1]).take(at))
    text = pc.binary_join_element_wise(*parts, "")
    prompt = pc.binary_join_element_wise("['", text, "']", "")
    # tokens: ~4 characters each (an escape counts as its character)
    chars = pc.utf8_length(text).to_numpy() - pc.count_substring(text, "\\").to_numpy()
    tokens_in = np.ceil(chars / 4.0)
    split = np.where(rng.random(n) < TEST_SHARE, "test", "train")
    names = np.array([t[0] for t in TASKS])[task]
    sample_id = pc.binary_join_element_wise(pa.array(names), pa.array(split),
                                            pa.array(np.arange(start, start + n).astype(str)), ".")
    columns = {"sample_id": sample_id, "prompt": prompt, "eval_name": pa.array(names)}
    # quality: strength + bonus - task difficulty - the prompt's difficulty
    hardness = rng.normal(0.0, 1.3, n) + np.array([t[2] for t in TASKS])[task]
    graded = np.array([t[7] for t in TASKS])[task]
    answer = np.array([t[6] for t in TASKS], dtype=float)[task]
    costs = {}
    for model, strength, per_in, per_out, verbose in MODELS:
        bonus = np.array([BONUS.get((model, t[0]), 0.0) for t in TASKS])[task]
        p = 1.0 / (1.0 + np.exp(-(strength + bonus - hardness)))
        binary = (rng.random(n) < p).astype(float)
        judged = np.clip(np.rint((p + rng.normal(0.0, 0.15, n)) * 10) / 10, 0.0, 1.0)
        columns[model] = pa.array(np.where(graded, judged, binary))
        tokens_out = np.maximum(1.0, np.rint(answer * verbose * rng.lognormal(0.0, 0.5, n)))
        costs[f"{model}|total_cost"] = pa.array((tokens_in * per_in + tokens_out * per_out)
                                                / 1e6)
    return pa.table({**columns, **costs}), split


def generate(folder: Path, prompts: int = PROMPTS, *, seed: int = 18, name: str = "scale",
             chunk: int = CHUNK) -> list[Path]:
    """Write `{name}_train.parquet` and `{name}_test.parquet` into `folder`: `prompts`
    prompts, each answered by all ten models. Returns the files."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    words, weights = vocabulary()
    vocab, cdf = pa.array([_escape(w) for w in words]), np.cumsum(weights)
    cdf[-1] = 1.0
    paths = {s: folder / f"{name}_{s}.parquet" for s in ("train", "test")}
    writers = {}
    try:
        for start in range(0, prompts, chunk):
            rng = np.random.default_rng([seed, start])
            table, split = _chunk(start, min(chunk, prompts - start), rng, vocab, cdf)
            for s, path in paths.items():
                part = table.filter(pa.array(split == s))
                if s not in writers:
                    writers[s] = pq.ParquetWriter(path, part.schema, compression="zstd")
                writers[s].write_table(part)
    finally:
        for writer in writers.values():
            writer.close()
    return list(paths.values())


# Each measurement runs in a fresh interpreter; the parent reads the child's peak resident
# memory from os.wait4, and the child prints one JSON line of its own timings.
IMPORT = """
import json, sys, time
sys.path.insert(0, {root!r})
from app.data.importers import import_path
from app.store.db import open_store
store = open_store({db!r})
started = time.perf_counter()
report = import_path(store, {path!r}, name="scale")
seconds = time.perf_counter() - started
store.close()
print(json.dumps({{"seconds": seconds, "queries": report.queries, "models": report.models,
                  "outcomes": report.outcomes, "notes": report.notes}}))
"""

BARE_IMPORT = """
import json, time, duckdb
con = duckdb.connect({db!r})
started = time.perf_counter()
con.execute("CREATE TABLE t AS SELECT * FROM read_parquet(?)", [{files!r}])
print(json.dumps({{"seconds": time.perf_counter() - started}}))
"""

# What a render of the Data page reads from the whole log: the sidebar's dataset list, then
# dataset_view's per-model table, oracle, splits, scale, per-task table and the "Browse
# queries" expander's search with nothing typed (an expander's body runs even when closed).
PAGE = """
import json, sys, time
sys.path.insert(0, {root!r})
from app.store import datasets, summary
from app.store.db import open_store
store = open_store({db!r})
if {from_outcomes!r}:  # as for a log imported before summaries were stored
    store.write(lambda cur: summary.forget(cur, datasets.id_of(store, "scale")))

def page():
    took = {{}}
    def timed(name, call):
        started = time.perf_counter()
        result = call()
        took[name] = time.perf_counter() - started
        return result
    # warm: the listing is kept until the store's next write, as a warm page's is
    found = timed("all_datasets", lambda: {{d.name: d for d in datasets.all_datasets(store)}})
    dataset = found["scale"].id
    timed("model_summary", lambda: summary.model_summary(store, dataset))
    timed("oracle_summary", lambda: summary.oracle_summary(store, dataset))
    timed("split_counts", lambda: summary.split_counts(store, dataset))
    timed("score_scale", lambda: datasets.score_scale(store, dataset))
    timed("task_breakdown", lambda: summary.task_breakdown(store, dataset))
    timed("search_queries", lambda: summary.search_queries(store, dataset, "", None))
    return took

cold = page()
warm = page()
bare = "SELECT model, avg(score), avg(cost_usd) FROM outcomes GROUP BY model"
store.rows(bare)
started = time.perf_counter()
store.rows(bare)
bare_seconds = time.perf_counter() - started
distinct = store.rows("SELECT count(DISTINCT hash(text)) FROM queries")[0][0]
print(json.dumps({{"cold": cold, "warm": warm, "bare": bare_seconds, "distinct": distinct}}))
"""


def _child(code: str) -> tuple[dict, float]:
    """Run `code` in a fresh interpreter: (its JSON line, its peak resident memory in GiB)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    os.sync()  # the previous step's writes are on disk, not competing with this step
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark step failed ({proc.returncode}):\n{output[-3000:]}")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 2**20  # KiB


def _page_line(took: dict) -> str:
    return ", ".join(f"{name} {seconds:.2f}" for name, seconds in took.items())


def run(prompts: int = PROMPTS, keep: bool = False) -> list[Figure]:
    return in_work_folder(_measure, prompts, keep, "bench-")


def in_work_folder(measure, prompts: int, keep: bool, prefix: str) -> list[Figure]:
    """`measure(folder, prompts)` in a fresh folder under WORK, deleted after unless kept."""
    WORK.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=WORK))
    try:
        return measure(folder, prompts)
    finally:
        if keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _measure(folder: Path, prompts: int) -> list[Figure]:
    log, db, bare_db = folder / "log", folder / "scale.duckdb", folder / "bare.duckdb"
    outcomes = prompts * len(MODELS)
    print(f"generating {prompts:,} prompts x {len(MODELS)} models = {outcomes:,} outcomes "
          f"into {log} ...", flush=True)
    started = time.perf_counter()
    files = generate(log, prompts)
    generated = time.perf_counter() - started
    parquet_gib = sum(f.stat().st_size for f in files) / 2**30
    print(f"generated in {generated:.1f} s: {parquet_gib:.2f} GiB of Parquet", flush=True)

    print("importing with routelab (import_path, as `routelab import`) ...", flush=True)
    done, import_peak = _child(IMPORT.format(root=str(ROOT), db=str(db), path=str(log)))
    print(f"routelab import: {done['seconds']:.1f} s, peak {import_peak:.2f} GiB; "
          f"{done['queries']:,} queries, {done['models']} models, {done['outcomes']:,} "
          f"outcomes", flush=True)
    if (done["queries"], done["outcomes"]) != (prompts, outcomes):
        raise RuntimeError(f"imported {done['queries']} queries and {done['outcomes']} "
                           f"outcomes, expected {prompts} and {outcomes}")
    bare, bare_peak = _child(BARE_IMPORT.format(db=str(bare_db),
                                                files=[str(f) for f in files]))
    print(f"bare DuckDB CREATE TABLE AS read_parquet: {bare['seconds']:.1f} s, peak "
          f"{bare_peak:.2f} GiB", flush=True)
    db_gib = sum(p.stat().st_size for p in folder.glob("scale.duckdb*")) / 2**30
    bare_db.unlink()

    print("Data page reads (fresh process; first call, then warm) ...", flush=True)
    page, page_peak = _child(PAGE.format(root=str(ROOT), db=str(db), from_outcomes=False))
    warm, cold = sum(page["warm"].values()), sum(page["cold"].values())
    print(f"first call {cold:.2f} s ({_page_line(page['cold'])})", flush=True)
    print(f"warm {warm:.2f} s ({_page_line(page['warm'])}); bare GROUP BY model "
          f"{page['bare']:.2f} s; peak {page_peak:.2f} GiB; distinct prompt texts "
          f"{page['distinct']:,}", flush=True)
    print("Data page reads without the stored summaries (computed from the outcomes) ...",
          flush=True)
    live, _ = _child(PAGE.format(root=str(ROOT), db=str(db), from_outcomes=True))
    live_warm = sum(live["warm"].values())
    print(f"warm {live_warm:.2f} s ({_page_line(live['warm'])})", flush=True)

    scale = f"{prompts:,} prompts x {len(MODELS)} models"
    return [
        Figure(f"import {outcomes:,} outcomes ({scale}, Parquet) into a fresh database",
               done["seconds"], "s", bare["seconds"],
               "DuckDB CREATE TABLE AS read_parquet of the same files",
               "< 60 s (issue 18)", higher_is_better=False, digits=1),
        Figure("peak memory of the importing process", import_peak, "GiB", bare_peak,
               "the bare CREATE TABLE AS", "< 8 GiB (issue 18)", higher_is_better=False),
        Figure("Data page reads of the whole log, warm (dataset list, per-model, oracle, "
               "splits, per-task, browse)", warm, "s", page["bare"],
               "bare SELECT model, avg(score), avg(cost_usd) GROUP BY model",
               "< 2 s (issue 18)", higher_is_better=False, digits=3),
        Figure("the same reads, first call in a fresh process", cold, "s",
               higher_is_better=False, digits=3),
        Figure("the same reads without stored summaries (from the outcomes), warm",
               live_warm, "s", higher_is_better=False, digits=3),
        Figure("generating the log (numpy + pyarrow)", generated, "s", target="< 60 s",
               higher_is_better=False, digits=1),
        Figure("database file after the import", db_gib, "GiB", parquet_gib,
               "the Parquet log", higher_is_better=False),
    ]


def command(run_suite, doc: str, argv: list[str] | None = None) -> None:
    """`python -m bench.<suite> [--prompts N] [--keep]` for the suites on generated logs."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=PROMPTS,
                        help=f"prompts in the log (x {len(MODELS)} models; default {PROMPTS:,})")
    parser.add_argument("--keep", action="store_true", help="keep the log and database")
    args = parser.parse_args(argv)
    for figure in run_suite(args.prompts, keep=args.keep):
        print(figure.line())


def main(argv: list[str] | None = None) -> None:
    command(run, __doc__, argv)


if __name__ == "__main__":
    main()
