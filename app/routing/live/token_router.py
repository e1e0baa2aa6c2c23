"""Token-level routing (CITER): a small model writes, a large one takes over where the small
one is unsure, and hands back after a span."""

from __future__ import annotations

from dataclasses import dataclass

from app.models.continuation import Continuation, completion_prompt, continue_text
from app.routing.live.base import LiveResult, LiveRouter, Step
from routers.token_policy import ThresholdPolicy, first_deferral, token_features
from routers.token_search import DEFAULT_TRADEOFF

TRAINED = "trained:"  # `policy` naming the dataset whose trained policies to use


@dataclass(frozen=True)
class Span:
    model: str
    text: str
    tokens: int


class TokenRouter(LiveRouter):
    """CITER (Zheng et al., 2025): route within one answer. The small model proposes the
    next tokens with their log-probabilities; the first token whose top probability is
    below `threshold` (the policy reads routers/token_policy.py's features) goes to the
    large model, which writes up to `span` tokens from the text so far; then the small
    model resumes. Hand-offs are text: each model continues the answer in its own prompt
    template. Every call's real tokens are paid for, including proposals the policy cut
    off. If one model fails, the other finishes the answer and a step says so."""

    name = "token-router"
    title = "Token-level router (CITER: small writes, large takes the unsure spans)"
    model_params = ("small", "large")
    trained_policy_params = ("policy",)  # "threshold" or "trained:DATASET"

    def __init__(self, pool, on_step=None, *, small: str = "smollm2", large: str = "gemma3",
                 threshold: float = 0.3, span: int = 6, chunk: int = 12,
                 max_tokens: int = 48, policy: str = "threshold",
                 tradeoff: float = DEFAULT_TRADEOFF, learned=None, continuation=None):
        super().__init__(pool, on_step)
        self.small, self.large = small, large
        # `learned`: a trained policy the app loaded (resources); any object with .defer
        self.policy = learned if learned is not None else ThresholdPolicy(threshold)
        if str(policy).startswith(TRAINED) and learned is None:
            raise ValueError(f"policy '{policy}' needs its trained policy loaded "
                             "(TokenRouter.resources)")
        self.span, self.chunk, self.max_tokens = int(span), int(chunk), int(max_tokens)
        # how a model continues the answer: the real call unless training replays a cache
        self.continuation = continuation

    @classmethod
    def resources(cls, store, params: dict) -> dict:
        policy = str(params.get("policy", "threshold"))
        if not policy.startswith(TRAINED):
            return {}
        from app.routing.token_training import trained_policy

        return {"learned": trained_policy(store, policy[len(TRAINED):].strip(),
                                          float(params.get("tradeoff", DEFAULT_TRADEOFF)))}

    def run(self, prompt: str, verifier: dict | None = None) -> LiveResult:
        result = LiveResult()
        problem = self.missing([self.small, self.large])
        if problem:
            result.error = problem
            return result.finish()
        # the answer ends where either model's prompt format says it does: a stop sequence
        # met across a hand-off is in neither model's own output
        stops = {s for m in (self.small, self.large)
                 for s in completion_prompt(self.pool[m], prompt)[1]}
        written, large_up, small_up, writer, done = 0, True, True, self.small, False
        while not done and written < self.max_tokens:
            left = self.max_tokens - written
            if writer == self.small:
                step = self._continue(result, self.small, prompt, min(self.chunk, left),
                                      top=3)
                if step is None:
                    if not large_up:  # nothing else can write: stop here
                        break
                    small_up, writer = False, self.large
                    self.record(result, Step("fallback", f"{self.small} failed: "
                                             f"{self.large} finishes the answer", self.large))
                    continue
                if not step.tokens:  # nothing more to say
                    break
                cut = first_deferral(self.policy, token_features(
                    step.top_logprobs, start=written, horizon=self.max_tokens))
                if cut is None or not large_up:
                    written += self._accept(result, self.small, step, len(step.tokens))
                    done = step.finished or _ended(result, stops)
                    continue
                written += self._accept(result, self.small, step, cut)
                if _ended(result, stops):
                    break
                self.record(result, Step("decision", f"{self.small} unsure at token "
                                         f"{written + 1} (top probability "
                                         f"{_top_prob(step, cut):.2f}): {self.large} writes",
                                         self.small))
                writer = self.large
            else:
                # the policy reads only the small model's probabilities: none asked here
                step = self._continue(result, self.large, prompt, min(self.span, left), top=0)
                writer = self.small if small_up else self.large
                if step is None:
                    if not small_up:
                        break
                    large_up = False
                    self.record(result, Step("fallback", f"{self.large} failed: "
                                             f"{self.small} finishes the answer", self.small))
                    continue
                # a server that reports no usage still moves the answer on (never a loop)
                counted = step.call.tokens_out or (1 if step.call.text else 0)
                written += self._accept(result, self.large, step, counted)
                done = step.finished or not step.call.text or _ended(result, stops)
        result.answer = result.answer.strip()
        written_by = {m: sum(s.tokens for s in result.spans if s.model == m)
                      for m in (self.small, self.large)}
        result.model = max(written_by, key=written_by.get)  # who wrote most of it
        if not result.answer and not result.error:
            result.error = "no model wrote an answer"
        return result.finish()

    def _continue(self, result: LiveResult, model: str, prompt: str, max_tokens: int,
                  top: int) -> Continuation | None:
        """One continuation call, recorded as a step; None (after an error step) if it
        failed."""
        step = (self.continuation or continue_text)(
            self.pool[model], prompt, result.answer, max_tokens=max_tokens, top=top)
        call = step.call
        if not call.ok:
            self.record(result, Step("error", call.error.message, model, 0.0,
                                     call.latency_ms, response_id=call.response_id))
            return None
        self.record(result, Step("call", call.text, model, call.cost_usd or 0.0,
                                 call.latency_ms, call.tokens_in, call.tokens_out,
                                 call.response_id))
        return step

    def _accept(self, result: LiveResult, model: str, step: Continuation, count: int) -> int:
        """Append the first `count` proposed tokens (all of the text when the call carried
        no tokens) to the answer as one span by `model`."""
        # the tokens, up to what the call returned (its stop sequence is not part of it)
        text = ("".join(step.tokens[:count])[:len(step.call.text)] if step.tokens
                else step.call.text)
        if count and text:
            result.answer += text
            if result.spans and result.spans[-1].model == model:
                last = result.spans.pop()
                result.spans.append(Span(model, last.text + text, last.tokens + count))
            else:
                result.spans.append(Span(model, text, count))
        return count


def _ended(result: LiveResult, stops: set[str]) -> bool:
    """Cut the answer (and its last span) at the first stop sequence it now holds."""
    at = min((i for i in (result.answer.find(s) for s in stops if s) if i >= 0), default=-1)
    if at < 0:
        return False
    extra = len(result.answer) - at
    result.answer = result.answer[:at]
    while extra and result.spans:
        last = result.spans.pop()
        keep = max(0, len(last.text) - extra)
        extra -= len(last.text) - keep
        if keep:
            result.spans.append(Span(last.model, last.text[:keep], last.tokens))
    return True


def _top_prob(step: Continuation, index: int) -> float:
    return float(token_features(step.top_logprobs[index:index + 1])[0, 0])
