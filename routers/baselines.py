"""Baselines every comparison needs: one model for everything, and random routing."""

from __future__ import annotations

import hashlib

import numpy as np

from routers.base import Outcomes, Queries, Router


class SingleModel(Router):
    """Send every query to one model (the reference points of every routing paper)."""

    name = "single"
    title = "Single model"
    cold_start = True
    independent_models = True
    needs_embeddings = False
    model_params = ("model",)
    in_defaults = False  # drawn as a reference beside every comparison anyway
    space = {"model": {"help": "The model that answers everything"}}

    def __init__(self, *, model: str = ""):
        self.model = model

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        pass

    def _score(self, queries: Queries) -> np.ndarray:
        target = self.model if self.model in self.models_ else self.models_[0]
        return np.tile([float(m == target) for m in self.models_], (len(queries), 1))

    def choose(self, scores, costs=None, tradeoff: float = 0.0) -> np.ndarray:
        return np.argmax(scores, axis=1)  # the one model, whatever the cost


class RandomRouter(Router):
    """Uniformly random routing, seeded per query text so it is reproducible."""

    name = "random"
    title = "Random"
    cold_start = True
    independent_models = False
    needs_embeddings = False
    in_defaults = False  # drawn as a reference beside every comparison anyway

    def __init__(self, *, seed: int = 0):
        self.seed = seed

    def propensity(self, queries: Queries, choice: int, usable: np.ndarray | None = None
                   ) -> float:
        return 1.0 / max(int(np.sum(usable)) if usable is not None else len(self.models_), 1)

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        pass

    def _score(self, queries: Queries) -> np.ndarray:
        rows = []
        for text in queries.text:
            digest = hashlib.sha256(f"{self.seed}|{text}".encode()).digest()
            rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
            rows.append(rng.random(len(self.models_)))
        return np.array(rows).reshape(len(queries), len(self.models_))

    def choose(self, scores, costs=None, tradeoff: float = 0.0) -> np.ndarray:
        return np.argmax(scores, axis=1)
