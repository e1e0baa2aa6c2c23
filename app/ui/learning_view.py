"""The Learning page's charts: posterior, reward over time, regret, exploration, what-if."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.present import learning_charts
from app.present.text import plain
from app.routing import catalog, learning
from app.routing.configs import RouterConfig, RouterProblem, build_router, saved_configs
from app.routing.feedback import BanditBook, reset
from app.routing.learning import History
from app.store.datasets import Dataset
from app.store.db import Store
from app.ui import resources
from app.ui.context import PageContext
from app.ui.router_choice import load_router
from routers.simulate import simulate


def what_if(config: RouterConfig, dataset: Dataset, steps: int) -> None:
    """Simulate the bandit learning from a full-information dataset, one vote at a time."""
    try:
        data = resources.routing_data(dataset, None)
    except RouterProblem as exc:  # e.g. a battle log: no score per answer to learn from
        st.error(plain(exc))
        return
    complete = np.flatnonzero(~np.isnan(data.outcomes.reward).any(axis=1))
    outcomes = data.outcomes.subset(complete)
    bandit = build_router(config).start()
    with st.spinner(f"Simulating {steps:,} votes on {dataset.name} ..."):
        run = simulate(bandit, outcomes, steps, seed=0)
    best_single = np.nanmean(outcomes.reward, axis=0).max()
    oracle = np.nan_to_num(outcomes.reward).max(axis=1).mean()
    window = max(10, steps // 20)
    curve = pd.Series(run.reward).rolling(window, min_periods=window).mean()
    st.vega_lite_chart(*learning_charts.what_if(
        curve, f"{config.name}: reward (rolling {window})", best_single, oracle),
        key="what_if_chart", alt="The simulated bandit's reward over the votes")
    last = run.reward[-window:].mean()
    st.caption(f"Last {window} votes: mean reward {last:.3f} vs best single model "
               f"{best_single:.3f} (oracle {oracle:.3f}); explored on "
               f"{run.explored.mean():.0%} of votes. Nothing is written to the log.")


def belief_panel(past: History) -> None:
    """Votes, reward, exploration, and the posterior and reward charts."""
    log = past.log
    cols = st.columns(4)
    cols[0].metric("Votes learned from", f"{len(log):,}")
    cols[1].metric("Mean reward", f"{log['reward'].mean():.3f}" if len(log) else "—")
    cols[2].metric("Explored", f"{log['explored'].mean():.0%}" if len(log) else "—",
                   help="Share of its own choices that were not its best guess at the time")
    cols[3].metric("Models it knows", len(past.posterior))
    if not len(log):
        st.info("No feedback yet: vote in the Playground or on the Label page.")
        return
    left, right = st.columns(2)
    left.markdown("**What it believes (averaged over the queries it saw)**")
    left.vega_lite_chart(*learning_charts.posterior(past.posterior), key="posterior",
                         alt="Each model's predicted reward with its posterior std")
    right.markdown("**Reward over time**")
    right.vega_lite_chart(*learning_charts.rewards(past.log), key="rewards",
                          alt="Reward and cumulative regret over the votes")


def replay_panel(store: Store, book: BanditBook, config: RouterConfig) -> None:
    """Reset the bandit, or replay its log with another kind or exploration setting."""
    st.caption(f"Current settings: {plain(config.params)}. A reset makes {plain(config.name)} "
               "ignore every vote logged so far (the log itself is kept).")
    if st.button(f"Reset {config.name}", key="reset_bandit"):
        reset(store, book, config.name)
        st.rerun()
    alpha = st.slider("alpha (LinUCB) / v (Thompson)", 0.0, 3.0, 1.0, 0.1, key="replay_alpha")
    kind = st.radio("Kind", catalog.kinds(catalog.ONLINE), horizontal=True, key="replay_kind")
    params = {catalog.kind(kind).explore_param: alpha}
    replayed = learning.history(store, RouterConfig(config.name, kind, params), book.encoder)
    st.vega_lite_chart(*learning_charts.posterior(replayed.posterior),
                       key="replay_posterior",
                       alt="Each model's predicted reward after the replay")


def off_policy_panel(ctx: PageContext, book: BanditBook, config: RouterConfig,
                     past: History) -> None:
    """What the saved routers and the bandit would have earned on the logged votes."""
    if not len(past.log) or ctx.dataset is None:
        st.caption("Once there are votes: what each saved router would have earned on them.")
        return
    others = {c.name: c for c in saved_configs(ctx.store)
              if not catalog.is_live(c.kind)} | {"bandit": config}  # live ones log no choice
    routers = {n: load_router(c, ctx.dataset) for n, c in others.items()}
    encoders = {n: c.encoder or book.encoder for n, c in others.items()}
    model = learning.reward_model(ctx.store, book.encoder)
    st.markdown("**On votes a router chose (Playground)**")
    table = learning.off_policy(ctx.store, routers, encoders, model, book.encoder)
    if table.empty:
        st.caption("No Playground votes yet: off-policy estimates need events a policy "
                   "logged with its propensity.")
    else:
        st.dataframe(table, hide_index=True, key="off_policy")
        st.caption("IPS and self-normalised IPS reweight the votes where a router agrees "
                   "with the logged choice by 1 / propensity; doubly robust adds a reward "
                   "model's prediction. Deterministic logging (propensity 1) only informs "
                   "agreeing routers.")
    st.markdown("**On labels (Label page)**")
    labels = learning.on_labels(ctx.store, routers, encoders, model, book.encoder)
    if labels.empty:
        st.caption("No labels yet.")
    else:
        st.dataframe(labels, hide_index=True, key="on_labels")
        st.caption("Labels are full information (nobody routed them), so they are not "
                   "reweighted: the direct method takes the label of the model a router "
                   "would pick where there is one, else the reward model's prediction.")
