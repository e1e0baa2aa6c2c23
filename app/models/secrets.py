"""Provider keys: from the environment or root-level keys of .streamlit/secrets.toml.

Keys are looked up at call time and handed to LiteLLM; nothing here writes them anywhere.
`redact` scrubs every known key from text before it is stored, logged or shown.
"""

from __future__ import annotations

import os
import re
import tomllib
from functools import lru_cache

from app import settings

_KEY_NAMES = re.compile(r"(API_KEY|_TOKEN|_SECRET|ACCESS_KEY)", re.IGNORECASE)


def secrets_path():
    return settings.REPO_ROOT / ".streamlit" / "secrets.toml"


@lru_cache(maxsize=1)
def _file_secrets(mtime: float) -> dict[str, str]:
    try:
        data = tomllib.loads(secrets_path().read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return {k: str(v) for k, v in data.items() if isinstance(v, (str, int))}


def file_secrets() -> dict[str, str]:
    path = secrets_path()
    return _file_secrets(path.stat().st_mtime if path.exists() else 0.0)


def secret(name: str | None) -> str | None:
    """The value of a key by name, from the environment first, else secrets.toml."""
    if not name:
        return None
    return os.environ.get(name) or file_secrets().get(name) or None


def where(name: str | None) -> str:
    """Where a key was found, for the Models page ("environment", "secrets.toml", "missing")."""
    if not name:
        return "not needed"
    if os.environ.get(name):
        return "environment"
    if file_secrets().get(name):
        return "secrets.toml"
    return "missing"


def known_secret_values() -> list[str]:
    """Every key-like value we know of, longest first, to redact from any text."""
    values = {v for k, v in os.environ.items() if _KEY_NAMES.search(k) and len(v) >= 6}
    values |= {v for v in file_secrets().values() if len(v) >= 6}
    return sorted(values, key=len, reverse=True)


def redact(text: str | None) -> str | None:
    """Text with every known key replaced, plus anything shaped like a bearer key."""
    if not text:
        return text
    for value in known_secret_values():
        text = text.replace(value, "[redacted]")
    return re.sub(r"\b(sk|pk|rk)-[A-Za-z0-9_\-]{12,}", "[redacted]", text)
