"""Map: every query on a 2-D UMAP of its embedding, with the regions where each model wins."""

import streamlit as st

from app.embed import maps
from app.present.map_figure import map_figure
from app.present.text import plain
from app.routing.configs import default_configs, saved_configs
from app.ui import resources
from app.ui.map_view import controls, hover_texts, point_colours, selection_details
from app.ui.place_query import place_query
from app.ui.sidebar import current

st.title("Map")
store = resources.store()
dataset = current(store)
if dataset is None:
    st.info("No datasets yet: import one on the Data page.")
    st.stop()
dataset_id, version = int(dataset["dataset_id"]), dataset["content_hash"]
matrix = resources.outcome_matrix(dataset_id, version)
configs = {c.name: c for c in default_configs()} | {c.name: c for c in saved_configs(store)}
encoder, objective, colour_by, model, router_name = controls(matrix.models, list(configs))
params = maps.MapParams()
router = None
if router_name:
    router = (dataset["name"], dataset_id, version, configs[router_name].to_json())
    with st.spinner(f"Training {router_name} on {dataset['name']} ..."):
        _, regret = resources.router_choices(*router)

if resources.map_coords(dataset_id, version, encoder, params) is None:
    with st.status(f"Building the map of {dataset['name']} ...", expanded=True) as status:
        bar = st.progress(0.0)
        maps.ensure_map(store, dataset_id, version, encoder, params,
                        progress=lambda stage, fraction: bar.progress(fraction, text=stage))
        status.update(label="Map ready", state="complete", expanded=False)
    resources.map_coords.clear()
_, coords = resources.map_coords(dataset_id, version, encoder, params)
regions = resources.regions(dataset_id, version, encoder, params, objective, router)
placed = place_query(dataset, encoder, params, matrix)
labels, values, title = point_colours(matrix, colour_by, model,
                                     regret if router_name else None)
figure = map_figure(coords, regions, matrix.models, labels, values, title,
                    hover_texts(resources.questions(dataset_id, version), matrix), placed)
st.caption(f"{len(coords):,} queries of **{plain(dataset['name'])}** embedded with {encoder}. "
           "Shaded regions: the model that wins nearby queries (stronger = surer). "
           "Draw a box or lasso to inspect queries.")
event = st.plotly_chart(figure, key="map_chart", on_select="rerun",
                        selection_mode=("box", "lasso"))
rows = sorted({int(p["customdata"]) for p in event.selection.points if "customdata" in p})
if rows:
    selection_details(store, matrix, rows)
