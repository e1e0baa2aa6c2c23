"""Vega-Lite charts inside a self-contained HTML file: the Vega libraries inlined once, each
chart's spec and data written into the page, nothing fetched when it opens.

The stakeholder report draws the same specs the Compare page gives Streamlit
(present/compare_charts.py). vl-convert ships Vega, Vega-Lite and vega-embed as one script.
"""

from __future__ import annotations

import functools
import html
import json

import pandas as pd
import vl_convert


@functools.cache
def vega_script() -> str:
    """A <script> element defining `vegaEmbed` (about 0.9 MB; built once a process, ~1 s)."""
    return f"<script type=\"text/javascript\">{vl_convert.javascript_bundle()}</script>"


def chart_html(data: pd.DataFrame, spec: dict, element_id: str, alt: str) -> str:
    """A <div> the chart is drawn into, as wide as the page, and the script that draws it.
    Needs `vega_script()` earlier in the page."""
    values = data.astype(object).where(data.notna(), None).to_dict("records")
    full = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json",
            "width": "container", **spec, "data": {"values": values}}
    return (f"<div id=\"{element_id}\" role=\"img\" aria-label=\"{html.escape(alt)}\" "
            f"style=\"width:100%\"></div>\n<script type=\"text/javascript\">vegaEmbed("
            f"\"#{element_id}\", {_script_json(full)}, {{\"actions\": false}});</script>")


def _script_json(value) -> str:
    """JSON that stays data inside a <script>: no '</script>' or '<!--' in a name can end
    or comment out the element."""
    text = json.dumps(value, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
