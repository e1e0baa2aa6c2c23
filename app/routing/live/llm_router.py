"""An LLM as the router: it reads model descriptors, asks models, then answers."""

from __future__ import annotations

import re

from app.routing.live.base import LiveResult, LiveRouter, Step

ROUTER_PROMPT = """You are a router. You may ask one of these models for help, then answer.
Models:
{descriptors}

Question: {question}
{context}
Reply with exactly one line:
ASK <model name>   (to ask a model)
ANSWER <your final answer>   (when you can answer)"""


def parse_decision(reply: str, candidates: list[str]) -> tuple[str, str] | None:
    """("ask", model) or ("answer", text) from the router's reply; None if malformed."""
    for line in reply.strip().splitlines():
        line = line.strip().strip("*`").strip()
        ask = re.match(r"^ASK\s*[:\-]?\s*(.+)$", line, flags=re.IGNORECASE)
        if ask:
            wanted = ask[1].strip().strip(".\"'`").lower()
            for model in sorted(candidates, key=len, reverse=True):
                if model.lower() == wanted or model.lower() in wanted:
                    return "ask", model
            return None
        answer = re.match(r"^ANSWER\s*[:\-]?\s*(.+)$", line, flags=re.IGNORECASE)
        if answer and answer[1].strip():
            return "answer", answer[1].strip()
    return None


class LLMAsRouter(LiveRouter):
    """Router-R1 (Zhang et al., 2025): an LLM router reads short descriptors of each
    candidate (price, latency, strengths from the log), decides over several rounds which
    model to ask, adds each answer to its context, and finally writes the answer itself.
    Its decisions are parsed strictly; a malformed one falls back to the named default
    model, visibly, and that model's answer is used."""

    name = "llm-router"
    model_params = ("router_model", "default_model")
    title = "LLM-as-router with model descriptors (Router-R1)"

    def __init__(self, pool, on_step=None, *, router_model: str = "smollm2",
                 candidates: list[str] | None = None, default_model: str = "gemma3",
                 rounds: int = 2, descriptors: dict[str, str] | None = None,
                 prompt: str = ROUTER_PROMPT):
        super().__init__(pool, on_step)
        self.router_model, self.default_model, self.rounds = router_model, default_model, rounds
        self.candidates = candidates or ["smollm2", "smollm2-fewshot", "gemma3"]
        self.descriptors = descriptors or {}
        self.prompt = prompt

    def describe(self) -> str:
        lines = []
        for model in self.candidates:
            spec = self.pool[model]
            price = f"${(spec.usd_per_1k_out or 0):.6f} per 1k output tokens"
            lines.append(f"- {model}: {price}. {self.descriptors.get(model, spec.description)}")
        return "\n".join(lines)

    def run(self, prompt: str, verifier: dict | None = None) -> LiveResult:
        result = LiveResult()
        problem = self.missing([self.router_model, self.default_model, *self.candidates])
        if problem:
            result.error = problem
            return result.finish()
        context: list[str] = []
        for round_no in range(1, self.rounds + 1):
            ask = self.prompt.format(descriptors=self.describe(), question=prompt,
                                     context="\n".join(context))
            call = self.call(result, self.router_model, ask, kind="judge", max_tokens=40)
            decision = parse_decision(call.text, self.candidates) if call.ok else None
            if decision is None:
                reason = call.text[:80] if call.ok else "the router model failed"
                self.record(result, Step("fallback", f"round {round_no}: could not parse "
                                         f"'{reason}'; asking {self.default_model}"))
                return self._answer_with(result, self.default_model, prompt)
            kind, value = decision
            if kind == "answer":
                result.answer, result.model = value, self.router_model
                self.record(result, Step("decision", f"round {round_no}: router answers"))
                return result.finish()
            self.record(result, Step("decision", f"round {round_no}: ask {value}", value))
            answer = self.call(result, value, prompt)
            context.append(f"{value} answered: {answer.text if answer.ok else '(failed)'}")
            if answer.ok:
                result.answer, result.model = answer.text, value
        self.record(result, Step("decision", f"out of rounds: keep {result.model}'s answer"))
        return result.finish() if result.model else self._answer_with(
            result, self.default_model, prompt)

    def _answer_with(self, result: LiveResult, model: str, prompt: str) -> LiveResult:
        call = self.call(result, model, prompt)
        if call.ok:
            result.answer, result.model = call.text, model
        else:
            result.error = call.error.message
        return result.finish()
