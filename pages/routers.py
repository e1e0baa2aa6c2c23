"""Routers: build a router from the registry, train it, and save it by name."""

import streamlit as st

from app.embed.embeddings import ENCODERS, default_encoder
from app.routing import catalog
from app.routing.configs import RouterConfig
from app.ui import resources
from app.ui.context import page_context
from app.ui.onboard_view import onboard_section
from app.ui.router_form import params_form
from app.ui.router_panel import save, saved_list, try_router
from app.ui.token_policy_view import token_policies_section

ctx = page_context()
store, dataset = ctx.store, ctx.require_dataset()
models = resources.outcome_matrix(dataset).models

def _name_follows_kind() -> None:
    """A new kind gets its default name (the box would otherwise keep the old kind's)."""
    st.session_state["router_name"] = f"{st.session_state['router_kind']}-{dataset.name}"


kind = st.selectbox("Router", catalog.kinds(), format_func=lambda k: catalog.kind(k).title,
                    key="router_kind", on_change=_name_follows_kind)
st.caption(catalog.kind(kind).describe())
params = params_form(kind, list(models), key="router_params")
if catalog.kind(kind).trained_policy_params:
    token_policies_section(store, dataset)
left, right = st.columns(2)
name = left.text_input("Name", value=f"{kind}-{dataset.name}", key="router_name").strip()
encoder = right.selectbox("Encoder", list(ENCODERS), key="router_encoder",
                          index=list(ENCODERS).index(default_encoder()))
config = RouterConfig(name, kind, params or {}, dataset.name, encoder)

train, keep = st.columns(2)
live = catalog.is_live(kind)
if train.button("Train and test", type="primary", disabled=params is None or live,
                icon=":material/model_training:",
                help="Live routers call models while they route: try them in the Playground"
                if live else None):
    try_router(config, dataset)
if keep.button("Save", disabled=params is None or not name, icon=":material/save:"):
    save(store, config)

st.subheader("Saved routers")
saved_list(store)

onboard_section(store, dataset)
