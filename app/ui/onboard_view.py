"""The Routers page's "Onboard a new model" section: UniRoute onboarding, tried and saved."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.present.text import plain
from app.routing.configs import RouterConfig, RouterProblem, onboarded_models
from app.routing.onboarding import (
    ONBOARDED_NAME,
    RETRAINED_NAME,
    WITHOUT_NAME,
    Onboarding,
    onboardable,
    save,
    simulate,
)
from app.store import datasets
from app.store.datasets import Dataset
from app.ui import resources

RESULT = "onboard_result"  # (run key, Onboarding) of this session's last onboarding


def onboard_section(store, sidebar: Dataset) -> None:
    """Pick a saved clusters router, a model of its log and prompts per cluster; onboard the
    model from those prompts and compare with retraining; save it into the router."""
    st.subheader("Onboard a new model")
    configs = {c.name: c for c in onboardable(store)}
    if not configs:
        st.caption("Save a Cluster error vectors (UniRoute) router above first: a new model "
                   "joins it from a few representative prompts per cluster.")
        return
    st.caption("A clusters router learns a new model from its answers on a few prompts "
               "nearest each cluster centre, without retraining. Here the new model is one "
               "of the log's models: its logged answers on those prompts stand in for you "
               "running it on them, and the test split shows how close that gets to "
               "retraining with its whole log.")
    left, middle, right = st.columns(3)
    config = configs[left.selectbox("Clusters router", list(configs), key="onboard_router")]
    dataset = _dataset_of(store, config, sidebar)
    if dataset is None:
        return
    model = middle.selectbox("New model", resources.outcome_matrix(dataset).models,
                             key="onboard_model")
    per_cluster = int(right.number_input("Prompts per cluster", 1, 100, 3,
                                         key="onboard_per_cluster"))
    known = onboarded_models(config).get(model)
    if known:
        st.caption(f"Saved: {plain(config.name)} learns {plain(model)} from {known} "
                   "prompts per cluster" + (" (saving replaces that)." if known != per_cluster
                                            else "."))
    key = (dataset, config.name, model, per_cluster)
    if st.button("Onboard and compare", icon=":material/person_add:", key="onboard_run"):
        _run(key, dataset, config)
    last = st.session_state.get(RESULT)
    if last is None or last[0] != key:
        return
    _show(last[1])
    if known != per_cluster and st.button(f"Save into {config.name}", icon=":material/save:",
                                          key="onboard_save"):
        try:
            save(store, last[1])
        except RouterProblem as exc:
            st.error(plain(exc))
            return
        st.rerun()


def _dataset_of(store, config: RouterConfig, sidebar: Dataset) -> Dataset | None:
    """The log the router learns from: its own, else the sidebar's."""
    if not config.dataset or config.dataset == sidebar.name:
        return sidebar
    own = datasets.by_name(store, config.dataset)
    if own is None:
        st.warning(f"Router {plain(config.name)} learns from dataset "
                   f"{plain(config.dataset)}, which no longer exists.")
    return own


def _run(key: tuple, dataset: Dataset, config: RouterConfig) -> None:
    """Onboard with progress; keep the result for this session (one at a time)."""
    _, _, model, per_cluster = key
    st.session_state.pop(RESULT, None)
    with st.status(f"Onboarding {model} into {config.name} ...", expanded=True) as status:
        try:
            data = resources.routing_data(dataset, config.encoder)
            result = simulate(resources.store(), config, model, per_cluster,
                              dataset=dataset.name, data=data,
                              progress=lambda stage: status.write(plain(stage)))
        except RouterProblem as exc:
            status.update(label="Onboarding failed", state="error")
            st.error(plain(exc))
            return
        status.update(label=f"Onboarded {model}", state="complete", expanded=False)
    st.session_state[RESULT] = (key, result)


def _show(result: Onboarding) -> None:
    st.markdown(plain(result.headline()))
    labels = {ONBOARDED_NAME: f"onboarded from {len(result.prompts):,} prompts",
              RETRAINED_NAME: f"retrained with its whole log ({result.model_log:,} answers)",
              WITHOUT_NAME: f"without {result.model}"}
    frame = pd.DataFrame([{"router": labels[r["name"]], "test quality": r["quality"],
                           "$/query": r["cost"], "AIQ": r["aiq"], "regret": r["regret"],
                           f"routed to {result.model}": r["share_to_model"]}
                          for r in result.rows])
    st.dataframe(frame, hide_index=True, key="onboard_table", column_config={
        "test quality": st.column_config.NumberColumn(format="%.3f"),
        "AIQ": st.column_config.NumberColumn(format="%.3f"),
        "regret": st.column_config.NumberColumn(format="%.3f"),
        "$/query": st.column_config.NumberColumn(format="$%.6f"),
        f"routed to {result.model}": st.column_config.NumberColumn(format="percent")})
    cols = st.columns(2)
    cols[0].metric("Quality vs retrained", f"{result.quality_ratio:.0%}")
    cols[1].metric("Same routing decision as retrained", f"{result.agreement:.0%}")
    st.caption(f"Quality at the quality-first setting (tradeoff 0) on {result.test_size:,} "
               f"test queries every model answered ({plain(result.split_note)}); the "
               "representative prompts come from the training split only.")
    with st.expander(f"The {len(result.prompts):,} representative prompts"):
        st.dataframe(pd.DataFrame({"prompt": list(result.prompts)}), hide_index=True,
                     key="onboard_prompts")
