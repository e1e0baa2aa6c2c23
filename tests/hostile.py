"""A query log written by an attacker: markup, script, links, huge lines, odd characters."""

from __future__ import annotations

import json
from pathlib import Path

PAYLOADS = [
    "<script>window.__pwned = 'script'</script>",
    '<img src=x onerror="window.__pwned = \'img\'">',
    "[click me](javascript:window.__pwned='link')",
    "<a href=\"javascript:window.__pwned='anchor'\">anchor</a>",
    "**bold** _emphasis_ # heading `code` $x^2$ :red[red]",
    "right-to-left \u202egnp.exe mark and \u200f marks",
    "a very long line " + "x" * 20_000,
    "'; DROP TABLE outcomes; --",
    "![pixel](https://tracker.invalid/pixel.png) <img src='https://tracker.invalid/img.png'>",
]
HOSTILE_MODELS = ["<img src=x onerror=\"window.__pwned='model'\"><b>model-bold</b>",
                  "m](javascript:window.__pwned='model')"]
HOSTILE_NAME = "<img src=x onerror=window.__pwned='name'>"


def write_log(folder: Path) -> Path:
    """A long JSONL log: every payload as a prompt, and as each model's response."""
    path = folder / "hostile.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for i, payload in enumerate(PAYLOADS):
            for j, model in enumerate(HOSTILE_MODELS):
                handle.write(json.dumps({
                    "query_id": f"h{i}", "prompt": f"{payload} (prompt {i})", "model": model,
                    "score": (i + j) % 2, "cost_usd": 0.001 * (j + 1),
                    "response": f"{payload}\u0000 (answer {j})", "task": f"<i>task{i % 2}</i>"},
                    ensure_ascii=False) + "\n")
    return path
