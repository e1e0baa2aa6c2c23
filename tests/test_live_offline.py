"""Self-consistency routing evaluated offline from the demo's probe samples."""

from __future__ import annotations

import numpy as np
import pytest

from app.data.demo.log import ensure_demo
from app.routing.comparison import compare
from app.routing.configs import RouterConfig, load_for_routing
from app.routing.live.offline import CONFIGURED, THRESHOLDS, consistency_curve

pytestmark = pytest.mark.slow
FAST = "hashing-ngrams-512"


def test_offline_self_consistency_is_a_curve_on_the_compare_chart(store, monkeypatch):
    monkeypatch.setenv("ROUTELAB_DEMO", "1")
    ensure_demo(store)
    ids = [s for (s,) in store.rows("SELECT source_id FROM queries q JOIN datasets d "
                                    "USING (dataset_id) WHERE d.name = 'demo'")]
    curve = consistency_curve(store, "demo", "demo-probes", ids, strong="gemma3",
                              ensemble=["smollm2", "smollm2-fewshot", "gemma3"])
    assert curve.quality.shape == (len(THRESHOLDS), len(ids))
    assert curve.headline == CONFIGURED and curve.deployable
    probes_only = THRESHOLDS.index((2.0, 2.0))      # always answer with the probes
    everything = THRESHOLDS.index((-1.0, -1.0))     # always ask the whole ensemble
    assert curve.mean_cost[probes_only] < curve.mean_cost[everything]
    probe_cost = np.mean([c for (c,) in store.rows(
        "SELECT sum(o.cost_usd) FROM outcomes o JOIN queries q USING (query_id) JOIN datasets d "
        "USING (dataset_id) WHERE d.name = 'demo-probes' GROUP BY q.query_id")])
    assert curve.mean_cost[probes_only] == pytest.approx(probe_cost)  # three probe calls
    data = load_for_routing(store, "demo", FAST)
    result = compare(store, "demo", [RouterConfig("knn", "knn", {}, encoder=FAST)],
                     n_boot=0, data=data, probes="demo-probes")
    assert "self-consistency (offline)" in result.routers
    row = next(r for r in result.rows if r["name"] == "self-consistency (offline)")
    assert 0 < row["quality"] < 1 and row["aiq"] is not None
    # the row quotes the configured thresholds, not the first point of the grid
    offline = result.routers["self-consistency (offline)"]
    assert row["quality"] == pytest.approx(offline.mean_quality[CONFIGURED])
    assert row["cost"] == pytest.approx(offline.mean_cost[CONFIGURED])
