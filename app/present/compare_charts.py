"""The Compare page's charts as Vega-Lite specs, shared with the stakeholder report.

Streamlit draws them with its native chart element and the report with the same Vega
libraries inlined (present/report.py), so the page and the report show one chart. The
Compare page with two Plotly charts took 2.2 s to load in Chromium; Plotly's front end alone
costs a page about 0.7 s (bench/pages.py's floor apps). Vega draws names as text, never as
markup, so names need no escaping. Each function returns (data, spec).
"""

from __future__ import annotations

import pandas as pd

from app.present.bars import bars_along
from app.present.comparison_tables import badge
from app.present.cost_scale import cost_scale
from app.present.heatmap import heatmap
from app.routing.comparison import Comparison
from routers.evaluate import ndch

# Plotly's "Bold" qualitative palette, which the chart used before
ROUTER_COLOURS = ("#7f3c8d", "#11a579", "#3969ac", "#f2b701", "#e73f74", "#80ba5a",
                  "#e68310", "#008695", "#cf1c90", "#f97b72", "#a5aa99")
ZERO = "Zero router (model mixtures)"
LINE_STYLES = {"router": [1, 0], "not deployable": [2, 3], "random mixtures": [6, 4]}
HEIGHT = 480
STAR = ("M0,-1L0.24,-0.32L0.95,-0.31L0.38,0.12L0.59,0.81L0,0.4L-0.59,0.81L-0.38,0.12"
        "L-0.95,-0.31L-0.24,-0.32Z")  # an SVG path: Vega names no star among its shapes


def cost_quality(comparison: Comparison) -> tuple[pd.DataFrame, dict]:
    """Every router's sweep (faint points), hull (line, dotted when not deployable) and
    headline point beside the single models (diamonds), the oracle (star), random (cross)
    and the Zero router (dashed); in quality-only mode (no cost axis) the headline
    qualities as bars instead."""
    if not comparison.axis.has_cost:
        return quality_bars(comparison)
    points = _points(comparison)
    routers = [n + badge(c.deployable) for n, c in comparison.routers.items()]
    colours = [ROUTER_COLOURS[i % len(ROUTER_COLOURS)] for i in range(len(routers))]
    x, cost_format = _cost_encoding(comparison, points)
    y = {"field": "quality", "type": "quantitative", "title": "Mean quality",
         "scale": {"zero": False}}
    colour = {"field": "name", "type": "nominal", "title": None,
              "scale": {"domain": routers + [ZERO], "range": colours + ["#888"]},
              "legend": {"symbolOpacity": 1}}  # not the faint sweep's
    styles = [s for s in LINE_STYLES if s in set(points["style"])]
    tooltip = [{"field": "name", "title": "router"},
               {"field": "cost", "title": x["title"], "format": cost_format},
               {"field": "quality", "title": "quality", "format": ".3f"}]

    def only(*kinds: str) -> dict:
        return {"filter": {"field": "kind", "oneOf": list(kinds)}}

    return points, {
        "height": HEIGHT,
        "config": {"legend": {"orient": "bottom", "columns": 3, "labelLimit": 320}},
        "layer": [
            {"transform": [only("hull", "zero")], "mark": {"type": "line", "strokeWidth": 2.5},
             "encoding": {"x": x, "y": y, "color": colour, "detail": {"field": "name"},
                          "order": {"field": "order", "type": "quantitative"},
                          "strokeDash": {"field": "style", "type": "nominal", "title": "line",
                                         "scale": {"domain": styles,
                                                   "range": [LINE_STYLES[s] for s in styles]}}}},
            {"transform": [only("sweep")],
             "mark": {"type": "point", "filled": True, "size": 30, "opacity": 0.35},
             "encoding": {"x": x, "y": y, "color": colour,
                          "tooltip": tooltip}},
            {"transform": [only("headline")],
             "mark": {"type": "point", "filled": True, "size": 140, "opacity": 1,
                      "stroke": "white", "strokeWidth": 1.5},
             "encoding": {"x": x, "y": y, "color": colour,
                          "tooltip": [{**tooltip[0], "title": "headline of"}] + tooltip[1:]}},
            {"transform": [only("model")],
             "mark": {"type": "point", "shape": "diamond", "filled": True, "size": 110,
                      "color": "#333"},
             "encoding": {"x": x, "y": y, "tooltip": [{"field": "name", "title": "model"},
                                                      *tooltip[1:]]}},
            {"transform": [only("model")], "mark": {"type": "text", "dy": -13, "fontSize": 11},
             "encoding": {"x": x, "y": y, "text": {"field": "name"}}},
            {"transform": [only("oracle", "random")],
             "mark": {"type": "point", "filled": True, "size": 220, "color": "#d62728"},
             "encoding": {"x": x, "y": y,
                          "shape": {"field": "kind", "legend": None, "scale": {
                              "domain": ["oracle", "random"], "range": [STAR, "cross"]}},
                          "tooltip": [{"field": "name", "title": "reference"}, *tooltip[1:]]}},
            {"transform": [only("oracle", "random")],
             "mark": {"type": "text", "dy": 16, "fontSize": 11, "color": "#d62728"},
             "encoding": {"x": x, "y": y, "text": {"field": "name"}}}]}


def quality_bars(comparison: Comparison) -> tuple[pd.DataFrame, dict]:
    """Headline quality of every router and reference, best first (no cost axis)."""
    curves = {**comparison.routers, **comparison.references}
    names = sorted(curves, key=lambda n: -curves[n].headline_quality)
    bars = pd.DataFrame({
        "name": [n + badge(curves[n].deployable) for n in names],
        "quality": [float(curves[n].headline_quality) for n in names],
        "kind": ["router" if n in comparison.routers else "reference" if curves[
            n].deployable else "not deployable" for n in names]})
    spec, x, y = bars_along(
        bars, "name", "quality", "Mean quality (test split)", [0, 1.05],
        {"router": "#1f77b4", "reference": "#888", "not deployable": "#d62728"},
        [{"field": "name"}, {"field": "quality", "format": ".3f"}])
    spec["layer"].append({"mark": {"type": "text", "align": "left", "dx": 4},
                          "encoding": {"x": x, "y": y, "text": {
                              "field": "quality", "type": "quantitative", "format": ".3f"}}})
    return bars, spec


def slices_heatmap(comparison: Comparison) -> tuple[pd.DataFrame, dict]:
    """Quality per task (rows) of each router, single model and the oracle (columns, in
    that order), over 0-1; anything not deployable is marked in its column's name."""
    frame = pd.DataFrame(comparison.slices)
    names = list(comparison.routers) + list(comparison.models) + ["oracle"]
    if frame.empty:
        return heatmap(pd.DataFrame(), "quality", column="router or model", domain=(0.0, 1.0))
    pivot = frame[frame["name"].isin(names)].pivot_table(index="task", columns="name",
                                                         values="quality")
    pivot = pivot[[n for n in names if n in pivot.columns]]
    curves = {**comparison.references, **comparison.routers}
    pivot = pivot.rename(columns=lambda n: n + badge(curves[n].deployable) if n in curves
                         else n)  # the oracle and offline judges are marked here too
    return heatmap(pivot, "quality", column="router or model", domain=(0.0, 1.0))


def _points(comparison: Comparison) -> pd.DataFrame:
    """Every mark of the cost-quality chart, one row each: kind, name, cost, quality, the
    order along its line and the line's style."""
    rows = []

    def add(kind, name, costs, qualities, style=None):
        for i, (c, q) in enumerate(zip(costs, qualities, strict=True)):
            if pd.notna(c) and pd.notna(q):
                rows.append((kind, name, float(c), float(q), i, style))

    add("zero", ZERO, *comparison.zero, style="random mixtures")
    for raw, curve in comparison.routers.items():
        name = raw + badge(curve.deployable)
        add("sweep", name, curve.mean_cost, curve.mean_quality)
        add("hull", name, *ndch(curve.mean_cost, curve.mean_quality),
            style="router" if curve.deployable else "not deployable")
        add("headline", name, [curve.headline_cost], [curve.headline_quality])
    for model in comparison.models:
        ref = comparison.references[model]
        add("model", model, ref.mean_cost, ref.mean_quality)
    for kind in ("oracle", "random"):
        ref = comparison.references[kind]
        add(kind, kind + badge(ref.deployable), ref.mean_cost, ref.mean_quality)
    return pd.DataFrame(rows, columns=["kind", "name", "cost", "quality", "order", "style"])


def _cost_encoding(comparison: Comparison, points: pd.DataFrame) -> tuple[dict, str]:
    """(the x encoding, the cost's d3 format): share of strong calls in percent, or dollars
    per query on a log axis; when some cost is $0 (a free local model) a symlog axis keeps
    it in view."""
    axis = comparison.axis
    if axis.kind == "share":
        return {"field": "cost", "type": "quantitative", "title": axis.label,
                "axis": {"format": ".0%"},
                "scale": {"domain": [-0.03, 1.03], "nice": False}}, ".0%"
    return {"field": "cost", "type": "quantitative", "title": axis.label,
            "scale": cost_scale(points["cost"]),
            "axis": {"labelOverlap": "greedy", "tickCount": 8}}, \
        "$.6f"
