"""A settings form generated from a router's parameters (Router.param_specs)."""

from __future__ import annotations

import json

import streamlit as st

from app.routing import catalog
from routers.base import Param


def params_form(kind: str, models: list[str], key: str) -> dict | None:
    """Widgets for every parameter of `kind`; None when a JSON field does not parse."""
    values, ok = {}, True
    entry = catalog.kind(kind)
    specs = entry.param_specs()
    columns = st.columns(2) if len(specs) > 1 else [st.container()]
    for i, spec in enumerate(specs):
        with columns[i % len(columns)]:
            picks_model = spec.name in entry.model_params and isinstance(spec.default, str)
            judges = learned_judges() if spec.name in entry.learned_judge_params else []
            if spec.name in entry.trained_policy_params:
                spec = Param(spec.name, spec.default, "choice",
                             choices=(spec.default, *trained_policies()),
                             help="`threshold`, or the policies trained on a dataset "
                             "(`routelab token-train`); `tradeoff` picks the nearest λ")
            value = _widget(spec, models + judges, f"{key}_{kind}_{spec.name}", picks_model)
        if value is _INVALID:
            ok = False
        else:
            values[spec.name] = value
    return values if ok else None


_INVALID = object()


def _widget(spec: Param, models: list[str], key: str, picks_model: bool):
    label, help_text = spec.name.replace("_", " "), spec.help or None
    if picks_model:
        default = [spec.default] if spec.default else []  # e.g. a cascade's "self" judge
        options = list(dict.fromkeys([*default, *models, *pool_names()])) or [""]
        index = options.index(spec.default) if spec.default in options else 0
        return st.selectbox(label, options, index=index, key=key, help=help_text)
    if spec.kind == "bool":
        return st.checkbox(label, value=spec.default, key=key, help=help_text)
    if spec.kind == "choice":
        return st.selectbox(label, spec.choices, index=spec.choices.index(spec.default),
                            key=key, help=help_text)
    if spec.kind == "int":
        return int(st.number_input(label, value=int(spec.default), step=1, key=key,
                                   min_value=int(spec.low) if spec.low is not None else None,
                                   max_value=int(spec.high) if spec.high is not None else None,
                                   help=help_text))
    if spec.kind == "float":
        return float(st.number_input(label, value=float(spec.default), key=key, format="%.4g",
                                     min_value=spec.low, max_value=spec.high, help=help_text))
    if spec.kind == "json":
        raw = st.text_area(label, value=json.dumps(spec.default), key=key, help=help_text,
                           height=90)
        try:
            return json.loads(raw or "null")
        except ValueError as exc:
            st.error(f"{label}: not valid JSON ({exc}).")
            return _INVALID
    return st.text_input(label, value=str(spec.default), key=key, help=help_text)


def learned_judges() -> list[str]:
    """"learned:NAME" for every saved router that judges answers (judged-cascade)."""
    from app.routing.configs import saved_configs
    from app.routing.live.learned import LEARNED
    from app.ui import resources

    return [LEARNED + c.name for c in saved_configs(resources.store())
            if c.kind in catalog.CATALOG and catalog.kind(c.kind).needs_responses]


def trained_policies() -> list[str]:
    """"trained:DATASET" for every dataset with trained token-routing policies."""
    from app.routing.live.token_router import TRAINED
    from app.routing.token_training import trained_datasets
    from app.ui import resources

    return [TRAINED + name for name in trained_datasets(resources.store())]


def pool_names() -> list[str]:
    from app.models.pool import PoolError, load_pool

    try:
        return list(load_pool())
    except PoolError:
        return []
