"""Generated query logs of the shapes users bring (the foreign-log suite's inputs).

`Shape` describes a log; `write_long` writes it as a long JSONL file (one row per query and
model) that `routelab import --format long` reads. Prompts are built from topics so that an
embedding (even the hashing encoder) can tell them apart, and each topic has a planted best
model, so a router has something real to learn.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

TOPICS = {
    "algebra": ["solve for x", "quadratic equation", "factor the polynomial", "linear system"],
    "history": ["which empire", "the treaty of", "medieval kingdom", "the revolution of"],
    "cooking": ["recipe for bread", "how long to boil", "season the soup", "bake the cake"],
    "code": ["python function", "sort a list", "regular expression", "sql query join"],
}
NON_ENGLISH = ["¿Cuál es la capital de", "Wie viele Tage hat", "日本の首都はどこですか",
               "Quelle est la racine carrée de"]


@dataclass
class Shape:
    n_queries: int = 120
    n_models: int = 3
    cost: str = "all"              # all | none | some
    scale: str = "0/1"             # 0/1 | 0-1 | 1-10
    best_everywhere: bool = False   # one model is best on every task
    missing: float = 0.0           # share of (query, model) outcomes left out
    duplicates: float = 0.0        # share of queries whose text repeats another's
    multi_turn: bool = False       # prompts as JSON message lists
    non_english: bool = False
    seed: int = 0
    models: list[str] = field(default_factory=list)

    def model_names(self) -> list[str]:
        # names whose alphabetical order is not their quality order
        return self.models or [f"model-{chr(ord('z') - i)}{i}" for i in range(self.n_models)]


def generate(shape: Shape) -> list[dict]:
    """Rows of a long log: text, model, score (on the shape's scale), cost when known."""
    rng = np.random.default_rng(shape.seed)
    models = shape.model_names()
    topics = list(TOPICS)
    # planted skill: per topic, one model is strong; with best_everywhere it is always the same
    skill = rng.uniform(0.15, 0.45, size=(len(topics), len(models)))
    for t in range(len(topics)):
        best = len(models) - 1 if shape.best_everywhere else (t * 7 + 3) % len(models)
        skill[t, best] = 0.92
    price = np.geomspace(1e-5, 1e-3, len(models))[rng.permutation(len(models))]
    rows, texts = [], []
    for i in range(shape.n_queries):
        t = i % len(topics)
        if texts and rng.random() < shape.duplicates:
            text, t = texts[int(rng.integers(len(texts)))]
        else:
            words = TOPICS[topics[t]]
            text = f"{words[int(rng.integers(len(words)))]} number {i} " \
                   f"{topics[t]} {' '.join(rng.choice(words, 2))}"
            if shape.non_english and i % 3 == 0:
                text = f"{NON_ENGLISH[i % len(NON_ENGLISH)]} {text}"
        texts.append((text, t))
        prompt = json.dumps([{"role": "system", "content": "Be brief."},
                             {"role": "user", "content": text}]) if shape.multi_turn else text
        for j, model in enumerate(models):
            if shape.missing and rng.random() < shape.missing and j != len(models) - 1:
                continue
            good = rng.random() < skill[t, j]
            row = {"id": f"q{i}", "prompt": prompt, "model": model, "task": topics[t],
                   "score": _on_scale(good, shape.scale, rng),
                   "response": f"{model} answers {topics[t]} question {i}" * (1 + j % 3)}
            if shape.cost == "all" or (shape.cost == "some" and j % 2 == 0):
                row["cost"] = float(price[j] * rng.uniform(0.5, 1.5))
            rows.append(row)
    return rows


def _on_scale(good: bool, scale: str, rng) -> float:
    if scale == "0/1":
        return float(good)
    if scale == "0-1":
        return round(float(np.clip((0.8 if good else 0.2) + rng.normal(0, 0.1), 0, 1)), 3)
    return float(np.clip((9 if good else 3) + int(rng.integers(-2, 2)), 1, 10))


def write_long(shape: Shape, path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for row in generate(shape):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


@contextmanager
def routed_log(folder: Path, seed: int, encoder: str = "hashing-ngrams-512"):
    """(store, dataset for routing) of a generated 600-query, 4-model priced log with
    graded scores, embedded with `encoder`, offline; the store closes on exit."""
    from app.data.importers import import_path
    from app.routing.configs import load_for_routing
    from app.store.db import open_store

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ROUTELAB_ENCODER", encoder)
        patch.setenv("HF_HUB_OFFLINE", "1")
        store = open_store(folder / "export.duckdb")
        shape = Shape(n_queries=600, n_models=4, cost="all", scale="0-1", seed=seed)
        import_path(store, write_long(shape, folder / "log.jsonl"), name="log")
        try:
            yield store, load_for_routing(store, "log", encoder)
        finally:
            store.close()


def log_database(folder: Path, shape: Shape) -> Path:
    """A fresh database file in `folder` holding the shape's log as dataset 'log'."""
    from app.data.importers import import_path
    from app.store.db import open_store

    path = folder / "log.duckdb"
    store = open_store(path)
    try:
        import_path(store, write_long(shape, folder / "log.jsonl"), name="log")
    finally:
        store.close()
    return path
