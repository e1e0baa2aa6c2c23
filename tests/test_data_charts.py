"""The Data page's Vega-Lite charts: what they plot, in which order, on which scale."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.present.data_charts import cost_quality, score_heatmap
from app.present.heatmap import heatmap


def _models(costs):
    return pd.DataFrame({"model": ["big", "cheap", "free"][:len(costs)],
                         "mean_score": [0.9, 0.6, 0.3][:len(costs)], "mean_cost_usd": costs})


def test_cost_quality_plots_priced_models_and_the_oracle_on_a_log_axis():
    points, spec = cost_quality(_models([0.01, 0.001, np.nan]),
                                {"oracle_cost_usd": 0.002, "oracle_score": 0.95})
    assert points["name"].tolist() == ["big", "cheap", "oracle"]  # the unpriced one left out
    assert points["kind"].tolist() == ["model", "model", "oracle"]
    assert points["cost"].tolist() == [0.01, 0.001, 0.002]
    assert spec["layer"][0]["encoding"]["x"]["scale"]["type"] == "log"
    assert spec["layer"][1]["encoding"]["text"] == {"field": "name"}  # every point named


def test_a_free_model_and_a_free_oracle_keep_their_place_on_a_symlog_axis():
    """As on the Compare page (present/cost_scale.py): linear up to the cheapest paid
    cost, logarithmic above it, so $0 and $0.001 to $0.01 are all told apart."""
    points, spec = cost_quality(_models([0.01, 0.001, 0.0]),
                                {"oracle_cost_usd": 0.0, "oracle_score": 0.95})
    assert points["name"].tolist() == ["big", "cheap", "free", "oracle"]
    assert spec["layer"][0]["encoding"]["x"]["scale"] == {
        "type": "symlog", "constant": 0.001, "nice": False}
    assert spec["layer"][1]["encoding"]["x"] == spec["layer"][0]["encoding"]["x"]


def test_cost_quality_without_any_paid_model_uses_a_plain_axis():
    points, spec = cost_quality(_models([0.0, 0.0]), {"oracle_cost_usd": None})
    assert points["name"].tolist() == ["big", "cheap"]  # an unknown oracle cost: no point
    assert spec["layer"][0]["encoding"]["x"]["scale"] == {}


def test_score_heatmap_keeps_the_tables_order_and_leaves_unanswered_cells_blank():
    pivot = pd.DataFrame([[0.5, np.nan, 0.75], [0.25, 1.0, 1.0]],
                         index=pd.Index(["math", "<b>code</b>"], name="task"),
                         columns=pd.Index(["zeta", "alpha", "oracle"], name="model"))
    cells, spec = score_heatmap(pivot)
    assert len(cells) == 5  # math x alpha was never answered
    assert cells.set_index(["row", "column"]).loc[("<b>code</b>", "alpha"), "value"] == 1.0
    x, y = (spec["layer"][0]["encoding"][axis] for axis in ("x", "y"))
    assert x["sort"] == ["zeta", "alpha", "oracle"]  # not alphabetical
    assert y["sort"] == ["math", "<b>code</b>"]  # drawn as text by Vega, not as markup
    assert spec["layer"][0]["encoding"]["color"]["scale"]["domain"] == [0, 1]


def test_a_count_heatmap_spans_its_data_and_labels_dark_cells_in_white():
    """The pairwise view's battles per pair: no fixed range, counts without decimals."""
    pivot = pd.DataFrame([[0, 30], [30, 0]], index=["a", "b"], columns=["a", "b"])
    cells, spec = heatmap(pivot, "battles", row="model", column="vs model", fmt=",.0f",
                          scheme="blues")
    rect, text = spec["layer"]
    assert rect["encoding"]["color"]["scale"] == {"scheme": "blues"}  # the data's range
    assert [t["title"] for t in rect["encoding"]["tooltip"]] == ["model", "vs model",
                                                                 "battles"]
    assert text["encoding"]["text"]["format"] == ",.0f"
    assert text["encoding"]["color"]["condition"]["test"] == "datum.value > 18.0"
    assert len(cells) == 4  # a zero is a count, not a blank
