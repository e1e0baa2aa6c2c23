"""The layer rule of docs/architecture.md, checked by import-linter's contracts in
pyproject.toml, and a check for the imports it cannot see (code in strings)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_import_contracts_hold():
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint), "--no-cache"], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 6 kept, 0 broken." in done.stdout


def test_benchmarks_use_no_ui_module():
    """bench/ runs app code in subprocesses from strings, where import-linter cannot look:
    measuring a page's work must go through services, never through app.ui."""
    offenders = [str(path.relative_to(REPO)) for path in (REPO / "bench").glob("*.py")
                 if "app.ui" in path.read_text(encoding="utf-8")]
    assert not offenders, offenders


def test_code_style_is_clean():
    ruff = Path(sys.executable).parent / "ruff"
    done = subprocess.run([str(ruff), "check", "app", "routers", "pages", "tests", "bench"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
