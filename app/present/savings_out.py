"""The Savings view's figures and words, shared by the Data page and the stakeholder report:
what real traffic cost against sending everything to the strongest model, where the calls
went over time, and quality where labelled."""

from __future__ import annotations

import html

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from app.present.text import svg
from app.routing.savings import Savings


def usd(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "unknown"
    return f"${value:,.6f}" if abs(value) < 0.01 else f"${value:,.4f}"


def headline(s: Savings) -> list[str]:
    """The findings in plain sentences (shown escaped by the caller)."""
    lines = [f"{s.calls:,} answered calls cost {usd(s.spend)} as routed"
             + (f" ({s.unpriced:,} more have no known cost)." if s.unpriced else ".")]
    if s.failed:
        lines.append(f"Failed calls, not counted as answers: {s.failed:,}.")
    if s.strongest is None:
        lines.append("The strongest model is unknown: no model's quality or price is known.")
    elif s.all_strongest is None:
        lines.append(f"The strongest model is {s.strongest} ({s.why_strongest}); its price "
                     "is unknown, so the savings are too.")
    else:
        fraction = s.saved_fraction
        lines.append(f"Sending all {s.compared:,} comparable calls to {s.strongest} "
                     f"({s.why_strongest}) would have cost {usd(s.all_strongest)} against "
                     f"{usd(s.actual)} as routed: {usd(s.saved)} saved"
                     + (f" ({fraction:.1%})." if fraction is not None else "."))
    overall = s.quality.iloc[0]
    if overall["labelled"]:
        lines.append(f"Mean quality where labelled: {overall['mean_quality']:.3f} over "
                     f"{int(overall['labelled']):,} of {int(overall['calls']):,} calls.")
    else:
        lines.append("No call is labelled yet: quality is unknown (label answers on the "
                     "Label page).")
    return lines


def spend_figure(s: Savings) -> go.Figure:
    """As routed against all to the strongest model, on the calls both cover."""
    names = ["as routed", f"all to {svg(s.strongest or '?')}"]
    values = [s.actual, s.all_strongest or 0.0]
    fig = go.Figure(go.Bar(x=names, y=values, marker_color=["#2b8a3e", "#868e96"],
                           text=[usd(v) for v in (s.actual, s.all_strongest)],
                           textposition="outside"))
    fig.update_layout(height=320, margin={"t": 30, "b": 10}, yaxis_title="USD",
                      title=f"Spend on {s.compared:,} comparable calls")
    return fig


def share_figure(s: Savings) -> go.Figure:
    """Each model's share of the calls per hour or day."""
    frame = s.share.assign(model=s.share["model"].map(svg))
    fig = px.bar(frame, x="period", y="share", color="model", hover_data=["calls"],
                 labels={"period": s.period, "share": "share of calls"},
                 title=f"Share of calls per model, by {s.period}")
    fig.update_layout(barmode="stack", height=320, margin={"t": 40, "b": 10},
                      yaxis_tickformat=".0%", legend={"orientation": "h", "y": -0.25})
    return fig


def quality_frame(s: Savings) -> pd.DataFrame:
    return s.quality.rename(columns={"mean_quality": "mean quality (labelled)"})


def savings_html(s: Savings) -> str:
    """The report's Savings section (plotly.js is expected on the page already)."""
    findings = "".join(f"<li>{html.escape(line)}</li>" for line in headline(s))
    notes = "".join(f"<p class=\"note\">{html.escape(n)}</p>" for n in s.notes)
    table = quality_frame(s).to_html(index=False, float_format=lambda v: f"{v:.3f}",
                                     na_rep="", escape=True, border=0)
    return (f"<h2>Savings on real traffic</h2><ul>{findings}</ul>{notes}"
            + spend_figure(s).to_html(full_html=False, include_plotlyjs=False)
            + share_figure(s).to_html(full_html=False, include_plotlyjs=False)
            + f"<h3>Quality where labelled</h3>{table}")
