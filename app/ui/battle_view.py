"""The Data page's view of a pairwise dataset: who played whom, and how battles ended."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.present.heatmap import heatmap
from app.present.text import plain
from app.store.datasets import Dataset
from app.ui import resources

PAIR_COLUMNS = {
    "first": st.column_config.TextColumn("Model", width="medium"),
    "second": st.column_config.TextColumn("vs model", width="medium"),
    "battles": st.column_config.NumberColumn("Battles", format="%d"),
    "first_wins": st.column_config.ProgressColumn("First wins", min_value=0.0, max_value=1.0,
                                                  format="percent"),
    "ties": st.column_config.ProgressColumn("Ties", min_value=0.0, max_value=1.0,
                                            format="percent"),
    "both_bad": st.column_config.NumberColumn("of which both bad", format="percent"),
    "second_wins": st.column_config.ProgressColumn("Second wins", min_value=0.0,
                                                   max_value=1.0, format="percent"),
}
MODEL_COLUMNS = {
    "model": st.column_config.TextColumn("Model", width="medium"),
    "win_rate": st.column_config.ProgressColumn(
        "Win rate", min_value=0.0, max_value=1.0, format="%.3f",
        help="Over all its battles; ties count half, strong verdicts (A>>B) by their weight"),
}


def battle_view(dataset: Dataset) -> None:
    """Headline counts, per-model records, per-pair shares and a battle-count heatmap."""
    models, pairs = resources.battle_summary(dataset)
    if pairs.empty:
        st.info("This pairwise dataset has no battles.")
        return
    cols = st.columns(4)
    cols[0].metric("Prompts", f"{dataset.queries:,}")
    cols[1].metric("Models", len(models))
    cols[2].metric("Battles", f"{int(pairs['battles'].sum()):,}")
    ties = (pairs["ties"] * pairs["battles"]).sum() / pairs["battles"].sum()
    cols[3].metric("Ties", f"{ties:.1%}")
    st.caption("A preference log: each row says which of two models answered a prompt "
               "better. Routers are compared on it by win rate against a reference model "
               "(Compare page).")
    if dataset.notes:
        with st.expander("Import notes (what was skipped)"):
            for note in dataset.notes.splitlines():
                st.markdown(f"- {plain(note)}")
    left, right = st.columns([2, 3])
    with left:
        st.markdown("**Per model**")
        st.dataframe(models, hide_index=True, column_config=MODEL_COLUMNS, key="pref_models")
    with right:
        st.markdown("**Battles per pair of models**")
        st.vega_lite_chart(*_pair_heatmap(pairs), key="pref_pairs_heatmap",
                           alt="How many battles each pair of models played")
    st.markdown("**Outcomes per pair** (the first model is the earlier by name)")
    st.dataframe(pairs, hide_index=True, column_config=PAIR_COLUMNS, key="pref_pairs")


def _pair_heatmap(pairs: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Battles per pair, mirrored so each model reads along its own row."""
    both = pd.concat([pairs, pairs.rename(columns={"first": "second", "second": "first"})])
    pivot = both.pivot_table(index="first", columns="second", values="battles",
                             aggfunc="sum", fill_value=0)
    itself = pivot.index.to_numpy()[:, None] == pivot.columns.to_numpy()[None, :]
    pivot = pivot.astype(float).mask(itself)  # no model plays itself: blank, not 0
    return heatmap(pivot, "battles", row="model", column="vs model", fmt=",.0f",
                   scheme="blues")
