"""Showing text that came from files, logs or models: never as markup.

Streamlit renders markdown (links, emphasis, raw HTML escaped) and Plotly renders a small
HTML subset (<a href>, <b>, <br>) in labels and hovers, so anything we did not write is
escaped first: it then shows exactly as it was written and nothing in it can act.
"""

from __future__ import annotations

import html

_MARKDOWN = set("\\`*_{}[]()<>#+-.!|~$:")


def plain(text) -> str:
    """Text for st.markdown / captions / labels, shown literally (markdown escaped)."""
    return "".join("\\" + c if c in _MARKDOWN else c for c in str(text).replace("\x00", ""))


def svg(text) -> str:
    """Text for Plotly labels and hovers, shown literally (HTML escaped)."""
    return html.escape(str(text).replace("\x00", ""), quote=True)
