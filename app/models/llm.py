"""The only door to LiteLLM: chat and text completions, streaming, timeouts, retries, cost.

Every call returns a `Call` (never raises for model trouble): the text, real latency and
token counts, cost (LiteLLM's cost map when it knows the model, the pool's declared
prices otherwise), and a structured `CallError` with a human message when it failed.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
import uuid
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from app.models import local_server, secrets
from app.models.pool import ModelSpec
from app.models.shots import Example, nearest_examples, without_prompt

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm loads


@dataclass(frozen=True)
class CallError:
    kind: str      # timeout | unreachable | server_exited | no_key | auth | not_found |
    message: str   # rate_limit | context_overflow | bad_request | server | unknown


@dataclass
class Call:
    """One model call, successful or not; what the collector and the playground record."""

    model: str
    text: str = ""
    latency_ms: float = 0.0
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost_usd: float | None = None
    cost_source: str = "unknown"
    error: CallError | None = None
    response_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def ok(self) -> bool:
        return self.error is None


def _litellm():
    import litellm  # heavy: imported on first call, never at module import

    litellm.suppress_debug_info = True
    litellm.drop_params = True  # servers that lack a parameter (seed, ...) just ignore it
    return litellm


def build_prompt(spec: ModelSpec, prompt: str, examples: Sequence[Example] = ()) -> dict:
    """The request body: chat messages or completion text, few-shot when the spec says so:
    the given examples (a task's own), else the worked examples nearest the prompt."""
    shots = []
    if spec.prompt_style == "fewshot":
        shots = without_prompt(examples, prompt) if examples else nearest_examples(prompt)
    if spec.kind == "chat":
        messages = []
        for question, answer in shots:
            messages += [{"role": "user", "content": question},
                         {"role": "assistant", "content": answer}]
        return {"messages": messages + [{"role": "user", "content": prompt}]}
    text = "".join(f"Q: {q}\nA: {a}\n\n" for q, a in shots) + f"Q: {prompt}\nA:"
    return {"prompt": text, "stop": list(spec.stop) or ["\nQ:", "\nA:", "\n\n"]}


def _request(spec: ModelSpec, prompt: str, examples, temperature, seed, timeout) -> dict:
    body = build_prompt(spec, prompt, examples)
    request = {"model": spec.litellm_model, "max_tokens": spec.max_tokens,
               "temperature": spec.temperature if temperature is None else temperature,
               "timeout": timeout or spec.timeout_s, **body}
    if spec.stop and "stop" not in request:
        request["stop"] = list(spec.stop)
    seed = spec.seed if seed is None else seed
    if seed is not None:
        request["seed"] = sample_seed(prompt, seed)
    return {**request, **connection(spec)}


def connection(spec: ModelSpec) -> dict:
    """Where and how to reach a model: its api_base and key (which nothing logs)."""
    found = {"api_base": spec.base_url()} if spec.base_url() else {}
    key = secrets.secret(spec.key_env())
    return {**found, "api_key": key or ("none" if spec.is_local or spec.api_base else None)}


def text_completion(**request):
    """LiteLLM's text completion, for callers that build their own request (continuation)."""
    return _litellm().text_completion(**request)


def sample_seed(prompt: str, sample: int) -> int:
    """The seed of sample k of a prompt. It depends on the prompt: one fixed seed for every
    prompt makes the first random draw the same everywhere, so the samples of different
    prompts share a bias (seed 1 made SmolLM2 open most answers with "I am a loyal AI")."""
    return (zlib.crc32(prompt.encode("utf-8")) * 31 + int(sample)) % 2**31


def complete(spec: ModelSpec, prompt: str, *, examples: Sequence[Example] = (),
             temperature: float | None = None, seed: int | None = None,
             timeout: float | None = None, retries: int = 2) -> Call:
    """Ask `spec` once; time out, retry transient failures, and report what happened."""
    missing = _missing_key(spec)
    if missing:
        return Call(spec.name, error=missing)
    request = _request(spec, prompt, examples, temperature, seed, timeout)
    started = time.perf_counter()
    try:
        litellm = _litellm()
        if spec.kind == "chat":
            reply = litellm.completion(num_retries=retries, **request)
            text = reply.choices[0].message.content or ""
        else:
            reply = litellm.text_completion(num_retries=retries, **request)
            text = reply.choices[0].text or ""
    except Exception as exc:  # LiteLLM maps provider failures to many exception types
        return Call(spec.name, latency_ms=_ms(started), error=classify(exc, spec, request))
    usage = getattr(reply, "usage", None)
    tokens_in = getattr(usage, "prompt_tokens", None)
    tokens_out = getattr(usage, "completion_tokens", None)
    cost, source = cost_of(spec, tokens_in, tokens_out)
    return Call(spec.name, text=text.strip(), latency_ms=_ms(started), tokens_in=tokens_in,
                tokens_out=tokens_out, cost_usd=cost, cost_source=source)


def stream(spec: ModelSpec, prompt: str, *, examples: Sequence[Example] = (),
           timeout: float | None = None) -> Iterator[str | Call]:
    """Yield text pieces as they arrive, then one final `Call` with totals (or the error)."""
    missing = _missing_key(spec)
    if missing:
        yield Call(spec.name, error=missing)
        return
    request = _request(spec, prompt, examples, None, None, timeout)
    started, parts, usage = time.perf_counter(), [], None
    try:
        litellm = _litellm()
        call = litellm.completion if spec.kind == "chat" else litellm.text_completion
        for chunk in call(stream=True, stream_options={"include_usage": True}, **request):
            usage = getattr(chunk, "usage", None) or usage
            if not chunk.choices:
                continue
            choice = chunk.choices[0]
            piece = (getattr(choice, "delta", None) and choice.delta.content) or \
                getattr(choice, "text", None) or ""
            if piece:
                parts.append(piece)
                yield piece
    except Exception as exc:  # a failure mid-stream is reported, not raised
        yield Call(spec.name, text="".join(parts), latency_ms=_ms(started),
                   error=classify(exc, spec, request))
        return
    text = "".join(parts)
    tokens_in = getattr(usage, "prompt_tokens", None)
    tokens_out = getattr(usage, "completion_tokens", None)
    if tokens_in is None:
        tokens_in, tokens_out = _count_tokens(spec, request, text)
    cost, source = cost_of(spec, tokens_in, tokens_out)
    yield Call(spec.name, text=text.strip(), latency_ms=_ms(started), tokens_in=tokens_in,
               tokens_out=tokens_out, cost_usd=cost, cost_source=source)


def cost_of(spec: ModelSpec, tokens_in: int | None, tokens_out: int | None
            ) -> tuple[float | None, str]:
    """(USD, where the price came from): LiteLLM's cost map, else the declared prices."""
    if tokens_in is None or tokens_out is None:
        return None, "unknown"
    if not spec.is_local:
        try:
            cost_in, cost_out = _litellm().cost_per_token(
                model=spec.litellm_model, prompt_tokens=tokens_in,
                completion_tokens=tokens_out)
            return cost_in + cost_out, "litellm"
        except Exception:  # not in the cost map: fall back to the pool's prices
            pass
    if spec.usd_per_1k_in is None and spec.usd_per_1k_out is None:
        return None, "unknown"
    return ((tokens_in * (spec.usd_per_1k_in or 0.0)
             + tokens_out * (spec.usd_per_1k_out or 0.0)) / 1000.0, "declared")


def classify(exc: Exception, spec: ModelSpec, request: dict | None = None) -> CallError:
    """A structured, key-free error with a message a user can act on."""
    name = type(exc).__name__
    detail = secrets.redact(str(exc).splitlines()[0] if str(exc) else name)[:300]
    where = spec.base_url() or spec.litellm_model
    exited = local_server.why_down() if spec.is_local else None
    if exited:  # whatever the client saw (a reset, a cut stream), say the server died, how
        return CallError("server_exited", f"{spec.name}: {exited}")
    if "Timeout" in name:
        timeout = (request or {}).get("timeout", spec.timeout_s)
        return CallError("timeout", f"{spec.name} did not answer within {timeout:g} s.")
    if name == "APIConnectionError" or any(sign in detail for sign in (
            "Connection refused", "ConnectError", "Connection error", "connect error")):
        hint = (" Start the local model server: `routelab serve` (or `make run`)."
                if spec.is_local else " Check the network and api_base.")
        return CallError("unreachable", f"Could not reach {where}.{hint}")
    if name == "AuthenticationError":
        return CallError("auth", f"{spec.name}: the provider rejected the key in "
                         f"{spec.key_env()}. Check it.")
    if name == "ContextWindowExceededError":
        return CallError("context_overflow", f"{spec.name}: the prompt is longer than the "
                         "model's context window.")
    if name == "NotFoundError":
        return CallError("not_found", f"{spec.name}: model '{spec.litellm_model}' was not "
                         f"found at {where} ({detail}).")
    if name == "RateLimitError":
        return CallError("rate_limit", f"{spec.name}: rate limited by the provider; "
                         "try again later or lower the concurrency.")
    if name in ("BadRequestError", "UnprocessableEntityError"):
        return CallError("bad_request", f"{spec.name}: the request was refused ({detail}).")
    if name in ("InternalServerError", "ServiceUnavailableError", "APIError",
                "BadGatewayError"):
        return CallError("server", f"{spec.name}: the server failed ({detail}).")
    return CallError("unknown", f"{spec.name}: {name}: {detail}")


@dataclass(frozen=True)
class Health:
    ok: bool
    message: str


def check(spec: ModelSpec, timeout: float = 10.0) -> Health:
    """A cheap reachability check: list the local server's models, or a 1-token call."""
    if spec.is_local:
        return local_health(spec, timeout)
    missing = _missing_key(spec)
    if missing:
        return Health(False, missing.message)
    probe = ModelSpec(**{**spec.__dict__, "max_tokens": 1, "samples": 1,
                         "prompt_style": "plain"})
    call = complete(probe, "Say OK.", timeout=timeout, retries=0)
    return Health(call.ok, "reachable" if call.ok else call.error.message)


def local_health(spec: ModelSpec, timeout: float = 3.0) -> Health:
    alias = spec.litellm_model.split("/", 1)[-1]
    try:
        with urllib.request.urlopen(f"{spec.base_url()}/models", timeout=timeout) as reply:
            served = [m["id"] for m in json.load(reply).get("data", [])]
    except (OSError, ValueError):
        exited = local_server.why_down()
        if exited:
            return Health(False, f"Not running: {exited}")
        return Health(False, f"The local model server is not running at {spec.base_url()}. "
                      "Start it with `routelab serve` (or `make run`), or by hand: "
                      "`.venv/bin/python -m app.models.local_server`.")
    if alias not in served:
        return Health(False, f"The local server runs but does not serve '{alias}' "
                      f"(it serves {', '.join(served)}).")
    return Health(True, "reachable (local llama.cpp server)")


def _missing_key(spec: ModelSpec) -> CallError | None:
    env = spec.key_env()
    if env and not spec.api_base and not secrets.secret(env):
        return CallError("no_key", f"{spec.name} needs a key: set {env} in the environment "
                         "or as a root-level key in .streamlit/secrets.toml.")
    return None


def _count_tokens(spec: ModelSpec, request: dict, text: str) -> tuple[int | None, int | None]:
    """Token counts when a stream reports no usage (LiteLLM's tokenizer; approximate)."""
    try:
        litellm = _litellm()
        if "messages" in request:
            tokens_in = litellm.token_counter(model=spec.litellm_model,
                                              messages=request["messages"])
        else:
            tokens_in = litellm.token_counter(model=spec.litellm_model, text=request["prompt"])
        return tokens_in, litellm.token_counter(model=spec.litellm_model, text=text)
    except Exception:  # no tokenizer for this model: leave the counts unknown
        return None, None


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


def prices(spec: ModelSpec) -> tuple[float | None, float | None, str]:
    """(USD per 1k input tokens, per 1k output tokens, source) as calls will charge them."""
    if not spec.is_local:
        try:
            info = _litellm().get_model_info(spec.litellm_model)
            per_in, per_out = info.get("input_cost_per_token"), info.get("output_cost_per_token")
            if per_in is not None and per_out is not None:
                return per_in * 1000, per_out * 1000, "LiteLLM cost map"
        except Exception:  # unknown to LiteLLM: the declared prices apply
            pass
    if spec.usd_per_1k_in is None and spec.usd_per_1k_out is None:
        return None, None, "unknown"
    return spec.usd_per_1k_in, spec.usd_per_1k_out, "declared"


# ---- prices and token counts of logged models (estimating costs a log lacks) ----------

@lru_cache(maxsize=1024)
def cost_map_entry(model: str) -> tuple[str, float, float] | None:
    """(entry, USD per input token, per output token) in LiteLLM's cost map for a model
    name: the exact entry (any case), else the one price shared by every provider-prefixed
    entry ending in '/name'; None when unknown or when providers disagree."""
    table = _litellm().model_cost

    def price(key: str) -> tuple[float, float] | None:
        info = table.get(key) or {}
        per_in, per_out = info.get("input_cost_per_token"), info.get("output_cost_per_token")
        return None if per_in is None or per_out is None else (per_in, per_out)
    lowered = {k.lower(): k for k in table}
    exact = lowered.get(model.lower())
    if exact and price(exact):
        return (exact, *price(exact))
    suffix = sorted(k for low, k in lowered.items() if low.endswith("/" + model.lower())
                    and price(k))
    prices = {price(k) for k in suffix}
    return (suffix[0], *prices.pop()) if len(prices) == 1 else None


# Providers whose tokenizers LiteLLM ships; for any other name it may try to download one
# from the Hugging Face hub (it does for names with "llama" in them), which must not happen.
_BUNDLED_TOKENIZERS = ("openai", "azure", "anthropic", "text-completion-openai")


def token_count(model: str, text: str) -> int:
    """LiteLLM's token count of a text: the model's own tokenizer where LiteLLM ships it,
    else tiktoken's cl100k (an approximation, never a download)."""
    litellm = _litellm()
    entry = cost_map_entry(model)
    provider = litellm.model_cost[entry[0]].get("litellm_provider") if entry else None
    name = entry[0] if provider in _BUNDLED_TOKENIZERS else ""
    return int(litellm.token_counter(model=name, text=text))
