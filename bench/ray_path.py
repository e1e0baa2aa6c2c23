"""Embedding on Ray vs in-process, on this machine.

The same 2,000 texts (RouterBench subset prompts, imported by routelab's own importer; or
generated ones when ../shared/data is absent) embedded with MiniLM into a fresh database:
(a) in-process, the encoder already loaded (the dashboard's steady state); (b) in-process
from a cold encoder; (c) through a local Ray (ROUTELAB_RAY_ADDRESS=local), end to end: a
Ray Data actor pool starts, each actor loads the encoder, the driver writes the vectors.
Ray's own start-up (ray.init) is reported apart: a process pays it once.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.report import SHARED, Figure

N_TEXTS = 2_000


def _texts() -> list[str]:
    """2,000 distinct prompts: the RouterBench subset through the importer, else generated."""
    from app.data.importers import import_path
    from app.store.db import open_store

    texts: dict[str, None] = {}
    if (SHARED / "routerbench_subset").is_dir():
        with tempfile.TemporaryDirectory() as folder:
            store = open_store(Path(folder) / "texts.duckdb")
            import_path(store, SHARED / "routerbench_subset", name="rb")
            for (text,) in store.rows("SELECT embed_text FROM queries ORDER BY query_id"):
                texts.setdefault(text)
            store.close()
    topics = ["a train's speed", "the capital of Peru", "sorting a list in Python",
              "why ice floats", "a pronoun's referent", "photosynthesis", "compound interest"]
    while len(texts) < N_TEXTS:  # pad with generated questions if the subset is absent
        n = len(texts)
        texts.setdefault(f"Question {n}: explain {topics[n % len(topics)]} in {n % 9 + 2} "
                         f"steps, for a reader who knows {topics[(n * 3) % len(topics)]}.")
    return list(texts)[:N_TEXTS]


def _embed_seconds(texts: list[str], encoder) -> float:
    from app.embed.embeddings import embed_texts
    from app.store.db import open_store

    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "bench.duckdb")
        started = time.perf_counter()
        X, fresh = embed_texts(store, texts, encoder)
        seconds = time.perf_counter() - started
        store.close()
    assert fresh == len(texts) and X.shape == (len(texts), 384)
    return seconds


def run() -> list[Figure]:
    from app.embed import ray_embed
    from app.embed.embeddings import DEFAULT_ENCODER, load_minilm

    texts = _texts()
    started = time.perf_counter()
    encoder = load_minilm()  # what each Ray actor's get_encoder loads
    encoder.encode(texts[:64])  # load and warm up, as a running dashboard is
    cold_load = time.perf_counter() - started
    warm = _embed_seconds(texts, encoder)
    cold = warm + cold_load
    os.environ[ray_embed.RAY_ADDRESS_VAR] = "local"
    try:
        started = time.perf_counter()
        ray = ray_embed.connect()
        ray_start = time.perf_counter() - started
        actors = int(ray.cluster_resources().get("CPU", 1))
        on_ray = _embed_seconds(texts, DEFAULT_ENCODER)
        ray.shutdown()
    finally:
        del os.environ[ray_embed.RAY_ADDRESS_VAR]
    print(f"in-process {warm:.1f} s (+{cold_load:.1f} s to load), local Ray {on_ray:.1f} s "
          f"(+{ray_start:.1f} s ray.init), {actors} actors")
    n = f"{len(texts):,}"
    return [
        Figure(f"in-process embedding, {n} texts, encoder loaded", len(texts) / warm,
               "texts/s"),
        Figure(f"in-process embedding, {n} texts, encoder load included", len(texts) / cold,
               "texts/s", len(texts) / warm, "encoder loaded"),
        Figure(f"local Ray embedding ({actors} actors), {n} texts, actor start-up included",
               len(texts) / on_ray, "texts/s", len(texts) / cold,
               "in-process, encoder load included", target="same vectors, same cache"),
        Figure("local Ray start-up (ray.init, once a process)", ray_start, "s",
               higher_is_better=False),
    ]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
