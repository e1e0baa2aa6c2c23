"""Process-wide resources and cached reads for the Streamlit app."""

from __future__ import annotations

import importlib
import json
import sys
import threading
from collections import OrderedDict

import numpy as np
import pandas as pd
import streamlit as st

from app.data.demo.log import ensure_demo as _ensure_demo
from app.embed import maps
from app.embed.embeddings import default_encoder
from app.store import datasets, summary
from app.store.datasets import Dataset, OutcomeMatrix
from app.store.db import Store, open_store
from app.ui import background


@st.cache_resource(show_spinner=False)
def store() -> Store:
    """The one database connection of this server process (DuckDB: one writer per file)."""
    return open_store()


@st.cache_resource(show_spinner="Loading the built-in demo log ...")
def ensure_demo() -> str | None:
    """Load the committed demo log into an empty database, once per process."""
    return _ensure_demo(store())


# Everything is cached per Dataset value (id, version, counts): a re-import or a growing
# collection is a new value, so nothing stale is ever shown.
@st.cache_data(show_spinner=False, max_entries=64)
def model_summary(dataset: Dataset) -> pd.DataFrame:
    return summary.model_summary(store(), dataset.id)


@st.cache_data(show_spinner=False, max_entries=64)
def oracle_summary(dataset: Dataset) -> dict:
    return summary.oracle_summary(store(), dataset.id)


@st.cache_data(show_spinner=False, max_entries=64)
def task_breakdown(dataset: Dataset) -> pd.DataFrame:
    return summary.task_breakdown(store(), dataset.id)


@st.cache_data(show_spinner=False, max_entries=64)
def split_counts(dataset: Dataset) -> dict[str, int]:
    return summary.split_counts(store(), dataset.id)


@st.cache_data(show_spinner=False, max_entries=16)
def outcome_matrix(dataset: Dataset) -> OutcomeMatrix:
    """Its scores; a pairwise log's are each model's win rate in the battles on a query
    (its battles are not outcomes, and the Map draws where each model wins them)."""
    if dataset.format == "pairwise":
        from app.store.preferences import win_rate_matrix
        return win_rate_matrix(store(), dataset.id)
    return datasets.outcome_matrix(store(), dataset.id)


@st.cache_data(show_spinner=False, max_entries=16)
def priced(dataset: Dataset) -> bool:
    """Whether any of its outcomes has a cost (the Map offers cost objectives only then):
    read once per dataset, not on every run of the Map (10M costs scanned on a large log)."""
    return not np.isnan(outcome_matrix(dataset).costs).all()


@st.cache_data(show_spinner=False, max_entries=16)
def questions(dataset: Dataset) -> list[str]:
    return datasets.query_texts(store(), dataset.id)


def map_coords(dataset: Dataset, encoder: str, params: maps.MapParams):
    """(query_ids, coords) of a computed map, or None (then the page builds it). "Not built
    yet" is never kept: a build ahead of need, or by another session, may end any time."""
    found = _map_coords(dataset, encoder, params)
    if found is None:
        _map_coords.clear(dataset, encoder, params)
    return found


@st.cache_data(show_spinner=False, max_entries=16)
def _map_coords(dataset: Dataset, encoder: str, params: maps.MapParams):
    return maps.cached_projection(store(), dataset.id, dataset.version, encoder, params)


@st.cache_data(show_spinner=False, max_entries=64)
def regions(dataset: Dataset, encoder: str, params: maps.MapParams,
            objective: maps.Objective, router: str | None = None) -> maps.Regions:
    """Win regions; with objective kind "router", regions of the choices of the router
    whose config JSON is `router`."""
    _, coords = map_coords(dataset, encoder, params)
    matrix = outcome_matrix(dataset)
    rows = maps.sample_rows(len(coords), maps.REGION_SAMPLE)  # all of a log up to its size
    if objective.kind == "router" and router is not None:
        choice, _ = router_choices(dataset, router)
        rows = rows[choice[rows] >= 0]  # the queries the router was run on
        votes = np.eye(len(matrix.models))[choice[rows]]
        return maps.win_regions(coords[rows], votes, np.zeros_like(votes),
                                maps.Objective("best"))
    return maps.win_regions(coords[rows], matrix.scores[rows], matrix.costs[rows], objective)


@st.cache_data(show_spinner=False, max_entries=16)
def density(dataset: Dataset, encoder: str, params: maps.MapParams) -> maps.Density:
    """Every query of the map counted on a grid (drawn under the points of a large log)."""
    return maps.density(map_coords(dataset, encoder, params)[1])


@st.cache_data(show_spinner=False, max_entries=16)
def drawn_questions(dataset: Dataset) -> list[str]:
    """The texts of the Map's drawn rows (maps.sample_rows of DRAW_SAMPLE), without reading
    every text of a large log."""
    query_ids = outcome_matrix(dataset).query_ids
    if len(query_ids) <= maps.DRAW_SAMPLE:
        return questions(dataset)
    return datasets.texts_of(store(), query_ids[maps.sample_rows(len(query_ids),
                                                                  maps.DRAW_SAMPLE)])


def router_choices(dataset: Dataset, config_json: str):
    """(chosen model column in the outcome matrix, regret vs the oracle) for every query,
    at the router's headline point: quality first, or the full chain for a cascade (the
    model whose answer it kept). Training queries are scored in-sample; a large log's queries
    outside its routed sample get -1 and NaN."""
    config = json.loads(config_json)
    router = fitted_router(dataset, config_json)  # trained on a worker thread the first time
    data = routing_data(dataset, config.get("encoder") or default_encoder())
    return _router_choices(dataset, config_json, router, data)


@st.cache_data(show_spinner=False, max_entries=16)
def _router_choices(dataset: Dataset, config_json: str, _router, _data):
    """router_choices once per (dataset, config): the router and data follow from them."""
    router, data = _router, _data
    matrix = outcome_matrix(dataset)
    reward = np.nan_to_num(matrix.scores, nan=0.0)
    columns = np.array([matrix.models.index(m) for m in router.models_])
    rows = np.searchsorted(matrix.query_ids, data.query_ids)  # a large log's routed sample
    if router.simulates:  # the model whose answer the cascade keeps
        if router.needs_responses:
            from app.routing.configs import with_responses

            data = with_responses(store(), data)
        picked = columns[router.answers(data.outcomes)]
    else:
        picked = columns[router.choose(router.score(data.outcomes.queries))]
    choice, regret = np.full(len(reward), -1), np.full(len(reward), np.nan)
    choice[rows] = picked
    regret[rows] = reward[rows].max(axis=1) - reward[rows, picked]
    return choice, regret


def reducer(dataset: Dataset, encoder: str, params: maps.MapParams):
    """The map's fitted UMAP reducer (None when it is not on disk), read once."""
    return _read_reducer(_reducers(), dataset, encoder, params)


def _read_reducer(held: SharedResults, dataset: Dataset, encoder: str,
                  params: maps.MapParams):
    return held.get_or_build(
        (dataset, encoder, params),
        lambda: maps.load_reducer(dataset.id, dataset.version, encoder, params))


@st.cache_resource(show_spinner=False)
def _reducers() -> SharedResults:
    """Reducers by map, shared by the sessions and the job that readies placement."""
    return SharedResults(size=8)


def placement_ahead(dataset: Dataset, encoder: str, params: maps.MapParams) -> None:
    """Ready the placement of a new query on this map while the user looks at the map: in
    a new server process the first placement loads the encoder (about 0.5 s), reads the
    reducer (0.7 s) and loads UMAP's compiled transform (compiles it, about 6 s, the first
    time on this machine: embed/umap_loader.py); afterwards it takes 0.02 s. A placement
    asked for meanwhile waits on the same loads."""
    from app.embed.embeddings import get_encoder, is_loaded

    held = _reducers()
    if held.get((dataset, encoder, params)) is not None and is_loaded(encoder):
        return  # a placement, or this job, has run in this process
    if not maps.reducer_path(dataset.id, dataset.version, encoder, params).exists():
        return  # a map computed elsewhere: nothing to ready (a placement says so)

    def ready(report: background.Report) -> None:
        found = _read_reducer(held, dataset, encoder, params)
        vector = get_encoder(encoder).encode(["What is the capital of Chile?"])
        if found is not None:
            found.transform(vector)  # numba loads (or compiles) the transform once a process

    background.jobs().start(("placement", dataset, encoder, params), ready)


def routing_data(dataset: Dataset, encoder: str | None, sample_limit: int | None = None):
    """A dataset as router input (embeddings, outcomes, split), once per version, encoder
    (None: the default one, cached as the same entry) and sample size (None: a log above
    configs.SAMPLE_LIMIT queries is routed on a seeded sample of that many). The first time,
    loaded and embedded on a worker thread while this run shows its progress."""
    from app.routing import configs

    key = (dataset, encoder or default_encoder(), sample_limit or configs.SAMPLE_LIMIT)
    cache, db = routing_cache(), store()
    found = cache.data.get(key)
    if found is None:
        found = _waited(("routing data", *key),
                        lambda report: cache.data_for(db, *key, report=report))
    return found


def fitted_router(dataset: Dataset, config_json: str):
    """A router trained on the dataset's training split, once per (dataset, config); the
    first time, trained on a worker thread while this run shows its progress."""
    found = routing_cache().routers.get((dataset, config_json))
    return found if found is not None else _waited(*_router_job(dataset, config_json))


def fit_ahead(dataset: Dataset, config_json: str) -> None:
    """Start training a router no run waits for yet (background.Jobs.start); a later
    fitted_router of the same router waits on that job or finds the router trained."""
    if routing_cache().routers.get((dataset, config_json)) is None:
        background.jobs().start(*_router_job(dataset, config_json))


def _router_job(dataset: Dataset, config_json: str):
    """(key, work) of training a router: one key, whoever starts it."""
    cache, db = routing_cache(), store()
    return (("router", dataset, config_json),
            lambda report: cache.router_for(db, dataset, config_json, report))


def encoder_ahead(name: str) -> None:
    """Start loading an encoder (MiniLM: about 0.5 s, 5 s the first time on a machine) no
    run waits for yet."""
    from app.embed.embeddings import get_encoder, is_loaded

    if not is_loaded(name):
        background.jobs().start(("encoder", name), lambda report: get_encoder(name))


def litellm_ahead() -> None:
    """Start importing LiteLLM (about 1.8 s) no run waits for yet: a server's first model
    call otherwise waits for it (app/models/llm.py imports it on first use). A call made
    meanwhile waits on the same import."""
    if "litellm" not in sys.modules:
        background.jobs().start(("import", "litellm"),
                                lambda report: importlib.import_module("litellm"))


@st.cache_resource(show_spinner=False)
def routing_cache():
    """The server's one RoutingCache (app/ui/routing_cache.py): jobs use it too."""
    from app.ui.routing_cache import RoutingCache

    return RoutingCache()


def _waited(key, work):
    """`work`'s result from a background job, its progress drawn meanwhile (and removed)."""
    bar = st.empty()
    try:
        return background.jobs().wait(
            key, work, show=lambda stage, fraction: bar.progress(fraction, text=stage))
    finally:
        bar.empty()


class SharedResults:
    """The last few results of a costly pure computation, shared by every session of this
    server: a comparison is seeded, so the next visitor (or a new tab) asking the same
    question with the same data gets the same answer without recomputing it."""

    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()
        self.building: dict = {}  # key -> the lock held while its result is built

    def get(self, key):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
            return self.items.get(key)

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)  # they hold arrays: keep a few

    def get_or_build(self, key, build):
        """The held result, or `build()`'s, built once however many threads ask for the
        same key at the same time: the later ones wait for it (work ahead of need and a
        user's job can ask for the same dataset's vectors, and two embeddings of it would
        share the 2 cores)."""
        found = self.get(key)
        if found is not None:
            return found
        with self.lock:
            building = self.building.setdefault(key, threading.Lock())
        try:
            with building:
                found = self.get(key)
                if found is None:  # not built while this thread waited
                    found = build()
                    self.put(key, found)
        finally:
            with self.lock:
                if self.building.get(key) is building:
                    del self.building[key]
        return found


@st.cache_resource(show_spinner=False)
def comparisons() -> SharedResults:
    return SharedResults(size=6)


@st.cache_resource(show_spinner=False)
def bandits():
    """The live bandits of this server process (rebuilt from the feedback log)."""
    from app.routing.feedback import BanditBook

    return BanditBook(store())


def as_queries(texts: tuple[str, ...], encoder: str | None = None):
    """Live texts as router input, embedded like the router's training data (cached)."""
    from app.routing.feedback import as_queries as _as_queries

    return _as_queries(store(), list(texts), encoder or default_encoder())


# Pairwise (preference) datasets: battles instead of outcomes.
@st.cache_resource(show_spinner=False, max_entries=8)
def preference_data(dataset: Dataset, encoder: str):
    """A pairwise dataset's battles, embeddings and split, once per version and encoder."""
    from app.routing.preferences import load_preferences

    return load_preferences(store(), dataset.name, encoder)


@st.cache_data(show_spinner=False, max_entries=32)
def preference_evaluation(dataset: Dataset, encoder: str, reference: str | None,
                          n_boot: int):
    """Win rates against `reference` (None: the default, chosen on the training split)."""
    from app.routing.preferences import evaluate_preferences

    return evaluate_preferences(preference_data(dataset, encoder), reference=reference,
                                n_boot=n_boot)


@st.cache_data(show_spinner=False, max_entries=64)
def battle_summary(dataset: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-model records, per-pair records) of a pairwise dataset."""
    from app.store import preferences

    return (preferences.model_records(store(), dataset.id),
            preferences.pair_records(store(), dataset.id))


@st.cache_data(show_spinner=False, max_entries=64)
def score_scale(dataset: Dataset) -> str | None:
    return datasets.score_scale(store(), dataset.id)
