"""The Data page's view of one dataset: headline numbers, per-model and per-task tables."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.data.importers import traffic
from app.present import data_charts
from app.present.text import plain
from app.store import summary
from app.store.datasets import Dataset
from app.ui import resources
from app.ui.battle_view import battle_view
from app.ui.fold import folded
from app.ui.savings_view import traffic_view

MODEL_COLUMNS = {
    "model": st.column_config.TextColumn("Model", width="medium"),
    "answered": st.column_config.NumberColumn("Answered", format="%d"),
    "mean_score": st.column_config.ProgressColumn("Mean score", min_value=0.0, max_value=1.0,
                                                  format="%.3f"),
    "mean_cost_usd": st.column_config.NumberColumn("Mean cost ($/query)", format="$%.6f"),
    "total_cost_usd": st.column_config.NumberColumn("Total cost", format="$%.4f"),
    "cost_estimated": st.column_config.CheckboxColumn("Cost estimated"),
    "mean_latency_ms": st.column_config.NumberColumn("Mean latency", format="%.0f ms"),
    "sole_wins": st.column_config.NumberColumn(
        "Wins", help="Queries where this model alone has the highest score"),
    "cheapest_best_share": st.column_config.ProgressColumn(
        "Cheapest correct", min_value=0.0, max_value=1.0, format="percent",
        help="Share of queries where this model is the cheapest of those with the best "
             "score (the oracle's pick)"),
}


def dataset_view(dataset: Dataset) -> None:
    """Everything the Data page shows about a dataset."""
    if dataset.format == "pairwise":
        battle_view(dataset)
        return
    if dataset.format == traffic.FORMAT:  # one answer per call, scores unknown: Savings
        traffic_view(dataset)
        return
    models = resources.model_summary(dataset)
    oracle = resources.oracle_summary(dataset)
    splits = resources.split_counts(dataset)
    if models.empty:
        st.info("This dataset has no outcomes yet.")
        return
    best = models.iloc[0]
    cols = st.columns(5)
    cols[0].metric("Queries", f"{dataset.queries:,}", help=_splits(splits))
    cols[1].metric("Models", dataset.models)
    cols[2].metric("Best single model", f"{best['mean_score']:.3f}", help=plain(best["model"]))
    cols[3].metric("Oracle score", f"{oracle['oracle_score']:.3f}",
                   help="Per query, the best score any model reached")
    unpriced = int(models["missing_costs"].sum())
    cols[4].metric("Oracle cost / query", "unknown" if unpriced else
                   _usd(oracle["oracle_cost_usd"]),
                   help=f"{unpriced:,} outcomes have no cost, so the oracle's is unknown"
                   if unpriced else "The cheapest model with the best score; $0 where no "
                   "model scores above 0 (RouterBench's definition)")
    scale = resources.score_scale(dataset)
    if scale and scale not in ("0/1", "0-1"):
        st.caption(f"Scores came on a {plain(scale)} scale and are shown normalised to 0-1 "
                   "(the original values are kept in the database).")
    elif scale:
        st.caption(f"Scores are on a {plain(scale)} scale, as in the log.")
    if dataset.notes:
        with st.expander("Import notes (what was merged or skipped)"):
            for note in dataset.notes.splitlines():
                st.markdown(f"- {plain(note)}")
    st.subheader("Per model")
    _cost_notes(models)
    shown = models.drop(columns=["estimated_costs", "missing_costs"] + [
        c for c in ("mean_latency_ms", "cost_estimated")
        if not models[c].notna().any() or not models[c].any()]
        + (["cheapest_best_share"] if unpriced else []))  # needs every cost
    st.dataframe(shown, hide_index=True, column_config=MODEL_COLUMNS, key="model_table",
                 height=36 * (min(len(shown), 20) + 1) + 2)
    tasks = resources.task_breakdown(dataset)
    pivot = tasks.pivot_table(index="task", columns="model", values="mean_score")
    order = [m for m in models["model"] if m in pivot.columns] + ["oracle"]
    pivot = pivot[order]
    left, right = st.columns([2, 3])
    left.vega_lite_chart(*data_charts.cost_quality(models, oracle), key="cost_quality",
                         alt="Each model's mean cost per query against its mean score")
    with right:
        st.markdown("**Mean score per task**")
        st.vega_lite_chart(*data_charts.score_heatmap(pivot), key="task_heatmap",
                           alt="Each model's mean score on each task")
    with folded("Per-task table", "fold_task_table") as shown:
        if shown:
            counts = tasks[tasks["model"] == "oracle"].set_index("task")["answered"]
            st.dataframe(pivot.assign(queries=counts).round(3), key="task_table")
    with folded("Browse queries", "fold_browse", icon=":material/search:") as shown:
        if shown:
            browse(dataset.id, sorted(t for t in tasks["task"].unique()))


def browse(dataset_id: int, tasks: list[str]) -> None:
    left, right = st.columns([3, 1])
    text = left.text_input("Text contains", key="browse_text")
    task = right.selectbox("Task", ["(all)", *tasks], key="browse_task")
    found = summary.search_queries(resources.store(), dataset_id, text,
                                   None if task == "(all)" else task)
    st.caption(f"{len(found):,} queries shown (at most 200).")
    st.dataframe(found, hide_index=True, key="browse_table",
                 column_config={"question": st.column_config.TextColumn(width="large")})


def _usd(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "unknown"
    return f"${value:.6f}" if value < 0.01 else f"${value:.4f}"


def _cost_notes(models: pd.DataFrame) -> None:
    """How many costs are estimated or missing, and what that does to comparisons."""
    answered = int(models["answered"].sum())
    estimated = int(models["estimated_costs"].sum())
    if estimated:
        st.caption(f"{estimated:,} of {answered:,} outcomes have an estimated cost (token "
                   "counts times list prices, not logged); the import notes say where each "
                   "price came from.")
    unpriced = models.loc[models["missing_costs"] > 0, "model"].tolist()
    if unpriced:
        st.warning(f"{int(models['missing_costs'].sum()):,} outcomes have no cost "
                   f"({plain(', '.join(unpriced[:6]))}{' ...' if len(unpriced) > 6 else ''}). "
                   "Compare then ranks routers by quality alone (with two models, by the "
                   "share of calls to the stronger). To add prices, re-import with a price "
                   "per model (the import form's price table, or `routelab import --price "
                   "MODEL=IN/OUT`).", icon=":material/price_change:")


def _splits(splits: dict[str, int]) -> str:
    return "Splits: " + ", ".join(f"{k} {v:,}" for k, v in splits.items())
