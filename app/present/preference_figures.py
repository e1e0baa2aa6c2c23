"""Figures and tables of a pairwise evaluation: win rates against a reference model."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from app.present.text import svg
from app.routing.preferences import PreferenceEvaluation

ROUTER_COLOUR, BASELINE_COLOUR, ORACLE_COLOUR = "#1f77b4", "#888", "#d62728"


def win_rate_frame(evaluation: PreferenceEvaluation) -> pd.DataFrame:
    """One row per router, baseline and the oracle, with its CI split into two columns."""
    frame = pd.DataFrame(evaluation.rows)
    frame["ci_low"] = [ci[0] if ci else float("nan") for ci in frame["win_rate_ci"]]
    frame["ci_high"] = [ci[1] if ci else float("nan") for ci in frame["win_rate_ci"]]
    return frame.drop(columns=["win_rate_ci"])[
        ["name", "win_rate", "ci_low", "ci_high", "battles", "deployable"]]


def win_rate_bars(evaluation: PreferenceEvaluation, routers: tuple[str, ...] = ()) -> go.Figure:
    """Win rate against the reference with bootstrap intervals, best first; the 0.5 line is
    the reference itself."""
    frame = win_rate_frame(evaluation).sort_values("win_rate", ascending=False)
    colours = [ORACLE_COLOUR if not deployable else ROUTER_COLOUR if name in routers
               else BASELINE_COLOUR
               for name, deployable in zip(frame["name"], frame["deployable"], strict=True)]
    labels = [svg(n) + ("" if d else " [not deployable]")
              for n, d in zip(frame["name"], frame["deployable"], strict=True)]
    fig = go.Figure(go.Bar(
        x=labels, y=frame["win_rate"], marker_color=colours,
        text=[f"{v:.3f}" for v in frame["win_rate"]],
        error_y={"type": "data", "symmetric": False,
                 "array": (frame["ci_high"] - frame["win_rate"]).tolist(),
                 "arrayminus": (frame["win_rate"] - frame["ci_low"]).tolist()},
        customdata=frame[["battles"]].to_numpy(),
        hovertemplate="%{x}<br>win rate %{y:.3f}<br>%{customdata[0]} battles<extra></extra>"))
    fig.add_hline(y=0.5, line_dash="dot", line_color="#555",
                  annotation_text=f"{svg(evaluation.reference)} (0.5)")
    fig.update_yaxes(title=f"Win rate against {svg(evaluation.reference)} (test battles)",
                     range=[0, 1.05])
    fig.update_layout(height=440, margin={"t": 30, "b": 10}, showlegend=False)
    return fig
