"""The Routers page's operating point: calibrate a saved router to a budget or a share of
strong calls on the training split, and see what the test split expects of it."""

from __future__ import annotations

import streamlit as st

from app.present.text import plain
from app.routing import catalog
from app.routing.configs import RouterConfig, RouterProblem, save_config
from app.routing.operating import calibrate, point_of, with_point


def operating_section(store, config: RouterConfig) -> None:
    """Show the saved router's point; calibrate and save a new one."""
    if config.dataset is None:
        return
    if config.kind in catalog.CATALOG and catalog.kind(config.kind).simulates:
        st.caption(f"{plain(config.name)} is a cascade: its operating points are chains and "
                   "thresholds, not a λ or a threshold to save. Compare them per budget on "
                   "the Compare page (Quality at a budget) or with `routelab evaluate "
                   "--budget`.")
        return
    point = point_of(config)
    now = (f"a budget of ${point.budget:g} per 1,000 queries" if point.budget is not None
           else f"{point.strong_share:.0%} of queries to {point.pair[0]}" if point.pair
           else "quality first (λ = 0)")
    st.markdown(f"**Operating point** of {plain(config.name)}: {plain(now)}")
    left, right = st.columns([1, 2])
    goal = left.radio("Calibrate to", ["a budget", "a share of strong calls"],
                      key="operating_goal", horizontal=False)
    if goal == "a budget":
        value = right.number_input("USD per 1,000 queries", min_value=0.0, value=1.0,
                                   format="%.6f", key="operating_budget")
    else:
        value = right.slider("Share of queries for the strong model", 0.0, 1.0, 0.5, 0.05,
                             key="operating_share")
    if not st.button("Calibrate and save", key="operating_run", icon=":material/tune:"):
        return
    with st.spinner("Calibrating on the training split ..."):
        try:
            found = calibrate(store, config, **({"budget": value} if goal == "a budget"
                                                else {"strong_share": value}))
        except RouterProblem as exc:
            st.error(plain(exc), icon=":material/error:")
            return
    save_config(store, with_point(config, found))
    expected = found.expected
    low, high = expected["quality_ci"]
    text = (f"Saved. Expected on {expected['test_queries']:,} test queries: quality "
            f"{expected['quality']:.3f} [{low:.3f}, {high:.3f}]")
    if expected["usd_per_1k"] is not None:
        low, high = expected["usd_per_1k_ci"]
        text += f"; ${expected['usd_per_1k']:.4g} per 1,000 queries [{low:.4g}, {high:.4g}]"
    if found.pair:
        low, high = expected["strong_share_ci"]
        text += (f"; {expected['strong_share']:.0%} [{low:.0%}, {high:.0%}] to "
                 f"{found.pair[0]}")
    st.success(plain(text) + ". `routelab route` decides at this point.")
