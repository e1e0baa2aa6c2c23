"""Plotly figures shared by the Compare page and the stakeholder report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from app.present.text import svg
from app.routing.comparison import Comparison
from routers.evaluate import ndch

ROUTER_COLOURS = px.colors.qualitative.Bold


def cost_quality(comparison: Comparison) -> go.Figure:
    """Every router's sweep and hull beside the single models, oracle, random and Zero; in
    quality-only mode (no cost axis) the headline qualities as bars instead."""
    if not comparison.axis.has_cost:
        return _quality_bars(comparison)
    axis = comparison.axis
    hover_x = "%{x:.0%} of calls to " + svg(axis.strong or "") if axis.kind == "share" \
        else "$%{x:.6f} / query"
    fig = go.Figure()
    zero_c, zero_q = comparison.zero
    fig.add_scatter(x=zero_c, y=zero_q, mode="lines", name="Zero router (model mixtures)",
                    line={"dash": "dash", "color": "#888"})
    for i, (raw_name, curve) in enumerate(comparison.routers.items()):
        colour = ROUTER_COLOURS[i % len(ROUTER_COLOURS)]
        name = svg(raw_name) + badge(curve.deployable)
        c, q = ndch(curve.mean_cost, curve.mean_quality)
        fig.add_scatter(x=curve.mean_cost, y=curve.mean_quality, mode="markers",
                        marker={"size": 5, "color": colour, "opacity": 0.35},
                        name=f"{name} (sweep)", legendgroup=name, showlegend=False,
                        hovertemplate=f"{name}<br>{hover_x}<br>quality %{{y:.3f}}"
                                      "<extra></extra>")
        fig.add_scatter(x=c, y=q, mode="lines", name=name, legendgroup=name,
                        line={"color": colour, "width": 2.5,
                              "dash": "solid" if curve.deployable else "dot"})
        fig.add_scatter(x=[curve.headline_cost], y=[curve.headline_quality], mode="markers",
                        name=f"{name} (headline)", legendgroup=name, showlegend=False,
                        marker={"size": 11, "color": colour, "line": {"width": 1.5,
                                                                       "color": "white"}},
                        hovertemplate=f"{name} headline<br>{hover_x}<br>quality %{{y:.3f}}"
                                      "<extra></extra>")
    for model in comparison.models:
        ref, name = comparison.references[model], svg(model)
        fig.add_scatter(x=ref.mean_cost, y=ref.mean_quality, mode="markers+text", text=[name],
                        textposition="top center", name=name, showlegend=False,
                        marker={"size": 10, "color": "#333", "symbol": "diamond"})
    for name, symbol in (("oracle", "star"), ("random", "x")):
        ref = comparison.references[name]
        label = name + badge(ref.deployable)
        fig.add_scatter(x=ref.mean_cost, y=ref.mean_quality, mode="markers+text",
                        text=[label], textposition="bottom center", name=label,
                        marker={"size": 14, "symbol": symbol, "color": "#d62728"})
    positive = [v for c in comparison.references.values() for v in c.mean_cost if v > 0]
    if axis.kind == "share":
        fig.update_xaxes(title=axis.label, tickformat=".0%", range=[-0.03, 1.03])
    else:
        fig.update_xaxes(title=axis.label, type="log" if positive else "linear")
    fig.update_yaxes(title="Mean quality")
    fig.update_layout(height=520, margin={"t": 30, "b": 10}, legend={"orientation": "h",
                                                                      "y": -0.18})
    return fig


def badge(deployable: bool) -> str:
    """The mark every table, legend and report puts on what no deployment can reach."""
    return "" if deployable else " [not deployable]"


def _quality_bars(comparison: Comparison) -> go.Figure:
    """Headline quality of every router and reference, best first (no cost axis)."""
    curves = {**comparison.routers, **comparison.references}
    names = sorted(curves, key=lambda n: -curves[n].headline_quality)
    colours = ["#1f77b4" if n in comparison.routers else
               "#d62728" if not curves[n].deployable else "#888" for n in names]
    fig = go.Figure(go.Bar(x=[svg(n) + badge(curves[n].deployable) for n in names],
                           y=[curves[n].headline_quality for n in names],
                           marker_color=colours, text=[f"{curves[n].headline_quality:.3f}"
                                                       for n in names]))
    fig.update_yaxes(title="Mean quality (test split)", range=[0, 1.05])
    fig.update_layout(height=460, margin={"t": 30, "b": 10}, showlegend=False)
    return fig


def slices_heatmap(comparison: Comparison) -> go.Figure:
    frame = pd.DataFrame(comparison.slices)
    names = list(comparison.routers) + list(comparison.models) + ["oracle"]
    pivot = frame[frame["name"].isin(names)].pivot_table(index="task", columns="name",
                                                         values="quality")
    pivot = pivot[[n for n in names if n in pivot.columns]]
    curves = {**comparison.references, **comparison.routers}
    pivot = pivot.rename(columns=lambda n: n + badge(curves[n].deployable) if n in curves
                         else n)  # the oracle and offline judges are marked here too
    fig = table_heatmap(pivot, "quality", text=".2f", zmin=0.0, zmax=1.0)
    fig.update_layout(height=max(300, 32 * len(pivot) + 200), margin={"t": 120, "b": 10})
    return fig


def table_heatmap(pivot: pd.DataFrame, value: str, text: str = ".2f",
                  colours: str = "RdYlGn", zmin: float | None = None,
                  zmax: float | None = None) -> go.Figure:
    """A table of numbers as a heatmap: rows top to bottom, columns along the top, each
    cell labelled (labels escaped); the colour range is the data's unless given. Built with
    go.Heatmap: px.imshow took 25-240 ms a figure, on every run of the pages showing one."""
    rows, columns = [svg(r) for r in pivot.index], [svg(c) for c in pivot.columns]
    fig = go.Figure(go.Heatmap(
        z=pivot.to_numpy(dtype=float, na_value=np.nan), x=columns, y=rows,
        colorscale=colours, zmin=zmin, zmax=zmax, texttemplate=f"%{{z:{text}}}",
        colorbar={"title": {"text": value}}, hoverongaps=False,
        hovertemplate=f"%{{y}} · %{{x}}<br>{value} %{{z:{text}}}<extra></extra>"))
    fig.update_xaxes(side="top", tickangle=-30, type="category")
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def metrics_frame(comparison: Comparison) -> pd.DataFrame:
    """The metrics table as a DataFrame, intervals formatted as text; cost columns follow
    the cost axis (dropped in quality-only mode)."""
    axis = comparison.axis
    cost_name = cost_column(comparison)
    rows = []
    for row in comparison.rows:
        shown = {
            "name": row["name"] + badge(row["deployable"]), "kind": row["kind"],
            "deployable": row["deployable"],
            "quality": row["quality"], "quality 95% CI": _ci(row.get("quality_ci"))}
        if axis.has_cost:
            cost_ci = _ci_share(row.get("cost_ci")) if axis.kind == "share" \
                else _ci(row.get("cost_ci"), 6)
            shown |= {cost_name: row["cost"], "cost 95% CI": cost_ci,
                      "AIQ": _num(row["aiq"]), "AIQ 95% CI": _ci(row.get("aiq_ci")),
                      "best quality": row["best_quality"], "at cost": row["best_quality_cost"]}
        shown |= {"APGR": row.get("apgr", float("nan")), "CPT(50%)": _num(row.get("cpt50")),
                  "CPT(80%)": _num(row.get("cpt80"))}
        if axis.kind == "usd":
            shown["arena score"] = row["arena"]
        shown["regret vs oracle"] = _num(row["regret"])
        rows.append(shown)
    return pd.DataFrame(rows)


def budget_frame(comparison: Comparison) -> pd.DataFrame:
    """Quality at each budget (USD per 1,000 queries): on the curve's hull and at the
    operating point cross-validated for it, with 95% intervals (app/routing/budgets.py)."""
    rows = []
    for row in comparison.budgets:
        rows.append({
            "budget ($/1k)": row["budget"] * 1000, "name": row["name"] + badge(
                row["deployable"]), "deployable": row["deployable"],
            "on its hull": _num(row.get("hull_quality")), "hull 95% CI": _ci(row.get(
                "hull_ci")), "at its point": _num(row.get("quality")),
            "point 95% CI": _ci(row.get("quality_ci")),
            "point cost ($/1k)": _num(row["cost"] * 1000 if "cost" in row else None),
            "vs best single model": _num(row.get("vs_best_single")),
            "difference 95% CI": _ci(row.get("vs_best_single_ci")),
            "training cost ($/1k)": _num(row["train_cost"] * 1000 if "train_cost" in row
                                         else None)})
    frame = pd.DataFrame(rows)
    return frame.sort_values("budget ($/1k)", kind="stable") if len(frame) else frame


def cost_column(comparison: Comparison) -> str:
    return "share of strong calls" if comparison.axis.kind == "share" else "cost ($/query)"


def _ci(interval, digits: int = 3) -> str:
    if not interval:
        return ""
    return f"[{interval[0]:.{digits}f}, {interval[1]:.{digits}f}]"


def _ci_share(interval) -> str:
    return f"[{interval[0]:.1%}, {interval[1]:.1%}]" if interval else ""


def _num(value) -> float:
    return float("nan") if value is None else float(value)
