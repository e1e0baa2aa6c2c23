"""The local model server on this CPU: a portable build that generates, and a death that is
reported as what it was (the signal and the log), not as "could not reach"."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app import doctor
from app.models import llm, local_server
from app.models.pool import ModelSpec
from tests.conftest import REPO

pytestmark = pytest.mark.slow


def _server_log_tail(lines: int = 30) -> str:
    return local_server.log_tail(lines) or "(the server log is empty)"


def test_each_local_model_generates_a_token_in_a_subprocess(local_server_process, pool):
    """The first token is where a build this CPU cannot run dies (SIGILL): ask each model
    for one, from another process, and check the server is still alive afterwards."""
    process, port = local_server_process
    for name in ("smollm2", "gemma3"):
        code = ("import sys; from app.models import llm; from app.models.pool import load_pool; "
                f"spec = load_pool()[{name!r}]; "
                "call = llm.complete(spec, 'Hello', retries=0); "
                "print(call.error.message if call.error else repr(call.text)); "
                "sys.exit(0 if call.ok else 3)")
        done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                              text=True, timeout=300,
                              env={**os.environ, "ROUTELAB_LLAMA_PORT": str(port)})
        assert done.returncode == 0, (
            f"{name}: the caller exited {done.returncode}: {done.stdout} {done.stderr}\n"
            f"server log:\n{_server_log_tail()}")
        assert process.poll() is None, (
            f"the model server exited with {local_server.signal_name(process.returncode)} "
            f"while {name} generated; server log:\n{_server_log_tail()}")


def test_each_local_model_generates_a_token_in_its_own_probe():
    """The doctor's probe: llama_cpp in a subprocess per model, no server in between."""
    findings = doctor.local_models()
    assert [f.check for f in findings] == [local_server.SMOLLM, local_server.GEMMA]
    for finding in findings:
        assert finding.status == doctor.OK, f"{finding.line()}\n{_server_log_tail()}"
        assert finding.verdict.startswith("token ")


def test_the_build_has_no_avx512_or_amx_instructions():
    """The portable build: none of the instructions some VMs report but cannot run."""
    import llama_cpp

    objdump = shutil.which("objdump")
    if objdump is None:
        pytest.skip("objdump (binutils) is not installed")
    libraries = sorted((Path(llama_cpp.__file__).parent / "lib").glob("libggml-cpu*.so*"))
    assert libraries, "no libggml-cpu in llama_cpp/lib: not the build make setup installs"
    disassembly = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(libraries[0])],
                                 capture_output=True, text=True, check=True).stdout
    assert "vfmadd" in disassembly or "ymm" in disassembly, "expected AVX2/FMA code"
    assert "%zmm" not in disassembly, "AVX-512 instructions in the CPU backend"
    assert "tileloadd" not in disassembly and "tdpb" not in disassembly, "AMX instructions"


def test_sigkill_mid_call_says_the_server_exited_not_could_not_reach(pool, tmp_path,
                                                                     monkeypatch):
    from tests.serve import free_port

    port = free_port()
    monkeypatch.setenv("ROUTELAB_LLAMA_PORT", str(port))
    server = local_server.start(port, warm_up=False)
    long = ModelSpec(**{**pool["smollm2"].__dict__, "max_tokens": 2000})
    try:
        events = llm.stream(long, "Write a very long story about a dragon and a city.")
        assert isinstance(next(events), str)  # tokens are flowing: the call is under way
        server.send_signal(signal.SIGKILL)
        call = [event for event in events if isinstance(event, llm.Call)][-1]
        assert not call.ok and call.error.kind == "server_exited", call.error
        assert "exited with signal SIGKILL" in call.error.message
        assert "llama_server.log" in call.error.message
        assert "Could not reach" not in call.error.message
        # every later caller, in this process or another, learns the same from the record
        assert "SIGKILL" in llm.check(pool["smollm2"]).message
        status = doctor.local_server_status()
        assert status.status == doctor.FAIL and "SIGKILL" in status.verdict
    finally:
        local_server.stop(server)


def test_exit_messages_name_the_signal_and_the_fix():
    log = REPO / "data" / "models" / "llama_server.log"
    sigill = local_server.exit_message(-signal.SIGILL, log)
    assert sigill.startswith("the local model server exited with signal SIGILL "
                             "(illegal instruction) — see data/models/llama_server.log")
    assert "rebuild with `make clean run`" in sigill
    assert "SIGSEGV (segmentation fault)" in local_server.exit_message(-signal.SIGSEGV, log)
    assert "status 1" in local_server.exit_message(1, log)


def test_a_server_that_dies_at_start_fails_start_with_its_signal(tmp_path, monkeypatch):
    """A crash before ready is reported by start() itself, with the signal."""
    from tests.serve import free_port

    port = free_port()
    crash = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGILL)"]
    monkeypatch.setattr(local_server, "server_command", lambda config: crash)
    with pytest.raises(local_server.ServerFailed) as failed:
        local_server.start(port, timeout=30, log=tmp_path / "server.log")
    assert "SIGILL (illegal instruction)" in str(failed.value)
    assert "make clean run" in str(failed.value)
    record = json.loads((local_server._state_path(port)).read_text())
    deadline = time.monotonic() + 5
    while record["exit"] is None and time.monotonic() < deadline:
        time.sleep(0.1)
        record = json.loads((local_server._state_path(port)).read_text())
    assert record["exit"] == -signal.SIGILL
    assert "SIGILL" in local_server.why_down(port)



def test_a_server_started_from_a_short_lived_thread_outlives_the_thread(monkeypatch):
    """The Models page's start button runs in a Streamlit script thread that ends at once;
    the server must not take the thread's end for its parent's death."""
    from tests.serve import free_port

    port = free_port()
    started = []
    thread = threading.Thread(target=lambda: started.append(
        local_server.start(port, warm_up=False)))
    thread.start()
    thread.join(timeout=180)
    (server,) = started
    try:
        time.sleep(2.0)
        assert server.poll() is None and local_server.is_up(port)
    finally:
        local_server.stop(server)
    assert local_server.why_down(port) is None  # stopped on purpose: only "not running"
    assert not local_server.crashed(port)


def test_a_server_that_vanished_unrecorded_is_named_once_then_at_once(tmp_path):
    """Its starter died too (SIGKILL): nobody recorded the exit. The first caller waits a
    moment for a record, then says the server is gone; later callers are told at once."""
    from tests.serve import free_port

    port = free_port()
    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid that no longer runs
    local_server._record(port, {"pid": gone.pid, "log": str(tmp_path / "server.log"),
                                "started": time.time(), "exit": None})
    started = time.monotonic()
    assert "is no longer running" in local_server.why_down(port, settle_s=0.5)
    assert time.monotonic() - started >= 0.5
    started = time.monotonic()
    assert "is no longer running" in local_server.why_down(port, settle_s=5.0)
    assert time.monotonic() - started < 1.0


def test_the_server_keeps_every_model_loaded(monkeypatch):
    """Switching models no longer reloads them (llama_serve.KeepLoaded); the real server
    runs through it in every test that uses the local models."""
    from llama_cpp.server.settings import ModelSettings

    from app.models.llama_serve import KeepLoaded

    loads = []

    class Loaded:
        def __init__(self, alias):
            self.alias, self.closed = alias, False

        def close(self):
            self.closed = True

    monkeypatch.setattr(KeepLoaded, "load_llama_from_model_settings",
                        staticmethod(lambda s: loads.append(s.model_alias) or Loaded(
                            s.model_alias)))
    proxy = KeepLoaded([ModelSettings(model="a.gguf", model_alias="a"),
                        ModelSettings(model="b.gguf", model_alias="b")])
    served = [proxy(alias).alias for alias in ("a", "b", "a", "b", None, "unknown")]
    assert served == ["a", "b", "a", "b", "a", "a"] and loads == ["a", "b"]
    assert not any(m.closed for m in proxy._loaded.values())
    proxy.free()
    assert proxy._loaded == {}
