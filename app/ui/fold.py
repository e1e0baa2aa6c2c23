"""Folded panels whose content runs only while they are open.

A plain st.expander runs its body and sends every element to the browser even when it is
closed, so a page pays for each folded form, table and chart on every load. Tracking the
expander's state (`on_change="rerun"`) lets the page skip a closed body: opening it costs
one rerun, a closed one costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st


@contextmanager
def folded(label: str, key: str, *, expanded: bool = False,
           icon: str | None = None) -> Iterator[bool]:
    """`with folded(...) as shown: if shown: ...`: an expander and whether it is open."""
    box = st.expander(label, expanded=expanded, key=key, on_change="rerun", icon=icon)
    with box:
        yield bool(box.open)
