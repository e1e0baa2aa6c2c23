"""The routers that call models while they route, end to end on the real local models."""

from __future__ import annotations

import pytest

from app.models.pool import ModelSpec
from app.routing.live.cascade import LiveCascade
from app.routing.live.consistency import SelfConsistencyRouter, majority, spread
from app.routing.live.llm_router import LLMAsRouter, parse_decision
from app.routing.live.refine import MultiCandidateRefine, parse_proposal

pytestmark = pytest.mark.slow
QUESTION = "What is the capital of France? Answer with just the city name."


def test_spread_and_majority_on_rambling_answers():
    assert spread(["Paris", "paris.", "The answer is Paris"]) == 0.0
    assert spread(["Paris", "Lyon", "Paris"]) == 0.5
    assert spread(["Paris", "Lyon", "Nice"]) == 1.0
    assert majority([("a", "Lyon"), ("b", "Paris"), ("c", "paris")], ["c", "b", "a"]) == (
        "c", "paris")


def test_router_replies_are_parsed_strictly():
    models = ["smollm2", "smollm2-fewshot", "gemma3"]
    assert parse_decision("ASK gemma3", models) == ("ask", "gemma3")
    assert parse_decision("  **ASK: smollm2-fewshot**", models) == ("ask", "smollm2-fewshot")
    assert parse_decision("ANSWER Paris", models) == ("answer", "Paris")
    assert parse_decision("I think gemma3 would be good", models) is None
    assert parse_decision("ASK gpt-5", models) is None
    assert parse_proposal("MODELS: gemma3, smollm2\nREASON: cheap and strong", models, 2) == (
        ["gemma3", "smollm2"], "cheap and strong")
    assert parse_proposal("whatever", models, 2) is None


def test_cascade_escalates_when_the_verifier_rejects(local_models, pool):
    steps = []
    cascade = LiveCascade(pool, steps.append, chain=["smollm2", "gemma3"])
    # a verifier no answer can satisfy: every step is rejected and the chain runs out
    result = cascade.run(QUESTION, {"type": "regex", "pattern": "never-matches-anything"})
    calls = [s for s in result.steps if s.kind == "call"]
    assert [s.model for s in calls] == ["smollm2", "gemma3"]
    assert any("escalating" in s.text for s in result.steps)
    assert result.model == "gemma3" and result.calls == 2
    assert result.cost_usd == pytest.approx(sum(s.cost_usd for s in calls)) and result.cost_usd > 0
    assert result.latency_ms == pytest.approx(sum(s.latency_ms for s in result.steps))
    assert len(steps) == len(result.steps)  # every step was streamed as it happened
    # the verifier reads the reference answer: named so, and the run is not deployable
    assert any(s.kind == "judge" and "reference-answer judge (upper bound)" in s.text
               for s in result.steps)
    assert result.not_deployable and "reference answer" in result.not_deployable
    accepting = LiveCascade(pool, chain=["smollm2", "gemma3"]).run(
        QUESTION, {"type": "regex", "pattern": ".*"})
    assert [s.model for s in accepting.steps if s.kind == "call"] == ["smollm2"]


def test_cascade_reports_a_model_error_mid_chain(local_models, pool):
    broken = dict(pool)
    broken["down"] = ModelSpec(name="down", litellm_model="openai/x",
                               api_base="http://127.0.0.1:9/v1", timeout_s=5)
    result = LiveCascade(broken, chain=["down", "smollm2"]).run(
        QUESTION, {"type": "regex", "pattern": ".*"})
    errors = [s for s in result.steps if s.kind == "error"]
    assert errors and errors[0].model == "down" and "127.0.0.1:9" in errors[0].text
    assert result.model == "smollm2" and result.answer


def test_self_consistency_probes_then_decides(local_models, pool):
    router = SelfConsistencyRouter(pool, probe="smollm2", samples=3, strong="gemma3",
                                   ensemble=["smollm2-fewshot", "gemma3"])
    result = router.run("Name any colour. Answer with one word.")
    probes = [s for s in result.steps if s.kind == "call" and s.model == "smollm2"]
    assert len(probes) == 3
    decision = next(s.text for s in result.steps if s.text.startswith("sigma"))
    assert result.answer and result.model
    extra_calls = result.calls - 3
    if "agree" in decision:
        assert extra_calls == 0
    elif "stronger" in decision:
        assert extra_calls == 1 and result.model == "gemma3"
    else:
        assert extra_calls == 2
    assert result.cost_usd == pytest.approx(sum(s.cost_usd for s in result.steps))


def test_llm_router_falls_back_visibly_on_a_malformed_decision(local_models, pool):
    bad_prompt = "Say something about the weather. {descriptors} {question} {context}"
    router = LLMAsRouter(pool, router_model="smollm2", default_model="gemma3",
                         prompt=bad_prompt)
    result = router.run(QUESTION)
    fallback = [s for s in result.steps if s.kind == "fallback"]
    assert fallback and "asking gemma3" in fallback[0].text
    assert result.model == "gemma3" and result.calls == 2


def test_multi_candidate_refine_answers_and_merges(local_models, pool):
    router = MultiCandidateRefine(pool, proposer="smollm2", k=2, refiner="gemma3",
                                  candidates=["smollm2", "smollm2-fewshot", "gemma3"])
    result = router.run(QUESTION)
    calls = [s for s in result.steps if s.kind == "call"]
    assert len(calls) == 3  # two candidates, then the refiner
    assert calls[-1].model == "gemma3" and result.model == "gemma3"
    assert any(s.kind in ("decision", "fallback") for s in result.steps)
    assert result.cost_usd == pytest.approx(sum(s.cost_usd for s in result.steps))


def test_cascade_with_the_learned_judge_on_the_demo_log(local_models, pool, store, monkeypatch):
    """A judged-cascade saved on the built-in demo log (the local models' real answers)
    judges fresh answers from the real local models: it never reads the reference, so the
    run stays deployable, and its steps say what it judged."""
    from app.data.demo.log import ensure_demo
    from app.routing.configs import RouterConfig, save_config
    from app.routing.live.learned import LearnedJudgeProblem, load

    monkeypatch.setenv("ROUTELAB_DEMO", "1")
    name = ensure_demo(store)
    save_config(store, RouterConfig("judge-demo", "judged-cascade", {"folds": 3},
                                    name, "hashing-ngrams-512"))
    params = {"judge": "learned:judge-demo", "budget": 0.0}
    extra = LiveCascade.resources(store, params)
    result = LiveCascade(pool, **params, **extra).run(
        QUESTION, {"type": "regex", "pattern": "never-matches-anything"})
    assert result.answer and result.model in extra["learned"].router.models_
    assert not result.not_deployable  # the verifier above was never read
    judged = [s for s in result.steps if s.kind == "judge"]
    assert judged and all("learned judge judge-demo: P(right)" in s.text for s in judged)
    assert result.cost_usd == pytest.approx(sum(s.cost_usd for s in result.steps if
                                                s.kind == "call"))
    assert load(store, "judge-demo") is extra["learned"]  # fitted once per process
    save_config(store, RouterConfig("knn-demo", "knn", {}, name, "hashing-ngrams-512"))
    with pytest.raises(LearnedJudgeProblem, match="a learned judge is a saved judged-cascade"):
        load(store, "knn-demo")
