"""Saved routers from a shell: save, list, calibrate to a budget or a strong share, route."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from app.cli import main
from app.routing.configs import load_for_routing, saved_configs
from app.routing.operating import decide, point_of
from app.store.db import open_store
from tests.foreign_logs import Shape, log_database

pytestmark = pytest.mark.slow
FAST = "hashing-ngrams-512"


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A 2-model priced log (strong is dearer) in a fresh database."""
    shape = Shape(n_queries=400, n_models=2, cost="all", seed=3, models=["big", "small"])
    path = log_database(tmp_path, shape)
    monkeypatch.setenv("ROUTELAB_DB", str(path))
    monkeypatch.setenv("ROUTELAB_ENCODER", FAST)
    return path


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_save_list_route(db, capsys, tmp_path):
    code, _, err = run(capsys, "routers", "save", "knn-log", "--dataset", "log", "--kind",
                       "knn", "--param", "k=15")
    assert code == 0 and re.fullmatch(r"Embedding 'log': 0 of (\d+)\n(Embedding 'log': "
                                      r"[\d,]+ of \1\n)+", err), err  # tells how far it got
    code, out, _ = run(capsys, "routers", "list", "--json")
    assert code == 0 and json.loads(out)[0]["params"] == {"k": 15}
    prompts = tmp_path / "prompts.jsonl"
    texts = ["solve for x number 1 algebra", "which empire number 2 history"]
    prompts.write_text("\n".join(json.dumps({"prompt": t}) for t in texts) + "\n")
    code, out, err = run(capsys, "route", "knn-log", "--prompts", str(prompts), "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["prompt"] for r in rows] == texts
    # stdout holds the routes alone; stderr says what was embedded (the log was, by save)
    assert err.splitlines() == ["Embedding the prompts: 0 of 2", "Embedding the prompts: 2 of 2"]
    for row in rows:  # quality first: the model with the higher predicted score
        assert row["model"] == max(row["scores"], key=row["scores"].get)


def test_a_strong_share_is_met_on_the_test_split(db, capsys, tmp_path):
    run(capsys, "routers", "save", "knn-log", "--dataset", "log", "--kind", "knn")
    code, out, _ = run(capsys, "routers", "calibrate", "knn-log", "--strong-share", "0.5",
                       "--json")
    point = json.loads(out)
    assert code == 0 and point["pair"][0] in ("big", "small")
    assert abs(point["expected"]["strong_share"] - 0.5) <= 0.05
    low, high = point["expected"]["strong_share_ci"]
    assert low <= point["expected"]["strong_share"] <= high
    # the saved point is what routing uses: recompute the share from the saved config
    store = open_store(db)
    try:
        config = next(c for c in saved_configs(store) if c.name == "knn-log")
        from app.routing.configs import fit_router
        data = load_for_routing(store, "log", FAST)
        router = fit_router(store, config, data)
        test = data.outcomes.subset(data.test)
        chosen = decide(router, test.queries, point_of(config))
        share = np.mean(chosen == router.models_.index(point["pair"][0]))
        assert share == pytest.approx(point["expected"]["strong_share"])
    finally:
        store.close()


def test_a_budget_is_kept_on_training_and_reported_on_test(db, capsys):
    run(capsys, "routers", "save", "knn-log", "--dataset", "log", "--kind", "knn")
    store = open_store(db)
    data = load_for_routing(store, "log", FAST)
    store.close()
    train = data.outcomes.subset(data.train)
    per_model = np.nanmean(train.cost, axis=0) * 1000
    budget = float(per_model.min() + 0.4 * (per_model.max() - per_model.min()))
    code, out, _ = run(capsys, "routers", "calibrate", "knn-log", "--budget", str(budget),
                       "--json")
    point = json.loads(out)
    expected = point["expected"]
    assert code == 0 and point["budget"] == budget
    low, high = expected["usd_per_1k_ci"]
    assert low <= expected["usd_per_1k"] <= high
    assert expected["usd_per_1k"] <= budget * 1.25  # the training choice carries over


def test_bad_requests_say_what_to_do_and_write_nothing(db, capsys, tmp_path):
    run(capsys, "routers", "save", "knn-log", "--dataset", "log", "--kind", "knn")
    before = run(capsys, "routers", "list", "--json")[1]
    for args, message in (
            (("routers", "calibrate", "knn-log", "--budget", "0.0000001"), "outside what"),
            (("routers", "calibrate", "knn-log", "--budget", "1000"), "outside what"),
            (("routers", "calibrate", "knn-log", "--strong-share", "1.5"), "between 0 and 1"),
            (("routers", "calibrate", "nope", "--budget", "1"), "no saved router"),
            (("routers", "save", "x", "--dataset", "log", "--kind", "nope"), "unknown router"),
            (("routers", "save", "x", "--dataset", "missing", "--kind", "knn"), "no dataset")):
        code, _, err = run(capsys, *args)
        assert code == 2 and message in err, (args, err)
    assert run(capsys, "routers", "list", "--json")[1] == before
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "fine"}\n[1, 2]\n')
    code, _, err = run(capsys, "route", "knn-log", "--prompts", str(bad))
    assert code == 2 and "bad.jsonl, line 2" in err
