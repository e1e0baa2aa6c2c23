"""The Data page's import form: a file upload or a path, a format, and an optional mapping."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from app import settings
from app.data.importers import FORMATS, ImportProblem, default_name, import_path
from app.data.importers.pricing import Price
from app.data.importers.scales import AUTO, SUGGESTED
from app.present.text import plain
from app.store.db import Store
from app.ui import state
from app.ui.mapping_form import mapping_form

UPLOAD_TYPES = ["csv", "tsv", "parquet", "pq", "jsonl", "ndjson", "json"]
FORMAT_HELP = {
    "auto": "Detect the layout from the file",
    "routerbench": "RouterBench wide CSV / Parquet / pickle",
    "llmrouter": "LLMRouter folder or scores JSON",
    "long": "One row per (query, model) — map the columns",
    "wide": "One row per query, a score column per model — map the columns",
    "pairwise": "Preference battles: prompt, model_a, model_b, winner or verdict (A>B)",
    "litellm-log": "Traffic a router deployed in the LiteLLM proxy logged (traffic.jsonl)",
}


def import_form(store: Store) -> None:
    """Render the form; on success select the new dataset and rerun."""
    where = st.segmented_control("Source", ["Upload a file", "Path on this machine"],
                                 default="Upload a file", key="import_source", required=True)
    path, source = _chosen_file(where)
    fmt = st.selectbox("Format", FORMATS, format_func=lambda f: f"{f} — {FORMAT_HELP[f]}",
                       key="import_format")
    name = st.text_input("Dataset name", key="import_name",
                         placeholder=default_name(path) if path else "defaults to the file name")
    replace = st.checkbox("Replace a dataset with the same name", key="import_replace")
    mapping = mapping_form(store, path, fmt) if path and fmt in ("long", "wide") else None
    scale = AUTO if fmt in ("pairwise", "litellm-log") else st.selectbox(
        "Score scale", SUGGESTED, key="import_scale", accept_new_options=True,
        help="auto detects 0/1, 0-1 or a graded scale (1-5, 1-10, 0-100); or declare it, "
             "e.g. 1-7 (type LOW-HIGH). Scores are stored normalised to 0-1, the originals "
             "kept.")
    prices = None if fmt == "pairwise" else _price_table()
    if st.button("Import", type="primary", disabled=path is None, icon=":material/upload:"):
        with st.spinner(f"Importing {source} ..."):
            try:
                report = import_path(store, path, fmt=fmt, name=name or None, mapping=mapping,
                                     replace=replace, source=source,
                                     score_scale=scale or AUTO, given_prices=prices)
            except ImportProblem as exc:
                st.error(plain(exc), icon=":material/error:")
                return
        st.session_state[state.DATASET_PENDING] = report.dataset
        st.session_state[state.IMPORT_RESULT] = (report.summary(), report.notes)
        st.rerun()


def _price_table() -> dict[str, Price] | None:
    """Optional prices per model (USD per million tokens) for logs without costs: they
    estimate the missing costs; logged costs are kept."""
    with st.expander("Prices for a log without costs (optional)"):
        st.caption("Outcomes without a cost get one estimated from token counts and a price: "
                   "yours below, else the model pool's, else LiteLLM's cost map. Without any "
                   "price, routers are compared on quality alone.")
        table = st.data_editor(
            pd.DataFrame({"model": pd.Series(dtype="str"),
                          "input $/1M tokens": pd.Series(dtype="float"),
                          "output $/1M tokens": pd.Series(dtype="float")}),
            num_rows="dynamic", hide_index=True, key="import_prices",
            column_config={"input $/1M tokens": st.column_config.NumberColumn(min_value=0.0),
                           "output $/1M tokens": st.column_config.NumberColumn(min_value=0.0)})
    rows = table.dropna(subset=["model"])
    def usd(value) -> float:
        return 0.0 if pd.isna(value) else float(value)
    return {str(r["model"]).strip(): Price(usd(r["input $/1M tokens"]),
                                           usd(r["output $/1M tokens"]), "your price")
            for _, r in rows.iterrows() if str(r["model"]).strip()} or None


def import_result() -> None:
    """After an import's rerun, say what it did (outside the form, so it is seen)."""
    if state.IMPORT_RESULT in st.session_state:
        text, notes = st.session_state.pop(state.IMPORT_RESULT)
        st.success(plain(text) + "".join(f"\n\n- {plain(note)}" for note in notes),
                   icon=":material/check_circle:")


def _chosen_file(where: str) -> tuple[Path | None, str | None]:
    """(local path, how to describe it) for the upload or the typed path."""
    if where == "Upload a file":
        upload = st.file_uploader("Query log", type=UPLOAD_TYPES, key="import_upload",
                                  max_upload_size=settings.max_import_bytes() // 2**20,
                                  help="CSV, TSV, Parquet, JSONL or JSON. Pickles are only "
                                       "imported from a path (they can run code).")
        if upload is None:
            return None, None
        return _saved_upload(upload), f"upload: {upload.name}"
    typed = st.text_input("File or folder path", key="import_path",
                          placeholder="../shared/data/routerbench_subset").strip()
    if not typed:
        return None, None
    path = Path(typed).expanduser()
    if not path.exists():
        st.warning(f"{plain(typed)} does not exist on this machine.", icon=":material/warning:")
        return None, None
    return path, str(path)


def _saved_upload(upload) -> Path:
    """Write an upload to a private temp file once per upload, keeping its file name."""
    saved = st.session_state.setdefault(state.UPLOADS, {})
    if upload.file_id not in saved or not Path(saved[upload.file_id]).exists():
        folder = Path(tempfile.mkdtemp(prefix="routelab-upload-"))
        safe = re.sub(r"[^\w.\-]+", "_", Path(upload.name).name) or "upload.csv"
        target = folder / safe
        target.write_bytes(upload.getbuffer())
        saved[upload.file_id] = str(target)
    return Path(saved[upload.file_id])
