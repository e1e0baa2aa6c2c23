"""The vLLM Semantic Router export's texts: its v0.3 `config.yaml` and its README sections."""

from __future__ import annotations

import numpy as np

from app.models.pool import PoolError, load_pool
from app.routing.export.base import ExportSource

ARTIFACTS = "models/model-selection"  # `vllm-sr serve` mounts ./models as /app/models
EMBED_PORT = 8090  # embed_server.py's default port


def vllm_config(source: ExportSource, algorithm: str, selector: dict, refs: list[str],
                dim: int) -> dict:
    """The v0.3 config: each model with its price, one rule-less decision over `refs`
    with the ML selector, and the embedding endpoint that serves routelab's encoder."""
    try:
        pool = load_pool()
    except PoolError:
        pool = {}
    providers = []
    for model in source.models:
        spec, price = pool.get(model), source.prices.get(model)
        entry = {"name": model,
                 "provider_model_id": spec.litellm_model.split("/", 1)[-1] if spec else model}
        if price is not None:
            entry["pricing"] = {"currency": "USD", "prompt_per_1m": price.per_million_in,
                                "completion_per_1m": price.per_million_out}
        if spec and spec.base_url():
            key = {"api_key_env": spec.key_env()} if spec.key_env() else {}
            entry["backend_refs"] = [{"name": f"{model}-backend", "base_url": spec.base_url(),
                                      "provider": "openai", **key}]
        providers.append(entry)
    decision = {"name": f"routelab_{source.config.name}",
                "description": f"routelab {source.config.kind} router (exported)",
                "priority": 100,  # no rules: it takes every request
                "modelRefs": [{"model": m, "use_reasoning": False} for m in refs],
                "algorithm": {"type": algorithm}}
    semantic = {"embedding_config": {"backend": "openai_compatible", "model_type": "remote",
                                     "target_dimension": dim},
                "endpoint": {"base_url": f"http://127.0.0.1:{EMBED_PORT}/v1",
                             "model": source.data.encoder, "timeout_seconds": 10}}
    default = source.models[int(np.argmin(source.router.tie_order()))]
    return {"version": "v0.3",
            "listeners": [{"name": "http-8899", "address": "0.0.0.0", "port": 8899,
                           "timeout": "300s"}],
            "providers": {"defaults": {"default_model": default}, "models": providers},
            "routing": {"modelCards": [{"name": m} for m in source.models],
                        "decisions": [decision]},
            "global": {"router": {"model_selection": {"enabled": True, "ml": {
                "models_path": ARTIFACTS, "embedding_dim": dim, algorithm: selector}}},
                "model_catalog": {"embeddings": {"semantic": semantic}}}}


def how_to_run(source: ExportSource, algorithm: str) -> str:
    library = "scikit-learn" if source.data.encoder == "hashing-ngrams-512" else \
        "sentence-transformers"
    return f"""## How to run

1. Serve routelab's encoder ({source.data.encoder}) to vLLM-SR (needs numpy and {library}):

   ```sh
   python embed_server.py --port {EMBED_PORT}
   ```

   `config.yaml` points `global.model_catalog.embeddings.semantic.endpoint.base_url` at
   `http://127.0.0.1:{EMBED_PORT}/v1`; from `vllm-sr serve`'s containers use an address the
   router container reaches instead (e.g. `http://host.docker.internal:{EMBED_PORT}/v1`).
2. Give each `providers.models` entry without `backend_refs` an `endpoint` or `base_url`
   (routelab knows each model's name and price, not where you serve it), then, from this
   directory (`vllm-sr serve` mounts `./models` as `/app/models`, where
   `pretrained_path` points):

   ```sh
   vllm-sr validate --config config.yaml
   vllm-sr serve --config config.yaml
   vllm-sr eval --prompt "2+2?"    # the decision and the {algorithm} choice
   ```
3. The same choice without vLLM-SR, json + numpy only: `from vllm_sr_select import
   features, select; select(features(vector))`, `vector` being the encoder's embedding.
"""


def differences(source: ExportSource, notes: list[str], measured) -> str:
    lines = ["## What differs from routelab", "", *[f"- {note}" for note in notes],
             f"- The query is embedded by the endpoint in `config.yaml`, which must return "
             f"{source.data.encoder} vectors of unit length as routelab's.",
             "- vLLM-SR appends a 14-way category one-hot; every exported row uses `other`, "
             "so the request's category shifts all distances alike.",
             "- The decision has no rules, so it takes every request unless a decision of "
             "higher priority that you add matches first.", "",
             "## Agreement with routelab", "",
             f"vLLM-SR's choice, recomputed from the JSON by `vllm_sr_select.py` (its Rust "
             f"vote, 0.01 quality floor and speed term included), on the "
             f"{len(source.data.test):,} test queries (routelab's embeddings; the artifact "
             f"holds only the {len(source.data.train):,} training queries):", "",
             *[f"- same model as {who}: {share:.1%}" for who, share in measured]]
    return "\n".join(lines) + "\n"
