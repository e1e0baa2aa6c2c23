"""The Learning page's charts: posterior, reward over time, regret, exploration, what-if."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.routing.learning import History
from app.ui import resources
from routers.simulate import simulate


def posterior_chart(history: History) -> go.Figure:
    post = history.posterior.sort_values("mean", ascending=False)
    fig = go.Figure(go.Bar(x=post["model"], y=post["mean"],
                           error_y={"type": "data", "array": post["std"]},
                           marker_color="#3b5bdb"))
    fig.update_layout(height=320, margin={"t": 10, "b": 10},
                      yaxis_title="predicted reward (± posterior std)")
    return fig


def reward_chart(history: History, window: int = 20) -> go.Figure:
    log = history.log
    fig = go.Figure()
    fig.add_scatter(x=log["step"], y=log["reward"].rolling(window, min_periods=1).mean(),
                    name=f"reward (rolling mean of {window})")
    if log["oracle"].notna().any():
        known = log[log["oracle"].notna()]
        fig.add_scatter(x=known["step"], y=(known["oracle"] - known["reward"]).cumsum(),
                        name="cumulative regret vs oracle", yaxis="y2")
        fig.update_layout(yaxis2={"overlaying": "y", "side": "right",
                                  "title": "cumulative regret"})
    fig.update_layout(height=320, margin={"t": 10, "b": 10}, xaxis_title="vote",
                      yaxis_title="reward", legend={"orientation": "h", "y": -0.25})
    return fig


def what_if(config, dataset, steps: int) -> None:
    """Simulate the bandit learning from a full-information dataset, one vote at a time."""
    data = resources.routing_data(dataset["name"], dataset["content_hash"], None)
    complete = np.flatnonzero(~np.isnan(data.outcomes.reward).any(axis=1))
    outcomes = data.outcomes.subset(complete)
    from app.routing.configs import build_router

    bandit = build_router(config).start()
    with st.spinner(f"Simulating {steps:,} votes on {dataset['name']} ..."):
        run = simulate(bandit, outcomes, steps, seed=0)
    best_single = np.nanmean(outcomes.reward, axis=0).max()
    oracle = np.nan_to_num(outcomes.reward).max(axis=1).mean()
    window = max(10, steps // 20)
    curve = pd.Series(run.reward).rolling(window, min_periods=window).mean()
    fig = go.Figure()
    fig.add_scatter(y=curve, name=f"{config.name}: reward (rolling {window})")
    fig.add_hline(y=best_single, line_dash="dash", annotation_text="best single model")
    fig.add_hline(y=oracle, line_dash="dot", annotation_text="oracle")
    fig.update_layout(height=320, margin={"t": 10, "b": 10}, xaxis_title="vote",
                      yaxis_title="reward")
    st.plotly_chart(fig, key="what_if_chart")
    last = run.reward[-window:].mean()
    st.caption(f"Last {window} votes: mean reward {last:.3f} vs best single model "
               f"{best_single:.3f} (oracle {oracle:.3f}); explored on "
               f"{run.explored.mean():.0%} of votes. Nothing is written to the log.")
