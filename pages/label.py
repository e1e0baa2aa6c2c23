"""Label: judge logged answers; every label teaches the bandit."""

import uuid

import streamlit as st

from app.present.text import plain
from app.ui import resources
from app.ui.label_view import answers, finish, queue, undo, vote
from app.ui.sidebar import current

st.title("Label")
session_id = st.session_state.setdefault("session_id", uuid.uuid4().hex)
dataset = current(resources.store())
if dataset is None:
    st.info("No datasets yet: import one on the Data page.")
    st.stop()
left, middle, right = st.columns(3)
mode = left.segmented_control("How", ["thumbs on each answer", "pick the better of two"],
                              default="thumbs on each answer", key="label_mode", required=True)
how_many = middle.slider("Answers shown", 2, 4, 3, key="label_k",
                         disabled=mode == "pick the better of two")
hide = right.toggle("Hide model names", value=True, key="label_hide")
todo = queue(dataset, session_id)
labelled = len(st.session_state.get("labelled", {}).get(dataset["name"], []))
st.progress(labelled / max(labelled + len(todo), 1),
            text=f"{labelled} labelled · {len(todo):,} to go in **{plain(dataset['name'])}**")
if not todo:
    st.success("Every query of this dataset is labelled in this session.")
    st.stop()
query_id = todo[0]
shown = answers(query_id, 2 if mode == "pick the better of two" else how_many, session_id)
st.markdown("**Query**")
st.code(shown[0][2], language=None, wrap_lines=True)
cols = st.columns(len(shown))
for i, (col, (model, response, question)) in enumerate(zip(cols, shown, strict=True)):
    with col:
        st.markdown(f"**{'Answer ' + chr(65 + i) if hide else plain(model)}**")
        st.code(response or "(no response logged)", language=None, wrap_lines=True)
        if mode == "thumbs on each answer":
            thumb = st.feedback("thumbs", key=f"label_{query_id}_{model}")
            if thumb is not None and not st.session_state.get(f"sent_{query_id}_{model}"):
                vote(dataset, query_id, {model: float(thumb)}, question, session_id)
                st.session_state[f"sent_{query_id}_{model}"] = True
        elif st.button("This one is better", key=f"better_{query_id}_{i}"):
            vote(dataset, query_id, {m: float(i == j) for j, (m, _, _) in enumerate(shown)},
                 question, session_id)
            finish(dataset, query_id)
            st.rerun()
done_all = all(st.session_state.get(f"sent_{query_id}_{m}") for m, _, _ in shown)
a, b, c = st.columns(3)
if a.button("Next", type="primary", disabled=mode == "thumbs on each answer" and not done_all):
    finish(dataset, query_id)
    st.rerun()
if b.button("Skip"):
    st.session_state.setdefault("skipped", []).append(query_id)
    st.rerun()
if c.button("Undo last label"):
    undo(dataset)
    st.rerun()
