"""Embedding and map speed.

(a) routelab's embedding pipeline (hashing, cache lookups, chunked encoding, DuckDB writes)
    vs one bare encode call of its encoder (MiniLM on OpenVINO, bf16 where the CPU has it)
    on the same 10,000 texts (target >= 0.9 of bare);
(b) time to the first full map of the 3,164-prompt RouterBench subset from a cold cache (a
    fresh process and database: model load, embedding, UMAP) and from a warm one (what the
    Map page computes on a revisit: cached coordinates, outcomes, win regions; target < 2 s);
(c) UMAP time for 10k and 50k points;
(d) a new process's first small map (import, fit, transform) with UMAP's compiled code
    loaded from numba's cache (embed/umap_loader.py), beside the same process compiling
    it as every new process did before (umap imported plainly), and beside the machine's
    first process, which compiles everything and fills the cache;
(e) routelab's 200 UMAP epochs against UMAP's default for up to 10,000 points (500) on
    (a)'s real query vectors, 3,000 and all 10,000 of them: the time, and how trustworthy
    each layout is (sklearn's trustworthiness at 10 neighbours, cosine: the share of each
    point's map neighbours that are near it in the embedding, 1 at best).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.report import ROOT, SHARED, Figure

N_TEXTS = 10_000


def _texts() -> list[str]:
    """10,000 distinct real prompts: RouterBench questions, LLMRouter questions, the demo."""
    import duckdb

    seen: dict[str, None] = {}
    scores = SHARED / "llmrouter" / "dcrouter_preprocessed" / "*.json"
    rows = duckdb.sql(f"""SELECT question FROM read_json('{scores}',
                          columns = {{question: 'VARCHAR'}})""").fetchall()
    for (text,) in rows:
        seen.setdefault(text)
    for line in (ROOT / "data/demo/prompts.jsonl").open():
        seen.setdefault(json.loads(line)["prompt"])
    csvs = duckdb.sql(f"SELECT prompt FROM read_csv('{SHARED}/routerbench_subset/*.csv')")
    for (text,) in csvs.fetchall():
        seen.setdefault(text[-1500:])
    texts = list(seen)
    while len(texts) < N_TEXTS:  # pad with numbered variants if the sources run short
        texts.append(f"{texts[len(texts) % 1000]} (variant {len(texts)})")
    return texts[:N_TEXTS]


def throughput() -> tuple[list[Figure], np.ndarray]:
    """(a)'s figures, and the 10,000 vectors it embedded."""
    from app.embed.embeddings import embed_texts, load_minilm
    from app.store.db import open_store

    texts = _texts()
    encoder = load_minilm()
    encoder.encode(texts[:64])  # warm up threads and caches for both runs
    started = time.perf_counter()
    encoder.encode(texts)  # one call, at the pipeline's precision
    bare = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "bench.duckdb")
        started = time.perf_counter()
        X, fresh = embed_texts(store, texts, encoder)
        ours = time.perf_counter() - started
        again = time.perf_counter()
        embed_texts(store, texts, encoder)
        cached = time.perf_counter() - again
        store.close()
    assert fresh == len(texts) and X.shape == (len(texts), 384)
    print(f"bare {bare:.1f} s, routelab {ours:.1f} s, cached re-run {cached:.2f} s")
    return [Figure("embedding throughput, 10,000 texts", len(texts) / ours, "texts/s",
                   len(texts) / bare,
                   f"bare encode of all 10,000 by the same encoder, {encoder.runtime}",
                   target=">= 0.9x"),
            Figure("re-embedding the same 10,000 texts (all cached)", cached, "s",
                   target="nothing embedded twice", higher_is_better=False)], X


def map_times() -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "ROUTELAB_DB": str(Path(folder) / "map.duckdb")}
        cli = [sys.executable, "-m", "app.cli"]
        subprocess.run(cli + ["import", str(SHARED / "routerbench_subset"), "--name", "rb"],
                       env=env, check=True, capture_output=True, cwd=ROOT)
        started = time.perf_counter()
        subprocess.run(cli + ["embed", "rb"], env=env,
                       check=True, capture_output=True, cwd=ROOT)
        cold = time.perf_counter() - started
        warm = _warm_map(Path(env["ROUTELAB_DB"]))
    print(f"first map cold {cold:.1f} s, warm {warm:.2f} s")
    return [Figure("first full map of RouterBench subset, cold cache", cold, "s",
                   target="progress shown", higher_is_better=False),
            Figure("map of RouterBench subset, warm cache", warm, "s", cold,
                   "the cold run", target="< 2 s", higher_is_better=False)]


def _warm_map(db: Path) -> float:
    """What the Map page computes on a revisit, in a fresh process (no in-memory caches)."""
    code = """
import sys, time
started = time.perf_counter()
from app.store.db import open_store
from app.embed import maps
from app.store.datasets import outcome_matrix
from app.embed.embeddings import DEFAULT_ENCODER
from app.present.map_figure import map_figure
store = open_store(sys.argv[1])
dataset_id, version = store.rows("SELECT dataset_id, content_hash FROM datasets")[0]
ids, coords = maps.cached_projection(store, dataset_id, version, DEFAULT_ENCODER, maps.MapParams())
matrix = outcome_matrix(store, dataset_id)
regions = maps.win_regions(coords, matrix.scores, matrix.costs, maps.Objective("best"))
labels = [str(t) for t in matrix.tasks]
map_figure(coords, regions, matrix.models, labels, None, "task", labels).to_json()
print(time.perf_counter() - started)
"""
    done = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True,
                          text=True, check=True, cwd=ROOT)
    return float(done.stdout.strip().splitlines()[-1])


def umap_times() -> list[Figure]:
    from app.embed.maps import MapParams, fit_umap

    rng = np.random.default_rng(0)
    base = rng.normal(size=(2_000, 384)).astype(np.float32)
    figures = []
    fit_umap(base[:500], MapParams())  # pay numba's compilation before timing
    for n in (10_000, 50_000):
        X = base[rng.integers(0, len(base), n)] + 0.3 * rng.normal(size=(n, 384))
        X = (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)
        started = time.perf_counter()
        fit_umap(X, MapParams())
        seconds = time.perf_counter() - started
        print(f"UMAP {n:,} points: {seconds:.1f} s")
        figures.append(Figure(f"UMAP fit, {n:,} points (384-d)", seconds, "s",
                              higher_is_better=False))
    return figures


FIRST_MAP = """
import sys, time
started = time.perf_counter()
if sys.argv[1] == "plain":  # as before umap_loader: umap's functions compiled, not cached
    import umap
import numpy as np
from app.embed.maps import MapParams, fit_umap
X = np.random.default_rng(0).normal(size=(600, 384)).astype(np.float32)
reducer, _ = fit_umap(X, MapParams())
reducer.transform(X[:1])
print(time.perf_counter() - started)
"""


def first_map_in_a_new_process() -> list[Figure]:
    """(d): three fresh processes sharing an empty numba cache directory."""
    def first_map(how: str, cache: str) -> float:
        done = subprocess.run([sys.executable, "-c", FIRST_MAP, how], capture_output=True,
                              text=True, check=True, cwd=ROOT,
                              env={**os.environ, "NUMBA_CACHE_DIR": cache})
        return float(done.stdout.strip().splitlines()[-1])

    with tempfile.TemporaryDirectory() as cache:
        first = first_map("cached", cache)  # compiles everything, fills the cache
        loaded = first_map("cached", cache)
        plain = first_map("plain", cache)  # pynndescent's own cached code, umap compiled
    print(f"a new process's first map: {loaded:.1f} s loaded, {plain:.1f} s compiling "
          f"umap, {first:.1f} s the machine's first")
    title = "a new process's first map of 600 points (import, UMAP fit and transform)"
    return [Figure(f"{title}, UMAP's compiled code from disk", loaded, "s", plain,
                   "the same compiling UMAP's functions, as every process did before",
                   higher_is_better=False, digits=1),
            Figure(f"{title}, the machine's first process (compiles, fills the cache)",
                   first, "s", higher_is_better=False, digits=1)]


def epochs(X: np.ndarray) -> list[Figure]:
    """(e): the same map at routelab's 200 epochs and at UMAP's default 500."""
    from sklearn.manifold import trustworthiness

    from app.embed.maps import MapParams, fit_umap

    figures = []
    for n in (3_000, len(X)):
        rows = X[np.random.default_rng(0).permutation(len(X))[:n]]
        found = {}
        for epochs_run in (MapParams().n_epochs, 500):
            started = time.perf_counter()
            _, coords = fit_umap(rows, MapParams(n_epochs=epochs_run))
            found[epochs_run] = (time.perf_counter() - started,
                                 trustworthiness(rows, coords, n_neighbors=10, metric="cosine"))
        (ours, ours_trust), (default, default_trust) = found.values()
        print(f"UMAP {n:,} real queries: {ours:.1f} s / {default:.1f} s, trustworthiness "
              f"{ours_trust:.3f} / {default_trust:.3f}")
        title = f"map of {n:,} real query vectors, {MapParams().n_epochs} UMAP epochs"
        figures += [Figure(f"{title}: fit", ours, "s", default, "500 epochs (UMAP's default "
                           "up to 10,000 points)", higher_is_better=False, digits=1),
                    Figure(f"{title}: trustworthiness at 10 neighbours", ours_trust, "",
                           default_trust, "500 epochs", digits=3)]
    return figures


def run() -> list[Figure]:
    embedded, X = throughput()
    return (embedded + map_times() + umap_times() + first_map_in_a_new_process()
            + epochs(X))


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
