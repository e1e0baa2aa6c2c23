"""The Data page's two charts as Vega-Lite specs, for Streamlit's native chart element.

The Data page is where every visit starts. With a Plotly chart on it, each load also runs
Plotly's front end: the page took 1.89 s in Chromium with its two Plotly charts and 1.27 s
with these (bench/pages.py measures the same cost in its floor apps). Vega-Lite draws text
as text, never as markup, so names need no escaping; its tooltips escape HTML too. Every
other page's charts are Vega-Lite as well (present/compare_charts.py, learning_charts.py,
savings_out.py, preference_figures.py); only the Map keeps Plotly (lasso selection).
"""

from __future__ import annotations

import pandas as pd

from app.present.cost_scale import cost_scale
from app.present.heatmap import heatmap


def cost_quality(models: pd.DataFrame, oracle: dict) -> tuple[pd.DataFrame, dict]:
    """(points, spec): each priced model's mean cost and score, and the oracle's when its
    cost is known, on the Compare page's cost axis (present/cost_scale.py: log, or symlog
    when a model is free)."""
    priced = models.dropna(subset=["mean_cost_usd"])
    points = pd.DataFrame({"name": priced["model"].astype(str),
                           "cost": priced["mean_cost_usd"].astype(float),
                           "score": priced["mean_score"].astype(float), "kind": "model"})
    if not priced.empty and pd.notna(oracle.get("oracle_cost_usd")):
        points.loc[len(points)] = ["oracle", float(oracle["oracle_cost_usd"]),
                                   float(oracle["oracle_score"]), "oracle"]
    x = {"field": "cost", "type": "quantitative", "title": "Mean cost per query ($)",
         "scale": cost_scale(points["cost"], padding=30)}
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
    return heatmap(pivot, "mean score", domain=(0.0, 1.0))
