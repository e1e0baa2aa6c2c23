"""Plotly figures shared by the Compare page and the stakeholder report."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from app.present.text import svg
from app.routing.comparison import Comparison
from routers.evaluate import ndch

ROUTER_COLOURS = px.colors.qualitative.Bold


def cost_quality(comparison: Comparison) -> go.Figure:
    """Every router's sweep and hull beside the single models, oracle, random and Zero."""
    fig = go.Figure()
    zero_c, zero_q = comparison.zero
    fig.add_scatter(x=zero_c, y=zero_q, mode="lines", name="Zero router (model mixtures)",
                    line={"dash": "dash", "color": "#888"})
    for i, (raw_name, curve) in enumerate(comparison.routers.items()):
        colour = ROUTER_COLOURS[i % len(ROUTER_COLOURS)]
        name = svg(raw_name)
        c, q = ndch(curve.mean_cost, curve.mean_quality)
        fig.add_scatter(x=curve.mean_cost, y=curve.mean_quality, mode="markers",
                        marker={"size": 5, "color": colour, "opacity": 0.35},
                        name=f"{name} (sweep)", legendgroup=name, showlegend=False,
                        hovertemplate=f"{name}<br>$%{{x:.6f}} / query<br>quality %{{y:.3f}}"
                                      "<extra></extra>")
        fig.add_scatter(x=c, y=q, mode="lines+markers", name=name, legendgroup=name,
                        line={"color": colour, "width": 2.5}, marker={"size": 6})
    for model in comparison.models:
        ref, name = comparison.references[model], svg(model)
        fig.add_scatter(x=ref.mean_cost, y=ref.mean_quality, mode="markers+text", text=[name],
                        textposition="top center", name=name, showlegend=False,
                        marker={"size": 10, "color": "#333", "symbol": "diamond"})
    for name, symbol in (("oracle", "star"), ("random", "x")):
        ref = comparison.references[name]
        fig.add_scatter(x=ref.mean_cost, y=ref.mean_quality, mode="markers+text",
                        text=[name], textposition="bottom center", name=name,
                        marker={"size": 14, "symbol": symbol, "color": "#d62728"})
    positive = [v for c in comparison.references.values() for v in c.mean_cost if v > 0]
    fig.update_xaxes(title="Mean cost per query ($)", type="log" if positive else "linear")
    fig.update_yaxes(title="Mean quality")
    fig.update_layout(height=520, margin={"t": 30, "b": 10}, legend={"orientation": "h",
                                                                      "y": -0.18})
    return fig


def slices_heatmap(comparison: Comparison) -> go.Figure:
    frame = pd.DataFrame(comparison.slices)
    names = list(comparison.routers) + list(comparison.models) + ["oracle"]
    pivot = frame[frame["name"].isin(names)].pivot_table(index="task", columns="name",
                                                         values="quality")
    pivot = pivot[[n for n in names if n in pivot.columns]].rename(index=svg, columns=svg)
    fig = px.imshow(pivot, text_auto=".2f", aspect="auto", color_continuous_scale="RdYlGn",
                    zmin=0, zmax=1, labels={"color": "quality", "x": "", "y": ""})
    fig.update_layout(height=max(300, 32 * len(pivot) + 200), margin={"t": 120, "b": 10})
    fig.update_xaxes(side="top", tickangle=-30)
    return fig


def metrics_frame(comparison: Comparison) -> pd.DataFrame:
    """The metrics table as a DataFrame, intervals formatted as text."""
    rows = []
    for row in comparison.rows:
        rows.append({
            "name": row["name"], "kind": row["kind"],
            "quality": row["quality"], "quality 95% CI": _ci(row.get("quality_ci")),
            "cost ($/query)": row["cost"], "cost 95% CI": _ci(row.get("cost_ci"), 6),
            "AIQ": _num(row["aiq"]), "AIQ 95% CI": _ci(row.get("aiq_ci")),
            "best quality": row["best_quality"], "at cost": row["best_quality_cost"],
            "APGR": row.get("apgr", float("nan")), "CPT(50%)": _num(row.get("cpt50")),
            "CPT(80%)": _num(row.get("cpt80")), "arena score": row["arena"],
            "regret vs oracle": _num(row["regret"])})
    return pd.DataFrame(rows)


def _ci(interval, digits: int = 3) -> str:
    if not interval:
        return ""
    return f"[{interval[0]:.{digits}f}, {interval[1]:.{digits}f}]"


def _num(value) -> float:
    return float("nan") if value is None else float(value)
