"""Pairwise datasets as router input, and their evaluation: win rate against a reference.

A pairwise log's queries are embedded like any dataset's and split by query text (the
same `split_rows` as scored logs, so a text never sits in both splits); a battle goes
where its query goes. Routers learn on the training battles only, and the default
reference model is chosen there too (the model with most training battles), so nothing
about the test battles shapes the line-up they are scored on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from app.embed.embeddings import default_encoder, embed_dataset
from app.routing.configs import RouterProblem, split_rows
from app.store import datasets, preferences
from app.store.db import Store
from routers.pairwise import PREFERENCE_ROUTERS, Battles, PreferenceRouter
from routers.winrate import win_rate_table


@dataclass(frozen=True, eq=False)
class PreferenceData:
    name: str
    texts: tuple[str, ...]      # (n,) queries in query_id order
    X: np.ndarray               # (n, d) their embeddings
    battles: Battles            # every battle, indexing rows of X
    train: np.ndarray           # battle rows for training
    test: np.ndarray            # battle rows for evaluation
    split_note: str
    encoder: str


@dataclass(frozen=True)
class PreferenceEvaluation:
    reference: str
    rows: list[dict]            # name, win_rate, win_rate_ci, battles, deployable
    split_note: str
    models: tuple[str, ...]
    train_battles: int
    test_battles: int


def load_preferences(store: Store, dataset: str, encoder: str | None = None, *,
                     test_fraction: float = 0.3, seed: int = 0,
                     progress=None) -> PreferenceData:
    """A pairwise dataset's battles with query embeddings, split by query text."""
    dataset_id = datasets.id_of(store, dataset)
    if dataset_id is None:
        raise RouterProblem(f"no dataset named '{dataset}'")
    log = preferences.battle_log(store, dataset_id)
    if not len(log.query):
        raise RouterProblem(f"'{dataset}' has no battles: it is not a pairwise dataset")
    encoder = encoder or default_encoder()
    ids, X, _ = embed_dataset(store, dataset_id, encoder, progress=progress)
    assert np.array_equal(ids, log.query_ids)
    models = tuple(sorted(set(log.model_a.tolist()) | set(log.model_b.tolist())))
    column = {m: j for j, m in enumerate(models)}
    battles = Battles(log.query, np.array([column[m] for m in log.model_a], dtype=np.int64),
                      np.array([column[m] for m in log.model_b], dtype=np.int64),
                      log.outcome, log.weight, models)
    train_q, test_q, note = split_rows(log.splits, log.tasks, test_fraction, seed, log.texts)
    train = np.flatnonzero(np.isin(log.query, train_q))
    test = np.flatnonzero(np.isin(log.query, test_q))
    return PreferenceData(dataset, log.texts, X, battles, train, test, note, encoder)


def default_reference(data: PreferenceData) -> str:
    """The model in most training battles (first by name on ties): the one a router can
    most often be compared with."""
    t = data.battles.subset(data.train)
    counts = Counter(np.concatenate([t.a, t.b]).tolist())
    if not counts:
        raise RouterProblem(f"'{data.name}' has no training battles")
    best = max(counts.values())
    return min(data.battles.models[j] for j, n in counts.items() if n == best)


def default_routers() -> dict[str, PreferenceRouter]:
    """Every preference router with its default hyperparameters."""
    return {name: cls() for name, cls in PREFERENCE_ROUTERS.items()}


def evaluate_preferences(data: PreferenceData, *, reference: str | None = None,
                         routers: dict[str, PreferenceRouter] | None = None,
                         n_boot: int = 1000, seed: int = 0) -> PreferenceEvaluation:
    """Train each router on the training battles; score every one, the single models and
    the oracle by win rate against `reference` on the test battles."""
    reference = reference or default_reference(data)
    if reference not in data.battles.models:
        raise RouterProblem(f"'{reference}' is not a model of '{data.name}'; its models: "
                            f"{', '.join(data.battles.models)}")
    train, test = data.battles.subset(data.train), data.battles.subset(data.test)
    if not len(train):
        raise RouterProblem(f"'{data.name}' has no training battles ({data.split_note})")
    faced = (test.a == data.battles.models.index(reference)) ^ (
        test.b == data.battles.models.index(reference))
    if not faced.any():
        raise RouterProblem(f"no test battle of '{data.name}' involves '{reference}'; "
                            "choose another reference model")
    scores = {}
    for name, router in (routers or default_routers()).items():
        scores[name] = router.fit(data.X, train).score(data.X)
    rows = win_rate_table(scores, test, reference, n_boot=n_boot, seed=seed)
    return PreferenceEvaluation(reference, rows, data.split_note, data.battles.models,
                                len(train), int(faced.sum()))


def evaluate_dataset(store: Store, dataset: str, *, reference: str | None = None,
                     encoder: str | None = None, n_boot: int = 1000, seed: int = 0,
                     progress=None) -> PreferenceEvaluation:
    """Load, split, train and evaluate a pairwise dataset in one call (the CLI's path)."""
    data = load_preferences(store, dataset, encoder, seed=seed, progress=progress)
    return evaluate_preferences(data, reference=reference, n_boot=n_boot, seed=seed)
