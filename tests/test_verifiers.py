"""Verifiers on real outputs of the local models (SmolLM2-135M, Gemma 3 270M), right and
wrong: the answer is extracted first, so rambling neither wins nor hides a right answer."""

from __future__ import annotations

import pytest

from app.models.code_runner import extract_code, run_tests
from app.models.verifiers import verify

# (response as a local model wrote it, verifier, expected score)
REAL_OUTPUTS = [
    ("4 times 4 is 16.", {"type": "numeric", "reference": "16"}, 1),
    ("50 + 38 = 126", {"type": "numeric", "reference": "88"}, 0),
    ("3 + 4 = 7", {"type": "numeric", "reference": "7"}, 1),
    ("The answer is 6.", {"type": "numeric", "reference": "6"}, 1),
    ("To solve this problem, we need to convert 59 into a decimal and then subtract it from "
     "33.\n\n59 - 33 = 2\n\nSo the answer is 2.", {"type": "numeric", "reference": "26"}, 0),
    ("15 divided by 3 equals 4", {"type": "numeric", "reference": "5"}, 0),
    ("One kilometer is equal to 1000 meters.", {"type": "numeric", "reference": "1000"}, 1),
    ("One hour is equal to 12 minutes.", {"type": "numeric", "reference": "60"}, 0),
    ("120 days", {"type": "numeric", "reference": "120"}, 1),
    ("Three kilograms is equal to 3 x 10^2 grams.", {"type": "numeric", "reference": "3000"}, 0),
    ("The capital of Peru is Lima.", {"type": "normalised", "reference": "Lima"}, 1),
    ("Peru", {"type": "normalised", "reference": "Lima"}, 0),
    ("The opposite of \"big\" is \"small.\"", {"type": "normalised",
                                               "reference": "small|little"}, 1),
    ("The opposite of light is darkness.", {"type": "normalised", "reference": "dark|heavy"}, 0),
    ("Bogotá", {"type": "normalised", "reference": "Bogota|Bogotá"}, 1),
    ('The French word "chien" is a verb that means "to be" or "to exist."',
     {"type": "normalised", "reference": "dog"}, 0),
    ("No, a cat is not necessarily bigger than an elephant. In fact, the largest land animal",
     {"type": "choice", "reference": "no"}, 1),
    (" yes", {"type": "choice", "reference": "no"}, 0),
    ("Yes.", {"type": "choice", "reference": "yes"}, 1),
    ("B", {"type": "multiple_choice", "reference": "B"}, 1),
    ("B) Tokyo", {"type": "multiple_choice", "reference": "B"}, 1),
    ("A", {"type": "multiple_choice", "reference": "C"}, 0),
    ("Because of the heat, the answer is C.", {"type": "multiple_choice", "reference": "C"}, 1),
    ("apple", {"type": "regex", "pattern": "apple\\.?"}, 1),
    ("I'm sorry for the misunderstanding, but as a text-based AI, I don't have the capability",
     {"type": "regex", "pattern": "apple\\.?"}, 0),
    ("silver", {"type": "regex", "pattern": "silver silver silver\\.?"}, 0),
    ("[forest]", {"type": "regex", "pattern": "\\[forest\\]\\.?"}, 1),
    ("GARDEN", {"type": "exact", "reference": "GARDEN"}, 1),
    ("garden", {"type": "exact", "reference": "GARDEN"}, 0),
]


@pytest.mark.parametrize("response,spec,expected", REAL_OUTPUTS)
def test_real_outputs(response, spec, expected):
    assert verify(response, spec).score == expected


def test_contains_all_scores_the_share_found():
    spec = {"type": "contains_all", "required": ["Paris", "France", "Seine"]}
    assert verify("Paris is the capital of France.", spec).score == pytest.approx(2 / 3)


def test_numeric_tolerance():
    spec = {"type": "numeric", "reference": "3.14159", "tolerance": 0.001}
    assert verify("about 3.1416", spec).score == 1
    assert verify("3.2", spec).score == 0
    assert verify("1,000", {"type": "numeric", "reference": "1000"}).score == 1


def test_python_verifier_runs_real_code():
    tests = ["assert add(2, 3) == 5", "assert add(-1, 1) == 0"]
    assert verify("```python\ndef add(a, b):\n    return a + b\n```",
                  {"type": "python", "tests": tests}).score == 1
    assert verify("def add(a, b):\n    return a - b", {"type": "python", "tests": tests}).score == 0
    assert verify("I cannot write code.", {"type": "python", "tests": tests}).score == 0


def test_code_that_never_ends_times_out():
    result = run_tests("def add(a, b):\n    while True:\n        pass", ["assert add(1, 2) == 3"],
                       timeout_s=1.0)
    assert not result.passed and "timed out" in result.summary


def test_code_extraction_prefers_fenced_blocks():
    text = "Here you go:\n```python\ndef f():\n    return 1\n```\nHope it helps!"
    assert extract_code(text).strip() == "def f():\n    return 1"
    assert extract_code("Sure.\ndef g(x):\n    return x").startswith("def g")


def test_unknown_verifier_is_refused():
    with pytest.raises(ValueError, match="unknown verifier"):
        verify("x", {"type": "vibes"})
