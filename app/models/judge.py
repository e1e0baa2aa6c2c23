"""An LLM judge for open-ended prompts: any pool model answers "yes" or "no"."""

from __future__ import annotations

from app.models import llm
from app.models.pool import ModelSpec
from app.models.verifiers import Verdict, choice

JUDGE_PROMPT = """You are grading an answer to a question.
Question: {question}
Reference answer: {reference}
Answer to grade: {answer}
Is the answer to grade correct and consistent with the reference? Reply with only yes or no."""


def judge(spec: ModelSpec, question: str, reference: str, answer: str) -> tuple[Verdict, llm.Call]:
    """The judge's verdict (1 for yes, 0 for no or an unclear reply) and its call."""
    plain = ModelSpec(**{**spec.__dict__, "prompt_style": "plain", "samples": 1,
                         "temperature": 0.0, "max_tokens": 4})
    call = llm.complete(plain, JUDGE_PROMPT.format(question=question, reference=reference,
                                                   answer=answer))
    if not call.ok:
        return Verdict(0.0, None), call
    return choice(call.text, "yes"), call
