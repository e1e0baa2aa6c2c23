"""Learning: how the bandit learns from thumbs, and what other routers would have earned."""

import streamlit as st

from app.data.importers import traffic
from app.routing.learning import history
from app.ui import resources
from app.ui.context import page_context
from app.ui.fold import folded
from app.ui.learning_view import belief_panel, off_policy_panel, replay_panel, what_if
from app.ui.traffic_policy_view import traffic_policy_panel

ctx = page_context()
book = resources.bandits()
name = st.selectbox("Bandit", list(book.configs()), key="learning_bandit")
config = book.configs()[name]
past = history(ctx.store, config, book.encoder)
belief_panel(past)
with folded("Reset, or replay with other hyperparameters", "fold_replay") as shown:
    if shown:
        replay_panel(ctx.store, book, config)
with folded("What if: simulate learning on the sidebar dataset", "fold_what_if") as shown:
    if shown:
        steps = st.select_slider("Votes", [200, 500, 1000, 2000, 5000], value=1000,
                                 key="sim_n")
        if ctx.dataset is not None and st.button("Simulate", key="simulate"):
            what_if(config, ctx.dataset, steps)
st.subheader("Off-policy estimates on the logged feedback")
off_policy_panel(ctx, book, config, past)
if ctx.dataset is not None and ctx.dataset.format == traffic.FORMAT:
    st.subheader("On the traffic log: the deployed router against saved ones")
    traffic_policy_panel(ctx, book)
