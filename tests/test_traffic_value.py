"""What real traffic is worth: the Savings numbers and the off-policy estimates of saved
routers on a traffic log, each against a computation done by hand on a tiny log."""

from __future__ import annotations

import numpy as np
import pytest

from app.data.importers import import_path
from app.data.importers.pricing import Price
from app.present.report import render_traffic
from app.routing.configs import saved_configs
from app.routing.feedback import BanditBook, Vote, record_vote, retract
from app.routing.savings import savings
from app.routing.traffic_policy import MIN_MATCHES, fit_saved, traffic_estimates
from app.store.datasets import id_of
from tests.traffic_logs import FAST, call, failure, save_single, scored_log, write_log

PRICES = {"big": Price(10.0, 30.0, "your price"), "small": Price(1.0, 2.0, "your price")}


@pytest.fixture(autouse=True)
def fast_encoder(monkeypatch):
    monkeypatch.setenv("ROUTELAB_ENCODER", FAST)


def _label(store, book, dataset: str, call_id: str, reward: float, session: str = "s"):
    query_id, model, text = store.rows(
        "SELECT q.query_id, o.model, q.text FROM queries q JOIN outcomes o USING (query_id) "
        "WHERE q.source_id = ? AND q.dataset_id = ?", [call_id, id_of(store, dataset)])[0]
    return record_vote(store, book, Vote.label(session, model=model, question=text,
                                               reward=reward, query_id=query_id,
                                               dataset=dataset))


def _priced_log(store, tmp_path, router: str = "prod"):
    """Five answered calls and one failure over two hours (hand numbers in the test)."""
    calls = [
        call(0, "small", router=router, prompt_tokens=100, completion_tokens=50,
             cost_usd=0.0002),
        call(1, "big", router=router, prompt_tokens=200, completion_tokens=100,
             cost_usd=0.005),
        call(2, "small", router=router, prompt_tokens=300, completion_tokens=100,
             cost_usd=0.0005),
        call(3, "small", router=router, prompt_tokens=100, completion_tokens=None,
             cost_usd=0.0001),
        call(4, "small", router=router, prompt_tokens=50, completion_tokens=50, cost_usd=None),
        failure(5, "big")]
    import_path(store, write_log(tmp_path / "traffic.jsonl", calls), name="traffic")


def test_savings_against_a_hand_computation(store, tmp_path):
    scored_log(store, tmp_path)
    save_single(store, "prod", "small")   # the deployed router, learned on train-log
    _priced_log(store, tmp_path)
    book = BanditBook(store, FAST)
    for call_id, reward in (("chatcmpl-0", 1.0), ("chatcmpl-1", 1.0), ("chatcmpl-2", 0.0)):
        _label(store, book, "traffic", call_id, reward)
    retract(store, book, _label(store, book, "traffic", "chatcmpl-3", 1.0))  # undone
    found = savings(store, "traffic", PRICES)
    assert found.strongest == "big" and "0.750" in found.why_strongest  # best on train-log
    assert (found.calls, found.failed, found.unpriced) == (5, 1, 1)
    assert found.spend == pytest.approx(0.0002 + 0.005 + 0.0005 + 0.0001)
    # calls 3 (no output tokens) and 4 (no cost) cannot be compared; call 1 went to big
    assert found.compared == 3
    assert found.actual == pytest.approx(0.0002 + 0.005 + 0.0005)
    all_big = (100 * 10 + 50 * 30) / 1e6 + 0.005 + (300 * 10 + 100 * 30) / 1e6
    assert found.all_strongest == pytest.approx(all_big)
    assert found.saved == pytest.approx(all_big - 0.0057)
    assert found.saved_fraction == pytest.approx((all_big - 0.0057) / all_big)
    assert found.period == "hour"
    share = {(str(r.period), r.model): (r.calls, r.share) for r in found.share.itertuples()}
    assert share == {("2026-11-28 00:00:00", "big"): (1, 0.5),
                     ("2026-11-28 00:00:00", "small"): (1, 0.5),
                     ("2026-11-28 01:00:00", "small"): (2, 1.0),
                     ("2026-11-28 02:00:00", "small"): (1, 1.0)}
    quality = found.quality.set_index("model")
    assert quality.loc["(all)", ["calls", "labelled"]].tolist() == [5, 3]
    assert quality.loc["(all)", "mean_quality"] == pytest.approx(2 / 3)
    assert quality.loc["small", ["calls", "labelled", "mean_quality"]].tolist() == [4, 2, 0.5]
    assert quality.loc["big", "mean_quality"] == 1.0
    assert any("as long as the ones logged" in note for note in found.notes)


def test_without_a_saved_router_the_strongest_is_the_dearest(store, tmp_path):
    _priced_log(store, tmp_path, router="unsaved")
    found = savings(store, "traffic", PRICES)
    assert found.strongest == "big" and "dearest" in found.why_strongest
    assert savings(store, "traffic", {"small": PRICES["small"]}).strongest == "small"


def test_the_report_carries_the_savings_section(store, tmp_path):
    _priced_log(store, tmp_path, router="unsaved")
    found = savings(store, "traffic", PRICES)
    page = render_traffic(found)
    assert "Savings on real traffic" in page and "would have cost" in page
    assert f"${found.saved:,.4f}" in page and "Quality where labelled" in page
    assert "<script src=" not in page and page.count("window.vegaEmbed=") == 1  # offline
    assert 'vegaEmbed("#spend"' in page and 'vegaEmbed("#share"' in page


def _tiny_log(store, tmp_path, propensities):
    """Six calls: four labelled router choices, a labelled fallback, an unlabelled one."""
    models = ["small", "big", "small", "big", "small", "big"]
    calls = [call(i, m, propensity=p, fallback=i == 4)
             for i, (m, p) in enumerate(zip(models, propensities, strict=True))]
    import_path(store, write_log(tmp_path / "tiny.jsonl", calls), name="tiny")
    book = BanditBook(store, FAST)
    for i, reward in enumerate([1.0, 1.0, 0.0, 0.0, 1.0]):
        _label(store, book, "tiny", f"chatcmpl-{i}", reward)


def test_off_policy_estimates_against_a_hand_computation(store, tmp_path):
    scored_log(store, tmp_path)
    save_single(store, "always-big", "big")
    save_single(store, "always-small", "small")
    _tiny_log(store, tmp_path, [0.5, 0.8, 0.25, 1.0, 1.0, 0.5])
    saved = {c.name: fit_saved(store, c) for c in saved_configs(store)}
    half = lambda prompts, models: np.full(len(prompts), 0.5)  # noqa: E731
    found = traffic_estimates(store, "tiny", saved, half)
    assert (found.calls, found.events, found.fallbacks, found.deterministic) == (6, 4, 1, False)
    rows = found.table.set_index("router")
    assert rows.loc["prod", "value"] == 0.5 and rows.loc["prod", "labelled calls"] == 4
    big = rows.loc["always-big"]  # agrees on calls 1 (p 0.8, reward 1) and 3 (p 1, reward 0)
    assert big["matches"] == 2 and big["labelled calls"] == 4
    assert big["IPS"] == pytest.approx((1 / 0.8) / 4)
    assert big["self-normalised IPS"] == pytest.approx(1.25 / (1.25 + 1.0))
    assert big["doubly robust"] == pytest.approx((0.5 + (0.5 + 1.25 * 0.5) + 0.5 + 0.0) / 4)
    small = rows.loc["always-small"]  # agrees on calls 0 (p 0.5, reward 1), 2 (p 0.25, 0)
    assert small["IPS"] == pytest.approx((1 / 0.5) / 4)
    assert small["self-normalised IPS"] == pytest.approx(2.0 / (2.0 + 4.0))
    assert not big["enough"] and big["matches"] < MIN_MATCHES


def test_deterministic_logging_counts_only_matching_calls(store, tmp_path):
    scored_log(store, tmp_path)
    save_single(store, "always-big", "big")
    _tiny_log(store, tmp_path, [1.0] * 6)
    saved = {"always-big": fit_saved(store, saved_configs(store)[0])}
    found = traffic_estimates(store, "tiny", saved)
    assert found.deterministic
    big = found.table.set_index("router").loc["always-big"]
    assert big["matches"] == 2 and big["IPS"] == pytest.approx(1 / 4)
    assert big["self-normalised IPS"] == pytest.approx(0.5) and np.isnan(big["doubly robust"])


def test_a_router_that_never_agrees_has_no_ips_and_says_so(store, tmp_path):
    scored_log(store, tmp_path)
    save_single(store, "always-mid", "mid")
    _tiny_log(store, tmp_path, [1.0] * 6)
    saved = {"always-mid": fit_saved(store, saved_configs(store)[0])}
    mid = traffic_estimates(store, "tiny", saved).table.set_index("router").loc["always-mid"]
    assert mid["matches"] == 0 and np.isnan(mid["IPS"]) and not mid["enough"]
