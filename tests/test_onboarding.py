"""UniRoute onboarding: a model joins a saved clusters router from representative prompts.

A planted log: 'chef' is the best model on cooking and poor elsewhere, 'mathswhiz' on
arithmetic, 'generalist' middling everywhere. Onboarding 'chef' from a few prompts per
cluster must route cooking to it, nearly as the router retrained with its whole log does.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from app import cli
from app.data.importers import import_path, remove_dataset
from app.routing import onboarding
from app.routing.configs import (
    RouterConfig,
    RouterProblem,
    build_router,
    fit_router,
    load_for_routing,
    save_config,
    saved_configs,
)
from routers import Outcomes, Queries
from routers.clusters import ClusterErrorRouter
from tests.conftest import REPO, write
from tests.test_cli import routelab

FAST = "hashing-ngrams-512"
TOPICS = {"maths": ["add", "sum", "multiply", "divide", "integer", "fraction", "equation"],
          "geo": ["capital", "country", "river", "mountain", "continent", "border", "ocean"],
          "cook": ["recipe", "bake", "oven", "flour", "simmer", "sauce", "garlic"]}
P_RIGHT = {"generalist": {"maths": .6, "geo": .6, "cook": .5},
           "mathswhiz": {"maths": .95, "geo": .2, "cook": .2},
           "chef": {"maths": .1, "geo": .2, "cook": .95}}
CLUSTERS = RouterConfig("uni", "clusters", {"n_clusters": 6}, "planted", FAST)


def planted_log(tmp_path, n: int = 300):
    rng = np.random.default_rng(0)
    lines = ["prompt,task,model,score,cost_usd"]
    for i in range(n):
        task = list(TOPICS)[i % 3]
        text = f"{' '.join(rng.choice(TOPICS[task], 4))} question {i}"
        lines += [f"{text},{task},{m},{int(rng.random() < p[task])},{0.001 * (j + 1)}"
                  for j, (m, p) in enumerate(P_RIGHT.items())]
    return write(tmp_path / "planted.csv", "\n".join(lines) + "\n")


@pytest.fixture
def planted(store, tmp_path):
    import_path(store, planted_log(tmp_path), name="planted")
    save_config(store, CLUSTERS)
    return store


# ---- the router ---------------------------------------------------------------------------

def three_topic_outcomes(seed: int = 0) -> Outcomes:
    """Embeddings in three tight groups; model j is right on group j only."""
    rng = np.random.default_rng(seed)
    group = np.arange(150) % 3
    X = np.eye(8)[group] + 0.05 * rng.normal(size=(150, 8))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    reward = (group[:, None] == np.arange(3)[None]).astype(float)
    return Outcomes(Queries(tuple(f"q{i}" for i in range(150)), X), ("a", "b", "c"), reward,
                    np.full((150, 3), 0.01))


def test_onboarding_reads_only_the_representative_prompts():
    outcomes = three_topic_outcomes()
    router = ClusterErrorRouter(n_clusters=3).fit_onboarded(outcomes, {"c": 2})
    rows = router.onboarding_rows(outcomes, "c", 2)
    assert len(rows) == 6 and router.models_ == ["a", "b", "c"]
    # scrambling c's answers everywhere else changes nothing it learned
    scrambled = outcomes.reward.copy()
    others = np.setdiff1d(np.arange(150), rows)
    scrambled[others, 2] = 1 - scrambled[others, 2]
    again = ClusterErrorRouter(n_clusters=3).fit_onboarded(
        dataclasses.replace(outcomes, reward=scrambled), {"c": 2})
    assert np.allclose(again.vectors_["c"], router.vectors_["c"])
    # and c wins its own group, as it does when retrained with its whole log
    group = np.arange(150) % 3
    choice = router.choose(router.score(outcomes.queries))
    assert (choice[group == 2] == 2).all()
    retrained = ClusterErrorRouter(n_clusters=3).fit(outcomes)
    assert np.array_equal(choice, retrained.choose(retrained.score(outcomes.queries)))


def test_onboard_refuses_what_it_cannot_learn_from():
    outcomes = three_topic_outcomes()
    with pytest.raises(ValueError, match="fit the router"):
        ClusterErrorRouter().onboard("x", outcomes.queries.X[:2], [1.0, 0.0])
    with pytest.raises(ValueError, match="no such model"):
        ClusterErrorRouter(n_clusters=3).fit_onboarded(outcomes, {"zz": 3})
    silent = outcomes.reward.copy()
    silent[:, 2] = np.nan
    with pytest.raises(ValueError, match="answered none"):
        ClusterErrorRouter(n_clusters=3).fit_onboarded(
            dataclasses.replace(outcomes, reward=silent), {"c": 3})


# ---- the service --------------------------------------------------------------------------

def test_onboarding_gets_close_to_retraining_on_a_planted_log(planted):
    result = onboarding.simulate(planted, CLUSTERS, "chef", 3)
    rows = {r["name"]: r for r in result.rows}
    assert len(result.prompts) == 18 and result.model_log == 210 and result.test_size == 90
    assert rows["onboarded"]["quality"] >= 0.95 * rows["retrained"]["quality"]
    assert rows["retrained"]["quality"] > rows["without"]["quality"] + 0.1
    assert rows["without"]["share_to_model"] == 0
    assert rows["onboarded"]["share_to_model"] == pytest.approx(1 / 3, abs=0.05)
    assert result.agreement >= 0.9 and result.quality_ratio >= 0.95
    assert "Onboarding chef from 18 prompts (9% of its training log)" in result.headline()
    assert result.config.params == {"n_clusters": 6, "onboarded": {"chef": 3}}


def test_choices_never_read_the_test_split(planted):
    """Prompts and what the router learns come from training; scrambling every test answer
    changes only the test metrics."""
    data = load_for_routing(planted, "planted", FAST)
    reward = data.outcomes.reward.copy()
    reward[data.test] = 1 - reward[data.test]
    flipped = dataclasses.replace(data, outcomes=dataclasses.replace(data.outcomes,
                                                                     reward=reward))
    first = onboarding.simulate(planted, CLUSTERS, "chef", 3, data=data)
    second = onboarding.simulate(planted, CLUSTERS, "chef", 3, data=flipped)
    assert first.prompts == second.prompts
    test_texts = {data.outcomes.queries.text[i] for i in data.test}
    assert not set(first.prompts) & test_texts
    one, two = (fit_router(planted, first.config, d) for d in (data, flipped))
    assert all(np.allclose(one.vectors_[m], two.vectors_[m]) for m in one.models_)
    assert first.rows != second.rows


def test_saved_onboarding_round_trips_and_fit_router_honours_it(planted):
    result = onboarding.simulate(planted, CLUSTERS, "chef", 2)
    onboarding.save(planted, result)
    [saved] = saved_configs(planted)
    assert saved.params["onboarded"] == {"chef": 2}
    data = load_for_routing(planted, "planted", FAST)
    router = fit_router(planted, saved, data)
    train = data.outcomes.subset(data.train)
    rows = router.onboarding_rows(train, "chef", 2)
    expected = ClusterErrorRouter(n_clusters=6).fit(train)._vector(
        train.queries.X[rows], train.reward[rows, train.column("chef")])
    assert np.allclose(router.vectors_["chef"], expected)
    retrained = fit_router(planted, CLUSTERS, data)
    assert not np.allclose(router.vectors_["chef"], retrained.vectors_["chef"])
    assert np.allclose(router.vectors_["generalist"], retrained.vectors_["generalist"])
    # forgetting the onboarding makes it learn the whole log again
    assert onboarding.with_onboarded(saved, "chef", None).params == CLUSTERS.params


def test_onboarding_is_refused_where_it_cannot_apply(planted):
    with pytest.raises(RouterProblem, match="cannot onboard"):
        build_router(RouterConfig("k", "knn", {"onboarded": {"chef": 3}}))
    with pytest.raises(RouterProblem, match="positive number"):
        build_router(dataclasses.replace(CLUSTERS, params={"onboarded": {"chef": 0}}))
    save_config(planted, RouterConfig("near", "knn", {}, "planted", FAST))
    with pytest.raises(RouterProblem, match="knn router, which cannot onboard"):
        onboarding.saved_onboardable(planted, "near")
    assert [c.name for c in onboarding.onboardable(planted)] == ["uni"]
    with pytest.raises(RouterProblem, match="no model named 'gpt'"):
        onboarding.simulate(planted, CLUSTERS, "gpt")


# ---- the command line ---------------------------------------------------------------------

def test_cli_onboards_and_saves(planted):
    planted.close()
    done = routelab("onboard", "uni", "chef", "--per-cluster", "2", "--save", "--json",
                    db=planted.path, env={"ROUTELAB_ENCODER": FAST})
    assert done.returncode == 0, done.stderr

    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")
    report = json.loads(done.stdout, parse_constant=refuse)
    assert (report["prompts"], report["per_cluster"], report["saved"]) == (12, 2, True)
    assert {r["name"] for r in report["rows"]} == {"onboarded", "retrained", "without"}
    assert report["params"]["onboarded"] == {"chef": 2}
    table = routelab("onboard", "uni", "chef", db=planted.path, env={"ROUTELAB_ENCODER": FAST})
    assert table.returncode == 0, table.stderr
    assert "onboarded" in table.stdout and "Onboarding chef from 18 prompts" in table.stdout
    assert "Add --save" in table.stdout


@pytest.mark.parametrize("args, message", [
    (["nope", "chef"], "no saved router named 'nope'"),
    (["near", "chef"], "knn router, which cannot onboard"),
    (["uni", "gpt"], "no model named 'gpt'"),
    (["gone", "chef"], "no dataset named 'elsewhere'"),
])
def test_cli_errors_exit_2_with_a_message(planted, args, message, capsys, monkeypatch):
    monkeypatch.setenv("ROUTELAB_ENCODER", FAST)
    save_config(planted, RouterConfig("near", "knn", {}, "planted", FAST))
    save_config(planted, dataclasses.replace(CLUSTERS, name="gone", dataset="elsewhere"))
    planted.close()
    assert cli.main(["--db", str(planted.path), "onboard", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_removed_dataset_is_a_clear_error(planted, capsys):
    remove_dataset(planted, "planted")
    planted.close()
    assert cli.main(["--db", str(planted.path), "onboard", "uni", "chef"]) == 2
    assert "no dataset named 'planted'" in capsys.readouterr().err


# ---- the Routers page ---------------------------------------------------------------------

@pytest.mark.slow
def test_routers_page_onboards_and_saves(planted, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from app.ui import resources
    planted.close()
    for key, value in {"ROUTELAB_DB": str(planted.path), "ROUTELAB_DEMO": "0",
                       "ROUTELAB_ENCODER": FAST}.items():
        monkeypatch.setenv(key, value)
    resources.store.clear()
    try:
        app = AppTest.from_file(str(REPO / "app" / "main.py"), default_timeout=120)
        app.run()
        app.switch_page(str(REPO / "pages" / "routers.py")).run()
        app.selectbox(key="onboard_model").select("chef").run()
        app.button(key="onboard_run").click().run()
        assert not app.exception, app.exception
        assert any("reaches" in m.value for m in app.markdown)
        [table] = [d.value for d in app.dataframe if "routed to chef" in d.value.columns]
        assert len(table) == 3 and table["routed to chef"].iloc[2] == 0
        app.button(key="onboard_save").click().run()
        assert not app.exception, app.exception
        [saved] = saved_configs(resources.store())
        assert saved.params["onboarded"] == {"chef": 3}
        assert any("Saved: uni" in c.value for c in app.caption)
    finally:
        resources.store.clear()
