"""Few-shot examples chosen for a prompt that arrives without a task."""

from __future__ import annotations

import json

from app.models import llm
from app.models.pool import ModelSpec
from app.models.shots import EXAMPLE_BANK, nearest_examples


def _spec(kind: str, style: str) -> ModelSpec:
    return ModelSpec(name="m", litellm_model="openai/m", kind=kind, prompt_style=style)


def test_a_prompt_gets_the_worked_examples_of_its_kind():
    shots = nearest_examples("What is 12 times 4? Answer with just the number.")
    assert len(shots) == 3
    assert all("What is" in q and a.strip().lstrip("-").isdigit() for q, a in shots), shots
    capital = nearest_examples("What is the capital of Peru? Answer with just the city name.")
    assert "capital" in capital[-1][0]  # the most similar sits next to the question


def test_a_prompt_never_sees_itself_with_its_answer():
    bank = json.loads(EXAMPLE_BANK.read_text())
    question, answer = next(iter(bank.values()))[0]
    assert question not in [q for q, _ in nearest_examples(question)]
    body = llm.build_prompt(_spec("completion", "fewshot"), question, [(question, answer)])
    assert body["prompt"] == f"Q: {question}\nA:"  # the task's example was the prompt itself


def test_build_prompt_uses_given_examples_else_the_nearest_and_none_in_plain_style():
    given = llm.build_prompt(_spec("chat", "fewshot"), "What is 2 plus 2?", [("1+1?", "2")])
    assert given["messages"][0] == {"role": "user", "content": "1+1?"}
    found = llm.build_prompt(_spec("completion", "fewshot"), "Translate 'cat' into French.")
    assert found["prompt"].count("Q: ") == 4 and "Translate" in found["prompt"].split("Q: ")[-2]
    plain = llm.build_prompt(_spec("chat", "plain"), "Hello")
    assert plain == {"messages": [{"role": "user", "content": "Hello"}]}
