"""The Data page through Streamlit's AppTest: empty start, import from a path, summaries."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.data.importers import import_path
from app.present.text import plain
from app.store.db import open_store
from tests.conftest import REPO, vega_charts, write

MAIN = str(REPO / "app" / "main.py")


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("ROUTELAB_DB", str(tmp_path / "page.duckdb"))
    monkeypatch.setenv("ROUTELAB_DEMO", "0")
    from app.ui import resources
    resources.store.clear()
    resources.ensure_demo.clear()
    yield AppTest.from_file(MAIN, default_timeout=60)
    resources.store.clear()
    resources.ensure_demo.clear()


def test_empty_database_invites_an_import(app):
    app.run()
    assert not app.exception and not app.error
    assert app.title[0].value == "Data"
    assert any("No datasets yet" in i.value for i in app.info)


def test_import_from_a_path_shows_per_model_summary(app, tmp_path):
    log = write(tmp_path / "small.csv", "prompt,model,score,cost\nhi,cheap,1,0.001\n"
                "hi,big,1,0.01\nho,cheap,0,0.001\nho,big,1,0.01\n")
    app.run()
    app.segmented_control(key="import_source").set_value("Path on this machine").run()
    app.text_input(key="import_path").input(str(log)).run()
    app.button[0].click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert app.header[0].value == "small"
    assert any("Imported 'small'" in s.value for s in app.success)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Queries"] == "2" and metrics["Models"] == "2"
    assert metrics["Best single model"] == "1.000" and metrics["Oracle score"] == "1.000"
    assert metrics["Oracle cost / query"] == "$0.005500"  # cheap on 'hi', big on 'ho'
    table = next(d.value for d in app.dataframe if "answered" in d.value.columns)
    assert table["model"].tolist() == ["big", "cheap"]
    assert table["cheapest_best_share"].tolist() == [0.5, 0.5]
    charts = {spec.get("title", "heatmap"): (spec, data) for spec, data in vega_charts(app)}
    assert not app.get("plotly_chart")  # no Plotly front end to load on the Data page
    points = charts["Cost vs quality"][1]
    assert sorted(points["name"]) == ["big", "cheap", "oracle"]
    assert points.set_index("name").loc["oracle", "cost"] == pytest.approx(0.0055)
    heatmap, cells = charts["heatmap"]
    assert heatmap["layer"][0]["encoding"]["x"]["sort"] == ["big", "cheap", "oracle"]
    assert len(cells) == 3  # one task x (2 models + oracle)


def test_bad_file_shows_the_problem_and_keeps_running(app, tmp_path):
    log = write(tmp_path / "bad.csv", "prompt,model,score\nhi,a,maybe\n")
    app.run()
    app.segmented_control(key="import_source").set_value("Path on this machine").run()
    app.text_input(key="import_path").input(str(log)).run()
    app.button[0].click().run()
    assert not app.exception
    assert "row 1, column 'score'" in app.error[0].value and "bad\\.csv" in app.error[0].value


def test_switching_datasets_and_real_data(app, tmp_path, routerbench_dir):
    store = open_store(tmp_path / "page.duckdb")
    import_path(store, routerbench_dir)
    import_path(store, write(tmp_path / "tiny.csv", "prompt,model,score\nhi,a,1\n"))
    store.close()
    app.run()
    assert not app.exception
    app.sidebar.selectbox(key="dataset").select("routerbench_subset").run()
    assert app.header[0].value == plain("routerbench_subset")  # names are shown literally
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Queries"] == "3,164" and metrics["Best single model"] == "0.880"
    assert plain("routerbench_subset") in app.sidebar.caption[0].value


def test_first_visit_shows_the_built_in_demo(app, monkeypatch):
    from app.data.demo.log import DEMO_LOG
    if not DEMO_LOG.exists():
        pytest.fail(f"the built-in demo log {DEMO_LOG} is missing from the repository")
    monkeypatch.setenv("ROUTELAB_DEMO", "1")
    app.run()
    assert not app.exception and not app.error
    assert app.header[0].value == "demo"
    assert "built-in demo log" in app.sidebar.caption[0].value
    metrics = {m.label: m.value for m in app.metric}
    assert int(metrics["Queries"].replace(",", "")) >= 600 and metrics["Models"] == "4"


def test_the_dataset_box_defaults_to_the_dataset_shown(app, tmp_path):
    """A browser that mounts the sidebar's box afresh (its first drawing overtaken by a
    quicker rerun) shows the box's default and sends it back with the next click. The
    default must be the dataset shown, not the first one listed: under 20 Chromium tabs
    that switched Label users from the demo to the dataset listed above it."""
    store = open_store(tmp_path / "page.duckdb")
    import_path(store, write(tmp_path / "older.csv", "prompt,model,score\nhi,a,1\nhi,b,0\n"))
    import_path(store, write(tmp_path / "newer.csv", "prompt,model,score\nho,a,1\nho,b,0\n"))
    store.close()
    app.run()
    box = app.sidebar.selectbox(key="dataset")
    assert box.options == ["newer", "older"] and box.value == "newer"
    box.select("older").run()
    app.run()  # a later run, where the value is not set by the script
    box = app.sidebar.selectbox(key="dataset")
    assert box.value == "older" and box.options[box.proto.default] == "older"
    assert app.header[0].value == "older"
    assert not app.exception  # nor Streamlit's warning about a default and a value set both:
    assert not any("Session State" in warning.value for warning in app.warning)
