"""The sidebar shared by every page: which dataset is shown, and where it came from."""

from __future__ import annotations

import streamlit as st

from app.data.demo.log import DEMO_NAME
from app.present.text import plain
from app.store import datasets
from app.store.datasets import Dataset
from app.store.db import Store
from app.ui import state


def dataset_picker(store: Store) -> Dataset | None:
    """Pick the dataset every page shows; it is kept in the URL (?dataset=...) for sharing."""
    found = {d.name: d for d in datasets.all_datasets(store)}
    chosen_now = state.DATASET_PENDING in st.session_state
    if chosen_now:
        st.session_state[state.DATASET] = st.session_state.pop(state.DATASET_PENDING)
    with st.sidebar:
        if not found:
            st.caption("No datasets yet: import one on the Data page.")
            return None
        names = list(found)
        if st.session_state.get(state.DATASET) not in names:
            st.session_state[state.DATASET] = DEMO_NAME if DEMO_NAME in names else names[0]
            chosen_now = True
        shown = state.shown_default(state.DATASET, chosen_now, names[0])
        name = st.selectbox("Dataset", names, index=names.index(shown), key=state.DATASET,
                            bind="query-params")
        st.caption(describe(found[name]))
    return found[name]


def describe(dataset: Dataset) -> str:
    """One line saying what the dataset is and where it came from."""
    origin = {"demo": "built-in demo log", "imported": "imported", "live": "collected live"}
    return (f"**{plain(dataset.name)}** — {origin.get(dataset.kind, dataset.kind)} "
            f"({dataset.format}) from {plain(dataset.source)}, "
            f"{dataset.imported_at:%Y-%m-%d %H:%M}. "
            f"{dataset.queries:,} queries × {dataset.models} models.")
