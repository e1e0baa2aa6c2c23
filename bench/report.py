"""A benchmark figure beside its baseline, and the docs/benchmarks.md writer."""

from __future__ import annotations

import datetime as dt
import os
import platform
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SHARED = ROOT.parent / "shared" / "data"


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    higher_is_better: bool = True  # says which way is better; the ratio reads the same
    digits: int = 2               # decimals shown (quality figures need 3)

    @property
    def ratio(self) -> float | None:
        """routelab ÷ baseline, whichever way is better: targets such as "<= 1.5x the
        floor" read straight off it (a speed-up shown as 4x read as within 1.5x)."""
        if not self.baseline:
            return None
        return self.value / self.baseline

    def line(self) -> str:
        ratio = f"{self.ratio:.2f}x" if self.ratio is not None else "—"
        base = f"{self.baseline:,.{self.digits}f} {self.unit} ({self.baseline_name})" \
            if self.baseline else "—"
        return (f"| {self.name} | {self.value:,.{self.digits}f} {self.unit} | {base} | {ratio} "
                f"| {self.target} |")


def machine() -> str:
    cpus = os.cpu_count()
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    return f"{platform.machine()}, {cpus} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def section_markdown(title: str, figures: list[Figure]) -> str:
    """One suite's section, stamped with when it was measured."""
    return "\n".join([f"## {title}", "", f"Measured {dt.datetime.now():%Y-%m-%d %H:%M}.", "",
                      "| figure | routelab | baseline | ratio | target |",
                      "|---|---|---|---|---|", *(f.line() for f in figures), ""])


def read_sections(path: Path) -> dict[str, str]:
    """The sections of an existing report by title, to keep the suites not re-run."""
    if not path.exists():
        return {}
    parts = path.read_text(encoding="utf-8").split("\n## ")[1:]
    return {part.split("\n", 1)[0]: "## " + part.rstrip("\n") + "\n" for part in parts}


def write_markdown(sections: dict[str, str], path: Path) -> None:
    lines = ["# Benchmarks", "",
             f"Written {dt.datetime.now():%Y-%m-%d %H:%M} on {machine()} by `make bench` "
             "(`python -m bench [suite ...]` re-measures only the named suites). Each ratio is "
             "routelab's figure divided by its baseline, measured in the same run: for times, "
             "memory and sizes below 1 is better, for rates and quality above 1.", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n" + "\n".join(sections.values()), encoding="utf-8")
