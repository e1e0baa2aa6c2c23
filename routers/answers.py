"""What a judge can read off the answers themselves, never off a score or a reference.

For each (query, model) answer: a normalised answer key (the choice letter of a
multiple-choice answer, else the answer's first 200 characters, lower-cased, spaces
collapsed), its form (length, a bare letter, code, empty) and hashed character n-grams;
between two answers to the same query: whether their keys agree and how similar their
n-grams are. Used by the learned-judge cascade (`routers/judged.py`) offline on logged
answers and live on fresh ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from routers.features import char_grams

HASH_FEATURES = 2 ** 12
_LETTER = re.compile(r"^\W*\(?([A-Ea-e])\)?(?:[\s.):,]|$)")
_STATED = re.compile(r"answer(?: is|:)\s*\(?([A-E])\b", re.IGNORECASE)
FORM = ("log_length", "bare_letter", "code", "empty", "A", "B", "C", "D", "E")


def answer_key(text: str | None) -> str:
    """The answer a response commits to, for agreement between models."""
    if not text or not str(text).strip():
        return ""
    text = str(text).strip()
    found = _LETTER.match(text) if len(text) < 40 else None
    found = found or _STATED.search(text[:400])
    if found:
        return found.group(1).upper()
    return " ".join(text.lower().split())[:200]


def form_of(text: str | None) -> tuple[float, ...]:
    """Length, shape and, for a choice answer, which letter (models lean to letters)."""
    text = str(text or "")
    stripped = text.strip()
    key = answer_key(text)
    return (float(np.log1p(len(stripped))),
            float(bool(_LETTER.match(stripped)) and len(stripped) < 6),
            float("```" in text or "def " in text or "return " in text),
            float(not stripped), *(float(key == letter) for letter in "ABCDE"))


@dataclass(frozen=True, eq=False)
class AnswerTable:
    """Per (query, model): key, form, hashed n-grams; per query: agreement and similarity
    between every pair of models' answers."""

    keys: np.ndarray            # (n, m) object
    form: np.ndarray            # (n, m, len(FORM))
    grams: list                 # per model, a sparse (n, HASH_FEATURES) matrix
    agree: np.ndarray           # (n, m, m) bool: keys equal and non-empty
    similar: np.ndarray         # (n, m, m) cosine of n-gram vectors

    @classmethod
    def of(cls, responses: np.ndarray) -> AnswerTable:
        responses = np.asarray(responses, dtype=object)
        n, m = responses.shape
        keys = np.vectorize(answer_key, otypes=[object])(responses) if responses.size \
            else np.empty((n, m), dtype=object)
        form = np.array([[form_of(r) for r in row] for row in responses],
                        dtype=float).reshape(n, m, len(FORM))
        grams = [hashed_answers(responses[:, j]) for j in range(m)]
        agree = (keys[:, :, None] == keys[:, None, :]) & (keys != "")[:, :, None]
        similar = np.zeros((n, m, m))
        for a in range(m):
            for b in range(a, m):
                s = np.asarray(grams[a].multiply(grams[b]).sum(axis=1)).reshape(-1)
                similar[:, a, b] = similar[:, b, a] = s
        return cls(keys, form, grams, agree, similar)

    def rows(self, rows) -> AnswerTable:
        rows = np.asarray(rows)
        return AnswerTable(self.keys[rows], self.form[rows], [g[rows] for g in self.grams],
                           self.agree[rows], self.similar[rows])


def hashed_answers(texts) -> sparse.csr_matrix:
    """L2-normalised hashed character 2-4-grams of each answer (first 2,000 characters)."""
    return char_grams(texts, HASH_FEATURES, 2000).tocsr()
