"""The Map page's pieces: controls, the figure with selection, drill-down, and placing a query."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.embed.embeddings import ENCODERS, default_encoder
from app.embed.maps import TIE, MapParams, Objective, ensure_map, oracle_pick
from app.present.map_figure import pick_names
from app.present.text import svg
from app.store.datasets import Dataset, OutcomeMatrix, query_details
from app.store.db import Store
from app.store.preferences import model_records, query_battles
from app.ui import background, resources

AHEAD_QUERIES = 1_000  # a map this small is built before it is asked for (build_ahead)
COLOUR_BY = ("oracle-best model", "task", "one model's score", "a router's regret")
BATTLE_COLOUR_BY = ("model with the best win rate", "task", "one model's win rate")
ONE_MODEL = ("one model's score", "one model's win rate")
ROUTER_CHOICE = "a saved router's choice"


def controls(models: list[str], routers: list[str], battles: bool = False,
             priced: bool = True) -> tuple[str, Objective, str, str | None, str | None]:
    """(encoder, objective, colour-by, model for colouring, router) from the widgets. A
    battle log (`battles`) has win rates, not scores or costs, and no router trains on it:
    its regions are by win rate, and its colourings say so. A log without costs
    (`priced` false) has no cost to trade against or to be cheapest by."""
    left, right = st.columns(2)
    names = list(ENCODERS)
    encoder = left.selectbox("Encoder", names, index=names.index(default_encoder()) if
                             default_encoder() in names else 0, key="map_encoder",
                             help="Vectors of different encoders never mix")
    objective = Objective("best") if battles else _objective(priced)
    colour_by = right.selectbox("Colour queries by", BATTLE_COLOUR_BY if battles else
                                COLOUR_BY, key="map_colour", bind="query-params")
    model = right.selectbox("Model", models, key="map_colour_model") \
        if colour_by in ONE_MODEL else None
    router = None
    if colour_by == "a router's regret" or objective.kind == "router":
        if not routers:
            st.info("Save a router on the Routers page (or pick one on Compare) first.")
        else:
            router = right.selectbox("Router", routers, key="map_router", bind="query-params")
    return encoder, objective, colour_by, model, router


def _objective(priced: bool) -> Objective:
    """How a model wins a query, from its control (and its λ or threshold slider)."""
    # a row of its own: in a third of the row its four options were cut off (the last one
    # out of sight) at a 1,400-px window; its slider sits beneath it, half the row wide
    costed = ["score − λ·cost", "cheapest good enough"] if priced else []
    kind = st.segmented_control(
        "A model wins a query by", ["best score", *costed, ROUTER_CHOICE],
        default="best score", key="map_objective", required=True,
        help=None if priced else "This log has no costs, so no model wins by being cheaper: "
        "a tie stays a tie")
    if kind == "score − λ·cost":
        lam = st.columns(2)[0].slider(
            "λ (quality points given up per unit of the dearest model's mean cost)",
            0.0, 2.0, 0.3, 0.05, key="map_lambda")
        return Objective("tradeoff", lam=lam)
    if kind == "cheapest good enough":
        tau = st.columns(2)[0].slider("Good enough = score at least", 0.0, 1.0, 1.0, 0.05,
                                      key="map_tau")
        return Objective("good_enough", tau=tau)
    if kind == ROUTER_CHOICE:
        return Objective("router")
    return Objective("best")


def point_colours(matrix: OutcomeMatrix, colour_by: str, model: str | None,
                  regret: np.ndarray | None, rows: np.ndarray):
    """(categorical labels, numeric values or None, title) for the drawn rows' points."""
    if colour_by == "a router's regret" and regret is not None:
        return None, regret[rows], "router's regret"
    if colour_by == "task":
        return [str(t) for t in matrix.tasks[rows]], None, "task"
    if colour_by in ONE_MODEL and model:
        what = "win rate" if colour_by == "one model's win rate" else "score"
        return None, matrix.scores[rows, matrix.models.index(model)], f"{model} {what}"
    labels = pick_names(matrix.models, oracle_pick(matrix.scores[rows], matrix.costs[rows]))
    return labels, None, BATTLE_COLOUR_BY[0] if colour_by == BATTLE_COLOUR_BY[0] \
        else "oracle-best model"


def hover_texts(questions: list[str], matrix: OutcomeMatrix, rows: np.ndarray,
                battles: bool = False) -> list[str]:
    """Hover text of the drawn rows (`questions` are theirs, in order); a battle log's
    names the model with the best win rate there, not an oracle."""
    picks = pick_names(matrix.models, oracle_pick(matrix.scores[rows], matrix.costs[rows]))
    best = "best win rate" if battles else "oracle"
    return [f"{_wrap(q)}<br><i>{svg(t)}</i> · {best}: {svg(p)}"
            for q, t, p in zip(questions, matrix.tasks[rows], picks, strict=True)]


def selection_details(store, matrix: OutcomeMatrix, rows: list[int]) -> None:
    """A per-model summary of the selected queries, then every model's answers."""
    st.subheader(f"{len(rows):,} selected queries")
    scores, costs = matrix.scores[rows], matrix.costs[rows]
    picks = oracle_pick(scores, costs)
    summary = pd.DataFrame({
        "model": matrix.models,
        "mean score": np.nanmean(scores, axis=0),
        "mean cost ($)": np.nanmean(costs, axis=0) if not np.isnan(costs).all() else np.nan,
        "oracle picks": [(picks == j).sum() for j in range(len(matrix.models))]}
    ).sort_values("mean score", ascending=False)
    ties = int((picks == TIE).sum())
    if ties:
        st.caption(f"{ties:,} of them are ties (several models best at the same cost): "
                   "the oracle picks none of those models alone.")
    st.dataframe(summary, hide_index=True, key="selection_summary", column_config={
        "mean score": st.column_config.ProgressColumn(min_value=0, max_value=1, format="%.2f"),
        "mean cost ($)": st.column_config.NumberColumn(format="$%.6f")})
    details = query_details(store, [int(matrix.query_ids[r]) for r in rows[:200]])
    if len(rows) > 200:
        st.caption("Showing the answers of the first 200 selected queries.")
    st.dataframe(details, hide_index=True, key="selection_details", column_config={
        "question": st.column_config.TextColumn(width="large"),
        "response": st.column_config.TextColumn(width="large"),
        "score": st.column_config.NumberColumn(format="%.2f"),
        "cost_usd": st.column_config.NumberColumn("cost ($)", format="$%.6f")})


BATTLES_SHOWN = 500


def battle_selection_details(store, dataset_id: int, matrix: OutcomeMatrix,
                             rows: list[int]) -> None:
    """A battle log's selection: each model's record in the battles on the selected
    queries, then those battles (a battle log keeps no answers to show)."""
    st.subheader(f"{len(rows):,} selected queries")
    ids = [int(matrix.query_ids[r]) for r in rows]
    records = model_records(store, dataset_id, ids)
    st.dataframe(records, hide_index=True, key="selection_summary", column_config={
        "win_rate": st.column_config.ProgressColumn("win rate", min_value=0, max_value=1,
                                                    format="%.2f")})
    total = int(records["battles"].sum()) // 2  # each battle counts once for either side
    if total > BATTLES_SHOWN:
        st.caption(f"Showing the first {BATTLES_SHOWN:,} of the {total:,} battles on them.")
    shown = query_battles(store, ids, BATTLES_SHOWN)
    if shown["task"].isna().all():  # a log without tasks: no empty column
        shown = shown.drop(columns="task")
    st.dataframe(shown, hide_index=True,
                 key="selection_details",
                 column_config={"question": st.column_config.TextColumn(width="large")})


def _wrap(text: str, width: int = 70, lines: int = 3) -> str:
    text = " ".join(str(text).split())
    parts = [svg(text[i:i + width]) for i in range(0, min(len(text), width * lines), width)]
    return "<br>".join(parts) + ("…" if len(text) > width * lines else "")


def coords_with_progress(store: Store, dataset: Dataset, encoder: str, params: MapParams):
    """The map's 2-D coordinates; the first time, embedded and projected on a worker thread
    with a progress bar: leaving the page or clicking meanwhile does not lose the work."""
    if resources.map_coords(dataset, encoder, params) is None:
        with st.status(f"Building the map of {dataset.name} ...", expanded=True) as status:
            bar = st.progress(0.0)
            background.jobs().wait(
                *_map_job(store, dataset, encoder, params),
                show=lambda stage, fraction: bar.progress(fraction, text=stage))
            status.update(label="Map ready", state="complete", expanded=False)
    return resources.map_coords(dataset, encoder, params)[1]


def build_ahead(store: Store, dataset: Dataset | None) -> None:
    """Start building a small dataset's map (default encoder and settings) on a worker
    thread, so it is ready, or well on its way, when the user opens the Map: its first build
    takes 15-25 s on the demo log, most of it loading the encoder and compiling UMAP. The
    Map page waits on this same job."""
    if dataset is None or dataset.queries > AHEAD_QUERIES:
        return
    encoder, params = default_encoder(), MapParams()
    if resources.map_coords(dataset, encoder, params) is None:
        background.jobs().start(*_map_job(store, dataset, encoder, params))


def _map_job(store: Store, dataset: Dataset, encoder: str, params: MapParams):
    """(key, work) of building a map: one key, whoever starts it."""
    return (("map", dataset, encoder, params),
            lambda report: ensure_map(store, dataset.id, dataset.version, encoder, params,
                                      progress=report))


def router_regret(dataset: Dataset, config_json: str | None):
    """Per-query regret of the chosen router (None when none is chosen)."""
    if config_json is None:
        return None
    return resources.router_choices(dataset, config_json)[1]  # training shows its own bar
