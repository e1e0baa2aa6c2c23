"""Models: the pool routelab can call, whether each model is reachable, and collecting logs."""

import streamlit as st

from app.models.pool import PoolError, load_pool, pool_path
from app.ui import resources
from app.ui.collect_form import collect_form
from app.ui.doctor_view import doctor_panel
from app.ui.fold import folded
from app.ui.pool_view import local_server_panel, pool_editor, pool_table

st.caption(f"The pool lives in `{pool_path().name}` (committed). Keys come from the "
           "environment or `.streamlit/secrets.toml` and are never shown or stored.")
try:
    pool = load_pool()
except PoolError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()

local_server_panel()
doctor_panel(resources.store())
pool_table(pool)

with folded("Add or edit a model", "fold_pool_editor", icon=":material/edit:") as shown:
    if shown:
        pool_editor(pool)

st.subheader("Collect a query log")
st.caption("Runs every prompt through every chosen model, scores each answer with the "
           "prompt's verifier, and records score, latency, tokens, cost and response.")
collect_form(resources.store(), pool)
