"""Export to the LiteLLM proxy: `config.yaml`, the routing hook and the router's artifact.

The pool's models become the proxy's `model_list` (with their prices, so LiteLLM's cost
in the traffic log is routelab's); one more entry, the virtual model `router-NAME`, is what
clients ask for. The hook (standalone/routelab_hook.py, LiteLLM's `CustomLogger` with
`async_pre_call_hook`, the extension point the proxy config can load) rewrites such a
request to the model the router picks, and logs every routed call.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import yaml

from app.models.pool import ModelSpec, load_pool
from app.routing.export import scorers
from app.routing.export.base import STANDALONE, ExportSource, load_shipped

CALLBACK = "routelab_hook.proxy_handler_instance"


def check(source: ExportSource) -> None:
    scorers.check(source)


def write(source: ExportSource, directory: Path) -> list[str]:
    meta, arrays = scorers.artifact(source)
    name = source.config.name
    meta["virtual_model"] = f"router-{name}"
    meta["default_model"] = source.models[int(np.argmin(meta["tie_ranks"]))]
    (directory / "router.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    np.savez(directory / "router.npz", **arrays)
    for module in ("routelab_router.py", "routelab_hook.py"):
        shutil.copy(STANDALONE / module, directory / module)
    pool = load_pool()
    config, unknown = proxy_config(source, meta, pool)
    (directory / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False),
                                           encoding="utf-8")
    agree = source.agreement(lambda q: _exported(directory).choose_models(q.X))
    return [_how_to_run(meta), _differences(source, pool, unknown, agree)]


def proxy_config(source: ExportSource, meta: dict, pool: dict[str, ModelSpec]
                 ) -> tuple[dict, list[str]]:
    """The proxy's config: a deployment per model, the virtual model, the hook."""
    entries, unknown = [], []
    for model in source.models:
        params = _litellm_params(model, pool.get(model), source.prices.get(model))
        if model not in pool:
            unknown.append(model)
        entries.append({"model_name": model, "litellm_params": params,
                        "model_info": {"id": model}})  # x-litellm-model-id names it
    default = next(e for e in entries if e["model_name"] == meta["default_model"])
    entries.append({"model_name": meta["virtual_model"],
                    "litellm_params": dict(default["litellm_params"]),
                    "model_info": {"id": meta["virtual_model"]}})
    return {"model_list": entries,
            "litellm_settings": {"callbacks": [CALLBACK], "num_retries": 2,
                                 "request_timeout": 120, "drop_params": True},
            "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"}}, unknown


def _litellm_params(model: str, spec: ModelSpec | None, price) -> dict:
    if spec is None:  # a model of the log that the pool does not know: LiteLLM's own name
        params = {"model": model}
    else:
        params = {"model": spec.litellm_model}
        if spec.base_url():
            params["api_base"] = spec.base_url()
        key = spec.key_env()
        # a reference the proxy resolves at start: the key itself is never written
        params["api_key"] = f"os.environ/{key}" if key else "no-key-needed"
        params.update(max_tokens=spec.max_tokens, temperature=spec.temperature,
                      timeout=spec.timeout_s)
    if price is not None:
        params["input_cost_per_token"] = price.per_million_in / 1e6
        params["output_cost_per_token"] = price.per_million_out / 1e6
    return params


class _Loaded:
    """The exported module, loaded from the export directory as the proxy will load it."""

    def __init__(self, module):
        self.router = module.ExportedRouter(module.HERE)

    def choose_models(self, X) -> list[str]:
        picks = self.router.choose(self.router.scores(X))
        return [self.router.models[int(c)] for c in picks]


def _exported(directory: Path) -> _Loaded:
    return _Loaded(load_shipped(directory / "routelab_router.py"))


def _how_to_run(meta: dict) -> str:
    return f"""## How to run

With routelab: `routelab gateway {meta['name']}` starts LiteLLM's proxy on this directory.
By hand, in an environment with `litellm[proxy]==1.106.2`, numpy and the encoder's library
(sentence-transformers for {meta['encoder']}):

```sh
export LITELLM_MASTER_KEY="sk-$(python -c 'import secrets; print(secrets.token_hex(16))')"
export LITELLM_LOCAL_MODEL_COST_MAP=True HF_HUB_OFFLINE=1
litellm --config "$PWD/config.yaml" --port 4000   # an absolute path: the hook lies beside it
```

Then ask for the virtual model, `{meta['virtual_model']}`, on `/v1/chat/completions`:

```sh
curl -s http://127.0.0.1:4000/v1/chat/completions -H "Authorization: Bearer $LITELLM_MASTER_KEY" \\
  -H 'Content-Type: application/json' \\
  -d '{{"model": "{meta['virtual_model']}", "messages": [{{"role": "user", "content": "2+2?"}}]}}'
```

The response header `x-routelab-model` names the model that answered. Every routed call is
appended to `traffic.jsonl` here (or `$ROUTELAB_TRAFFIC_LOG`); bring it back with
`routelab import traffic.jsonl --format litellm-log`. In Python, without the proxy:
`from routelab_router import route; route("2+2?")`.
"""


def _differences(source: ExportSource, pool, unknown: list[str], agree: float) -> str:
    lines = ["## What differs from routelab", "",
             f"- Decisions: the exported arrays, scored by `routelab_router.py`, pick the "
             f"same model as routelab on {agree:.1%} of the {len(source.data.test):,} "
             "test queries (same embeddings)."]
    styled = [m for m in source.models if m in pool and (
        pool[m].prompt_style != "plain" or pool[m].samples > 1)]
    if styled:
        lines.append(f"- {', '.join(styled)}: routelab adds worked examples or takes a "
                     "majority of several samples; through the proxy they get the request "
                     "as sent, once.")
    if unknown:
        lines.append(f"- {', '.join(unknown)}: not in routelab's pool, so their "
                     "`model_list` entries use the log's name as LiteLLM's model name; "
                     "check the provider prefix and key before serving.")
    unpriced = [m for m in source.models if source.prices.get(m) is None]
    if unpriced:
        lines.append(f"- {', '.join(unpriced)}: neither the pool nor LiteLLM's cost map has "
                     "a price, so the traffic log's cost is null for them; add "
                     "`input_cost_per_token` / `output_cost_per_token` to their entries.")
    if source.config.kind == "linucb":
        lines.append("- LinUCB is exported as trained: it does not learn from the traffic; "
                     "import the traffic log and label it to update it in routelab.")
    if source.config.kind == "knn" and len(source.data.train) >= 50_000:
        lines.append("- kNN: routelab searches this many queries approximately (inverted "
                     "file index); the export searches exactly.")
    lines.append("- Only `/v1/chat/completions` is routed: LiteLLM does not run pre-call "
                 "hooks on every endpoint.")
    return "\n".join(lines) + "\n"
