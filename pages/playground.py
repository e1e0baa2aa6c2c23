"""Playground: one prompt, several routers side by side, live answers, thumbs."""

import random
import uuid

import streamlit as st

from app.data.demo.log import demo_prompts
from app.models import secrets
from app.models.pool import PoolError, load_pool
from app.routing import catalog
from app.routing.playground import live_plan, plan, start_round
from app.ui import resources
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
demo = demo_prompts()
if demo and st.button("Try a prompt from the demo set", icon=":material/casino:"):
    st.session_state["playground_prompt"] = random.choice(list(demo))
with st.form("prompt", clear_on_submit=False):
    prompt = st.text_area("Prompt", key="playground_prompt", height=90,
                          placeholder="What is the capital of Peru? Answer with one word.")
    send = st.form_submit_button("Send", type="primary", icon=":material/send:")
if send:
    if not 2 <= len(chosen) <= 4 or not prompt.strip():
        st.warning("Pick two to four routers and write a prompt.")
    else:
        usable = [n for n, spec in pool.items()
                  if not spec.hidden and secrets.where(spec.key_env()) != "missing"]
        text = prompt.strip()
        plans = [live_plan(name, options[name].kind, options[name].params)
                 if catalog.is_live(options[name].kind) else
                 plan(name, load_router(options[name], dataset, usable),
                      resources.as_queries((text,), options[name].encoder), pool)
                 for name in chosen]
        verifier = demo.get(text, {}).get("verifier")
        st.session_state["playground_round"] = start_round(store, text, plans, pool, verifier)
        if verifier:
            st.caption(f"This is a demo prompt: live routers may use its {verifier['type']} "
                       "verifier as their judge.")
round_ = st.session_state.get("playground_round")
if round_ is not None:
    columns(round_, blind, session_id)
