"""The playground's service side: routers choose, calls stream in the background.

Each router picks a model for the prompt (among the pool's models); identical choices share
one call. Calls run on a small thread pool and stream into `CallSlot`s that the page's
column fragments read, so a slow or failing model never holds up the others.
"""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from app.models import llm
from app.models.pool import ModelSpec
from app.store.db import Store
from routers import Queries, Router

_EXECUTOR = ThreadPoolExecutor(max_workers=4, thread_name_prefix="playground")


@dataclass
class CallSlot:
    """One model call, streamed: pieces so far, then the finished Call."""

    model: str
    pieces: list[str] = field(default_factory=list)
    call: llm.Call | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def text(self) -> str:
        return self.call.text if self.call else "".join(self.pieces)


@dataclass
class LiveSlot:
    """A live router's run, streamed step by step."""

    steps: list = field(default_factory=list)
    result: object | None = None
    done: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Plan:
    router: str
    model: str | None
    scores: dict[str, float]
    propensity: float
    problem: str | None = None   # why this column cannot call a model
    live: tuple[str, str] | None = None  # (kind, params JSON) of a live router


@dataclass
class Round:
    round_id: str
    prompt: str
    plans: list[Plan]
    slots: dict[str, CallSlot]
    live: dict[int, LiveSlot] = field(default_factory=dict)


def live_plan(router_name: str, kind: str, params: dict) -> Plan:
    return Plan(router_name, None, {}, 1.0, live=(kind, json.dumps(params)))


def plan(router_name: str, router: Router, query: Queries, pool: dict[str, ModelSpec]) -> Plan:
    """The router's choice among the models it knows that the pool can call."""
    callable_models = [m for m in router.models_ if m in pool]
    if not callable_models:
        return Plan(router_name, None, {}, 0.0, f"none of {router_name}'s models "
                    f"({', '.join(router.models_[:4])}) are in the model pool")
    scores = router.score(query)[0]
    usable = np.array([m in pool for m in router.models_])
    choice = int(router.choose(np.where(usable, scores, -np.inf)[None, :])[0])
    return Plan(router_name, router.models_[choice],
                {m: float(s) for m, s in zip(router.models_, scores, strict=True)},
                router.propensity(query, choice, usable))


def start_round(store: Store, prompt: str, plans: list[Plan], pool: dict[str, ModelSpec],
                verifier: dict | None = None) -> Round:
    """Start one streamed call per distinct chosen model, and each live router; return
    what the page renders."""
    slots: dict[str, CallSlot] = {}
    live: dict[int, LiveSlot] = {}
    for index, p in enumerate(plans):
        if p.live:
            live[index] = LiveSlot()
            _EXECUTOR.submit(_run_live, store, p, prompt, pool, verifier, live[index])
        elif p.model and p.model not in slots:
            slots[p.model] = CallSlot(p.model)
            routers = [q.router for q in plans if q.model == p.model]
            _EXECUTOR.submit(_stream, store, pool[p.model], prompt, slots[p.model], routers)
    return Round(uuid.uuid4().hex[:12], prompt, plans, slots, live)


def _run_live(store: Store, plan_: Plan, prompt: str, pool: dict[str, ModelSpec],
              verifier: dict | None, slot: LiveSlot) -> None:
    from app.routing import catalog
    from app.routing.live.base import LiveResult

    kind, params = plan_.live
    try:
        given = json.loads(params)
        entry = catalog.kind(kind)
        router = entry.build(given, pool, slot.steps.append,
                             **entry.cls.resources(store, given))
        slot.result = router.run(prompt, verifier)
    except Exception as exc:  # a broken live router fails in its own column only
        slot.result = LiveResult(error=f"{plan_.router}: {type(exc).__name__}: {exc}")
    finally:
        slot.done.set()
    for step in slot.result.steps:
        if step.model and step.response_id:
            _log(store, llm.Call(step.model, text=step.text, latency_ms=step.latency_ms,
                                 tokens_in=step.tokens_in, tokens_out=step.tokens_out,
                                 cost_usd=step.cost_usd, response_id=step.response_id,
                                 error=llm.CallError("call", step.text)
                                 if step.kind == "error" else None), prompt, [plan_.router])


def _stream(store: Store, spec: ModelSpec, prompt: str, slot: CallSlot,
            routers: list[str]) -> None:
    try:
        for event in llm.stream(spec, prompt):
            if isinstance(event, llm.Call):
                slot.call = event
            else:
                slot.pieces.append(event)
    except Exception as exc:  # never let a column hang: report whatever went wrong
        slot.call = llm.Call(spec.name, text="".join(slot.pieces),
                             error=llm.CallError("unknown", f"{spec.name}: {exc}"))
    finally:
        slot.done.set()
    _log(store, slot.call, prompt, routers)


def _log(store: Store, call: llm.Call, prompt: str, routers: list[str]) -> None:
    store.write(lambda cur: cur.execute(
        """INSERT INTO live_calls (response_id, source, router, model, prompt, response,
                                   latency_ms, tokens_in, tokens_out, cost_usd, error_kind,
                                   error) VALUES (?, 'playground', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT DO NOTHING""",
        [call.response_id, ", ".join(routers), call.model, prompt, call.text, call.latency_ms,
         call.tokens_in, call.tokens_out, call.cost_usd,
         call.error.kind if call.error else None, call.error.message if call.error else None]))
