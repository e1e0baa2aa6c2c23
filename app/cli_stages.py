"""How a command shows its progress: one line per stage on stderr."""

from __future__ import annotations

import sys


class Stages:
    """progress(stage, fraction) for a command: a line per stage on stderr. On a terminal
    a stage that counts its way up ("Embedding the queries: 512 of 15,000") rewrites its
    own line; in a log every count keeps its line. close() ends the last line."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.open = ""  # the stage on the terminal's unfinished line

    def __call__(self, stage: str, fraction: float = 0.0) -> None:
        if not self.stream.isatty():
            print(stage, file=self.stream, flush=True)
            return
        counting = ":" in stage and stage.split(":")[0] == self.open.split(":")[0]
        start = "\r\033[K" if counting else ("\n" if self.open else "")
        print(start + stage, end="", file=self.stream, flush=True)
        self.open = stage

    def close(self) -> None:
        if self.open:
            print(file=self.stream, flush=True)
            self.open = ""
