"""RouterBench's wide layout (Hu et al., 2024; Martian `withmartian/routerbench`).

One row per prompt: `sample_id`, `prompt` (a stringified Python list), `eval_name`, one 0/1
score column per model, `<model>|total_cost` (USD) and `<model>|model_response`.
"""

from __future__ import annotations

import ast

from app.data.importers.mapping import WideMapping
from app.data.importers.stage import stage_wide
from app.store.db import register_udf

HUB_REPO = "withmartian/routerbench"
HUB_FILES = {0: "routerbench_0shot.pkl", 5: "routerbench_5shot.pkl"}

REQUIRED = ("sample_id", "prompt", "eval_name")

# Decode a Python str-list literal in SQL when it is the common "['...']" with simple escapes;
# anything else goes to Python's literal_eval. Most rows never leave DuckDB.
_SINGLE_QUOTED = r"""'^\[''(?:[^''\\]|\\[\\''"ntr])*''\]$'"""
_DOUBLE_QUOTED = r"""'^\["(?:[^"\\]|\\[\\''"ntr])*"\]$'"""
_MACROS = [
    f"""CREATE OR REPLACE TEMP MACRO rb_text(v) AS CASE
        WHEN v IS NULL THEN NULL
        WHEN regexp_full_match(v, {_SINGLE_QUOTED}, 's')
             OR regexp_full_match(v, {_DOUBLE_QUOTED}, 's') THEN
            replace(replace(replace(replace(replace(replace(replace(
                v[3:-3], '\\\\', chr(1)), '\\n', chr(10)), '\\t', chr(9)), '\\r', chr(13)),
                '\\''', ''''), '\\"', '"'), chr(1), '\\')
        WHEN starts_with(v, '[') THEN rb_literal(v)
        ELSE v END""",
    # 5-shot prompts: the question is the last blank-line block after answered examples.
    """CREATE OR REPLACE TEMP MACRO rb_question(t) AS CASE
        WHEN len(string_split(t, chr(10) || chr(10))) > 1
             AND contains(t[1:length(t) - length(string_split(t, chr(10) || chr(10))[-1])],
                          'Answer:')
        THEN trim(string_split(t, chr(10) || chr(10))[-1])
        ELSE t END""",
]


def matches(columns: list[str]) -> bool:
    """True for RouterBench's layout: its id/prompt/task columns and per-model cost columns."""
    return all(c in columns for c in REQUIRED) and bool(model_columns(columns))


def model_columns(columns: list[str]) -> list[str]:
    return [c for c in columns if f"{c}|total_cost" in columns or f"{c}|model_response" in columns]


def mapping_for(columns: list[str]) -> WideMapping:
    return WideMapping(text="prompt", id="sample_id", task="eval_name",
                       split="split" if "split" in columns else None,
                       models=tuple(model_columns(columns)),
                       cost_pattern="{model}|total_cost",
                       response_pattern="{model}|model_response")


def stage(cur, columns: list[str], file: str) -> WideMapping:
    """Decode the list-literal prompts and responses, then use the generic wide path."""
    register_udf(cur, "rb_literal", literal_text, ["VARCHAR"], "VARCHAR")
    for macro in _MACROS:
        cur.execute(macro)
    mapping = mapping_for(columns)
    stage_wide(cur, mapping, columns, file, text_sql="rb_text(CAST(prompt AS VARCHAR))",
               embed_sql="rb_question(rb_text(CAST(prompt AS VARCHAR)))",
               decode_response="rb_text")
    return mapping


def literal_text(values):
    """Arrow UDF: a stringified Python list of strings -> its parts joined by blank lines."""
    import pyarrow as pa

    return pa.array([_one_literal(v) for v in values.to_pylist()], type=pa.string())


def _one_literal(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        parsed = ast.literal_eval(value)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return value  # not a list literal after all: keep the text as given
    if isinstance(parsed, (list, tuple)):
        return "\n\n".join(str(part) for part in parsed)
    return str(parsed)


def _reachable(host: str, port: int = 443, timeout: float = 3.0) -> bool:
    """Fail at once when offline instead of waiting through the hub client's retries."""
    import socket

    try:
        socket.create_connection((host, port), timeout=timeout).close()
        return True
    except OSError:
        return False


def download(shots: int = 0) -> str:
    """Fetch the official RouterBench pickle from the Hugging Face hub; return its local path."""
    import os

    from app.data.importers.problems import ImportProblem

    how = ("Download routerbench_0shot.pkl from https://huggingface.co/datasets/"
           f"{HUB_REPO} on a machine with internet, then run: routelab import "
           "PATH/TO/routerbench_0shot.pkl --format routerbench")
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        raise ImportProblem("routerbench", "cannot be downloaded: HF_HUB_OFFLINE is set.", how)
    if not _reachable("huggingface.co"):
        raise ImportProblem("routerbench", "cannot be downloaded: huggingface.co is not "
                            "reachable from this machine (offline?).", how)
    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", "10")
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", "30")
    from huggingface_hub import hf_hub_download

    try:
        return hf_hub_download(HUB_REPO, HUB_FILES[shots], repo_type="dataset")
    except Exception as exc:  # the hub client raises many kinds of network errors
        reason = str(exc).splitlines()[0][:200]
        raise ImportProblem("routerbench", f"could not be downloaded from the Hugging Face "
                            f"hub ({type(exc).__name__}: {reason}).", how) from None
