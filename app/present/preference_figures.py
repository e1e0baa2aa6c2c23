"""The chart and table of a pairwise evaluation: win rates against a reference model. The
chart is a Vega-Lite (data, spec) pair for Streamlit's native chart element."""

from __future__ import annotations

import pandas as pd

from app.present.bars import bars_along
from app.routing.preferences import PreferenceEvaluation

ROUTER_COLOUR, BASELINE_COLOUR, ORACLE_COLOUR = "#1f77b4", "#888", "#d62728"


def win_rate_frame(evaluation: PreferenceEvaluation) -> pd.DataFrame:
    """One row per router, baseline and the oracle, with its CI split into two columns."""
    frame = pd.DataFrame(evaluation.rows)
    frame["ci_low"] = [ci[0] if ci else float("nan") for ci in frame["win_rate_ci"]]
    frame["ci_high"] = [ci[1] if ci else float("nan") for ci in frame["win_rate_ci"]]
    return frame.drop(columns=["win_rate_ci"])[
        ["name", "win_rate", "ci_low", "ci_high", "battles", "deployable"]]


def win_rate_bars(evaluation: PreferenceEvaluation,
                  routers: tuple[str, ...] = ()) -> tuple[pd.DataFrame, dict]:
    """Win rate against the reference with bootstrap intervals, best first, as (data,
    Vega-Lite spec); the 0.5 line is the reference itself."""
    frame = win_rate_frame(evaluation).sort_values("win_rate", ascending=False)
    frame["label"] = [n + ("" if d else " [not deployable]")
                      for n, d in zip(frame["name"], frame["deployable"], strict=True)]
    frame["kind"] = ["not deployable" if not d else "router" if n in routers else "baseline"
                     for n, d in zip(frame["name"], frame["deployable"], strict=True)]
    spec, _, y = bars_along(
        frame, "label", "win_rate", f"Win rate against {evaluation.reference} (test battles)",
        [0, 1], {"router": ROUTER_COLOUR, "baseline": BASELINE_COLOUR,
                 "not deployable": ORACLE_COLOUR},
        [{"field": "label", "title": "name"},
         {"field": "win_rate", "title": "win rate", "format": ".3f"},
         {"field": "ci_low", "title": "95% CI from", "format": ".3f"},
         {"field": "ci_high", "title": "to", "format": ".3f"}, {"field": "battles", "format": ","}])
    once = {"values": [{}]}  # one line and one name, not one per bar
    spec["layer"] += [
        {"mark": {"type": "rule", "strokeWidth": 1.5},  # the 95% interval
         "encoding": {"y": y, "x": {"field": "ci_low", "type": "quantitative"},
                      "x2": {"field": "ci_high"}}},
        {"mark": {"type": "text", "align": "left", "dx": 4, "color": "white"},
         "encoding": {"y": y, "x": {"datum": 0}, "text": {
             "field": "win_rate", "type": "quantitative", "format": ".3f"}}},
        {"data": once, "mark": {"type": "rule", "strokeDash": [2, 3], "color": "#555"},
         "encoding": {"x": {"datum": 0.5}}},
        {"data": once, "mark": {"type": "text", "align": "left", "dx": 4, "dy": -6,
                                "baseline": "bottom", "color": "#555"},
         "encoding": {"x": {"datum": 0.5}, "y": {"value": 0},
                      "text": {"value": f"{evaluation.reference} (0.5)"}}}]
    return frame, spec
