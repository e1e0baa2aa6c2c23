"""The Models page's widgets: the pool table with reachability, and the entry editor."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import streamlit as st

from app import settings
from app.models import llm, local_server, secrets
from app.models.pool import KINDS, STYLES, ModelSpec, PoolError, load_pool, make_spec, save_pool
from app.ui import state


def pool_table(pool: dict[str, ModelSpec]) -> None:
    """Every model with where its key comes from (never the key), prices and health."""
    health = st.session_state.get(state.POOL_HEALTH, {})
    rows = []
    for name, spec in pool.items():
        per_in, per_out, source = llm.prices(spec)
        checked = health.get(name)
        rows.append({
            "model": name,
            "status": ("reachable" if checked[0] else "down: " + checked[1]) if checked
            else "not checked",
            "kind": spec.kind, "litellm model": spec.litellm_model,
            "server": "local llama.cpp" if spec.is_local else (spec.api_base or "provider"),
            "key": secrets.where(spec.key_env()),
            "$ / 1k in": per_in, "$ / 1k out": per_out, "prices from": source,
            "samples": spec.samples, "style": spec.prompt_style, "about": spec.description})
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="pool_table",
                 column_config={"$ / 1k in": st.column_config.NumberColumn(format="%.6f"),
                                "$ / 1k out": st.column_config.NumberColumn(format="%.6f")})
    if st.button("Check which models are reachable", icon=":material/network_check:"):
        with st.spinner("Checking (local server listing, or a 1-token call per cloud model)"):
            with ThreadPoolExecutor(max_workers=4) as executor:
                results = dict(zip(pool, executor.map(llm.check, pool.values()), strict=True))
        st.session_state[state.POOL_HEALTH] = {n: (h.ok, h.message) for n, h in results.items()}
        st.session_state[state.POOL_HEALTH_AT] = time.time()
        st.rerun()


@st.cache_resource(show_spinner=False)
def _started_servers() -> list:
    return []  # processes this app started; they stop when the app stops


def local_server_panel() -> None:
    """Whether the local model server is up, and a button to start it when it is not."""
    if local_server.is_up():
        st.success("Local model server is running: SmolLM2-135M and Gemma 3 270M on "
                   f"{settings.local_server_url()}.", icon=":material/memory:")
        return
    exited = local_server.why_down()
    if exited:  # it ran and died: say how, so a crashing build is not mistaken for "off"
        st.error(f"Not running: {exited}", icon=":material/error:")
        with st.expander("The end of its log"):
            st.code(local_server.log_tail() or "(empty)", language=None)
    else:
        st.warning("The local model server is not running, so the local models cannot "
                   "answer. `make run` starts it with the app; by hand: `.venv/bin/python -m "
                   "app.models.local_server`.", icon=":material/warning:")
    if st.button("Start the local model server", icon=":material/play_arrow:"):
        with st.spinner("Starting llama.cpp and generating a token with each model ..."):
            try:
                process = local_server.start()
            except RuntimeError as exc:
                st.error(str(exc))
                return
        if process is not None:
            _started_servers().append(process)
        st.rerun()


def pool_editor(pool: dict[str, ModelSpec]) -> None:
    """Add, change or remove an entry; validated before the file is written."""
    choice = st.selectbox("Entry", ["(new model)", *pool], key="pool_edit_choice")
    spec = pool.get(choice)
    with st.form("pool_edit"):
        name = st.text_input("Name", value=spec.name if spec else "")
        model = st.text_input("LiteLLM model", value=spec.litellm_model if spec else "",
                              placeholder="openai/gpt-4o-mini")
        left, right = st.columns(2)
        kind = left.selectbox("Kind", KINDS, index=KINDS.index(spec.kind) if spec else 0)
        style = right.selectbox("Prompt style", STYLES,
                                index=STYLES.index(spec.prompt_style) if spec else 0)
        api_base = left.text_input("API base (blank: the provider; 'local': routelab's server)",
                                   value=(spec.api_base or "") if spec else "")
        key_env = right.text_input("Key name (env var or secrets.toml key, never the key)",
                                   value=(spec.api_key_env or "") if spec else "")
        price_in = left.number_input("Declared $ per 1k input tokens", min_value=0.0,
                                     value=(spec.usd_per_1k_in or 0.0) if spec else 0.0,
                                     format="%.6f")
        price_out = right.number_input("Declared $ per 1k output tokens", min_value=0.0,
                                       value=(spec.usd_per_1k_out or 0.0) if spec else 0.0,
                                       format="%.6f")
        max_tokens = left.number_input("Max tokens", min_value=1, value=spec.max_tokens
                                       if spec else 256)
        samples = right.number_input("Samples (majority vote)", 1, 9, spec.samples if spec else 1)
        about = st.text_input("Description", value=spec.description if spec else "")
        save, delete = st.columns(2)
        saved = save.form_submit_button("Save", type="primary")
        deleted = delete.form_submit_button("Delete", disabled=spec is None)
    if saved:
        entry = {"litellm_model": model.strip(), "kind": kind, "prompt_style": style,
                 "api_base": api_base.strip() or None, "api_key_env": key_env.strip() or None,
                 "usd_per_1k_in": price_in or None, "usd_per_1k_out": price_out or None,
                 "max_tokens": int(max_tokens), "samples": int(samples),
                 "description": about.strip()}
        try:
            new = make_spec(name.strip(), {k: v for k, v in entry.items() if v is not None})
        except PoolError as exc:
            st.error(str(exc))
            return
        updated = {k: v for k, v in load_pool().items() if k != choice}
        save_pool({**updated, new.name: new})
        st.session_state.pop(state.POOL_HEALTH, None)
        st.toast(f"Saved {new.name}")
        st.rerun()
    if deleted and spec:
        save_pool({k: v for k, v in load_pool().items() if k != choice})
        st.toast(f"Removed {choice}")
        st.rerun()
