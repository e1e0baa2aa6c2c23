"""Place a new query on the map: embed it, UMAP-transform it, and show its neighbours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.embed.embeddings import embed_dataset, get_encoder
from app.embed.maps import MapParams, oracle_pick
from app.present.map_figure import neutral_labels, pick_names
from app.store.datasets import Dataset, OutcomeMatrix
from app.ui import resources


def place_query(dataset: Dataset, encoder_name: str, params: MapParams, matrix: OutcomeMatrix
                ) -> np.ndarray | None:
    """Ask for a query; return its 2-D position (1, 2) and list its nearest logged queries."""
    text = st.text_input("Place a new query on the map", key="map_place",
                         placeholder="e.g. What is the capital of Chile?").strip()
    if not text:
        return None
    # a new server's first placement waits for the encoder and UMAP's transform to be
    # ready (readied on a worker thread when the map was shown: resources.placement_ahead)
    with st.spinner("Placing the query ..."):
        reducer = resources.reducer(dataset, encoder_name, params)
        if reducer is None:
            st.warning("This map's projection model is not on disk (it was computed "
                       "elsewhere); delete the cached map to rebuild it.")
            return None
        vector = get_encoder(encoder_name).encode([text])
        position = reducer.transform(vector)
    _, X, _ = embed_dataset(resources.store(), dataset.id, encoder_name)
    similarity = X @ vector[0]
    nearest = np.argsort(-similarity)[:8]
    pick = oracle_pick(matrix.scores[nearest], matrix.costs[nearest])
    questions = resources.questions(dataset)
    table = pd.DataFrame({
        "similarity": similarity[nearest], "question": [questions[i] for i in nearest],
        "task": matrix.tasks[nearest],
        "won by": pick_names(matrix.models, pick),
        **{m: matrix.scores[nearest, j] for j, m in enumerate(matrix.models)}})
    votes = table["won by"].value_counts()
    top = votes.index[0]
    nobody, tied = neutral_labels(matrix.models)
    most = {tied: "Most often a tie", nobody: "Most often no model right"}.get(
        top, f"Most often won by **{top}**")
    st.caption(f"Nearest logged queries (cosine similarity in {encoder_name} space). "
               f"{most} ({votes.iloc[0]} of {len(table)}).")
    st.dataframe(table, hide_index=True, key="place_neighbours", column_config={
        "similarity": st.column_config.NumberColumn(format="%.2f"),
        "question": st.column_config.TextColumn(width="large")})
    return position
