"""Token-level routing (CITER): the policy's features, the hand-off between two models, and
the router on the two real local models."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.models.continuation import Continuation, completion_prompt, continue_text
from app.models.llm import Call, CallError
from app.routing import catalog
from app.routing.live import token_router
from app.routing.live.token_router import TokenRouter
from routers.token_policy import (
    LogisticPolicy,
    ThresholdPolicy,
    first_deferral,
    token_features,
)


def test_features_read_the_next_token_distribution():
    tops = [{"a": math.log(0.9), "b": math.log(0.05)}, {"x": math.log(0.4), "y": math.log(0.4)},
            {"only": 0.0}]
    F = token_features(tops, start=2, horizon=10)
    assert F.shape == (3, 4)
    assert F[0, 0] == pytest.approx(0.9) and F[0, 1] == pytest.approx(0.85)
    assert F[1, 1] == pytest.approx(0.0) and F[1, 2] == pytest.approx(math.log(2))  # a coin
    assert F[2, 2] == pytest.approx(0.0) and F[2, 1] == pytest.approx(1.0)
    assert list(F[:, 3]) == pytest.approx([0.2, 0.3, 0.4])


def test_policies_defer_at_the_first_unsure_token():
    F = token_features([{"a": math.log(p)} for p in (0.95, 0.9, 0.3, 0.2, 0.99)])
    assert first_deferral(ThresholdPolicy(0.5), F) == 2
    assert first_deferral(ThresholdPolicy(0.1), F) is None
    assert first_deferral(ThresholdPolicy(0.5), F[:0]) is None
    # the same rule as a logistic policy: defer when 0.5 - top_prob > 0
    assert first_deferral(LogisticPolicy((-1.0, 0.0, 0.0, 0.0), 0.5), F) == 2


class Scripted:
    """Stands in for the two models in unit tests (the real ones run below): each call
    returns the next scripted (tokens, top probability per token, finished) of its model,
    priced per token, and records the answer it was asked to continue."""

    def __init__(self, script: dict[str, list], fail: set[str] = frozenset()):
        self.script = {m: list(turns) for m, turns in script.items()}
        self.fail, self.seen = fail, []

    def __call__(self, spec, prompt, answer, *, max_tokens, top):
        self.seen.append((spec.name, answer, max_tokens))
        if spec.name in self.fail:
            return Continuation(Call(spec.name, error=CallError("unreachable", "down")))
        tokens, probs, finished = self.script[spec.name].pop(0)
        finished = finished and len(tokens) <= max_tokens  # cut short: not the end
        tokens, probs = tokens[:max_tokens], probs[:max_tokens]
        call = Call(spec.name, text="".join(tokens), tokens_in=10, tokens_out=len(tokens),
                    cost_usd=0.001 * len(tokens) + 0.0001 * 10)
        if not top:  # as the real call: text and counts, no tokens or probabilities
            return Continuation(call, finished=finished)
        return Continuation(call, tokens, [{t: math.log(p)} for t, p in zip(tokens, probs,
                                                                             strict=True)],
                            finished)


@pytest.fixture
def two_models(pool, monkeypatch):
    def use(script, fail=frozenset()):
        fake = Scripted(script, fail)
        monkeypatch.setattr(token_router, "continue_text", fake)
        return fake
    return use


def test_the_large_model_writes_where_the_small_one_is_unsure(two_models, pool):
    fake = two_models({
        "smollm2": [(["The", " answer", " is"], [0.9, 0.8, 0.3], False),
                    ([" so", " there", "."], [0.9, 0.9, 0.9], True)],
        "gemma3": [([" 56", ","], [0.9, 0.9], False)]})
    result = TokenRouter(pool, threshold=0.5, span=2).run("What is 7 times 8?")
    assert result.answer == "The answer 56, so there."
    assert [(s.model, s.text) for s in result.spans] == [
        ("smollm2", "The answer"), ("gemma3", " 56,"), ("smollm2", " so there.")]
    assert "".join(s.text for s in result.spans) == result.answer  # the spans, in order
    # each model continued the text so far; the large one for at most `span` tokens
    assert fake.seen == [("smollm2", "", 12), ("gemma3", "The answer", 2),
                         ("smollm2", "The answer 56,", 12)]
    # every call is paid for, including the proposal the policy cut off (" is")
    assert result.cost_usd == pytest.approx(0.001 * (3 + 2 + 3) + 0.0001 * 30)
    assert sum(s.tokens for s in result.spans) == 2 + 2 + 3
    assert result.calls == 3 and result.model == "smollm2" and not result.error


def test_a_sure_small_model_keeps_the_whole_answer(two_models, pool):
    two_models({"smollm2": [(["Canberra", "."], [0.95, 0.99], True)], "gemma3": []})
    result = TokenRouter(pool, threshold=0.5).run("Capital of Australia?")
    assert result.answer == "Canberra." and {s.model for s in result.spans} == {"smollm2"}
    assert result.calls == 1


def test_the_large_model_down_mid_answer_lets_the_small_one_finish(two_models, pool):
    two_models({"smollm2": [(["It", " is"], [0.9, 0.2], False),
                            ([" is", " big", "."], [0.3, 0.3, 0.3], True)]}, fail={"gemma3"})
    result = TokenRouter(pool, threshold=0.5).run("Describe the sea.")
    assert result.answer == "It is big."
    kinds = [s.kind for s in result.steps]
    assert "error" in kinds and "fallback" in kinds and not result.error
    fallback = next(s for s in result.steps if s.kind == "fallback")
    assert "gemma3 failed" in fallback.text and "smollm2 finishes" in fallback.text


def test_the_small_model_down_lets_the_large_one_write_it_all(two_models, pool):
    two_models({"gemma3": [([" The", " sea"], [0.9, 0.9], False),
                           ([" is", " blue", "."], [0.9, 0.9, 0.9], True)]}, fail={"smollm2"})
    result = TokenRouter(pool, span=3).run("Describe the sea.")
    assert result.answer == "The sea is blue." and result.model == "gemma3"
    assert [s.kind for s in result.steps].count("fallback") == 1 and not result.error


def test_both_models_down_is_an_error_not_a_loop(two_models, pool):
    two_models({}, fail={"smollm2", "gemma3"})
    result = TokenRouter(pool).run("Describe the sea.")
    assert result.error == "no model wrote an answer" and result.calls == 0


def test_an_answer_ends_at_a_stop_sequence_met_across_a_hand_off(two_models, pool):
    two_models({"smollm2": [(["Blue", "\n"], [0.9, 0.2], False)],
                "gemma3": [(["\n", "Q:", " next"], [0.9, 0.9, 0.9], False)]})
    result = TokenRouter(pool, threshold=0.5).run("Colour of the sky?")
    assert result.answer == "Blue"
    assert "".join(s.text for s in result.spans).startswith("Blue")


def test_the_router_is_a_live_kind_with_model_parameters(pool):
    kind = catalog.kind("token-router")
    assert kind.live and set(kind.cls.model_params) == {"small", "large"}
    assert TokenRouter(pool, small="nope").run("hi").error == "not in the model pool: nope"


def test_chat_models_are_continued_in_their_template(pool):
    text, stop = completion_prompt(pool["smollm2"], "Hi?")
    assert text.endswith("<|im_start|>user\nHi?<|im_end|>\n<|im_start|>assistant\n")
    assert stop == ["<|im_end|>"]
    text, stop = completion_prompt(pool["gemma3"], "Hi?")
    assert text.endswith("Q: Hi?\nA:") and "\n\n" in stop


@pytest.mark.slow
def test_continuations_carry_real_log_probabilities(local_models, pool):
    step = continue_text(pool["smollm2"], "What is 7 times 8?", "", max_tokens=6)
    assert step.call.ok and len(step.tokens) == len(step.top_logprobs) == step.call.tokens_out
    assert "".join(step.tokens).startswith(step.call.text)
    assert all(p <= 0 for candidates in step.top_logprobs for p in candidates.values())
    assert step.call.cost_usd > 0
    plain = continue_text(pool["gemma3"], "What is 7 times 8?", "", max_tokens=4, top=0)
    assert plain.call.ok and plain.call.text and plain.tokens == [] and plain.call.tokens_out


@pytest.mark.slow
def test_on_the_local_models_unsure_prompts_hand_over_and_sure_ones_do_not(local_models,
                                                                           pool):
    router = TokenRouter(pool, threshold=0.5)
    sure = router.run("What is the capital of France?")  # every token above 0.5
    assert sure.answer and {s.model for s in sure.spans} == {"smollm2"}
    unsure = router.run("Write one sentence about the sea.")
    assert unsure.answer and "gemma3" in {s.model for s in unsure.spans}
    assert "".join(s.text for s in unsure.spans).strip() == unsure.answer
    paid = sum(s.cost_usd for s in unsure.steps if s.kind == "call")
    assert unsure.cost_usd == pytest.approx(paid) and paid > 0
    tokens = np.array([s.tokens_out for s in unsure.steps if s.kind == "call"])
    assert (tokens > 0).all()
