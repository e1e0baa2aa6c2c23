"""Multi-candidate + refine: a router proposes several models, a refiner merges answers."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from app.routing.live.base import LiveResult, LiveRouter, Step

PROPOSE = """Choose the {k} best models to answer this question.
Models: {models}
Question: {question}
Reply in the form:
MODELS: <name>, <name>
REASON: <a few words>"""

REFINE = """Question: {question}
Candidate answers:
{answers}
Write the single best final answer to the question."""


def parse_proposal(reply: str, candidates: list[str], k: int) -> tuple[list[str], str] | None:
    match = re.search(r"MODELS\s*:\s*(.+)", reply, flags=re.IGNORECASE)
    if not match:
        return None
    named = [m for m in candidates if m.lower() in match[1].lower()]
    named = sorted(set(named), key=lambda m: match[1].lower().find(m.lower()))[:k]
    reason = re.search(r"REASON\s*:\s*(.+)", reply, flags=re.IGNORECASE)
    return (named, reason[1].strip() if reason else "") if named else None


class MultiCandidateRefine(LiveRouter):
    """TCAndon-Router (2025): the router proposes a set of candidate models with a short
    reason, all of them answer (in parallel), and a refining model merges their answers
    into one. A malformed proposal falls back to the k cheapest candidates, visibly."""

    name = "multi-refine"
    model_params = ("proposer", "refiner")
    title = "Multi-candidate + refine (TCAndon-Router)"

    def __init__(self, pool, on_step=None, *, proposer: str = "smollm2",
                 candidates: list[str] | None = None, k: int = 2, refiner: str = "gemma3"):
        super().__init__(pool, on_step)
        self.proposer, self.k, self.refiner = proposer, k, refiner
        self.candidates = candidates or ["smollm2", "smollm2-fewshot", "gemma3"]

    def run(self, prompt: str, verifier: dict | None = None) -> LiveResult:
        result = LiveResult()
        problem = self.missing([self.proposer, self.refiner, *self.candidates])
        if problem:
            result.error = problem
            return result.finish()
        call = self.call(result, self.proposer, PROPOSE.format(
            k=self.k, models=", ".join(self.candidates), question=prompt), kind="judge",
            max_tokens=40)
        proposal = parse_proposal(call.text, self.candidates, self.k) if call.ok else None
        if proposal is None:
            chosen = sorted(self.candidates, key=lambda m: self.pool[m].usd_per_1k_out or 0)
            chosen, reason = chosen[: self.k], "fallback: the proposal could not be parsed"
            self.record(result, Step("fallback", f"{reason}; using {', '.join(chosen)}"))
        else:
            chosen, reason = proposal
            self.record(result, Step("decision", f"candidates {', '.join(chosen)}: {reason}"))
        with ThreadPoolExecutor(max_workers=len(chosen)) as executor:
            calls = list(executor.map(lambda m: self.call(result, m, prompt), chosen))
        answers = [(m, c.text) for m, c in zip(chosen, calls, strict=True) if c.ok]
        if not answers:
            result.error = "every candidate failed"
            return result.finish()
        listing = "\n".join(f"{i + 1}) {text}" for i, (_, text) in enumerate(answers))
        merged = self.call(result, self.refiner, REFINE.format(question=prompt,
                                                                answers=listing))
        if merged.ok:
            result.answer, result.model = merged.text, self.refiner
        else:  # the refiner failed: keep the first candidate's answer, and say so
            result.model, result.answer = answers[0]
            self.record(result, Step("fallback", f"refiner failed; kept {result.model}"))
        return result.finish()
