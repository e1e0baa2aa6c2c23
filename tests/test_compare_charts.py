"""The Compare page's Vega-Lite charts and the report drawing them: what each plots, on which
axis, for logs with costs, with a free model, with two unpriced models and with none priced."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from app.data.importers import import_path
from app.present.compare_charts import ZERO, cost_quality, slices_heatmap
from app.present.report import render
from app.routing.comparison import compare
from app.routing.configs import RouterConfig
from tests.conftest import write

FAST = "hashing-ngrams-512"  # a real, fast encoder: these tests are about the charts
HOSTILE = "</script><img src=x onerror=alert(1)>"


def _compared(store, tmp_path, costs: dict[str, str], name: str = "toy"):
    """A comparison of kNN on a 90-query log whose models cost `costs` ("" = unpriced)."""
    rng = np.random.default_rng(0)
    skill = dict(zip(costs, np.linspace(0.3, 0.9, len(costs)), strict=True))
    header = "prompt,task,model,score" + (",cost_usd" if any(costs.values()) else "")
    lines = [header]
    for i in range(90):
        task = ["maths", "geo", "code"][i % 3]
        for model, cost in costs.items():
            row = f"question {i} about {task},{task},{model},{int(rng.random() < skill[model])}"
            lines.append(row + (f",{cost}" if any(costs.values()) else ""))
    import_path(store, write(tmp_path / f"{name}.csv", "\n".join(lines) + "\n"))
    knn = RouterConfig("my-knn", "knn", {"k": 5}, name, encoder=FAST)
    return compare(store, name, [knn], n_boot=20)


def _layer(spec: dict, *kinds: str) -> dict:
    return next(layer for layer in spec["layer"]
                if layer.get("transform", [{}])[0].get("filter", {}).get("oneOf") ==
                list(kinds))


def test_every_curve_and_reference_is_plotted_on_a_log_axis(store, tmp_path):
    result = _compared(store, tmp_path, {"weak": "0.0001", "mid": "0.001", "strong": "0.01"})
    points, spec = cost_quality(result)
    kinds = points.groupby("kind")["name"].unique().map(set).to_dict()
    assert kinds["model"] == {"weak", "mid", "strong"}
    assert kinds["zero"] == {ZERO} and kinds["sweep"] == kinds["hull"] == {"my-knn"}
    assert kinds["oracle"] == {"oracle [not deployable]"} and kinds["random"] == {"random"}
    headline = points[points["kind"] == "headline"].iloc[0]
    knn = result.routers["my-knn"]
    assert (headline["cost"], headline["quality"]) == pytest.approx(
        (knn.headline_cost, knn.headline_quality))
    assert len(points[points["kind"] == "sweep"]) == np.isfinite(knn.mean_cost).sum()
    hull = _layer(spec, "hull", "zero")["encoding"]
    assert hull["x"]["scale"]["type"] == "log"
    assert hull["color"]["scale"]["domain"] == ["my-knn", ZERO]
    assert hull["strokeDash"]["scale"]["domain"] == ["router", "random mixtures"]
    assert _layer(spec, "model")["mark"]["shape"] == "diamond"
    json.dumps(spec, allow_nan=False)  # a spec Streamlit and the report can send


def test_a_free_model_keeps_its_place_on_a_symlog_axis(store, tmp_path):
    result = _compared(store, tmp_path, {"local": "0", "mid": "0.001", "strong": "0.01"})
    points, spec = cost_quality(result)
    assert points.set_index("kind").loc["model"].set_index("name").loc["local", "cost"] == 0
    scale = _layer(spec, "hull", "zero")["encoding"]["x"]["scale"]
    assert scale["type"] == "symlog" and scale["constant"] == pytest.approx(
        points.loc[points["cost"] > 0, "cost"].min())


def test_two_unpriced_models_are_compared_on_the_share_of_strong_calls(store, tmp_path):
    result = _compared(store, tmp_path, {"small": "", "large": ""})
    assert result.axis.kind == "share"
    points, spec = cost_quality(result)
    x = _layer(spec, "hull", "zero")["encoding"]["x"]
    assert x["axis"]["format"] == ".0%" and x["scale"]["domain"] == [-0.03, 1.03]
    assert points["cost"].between(0, 1).all()


def test_without_any_cost_the_chart_is_headline_quality_bars(store, tmp_path):
    result = _compared(store, tmp_path, {"a": "", "b": "", "c": ""})
    assert not result.axis.has_cost
    bars, spec = cost_quality(result)
    assert bars["quality"].is_monotonic_decreasing  # best first
    kinds = dict(zip(bars["name"], bars["kind"], strict=True))
    assert kinds["my-knn"] == "router" and kinds["oracle [not deployable]"] == "not deployable"
    names = spec["layer"][0]["encoding"]["y"]
    assert names["sort"] == bars["name"].tolist() and names["axis"]["labelLimit"] == 0


def test_the_by_task_heatmap_marks_what_is_not_deployable(store, tmp_path):
    result = _compared(store, tmp_path, {"weak": "0.0001", "strong": "0.01", "mid": "0.001"})
    cells, spec = slices_heatmap(result)
    assert spec["layer"][0]["encoding"]["x"]["sort"] == [
        "my-knn", *result.models, "oracle [not deployable]"]  # routers, models, the oracle
    assert set(result.models) == {"weak", "strong", "mid"}
    assert set(cells["row"]) == {"maths", "geo", "code"} and cells["value"].between(0, 1).all()


def test_the_report_draws_the_same_charts_with_nothing_fetched_and_names_kept_data(
        store, tmp_path):
    result = _compared(store, tmp_path, {"weak": "0.0001", HOSTILE: "0.01"})
    page = render(result)
    assert page.count("window.vegaEmbed=") == 1  # the Vega libraries, inlined once
    assert not re.search(r"<(script|link)[^>]+(src|href)=", page)  # nothing to fetch
    assert "</script><img" not in page  # the name cannot end a script and run markup
    specs = re.findall(r"vegaEmbed\(\"#([\w-]+)\", (.*), \{\"actions\": false\}\);</script>",
                       page)
    assert [s[0] for s in specs] == ["cost-quality", "by-task"]
    drawn = json.loads(specs[0][1])
    points, spec = cost_quality(result)
    assert drawn["layer"] == json.loads(json.dumps(spec["layer"]))
    assert len(drawn["data"]["values"]) == len(points)
    assert HOSTILE in {row["name"] for row in drawn["data"]["values"]}  # shown as text
