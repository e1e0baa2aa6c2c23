"""A live cascade: cheapest model first, a judge decides whether to escalate."""

from __future__ import annotations

from app.models.verifiers import choice, verify
from app.routing.live.base import LiveResult, LiveRouter, Step

SELF_CHECK = """Question: {question}
Proposed answer: {answer}
Is the proposed answer correct and does it answer the question? Reply with only yes or no."""


REFERENCE_JUDGE = "reference-answer judge (upper bound)"
REFERENCE_JUDGE_READS = "its judge read the prompt's reference answer"


class LiveCascade(LiveRouter):
    """FrugalGPT (Chen et al., 2023) / AutoMix (Madaan et al., 2023): call the models in
    order of cost and accept the first answer a judge approves. The judge is the prompt's
    verifier when it has one: a "reference-answer judge", which reads the gold answer, so
    that run is an upper bound no deployment can reach and is marked not deployable;
    otherwise a self-verification prompt to the model that
    answered (AutoMix) or, when `judge` names a pool model, that model (an LLM judge).
    Every step is recorded with its cost and the judge's verdict; a model that fails is
    reported and the cascade moves on to the next."""

    name = "live-cascade"
    model_params = ("judge",)
    title = "Live cascade (cheapest first, judge escalates)"

    def __init__(self, pool, on_step=None, *, chain: list[str] | None = None,
                 judge: str = "self", threshold: float = 0.5):
        super().__init__(pool, on_step)
        local = [m for m, s in pool.items() if s.is_local and not s.hidden and s.samples == 1]
        self.chain = chain or sorted(local, key=lambda m: pool[m].usd_per_1k_out or 0.0)
        self.judge = judge
        self.threshold = threshold

    def run(self, prompt: str, verifier: dict | None = None) -> LiveResult:
        result = LiveResult()
        problem = self.missing(self.chain + ([self.judge] if self.judge in self.pool else []))
        if problem:
            result.error = problem
            return result.finish()
        for position, model in enumerate(self.chain):
            call = self.call(result, model, prompt)
            if not call.ok:
                continue  # reported as an error step; the next model gets the prompt
            result.answer, result.model = call.text, model
            last = position == len(self.chain) - 1
            accepted = self.accepts(result, model, prompt, call.text, verifier)
            if accepted or last:
                verdict = "accepted" if accepted else "kept (end of the chain)"
                self.record(result, Step("decision", f"{verdict}: answer from {model}", model))
                return result.finish()
            self.record(result, Step("decision", f"rejected {model}'s answer: escalating", model))
        result.error = result.error or "every model in the chain failed"
        return result.finish()

    def accepts(self, result: LiveResult, model: str, prompt: str, answer: str,
                verifier: dict | None) -> bool:
        if verifier:
            score = verify(answer, verifier).score
            result.not_deployable = REFERENCE_JUDGE_READS
            self.record(result, Step("judge", f"{REFERENCE_JUDGE} ({verifier.get('type')} "
                                     f"check against the reference): {score:g}"))
            return score >= self.threshold
        judge = self.judge if self.judge in self.pool else model
        call = self.call(result, judge, SELF_CHECK.format(question=prompt, answer=answer),
                         kind="judge", max_tokens=4)
        if not call.ok:
            return False  # an unreachable judge never approves: escalate
        verdict = choice(call.text, "yes")
        self.record(result, Step("decision", f"judge {judge} says "
                                 f"{verdict.extracted or 'nothing clear'}", judge))
        return verdict.score >= 1.0
