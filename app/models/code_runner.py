"""Run model-written Python against unit tests in a separate, time-limited process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TestRun:
    passed: bool
    summary: str


def extract_code(response: str) -> str:
    """The code in a response: fenced blocks if any, else the text from the first def/import."""
    blocks = re.findall(r"```(?:python|py)?\s*\n(.*?)```", response, flags=re.DOTALL)
    if blocks:
        return "\n\n".join(blocks)
    match = re.search(r"^(?:def |import |from |class )", response, flags=re.MULTILINE)
    return response[match.start():] if match else response


def run_tests(response: str, tests: list[str], *, timeout_s: float = 5.0) -> TestRun:
    """Execute the extracted code, then each assert; isolated (-I), no network-free claims
    beyond a clean environment, killed after `timeout_s`."""
    code = extract_code(response)
    program = code + "\n\n" + "\n".join(tests) + "\nprint('ALL TESTS PASSED')\n"
    with tempfile.TemporaryDirectory(prefix="routelab-code-") as folder:
        path = Path(folder) / "candidate.py"
        path.write_text(program, encoding="utf-8")
        try:
            done = subprocess.run([sys.executable, "-I", str(path)], cwd=folder,
                                  capture_output=True, text=True, timeout=timeout_s,
                                  env={"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "0"})
        except subprocess.TimeoutExpired:
            return TestRun(False, f"timed out after {timeout_s:g} s")
    if done.returncode == 0 and "ALL TESTS PASSED" in done.stdout:
        return TestRun(True, f"{len(tests)} tests passed")
    last = (done.stderr.strip().splitlines() or ["failed"])[-1]
    return TestRun(False, last[:200])
