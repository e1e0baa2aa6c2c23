"""Playground: one prompt, several routers side by side, live answers, thumbs."""

import random

import streamlit as st

from app.data.demo.log import demo_prompts
from app.models.pool import PoolError, load_pool
from app.ui import resources, state
from app.ui.context import page_context
from app.ui.playground_view import columns, send
from app.ui.router_choice import available_routers, train_ahead

ctx = page_context()
try:
    pool = load_pool()
except PoolError as exc:
    st.error(str(exc))
    st.stop()
options = available_routers(ctx.store)
chosen = st.multiselect("Routers (2 to 4)", list(options), max_selections=4,
                        default=[n for n in ("bandit", "knn") if n in options],
                        key="playground_routers")
train_ahead([options[name] for name in chosen], ctx.dataset)  # while the prompt is written
resources.litellm_ahead()  # the models are called through it
blind = st.toggle("Blind mode: hide routers and models until I vote", key="playground_blind")
st.caption("Routers other than bandits are trained on the dataset in the sidebar "
           f"(**{ctx.dataset.name if ctx.dataset is not None else 'none'}**); each picks "
           "among its models that are in the pool.")
demo = demo_prompts()
picked_now = bool(demo) and st.button("Try a prompt from the demo set",
                                      icon=":material/casino:")
if picked_now:
    st.session_state[state.PLAYGROUND_PROMPT] = random.choice(list(demo))
with st.form("prompt", clear_on_submit=False):
    prompt = st.text_area("Prompt", key=state.PLAYGROUND_PROMPT, height=90,
                          value=state.shown_default(state.PLAYGROUND_PROMPT, picked_now, ""),
                          placeholder="What is the capital of Peru? Answer with one word.")
    sent = st.form_submit_button("Send", type="primary", icon=":material/send:")
if sent:
    send(ctx, prompt, [options[name] for name in chosen], pool, demo)
round_ = st.session_state.get(state.PLAYGROUND_ROUND)
if round_ is not None:
    columns(round_, blind, ctx.session_id)
