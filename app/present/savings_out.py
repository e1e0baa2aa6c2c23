"""The Savings view's charts and words, shared by the Data page and the stakeholder report:
what real traffic cost against sending everything to the strongest model, where the calls
went over time, and quality where labelled. The charts are Vega-Lite (data, spec) pairs,
drawn by Streamlit's native chart and, in the report, by the inlined Vega libraries."""

from __future__ import annotations

import html

import pandas as pd

from app.present.vega_html import chart_html
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


def spend_chart(s: Savings) -> tuple[pd.DataFrame, dict]:
    """As routed against all to the strongest model, on the calls both cover."""
    bars = pd.DataFrame({
        "bar": ["as routed", f"all to {s.strongest or '?'}"],
        "usd": [_dollars(s.actual), _dollars(s.all_strongest)],
        "label": [usd(s.actual), usd(s.all_strongest)], "kind": ["routed", "strongest"]})
    x = {"field": "bar", "type": "nominal", "title": None, "sort": bars["bar"].tolist(),
         "axis": {"labelAngle": 0, "labelLimit": 240}}
    y = {"field": "usd", "type": "quantitative", "title": "USD"}
    return bars, {
        "title": f"Spend on {s.compared:,} comparable calls", "height": 300,
        "layer": [
            {"mark": "bar",
             "encoding": {"x": x, "y": y, "tooltip": [{"field": "bar", "title": "spend"},
                                                      {"field": "label", "title": "USD"}],
                          "color": {"field": "kind", "legend": None, "scale": {
                              "domain": ["routed", "strongest"],
                              "range": ["#2b8a3e", "#868e96"]}}}},
            {"mark": {"type": "text", "dy": -8},
             "encoding": {"x": x, "y": y, "text": {"field": "label"}}}]}


def share_chart(s: Savings) -> tuple[pd.DataFrame, dict]:
    """Each model's share of the calls per hour or day, stacked."""
    unit = "yearmonthdatehours" if s.period == "hour" else "yearmonthdate"
    bars = s.share.assign(period=pd.to_datetime(s.share["period"]).dt.strftime(
        "%Y-%m-%dT%H:%M:%S"), model=s.share["model"].astype(str))  # read as local time
    return bars, {
        "title": f"Share of calls per model, by {s.period}", "height": 300,
        "mark": "bar",
        "encoding": {
            "x": {"field": "period", "type": "temporal", "timeUnit": unit, "title": None},
            "y": {"field": "share", "type": "quantitative", "title": "share of calls",
                  "axis": {"format": ".0%"}},
            "color": {"field": "model", "type": "nominal", "title": None},
            "tooltip": [{"field": "period", "type": "temporal", "timeUnit": unit,
                         "title": s.period},
                        {"field": "model"}, {"field": "share", "format": ".1%"},
                        {"field": "calls", "format": ","}]},
        "config": {"legend": {"orient": "bottom"}}}


def _dollars(value: float | None) -> float:
    return 0.0 if value is None or pd.isna(value) else float(value)


def quality_frame(s: Savings) -> pd.DataFrame:
    return s.quality.rename(columns={"mean_quality": "mean quality (labelled)"})


def savings_html(s: Savings) -> str:
    """The report's Savings section (the page must hold `vega_html.vega_script()`)."""
    findings = "".join(f"<li>{html.escape(line)}</li>" for line in headline(s))
    notes = "".join(f"<p class=\"note\">{html.escape(n)}</p>" for n in s.notes)
    table = quality_frame(s).to_html(index=False, float_format=lambda v: f"{v:.3f}",
                                     na_rep="", escape=True, border=0)
    return (f"<h2>Savings on real traffic</h2><ul>{findings}</ul>{notes}"
            + chart_html(*spend_chart(s), "spend", "Spend as routed against all calls to "
                         "the strongest model")
            + chart_html(*share_chart(s), "share", "Each model's share of the calls over "
                         "time")
            + f"<h3>Quality where labelled</h3>{table}")
