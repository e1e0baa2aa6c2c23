"""The Label page: logged answers to judge, one query at a time."""

from __future__ import annotations

import zlib

import numpy as np
import streamlit as st

from app.routing.feedback import Vote, record_vote, retract
from app.ui import resources


def queue(dataset, session_id: str) -> list[int]:
    """This session's order of the dataset's queries (seeded), labelled ones removed."""
    ids = [q for (q,) in resources.store().rows(
        "SELECT query_id FROM queries WHERE dataset_id = ? ORDER BY query_id",
        [int(dataset["dataset_id"])])]
    rng = np.random.default_rng(zlib.crc32(session_id.encode()))
    order = [ids[i] for i in rng.permutation(len(ids))]
    done = set(st.session_state.setdefault("labelled", {}).get(dataset["name"], []))
    skipped = set(st.session_state.setdefault("skipped", []))
    return [q for q in order if q not in done and q not in skipped]


def answers(query_id: int, how_many: int, seed: str) -> list[tuple[str, str, str]]:
    """(model, response, question) for up to `how_many` models, in a per-query shuffle."""
    rows = resources.store().rows(
        "SELECT o.model, coalesce(o.response, ''), q.text FROM outcomes o JOIN queries q "
        "USING (query_id) WHERE query_id = ? ORDER BY o.model", [query_id])
    rng = np.random.default_rng(zlib.crc32(f"{seed}|{query_id}".encode()))
    return [rows[i] for i in rng.permutation(len(rows))[:how_many]]


def vote(dataset, query_id: int, judged: dict[str, float], question: str,
         session_id: str) -> None:
    """One label: a reward per judged model, undone together."""
    events = []
    for model, reward in judged.items():
        event = record_vote(resources.store(), resources.bandits(), Vote.label(
            session_id, model=model, question=question, reward=reward, query_id=query_id,
            dataset=dataset["name"]))
        if event:
            events.append(event)
    if events:
        st.session_state.setdefault("label_events", []).append(events)


def finish(dataset, query_id: int) -> None:
    st.session_state["labelled"].setdefault(dataset["name"], []).append(query_id)


def undo(dataset) -> None:
    """Retract this session's last label and put its query back in the queue."""
    history = st.session_state.get("label_events", [])
    if not history:
        st.toast("Nothing to undo.")
        return
    for event in history.pop():
        query_id, model = resources.store().rows(
            "SELECT query_id, model FROM feedback WHERE event_id = ?", [event])[0]
        retract(resources.store(), resources.bandits(), event)
        for key in (f"sent_{query_id}_{model}", f"label_{query_id}_{model}"):
            st.session_state.pop(key, None)  # the answer can be judged again
        done = st.session_state["labelled"].get(dataset["name"], [])
        if query_id in done:
            done.remove(query_id)
    st.toast("Last label undone.")
