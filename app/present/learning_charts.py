"""The Learning page's charts as Vega-Lite specs, for Streamlit's native chart element.

As on the Data page (present/data_charts.py), a page with no Plotly chart on it skips
Plotly's front end on every load. Each function returns (data, spec) for
`st.vega_lite_chart`; names are drawn as text by Vega, never as markup.
"""

from __future__ import annotations

import pandas as pd

HEIGHT = 320


def posterior(post: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Each model's predicted reward (bars, best first) with ± one posterior std (rules)."""
    bars = post.sort_values("mean", ascending=False)[["model", "mean", "std"]].copy()
    bars["model"] = bars["model"].astype(str)
    bars["low"], bars["high"] = bars["mean"] - bars["std"], bars["mean"] + bars["std"]
    x = {"field": "model", "type": "nominal", "title": None, "sort": bars["model"].tolist(),
         "axis": {"labelAngle": -30, "labelOverlap": False}}
    return bars, {
        "height": HEIGHT,
        "layer": [
            {"mark": {"type": "bar", "color": "#3b5bdb"},
             "encoding": {"x": x, "y": {"field": "mean", "type": "quantitative",
                                        "title": "predicted reward (± posterior std)"},
                          "tooltip": [{"field": "model"},
                                      {"field": "mean", "title": "predicted reward",
                                       "format": ".3f"},
                                      {"field": "std", "title": "posterior std",
                                       "format": ".3f"}]}},
            {"mark": {"type": "rule", "strokeWidth": 2},
             "encoding": {"x": x, "y": {"field": "low", "type": "quantitative"},
                          "y2": {"field": "high"}}}]}


def rewards(log: pd.DataFrame, window: int = 20) -> tuple[pd.DataFrame, dict]:
    """Reward over the votes (rolling mean of `window`) and, where the oracle's reward is
    known, the cumulative regret against it on a second axis."""
    reward_name = f"reward (rolling mean of {window})"
    steps = pd.DataFrame({"step": log["step"],
                          "reward": log["reward"].rolling(window, min_periods=1).mean()})
    layers = [{"mark": "line",
               "encoding": {"x": {"field": "step", "type": "quantitative", "title": "vote"},
                            "y": {"field": "reward", "type": "quantitative",
                                  "title": "reward"},
                            "color": {"datum": reward_name}}}]
    if log["oracle"].notna().any():
        known = log["oracle"].notna()
        steps.loc[known, "regret"] = (log.loc[known, "oracle"]
                                      - log.loc[known, "reward"]).cumsum()
        layers.append({"mark": "line",
                       "encoding": {"x": {"field": "step", "type": "quantitative"},
                                    "y": {"field": "regret", "type": "quantitative",
                                          "title": "cumulative regret"},
                                    "color": {"datum": "cumulative regret vs oracle"}}})
    spec = {"height": HEIGHT, "layer": layers,
            "config": {"legend": {"orient": "bottom", "title": None}}}
    if len(layers) > 1:
        spec["resolve"] = {"scale": {"y": "independent"}}  # regret on its own axis
    return steps, spec


def what_if(curve: pd.Series, label: str, best_single: float,
            oracle: float) -> tuple[pd.DataFrame, dict]:
    """A simulated bandit's rolling reward over the votes, beside the best single model's
    and the oracle's mean reward (dashed and dotted lines, named)."""
    points = pd.DataFrame({"vote": range(len(curve)), "reward": curve.to_numpy()})
    layers = [{"mark": "line",
               "encoding": {"x": {"field": "vote", "type": "quantitative", "title": "vote"},
                            "y": {"field": "reward", "type": "quantitative",
                                  "title": "reward"},
                            "color": {"datum": label}}}]
    once = {"values": [{}]}  # one line and one name, not one per vote of the curve's data
    for name, value, dash in (("best single model", best_single, [6, 4]),
                              ("oracle", oracle, [2, 3])):
        layers += [{"data": once, "mark": {"type": "rule", "strokeDash": dash, "color": "#555"},
                    "encoding": {"y": {"datum": float(value)}}},
                   {"data": once,
                    "mark": {"type": "text", "align": "right", "dy": -7, "color": "#555"},
                    "encoding": {"y": {"datum": float(value)}, "x": {"value": "width"},
                                 "text": {"value": name}}}]
    return points, {"height": HEIGHT, "layer": layers,
                    "config": {"legend": {"orient": "bottom", "title": None}}}
