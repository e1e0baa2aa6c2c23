"""Text from logs and models shown exactly as written, in a light box.

st.text parses neither Markdown nor HTML and keeps line breaks, so nothing in a logged
prompt or answer can act. st.code would do the same, but its first use on a page loads
the syntax highlighter: about 0.75 s of the browser's time on every load of the Label
page (bench/pages.py), for text that is prose, not code.
"""

from __future__ import annotations

import streamlit as st


def verbatim(text: str, empty: str = "(empty)") -> None:
    """`text` in a bordered box, literally; `empty` when there is none."""
    with st.container(border=True):
        st.text(text or empty)
