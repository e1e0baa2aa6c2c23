"""The token router's trained policies on this dataset: what each λ kept and how it did on
the test split."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.routing.token_training import summary


def token_policies_section(store, dataset) -> None:
    rows = summary(store, dataset.name)
    if not rows:
        st.caption(f"No policy trained on '{dataset.name}' yet. `routelab token-train "
                   f"--dataset {dataset.name}` trains one per tradeoff λ by rollouts on the "
                   "local models (reward: the verifier's score minus λ × cost), then answers "
                   "the test split with each; set policy = trained:NAME to use them here.")
        return
    with st.expander(f"Trained policies on '{dataset.name}' ({len(rows)} tradeoffs)",
                     expanded=True):
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                     column_config={
                         "λ": st.column_config.NumberColumn(
                             help="score points given up per USD per 1,000 queries"),
                         "test accuracy": st.column_config.NumberColumn(format="%.3f"),
                         "USD per 1k queries": st.column_config.NumberColumn(format="%.4f"),
                         "large-model tokens": st.column_config.NumberColumn(
                             format="percent")})
        st.caption("Each λ's policy family was chosen by its reward on held-out folds of "
                   "the training prompts, then refitted on all of them; the test split was "
                   "answered once, afterwards. The policy reads only the small model's "
                   "token probabilities: deployable. The Compare page draws these points "
                   "as a curve beside the other routers.")
