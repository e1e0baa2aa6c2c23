"""Named bars along, one per router, model or baseline, coloured by what each is: the
Compare page's quality-only chart and the pairwise win rates. Bars run along so that
every name is read whole, its [not deployable] mark included (upright bars cut names)."""

from __future__ import annotations

import pandas as pd

BAR = 28  # pixels per bar
AXIS_AND_LEGEND = 130  # pixels: Streamlit fits the axis and legend into the height too


def bars_along(frame: pd.DataFrame, name: str, value: str, title: str,
               domain: list[float], colours: dict[str, str],
               tooltip: list[dict]) -> tuple[dict, dict, dict]:
    """(spec, x, y): a bar per row of `frame` in its order, named by its `name` column,
    as long as its `value`, coloured by its "kind" column (`colours`: kind -> colour, in
    the legend's order); x and y for the layers a caller adds on top."""
    y = {"field": name, "type": "nominal", "title": None, "sort": frame[name].tolist(),
         "axis": {"labelLimit": 0, "labelOverlap": False}}
    x = {"field": value, "type": "quantitative", "title": title, "scale": {"domain": domain}}
    return {"height": BAR * len(frame) + AXIS_AND_LEGEND,
            "layer": [{"mark": "bar",
                       "encoding": {"x": x, "y": y, "tooltip": tooltip,
                                    "color": {"field": "kind", "type": "nominal",
                                              "title": None, "legend": {"orient": "bottom"},
                                              "scale": {"domain": list(colours),
                                                        "range": list(colours.values())}}}}]
            }, x, y
