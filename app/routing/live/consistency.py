"""Self-consistency routing: cheap probes first; their disagreement decides how much to spend."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np

from app.models.verifiers import first_statement, normalise
from app.routing.live.base import LiveResult, LiveRouter, Step


def answer_key(text: str) -> str:
    """What two answers must share to count as the same answer: their first statement,
    normalised (small models ramble after the answer)."""
    return normalise(first_statement(text))[:80]


def spread(answers: list[str], embed: Callable[[list[str]], np.ndarray] | None = None) -> float:
    """sigma in [0, 1]: 0 when all answers agree. Short answers: 1 - majority share (scaled
    so that all-different is 1); long free text: mean pairwise cosine distance."""
    if len(answers) < 2:
        return 0.0
    if embed is not None and np.mean([len(a) for a in answers]) > 200:
        X = embed(answers)
        sims = X @ X.T
        upper = sims[np.triu_indices(len(answers), 1)]
        return float(np.clip(1.0 - upper.mean(), 0.0, 1.0))
    top = Counter(answer_key(a) for a in answers).most_common(1)[0][1]
    return (len(answers) - top) / (len(answers) - 1)


def majority(answers: list[tuple[str, str]], order: list[str]) -> tuple[str, str]:
    """(model, answer) of the most common answer; ties go to the model earliest in `order`."""
    counts = Counter(answer_key(text) for _, text in answers)
    best = max(counts.values())
    tied = [(m, t) for m, t in answers if counts[answer_key(t)] == best]
    return min(tied, key=lambda mt: order.index(mt[0]) if mt[0] in order else len(order))


class SelfConsistencyRouter(LiveRouter):
    """ACAR-style self-consistency routing: send N probe samples to a cheap model; if they
    agree (low sigma) answer with their majority; if they partly disagree ask one stronger
    model; if they scatter, ask the whole ensemble and take the majority of every answer.
    The step log shows sigma and the decision."""

    name = "self-consistency"
    model_params = ("probe", "strong")
    title = "Self-consistency (probe spread decides: one, two, or the ensemble)"

    def __init__(self, pool, on_step=None, *, probe: str = "smollm2", samples: int = 3,
                 strong: str = "gemma3", ensemble: list[str] | None = None,
                 agree_below: float = 0.34, ensemble_above: float = 0.67,
                 embed: Callable[[list[str]], np.ndarray] | None = None):
        super().__init__(pool, on_step)
        self.probe, self.samples, self.strong = probe, samples, strong
        self.ensemble = ensemble or ["smollm2", "smollm2-fewshot", "gemma3"]
        self.agree_below, self.ensemble_above = agree_below, ensemble_above
        self.embed = embed

    def run(self, prompt: str, verifier: dict | None = None) -> LiveResult:
        result = LiveResult()
        problem = self.missing([self.probe, self.strong, *self.ensemble])
        if problem:
            result.error = problem
            return result.finish()
        probes = [self.call(result, self.probe, prompt, temperature=0.7, seed=s + 1)
                  for s in range(self.samples)]
        answers = [(self.probe, c.text) for c in probes if c.ok]
        if not answers:
            result.error = f"every probe to {self.probe} failed"
            return result.finish()
        sigma = spread([t for _, t in answers], self.embed)
        if sigma < self.agree_below:
            decision, extra = f"sigma {sigma:.2f}: probes agree, answer with {self.probe}", []
        elif sigma <= self.ensemble_above:
            decision, extra = f"sigma {sigma:.2f}: ask one stronger model ({self.strong})", \
                [self.strong]
        else:
            decision, extra = f"sigma {sigma:.2f}: probes scatter, ask the ensemble", \
                [m for m in self.ensemble]
        self.record(result, Step("decision", decision))
        for model in extra:
            call = self.call(result, model, prompt)
            if call.ok:
                answers.append((model, call.text))
        if len(extra) == 1 and answers[-1][0] == self.strong:
            result.model, result.answer = answers[-1]
        else:
            result.model, result.answer = majority(answers, [self.strong, *self.ensemble])
        self.record(result, Step("decision", f"final answer from {result.model}"))
        return result.finish()
