"""scripts/install-llama-cpp.sh: a venv whose llama-cpp-python was built otherwise (a native
build, or one from before builds were recorded) is rebuilt portably; a right one is left
alone. Uses the wheel `make setup` cached, so nothing compiles here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "install-llama-cpp.sh"
pytestmark = pytest.mark.slow


def _install(python: Path, flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), str(python)], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "LLAMA_CMAKE_ARGS": flags})


def test_a_venv_built_otherwise_is_rebuilt_and_a_right_one_left_alone(tmp_path):
    ours = Path(sys.prefix) / ".llama-build"
    if not ours.exists():
        pytest.skip("this venv was not set up by `make setup` (no cached portable wheel)")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    (venv / ".llama-build").write_text("llama-cpp-python==0.3.36 -DGGML_NATIVE=ON")

    flags = ours.read_text().split(" ", 1)[1]  # the portable flags make setup chose
    first = _install(python, flags)
    assert first.returncode == 0, first.stderr
    assert "Compiling" not in first.stdout, "expected the wheel make setup cached"
    assert (venv / ".llama-build").read_text() == ours.read_text()
    version = subprocess.run([str(python), "-c", "import importlib.metadata as m; "
                              "print(m.version('llama-cpp-python'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version == ours.read_text().split()[0].split("==")[1]

    (venv / ".llama-build").write_text("")  # a venv from before builds were recorded
    rebuilt = _install(python, flags)
    assert rebuilt.returncode == 0 and "Rebuilding llama-cpp-python" in rebuilt.stdout

    again = _install(python, flags)
    assert again.returncode == 0 and again.stdout == ""  # the right build: nothing to do
