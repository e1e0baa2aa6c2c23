"""Plotly figures for the Map page: win regions as translucent heatmaps, queries as points
(SVG up to SVG_POINTS, WebGL beyond)."""

from __future__ import annotations

import numpy as np
import plotly.express as px
import plotly.graph_objects as go

from app.embed.maps import TIE, Density, Regions
from app.present.text import svg

PALETTE = px.colors.qualitative.Bold + px.colors.qualitative.Safe
# Up to this many points the map draws in SVG: for a small map the WebGL context costs the
# browser more than the points (the demo's 602: warm load 3.05 s against 3.67 s, λ slider
# 0.45 s against 0.56 s, bench/pages.py). Beyond it, WebGL, as Plotly Express switches
# at the same size.
SVG_POINTS = 1_000


NO_MODEL, TIED = "no model right", "tie"
# colours of the two labels that name no model: greys, apart from every model's colour
NEUTRAL = {NO_MODEL: "#999999", TIED: "#d0d0d0"}


def neutral_labels(models: list[str]) -> tuple[str, str]:
    """The labels "no model right" and "tie", bracketed until no model bears them (a log's
    model may be called "tie")."""
    def apart(label: str) -> str:
        while label in models:
            label = f"({label})"
        return label
    return apart(NO_MODEL), apart(TIED)


def pick_names(models: list[str], picks: np.ndarray) -> list[str]:
    """Each oracle pick as a label: the model's name, "tie" (several share the best score
    at the same cost) or "no model right"."""
    nobody, tied = neutral_labels(models)
    return [models[p] if p >= 0 else tied if p == TIE else nobody for p in picks]


def model_colours(models: list[str]) -> dict[str, str]:
    return {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(models)}


def _rgba(colour: str, alpha: float) -> str:
    if colour.startswith("#"):
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    else:
        r, g, b = (int(float(v)) for v in colour[colour.index("(") + 1:-1].split(",")[:3])
    return f"rgba({r},{g},{b},{alpha})"


def map_figure(coords: np.ndarray, regions: Regions, models: list[str], point_labels: list[str],
               point_colour_values, colour_title: str, hover: list[str],
               placed: np.ndarray | None = None, rows: np.ndarray | None = None,
               crowd: Density | None = None) -> go.Figure:
    """Regions behind (one heatmap, each model's colour, opacity = confidence) and points
    on top.

    `coords` are the drawn points, `rows` their rows in the log (the selection reports
    those); a large log's `crowd` (every query counted) is drawn between the two."""
    colours = model_colours(models)
    rows = np.arange(len(coords)) if rows is None else np.asarray(rows)
    fig = go.Figure()
    _add_regions(fig, regions, models, colours)
    if crowd is not None:
        _add_density(fig, crowd)
    _add_points(fig, coords, rows, point_labels, point_colour_values, colour_title, hover,
                colours)
    if placed is not None:
        fig.add_trace(go.Scatter(x=placed[:, 0], y=placed[:, 1], mode="markers",
                                 marker={"symbol": "star", "size": 22, "color": "black",
                                         "line": {"width": 2, "color": "white"}},
                                 name="your query", hoverinfo="name"))
    # Room around the queries, so the toolbar never covers one and drags start on the map.
    low, high = coords.min(axis=0), coords.max(axis=0)
    if crowd is not None:  # the whole log's extent, not only the drawn sample's
        low = np.minimum(low, [crowd.xs[0], crowd.ys[0]])
        high = np.maximum(high, [crowd.xs[-1], crowd.ys[-1]])
    pad_x, pad_y = (high - low + 1e-9) * [0.06, 0.12]
    fig.update_layout(height=640, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      dragmode="lasso", legend={"orientation": "h", "y": -0.05},
                      xaxis={"visible": False, "range": [low[0] - pad_x, high[0] + pad_x]},
                      yaxis={"visible": False, "range": [low[1] - pad_y, high[1] + pad_y]})
    return fig


def _add_regions(fig, regions: Regions, models: list[str], colours: dict[str, str]) -> None:
    """Every model's region in one heatmap, one image for the browser to paint (not one per
    model) each time the λ slider redraws the map. Model i's cells take values in [i, i+1):
    i plus the confidence; the colour scale runs from faint to strong in model i's colour
    within that band. Tied cells take the last band, in grey."""
    count = len(models)
    band = np.where(regions.winner == TIE, count, regions.winner)
    # float32 and whole percents: the regions were two thirds of the Map's figure (210 of
    # 339 KB on the demo log), sent again at each move of the λ slider
    z = np.where(band >= 0, band + np.minimum(regions.confidence, 0.999),
                 np.nan).astype(np.float32)
    percent = np.rint(100 * np.clip(regions.confidence, 0, 1)).astype(np.uint8)
    scale = []
    for index, colour in enumerate([*(colours[m] for m in models), NEUTRAL[TIED]]):
        scale += [[index / (count + 1), _rgba(colour, 0.06)],
                  [(index + 0.999) / (count + 1), _rgba(colour, 0.55)]]
    scale[-1][0] = 1.0
    # indexed by winner: a model's name, then TIE (-2) and no region (-1) from the end
    names = np.asarray([*(svg(m) for m in models), "no one model (a tie)", ""], dtype=object)
    fig.add_trace(go.Heatmap(
        x=regions.xs, y=regions.ys, z=z, zmin=0, zmax=count + 1, showscale=False,
        colorscale=scale, text=names[regions.winner], customdata=percent,
        name="win regions", hoverongaps=False,
        hovertemplate="%{text} wins here<br>confidence %{customdata}%<extra></extra>"))


def _add_density(fig, crowd: Density) -> None:
    """Every query counted per cell, in grey on a log scale: where the log is dense."""
    z = np.where(crowd.counts > 0, np.log10(np.maximum(crowd.counts, 1)) + 1, np.nan)
    fig.add_trace(go.Heatmap(
        x=crowd.xs, y=crowd.ys, z=z, customdata=crowd.counts, showscale=False,
        colorscale=[[0, "rgba(60,60,60,0.05)"], [1, "rgba(60,60,60,0.45)"]],
        name="all queries (density)", hoverongaps=False,
        hovertemplate="%{customdata:,} queries here<extra></extra>"))


def _add_points(fig, coords, rows, labels, values, title, hover, colours) -> None:
    """Categorical colours (one trace per category) or a continuous scale; each point
    carries its row in the log."""
    points = go.Scatter if len(coords) <= SVG_POINTS else go.Scattergl
    if values is not None and np.issubdtype(np.asarray(values).dtype, np.number):
        fig.add_trace(points(
            x=coords[:, 0], y=coords[:, 1], mode="markers", customdata=rows,
            marker={"size": 5, "color": values, "cmin": 0, "cmax": 1,
                    "colorscale": "RdYlGn_r" if "regret" in title else "RdYlGn",
                    "colorbar": {"title": title, "len": 0.5}}, hovertext=hover,
            hoverinfo="text", name="queries", showlegend=False))
        return
    labels = np.asarray(labels, dtype=object)
    palette = {**colours}
    for i, label in enumerate(sorted(set(labels), key=str)):
        if label not in palette:
            palette[label] = NEUTRAL.get(label.strip("()")) or \
                PALETTE[(i + len(colours)) % len(PALETTE)]
        mask = labels == label
        fig.add_trace(points(
            x=coords[mask, 0], y=coords[mask, 1], mode="markers",
            customdata=rows[mask], name=svg(label),
            marker={"size": 5, "color": palette[label], "line": {"width": 0.3,
                                                                 "color": "white"}},
            hovertext=[hover[j] for j in np.flatnonzero(mask)], hoverinfo="text"))
