"""The Playground's columns: one parallel fragment per router, streaming its answer."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from app.models import secrets
from app.models.pool import ModelSpec
from app.present.text import SPAN_COLOURS, plain, spans_markdown
from app.routing import catalog
from app.routing.configs import RouterConfig, RouterProblem
from app.routing.feedback import Vote, record_vote
from app.routing.playground import Plan, Round, live_plan, start_round
from app.routing.playground import plan as plan_for
from app.ui import resources, state
from app.ui.context import PageContext
from app.ui.router_choice import load_router

POLL = 0.05


def columns(round_: Round, blind: bool, session_id: str) -> None:
    for index, column in enumerate(st.columns(len(round_.plans))):
        with column:
            answer_column(round_.round_id, index, blind, session_id)



def _plan(config: RouterConfig, ctx: PageContext, text: str, usable: list[str], pool) -> Plan:
    """A live router's plan, a saved router that decides with live calls as its live form
    (a learned-judge cascade calls and judges live), else the router's choice."""
    if catalog.is_live(config.kind):
        return live_plan(config.name, config.kind, config.params)
    live = catalog.kind(config.kind).live_form(config.name) \
        if config.kind in catalog.CATALOG else None
    if live:
        return live_plan(config.name, *live)
    try:
        router = load_router(config, ctx.dataset, usable)
    except RouterProblem as exc:  # e.g. a battle log: said in its own column, not the page's
        return Plan(config.name, None, {}, 0.0, str(exc))
    return plan_for(config.name, router, resources.as_queries((text,), config.encoder), pool)


def send(ctx: PageContext, prompt: str, configs: list[RouterConfig], pool: dict[str, ModelSpec],
         demo: dict[str, dict]) -> None:
    """Plan every chosen router for the prompt and start the round (answers stream in)."""
    text = prompt.strip()
    if not 2 <= len(configs) <= 4 or not text:
        st.warning("Pick two to four routers and write a prompt.")
        return
    usable = [n for n, spec in pool.items()
              if not spec.hidden and secrets.where(spec.key_env()) != "missing"]
    plans = [_plan(c, ctx, text, usable, pool) for c in configs]
    verifier = demo.get(text, {}).get("verifier")
    st.session_state[state.PLAYGROUND_ROUND] = start_round(ctx.store, text, plans, pool,
                                                           verifier)
    if verifier:
        st.caption(f"This is a demo prompt: a live cascade uses its {verifier['type']} "
                   "check against the reference answer as its judge (a reference-answer judge, "
                   "an upper bound, marked not deployable).")

@st.fragment(parallel=True)
def answer_column(round_id: str, index: int, blind: bool, session_id: str) -> None:
    """Header, the streamed answer, its numbers, and the thumbs for one router."""
    round_ = st.session_state.get(state.PLAYGROUND_ROUND)
    if round_ is None or round_.round_id != round_id:
        return
    plan = round_.plans[index]
    voted = st.session_state.get(state.voted(round_id, index))
    reveal = not blind or voted is not None
    st.markdown(f"**{plain(plan.router) if reveal else f'Router {chr(65 + index)}'}**")
    if plan.live:
        live_column(round_, index, blind, session_id)
        return
    if plan.problem:
        st.error(plain(plan.problem), icon=":material/block:")
        return
    st.caption(f"chose **{plain(plan.model)}**" if reveal
               else "chose a model (hidden until you vote)")
    if reveal:
        _why(plan)
    slot = round_.slots[plan.model]
    body = st.empty()
    while not slot.done.is_set():  # stream: show what has arrived so far
        body.code(slot.text + " ▌", language=None, wrap_lines=True)
        time.sleep(POLL)
    call = slot.call
    if call.error:
        body.empty()
        st.error(plain(call.error.message), icon=":material/error:")
        return
    body.code(call.text or "(empty answer)", language=None, wrap_lines=True)
    cost = f"${call.cost_usd:.6f}" if call.cost_usd is not None else "cost unknown"
    st.caption(f"{call.latency_ms:,.0f} ms · {call.tokens_in} → {call.tokens_out} tokens · "
               f"{cost}")
    _thumbs(round_, index, plan, call, session_id)


def _why(plan: Plan) -> None:
    scores = pd.Series(plan.scores, name="score").sort_values(ascending=False)
    with st.expander("Why this model (the router's scores)"):
        st.bar_chart(scores, horizontal=True, height=max(120, 28 * len(scores)))
        if plan.propensity < 1:
            st.caption(f"It picks this model {plan.propensity:.0%} of the time (it samples).")


def _thumbs(round_: Round, index: int, plan: Plan, call, session_id: str) -> None:
    key = state.voted(round_.round_id, index)
    same = [i for i, p in enumerate(round_.plans) if p.model == plan.model and i != index]
    if any(st.session_state.get(state.voted(round_.round_id, i)) is not None for i in same):
        st.caption("Same answer as another column: your vote there counts for both.")
        return
    choice = st.feedback("thumbs", key=state.thumbs(round_.round_id, index),
                         disabled=st.session_state.get(key) is not None)
    if choice is None or st.session_state.get(key) is not None:
        return
    vote = Vote.playground(session_id, model=plan.model, prompt=round_.prompt, reward=choice,
                           response_id=call.response_id, router=plan.router,
                           propensity=plan.propensity)
    event = record_vote(resources.store(), resources.bandits(), vote)
    st.session_state[key] = event
    st.toast("Vote saved; the bandit has learned from it." if event else
             "This answer was already rated in this session.", icon=":material/thumb_up:")
    st.rerun(scope="fragment")


def live_column(round_: Round, index: int, blind: bool, session_id: str) -> None:
    """A live router's column: its steps as they happen, then the answer and the totals."""
    plan = round_.plans[index]
    slot = round_.live[index]
    voted = st.session_state.get(state.voted(round_.round_id, index))
    reveal = not blind or voted is not None
    steps_box = st.empty()
    while not slot.done.is_set():
        with steps_box.container():
            _steps(slot.steps, reveal)
        time.sleep(POLL)
    result = slot.result
    with steps_box.container():
        _steps(result.steps, reveal)
    if result.error and not result.answer:
        st.error(plain(result.error), icon=":material/error:")
        return
    st.code(result.answer or "(empty answer)", language=None, wrap_lines=True)
    if result.spans and reveal:
        _spans(result.spans)
    st.caption(f"{result.calls} calls · ${result.cost_usd:.6f} in all · "
               f"{result.latency_ms:,.0f} ms of model time"
               + (f" · answer from {plain(result.model)}" if reveal else ""))
    if result.not_deployable and reveal:
        st.warning(f"Not deployable: {plain(result.not_deployable)}. An upper bound, not "
                   "what this router does on a new prompt.", icon=":material/science:")
    key = state.voted(round_.round_id, index)
    choice = st.feedback("thumbs", key=state.thumbs(round_.round_id, index),
                         disabled=voted is not None)
    if choice is None or voted is not None:
        return
    final = next((s.response_id for s in reversed(result.steps)
                  if s.model == result.model and s.response_id), round_.round_id)
    vote = Vote.playground(session_id, model=result.model or "unknown", prompt=round_.prompt,
                           reward=choice, response_id=final, router=plan.router)
    st.session_state[key] = record_vote(resources.store(), resources.bandits(), vote)
    st.toast("Vote saved; the bandit has learned from it.", icon=":material/thumb_up:")
    st.rerun(scope="fragment")


def _spans(spans) -> None:
    """Who wrote which part of the answer (token-level routers), coloured by model."""
    order = sorted({s.model for s in spans})  # the same colour for a model in every answer
    st.markdown(spans_markdown(spans, order))
    tokens = {m: sum(s.tokens for s in spans if s.model == m) for m in order}
    total = sum(tokens.values()) or 1
    st.caption(" · ".join(f"{SPAN_COLOURS[i % len(SPAN_COLOURS)]}: {plain(m)}, "
                          f"{n} tokens ({n / total:.0%})" for i, (m, n) in
                          enumerate(tokens.items())))


def _steps(steps, reveal: bool) -> None:
    icons = {"call": "💬", "judge": "⚖️", "decision": "➡️", "fallback": "↩️", "error": "⚠️"}
    for step in steps:
        who = f"**{plain(step.model)}** " if reveal and step.model else ""
        cost = f" (${step.cost_usd:.6f}, {step.latency_ms:,.0f} ms)" if step.cost_usd else ""
        text = " ".join(step.text.split())[:160]
        st.markdown(f"{icons.get(step.kind, '•')} {who}{plain(text)}{cost}")
