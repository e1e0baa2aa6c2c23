"""Score scales: 0/1 (right or wrong), 0-1 (a fraction) and graded scales such as 1-10.

Routers and metrics read one scale, so scores are stored normalised to [0, 1] as
(s - low) / (high - low), with the value as given kept beside them. The scale is declared
("1-10", "0/1", "LOW-HIGH") or detected from the staged scores; a log no usual scale fits
is refused with a request to declare one, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.data.importers.load import _MISSING, ColumnOf, _first_bad
from app.data.importers.problems import ImportProblem

AUTO = "auto"
# Graded scales tried in order when whole-number scores leave [0, 1]: the narrowest that
# holds every score wins (an LLM judge's 1-10 before a percentage).
GRADED = ((1, 5), (1, 10), (0, 5), (0, 10), (0, 100))
SUGGESTED = ("auto", "0/1", "0-1", "1-5", "1-10", "0-10", "0-100")

_VALID = f"NOT {_MISSING.format(raw='score_raw')}"
_NUMBER = "TRY_CAST(score_raw AS DOUBLE)"
_RANGE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:-|\.\.|to|–)\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class ScoreScale:
    """A closed score range; `binary` for right-or-wrong logs (scores in {0, 1})."""

    low: float
    high: float
    binary: bool = False

    @property
    def label(self) -> str:
        if self.binary:
            return "0/1"
        return f"{_number(self.low)}-{_number(self.high)}"

    @property
    def is_unit(self) -> bool:
        """Already on [0, 1]: stored as given."""
        return self.low == 0 and self.high == 1

    def normalise_sql(self, value: str) -> str:
        """SQL mapping `value` on this scale to [0, 1]."""
        if self.is_unit:
            return value
        return f"(({value}) - {self.low!r}) / {self.high - self.low!r}"


def parse_scale(text: str | None) -> ScoreScale | None:
    """A declared scale ("0/1", "0-1", "1-10", "LOW-HIGH"), or None for "auto"."""
    text = (text or AUTO).strip().lower()
    if text in (AUTO, ""):
        return None
    if text in ("0/1", "binary"):
        return ScoreScale(0.0, 1.0, binary=True)
    match = _RANGE.match(text)
    if not match or float(match[1]) >= float(match[2]):
        raise ImportProblem(f"score scale '{text}'", "is not a scale routelab can read.",
                            "Write it as LOW-HIGH with LOW below HIGH (e.g. 0-1, 1-10, 0-100), "
                            "or 0/1, or auto to detect it.")
    return ScoreScale(float(match[1]), float(match[2]))


def settle_scale(cur, declared: ScoreScale | None, column_of: ColumnOf
                 ) -> tuple[ScoreScale | None, list[str]]:
    """The scale of the staged scores (declared, checked; or detected) and a report note.
    Raises ImportProblem, naming the row and column, on a score the scale cannot hold."""
    low, high, n, binary, whole = cur.execute(f"""
        SELECT min({_NUMBER}), max({_NUMBER}), count(*),
               bool_and({_NUMBER} IN (0, 1)), bool_and({_NUMBER} = floor({_NUMBER}))
        FROM stage WHERE {_VALID}""").fetchall()[0]
    if not n:
        return declared, []
    if declared is not None:
        outside = (f"{_VALID} AND ({_NUMBER} < {declared.low!r} OR {_NUMBER} > "
                   f"{declared.high!r}" + (f" OR {_NUMBER} NOT IN (0, 1)" if declared.binary
                                           else "") + ")")
        _first_bad(cur, "stage", outside,
                   f"the score '{{value}}' is outside the declared {declared.label} scale.",
                   "Fix the value, leave the cell empty to skip it, or declare the scale "
                   "the log uses (CLI: --score-scale LOW-HIGH; or auto to detect it).",
                   "score", column_of, value="score_raw")
        return declared, [_note(declared, "declared")]
    scale = detect(low, high, binary, whole)
    if scale is None:
        shape = "" if whole else ", not all whole numbers"
        # Point at the score that rules the usual scales out: a negative one, a fraction
        # above 1, else the largest.
        for culprit in (f"{_NUMBER} < 0", f"{_NUMBER} <> floor({_NUMBER}) AND {_NUMBER} > 1",
                        f"{_NUMBER} = {high!r}"):
            _first_bad(cur, "stage", f"{_VALID} AND {culprit}",
                       f"no usual score scale fits this log: its scores run from "
                       f"{_number(low)} to {_number(high)}{shape} (this one is '{{value}}').",
                       "Declare the scale (CLI: --score-scale LOW-HIGH, e.g. 0-1000; or the "
                       "import form's Score scale), or fix the values.",
                       "score", column_of, value="score_raw")
        raise AssertionError("unreachable: the largest score is in the stage")
    return scale, [_note(scale, "detected")]


def detect(low: float, high: float, binary: bool, whole: bool) -> ScoreScale | None:
    """The scale of scores spanning [low, high] (None when no usual scale fits)."""
    if binary:
        return ScoreScale(0.0, 1.0, binary=True)
    if 0 <= low and high <= 1:
        return ScoreScale(0.0, 1.0)
    if whole:
        for a, b in GRADED:
            if a <= low and high <= b:
                return ScoreScale(float(a), float(b))
    return None


def _note(scale: ScoreScale, how: str) -> str:
    if scale.is_unit:
        return f"Scores are on a {scale.label} scale ({how}); they are stored as given."
    return (f"Scores are on a {scale.label} scale ({how}); they were normalised to 0-1 as "
            f"(score - {_number(scale.low)}) / {_number(scale.high - scale.low)}, and the "
            "original values are kept.")


def _number(value: float) -> str:
    return f"{value:g}"
