"""A saved learned-judge cascade as a live judge: fitted once per process, then it judges
fresh answers from the prompt and the answers alone."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEARNED = "learned:"  # a live cascade's judge naming a saved judged-cascade router
_FITTED: dict[tuple, LearnedJudge] = {}
_LOCK = threading.Lock()


class LearnedJudgeProblem(ValueError):
    """A learned judge that cannot be used; the message says why and what to do."""


@dataclass(frozen=True, eq=False)
class LearnedJudge:
    name: str
    router: object                                   # a fitted routers.JudgedCascade
    embed: Callable[[list[str]], np.ndarray]         # texts -> the router's query vectors


def saved_name(judge: str) -> str | None:
    """The saved router a live cascade's `judge` names, or None for other judges."""
    return judge[len(LEARNED):].strip() if str(judge).startswith(LEARNED) else None


def load(store, name: str) -> LearnedJudge:
    """The saved router `name`, trained on its dataset's training split (cached by its
    config and the dataset's version)."""
    from app.embed.embeddings import default_encoder, embed_texts
    from app.routing import catalog
    from app.routing.configs import fit_router, load_for_routing, saved_configs
    from app.store.datasets import version_of

    config = next((c for c in saved_configs(store) if c.name == name), None)
    if config is None:
        raise LearnedJudgeProblem(f"no saved router named '{name}': save a judged-cascade "
                                  "router on the Routers page first")
    kind = catalog.CATALOG.get(config.kind)
    if kind is None or not (kind.needs_responses and kind.simulates):
        raise LearnedJudgeProblem(f"'{name}' is a {config.kind} router; a learned judge is a "
                                  "saved judged-cascade router")
    if config.dataset is None:
        raise LearnedJudgeProblem(f"'{name}' names no dataset to learn from")
    key = (str(store.path), config.to_json(), config.dataset, version_of(store, config.dataset))
    with _LOCK:
        if key not in _FITTED:
            encoder = config.encoder or default_encoder()
            router = fit_router(store, config, load_for_routing(store, config.dataset,
                                                                encoder))

            def embed(texts: list[str]) -> np.ndarray:
                return embed_texts(store, texts, encoder)[0]
            _FITTED[key] = LearnedJudge(name, router, embed)
        return _FITTED[key]
