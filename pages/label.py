"""Label: judge logged answers; every label teaches the bandit."""

import streamlit as st

from app.ui.context import page_context
from app.ui.label_view import PAIR, THUMBS, labelling

ctx = page_context()
dataset = ctx.require_dataset()
if dataset.format == "pairwise":  # verdicts without the answers they judged
    st.info("This is a pairwise preference log: its battles are labels already, and it "
            "holds no answers to judge. Pick a log with answers in the sidebar; this log's "
            "Compare page ranks preference routers by win rate.", icon=":material/info:")
    st.stop()
# room for the mode control's two labels side by side (in thirds, the second was cut off)
left, middle, right = st.columns([2, 1, 1])
mode = left.segmented_control("How", [THUMBS, PAIR], default=THUMBS, key="label_mode",
                              required=True)
# three choices a click apart (a slider also cost the page about 5% of its load); as many
# as the log has models, up to four
choices = list(range(2, min(max(dataset.models, 2), 4) + 1))
how_many = middle.segmented_control("Answers shown", choices, default=min(3, choices[-1]),
                                    key="label_k", disabled=mode == PAIR, required=True)
hide = right.toggle("Hide model names", value=True, key="label_hide")
labelling(dataset, mode, how_many, hide, ctx.session_id)
