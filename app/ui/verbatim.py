"""Text from logs and models shown exactly as written.

Both st.text and st.code parse neither Markdown nor HTML, so nothing in a logged prompt or
answer can act. st.code's first use on a page loads the syntax highlighter: about 0.75 s
of the browser's time on every load of the Label page (bench/pages.py). So prose goes in
st.text, in a light box; text with indented lines (code, tables, poems) keeps its columns
in st.code, which is monospaced.
"""

from __future__ import annotations

import re

import streamlit as st

_INDENTED = re.compile(r"^(?: {2,}|\t)\S", re.MULTILINE)


def verbatim(text: str, empty: str = "(empty)") -> None:
    """`text` shown literally: monospaced if a line is indented, else in a bordered box;
    `empty` when there is none."""
    text = text or empty
    if _INDENTED.search(text):
        st.code(text, language=None, wrap_lines=True)
        return
    with st.container(border=True):
        st.text(text)
