"""The Routers and Compare pages through AppTest, on a small log with a fast encoder."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app.data.importers import import_path
from app.routing.configs import saved_configs
from app.store.db import open_store
from tests.conftest import REPO, write

pytestmark = pytest.mark.slow


def toy_log(tmp_path):
    """60 queries: 'cheap' is right on geography, 'dear' on everything."""
    lines = ["prompt,task,model,score,cost_usd"]
    for i in range(60):
        task = ["maths", "geo"][i % 2]
        text = f"Add {i} and {i + 3}" if task == "maths" else f"Which country has city {i}?"
        lines += [f"{text},{task},cheap,{int(task == 'geo')},0.001", f"{text},{task},dear,1,0.01"]
    return write(tmp_path / "toy.csv", "\n".join(lines) + "\n")


@pytest.fixture
def app(tmp_path, monkeypatch):
    db = tmp_path / "routers.duckdb"
    store = open_store(db)
    import_path(store, toy_log(tmp_path))
    store.close()
    for key, value in {"ROUTELAB_DB": str(db), "ROUTELAB_DEMO": "0",
                       "ROUTELAB_ENCODER": "hashing-ngrams-512"}.items():
        monkeypatch.setenv(key, value)
    from app.ui import resources
    resources.store.clear()
    test = AppTest.from_file(str(REPO / "app" / "main.py"), default_timeout=120)
    test.run()
    yield test
    resources.store.clear()


def test_build_train_and_save_a_router(app):
    app.switch_page(str(REPO / "pages" / "routers.py")).run()
    app.selectbox(key="router_kind").select("knn").run()
    app.number_input(key="router_params_knn_k").set_value(5).run()
    app.text_input(key="router_name").input("knn-5").run()
    app.button[0].click().run()   # Train and test
    assert not app.exception, app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert float(metrics["Test quality (quality-first)"]) >= 0.9
    app.button[1].click().run()   # Save
    assert any("Saved router 'knn\\-5'" in s.value for s in app.success)
    from app.ui import resources
    [saved] = saved_configs(resources.store())
    assert (saved.name, saved.kind, saved.params, saved.dataset) == ("knn-5", "knn", {
        "k": 5, "weighted": True, "features": "embedding"}, "toy")


def test_irt_parameters_are_inspectable(app):
    app.switch_page(str(REPO / "pages" / "routers.py")).run()
    app.selectbox(key="router_kind").select("irt").run()
    app.button[0].click().run()
    assert not app.exception
    assert any("abilities" in m.value for m in app.markdown)


def test_compare_page_draws_and_offers_the_report(app):
    app.switch_page(str(REPO / "pages" / "compare.py")).run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Compare"
    assert any("reaches" in m.value or "does not reach" in m.value for m in app.markdown)
    table = app.dataframe[0].value
    assert {"knn", "centroid", "predictive", "cheap", "dear", "oracle [not deployable]"} <= \
        set(table["name"])
    deployable = dict(zip(table["name"], table["deployable"], strict=True))
    assert deployable["knn"] and not deployable["oracle [not deployable]"]
    assert not app.get("plotly_chart")  # no Plotly front end to load on the Compare page
    specs = [json.loads(c.proto.spec) for c in app.get("vega_lite_chart")]
    assert len(specs) == 2  # cost vs quality, and by task
    by_task = next(s for s in specs if s["layer"][0]["mark"] == "rect")
    columns = by_task["layer"][0]["encoding"]["x"]["sort"]
    assert "oracle [not deployable]" in columns and "knn" in columns


def test_compare_page_shows_quality_at_budgets(app):
    app.switch_page(str(REPO / "pages" / "compare.py")).run()
    app.toggle(key="compare_budgets_on").set_value(True).run()
    # suggested: 10%, 25% and 50% of the best model's training cost ('dear': $10 per 1k)
    assert app.text_input(key="compare_budgets").value == "1, 2.5, 5"  # "nice" values
    app.text_input(key="compare_budgets").input("2, 6").run()
    assert not app.exception, app.exception
    table = next(d.value for d in app.dataframe if "budget ($/1k)" in d.value.columns)
    assert set(table["budget ($/1k)"]) == {2.0, 6.0}
    knn = table[table["name"] == "knn"]
    assert len(knn) == 2 and (knn["point cost ($/1k)"] <= knn["budget ($/1k)"] * 1.5).all()
    app.text_input(key="compare_budgets").input("two dollars").run()
    assert not app.exception and any("must be numbers" in e.value for e in app.error)


def test_compare_a_sample_of_a_big_log_or_all_of_it(app, monkeypatch):
    """Above the sample limit (40 here, 30k in use) the page offers how many queries to
    compare, says which it compared, and compares the whole log when asked."""
    from app.routing import configs
    from app.ui import compare_view
    monkeypatch.setattr(configs, "SAMPLE_LIMIT", 40)
    monkeypatch.setattr(compare_view, "SAMPLE_LIMIT", 40)
    monkeypatch.setattr(compare_view, "SAMPLE_SIZES", [20, 40, 100])
    app.switch_page(str(REPO / "pages" / "compare.py")).run()
    assert not app.exception, app.exception
    sample = app.select_slider(key="compare_sample")
    assert sample.options == ["20", "40", "all 60"] and sample.value == 40
    assert any("a seeded sample of 40 of the log's 60 queries" in m.value for m in app.caption)
    sample.set_value(60).run()
    assert not app.exception, app.exception
    assert not any("seeded sample" in m.value for m in app.caption)


def test_calibrate_a_saved_router_to_a_strong_share(app):
    from app.routing.configs import RouterConfig, save_config
    from app.ui import resources
    save_config(resources.store(), RouterConfig("knn-toy", "knn", {"k": 5}, "toy",
                                                "hashing-ngrams-512"))
    app.switch_page(str(REPO / "pages" / "routers.py")).run()
    app.radio(key="operating_goal").set_value("a share of strong calls").run()
    app.slider(key="operating_share").set_value(0.5).run()
    next(b for b in app.button if b.label == "Calibrate and save").click().run()
    assert not app.exception, app.exception
    assert any("Expected on" in s.value and "to dear" in s.value for s in app.success)
    saved = next(c for c in saved_configs(resources.store()) if c.name == "knn-toy")
    assert saved.params["operating_point"]["strong_share"] == 0.5


def test_the_name_follows_the_chosen_kind(app):
    app.switch_page(str(REPO / "pages" / "routers.py")).run()
    app.selectbox(key="router_kind").select("knn").run()
    assert app.text_input(key="router_name").value == "knn-toy"
    app.selectbox(key="router_kind").select("centroid").run()
    assert not app.exception and app.text_input(key="router_name").value == "centroid-toy"


def test_the_trained_token_router_on_compare_and_routers_pages(app):
    """Stored test answers of a trained token policy: a deployable curve on Compare; the
    Routers page lists the policy and offers it to the live token router."""
    import json

    from app.routing.token_training import TOKEN_CURVE
    from app.ui import resources
    from routers.token_policy import ThresholdPolicy, policy_to_dict

    store = resources.store()
    sources = [s for (s,) in store.rows("SELECT source_id FROM queries")]

    def add(cur):
        cur.execute("INSERT INTO token_policies (dataset, tradeoff, family, policy, "
                    "train_reward, heldout, settings) VALUES ('toy', 3, 'threshold', ?, 0.6, "
                    "'{\"threshold\": 0.55, \"logistic\": 0.5}', '{}')",
                    [json.dumps(policy_to_dict(ThresholdPolicy(0.35)))])
        for source in sources:
            cur.execute("INSERT INTO token_evaluations VALUES ('toy', 3, ?, 1, 0.002, 900, "
                        "8, 2, 'x')", [source])
    store.write(add)
    app.switch_page(str(REPO / "pages" / "compare.py")).run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    row = table[table["name"] == TOKEN_CURVE]
    assert len(row) == 1 and bool(row["deployable"].iloc[0])
    assert any("tokens written by the large model" in i.value and "20%" in i.value
               for i in app.info)
    app.switch_page(str(REPO / "pages" / "routers.py")).run()
    app.selectbox(key="router_kind").select("token-router").run()
    assert not app.exception, app.exception
    assert "trained:toy" in app.selectbox(key="router_params_token-router_policy").options
    policies = next(d.value for d in app.dataframe if "family" in d.value.columns)
    assert policies["policy"].tolist() == ["defer when top probability < 0.35"]
    assert policies["test accuracy"].tolist() == [1.0]


def test_taking_a_router_off_the_compare_picker_trains_nothing_again(app, monkeypatch):
    """The routers left were trained for the first line-up: their rows come back as they
    were, and no router is trained for the new line-up."""
    app.switch_page(str(REPO / "pages" / "compare.py")).run()
    assert not app.exception, app.exception
    first = app.dataframe[0].value.set_index("name")
    from app.routing import comparison

    def no_training(*args, **kwargs):
        raise AssertionError("trained again, though trained on the same data before")
    monkeypatch.setattr(comparison, "fit_router", no_training)
    app.multiselect(key="compare_routers").unselect("predictive").run()
    assert not app.exception, app.exception
    after = app.dataframe[0].value.set_index("name")
    assert "predictive" not in after.index
    for name in ("knn", "centroid"):
        pd.testing.assert_series_equal(after.loc[name], first.loc[name])


def test_after_a_restart_the_compare_page_shows_the_kept_comparison(app, monkeypatch):
    """The server's in-memory results are gone after a restart; the comparison kept on disk
    beside the database answers the same question without training again."""
    app.switch_page(str(REPO / "pages" / "compare.py")).run()
    assert not app.exception, app.exception
    shown = app.dataframe[0].value
    from app.ui import compare_view, resources

    resources.comparisons.clear()  # what a restart loses

    def no_training(*args, **kwargs):
        raise AssertionError("trained again, though the same comparison was kept")
    monkeypatch.setattr(compare_view, "compare", no_training)
    app.run()
    assert not app.exception, app.exception
    pd.testing.assert_frame_equal(app.dataframe[0].value, shown)
    assert any("kept on disk" in c.value and "Computed 20" in c.value for c in app.caption)


def test_train_and_test_trains_on_a_worker_thread(app, monkeypatch):
    """The router is fitted off the script thread (a click meanwhile stops only the
    waiting); the page shows its metrics as before."""
    import threading

    from app.routing import configs

    real, threads = configs.fit_router, []

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)
    monkeypatch.setattr(configs, "fit_router", recorded)
    app.switch_page(str(REPO / "pages" / "routers.py")).run()
    app.selectbox(key="router_kind").select("centroid").run()
    app.button[0].click().run()   # Train and test
    assert not app.exception, app.exception
    assert threads == ["routelab-background"]
    assert "Test quality (quality-first)" in {m.label for m in app.metric}


def test_a_comparison_and_the_routers_page_share_one_data_load(app, monkeypatch):
    """The Compare page's worker loads the dataset into the server's routing cache, where
    the Routers page finds it: the embeddings and split are not read twice."""
    from app.routing import configs

    app.switch_page(str(REPO / "pages" / "compare.py")).run()
    assert not app.exception, app.exception

    def no_loading(*args, **kwargs):
        raise AssertionError("loaded again, though the comparison loaded it")
    monkeypatch.setattr(configs, "load_for_routing", no_loading)
    app.switch_page(str(REPO / "pages" / "routers.py")).run()
    app.selectbox(key="router_kind").select("centroid").run()
    app.button[0].click().run()   # Train and test
    assert not app.exception, app.exception
    assert "Test quality (quality-first)" in {m.label for m in app.metric}


def test_jobs_asking_for_the_same_dataset_at_once_load_it_once(monkeypatch):
    """Work ahead of need (the Playground's routers training) and a user's job (a
    comparison) may ask for a dataset's vectors at the same moment: one load, both served
    it. A load that fails is not held, and the next asker tries again."""
    import threading
    import time

    from app.routing import configs
    from app.store.datasets import Dataset
    from app.ui.routing_cache import RoutingCache

    loads, fail = [], [True]

    def slow_load(store, name, encoder, sample_limit, progress):
        loads.append(name)
        time.sleep(0.3)
        if fail[0]:
            fail[0] = False
            raise RuntimeError("the first load fails")
        return object()

    monkeypatch.setattr(configs, "load_for_routing", slow_load)
    cache = RoutingCache()
    dataset = Dataset(id=1, name="log", version="v1", kind="imported", format="long",
                      source="test", imported_at=None, notes=None, queries=10, models=2,
                      outcomes=20)
    with pytest.raises(RuntimeError):
        cache.data_for(None, dataset, "minilm", 100)
    got = []
    threads = [threading.Thread(target=lambda: got.append(
        cache.data_for(None, dataset, "minilm", 100))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert loads == ["log", "log"] and len(got) == 3 and len({id(d) for d in got}) == 1
    assert not cache.data.building  # nothing left behind
