"""The shared shape of live routers: steps as they happen, one result at the end."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from app.models import llm
from app.models.pool import ModelSpec
from routers.base import Param, kind_of


@dataclass(frozen=True)
class Step:
    """One thing a live router did: a model call, a judgement, a decision or a fallback."""

    kind: str                      # call | judge | decision | fallback | error
    text: str
    model: str | None = None
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    tokens_in: int | None = None
    tokens_out: int | None = None
    response_id: str | None = None


@dataclass
class LiveResult:
    answer: str = ""
    model: str | None = None       # who wrote the final answer
    steps: list[Step] = field(default_factory=list)
    error: str | None = None
    started: float = field(default_factory=time.perf_counter)
    wall_ms: float = 0.0
    # why no deployment could do this (it read the prompt's reference answer), or None
    not_deployable: str | None = None
    # token-level routers: the answer as consecutive pieces, each with the model that
    # wrote it (objects with .model, .text and .tokens)
    spans: list = field(default_factory=list)

    @property
    def cost_usd(self) -> float:
        return sum(s.cost_usd for s in self.steps)

    @property
    def latency_ms(self) -> float:
        """Model time summed over every call (what a sequential deployment would wait)."""
        return sum(s.latency_ms for s in self.steps)

    @property
    def calls(self) -> int:
        return sum(1 for s in self.steps if s.kind in ("call", "judge") and s.model)

    def finish(self) -> LiveResult:
        self.wall_ms = (time.perf_counter() - self.started) * 1000
        return self


OnStep = Callable[[Step], None]


class LiveRouter:
    """Base class: `run(prompt)` makes calls through llm.complete and records each step."""

    name = "live"
    title = "Live router"
    model_params: ClassVar[tuple[str, ...]] = ()  # parameters that name a model of the pool

    def __init__(self, pool: dict[str, ModelSpec], on_step: OnStep | None = None):
        self.pool = pool
        self.on_step = on_step or (lambda step: None)

    @classmethod
    def param_specs(cls) -> list[Param]:
        """The keyword parameters, described like a router's (for the generated form);
        the ones the app passes itself (embed, descriptors, prompt) are left out."""
        specs = []
        for p in inspect.signature(cls.__init__).parameters.values():
            if p.kind is p.KEYWORD_ONLY and p.name not in ("embed", "descriptors", "prompt",
                                                           "learned", "continuation"):
                default = p.default if p.default is not None else []
                specs.append(Param(p.name, default, "json" if isinstance(default, list)
                                   else kind_of(default)))
        return specs

    @classmethod
    def resources(cls, store, params: dict) -> dict:
        """What the app must hand this router besides its parameters (e.g. a fitted learned
        judge); keyword arguments of `__init__` that the settings form leaves out."""
        return {}

    def call(self, result: LiveResult, model: str, prompt: str, *, kind: str = "call",
             temperature: float | None = None, seed: int | None = None,
             max_tokens: int | None = None) -> llm.Call:
        """Ask one model, record the step (or the error step), and return the call."""
        spec = self.pool[model]
        if max_tokens:
            spec = ModelSpec(**{**spec.__dict__, "max_tokens": max_tokens})
        call = llm.complete(spec, prompt, temperature=temperature, seed=seed)
        if call.ok:
            self.record(result, Step(kind, call.text, model, call.cost_usd or 0.0,
                                     call.latency_ms, call.tokens_in, call.tokens_out,
                                     call.response_id))
        else:
            self.record(result, Step("error", call.error.message, model, 0.0,
                                     call.latency_ms, response_id=call.response_id))
        return call

    def record(self, result: LiveResult, step: Step) -> None:
        result.steps.append(step)
        self.on_step(step)

    def run(self, prompt: str, verifier: dict | None = None) -> LiveResult:
        raise NotImplementedError

    def missing(self, models: list[str]) -> str | None:
        unknown = [m for m in models if m not in self.pool]
        return f"not in the model pool: {', '.join(unknown)}" if unknown else None
