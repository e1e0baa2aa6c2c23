"""Continue an answer in completion mode, with each new token's top log-probabilities.

What a token-level router needs: the small model's confidence in every token it proposes,
and a way for two models with different tokenizers to share one answer. Hand-offs are at
the text level: each model continues the answer so far after its own prompt template (a
completion model's few-shot prompt; a chat model's messages in the ChatML template, which
the pool's local chat model, SmolLM2, uses), so neither reads the other's tokens.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from app.models import llm
from app.models.llm import Call, CallError
from app.models.pool import ModelSpec

CHATML_TURN = "<|im_start|>{role}\n{content}<|im_end|>\n"
CHATML_ANSWER = "<|im_start|>assistant\n"


@dataclass
class Continuation:
    call: Call                                    # text, tokens in/out, cost, latency, error
    tokens: list[str] = field(default_factory=list)
    top_logprobs: list[dict[str, float]] = field(default_factory=list)
    finished: bool = False                        # the model ended the answer itself


def completion_prompt(spec: ModelSpec, prompt: str) -> tuple[str, list[str]]:
    """(raw prompt text, stop sequences) that opens the model's answer to `prompt`."""
    body = llm.build_prompt(spec, prompt)
    if "prompt" in body:
        return body["prompt"], body["stop"]
    turns = "".join(CHATML_TURN.format(**message) for message in body["messages"])
    return turns + CHATML_ANSWER, ["<|im_end|>"]


def completion_model(spec: ModelSpec) -> str:
    """The LiteLLM model string that reaches the model's raw completion endpoint."""
    provider, _, name = spec.litellm_model.partition("/")
    return f"text-completion-openai/{name}" if provider == "openai" and name else \
        spec.litellm_model


def continue_text(spec: ModelSpec, prompt: str, answer: str, *, max_tokens: int,
                  top: int = 3, timeout: float | None = None, retries: int = 1
                  ) -> Continuation:
    """Up to `max_tokens` more tokens of the answer to `prompt` that begins with `answer`
    (greedy), with the `top` most likely candidates' log-probabilities at each token
    (`top=0`: none, and no tokens; llama.cpp's server spends about 0.6 s a token on them
    for Gemma's 262k-token vocabulary)."""
    opening, stop = completion_prompt(spec, prompt)
    if answer and opening.endswith(":") and not answer[0].isspace():
        opening += " "  # "A:" is followed by a space in the model's own examples
    request = {"model": completion_model(spec), "prompt": opening + answer,
               "max_tokens": max_tokens, "temperature": 0.0, "stop": stop,
               "timeout": timeout or spec.timeout_s, **llm.connection(spec)}
    if top:
        request["logprobs"] = top
    started = time.perf_counter()
    try:
        reply = llm.text_completion(num_retries=retries, **request)
    except Exception as exc:  # LiteLLM maps provider failures to many exception types
        return Continuation(Call(spec.name, latency_ms=_ms(started),
                                 error=llm.classify(exc, spec, request)))
    choice = reply.choices[0]
    usage = getattr(reply, "usage", None)
    tokens_in = getattr(usage, "prompt_tokens", None)
    tokens_out = getattr(usage, "completion_tokens", None)
    cost, source = llm.cost_of(spec, tokens_in, tokens_out)
    call = Call(spec.name, text=choice.text or "", latency_ms=_ms(started),
                tokens_in=tokens_in, tokens_out=tokens_out, cost_usd=cost, cost_source=source)
    logprobs = getattr(choice, "logprobs", None)
    tops = getattr(logprobs, "top_logprobs", None) if logprobs is not None else None
    if not top:
        return Continuation(call, finished=choice.finish_reason == "stop")
    if not tops and (call.text or choice.finish_reason != "stop"):
        call.error = CallError("bad_request", f"{spec.name} returned no log-probabilities: "
                               "the token router needs a completion endpoint that returns "
                               "them (llama.cpp's or vLLM's server; most cloud chat APIs "
                               "do not)")
        return Continuation(call)
    tokens = list(getattr(logprobs, "tokens", None) or []) if logprobs is not None else []
    return Continuation(call, tokens, [dict(t or {}) for t in tops or []],
                        finished=choice.finish_reason == "stop")


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
