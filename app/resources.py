"""Process-wide resources and cached reads for the Streamlit app."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import maps, summary
from app.db import Store, open_store
from app.demo.log import ensure_demo as _ensure_demo
from app.outcomes import OutcomeMatrix
from app.outcomes import outcome_matrix as _outcome_matrix


@st.cache_resource(show_spinner=False)
def store() -> Store:
    """The one database connection of this server process (DuckDB: one writer per file)."""
    return open_store()


@st.cache_resource(show_spinner="Loading the built-in demo log ...")
def ensure_demo() -> str | None:
    """Load the committed demo log into an empty database, once per process."""
    return _ensure_demo(store())


# Summaries are cached per dataset version: a re-import changes the hash, so nothing stale.
@st.cache_data(show_spinner=False, max_entries=64)
def model_summary(dataset_id: int, version: str) -> pd.DataFrame:
    return summary.model_summary(store(), dataset_id)


@st.cache_data(show_spinner=False, max_entries=64)
def oracle_summary(dataset_id: int, version: str) -> dict:
    return summary.oracle_summary(store(), dataset_id)


@st.cache_data(show_spinner=False, max_entries=64)
def task_breakdown(dataset_id: int, version: str) -> pd.DataFrame:
    return summary.task_breakdown(store(), dataset_id)


@st.cache_data(show_spinner=False, max_entries=64)
def split_counts(dataset_id: int, version: str) -> dict[str, int]:
    return summary.split_counts(store(), dataset_id)


@st.cache_data(show_spinner=False, max_entries=16)
def outcome_matrix(dataset_id: int, version: str) -> OutcomeMatrix:
    return _outcome_matrix(store(), dataset_id)


@st.cache_data(show_spinner=False, max_entries=16)
def questions(dataset_id: int, version: str) -> list[str]:
    return [q for (q,) in store().rows("SELECT embed_text FROM queries WHERE dataset_id = ? "
                                       "ORDER BY query_id", [dataset_id])]


@st.cache_data(show_spinner=False, max_entries=16)
def map_coords(dataset_id: int, version: str, encoder: str, params: maps.MapParams):
    """(query_ids, coords) of a computed map, or None (then the page builds it)."""
    return maps.cached_projection(store(), dataset_id, version, encoder, params)


@st.cache_data(show_spinner=False, max_entries=64)
def regions(dataset_id: int, version: str, encoder: str, params: maps.MapParams,
            objective: maps.Objective) -> maps.Regions:
    _, coords = map_coords(dataset_id, version, encoder, params)
    matrix = outcome_matrix(dataset_id, version)
    return maps.win_regions(coords, matrix.scores, matrix.costs, objective)


@st.cache_resource(show_spinner=False, max_entries=8)
def reducer(dataset_id: int, version: str, encoder: str, params: maps.MapParams):
    return maps.load_reducer(dataset_id, version, encoder, params)
