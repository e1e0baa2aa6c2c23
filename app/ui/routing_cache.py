"""Datasets as router input, and routers trained on them, shared by the server's sessions
and built on a worker thread (app/ui/background.py).

Loading a dataset for routing embeds its queries the first time (seconds to minutes), and
training a router takes up to seconds: work a click would otherwise hold up, since a run
cannot stop inside it. `RoutingCache` holds the results and calls no Streamlit, so a job
(a comparison, say) fills and reads the same entries as the pages do; the pages reach it
through `resources.routing_data` and `resources.fitted_router`, which wait on a job, with
its progress drawn, only when the entry is not there yet.
"""

from __future__ import annotations

import json

from app.store.datasets import Dataset
from app.store.db import Store

EMBEDDING = "Embedding the queries (first time only)"


class RoutingCache:
    """The last few datasets as router input, by (dataset, encoder, sample size), and the
    last routers trained, by (dataset, config). A Dataset value carries its version and
    counts, so a re-imported or grown dataset is a new key and nothing stale is served."""

    def __init__(self, data_size: int = 8, routers_size: int = 32):
        from app.ui.resources import SharedResults

        self.data = SharedResults(size=data_size)        # they hold every query's vector
        self.routers = SharedResults(size=routers_size)

    def data_for(self, store: Store, dataset: Dataset, encoder: str, sample_limit: int,
                 report=None):
        """The dataset as router input (DatasetForRouting), loaded now if not held (once,
        however many jobs ask for it at the same time)."""
        from app.routing.configs import load_for_routing

        def load():
            def embedded(done: int, total: int) -> None:
                if report:
                    report(f"{EMBEDDING}: {done:,} of {total:,}", done / max(total, 1))
            return load_for_routing(store, dataset.name, encoder, sample_limit=sample_limit,
                                    progress=embedded)
        return self.data.get_or_build((dataset, encoder, sample_limit), load)

    def router_for(self, store: Store, dataset: Dataset, config_json: str, report=None):
        """The router of `config_json` trained on the dataset's training split, trained now
        if not held (RouterProblem when it cannot be)."""
        from app.embed.embeddings import default_encoder
        from app.routing.configs import SAMPLE_LIMIT, RouterConfig, fit_router

        def train():
            config = RouterConfig(**json.loads(config_json))
            data = self.data_for(store, dataset, config.encoder or default_encoder(),
                                 SAMPLE_LIMIT, report)
            if report:
                report(f"Training {config.name} on {dataset.name}", 0.5)
            return fit_router(store, config, data)
        return self.routers.get_or_build((dataset, config_json), train)
