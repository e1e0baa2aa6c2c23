"""The Label page: logged answers to judge, one query at a time."""

from __future__ import annotations

import zlib

import numpy as np
import streamlit as st

from app.present.text import plain
from app.routing.feedback import Vote, question_vector, record_vote, retract, vote_of
from app.store import datasets
from app.store.datasets import Dataset
from app.ui import background, profiling, resources, state
from app.ui.verbatim import verbatim

THUMBS, PAIR = "thumbs on each answer", "pick the better of two"


@st.fragment
@profiling.profiled_fragment("label-panel")
def labelling(dataset: Dataset, mode: str, how_many: int, hide: bool, session_id: str) -> None:
    """The query to label, its answers, the votes and the buttons. A fragment: a vote or a
    click reruns only this panel, not the page's controls, sidebar and navigation."""
    todo = queue(dataset, session_id)
    labelled = len(st.session_state.get(state.LABELLED, {}).get(dataset.name, []))
    st.progress(labelled / max(labelled + len(todo), 1),
                text=f"{labelled} labelled · {len(todo):,} to go in **{plain(dataset.name)}**")
    if not todo:
        st.success("Every query of this dataset is labelled in this session.")
        return
    query_id = todo[0]
    shown = answers(query_id, 2 if mode == PAIR else how_many, session_id)
    if mode == PAIR and len(shown) < 2:  # e.g. a traffic log: one answer per call
        st.caption("Only one answer is logged for this query, so there is no pair to pick "
                   "from: judge it with thumbs.")
        mode = THUMBS
    st.markdown("**Query**")
    verbatim(shown[0][2])
    embed_ahead(shown[0][2])
    judge(dataset, query_id, shown, mode, hide, session_id)
    next_buttons(dataset, query_id, shown, mode)


def embed_ahead(question: str) -> None:
    """Embed the shown question for the bandits on a worker thread while the user reads
    it: the vote then finds its vector cached. Otherwise a server's first vote loads the
    encoder (about 0.5 s; 5 s the first time on a machine) before it is stored."""
    store, book = resources.store(), resources.bandits()
    background.jobs().start(("bandit vector", book.encoder, question),
                            lambda report: question_vector(store, book, question))


def queue(dataset: Dataset, session_id: str) -> list[int]:
    """This session's order of the dataset's queries (seeded), labelled ones removed."""
    ids = datasets.query_ids(resources.store(), dataset.id)
    rng = np.random.default_rng(zlib.crc32(session_id.encode()))
    order = [ids[i] for i in rng.permutation(len(ids))]
    done = set(st.session_state.setdefault(state.LABELLED, {}).get(dataset.name, []))
    skipped = set(st.session_state.setdefault(state.SKIPPED, []))
    return [q for q in order if q not in done and q not in skipped]


def answers(query_id: int, how_many: int, seed: str) -> list[tuple[str, str, str]]:
    """(model, response, question) for up to `how_many` models, in a per-query shuffle."""
    rows = datasets.answers(resources.store(), query_id)
    rng = np.random.default_rng(zlib.crc32(f"{seed}|{query_id}".encode()))
    return [rows[i] for i in rng.permutation(len(rows))[:how_many]]


def vote(dataset: Dataset, query_id: int, judged: dict[str, float], question: str,
         session_id: str) -> list[int]:
    """Store one label: a reward per judged model (the question embedded once); the new
    event ids, undone together. It reads no session state, and its callers fetch what they
    note before calling it: Streamlit stops a run at its next session-state access once
    another click arrives (runner.fastReruns), callbacks included, and a run stopped after
    the write but before the note would leave a stored label the session does not count."""
    store, book = resources.store(), resources.bandits()  # no Streamlit call between writes
    x = question_vector(store, book, question)
    events = []
    for model, reward in judged.items():
        event = record_vote(store, book, Vote.label(
            session_id, model=model, question=question, reward=reward, query_id=query_id,
            dataset=dataset.name), x)
        if event:
            events.append(event)
    return events


def _labelled_ids(dataset: Dataset) -> list[int]:
    """This session's list of the dataset's labelled query ids (itself, to append to)."""
    return st.session_state.setdefault(state.LABELLED, {}).setdefault(dataset.name, [])


def finish(dataset: Dataset, query_id: int) -> None:
    """Mark a query labelled (once: a second click that lands while the first one's run is
    drawing fires the old query's callback again)."""
    done = _labelled_ids(dataset)
    if query_id not in done:
        done.append(query_id)


def undo(dataset: Dataset) -> None:
    """Retract this session's last label and put its query back in the queue. As in
    `pick_better`, every session-state access comes before the first write: a run stopped
    part-way leaves the label either whole or wholly undone."""
    history = st.session_state.get(state.LABEL_EVENTS, [])
    if not history:
        st.toast("Nothing to undo.")
        return
    done = _labelled_ids(dataset)
    store, book = resources.store(), resources.bandits()
    events = history[-1]
    judged = [vote_of(store, event) for event in events]
    for query_id, model in judged:
        for key in (state.label_sent(query_id, model), state.label_thumb(query_id, model)):
            st.session_state.pop(key, None)  # the answer can be judged again
    for event in events:
        retract(store, book, event)
    history.pop()
    for query_id in {query_id for query_id, _ in judged}:
        if query_id in done:
            done.remove(query_id)
    st.toast("Last label undone.")


def judge(dataset: Dataset, query_id: int, shown: list[tuple[str, str, str]], mode: str,
          hide: bool, session_id: str) -> None:
    """The answers side by side, each with thumbs (THUMBS) or a "better" button (PAIR)."""
    for i, (col, (model, response, question)) in enumerate(
            zip(st.columns(len(shown)), shown, strict=True)):
        with col:
            st.markdown(f"**{'Answer ' + chr(65 + i) if hide else plain(model)}**")
            verbatim(response, "(no response logged)")
            if mode == THUMBS:
                thumb = st.feedback("thumbs", key=state.label_thumb(query_id, model))
                sent = state.label_sent(query_id, model)
                if thumb is not None and not st.session_state.get(sent):
                    history = st.session_state.setdefault(state.LABEL_EVENTS, [])
                    events = vote(dataset, query_id, {model: float(thumb)}, question,
                                  session_id)
                    if events:  # none when a stopped run's vote was stored already
                        history.append(events)
                    st.session_state[sent] = True
            else:  # a callback, run before the script: the run that follows shows the
                # next pair at once, where st.rerun() would cost the server a second run
                st.button("This one is better", key=f"better_{query_id}_{i}",
                          on_click=pick_better, args=(dataset, query_id, shown, i, session_id))


def pick_better(dataset: Dataset, query_id: int, shown: list[tuple[str, str, str]], i: int,
                session_id: str) -> None:
    """The pair's label: 1 for answer i, 0 for the other; then the next query. Once per
    query: a repeated click on a pair already labelled does nothing. The session's lists
    are fetched before the write and appended to after it with no session-state access
    between (see `vote`), so a stop cannot fall between the write and the count."""
    done = _labelled_ids(dataset)
    history = st.session_state.setdefault(state.LABEL_EVENTS, [])
    if query_id in done:
        return
    events = vote(dataset, query_id, {m: float(i == j) for j, (m, _, _) in enumerate(shown)},
                  shown[i][2], session_id)
    if events:
        history.append(events)
    done.append(query_id)


def next_buttons(dataset: Dataset, query_id: int, shown: list[tuple[str, str, str]],
                 mode: str) -> None:
    """Next (once every answer is judged), Skip, and Undo the last label."""
    done_all = all(st.session_state.get(state.label_sent(query_id, m)) for m, _, _ in shown)
    a, b, c = st.columns(3)
    # callbacks, as for "better": one run per click
    a.button("Next", type="primary", disabled=mode == THUMBS and not done_all,
             on_click=finish, args=(dataset, query_id))
    b.button("Skip", on_click=skip, args=(query_id,))
    c.button("Undo last label", on_click=undo, args=(dataset,))


def skip(query_id: int) -> None:
    """Put a query aside for this session (once, however often the button fires)."""
    skipped = st.session_state.setdefault(state.SKIPPED, [])
    if query_id not in skipped:
        skipped.append(query_id)
