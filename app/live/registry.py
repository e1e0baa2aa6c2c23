"""The live routers by name, built from a saved config's params."""

from __future__ import annotations

from app.live.base import LiveRouter, OnStep
from app.live.cascade import LiveCascade
from app.live.consistency import SelfConsistencyRouter
from app.live.llm_router import LLMAsRouter
from app.live.refine import MultiCandidateRefine
from app.pool import ModelSpec

LIVE_ROUTERS: dict[str, type[LiveRouter]] = {cls.name: cls for cls in (
    LiveCascade, SelfConsistencyRouter, LLMAsRouter, MultiCandidateRefine)}


def build_live(kind: str, params: dict, pool: dict[str, ModelSpec],
               on_step: OnStep | None = None, **extra) -> LiveRouter:
    return LIVE_ROUTERS[kind](pool, on_step, **params, **extra)


def live_param_specs(kind: str) -> list:
    """The keyword parameters of a live router, described like a router's (for the form)."""
    import inspect

    from routers.base import Param, _kind_of

    specs = []
    for p in inspect.signature(LIVE_ROUTERS[kind].__init__).parameters.values():
        if p.kind is p.KEYWORD_ONLY and p.name not in ("embed", "descriptors", "prompt"):
            default = p.default if p.default is not None else []
            specs.append(Param(p.name, default, "json" if isinstance(default, list)
                               else _kind_of(default)))
    return specs
