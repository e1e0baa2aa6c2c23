"""The Routers page's export: a saved router as a zip for the LiteLLM proxy, vLLM Semantic
Router or RouteLLM, the same files `routelab routers export` writes."""

from __future__ import annotations

import streamlit as st

from app.embed.embeddings import EncoderProblem
from app.models.pool import PoolError
from app.present.text import plain
from app.routing.configs import RouterConfig, RouterProblem
from app.routing.export import export_archive

TARGETS = {"LiteLLM proxy": "litellm", "vLLM Semantic Router": "vllm-sr",
           "RouteLLM": "routellm"}
BUILT = "export_built"  # session key: (router, target, zip bytes, README)


def export_section(store, config: RouterConfig) -> None:
    if config.dataset is None:
        return
    st.markdown(f"**Export** {plain(config.name)} at its operating point, to run outside "
                "routelab (`routelab gateway` serves the LiteLLM export here).")
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    title = left.selectbox("Export for", list(TARGETS), key="export_target")
    target = TARGETS[title]
    if right.button("Build export", key="export_run", icon=":material/package_2:"):
        with st.spinner(f"Training '{config.name}' and writing the {title} files ..."):
            try:
                archive, readme = export_archive(store, config.name, target)
            except (RouterProblem, PoolError, EncoderProblem) as exc:
                st.session_state.pop(BUILT, None)
                st.error(plain(exc), icon=":material/error:")
                return
        st.session_state[BUILT] = (config.name, target, archive, readme)
    built = st.session_state.get(BUILT)
    if not built or built[:2] != (config.name, target):
        return
    st.download_button(f"Download {config.name}-{target}.zip", built[2],
                       file_name=f"{config.name}-{target}.zip", mime="application/zip",
                       key="export_download", icon=":material/download:")
    with st.expander("README of the export", expanded=False):
        st.markdown(built[3])
