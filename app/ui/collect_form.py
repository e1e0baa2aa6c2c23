"""Collect a query log from the dashboard: prompts x models, with a progress bar."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.data.collect import CollectProblem, collect
from app.data.demo.log import DEMO_PROMPTS
from app.models import local_server
from app.models.pool import ModelSpec
from app.store.db import Store
from app.ui import state


def collect_form(store: Store, pool: dict[str, ModelSpec]) -> None:
    """Choose prompts, models and a dataset name; answers are saved as they arrive."""
    prompts = st.text_input("Prompts file (JSONL: id, prompt, task, verifier)",
                            value=str(DEMO_PROMPTS.relative_to(DEMO_PROMPTS.parents[2])),
                            key="collect_prompts")
    local = [n for n, s in pool.items() if s.is_local]
    models = st.multiselect("Models", list(pool), default=local[:2], key="collect_models")
    left, middle, right = st.columns(3)
    name = left.text_input("Dataset name", value="my-collection", key="collect_name")
    concurrency = middle.number_input("Concurrent calls", 1, 16, 2, key="collect_conc")
    limit = right.number_input("Only the first N prompts (0 = all)", 0, 100_000, 20,
                               key="collect_limit")
    judges = ["(none)", *pool]
    judge = st.selectbox("Judge for open-ended prompts", judges, key="collect_judge")
    st.caption("Re-running with the same dataset name resumes: only missing (prompt, model) "
               "pairs are asked again.")
    if not st.button("Collect", type="primary", disabled=not models, icon=":material/bolt:"):
        return
    if any(pool[m].is_local for m in models) and not local_server.is_up():
        st.error("The local model server is not running; start it above first.")
        return
    bar = st.progress(0.0, text="Starting ...")

    def progress(done: int, total: int, message: str) -> None:
        bar.progress(done / max(total, 1), text=f"{done}/{total} · {message[:120]}")

    try:
        report = collect(store, Path(prompts), models, name.strip(), pool=pool,
                         concurrency=int(concurrency), limit=int(limit) or None,
                         judge_model=None if judge == "(none)" else judge,
                         on_progress=progress)
    except CollectProblem as exc:
        st.error(str(exc), icon=":material/error:")
        return
    bar.progress(1.0, text="Done")
    (st.success if report.failed == 0 else st.warning)(report.summary())
    st.session_state[state.DATASET_PENDING] = report.dataset
