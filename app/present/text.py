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


SPAN_COLOURS = ("blue", "orange", "green", "violet")


def spans_markdown(spans, order: list[str]) -> str:
    """An answer written by several models (objects with .model and .text, in order) as
    markdown with each piece on the background colour of its model (`order`: the models
    in colour order); a line break inside a piece stays a line break."""
    pieces = []
    for span in spans:
        colour = SPAN_COLOURS[order.index(span.model) % len(SPAN_COLOURS)] \
            if span.model in order else "gray"
        lines = [f":{colour}-background[{plain(line)}]" if line.strip() else line
                 for line in span.text.split("\n")]
        pieces.append("  \n".join(lines))
    return "".join(pieces)
