"""Map: every query on a 2-D UMAP of its embedding, with the regions where each model wins."""

import streamlit as st

from app.embed import maps
from app.present.map_figure import map_figure
from app.present.text import plain
from app.routing.configs import RouterProblem, default_configs, saved_configs
from app.store.datasets import Dataset
from app.ui import profiling, resources
from app.ui.context import PageContext, page_context
from app.ui.map_view import (
    battle_selection_details,
    controls,
    coords_with_progress,
    hover_texts,
    point_colours,
    router_regret,
    selection_details,
)
from app.ui.place_query import place_query


@st.fragment
@profiling.profiled_fragment("map-panel")
def map_panel(ctx: PageContext, dataset: Dataset) -> None:
    """The controls, the map and the selection change together and alone: a fragment, so
    moving the λ slider or drawing a lasso reruns only them, not the page's shell."""
    matrix = resources.outcome_matrix(dataset)
    configs = {c.name: c for c in default_configs()} | {c.name: c for c in saved_configs(ctx.store)}
    battles = dataset.format == "pairwise"  # win rates in battles: no scores, costs or routers
    encoder, objective, colour_by, model, router_name = controls(
        matrix.models, list(configs), battles, resources.priced(dataset))
    params = maps.MapParams()
    router = configs[router_name].to_json() if router_name else None
    try:
        regret = router_regret(dataset, router)
    except RouterProblem as exc:  # a router that cannot train here (a battle log, say)
        st.error(plain(exc))
        router, regret = None, None
    coords = coords_with_progress(ctx.store, dataset, encoder, params)
    regions = resources.regions(dataset, encoder, params, objective, router)
    resources.placement_ahead(dataset, encoder, params)  # a query placed later: at once
    placed = place_query(dataset, encoder, params, matrix)
    # A large log: every query counted as density, a seeded sample drawn as points on top.
    drawn = maps.sample_rows(len(coords), maps.DRAW_SAMPLE)
    large = len(drawn) < len(coords)
    labels, values, title = point_colours(matrix, colour_by, model, regret, drawn)
    figure = map_figure(coords[drawn], regions, matrix.models, labels, values, title,
                        hover_texts(resources.drawn_questions(dataset), matrix, drawn, battles),
                        placed,
                        rows=drawn,
                        crowd=resources.density(dataset, encoder, params) if large else None)
    sampled = (f" Grey: where all {len(coords):,} queries lie (density); points: a seeded sample "
               f"of {len(drawn):,}; regions from a sample of "
               f"{min(len(coords), maps.REGION_SAMPLE):,}." if large else "")
    wins = ("the model that wins the battles on nearby queries, by win rate with ties half"
            if battles else "the model that wins nearby queries")
    st.caption(f"{len(coords):,} queries of **{plain(dataset.name)}** embedded with {encoder}. "
               f"Shaded regions: {wins} (stronger = surer). "
               f"Draw a box or lasso to inspect queries.{sampled}")
    event = st.plotly_chart(figure, key="map_chart", on_select="rerun",
                            selection_mode=("box", "lasso"))
    rows = sorted({int(p["customdata"]) for p in event.selection.points if "customdata" in p})
    if rows and battles:
        battle_selection_details(ctx.store, dataset.id, matrix, rows)
    elif rows:
        selection_details(ctx.store, matrix, rows)


context = page_context()
map_panel(context, context.require_dataset())
