"""Playground: one prompt, several routers side by side, live answers, thumbs."""

import uuid

import streamlit as st

from app import resources, secrets
from app.playground import plan, start_round
from app.pool import PoolError, load_pool
from app.ui.playground_view import columns
from app.ui.router_choice import available_routers, load_router
from app.ui.sidebar import current

st.title("Playground")
store = resources.store()
session_id = st.session_state.setdefault("session_id", uuid.uuid4().hex)
try:
    pool = load_pool()
except PoolError as exc:
    st.error(str(exc))
    st.stop()
dataset = current(store)
options = available_routers(store)
chosen = st.multiselect("Routers (2 to 4)", list(options), max_selections=4,
                        default=[n for n in ("bandit", "knn") if n in options],
                        key="playground_routers")
blind = st.toggle("Blind mode: hide routers and models until I vote", key="playground_blind")
st.caption("Routers other than bandits are trained on the dataset in the sidebar "
           f"(**{dataset['name'] if dataset is not None else 'none'}**); each picks among "
           "its models that are in the pool.")
with st.form("prompt", clear_on_submit=False):
    prompt = st.text_area("Prompt", key="playground_prompt", height=90,
                          placeholder="What is the capital of Peru? Answer with one word.")
    send = st.form_submit_button("Send", type="primary", icon=":material/send:")
if send:
    if not 2 <= len(chosen) <= 4 or not prompt.strip():
        st.warning("Pick two to four routers and write a prompt.")
    else:
        usable = [n for n, spec in pool.items() if secrets.where(spec.key_env()) != "missing"]
        plans = [plan(name, load_router(options[name], dataset, usable),
                      resources.as_queries((prompt.strip(),), options[name].encoder), pool)
                 for name in chosen]
        st.session_state["playground_round"] = start_round(store, prompt.strip(), plans, pool)
round_ = st.session_state.get("playground_round")
if round_ is not None:
    columns(round_, blind, session_id)
