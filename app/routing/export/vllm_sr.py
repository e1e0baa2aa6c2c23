"""Export to vLLM Semantic Router v0.3: `config.yaml` and a model-selection artifact.

vLLM-SR picks among a decision's `modelRefs` with a selector loaded from JSON: a
quality-weighted vote of the k nearest training rows (Euclidean) or the model of the nearest
centroid, on the query embedding with a 14-way category one-hot appended. Every exported
row uses `other`, so the category shifts all distances alike and never changes a choice.
knn maps exactly (one row per query and model, qualities = utility), clusters to k-means
(centres labelled with their best model), other embedding kinds to a kNN distilled from
routelab's decisions. standalone/vllm_sr_select.py (json + numpy only), copied into the
export, recomputes vLLM-SR's runtime choice: its `features` builds the artifact's rows and
the copy in the export measures agreement. standalone/embed_server.py serves the encoder
that `router.json` names. config.yaml and the README sections: vllm_sr_config.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import yaml

from app.routing.export.base import STANDALONE, ExportProblem, ExportSource, load_shipped
from app.routing.export.vllm_sr_config import ARTIFACTS, differences, how_to_run, vllm_config
from app.routing.operating import decide

EXACT = ("knn", "clusters")
DISTILLED = ("centroid", "predictive", "mf", "irt", "linucb", "thompson")
SHIPPED = ("vllm_sr_select.py", "embed_server.py", "routelab_router.py")
TIE = 1e-9          # a per-row preference that settles exact ties the way routelab does
DISTILLED_K = 5     # odd, so two labels never tie


def load_selector(directory: Path):
    """vllm_sr_select.py, loaded from `directory` (an export, as a user would run it, or
    the standalone folder) without importing it by name."""
    return load_shipped(directory / "vllm_sr_select.py")


def features(embeddings, category: str = "other"):
    """The shipped vllm_sr_select.features (the one definition), loaded when used."""
    return load_selector(STANDALONE).features(embeddings, category)


def check(source: ExportSource) -> None:
    kind = source.config.kind
    if kind not in EXACT + DISTILLED:
        raise ExportProblem(
            f"router '{source.config.name}' is a {kind} router, which vLLM Semantic Router "
            "has no counterpart for: it selects by kNN or k-means over the query embedding. "
            f"Supported kinds: {', '.join(EXACT)} (mapped directly) and {', '.join(DISTILLED)}"
            " (a kNN distilled from routelab's decisions). Save one of those (routelab "
            "routers save NAME --dataset D --kind knn) and export it, or write a static "
            "decision in vLLM-SR's config by hand")


def write(source: ExportSource, directory: Path) -> list[str]:
    check(source)
    kind, dim = source.config.kind, source.data.outcomes.queries.X.shape[1]
    algorithm = "kmeans" if kind == "clusters" else "knn"
    build = {"clusters": _kmeans, "knn": _knn_exact}.get(kind, _distilled)
    artifact, refs, notes = build(source)
    path = f"{ARTIFACTS}/{algorithm}_model.json"
    (directory / ARTIFACTS).mkdir(parents=True)
    (directory / path).write_text(json.dumps(artifact), encoding="utf-8")
    size = "k" if algorithm == "knn" else "num_clusters"
    config = vllm_config(source, algorithm, {size: artifact[size], "pretrained_path": path},
                         refs, dim)
    (directory / "config.yaml").write_text(
        f"# routelab router '{source.config.name}' ({kind}) for vLLM Semantic Router v0.3.\n"
        f"# Model selection compares the query's embedding with routelab's "
        f"{source.data.encoder}\n# vectors ({dim}-d, unit length): the embedding endpoint "
        "below must serve that same\n# encoder (embed_server.py does); another embedder "
        "gives meaningless distances.\n" + yaml.safe_dump(config, sort_keys=False),
        encoding="utf-8")
    # embed_server.py's encoder, read by it (routelab_router.load_encoder names this file)
    (directory / "router.json").write_text(json.dumps({"encoder": source.data.encoder},
                                                      indent=1), encoding="utf-8")
    for module in SHIPPED:
        shutil.copy(STANDALONE / module, directory / module)
    selector = load_selector(directory)
    theirs = lambda q: selector.select(selector.features(q.X))  # noqa: E731
    measured = [("routelab's decisions", source.agreement(theirs))]
    if kind == "thompson":
        ours, test = _posterior_mean(source), source.test_queries()
        measured.append(("routelab's posterior-mean choice",
                         float(np.mean(np.array(ours(test)) == np.array(theirs(test))))))
    return [how_to_run(source, algorithm), differences(source, notes, measured)]


def _knn_exact(source: ExportSource):
    """vLLM-SR's vote, Σ 0.9·quality + 0.1·speed per label over the k·M nearest rows, with
    equal latencies (speed constant) and k·M rows = the k nearest queries' rows, is
    k·0.9·(mean utility + offset) + constant per model: routelab's unweighted kNN argmax."""
    router, point = source.router, source.point
    models = list(router.models_)
    rewards = np.where(np.isnan(router.rewards_), router.prior_, router.rewards_)
    if point.pair is None:
        cost = np.array([router.costs_[m] for m in models])
        preferred = TIE * (len(models) - 1 - router.tie_order())  # cheaper first, as routelab
        columns, utility = models, rewards - point.tradeoff * cost + preferred
    else:  # strong when the mean lead exceeds the threshold; an exact tie goes to weak
        strong, weak = (models.index(m) for m in point.pair)
        columns = list(point.pair)
        utility = np.column_stack([rewards[:, strong] - point.threshold,
                                   rewards[:, weak] + TIE])
    quality = utility + max(0.0, 0.011 - float(utility.min()))  # above vLLM-SR's 0.01 floor
    X, per = router.index_.X, len(columns)
    k = min(int(router.k), len(X)) * per
    notes = [f"One row per (training query, model): {len(X):,} × {per}; k = {router.k} × "
             f"{per} = {k}, so the k nearest rows are the {router.k} nearest queries' rows. "
             "All latencies are equal: vLLM-SR's speed term adds the same to every model."]
    if router.weighted:
        notes.append("routelab weights each neighbour by its cosine similarity (weighted="
                     "True); vLLM-SR's vote counts every neighbour the same. This is the "
                     "main source of disagreement (weighted=false votes as vLLM-SR).")
    notes.append("Where training queries are equally similar at the k-th place, routelab "
                 "and vLLM-SR each keep some of them, arbitrarily.")
    if not router.index_.exact:
        notes.append("routelab searches this many queries approximately (inverted-file "
                     "index); vLLM-SR searches exactly.")
    if np.isnan(router.rewards_).any():
        notes.append("A neighbour without a logged score for a model is skipped by "
                     "routelab; here its row carries the model's mean training score.")
    notes.append(f"Strong-share point: only {point.pair[0]} (strong) and {point.pair[1]} "
                 f"(weak) rows, strong ones lowered by the lead threshold "
                 f"{point.threshold:.4g}: the vote is routelab's lead rule." if point.pair
                 else f"λ = {point.tradeoff:.4g} is folded into the qualities with each "
                 "model's mean training cost, as routelab decides.")
    artifact = _knn_artifact(np.repeat(X, per, axis=0), columns * len(X), quality.ravel(), k)
    return artifact, list(columns), notes


def _distilled(source: ExportSource):
    queries = source.train_queries()
    thompson = source.config.kind == "thompson"
    chosen = _posterior_mean(source)(queries) if thompson else source.decisions(queries)
    n, k = len(chosen), min(DISTILLED_K, len(chosen))
    quality = 1.0 + 1e-6 * np.arange(n) / max(n, 1)  # distinct: a 2-2-1 vote cannot tie
    notes = [f"A distilled copy: vLLM-SR has no {source.config.kind} selector, so the "
             f"artifact holds routelab's decision for each of the {n:,} training queries "
             f"and vLLM-SR takes the majority of the {k} nearest."]
    if thompson:
        notes.append("Thompson sampling decides by a random posterior draw; the copy learns "
                     "the posterior mean's choice, which is deterministic.")
    refs = list(source.point.pair) if source.point.pair else source.models
    return _knn_artifact(queries.X, chosen, quality, k), refs, notes


def _kmeans(source: ExportSource):
    router, point = source.router, source.point
    table = np.column_stack([router.vectors_[m] for m in router.models_])  # clusters × M
    if point.pair is None:
        picks, refs = router.choose(table, None, point.tradeoff), source.models
    else:
        strong, weak = (router.models_.index(m) for m in point.pair)
        picks = np.where(table[:, strong] - table[:, weak] > point.threshold, strong, weak)
        refs = list(point.pair)
    centres = features(router.centres_)
    artifact = {"algorithm": "kmeans", "trained": True, "num_clusters": len(centres),
                "centroids": centres.tolist(),
                "cluster_models": [router.models_[int(c)] for c in picks],
                "n_clusters": len(centres), "efficiency_weight": 0.0,
                "model_names": sorted(refs), "feature_dim": centres.shape[1]}
    notes = [f"Centroids are routelab's {len(centres)} cluster centres, each labelled with "
             "its best model (per-cluster score − λ·cost, or the lead rule at a "
             "strong-share point).",
             f"routelab blends every cluster by soft membership (temperature "
             f"{router.temperature:g}); vLLM-SR takes the nearest centre only."]
    return artifact, refs, notes


def _knn_artifact(X, labels, quality, k: int) -> dict:
    F = features(X)
    return {"algorithm": "knn", "trained": True, "k": int(k), "embeddings": F.tolist(),
            "labels": list(labels), "qualities": [float(q) for q in quality],
            "latencies": [0] * len(F), "model_names": sorted(set(labels)),
            "num_samples": len(F), "feature_dim": F.shape[1]}


def _posterior_mean(source: ExportSource):
    def chosen(queries) -> list[str]:
        mean = source.router.posterior(queries)[0]
        return [source.models[int(c)]
                for c in decide(source.router, queries, source.point, scores=mean)]
    return chosen
