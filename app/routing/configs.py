"""Routers in the app: datasets as router inputs, splits, saved configs, fitting."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from app.embed.embeddings import default_encoder, embed_dataset, embed_texts
from app.embed.maps import sample_rows
from app.routing import catalog
from app.store import datasets
from app.store.db import Store
from routers import Outcomes, Queries, Router
from routers.judged import NEEDS_ANSWERS

# queries; a larger log is routed on a seeded sample of this many: every router of the
# default line-up trains and sweeps in about a minute on 2 cores, and a test split of ~6k
# queries still gives intervals of about ±0.01 (`routelab evaluate --sample N` for more)
SAMPLE_LIMIT = 30_000


class RouterProblem(ValueError):
    """A router config that cannot be built or trained; the message says why."""


@dataclass(frozen=True)
class RouterConfig:
    name: str
    kind: str
    params: dict = field(default_factory=dict)
    dataset: str | None = None
    encoder: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    def key(self) -> str:
        return json.dumps([self.kind, self.params, self.encoder], sort_keys=True)


@dataclass(frozen=True, eq=False)
class DatasetForRouting:
    name: str
    outcomes: Outcomes
    query_ids: np.ndarray
    splits: np.ndarray
    train: np.ndarray       # row indices
    test: np.ndarray
    split_note: str
    encoder: str


def load_for_routing(store: Store, dataset: str, encoder: str | None = None, *,
                     test_fraction: float = 0.3, seed: int = 0, progress=None,
                     sample_limit: int = SAMPLE_LIMIT) -> DatasetForRouting:
    """A dataset's outcomes with embeddings, and its train/test split (its own when it has
    one, else a seeded split stratified by task). A log of more than `sample_limit` queries
    is routed on a seeded sample of that many (only they are embedded); the split's note
    says so, and every figure's interval is over the sample's test queries."""
    dataset_id = datasets.id_of(store, dataset)
    if dataset_id is None:
        raise RouterProblem(f"no dataset named '{dataset}'")
    matrix = datasets.outcome_matrix(store, dataset_id)
    if not matrix.models and datasets.by_name(store, dataset).format == "pairwise":
        raise RouterProblem(
            f"'{dataset}' is a pairwise preference log: it holds battles, not a score per "
            "answer, so score routers cannot train on it. Its routers (Bradley-Terry MF, "
            "kNN and centroid win rates) are compared on its Compare page, or with "
            f"`routelab evaluate {dataset}`.")
    encoder = encoder or default_encoder()
    rows = sample_rows(len(matrix.query_ids), sample_limit, seed)
    if len(rows) < len(matrix.query_ids):
        total = len(matrix.query_ids)
        matrix = replace(matrix, query_ids=matrix.query_ids[rows], scores=matrix.scores[rows],
                         costs=matrix.costs[rows], tasks=matrix.tasks[rows],
                         splits=matrix.splits[rows])
        texts = datasets.texts_of(store, matrix.query_ids)
        X, _ = embed_texts(store, texts, encoder, progress=progress)
        sampled = f"a seeded sample of {len(rows):,} of the log's {total:,} queries; "
    else:
        ids, X, _ = embed_dataset(store, dataset_id, encoder, progress=progress)
        assert np.array_equal(ids, matrix.query_ids)
        texts = datasets.query_texts(store, dataset_id)
        sampled = ""
    tasks = tuple(None if t is None else str(t) for t in matrix.tasks)
    queries = Queries(tuple(texts), X, tasks)
    outcomes = Outcomes(queries, tuple(matrix.models), matrix.scores, matrix.costs)
    train, test, note = split_rows(matrix.splits, matrix.tasks, test_fraction, seed, texts)
    return DatasetForRouting(dataset, outcomes, matrix.query_ids, matrix.splits, train, test,
                             sampled + note, encoder)


def with_responses(store: Store, data: DatasetForRouting) -> DatasetForRouting:
    """The same dataset with each model's answer text, for routers that read answers (a
    learned judge); loaded on demand because most routers never need it."""
    if data.outcomes.responses is not None:
        return data
    dataset_id = datasets.id_of(store, data.name)
    found = datasets.responses(store, dataset_id, data.query_ids, data.outcomes.models)
    if not any(r is not None and str(r).strip() for r in found.ravel()):
        raise RouterProblem(NEEDS_ANSWERS)
    return replace(data, outcomes=replace(data.outcomes, responses=found))


def split_rows(splits: np.ndarray, tasks: np.ndarray, test_fraction: float = 0.3,
               seed: int = 0, texts: Sequence[str] | None = None
               ) -> tuple[np.ndarray, np.ndarray, str]:
    """(train rows, test rows, description): the log's own split, else a seeded split
    stratified by task. Split by query text: rows whose texts are the same once normalised
    (case, spacing) always land on the same side, so no test query has a twin in training;
    where a log's own split puts a text on both sides, its training rows are left out."""
    groups = _text_groups(texts if texts is not None else [str(i) for i in range(len(splits))])
    labels = np.array([str(s).lower() if s is not None else "" for s in splits])
    own_train = np.flatnonzero(labels == "train")
    own_test = np.flatnonzero(np.isin(labels, ["test", "val", "dev"]))
    if len(own_train) and len(own_test):
        leaked = np.isin(groups[own_train], groups[own_test])
        train = own_train[~leaked]
        note = f"the log's own split ({len(train):,} train, {len(own_test):,} test"
        if leaked.any():
            note += f"; {int(leaked.sum()):,} training rows whose text is also in test left out"
        return train, own_test, note + ")"
    rng = np.random.default_rng(seed)
    strata = np.array([str(t) for t in tasks])
    test = []
    for stratum in np.unique(strata):
        rows = np.flatnonzero(strata == stratum)
        # whole groups of identical texts go to test until the stratum's share is reached
        members = {g: rows[groups[rows] == g] for g in dict.fromkeys(groups[rows])}
        order = rng.permutation(len(members))
        keys, wanted, taken = list(members), int(round(len(rows) * test_fraction)), 0
        for index in order:
            if taken >= wanted:
                break
            test.extend(members[keys[index]])
            taken += len(members[keys[index]])
    test = np.array(sorted(set(test)), dtype=np.int64)
    # a text in two tasks may still straddle the strata: its rows follow its test rows
    test = np.flatnonzero(np.isin(groups, groups[test])) if len(test) else test
    train = np.setdiff1d(np.arange(len(labels)), test)
    return train, test, (f"a seeded random split stratified by task, by query text "
                         f"({len(train):,} train, {len(test):,} test, seed {seed})")


def _text_groups(texts: Sequence[str]) -> np.ndarray:
    """One id per distinct text after normalising case and white space."""
    keys = [" ".join(str(t).lower().split()) for t in texts]
    ids = {key: i for i, key in enumerate(dict.fromkeys(keys))}
    return np.array([ids[key] for key in keys], dtype=np.int64)


def build_router(config: RouterConfig) -> Router:
    """An untrained router of a trainable kind (offline or online)."""
    if config.kind not in catalog.CATALOG:
        raise RouterProblem(f"unknown router kind '{config.kind}'; known: "
                            f"{sorted(catalog.CATALOG)}")
    if catalog.is_live(config.kind):
        raise RouterProblem(f"'{config.kind}' is a live router: it calls models while it "
                            "routes, so it is tried in the Playground, not trained on a log")
    onboarded_models(config)  # refuse a malformed onboarding record
    params = {k: v for k, v in config.params.items() if k not in (ONBOARDED, OPERATING)}
    try:
        return catalog.kind(config.kind).build(params)
    except TypeError as exc:
        raise RouterProblem(f"router '{config.name}' ({config.kind}): {exc}") from None


ONBOARDED = "onboarded"  # params key: {model: prompts per cluster} of onboarded models
OPERATING = "operating_point"  # params key: the calibrated point (app/routing/operating.py)


def onboarded_models(config: RouterConfig) -> dict[str, int]:
    """The models a saved router learned by onboarding, with prompts per cluster: they
    learn from those representative prompts only, not from their whole log."""
    record = config.params.get(ONBOARDED) or {}
    if not record:
        return {}
    if not catalog.kind(config.kind).onboards:
        raise RouterProblem(f"router '{config.name}': {config.kind} routers cannot onboard "
                            "models; remove the 'onboarded' parameter")
    if not isinstance(record, dict) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in record.values()):
        raise RouterProblem(f"router '{config.name}': 'onboarded' must map model names to "
                            f"a positive number of prompts per cluster, not {record!r}")
    return {str(m): int(n) for m, n in record.items()}


def router_maker(store: Store, config: RouterConfig) -> Callable[[], Router]:
    """A function giving a fresh untrained router of the config, ready to fit (its
    utterances embedded once): what cross-validation refits on each fold."""
    texts = build_router(config).utterance_texts()
    vectors = {m: embed_texts(store, utterances, config.encoder or default_encoder())[0]
               for m, utterances in texts.items()}

    def make() -> Router:
        router = build_router(config)
        if vectors:
            router.set_utterance_vectors(vectors)
        return router
    return make


def fit_router(store: Store, config: RouterConfig, data: DatasetForRouting) -> Router:
    """Build the router and train it on the dataset's training split."""
    router = router_maker(store, config)()
    onboarded = onboarded_models(config)
    if router.needs_responses:
        data = with_responses(store, data)
    train = data.outcomes.subset(data.train)
    try:
        return router.fit_onboarded(train, onboarded) if onboarded else router.fit(train)
    except (ValueError, KeyError, np.linalg.LinAlgError) as exc:
        raise RouterProblem(f"router '{config.name}' could not be trained: {exc}") from None


# ---- saved configs --------------------------------------------------------------------

def save_config(store: Store, config: RouterConfig) -> None:
    if not catalog.is_live(config.kind):
        build_router(config)  # refuse what cannot be built
    store.write(lambda cur: cur.execute(
        "INSERT OR REPLACE INTO router_configs (name, kind, params, dataset, encoder) "
        "VALUES (?, ?, ?, ?, ?)", [config.name, config.kind, json.dumps(config.params),
                                   config.dataset, config.encoder]))


def saved_configs(store: Store) -> list[RouterConfig]:
    return [RouterConfig(n, k, json.loads(p), d, e) for n, k, p, d, e in store.rows(
        "SELECT name, kind, params, dataset, encoder FROM router_configs ORDER BY created_at")]


def delete_config(store: Store, name: str) -> None:
    store.write(lambda cur: cur.execute("DELETE FROM router_configs WHERE name = ?", [name]))


def default_configs() -> list[RouterConfig]:
    """Every registered router with default parameters (what `routelab evaluate` runs)."""
    return [RouterConfig(name, name, {}) for name in catalog.kinds()
            if catalog.kind(name).in_defaults]
