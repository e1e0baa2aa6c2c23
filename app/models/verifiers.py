"""Verifiers: extract the answer from a (possibly rambling) response, then compare.

Small models ramble, so every verifier first pulls out the answer the response commits to
and only then compares it with the reference; "15 divided by 3 equals 4" does not match
"5" just because a 5 appears inside 15. A verifier returns a score in [0, 1].
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from app.models.code_runner import run_tests

# "The answer is X", "Answer: X", "A: X", "= X", "X is the answer" ...
_LEAD_INS = re.compile(
    r"^(?:(?:the\s+)?(?:final\s+|correct\s+)?answer(?:\s+is)?\s*[:=]?|a\s*:|"
    r"answer\s*[:=]|result\s*[:=]|output\s*[:=])\s*", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])|"
                     r"(?<![\w.])[-+]?\.\d+(?![\w])")


@dataclass(frozen=True)
class Verdict:
    score: float
    extracted: str | None  # what the verifier read as the answer (shown in the UI)


def normalise(text: str) -> str:
    """Lower-case, accents and punctuation removed, whitespace collapsed, articles dropped."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^\w\s]", " ", text)
    words = [w for w in text.split() if w not in ("a", "an", "the")]
    return " ".join(words)


def first_statement(response: str) -> str:
    """The first non-empty line, without markdown emphasis or a leading answer label."""
    for line in response.strip().splitlines():
        line = line.strip().strip("*_`> ").strip()
        if line:
            return _LEAD_INS.sub("", line).strip()
    return ""


def answer_candidates(response: str) -> list[str]:
    """What a short answer could be: the whole first statement, or what follows its last
    'is' / '=' / ':' (e.g. "The capital of Peru is Lima." -> "Lima")."""
    statement = first_statement(response)
    sentence = re.split(r"(?<=[.!?])\s", statement, maxsplit=1)[0]
    found = [statement, sentence]
    tail = re.split(r"\s(?:is|are|was|means|equals)\s|=|:", sentence)
    if len(tail) > 1:
        found.append(tail[-1])
    return [c.strip().strip(".!?,;\"'") for c in found if c.strip()]


def exact(response: str, reference: str, *, normalised: bool = True) -> Verdict:
    """Match one of the '|'-separated references exactly (after normalising)."""
    accepted = [r for r in reference.split("|") if r.strip()]
    fix = normalise if normalised else str.strip
    targets = {fix(r) for r in accepted}
    for candidate in answer_candidates(response):
        if fix(candidate) in targets:
            return Verdict(1.0, candidate)
    candidates = answer_candidates(response)
    return Verdict(0.0, candidates[-1] if candidates else None)


def choice(response: str, reference: str, options: tuple[str, ...] = ("yes", "no")) -> Verdict:
    """The option the response opens with ("Yes, because ..." -> yes); else none."""
    statement = normalise(first_statement(response))
    first = statement.split()[0] if statement else ""
    picked = first if first in options else None
    return Verdict(float(picked == reference.strip().lower()), picked)


def multiple_choice(response: str, reference: str) -> Verdict:
    """The option letter the response commits to: "B", "(B)", "B) ...", "answer is B"."""
    statement = first_statement(response)
    match = re.match(r"^\(?([A-Ja-j])\)?(?:[.):\s]|$)", statement)
    if not match:
        match = re.search(r"\b(?:answer|option|choice)\s+(?:is\s+)?\(?([A-J])\)?\b", response)
    letter = match[1].upper() if match else None
    return Verdict(float(letter == reference.strip().upper()), letter)


def numeric(response: str, reference: str, *, tolerance: float = 1e-6) -> Verdict:
    """The number the response commits to: a leading number, or the one after 'is'/'=',
    else the last number of the first statement; compared within a relative tolerance."""
    statement = first_statement(response)
    numbers = [m.group(0) for m in _NUMBER.finditer(statement)]
    if not numbers:
        return Verdict(0.0, None)
    after = re.split(r"\s(?:is|are|equals|was|be|makes|gives)\s|=", statement)
    tail = [m.group(0) for m in _NUMBER.finditer(after[-1])] if len(after) > 1 else []
    if tail:  # "4 times 4 is 16" -> 16: the number the statement concludes with
        picked = tail[0]
    elif _NUMBER.match(statement):  # "16", "16 apples"
        picked = numbers[0]
    else:
        picked = numbers[-1]
    value = float(picked.replace(",", ""))
    target = float(reference)
    ok = abs(value - target) <= tolerance * max(1.0, abs(target))
    return Verdict(float(ok), picked)


def regex(response: str, pattern: str) -> Verdict:
    """The whole response must match the pattern (anchored; for format instructions)."""
    ok = re.fullmatch(pattern, response.strip(), flags=re.DOTALL) is not None
    return Verdict(float(ok), response.strip()[:80])


def contains_all(response: str, required: list[str]) -> Verdict:
    """Every required phrase appears (case-insensitive); the score is the share found."""
    found = [r for r in required if normalise(r) in normalise(response)]
    return Verdict(len(found) / len(required) if required else 0.0, ", ".join(found))


def python_tests(response: str, tests: list[str], *, timeout_s: float = 5.0) -> Verdict:
    """Run the response's code with the unit tests in a subprocess; 1 when all pass."""
    result = run_tests(response, tests, timeout_s=timeout_s)
    return Verdict(1.0 if result.passed else 0.0, result.summary)


VERIFIERS: dict[str, Callable[..., Verdict]] = {
    "exact": lambda r, spec: exact(r, spec["reference"], normalised=False),
    "normalised": lambda r, spec: exact(r, spec["reference"]),
    "choice": lambda r, spec: choice(r, spec["reference"],
                                     tuple(spec.get("options", ("yes", "no")))),
    "multiple_choice": lambda r, spec: multiple_choice(r, spec["reference"]),
    "numeric": lambda r, spec: numeric(r, spec["reference"],
                                       tolerance=float(spec.get("tolerance", 1e-6))),
    "regex": lambda r, spec: regex(r, spec["pattern"]),
    "contains_all": lambda r, spec: contains_all(r, list(spec["required"])),
    "python": lambda r, spec: python_tests(r, list(spec["tests"]),
                                           timeout_s=float(spec.get("timeout_s", 5.0))),
}


def verify(response: str, spec: dict) -> Verdict:
    """Score `response` with the verifier named in spec["type"] (the judge lives in
    app.models.judge because it calls a model)."""
    kind = spec.get("type")
    if kind not in VERIFIERS:
        raise ValueError(f"unknown verifier '{kind}'; known: {sorted(VERIFIERS)} and judge")
    return VERIFIERS[kind](response or "", spec)
