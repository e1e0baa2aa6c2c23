"""Data: import query logs and see, per dataset, how every model does."""

import streamlit as st

from app.data.importers import remove_dataset
from app.present.text import plain
from app.ui import state
from app.ui.context import page_context
from app.ui.dataset_view import dataset_view
from app.ui.fold import folded
from app.ui.import_form import import_form, import_result
from app.ui.map_view import build_ahead

ctx = page_context()
store, dataset = ctx.store, ctx.dataset
import_result()

# keyed by whether a dataset exists, so the form folds away once the first one is in
with folded("Import a query log", f"fold_import_{dataset is None}", expanded=dataset is None,
            icon=":material/upload:") as shown:
    if shown:
        import_form(store)

if dataset is None:
    st.info("No datasets yet. Import a RouterBench, LLMRouter or generic CSV / Parquet / "
            "JSONL log above, or from a shell: `routelab import PATH`.")
    st.stop()

build_ahead(store, dataset)  # where a session lands: the Map is likely next
st.header(plain(dataset.name))
st.caption(f"{dataset.kind} · {dataset.format} · from {plain(dataset.source)} · "
           f"imported {dataset.imported_at:%Y-%m-%d %H:%M} · "
           f"{dataset.outcomes:,} {'battles' if dataset.format == 'pairwise' else 'outcomes'}")
dataset_view(dataset)

with st.expander("Delete this dataset", icon=":material/delete:"):
    sure = st.checkbox(f"Yes, delete '{plain(dataset.name)}' with its queries and outcomes",
                       key=state.CONFIRM_DELETE)
    if st.button("Delete", disabled=not sure, key="delete_dataset"):
        remove_dataset(store, dataset.name)
        st.session_state.pop(state.CONFIRM_DELETE, None)
        st.rerun()
