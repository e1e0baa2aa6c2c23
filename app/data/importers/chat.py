"""Chat-shaped prompts: a JSON list of messages (OpenAI, ShareGPT) or of user turns.

The query a router sees is its user turns' text; the full prompt is kept as logged.
"""

from __future__ import annotations

import json


def user_text(values):
    """Arrow UDF: a prompt -> its user turns' text (JSON chat lists), else as given."""
    import pyarrow as pa

    return pa.array([_user_turns(v) for v in values.to_pylist()], type=pa.string())


def _user_turns(value: str | None) -> str | None:
    if value is None or not value.lstrip().startswith(("[", "{")):
        return value
    try:
        parsed = json.loads(value)
    except ValueError:
        return value  # text that merely starts with a bracket
    turns = [t for t in (_turn_text(m) for m in (parsed if isinstance(parsed, list)
                                                 else [parsed])) if t]
    return "\n\n".join(turns) if turns else value


def _turn_text(message) -> str | None:
    """A user turn's text: a plain string (a list of user turns), or a chat message whose
    role is user / human (OpenAI and ShareGPT shapes); None for other roles."""
    if isinstance(message, str):
        return message.strip()
    if not isinstance(message, dict):
        return None
    role = str(message.get("role", message.get("from", "user"))).lower()
    if role not in ("user", "human"):
        return None
    content = message.get("content", message.get("value"))
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
        content = " ".join(str(p.get("text", "")) if isinstance(p, dict) else str(p)
                           for p in content)
    return str(content).strip() if content is not None else None
