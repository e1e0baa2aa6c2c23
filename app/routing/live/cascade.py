"""A live cascade: cheapest model first, a judge decides whether to escalate."""

from __future__ import annotations

import numpy as np

from app.models.verifiers import choice, verify
from app.routing.live.base import LiveResult, LiveRouter, Step
from app.routing.live.learned import LearnedJudge, load, saved_name
from routers import Queries
from routers.budget import cascade_point_for_budget

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
    With `judge = "learned:NAME"` the judge is the saved judged-cascade router NAME: it
    reads the prompt and the answers obtained (never a reference), and its chain and
    thresholds, chosen on its log's training split for `budget` (USD per 1,000 queries;
    0: quality first), replace `chain` and `threshold`; the kept answer is the one it
    trusts most. Every step is recorded with its cost and the judge's verdict; a model
    that fails is reported and the cascade moves on to the next."""

    name = "live-cascade"
    model_params = ("judge",)
    learned_judge_params = ("judge",)  # may also name a saved learned judge ("learned:NAME")
    title = "Live cascade (cheapest first, judge escalates)"

    def __init__(self, pool, on_step=None, *, chain: list[str] | None = None,
                 judge: str = "self", threshold: float = 0.5, budget: float = 0.0,
                 learned: LearnedJudge | None = None):
        super().__init__(pool, on_step)
        local = [m for m, s in pool.items() if s.is_local and not s.hidden and s.samples == 1]
        self.chain = chain or sorted(local, key=lambda m: pool[m].usd_per_1k_out or 0.0)
        self.judge = judge
        self.threshold = threshold
        self.budget = budget
        self.learned = learned

    @classmethod
    def resources(cls, store, params: dict) -> dict:
        name = saved_name(params.get("judge", ""))
        return {"learned": load(store, name)} if name else {}

    def run(self, prompt: str, verifier: dict | None = None) -> LiveResult:
        if saved_name(self.judge):
            return self.run_learned(prompt)
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

    def run_learned(self, prompt: str) -> LiveResult:
        """The learned judge's own chain for this prompt; after each answer it judges every
        answer in hand and stops once the best reaches the step's threshold."""
        result = LiveResult()
        if self.learned is None:
            result.error = f"the learned judge '{saved_name(self.judge)}' was not loaded"
            return result.finish()
        router = self.learned.router
        query = Queries((prompt,), self.learned.embed([prompt]))
        tradeoff = cascade_point_for_budget(router, None, self.budget / 1000).point \
            if self.budget > 0 else 0.0
        policy = router.policies(tradeoff)[int(router.segment_of(query)[0])]
        chain = list(dict.fromkeys(router.chain_of(policy, router.picks(query)[0])))
        problem = self.missing(chain)
        if problem:
            result.error = f"the learned judge's chain: {problem}"
            return result.finish()
        answers = np.full((1, len(router.models_)), None, dtype=object)
        for k, model in enumerate(chain):
            call = self.call(result, model, prompt)
            if call.ok and call.text.strip():  # an empty reply is no answer to keep
                answers[0, router.models_.index(model)] = call.text
            if all(a is None for a in answers[0]):
                continue  # nothing to judge yet: the next model gets the prompt
            p = router.answer_probabilities(query, answers)[0]
            best = int(np.argmax(p))
            if p[best] < 0:  # nothing it can judge (only empty answers so far): go on
                continue
            shown = ", ".join(f"{m} {v:.2f}" for m, v in zip(router.models_, p, strict=True)
                              if v >= 0)
            self.record(result, Step("judge", f"learned judge {self.learned.name}: P(right) "
                                     f"{shown}; accept at {policy.thresholds[k]:.2f}"))
            last = k == len(chain) - 1
            if p[best] >= policy.thresholds[k] or last:
                result.answer, result.model = answers[0, best], router.models_[best]
                verdict = "accepted" if p[best] >= policy.thresholds[k] else \
                    "kept (end of the chain)"
                self.record(result, Step("decision", f"{verdict}: answer from "
                                         f"{result.model}", result.model))
                return result.finish()
            self.record(result, Step("decision", f"best so far below "
                                     f"{policy.thresholds[k]:.2f}: escalating", model))
        result.error = result.error or "every model in the chain failed"
        return result.finish()
