"""A strict schema for the files of a vLLM Semantic Router export: `config.yaml` (v0.3) and
the model-selection artifacts `knn_model.json` / `kmeans_model.json`.

Written from vLLM-SR's own definitions (see the comments below for where each part comes
from). Keys are checked as vLLM-SR's reference-config contract test decodes config.yaml,
with unknown fields rejected; types as its Go YAML decoder (an int field refuses "5") and
Rust serde (`k: usize`, `latencies: Vec<i64>` refuse floats); required keys as its
validators demand. The artifacts accept exactly the fields of the Rust structs plus the
extras vLLM-SR's Python trainer writes, and must be rectangular (the Rust loader builds a
matrix). `problems(...)` lists what is wrong; an empty list means the file passes.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

# Upstream: github.com/vllm-project/semantic-router at 3d48f8c9cc0d (2026-08-22).


class Struct:
    """A Go struct as YAML sees it: its known keys (yaml tags) and the required ones."""

    def __init__(self, fields: dict, required: tuple[str, ...] = ()):
        self.fields, self.required = fields, required


class ListOf:
    def __init__(self, item):
        self.item = item


class MapOf:
    def __init__(self, item):
        self.item = item


ANY = object()  # a known key whose value this export never writes: not checked further
NUMBER = float  # Go float64 / Rust f64: YAML or JSON ints are accepted too

# src/semantic-router/pkg/config/model_config_types.go ModelPricing
PRICING = Struct({"currency": str, "prompt_per_1m": NUMBER, "completion_per_1m": NUMBER,
                  "cached_input_per_1m": NUMBER, "cache_write_per_1m": NUMBER})
# canonical_providers.go CanonicalBackendRef, CanonicalProviderModel, CanonicalProviders
BACKEND_REF = Struct({"name": str, "endpoint": str, "protocol": str, "weight": int,
                      "type": str, "base_url": str, "provider": str, "auth_header": str,
                      "auth_prefix": str, "extra_headers": MapOf(str), "api_version": str,
                      "chat_path": str, "api_key": str, "api_key_env": str})
PROVIDER_MODEL = Struct({"name": str, "reasoning_family": str, "provider_model_id": str,
                         "backend_refs": ListOf(BACKEND_REF), "pricing": PRICING,
                         "reliability": ANY, "api_format": str,
                         "external_model_ids": MapOf(str)}, required=("name",))
PROVIDERS = Struct({"defaults": Struct({"default_model": str, "reasoning_families": ANY,
                                        "default_reasoning_effort": str}),
                    "models": ListOf(PROVIDER_MODEL)})
# canonical_config.go RoutingModel, CanonicalRouting; decision_config.go Decision,
# ModelRef (+ inline ModelReasoningControl), AlgorithmConfig (yaml:"-" fields left out)
MODEL_CARD = Struct({"name": str, "param_size": str, "context_window_size": int,
                     "description": str, "capabilities": ListOf(str), "loras": ANY,
                     "quality_score": NUMBER, "modality": str, "tags": ListOf(str)},
                    required=("name",))
MODEL_REF = Struct({"model": str, "lora_name": str, "weight": NUMBER, "use_reasoning": bool,
                    "reasoning_description": str, "reasoning_effort": str},
                   required=("model", "use_reasoning"))  # validator_decision.go
ALGORITHM = Struct({key: ANY for key in (
    "confidence", "ratings", "remom", "fusion", "workflows", "router_dc", "automix",
    "hybrid", "latency_aware", "multi_factor", "prompt")} | {"type": str, "on_error": str},
    required=("type",))
DECISION = Struct({"name": str, "description": str, "priority": int, "tier": int,
                   "output_contract": str, "output_contract_spec": ANY, "rules": ANY,
                   "modelRefs": ListOf(MODEL_REF), "algorithm": ALGORITHM,
                   "adaptations": ANY, "plugins": ANY, "candidateIterations": ANY,
                   "emits": ANY, "annotations": ANY}, required=("name",))
ROUTING = Struct({"modelCards": ListOf(MODEL_CARD), "signals": ANY, "projections": ANY,
                  "decisions": ListOf(DECISION), "strategy": str})
# selection_config.go ModelSelectionConfig, MLSelectionConfig, MLKNNConfig, MLKMeansConfig
ML = Struct({"models_path": str, "embedding_dim": int,
             "knn": Struct({"k": int, "pretrained_path": str}),
             "kmeans": Struct({"num_clusters": int, "efficiency_weight": NUMBER,
                               "pretrained_path": str}),
             "svm": ANY, "mlp": ANY})
MODEL_SELECTION = Struct({"method": str, "enabled": bool, "router_dc": ANY, "automix": ANY,
                          "hybrid": ANY, "ml": ML, "momentum": ANY})
# canonical_global.go CanonicalRouterGlobal, CanonicalModelCatalog; model_config_types.go
# EmbeddingModels, HNSWConfig; embedding_config.go EmbeddingEndpointConfig
ROUTER_GLOBAL = Struct({key: ANY for key in (
    "config_source", "strategy", "auto_model_name", "auto_model_names",
    "include_config_models_in_list", "clear_route_cache", "streamed_body",
    "skip_processing", "learning")} | {"model_selection": MODEL_SELECTION})
EMBEDDING_CONFIG = Struct({"backend": str, "model_type": str, "preload_embeddings": bool,
                           "target_dimension": int, "target_layer": int,
                           "enable_soft_matching": bool, "top_k": int,
                           "min_score_threshold": NUMBER, "prototype_scoring": ANY})
ENDPOINT = Struct({"base_url": str, "model": str, "api_key_env": str, "timeout_seconds": int,
                   "max_retries": int, "dimensions": int})
SEMANTIC = Struct({"qwen3_model_path": str, "gemma_model_path": str, "mmbert_model_path": str,
                   "multimodal_model_path": str, "bert_model_path": str, "use_cpu": bool,
                   "embedding_config": EMBEDDING_CONFIG, "endpoint": ENDPOINT})
MODEL_CATALOG = Struct({"embeddings": Struct({"semantic": SEMANTIC}), "system": ANY,
                        "external": ANY, "kbs": ANY, "modules": ANY})
GLOBAL = Struct({"router": ROUTER_GLOBAL, "services": ANY, "stores": ANY,
                 "integrations": ANY, "model_catalog": MODEL_CATALOG})
# config.go Listener; canonical_config.go CanonicalConfig
LISTENER = Struct({"name": str, "address": str, "port": int, "timeout": str},
                  required=("name", "address", "port"))
CONFIG = Struct({"version": str, "listeners": ListOf(LISTENER), "providers": PROVIDERS,
                 "routing": ROUTING, "entrypoints": ANY, "recipes": ANY, "global": GLOBAL},
                required=("version", "routing"))

# ml-binding/src/knn.rs KNNModelData, kmeans.rs KMeansModelData (qualities and latencies
# are #[serde(default)]); the extras are what the Python trainer's save() adds
KNN_ARTIFACT = Struct({"algorithm": str, "trained": bool, "k": int,
                       "embeddings": ListOf(ListOf(NUMBER)), "labels": ListOf(str),
                       "qualities": ListOf(NUMBER), "latencies": ListOf(int),
                       "model_names": ListOf(str), "num_samples": int, "feature_dim": int},
                      required=("algorithm", "trained", "k", "embeddings", "labels"))
KMEANS_ARTIFACT = Struct({"algorithm": str, "trained": bool, "num_clusters": int,
                          "centroids": ListOf(ListOf(NUMBER)), "cluster_models": ListOf(str),
                          "n_clusters": int, "efficiency_weight": NUMBER,
                          "model_names": ListOf(str), "feature_dim": int},
                         required=("algorithm", "trained", "num_clusters", "centroids",
                                   "cluster_models"))
CATEGORIES = 14  # the one-hot appended to the embedding (trainer.go VSRCategories)
ALGORITHMS = ("static", "knn", "kmeans", "svm", "mlp")  # those needing no algorithm block


def shape_problems(value, spec, path: str = "") -> list[str]:
    """Unknown keys, missing required keys and wrong types, with the path of each."""
    if spec is ANY:
        return []
    if isinstance(spec, Struct):
        if not isinstance(value, dict):
            return [f"{path or '.'}: expected a mapping, got {type(value).__name__}"]
        found = [f"{path}.{key}: unknown field" for key in value if key not in spec.fields]
        found += [f"{path}.{key}: required field missing" for key in spec.required
                  if key not in value]
        for key, item in value.items():
            if key in spec.fields:
                found += shape_problems(item, spec.fields[key], f"{path}.{key}")
        return found
    if isinstance(spec, ListOf | MapOf):
        kind, items = (list, enumerate(value or [])) if isinstance(spec, ListOf) else \
            (dict, (value or {}).items())
        if value is not None and not isinstance(value, kind):
            return [f"{path}: expected a {kind.__name__}, got {type(value).__name__}"]
        return [p for key, item in items for p in shape_problems(item, spec.item,
                                                                 f"{path}[{key}]")]
    allowed = (int, float) if spec is NUMBER else (spec,)
    if isinstance(value, bool) and spec is not bool or not isinstance(value, allowed):
        return [f"{path}: expected {spec.__name__}, got {type(value).__name__} {value!r}"]
    return []


def config_problems(config: dict) -> list[str]:
    """The v0.3 config: its shape, then the cross-references vLLM-SR's loader checks."""
    found = shape_problems(config, CONFIG)
    if found:
        return found
    if config["version"] != "v0.3":
        found.append(f".version: expected v0.3, got {config['version']!r}")
    cards = {card["name"] for card in config["routing"].get("modelCards", [])}
    providers = config.get("providers", {})
    default = providers.get("defaults", {}).get("default_model")
    if default is not None and default not in cards:
        found.append(f"providers.defaults.default_model {default!r} is not a modelCard")
    for model in providers.get("models", []):
        if model["name"] not in cards:
            found.append(f"providers.models[{model['name']}] matches no routing.modelCards")
        if not model.get("backend_refs") and not any(model.get(key) for key in (
                "reasoning_family", "pricing", "api_format", "external_model_ids",
                "provider_model_id")):
            found.append(f"providers.models[{model['name']}] needs backend_refs or metadata")
    for decision in config["routing"].get("decisions", []):
        found += [f"decisions[{decision['name']}] references unknown model {ref['model']!r}"
                  for ref in decision.get("modelRefs", []) if ref["model"] not in cards]
        kind = decision.get("algorithm", {}).get("type", "static")
        if kind not in ALGORITHMS:
            found.append(f"decisions[{decision['name']}].algorithm.type {kind!r} is not one "
                         f"of {ALGORITHMS}")
    semantic = config.get("global", {}).get("model_catalog", {}).get("embeddings", {}) \
        .get("semantic", {})
    if semantic.get("embedding_config", {}).get("backend") == "openai_compatible":
        endpoint = semantic.get("endpoint", {})
        if not str(endpoint.get("base_url", "")).startswith(("http://", "https://")):
            found.append("embeddings.semantic.endpoint.base_url needs a scheme and host")
        if not endpoint.get("model"):
            found.append("embeddings.semantic.endpoint.model is required")
        if semantic["embedding_config"].get("model_type", "remote") != "remote":
            found.append("embeddings.semantic.embedding_config.model_type must be remote")
    return found


def artifact_problems(artifact: dict, algorithm: str) -> list[str]:
    spec = KNN_ARTIFACT if algorithm == "knn" else KMEANS_ARTIFACT
    found = shape_problems(artifact, spec)
    if found:
        return found
    rows = artifact["embeddings" if algorithm == "knn" else "centroids"]
    if artifact["algorithm"] != algorithm:
        found.append(f".algorithm: expected {algorithm}, got {artifact['algorithm']!r}")
    if not rows or len({len(row) for row in rows}) != 1:
        found.append("rows: must be a non-empty matrix (every row the same length)")
    labels = artifact["labels" if algorithm == "knn" else "cluster_models"]
    lists = [("labels", labels)] + [(key, artifact[key]) for key in ("qualities", "latencies")
                                    if algorithm == "knn" and key in artifact]
    found += [f".{key}: {len(values)} entries for {len(rows)} rows" for key, values in lists
              if len(values) != len(rows)]
    if artifact.get("feature_dim", len(rows[0]) if rows else 0) != (len(rows[0]) if rows else 0):
        found.append(".feature_dim: differs from the rows' length")
    if int(artifact.get("k", artifact.get("num_clusters", 1))) < 1:
        found.append(".k / .num_clusters: must be at least 1")
    return found


def export_problems(directory: Path) -> list[str]:
    """Every problem of an export directory: its config, its artifact, and how they fit
    (the artifact where `pretrained_path` says, its labels among the decision's models,
    its feature length the embedding dimension plus the category one-hot)."""
    config = yaml.safe_load((directory / "config.yaml").read_text(encoding="utf-8"))
    found = config_problems(config)
    if found:
        return found
    ml = config["global"]["router"]["model_selection"]["ml"]
    for algorithm in ("knn", "kmeans"):
        if algorithm not in ml:
            continue
        path = directory / ml[algorithm]["pretrained_path"]
        if not path.is_file():
            return [f"ml.{algorithm}.pretrained_path: no file {path}"]
        artifact = json.loads(path.read_text(encoding="utf-8"))
        found += artifact_problems(artifact, algorithm)
        if found:
            return found
        rows = artifact["embeddings" if algorithm == "knn" else "centroids"]
        if len(rows[0]) != ml["embedding_dim"] + CATEGORIES:
            found.append(f"{algorithm} rows have {len(rows[0])} features, not embedding_dim "
                         f"{ml['embedding_dim']} + {CATEGORIES}")
        refs = {ref["model"] for d in config["routing"]["decisions"]
                if d.get("algorithm", {}).get("type") == algorithm for ref in d["modelRefs"]}
        labels = artifact["labels" if algorithm == "knn" else "cluster_models"]
        found += [f"{algorithm} label {label!r} is no modelRef of its decision"
                  for label in sorted(set(labels) - refs)]
    return found
