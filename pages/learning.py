"""Learning: how the bandit learns from thumbs, and what other routers would have earned."""

import streamlit as st

from app.present.text import plain
from app.routing import catalog
from app.routing.configs import RouterConfig, saved_configs
from app.routing.feedback import reset
from app.routing.learning import history, off_policy, reward_model
from app.ui import resources
from app.ui.learning_view import posterior_chart, reward_chart, what_if
from app.ui.router_choice import load_router
from app.ui.sidebar import current

st.title("Learning")
store, book = resources.store(), resources.bandits()
name = st.selectbox("Bandit", list(book.configs()), key="learning_bandit")
config = book.configs()[name]
past = history(store, config, book.encoder)
log = past.log
cols = st.columns(4)
cols[0].metric("Votes learned from", f"{len(log):,}")
cols[1].metric("Mean reward", f"{log['reward'].mean():.3f}" if len(log) else "—")
cols[2].metric("Explored", f"{log['explored'].mean():.0%}" if len(log) else "—",
               help="Share of its own choices that were not its best guess at the time")
cols[3].metric("Models it knows", len(past.posterior))
if len(log):
    left, right = st.columns(2)
    left.markdown("**What it believes (averaged over the queries it saw)**")
    left.plotly_chart(posterior_chart(past), key="posterior")
    right.markdown("**Reward over time**")
    right.plotly_chart(reward_chart(past), key="rewards")
else:
    st.info("No feedback yet: vote in the Playground or on the Label page.")

with st.expander("Reset, or replay with other hyperparameters"):
    st.caption(f"Current settings: {plain(config.params)}. A reset makes {plain(name)} "
               "ignore every vote logged so far (the log itself is kept).")
    if st.button(f"Reset {name}", key="reset_bandit"):
        reset(store, book, name)
        st.rerun()
    alpha = st.slider("alpha (LinUCB) / v (Thompson)", 0.0, 3.0, 1.0, 0.1, key="replay_alpha")
    kind = st.radio("Kind", catalog.kinds(catalog.ONLINE), horizontal=True, key="replay_kind")
    params = {catalog.kind(kind).explore_param: alpha}
    replayed = history(store, RouterConfig(name, kind, params), book.encoder)
    st.plotly_chart(posterior_chart(replayed), key="replay_posterior")

dataset = current(store)
with st.expander("What if: simulate learning on the sidebar dataset"):
    steps = st.select_slider("Votes", [200, 500, 1000, 2000, 5000], value=1000, key="sim_n")
    if dataset is not None and st.button("Simulate", key="simulate"):
        what_if(config, dataset, steps)

st.subheader("Off-policy estimates on the logged feedback")
others = {c.name: c for c in saved_configs(store)
          if not catalog.is_live(c.kind)} | {"bandit": config}  # live ones log no choices
if len(log) and dataset is not None:
    routers = {n: load_router(c, dataset) for n, c in others.items()}
    table = off_policy(store, routers, {n: c.encoder or book.encoder for n, c in others.items()},
                       reward_model(store, book.encoder), book.encoder)
    st.dataframe(table, hide_index=True, key="off_policy")
    st.caption("IPS and self-normalised IPS reweight the votes where a router agrees with "
               "the logged choice by 1 / propensity; doubly robust adds a reward model's "
               "prediction. Deterministic logging (propensity 1) only informs agreeing "
               "routers.")
