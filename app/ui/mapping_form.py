"""A column-mapping form for generic long / wide logs, prefilled with guesses."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.data.importers import ImportProblem, LongMapping, WideMapping, peek_columns
from app.data.importers.mapping import guess_long, guess_wide, latency_unit_of
from app.present.text import plain
from app.store.db import Store

OPTIONAL_LONG = ("id", "cost", "latency", "tokens_in", "tokens_out", "response", "task",
                 "split", "reference", "verifier")
OPTIONAL_WIDE = ("id", "task", "split", "reference")
NONE = "(none)"


@st.cache_data(show_spinner=False, max_entries=16)
def _columns(_store: Store, path: str, mtime: float) -> tuple[list[str], list[str]]:
    return peek_columns(_store, Path(path))


def mapping_form(store: Store, path: Path, fmt: str) -> LongMapping | WideMapping | None:
    """Show selects for each field; return the mapping, or None if the file can't be read."""
    try:
        columns, numeric = _columns(store, str(path), path.stat().st_mtime)
    except ImportProblem as exc:
        st.error(plain(exc), icon=":material/error:")
        return None
    st.caption(f"Columns found: {plain(', '.join(columns))}")
    if fmt == "long":
        return _long_form(columns, guess_long(columns))
    return _wide_form(columns, numeric, guess_wide(columns, numeric))


def _pick(label: str, columns: list[str], guess: str | None, key: str,
          required: bool = False) -> str | None:
    options = columns if required else [NONE, *columns]
    index = options.index(guess) if guess in options else 0
    chosen = st.selectbox(label, options, index=index, key=key)
    return None if chosen == NONE else chosen


def _long_form(columns: list[str], guess: LongMapping | None) -> LongMapping:
    g = guess.as_dict() if guess else {}
    left, right = st.columns(2)
    with left:
        text = _pick("Prompt column", columns, g.get("text"), "map_text", required=True)
        model = _pick("Model column", columns, g.get("model"), "map_model", required=True)
        score = _pick("Score column", columns, g.get("score"), "map_score", required=True)
    picks = {}
    with right:
        for name in OPTIONAL_LONG:
            picks[name] = _pick(f"{name.replace('_', ' ').capitalize()} column", columns,
                                g.get(name), f"map_{name}")
    unit = st.radio("Latency unit", ["ms", "s"], horizontal=True, key="map_latency_unit",
                    index=0 if latency_unit_of(picks["latency"]) == "ms" else 1)
    return LongMapping(text=text, model=model, score=score, latency_unit=unit, **picks)


def _wide_form(columns: list[str], numeric: list[str], guess: WideMapping | None) -> WideMapping:
    text = _pick("Prompt column", columns, guess.text if guess else None, "mapw_text",
                 required=True)
    models = st.multiselect("Model score columns", numeric or columns,
                            default=[m for m in (guess.models if guess else ())
                                     if m in (numeric or columns)], key="mapw_models")
    left, right = st.columns(2)
    with left:
        cost = st.text_input("Cost column pattern", key="mapw_cost",
                             value=(guess.cost_pattern if guess else None) or "",
                             help="{model} stands for each model, e.g. {model}|total_cost")
        response = st.text_input("Response column pattern", key="mapw_response",
                                 value=(guess.response_pattern if guess else None) or "")
        latency = st.text_input("Latency column pattern", key="mapw_latency",
                                value=(guess.latency_pattern if guess else None) or "")
    with right:
        picks = {name: _pick(f"{name.capitalize()} column", columns,
                             getattr(guess, name) if guess else None, f"mapw_{name}")
                 for name in OPTIONAL_WIDE}
    return WideMapping(text=text, models=tuple(models), cost_pattern=cost or None,
                       response_pattern=response or None, latency_pattern=latency or None,
                       latency_unit=latency_unit_of(latency), **picks)
