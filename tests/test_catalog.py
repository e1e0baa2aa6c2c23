"""Adding a router kind is one module plus one catalog entry: a tiny router defined here is
registered, trained, compared, shown on the Routers page and planned in the Playground,
with no other file touched. And every kind the app ships is in the catalog, by family."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app.data.importers import import_path
from app.models.pool import make_spec
from app.routing import catalog
from app.routing.comparison import compare
from app.routing.configs import RouterConfig, default_configs, fit_router, load_for_routing
from app.routing.playground import plan
from app.store.db import open_store
from routers import Queries, Router
from routers.base import Learned, Outcomes
from tests.conftest import REPO
from tests.test_router_pages import toy_log

FAST = "hashing-ngrams-512"


class BestOnAverage(Router):
    """Send every query to the model with the best mean training reward (a test router)."""

    name = "tiny"
    title = "Tiny: best on average"
    needs_embeddings = False

    def __init__(self, *, shrink: float = 0.0):
        self.shrink = shrink

    def _reset(self, outcomes: Outcomes) -> None:
        self.means_ = {}

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        self.means_[model] = float(np.nanmean(outcomes.reward[:, outcomes.column(model)]))

    def _score(self, queries: Queries) -> np.ndarray:
        return np.tile([self.means_[m] - self.shrink for m in self.models_], (len(queries), 1))

    def learned(self) -> list[Learned]:
        return [Learned("Mean training reward", dict(self.means_), "reward")]


@pytest.fixture
def tiny(monkeypatch):
    """The one entry: registered for this test only."""
    monkeypatch.setitem(catalog.CATALOG, BestOnAverage.name, catalog.Kind.of(BestOnAverage))
    return catalog.kind("tiny")


@pytest.fixture
def toy_store(tmp_path):
    store = open_store(tmp_path / "catalog.duckdb")
    import_path(store, toy_log(tmp_path))
    yield store
    store.close()


def test_the_catalog_holds_every_shipped_kind_by_family():
    assert set(catalog.kinds(catalog.ONLINE)) == {"linucb", "thompson"}
    assert set(catalog.kinds(catalog.LIVE)) == {"live-cascade", "self-consistency",
                                                "llm-router", "multi-refine", "token-router"}
    assert {"knn", "centroid", "clusters", "irt", "cascade"} <= set(
        catalog.kinds(catalog.OFFLINE))
    assert catalog.kind("cascade").simulates and not catalog.kind("knn").simulates
    assert catalog.kind("irt").has_learned_view and catalog.kind("linucb").has_learned_view
    assert not catalog.kind("knn").has_learned_view
    assert catalog.kind("self-consistency").model_params == ("probe", "strong")
    assert catalog.kind("thompson").explore_param == "v"
    assert not catalog.is_live("no-such-kind") and not catalog.is_online("no-such-kind")
    with pytest.raises(KeyError, match="unknown router kind 'no-such-kind'"):
        catalog.kind("no-such-kind")


def test_cold_start_gives_a_valid_empty_router_and_refuses_where_it_cannot():
    bandit = catalog.kind("linucb").build({}).start()
    assert bandit.models_ == [] and bandit.learned()[0].values == {}
    bandit.add_model("a")
    assert bandit.score(Queries(("q",), np.ones((1, 4)) / 2)).shape == (1, 1)
    with pytest.raises(ValueError, match="needs outcomes"):
        catalog.kind("knn").build({}).start()


def test_a_new_kind_is_trained_compared_and_planned(tiny, toy_store):
    config = RouterConfig("tiny", "tiny", {}, "toy", FAST)
    assert "tiny" in [c.kind for c in default_configs()]
    data = load_for_routing(toy_store, "toy", FAST)
    router = fit_router(toy_store, config, data)
    assert router.means_["dear"] > router.means_["cheap"]
    result = compare(toy_store, "toy", [config], n_boot=20, data=data)
    assert "tiny" in result.routers and "tiny" in [row["name"] for row in result.rows]
    pool = {name: make_spec(name, {"litellm_model": f"openai/{name}", "kind": "chat",
                                   "api_base": "http://127.0.0.1:9/v1"})
            for name in ("cheap", "dear")}
    chosen = plan("tiny", router, data.outcomes.queries.subset([0]), pool)
    assert chosen.model == "dear" and chosen.propensity == 1.0 and chosen.problem is None


def test_a_new_kind_is_built_and_shown_on_the_routers_page(tiny, toy_store, monkeypatch):
    toy_store.close()
    for key, value in {"ROUTELAB_DB": str(toy_store.path), "ROUTELAB_DEMO": "0",
                       "ROUTELAB_ENCODER": FAST}.items():
        monkeypatch.setenv(key, value)
    from app.ui import resources
    resources.store.clear()
    page = AppTest.from_file(str(REPO / "app" / "main.py"), default_timeout=120)
    page.run()
    try:
        page.switch_page(str(REPO / "pages" / "routers.py")).run()
        assert "Tiny: best on average" in page.selectbox(key="router_kind").options
        page.selectbox(key="router_kind").select("tiny").run()
        page.number_input(key="router_params_tiny_shrink").set_value(0.1).run()
        page.button[0].click().run()   # Train and test
        assert not page.exception, page.exception
        assert any("Mean training reward" in m.value for m in page.markdown)
    finally:
        resources.store.clear()
