"""What every page starts from: the store, the sidebar's dataset, the session's id.

The entrypoint builds it once per script run (after the sidebar's dataset picker) and
renders the page title; a page takes it with `page_context()` and, when it needs a
dataset, `require_dataset()` shows the one "import one first" message and stops.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from app.store.datasets import Dataset
from app.store.db import Store
from app.ui import state


@dataclass(frozen=True)
class PageContext:
    store: Store
    dataset: Dataset | None
    session_id: str

    def require_dataset(self) -> Dataset:
        """The sidebar's dataset; without one, say how to get one and stop the page."""
        if self.dataset is None:
            st.info("No datasets yet: import one on the Data page.")
            st.stop()
        return self.dataset


def enter(context: PageContext) -> None:
    st.session_state[state.PAGE_CONTEXT] = context


def page_context() -> PageContext:
    return st.session_state[state.PAGE_CONTEXT]
