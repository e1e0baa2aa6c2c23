"""The Data page's two charts as Vega-Lite specs, for Streamlit's native chart element.

The Data page is where every visit starts. With a Plotly chart on it, each load also runs
Plotly's front end: the page took 1.89 s in Chromium with its two Plotly charts and 1.27 s
with these (bench/pages.py measures the same cost in its floor apps). Vega-Lite draws text
as text, never as markup, so names need no escaping; its tooltips escape HTML too. The Map
and the Compare page keep Plotly (lasso selection; the report's interactive charts); the
Learning page draws with Vega-Lite as well (present/learning_charts.py).
"""

from __future__ import annotations

import pandas as pd

HEATMAP_ROW = 30  # pixels per task row


def cost_quality(models: pd.DataFrame, oracle: dict) -> tuple[pd.DataFrame, dict]:
    """(points, spec): each priced model's mean cost and score, and the oracle's when its
    cost is known and above 0; a log cost axis when every model's cost is above 0."""
    priced = models.dropna(subset=["mean_cost_usd"])
    points = pd.DataFrame({"name": priced["model"].astype(str),
                           "cost": priced["mean_cost_usd"].astype(float),
                           "score": priced["mean_score"].astype(float), "kind": "model"})
    if oracle.get("oracle_cost_usd") and oracle["oracle_cost_usd"] > 0:
        points.loc[len(points)] = ["oracle", float(oracle["oracle_cost_usd"]),
                                   float(oracle["oracle_score"]), "oracle"]
    log = not priced.empty and bool((priced["mean_cost_usd"] > 0).all())
    # the points' own range, not rounded out to powers of ten (which bunches them up)
    x = {"field": "cost", "type": "quantitative", "title": "Mean cost per query ($)",
         "scale": {"type": "log", "nice": False, "padding": 30} if log else {}}
    y = {"field": "score", "type": "quantitative", "title": "Mean score",
         "scale": {"zero": False}}
    return points, {
        "title": "Cost vs quality", "height": 380,
        "layer": [
            {"mark": {"type": "point", "filled": True, "size": 90},
             "encoding": {"x": x, "y": y,
                          "shape": {"field": "kind", "legend": None, "scale": {
                              "domain": ["model", "oracle"], "range": ["circle", "diamond"]}},
                          "tooltip": [{"field": "name", "title": "model"},
                                      {"field": "cost", "title": "mean cost", "format": "$.6f"},
                                      {"field": "score", "title": "mean score",
                                       "format": ".3f"}]}},
            {"mark": {"type": "text", "dy": -12, "fontSize": 10},
             "encoding": {"x": x, "y": y, "text": {"field": "name"}}}]}


def score_heatmap(pivot: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """(cells, spec): mean score per task (rows, in the pivot's order) and model (columns
    along the top, in its order), each cell labelled, coloured red to green over 0-1; a
    task a model never answered is left blank."""
    cells = (pivot.rename_axis(index="task", columns="model").stack().dropna()
             .rename("score").reset_index())
    cells[["task", "model"]] = cells[["task", "model"]].astype(str)
    x = {"field": "model", "type": "nominal", "title": None,
         "sort": [str(c) for c in pivot.columns],
         "axis": {"orient": "top", "labelAngle": -30, "labelOverlap": False,
                  "labelLimit": 160}}
    y = {"field": "task", "type": "nominal", "title": None,
         "sort": [str(r) for r in pivot.index], "axis": {"labelLimit": 200}}
    return cells, {
        "height": max(140, HEATMAP_ROW * len(pivot)),
        "layer": [
            {"mark": "rect",
             "encoding": {"x": x, "y": y,
                          "color": {"field": "score", "type": "quantitative",
                                    "title": "mean score",
                                    "scale": {"scheme": "redyellowgreen", "domain": [0, 1]}},
                          "tooltip": [{"field": "task"}, {"field": "model"},
                                      {"field": "score", "title": "mean score",
                                       "format": ".3f"}]}},
            {"mark": {"type": "text", "fontSize": 11},
             "encoding": {"x": x, "y": y,
                          "text": {"field": "score", "type": "quantitative", "format": ".2f"},
                          # light text on the scale's dark ends
                          "color": {"condition": {"test": "datum.score < 0.15 || "
                                                          "datum.score > 0.85",
                                                  "value": "white"}, "value": "black"}}}]}
