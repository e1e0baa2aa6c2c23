"""What every export target receives, and the one error an export raises.

An export turns a saved router, trained on its dataset's training split and placed at its
operating point, into files another system runs. Each target module (`litellm_proxy`,
`vllm_sr`, `routellm`) has `write(source, directory) -> list[str]`: it writes into an empty
`directory` and returns notes for the export's README (what differs from routelab, what
was measured). The caller writes into a temporary directory and renames it into place, so
a failed export leaves nothing behind.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.data.importers.pricing import Price, known_price
from app.routing.configs import DatasetForRouting, RouterConfig, RouterProblem
from app.routing.operating import OperatingPoint, decide
from routers import Queries, Router

STANDALONE = Path(__file__).resolve().parent / "standalone"  # files copied into exports


class ExportProblem(RouterProblem):
    """An export that cannot be made; the message says why and what to do."""


@dataclass(frozen=True, eq=False)
class ExportSource:
    config: RouterConfig               # the saved router (name, kind, params, dataset)
    router: Router                     # fitted on the dataset's training split
    data: DatasetForRouting            # the dataset, its embeddings and its split
    point: OperatingPoint              # where it routes (λ, or strong/weak pair + threshold)
    prices: dict[str, Price | None] = field(default_factory=dict)  # per model, USD / 1M

    @property
    def models(self) -> list[str]:
        return list(self.router.models_)

    def decisions(self, queries: Queries) -> list[str]:
        """routelab's own choice for each query at the operating point."""
        return [self.models[int(c)] for c in decide(self.router, queries, self.point)]

    def train_queries(self) -> Queries:
        return self.data.outcomes.queries.subset(self.data.train)

    def test_queries(self) -> Queries:
        return self.data.outcomes.queries.subset(self.data.test)

    def agreement(self, decide_elsewhere, queries: Queries | None = None) -> float:
        """Share of test queries on which `decide_elsewhere(queries) -> list[str]` (the
        exported artifact's decisions) agrees with routelab."""
        queries = queries or self.test_queries()
        if not len(queries):
            return float("nan")
        theirs = decide_elsewhere(queries)
        return float(np.mean([a == b for a, b in zip(self.decisions(queries), theirs,
                                                       strict=True)]))


def prices_of(models, pool: dict | None = None) -> dict[str, Price | None]:
    """Each model's price (USD per million tokens in and out): the pool, else LiteLLM's
    cost map, else None."""
    return {m: known_price(m, None, pool) for m in models}


def load_shipped(path: Path, neighbours: bool = False):
    """A file shipped in an export (or its original in STANDALONE), imported from its path
    as the gateway would, without a module name that could clash with another export's.
    `neighbours`: the files beside it are importable while it loads (as `routelab_router`)."""
    spec = importlib.util.spec_from_file_location(f"_shipped_{id(path)}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    if neighbours:
        sys.path.insert(0, str(path.parent))
        sys.modules.pop("routelab_router", None)  # another export's copy may be cached
    try:
        spec.loader.exec_module(module)
        return module
    finally:
        sys.modules.pop(spec.name, None)
        if neighbours:
            sys.path.remove(str(path.parent))
            sys.modules.pop("routelab_router", None)
