"""The Routers page's panels: train one router, and the list of saved ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.present.text import plain
from app.routing import catalog
from app.routing.configs import (
    RouterConfig,
    RouterProblem,
    delete_config,
    save_config,
    saved_configs,
    with_responses,
)
from app.store.datasets import Dataset
from app.ui import resources
from app.ui.export_view import export_section
from app.ui.operating_view import operating_section
from routers.compare import metrics
from routers.evaluate import sweep


def try_router(config: RouterConfig, dataset: Dataset) -> None:
    """Train on the training split and show test quality, cost and AIQ at a glance."""
    try:  # trained on a worker thread, its progress shown, the first time
        router = resources.fitted_router(dataset, config.to_json())
    except RouterProblem as exc:
        st.error(plain(exc))
        return
    with st.spinner(f"Testing {config.name} on {dataset.name} ..."):
        data = resources.routing_data(dataset, config.encoder)
        if router.needs_responses:  # a learned judge reads the test answers it decides on
            data = with_responses(resources.store(), data)
        test = data.outcomes.subset(data.test)
        test = test.subset(np.flatnonzero(~np.isnan(test.reward).any(axis=1)))
        row = metrics(sweep(router, test.queries, test, name=config.name), test, n_boot=0)
    cols = st.columns(4)
    cols[0].metric("Test quality (quality-first)", f"{row['quality']:.3f}")
    cols[1].metric("Mean cost / query", f"${row['cost']:.6f}")
    cols[2].metric("AIQ", f"{row['aiq']:.3f}")
    cols[3].metric("Regret vs oracle", f"{row['regret']:.3f}")
    st.caption(f"Trained on {len(data.train):,} queries, tested on {len(test.queries):,} "
               f"({data.split_note}).")
    if catalog.kind(config.kind).has_learned_view:
        inspect(router)


def inspect(router) -> None:
    """What the router says it learned (IRT abilities, bandit counts, cluster sizes, ...)."""
    for item in router.learned():
        if item.values is None:
            st.caption(item.note)
            continue
        st.markdown(f"**{item.title}**")
        st.bar_chart(pd.Series(item.values, name=item.label))


def saved_list(store) -> None:
    configs = saved_configs(store)
    if not configs:
        st.caption("No saved routers yet.")
        return
    st.dataframe(pd.DataFrame([{"name": c.name, "kind": c.kind, "dataset": c.dataset,
                                "encoder": c.encoder, "params": c.params} for c in configs]),
                 hide_index=True, key="saved_routers")
    chosen = st.selectbox("Saved router", [c.name for c in configs], key="saved_choice")
    config = next(c for c in configs if c.name == chosen)
    left, right = st.columns(2)
    left.download_button("Export as JSON", config.to_json(), file_name=f"{config.name}.json",
                         mime="application/json", icon=":material/download:")
    if right.button("Delete", key="delete_router", icon=":material/delete:"):
        delete_config(store, chosen)
        st.rerun()
    if not catalog.is_live(config.kind):
        operating_section(store, config)
        export_section(store, config)


def save(store, config: RouterConfig) -> None:
    try:
        save_config(store, config)
    except RouterProblem as exc:
        st.error(plain(exc))
        return
    st.success(f"Saved router '{plain(config.name)}'. Compare it on the Compare page.")
