"""Which routers the live pages can use, and getting them trained."""

from __future__ import annotations

import streamlit as st

from app.embed.embeddings import default_encoder
from app.routing import catalog
from app.routing.configs import RouterConfig, RouterProblem, default_configs, saved_configs
from app.store import datasets
from app.store.datasets import Dataset
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
    return resources.fitted_router(_trained_on(config, dataset), config.to_json())


def train_ahead(configs: list[RouterConfig], dataset: Dataset | None) -> None:
    """Start training the chosen routers, and loading the encoder a prompt is embedded with,
    on worker threads while the user writes the prompt: the first Send of a server then
    waits for the models' answers, not for MiniLM to load and routers to train."""
    if dataset is None:
        return
    resources.encoder_ahead(default_encoder())
    for config in configs:
        if catalog.is_online(config.kind) or catalog.is_live(config.kind):
            continue  # bandits learn from votes; live routers are not trained on a log
        try:
            trained_on = _trained_on(config, dataset)
        except RouterProblem:
            continue  # said when the prompt is sent (load_router)
        resources.fit_ahead(trained_on, config.to_json())


def _trained_on(config: RouterConfig, dataset: Dataset) -> Dataset:
    """The dataset a saved router learns from: its own, else the sidebar's."""
    if not config.dataset or config.dataset == dataset.name:
        return dataset
    own = datasets.by_name(resources.store(), config.dataset)
    if own is None:
        raise RouterProblem(f"router '{config.name}' learns from dataset '{config.dataset}', "
                            "which no longer exists: retrain it on another dataset")
    return own
