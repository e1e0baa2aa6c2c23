"""`python -m app.models.llama_probe MODEL.gguf`: load a GGUF model and generate one token.

Run in a subprocess by `routelab doctor`, so that a llama.cpp build this CPU cannot run
kills the probe (SIGILL), not the caller, and the caller can say which signal it was.
Prints one line: the token, and the seconds the load and the token took.
"""

from __future__ import annotations

import sys
import time


def main(model_path: str) -> None:
    from llama_cpp import Llama

    started = time.perf_counter()
    model = Llama(model_path=model_path, n_ctx=256, n_threads=2, verbose=False)
    loaded = time.perf_counter()
    reply = model.create_completion("Hello", max_tokens=1, temperature=0.0)
    done = time.perf_counter()
    token = reply["choices"][0]["text"]
    print(f"token {token!r}: loaded in {loaded - started:.1f} s, generated in "
          f"{done - loaded:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1])
