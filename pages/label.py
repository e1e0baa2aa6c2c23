"""Label: judge logged answers; every label teaches the bandit."""

import streamlit as st

from app.present.text import plain
from app.ui import state
from app.ui.context import page_context
from app.ui.label_view import PAIR, THUMBS, answers, judge, next_buttons, queue
from app.ui.verbatim import verbatim

ctx = page_context()
dataset = ctx.require_dataset()
left, middle, right = st.columns(3)
mode = left.segmented_control("How", [THUMBS, PAIR], default=THUMBS, key="label_mode",
                              required=True)
how_many = middle.slider("Answers shown", 2, 4, 3, key="label_k", disabled=mode == PAIR)
hide = right.toggle("Hide model names", value=True, key="label_hide")
todo = queue(dataset, ctx.session_id)
labelled = len(st.session_state.get(state.LABELLED, {}).get(dataset.name, []))
st.progress(labelled / max(labelled + len(todo), 1),
            text=f"{labelled} labelled · {len(todo):,} to go in **{plain(dataset.name)}**")
if not todo:
    st.success("Every query of this dataset is labelled in this session.")
    st.stop()
query_id = todo[0]
shown = answers(query_id, 2 if mode == PAIR else how_many, ctx.session_id)
if mode == PAIR and len(shown) < 2:  # e.g. a traffic log: one answer per call
    st.caption("Only one answer is logged for this query, so there is no pair to pick from: "
               "judge it with thumbs.")
    mode = THUMBS
st.markdown("**Query**")
verbatim(shown[0][2])
judge(dataset, query_id, shown, mode, hide, ctx.session_id)
next_buttons(dataset, query_id, shown, mode)
