"""The Map page through AppTest: it builds the map with progress, then shows it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.data.importers import import_path
from app.store.db import open_store
from tests.conftest import REPO, settle, write

pytestmark = pytest.mark.slow

TOPICS = {
    "capitals": ["What is the capital of {}?", ["France", "Peru", "Japan", "Kenya", "Chile",
                                                  "Egypt", "Spain", "Italy", "Norway", "India"]],
    "arithmetic": ["What is {} plus 7?", [str(n) for n in range(2, 12)]],
    "code": ["Write a Python function that returns the {} of a list.",
             ["sum", "maximum", "minimum", "length", "reverse", "mean", "median", "sorted copy",
              "first item", "last item"]],
}


def tiny_log(tmp_path, geo_right=("capitals",), priced=True):
    """30 queries in three topics; model 'geo' is right on `geo_right`, 'calc' on the rest
    but capitals; with `priced`, geo costs half what calc does."""
    lines = ["prompt,task,model,score" + (",cost_usd" if priced else "")]
    for task, (template, fillers) in TOPICS.items():
        for filler in fillers:
            prompt = template.format(filler)
            lines.append(f'"{prompt}",{task},geo,{int(task in geo_right)}'
                         + (",0.001" if priced else ""))
            lines.append(f'"{prompt}",{task},calc,{int(task != "capitals")}'
                         + (",0.002" if priced else ""))
    return write(tmp_path / "topics.csv", "\n".join(lines) + "\n")


@pytest.fixture
def app(tmp_path, monkeypatch):
    db = tmp_path / "map.duckdb"
    store = open_store(db)
    import_path(store, tiny_log(tmp_path))
    store.close()
    monkeypatch.setenv("ROUTELAB_DB", str(db))
    monkeypatch.setenv("ROUTELAB_DEMO", "0")
    from app.ui import resources
    resources.store.clear()
    yield AppTest.from_file(str(REPO / "app" / "main.py"), default_timeout=240)
    resources.store.clear()


def test_map_page_builds_and_draws_regions(app):
    app.run()
    app.switch_page(str(REPO / "pages" / "map.py")).run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Map"
    assert any("30 queries of **topics**" in c.value for c in app.caption)
    # the objective control switches to the cost trade-off without errors
    app.segmented_control(key="map_objective").set_value("score − λ·cost").run()
    assert not app.exception
    app.slider(key="map_lambda").set_value(1.5).run()
    assert not app.exception
    app.text_input(key="map_place").input("What is the capital of Brazil?").run()
    assert not app.exception
    assert not app.warning, [w.value for w in app.warning]
    neighbours = app.dataframe[0].value
    assert neighbours["task"].iloc[0] == "capitals" and neighbours["won by"].iloc[0] == "geo"


def test_map_colours_by_a_routers_regret_and_draws_its_choices(app):
    app.run()
    app.switch_page(str(REPO / "pages" / "map.py")).run()
    app.selectbox(key="map_colour").select("a router's regret").run()
    app.selectbox(key="map_router").select("knn").run()
    assert not app.exception, app.exception
    app.segmented_control(key="map_objective").set_value("a saved router's choice").run()
    assert not app.exception, app.exception
    assert any("30 queries of **topics**" in c.value for c in app.caption)


def test_a_cascades_regret_on_the_map_is_its_full_chain(app):
    """geo (cheap) is right on capitals only, calc (dear) on the rest; a cascade with a
    perfect judge keeps geo's answer on capitals and escalates elsewhere: zero regret
    everywhere, and the kept answer is calc's outside capitals (its first model alone
    would have left regret 1 on 20 queries)."""
    import numpy as np

    from app.routing.configs import RouterConfig, save_config
    from app.store.datasets import by_name
    from app.ui import resources
    store = resources.store()
    config = RouterConfig("cascade-0", "cascade", {"judge_error": 0.0}, "topics",
                          "hashing-ngrams-512")
    save_config(store, config)
    choice, regret = resources.router_choices(by_name(store, "topics"), config.to_json())
    assert np.all(regret == 0)
    models = resources.outcome_matrix(by_name(store, "topics")).models
    assert sorted({models[c] for c in choice}) == ["calc", "geo"]


def test_a_large_log_is_drawn_as_density_with_a_sample_of_points(app, monkeypatch):
    """Above DRAW_SAMPLE queries the page draws every query as density (counts summing to
    the log) and a seeded sample as points, each point still naming its own row; regions
    come from a sample too. Shrunk here so 30 queries count as large."""
    import json

    from app.embed import maps

    monkeypatch.setattr(maps, "DRAW_SAMPLE", 12)
    monkeypatch.setattr(maps, "REGION_SAMPLE", 20)
    app.run()
    app.switch_page(str(REPO / "pages" / "map.py")).run()
    assert not app.exception, app.exception
    assert any("where all 30 queries lie (density)" in c.value and "sample of 12" in c.value
               for c in app.caption), [c.value for c in app.caption]
    figure = json.loads(app.get("plotly_chart")[0].proto.spec)
    crowd = [t for t in figure["data"] if t.get("name") == "all queries (density)"]
    assert len(crowd) == 1 and _array(crowd[0]["customdata"]).sum() == 30
    points = [t for t in figure["data"] if t["type"] in ("scatter", "scattergl")]
    drawn = sorted(int(r) for t in points for r in _array(t["customdata"]))
    assert drawn == maps.sample_rows(30, 12).tolist()


def _array(value):
    """A Plotly array from figure JSON: a list, or a typed array {dtype, bdata, shape}."""
    import base64

    import numpy as np

    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = [int(d) for d in str(value.get("shape", len(flat))).split(",")]
        return flat.reshape(shape)
    return np.asarray(value)


def test_the_data_page_builds_a_small_logs_map_before_the_map_is_opened(app, monkeypatch):
    """Where a session lands, a small log's map starts building on a worker thread; the Map
    page then finds it built and embeds and projects nothing."""
    from app.embed import embeddings
    from app.ui import background

    monkeypatch.setenv("ROUTELAB_BUILD_AHEAD", "1")
    app.run()  # the Data page
    assert not app.exception, app.exception
    assert background.jobs().running() >= 1  # the map, started ahead
    settle(background.jobs(), 240)

    def no_embedding(*args, **kwargs):
        raise AssertionError("the map was built again")
    monkeypatch.setattr(embeddings, "embed_dataset", no_embedding)
    app.switch_page(str(REPO / "pages" / "map.py")).run()
    assert not app.exception, app.exception
    assert any("30 queries of **topics**" in c.value for c in app.caption)


def test_the_map_readies_the_placement_of_a_query_while_it_is_shown(app, monkeypatch):
    """A new server's first placement loaded the encoder, read the reducer and compiled
    UMAP's transform while the user waited (about 10 s); the Map page now does this on a
    worker thread when it shows the map, and the placement finds it done."""
    from app.embed import embeddings, maps
    from app.ui import background, resources

    resources._reducers.clear()
    monkeypatch.setenv("ROUTELAB_BUILD_AHEAD", "0")  # the map itself is built on this run
    app.run()
    app.switch_page(str(REPO / "pages" / "map.py")).run()
    assert not app.exception, app.exception
    monkeypatch.setenv("ROUTELAB_BUILD_AHEAD", "1")
    held = resources._reducers()
    assert not held.items
    app.segmented_control(key="map_objective").set_value("score − λ·cost").run()
    settle(background.jobs(), 120)
    ((dataset, encoder, params),) = held.items
    assert held.get((dataset, encoder, params)) is not None and embeddings.is_loaded(encoder)

    def no_reading(*args, **kwargs):
        raise AssertionError("the reducer was read again")
    monkeypatch.setattr(maps, "load_reducer", no_reading)
    app.text_input(key="map_place").input("What is the capital of Brazil?").run()
    assert not app.exception, app.exception
    assert app.dataframe[0].value["task"].iloc[0] == "capitals"


def test_a_log_above_the_ahead_size_starts_no_map(app, monkeypatch):
    from app.ui import background, map_view

    monkeypatch.setenv("ROUTELAB_BUILD_AHEAD", "1")
    monkeypatch.setattr(map_view, "AHEAD_QUERIES", 29)  # the log has 30 queries
    app.run()
    assert not app.exception, app.exception
    assert background.jobs().running() == 0


def test_a_map_not_built_yet_is_looked_up_again_next_time(monkeypatch):
    """A map built meanwhile (ahead of need by the Data page, or by another session) is
    found on the next run: "not built yet" is never kept in the page cache, while a built
    map is read from the database once."""
    from app.embed import maps
    from app.store.datasets import Dataset
    from app.ui import resources

    built, reads = [], []

    def projection(store, dataset_id, version, encoder, params):
        reads.append(dataset_id)
        return ("ids", "coords") if built else None

    monkeypatch.setattr(maps, "cached_projection", projection)
    monkeypatch.setattr(resources, "store", lambda: None)
    dataset = Dataset(id=7, name="log", version="v-not-built", kind="imported", format="long",
                      source="test", imported_at=None, notes=None, queries=10, models=2,
                      outcomes=20)
    params = maps.MapParams()
    assert resources.map_coords(dataset, "test-encoder", params) is None
    built.append(True)  # the build ahead ends
    assert resources.map_coords(dataset, "test-encoder", params) == ("ids", "coords")
    assert resources.map_coords(dataset, "test-encoder", params) == ("ids", "coords")
    assert reads == [7, 7]


def test_a_log_without_costs_offers_no_cost_objective_and_shows_ties(tmp_path, monkeypatch):
    """Without costs nothing is cheaper: the λ and "cheapest good enough" objectives are not
    offered, and a query two models both got right is a tie, not the first model by name
    (it was: the map painted 'calc' over every query that 'geo' got right as well)."""
    import json

    import numpy as np

    db = tmp_path / "free.duckdb"
    store = open_store(db)
    import_path(store, tiny_log(tmp_path, geo_right=("capitals", "code"), priced=False))
    store.close()
    monkeypatch.setenv("ROUTELAB_DB", str(db))
    monkeypatch.setenv("ROUTELAB_DEMO", "0")
    from app.ui import resources
    resources.store.clear()
    try:
        app = AppTest.from_file(str(REPO / "app" / "main.py"), default_timeout=240).run()
        app.switch_page(str(REPO / "pages" / "map.py")).run()
        assert not app.exception, app.exception
        assert app.segmented_control(key="map_objective").options == [
            "best score", "a saved router's choice"]
        figure = json.loads(app.get("plotly_chart")[0].proto.spec)
        counts = {t["name"]: len(np.atleast_1d(_array(t["x"]))) for t in figure["data"]
                  if t["type"] == "scatter"}
        assert counts == {"geo": 10, "calc": 10, "tie": 10}  # code: both right
        app.text_input(key="map_place").input(
            "Write a Python function that returns the product of a list.").run()
        assert not app.exception, app.exception
        assert app.dataframe[0].value["won by"].iloc[0] == "tie"
        assert any("Most often a tie" in c.value for c in app.caption), \
            [c.value for c in app.caption]
    finally:
        resources.store.clear()
