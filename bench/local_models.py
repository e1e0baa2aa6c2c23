"""Tokens per second of both local models: the portable llama.cpp build against a build
for this CPU only (GGML_NATIVE, what `pip install llama-cpp-python` makes), side by side.

The native build lives in a scratch venv (bench/out/native-venv), made once by the same
install script with LLAMA_CMAKE_ARGS=-DGGML_NATIVE=ON (compiled once, then cached). Each
measurement runs in a fresh subprocess of the venv under test: load the model, process a
fixed ~200-token prompt, generate 128 tokens with end-of-sequence banned (so every run
generates the same number), best of three.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.report import OUT, ROOT, Figure

NATIVE_VENV = OUT / "native-venv"
NEW_TOKENS = 128
PROMPT = ("Routing sends each query to the model that answers it best for the money. " * 14
          + "\nSummarise the idea above in one long paragraph:")


def measure(model_path: str) -> dict:
    """In this process: prompt-processing and generation rates of one model."""
    import numpy as np
    from llama_cpp import Llama, LogitsProcessorList

    model = Llama(model_path=model_path, n_ctx=1024, n_threads=2, n_batch=256, verbose=False)
    eos = model.token_eos()

    def ban_eos(_ids, logits):
        logits[eos] = -np.inf
        return logits

    best = {"prompt_tok_s": 0.0, "gen_tok_s": 0.0}
    prompt_tokens = model.tokenize(PROMPT.encode())
    for _ in range(3):
        model.reset()
        started = time.perf_counter()
        model.eval(prompt_tokens)
        evaluated = time.perf_counter()
        reply = model.create_completion(PROMPT, max_tokens=NEW_TOKENS, temperature=0.0,
                                        logits_processor=LogitsProcessorList([ban_eos]))
        done = time.perf_counter()
        generated = reply["usage"]["completion_tokens"]
        best["prompt_tok_s"] = max(best["prompt_tok_s"],
                                   len(prompt_tokens) / (evaluated - started))
        # the prompt is cached from the eval above, so this is (almost all) generation
        best["gen_tok_s"] = max(best["gen_tok_s"], generated / (done - evaluated))
    return best


def _in_subprocess(python: Path, model_path: Path) -> dict:
    done = subprocess.run([str(python), "-m", "bench.local_models", "--measure",
                           str(model_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{python}: exit {done.returncode}: {done.stderr[-1500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def native_python() -> Path:
    """A scratch venv holding llama-cpp-python built for this CPU only."""
    python = NATIVE_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(NATIVE_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "numpy",
                        "typing-extensions", "diskcache", "jinja2"], check=True)
    subprocess.run(["bash", str(ROOT / "scripts" / "install-llama-cpp.sh"), str(python)],
                   check=True, env={**os.environ, "LLAMA_CMAKE_ARGS": "-DGGML_NATIVE=ON"})
    return python


def run() -> list[Figure]:
    from app.models import local_server

    figures = []
    native = native_python()
    for alias, path in local_server.model_files().items():
        portable = _in_subprocess(Path(sys.executable), path)
        baseline = _in_subprocess(native, path)
        print(f"{alias}: portable {portable}, native {baseline}")
        figures += [
            Figure(f"{alias} generation, portable build", portable["gen_tok_s"], "tokens/s",
                   baseline["gen_tok_s"], "native build (GGML_NATIVE)",
                   target="within 10% of native (ratio >= 0.9)"),
            Figure(f"{alias} prompt processing, portable build", portable["prompt_tok_s"],
                   "tokens/s", baseline["prompt_tok_s"], "native build (GGML_NATIVE)"),
        ]
    return figures


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        print(json.dumps(measure(sys.argv[2])))
    else:
        for figure in run():
            print(figure.line())
