"""Real calls through LiteLLM to the local llama.cpp server: a chat and a completion model."""

from __future__ import annotations

import pytest

from app.models import llm
from app.models.pool import ModelSpec

pytestmark = pytest.mark.slow


def test_chat_model_records_tokens_latency_and_declared_cost(local_models, pool):
    spec = pool["smollm2"]
    call = llm.complete(spec, "What is the capital of France? Answer with one word.")
    assert call.ok, call.error
    assert call.text and call.latency_ms > 0
    assert call.tokens_in > 5 and call.tokens_out > 0
    expected = (call.tokens_in * spec.usd_per_1k_in + call.tokens_out * spec.usd_per_1k_out) / 1e3
    assert call.cost_usd == pytest.approx(expected) and call.cost_source == "declared"


def test_completion_model_gets_a_few_shot_prompt(local_models, pool):
    spec = pool["gemma3"]
    body = llm.build_prompt(spec, "What is 2 plus 2?", [("What is 1 plus 1?", "2")])
    assert body["prompt"].endswith("Q: What is 2 plus 2?\nA:") and "A: 2\n\n" in body["prompt"]
    call = llm.complete(spec, "What is the capital of Italy? Answer with just the city name.",
                        examples=[("What is the capital of Spain? Answer with just the city "
                                   "name.", "Madrid")])
    assert call.ok, call.error
    assert call.tokens_in > 20 and call.tokens_out > 0 and call.cost_usd > 0
    assert "\n" not in call.text  # stopped at the end of the answer line


def test_streaming_yields_pieces_then_totals(local_models, pool):
    events = list(llm.stream(pool["smollm2"], "Name a colour."))
    pieces, final = events[:-1], events[-1]
    assert pieces and all(isinstance(p, str) for p in pieces)
    assert isinstance(final, llm.Call) and final.ok
    assert final.text == "".join(pieces).strip() and final.tokens_out > 0


def test_health_of_local_models(local_models, pool):
    assert llm.check(pool["smollm2"]).ok and llm.check(pool["gemma3"]).ok
    missing = ModelSpec(**{**pool["smollm2"].__dict__, "litellm_model": "openai/not-served"})
    health = llm.check(missing)
    assert not health.ok and "does not serve 'not-served'" in health.message


def test_timeout_and_context_overflow_are_structured_errors(local_models, pool):
    slow = llm.complete(pool["smollm2"], "Tell me a long story.", timeout=0.01, retries=0)
    assert not slow.ok and slow.error.kind == "timeout"
    huge = llm.complete(pool["smollm2"], "word " * 5000, retries=0)
    assert not huge.ok and huge.error.kind in ("context_overflow", "bad_request")
    assert "Traceback" not in huge.error.message


def test_unreachable_server_is_reported_not_raised(pool):
    down = ModelSpec(**{**pool["smollm2"].__dict__, "api_base": "http://127.0.0.1:9/v1"})
    call = llm.complete(down, "hi", retries=0, timeout=5)
    assert not call.ok and call.error.kind == "unreachable"
    assert "127.0.0.1:9" in call.error.message


def test_missing_key_is_reported_without_calling(pool, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setattr("app.models.secrets.secrets_path",
                        lambda: __import__("pathlib").Path("/nonexistent/secrets.toml"))
    call = llm.complete(pool["gpt-4o-mini"], "hi")
    assert call.error.kind == "no_key" and "OPENAI_API_KEY" in call.error.message
