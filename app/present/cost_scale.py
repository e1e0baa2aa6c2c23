"""One dollars axis for every cost chart (the Data page's and the Compare page's).

Costs of a routing log span orders of magnitude, so the axis is logarithmic, over the
points' own range (rounded out to powers of ten, it bunches them up). A free model (a local
one at $0) has no place on a log axis: Plotly dropped it and a linear axis squeezes every
paid model into a corner. A symlog axis keeps both: linear up to the cheapest paid cost,
logarithmic above it.
"""

from __future__ import annotations

import pandas as pd


def cost_scale(costs: pd.Series, padding: int = 20) -> dict:
    """The Vega-Lite scale for these costs in dollars: log when all are above $0, symlog
    when some are $0, Vega's default when none is above $0."""
    positive = costs[costs > 0]
    if positive.empty:
        return {}
    if len(positive) == len(costs):
        return {"type": "log", "nice": False, "padding": padding}
    return {"type": "symlog", "constant": float(positive.min()), "nice": False}
