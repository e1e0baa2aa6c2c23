"""Few-shot examples for a prompt that arrives without a task (Playground, live routers).

A model in few-shot style (a base model such as Gemma 3 270M only continues a Q/A pattern)
answers far better when its examples look like the question. The collector passes the
task's own worked examples; a typed prompt has no task, so it gets the worked examples
whose questions are most similar to it (retrieved in-context examples: Liu et al., 2022,
"What Makes Good In-Context Examples for GPT-3?"). Similarity is cosine over hashed
character n-grams: lexical, instant, no model to load. A prompt never sees itself as an
example: that would hand the model its answer.
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np

from app import settings

Example = tuple[str, str]  # (question, answer) shown before the prompt in few-shot style

GENERIC_EXAMPLES: tuple[Example, ...] = (
    ("What is 2 + 3? Answer with just the number.", "5"),
    ("What is the capital of France? Answer with one word.", "Paris"),
    ("Is ice cold? Answer yes or no.", "yes"),
)
# The demo prompt set's worked examples, a few per domain (app/data/demo/prompts.py writes them).
EXAMPLE_BANK = settings.REPO_ROOT / "data" / "demo" / "prompts.examples.json"


def _is_prompt(example: Example, prompt: str) -> bool:
    return example[0].strip() == prompt.strip()


def without_prompt(examples, prompt: str) -> list[Example]:
    """The examples minus any whose question is the prompt itself."""
    return [example for example in examples if not _is_prompt(example, prompt)]


@lru_cache(maxsize=1)
def _bank() -> tuple[tuple[Example, ...], np.ndarray]:
    examples = list(GENERIC_EXAMPLES)
    if EXAMPLE_BANK.exists():
        by_task = json.loads(EXAMPLE_BANK.read_text(encoding="utf-8"))
        examples += [(str(q), str(a)) for pairs in by_task.values() for q, a in pairs]
    return tuple(examples), _vectors([q for q, _ in examples])


def _vectors(texts: list[str]) -> np.ndarray:
    from app.embed.embeddings import HashingNgrams  # l2-normalised rows: dot product = cosine

    return HashingNgrams().encode(texts)


def nearest_examples(prompt: str, k: int = 3) -> list[Example]:
    """The k worked examples most similar to `prompt`, the most similar last (nearest the
    question, where a small model attends most)."""
    examples, vectors = _bank()
    similarity = vectors @ _vectors([prompt])[0]
    ranked = without_prompt([examples[i] for i in np.argsort(-similarity, kind="stable")],
                            prompt)
    return ranked[:k][::-1]
