"""Which routers the live pages can use, and getting them trained."""

from __future__ import annotations

import streamlit as st

from app.routing import catalog
from app.routing.configs import RouterConfig, default_configs, saved_configs
from app.ui import resources


def available_routers(store) -> dict[str, RouterConfig]:
    """Live bandits first, then saved routers, then the registry's defaults."""
    options = dict(resources.bandits().configs())
    options |= {c.name: c for c in saved_configs(store) if not catalog.is_online(c.kind)}
    options |= {c.name: c for c in default_configs()
                if c.name not in options and not catalog.is_online(c.kind)}
    options |= {kind: RouterConfig(kind, kind, {}) for kind in catalog.kinds(catalog.LIVE)
                if kind not in options}
    return options


def load_router(config: RouterConfig, dataset, arms: list[str] | None = None):
    """A bandit's live state (knowing `arms`), or a router trained on the sidebar dataset."""
    if catalog.is_online(config.kind):
        return resources.bandits().with_arms(config.name, arms or [])
    if dataset is None:
        st.error("Import a dataset first: routers learn from a log.")
        st.stop()
    return resources.fitted_router(config.dataset or dataset["name"], _version(config, dataset),
                                   config.to_json())


def _version(config: RouterConfig, dataset) -> str:
    if config.dataset and config.dataset != dataset["name"]:
        found = resources.store().rows("SELECT content_hash FROM datasets WHERE name = ?",
                                       [config.dataset])
        if found:
            return found[0][0]
    return dataset["content_hash"]
