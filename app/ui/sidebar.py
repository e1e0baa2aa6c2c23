"""The sidebar shared by every page: which dataset is shown, and where it came from."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.data.demo.log import DEMO_NAME
from app.present.text import plain
from app.store import summary
from app.store.db import Store
from app.ui import state


def dataset_picker(store: Store) -> pd.Series | None:
    """Pick the dataset every page shows; it is kept in the URL (?dataset=...) for sharing."""
    frame = summary.datasets(store)
    if state.DATASET_PENDING in st.session_state:
        st.session_state[state.DATASET] = st.session_state.pop(state.DATASET_PENDING)
    with st.sidebar:
        if frame.empty:
            st.caption("No datasets yet: import one on the Data page.")
            return None
        names = frame["name"].tolist()
        if st.session_state.get(state.DATASET) not in names:
            st.session_state[state.DATASET] = DEMO_NAME if DEMO_NAME in names else names[0]
        name = st.selectbox("Dataset", names, key=state.DATASET, bind="query-params")
        row = frame.set_index("name").loc[name]
        st.caption(describe(name, row))
    return current(store)


def describe(name: str, row: pd.Series) -> str:
    """One line saying what the dataset is and where it came from."""
    origin = {"demo": "built-in demo log", "imported": "imported", "live": "collected live"}
    return (f"**{plain(name)}** — {origin.get(row['kind'], row['kind'])} ({row['format']}) "
            f"from {plain(row['source'])}, {row['imported_at']:%Y-%m-%d %H:%M}. "
            f"{row['queries']:,} queries × {row['models']} models.")


def current(store: Store) -> pd.Series | None:
    """The dataset row picked in the sidebar, or None when there is none."""
    name = st.session_state.get(state.DATASET)
    frame = summary.datasets(store)
    match = frame[frame["name"] == name]
    return None if match.empty else match.iloc[0]
