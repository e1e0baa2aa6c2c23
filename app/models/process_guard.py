"""Child processes that never outlive their parent.

`guarded(command)` wraps a command so that, on Linux, the kernel sends it SIGTERM when the
process that started it dies — by Ctrl-C, SIGTERM, SIGHUP or even SIGKILL, where no
`finally` block runs. It works by running `python -m app.models.process_guard PARENT_PID -- CMD`,
which asks for that signal (prctl PR_SET_PDEATHSIG) and then execs CMD: the request
survives exec, so the real program (streamlit, the llama.cpp server) carries it.
`die_with_parent()` asks the same for the calling process itself.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(sig: int = signal.SIGTERM) -> bool:
    """Ask the kernel to send `sig` to this process when its parent exits (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):  # no prctl in this libc: nothing to ask for
        return False


def guarded(command: list[str]) -> list[str]:
    """`command`, run so that it receives SIGTERM when this process dies."""
    return [sys.executable, "-m", "app.models.process_guard", str(os.getpid()), "--", *command]


def stop(process: subprocess.Popen | None, grace_s: float = 10.0) -> None:
    """Stop a child politely (SIGTERM), then for good (SIGKILL) after `grace_s`."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main(argv: list[str]) -> None:
    parent, _, command = argv[0], argv[1], argv[2:]
    die_with_parent()
    # The parent may have died between fork and prctl: then nobody would signal us.
    if os.getppid() != int(parent):
        sys.exit(f"process_guard: parent {parent} is gone; not starting {command[0]}")
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
