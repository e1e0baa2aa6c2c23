"""A table of numbers as a Vega-Lite heatmap, for Streamlit's native chart element and the
stakeholder report: the Data page's scores by task, the Compare page's quality by task and
the pairwise view's battles per pair all read like the table they come from."""

from __future__ import annotations

import pandas as pd

ROW = 30  # pixels per table row
LABEL_LIMIT = 360  # pixels of a column's name (about 55 characters) before it is cut short


def heatmap(pivot: pd.DataFrame, value: str, row: str = "task", column: str = "model",
            fmt: str = ".2f",
            scheme: str = "redyellowgreen", domain: tuple[float, float] | None = None
            ) -> tuple[pd.DataFrame, dict]:
    """(cells, spec): `pivot`'s rows top to bottom and columns along the top, in its order,
    each cell labelled with its value (`fmt`, d3 format) and coloured over `domain` (the
    data's range when None); an empty cell is left blank. `value`, `row` and `column` name
    the numbers, rows and columns in tooltips."""
    cells = (pivot.rename_axis(index="row", columns="column").stack().dropna()
             .rename("value").reset_index())
    cells[["row", "column"]] = cells[["row", "column"]].astype(str)
    low, high = domain if domain else (cells["value"].min(), cells["value"].max())
    if pd.isna(low) or high == low:  # no cells, or one value: any dark end is the top
        low, high = (0.0, 1.0) if pd.isna(low) else (low - 1, high)
    x = {"field": "column", "type": "nominal", "title": None,
         "sort": [str(c) for c in pivot.columns],
         "axis": {"orient": "top", "labelAngle": -30, "labelOverlap": False,
                  "labelLimit": LABEL_LIMIT}}
    y = {"field": "row", "type": "nominal", "title": None,
         "sort": [str(r) for r in pivot.index], "axis": {"labelLimit": LABEL_LIMIT}}
    colour = {"field": "value", "type": "quantitative", "title": value,
              "scale": {"scheme": scheme} | ({"domain": list(domain)} if domain else {}),
              "legend": {"format": fmt}}
    # Streamlit fits the whole chart, the slanted names along the top included, into the
    # height: leave them their room (half a name's length, at -30 degrees)
    longest = max((len(str(c)) for c in pivot.columns), default=0)
    top = 20 + min(LABEL_LIMIT, 7 * longest) // 2
    return cells, {
        "height": max(140, ROW * len(pivot) + top),
        "layer": [
            {"mark": "rect",
             "encoding": {"x": x, "y": y, "color": colour,
                          "tooltip": [{"field": "row", "title": row},
                                      {"field": "column", "title": column},
                                      {"field": "value", "title": value, "format": fmt}]}},
            {"mark": {"type": "text", "fontSize": 11},
             "encoding": {"x": x, "y": y,
                          "text": {"field": "value", "type": "quantitative", "format": fmt},
                          "color": {"condition": {"test": _dark(scheme, low, high),
                                                  "value": "white"}, "value": "black"}}}]}


def _dark(scheme: str, low: float, high: float) -> str:
    """A Vega expression true where the cell's colour is dark enough for white text: both
    ends of a diverging scheme, the top of a sequential one."""
    span = high - low
    if scheme == "redyellowgreen":
        return f"datum.value < {low + 0.15 * span} || datum.value > {low + 0.85 * span}"
    return f"datum.value > {low + 0.6 * span}"
