"""The model pool: a committed TOML file of the models routelab can call."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from app import settings

KINDS = ("chat", "completion")
STYLES = ("plain", "fewshot")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


class PoolError(ValueError):
    """The pool file or an entry in it is not usable; the message says which and why."""


@dataclass(frozen=True)
class ModelSpec:
    """One callable model ("arm"): a LiteLLM model string plus how routelab prompts it."""

    name: str
    litellm_model: str
    kind: str = "chat"
    api_base: str | None = None
    api_key_env: str | None = None
    usd_per_1k_in: float | None = None
    usd_per_1k_out: float | None = None
    max_tokens: int = 256
    temperature: float = 0.0
    samples: int = 1
    prompt_style: str = "plain"
    timeout_s: float = 60.0
    description: str = ""
    stop: tuple[str, ...] = field(default=())
    seed: int | None = None        # fixed sampling seed (probe arms of self-consistency)
    hidden: bool = False           # callable, but not offered to bandits as an arm

    @property
    def is_local(self) -> bool:
        return self.api_base == "local"

    def base_url(self) -> str | None:
        """The server URL with "local" resolved to routelab's llama.cpp server."""
        return settings.local_server_url() + "/v1" if self.is_local else self.api_base

    def key_env(self) -> str | None:
        """Which secret holds the key: declared, else the provider's usual variable."""
        if self.api_key_env:
            return self.api_key_env
        if self.is_local:
            return None
        provider = self.litellm_model.split("/", 1)[0]
        return {"text-completion-openai": "OPENAI_API_KEY", "ollama": None,
                "ollama_chat": None}.get(provider, f"{provider.upper()}_API_KEY")

    def to_toml(self) -> dict:
        data = {k: v for k, v in asdict(self).items() if k != "name"}
        defaults = {f.name: f.default for f in fields(ModelSpec) if f.name != "name"}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()
                if v is not None and v != defaults.get(k)}


def pool_path() -> Path:
    configured = os.environ.get("ROUTELAB_MODELS", "").strip()
    return Path(configured) if configured else settings.REPO_ROOT / "models.toml"


def load_pool(path: Path | None = None) -> dict[str, ModelSpec]:
    """Every model in the pool file, by name; PoolError names the bad entry."""
    path = path or pool_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PoolError(f"{path} does not exist. Copy models.toml from the repository.") from None
    except tomllib.TOMLDecodeError as exc:
        raise PoolError(f"{path} is not valid TOML ({exc}). Fix the file.") from None
    models = raw.get("models", {})
    if not isinstance(models, dict):
        raise PoolError(f"{path}: [models] must be a table of model entries.")
    return {name: make_spec(name, entry, str(path)) for name, entry in models.items()}


def make_spec(name: str, entry: dict, where: str = "models.toml") -> ModelSpec:
    """Validate one entry and build its ModelSpec."""
    if not _NAME.match(name):
        raise PoolError(f"{where}: model name '{name}' must be 1-64 letters, digits, . _ -")
    known = {f.name for f in fields(ModelSpec)} - {"name"}
    unknown = set(entry) - known
    if unknown:
        raise PoolError(f"{where}: model '{name}' has unknown settings {sorted(unknown)}; "
                        f"known ones are {sorted(known)}.")
    if not str(entry.get("litellm_model", "")).strip():
        raise PoolError(f"{where}: model '{name}' needs litellm_model, e.g. openai/gpt-4o-mini.")
    values = dict(entry)
    if "stop" in values:
        values["stop"] = tuple(values["stop"])
    try:
        spec = ModelSpec(name=name, **values)
    except TypeError as exc:
        raise PoolError(f"{where}: model '{name}': {exc}") from None
    problems = []
    if spec.kind not in KINDS:
        problems.append(f"kind must be one of {KINDS}")
    if spec.prompt_style not in STYLES:
        problems.append(f"prompt_style must be one of {STYLES}")
    if not (isinstance(spec.samples, int) and 1 <= spec.samples <= 9):
        problems.append("samples must be a whole number from 1 to 9")
    for price in ("usd_per_1k_in", "usd_per_1k_out"):
        value = getattr(spec, price)
        if value is not None and (not isinstance(value, (int, float)) or value < 0):
            problems.append(f"{price} must be a number >= 0")
    if not (isinstance(spec.max_tokens, int) and spec.max_tokens > 0):
        problems.append("max_tokens must be a whole number > 0")
    if problems:
        raise PoolError(f"{where}: model '{name}': " + "; ".join(problems) + ".")
    return spec


def save_pool(specs: dict[str, ModelSpec], path: Path | None = None) -> None:
    """Write the pool back, keeping the file's leading comment block."""
    path = path or pool_path()
    header = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or not line.strip():
                header.append(line)
            else:
                break
    body = []
    for name, spec in specs.items():
        body.append(f"[models.{name}]")
        body.extend(f"{key} = {_toml_value(value)}" for key, value in spec.to_toml().items())
        body.append("")
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text("\n".join(header + body), encoding="utf-8")
    tmp.replace(path)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'
