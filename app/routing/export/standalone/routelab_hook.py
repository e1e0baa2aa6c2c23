"""An exported routelab router inside the LiteLLM proxy: it routes, and it logs the traffic.

The proxy loads this file from `config.yaml` (`litellm_settings.callbacks:
["routelab_hook.proxy_handler_instance"]`), beside which it lies; start the proxy with an
absolute `--config` path so it is found. It imports numpy, the encoder's library and
LiteLLM, never routelab.

- Routing: a chat request for the virtual model (`router-NAME`) is embedded (its last user
  message) and sent on to the model the exported router picks (`async_pre_call_hook`,
  LiteLLM's pre-call extension point). If routing fails, the request is served by the
  virtual model's own entry (the default model) and the log says `fallback`.
- The answer's headers say who answered: `x-routelab-model`, `x-routelab-router`.
- Logging: every routed call, answered or failed, is appended as one JSON line in the
  `routelab-traffic/1` format to `$ROUTELAB_TRAFFIC_LOG` (default: traffic.jsonl beside
  this file); `routelab import FILE --format litellm-log` reads it back. No key or header
  is written.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from litellm.integrations.custom_logger import CustomLogger

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from routelab_router import ExportedRouter  # noqa: E402  (the module beside this one)

SCHEMA = "routelab-traffic/1"


def last_user_text(messages) -> str:
    """The text of the last user message (text parts joined), as routelab routes on."""
    for message in reversed(messages or []):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
            return str(content or "")
    return ""


class RoutelabHook(CustomLogger):
    def __init__(self, directory: Path = HERE):
        super().__init__()
        self.router = ExportedRouter(Path(os.environ.get("ROUTELAB_ARTIFACT", directory)))
        self.name = self.router.meta["name"]
        self.virtual_model = self.router.meta["virtual_model"]
        self.default_model = self.router.meta["default_model"]
        self.log_path = Path(os.environ.get("ROUTELAB_TRAFFIC_LOG", directory / "traffic.jsonl"))
        self._lock = threading.Lock()

    # -- routing (defined on this class: the proxy only calls hooks its leaf class defines)
    async def async_pre_call_hook(self, user_api_key_dict, cache, data: dict, call_type):
        if data.get("model") != self.virtual_model:
            return data
        prompt = last_user_text(data.get("messages"))
        record = {"router": self.name, "virtual_model": self.virtual_model, "prompt": prompt,
                  "time": datetime.now(UTC).isoformat(), "propensity": 1.0,
                  "fallback": False}
        try:
            # embedding takes milliseconds to seconds: keep the proxy's event loop free
            model, scores = await asyncio.to_thread(self.router.decide, prompt)
            data["model"] = model
            record.update(model=model, scores=scores)
        except Exception as exc:  # fail open: the virtual model's own entry answers
            record.update(model=self.default_model, scores={}, fallback=True,
                          routing_error=f"{type(exc).__name__}: {exc}"[:300])
        data.setdefault("metadata", {})["routelab"] = record
        return data

    async def async_post_call_response_headers_hook(self, data, user_api_key_dict, response,
                                                    request_headers=None,
                                                    litellm_call_info=None):
        record = (data.get("metadata") or {}).get("routelab")
        if not record:
            return None
        return {"x-routelab-model": record["model"], "x-routelab-router": self.name}

    # -- the traffic log
    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        self._log(kwargs, response_obj, start_time, end_time, None)

    async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time):
        error = kwargs.get("exception") or response_obj
        self._log(kwargs, None, start_time, end_time, f"{type(error).__name__}: {error}")

    def _log(self, kwargs, response, start_time, end_time, error) -> None:
        params = kwargs.get("litellm_params") or {}
        record = ((params.get("metadata") or {}).get("routelab")
                  or (params.get("litellm_metadata") or {}).get("routelab"))
        if not record:
            return  # not a routed call
        standard = kwargs.get("standard_logging_object") or {}
        line = {"schema": SCHEMA,
                "id": _response_id(response) or standard.get("id")
                or kwargs.get("litellm_call_id"),
                **{k: record[k] for k in ("time", "router", "virtual_model", "prompt", "model",
                                          "propensity", "scores", "fallback")},
                "status": "failure" if error else "success",
                "response": None if error else _answer_text(response),
                "error": error[:500] if error else None,
                "latency_s": _seconds(start_time, end_time),
                "cost_usd": _number(kwargs.get("response_cost", standard.get("response_cost"))),
                "prompt_tokens": standard.get("prompt_tokens"),
                "completion_tokens": standard.get("completion_tokens")}
        text = json.dumps(line, ensure_ascii=False, default=str)
        with self._lock, self.log_path.open("a", encoding="utf-8") as out:
            out.write(text + "\n")


def _response_id(response) -> str | None:
    return getattr(response, "id", None) if response is not None else None


def _answer_text(response) -> str | None:
    try:
        choice = response.choices[0]
        message = getattr(choice, "message", None)
        return message.content if message is not None else choice.text
    except (AttributeError, IndexError, TypeError):
        return None


def _seconds(start, end) -> float | None:
    try:
        return round((end - start).total_seconds(), 6)
    except (AttributeError, TypeError):
        try:
            return round(float(end) - float(start), 6)
        except (TypeError, ValueError):
            return None


def _number(value) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


proxy_handler_instance = RoutelabHook()


def route(prompt: str) -> str:
    """The model the exported router picks for `prompt` (what the hook sends it to)."""
    return proxy_handler_instance.router.route(prompt)
