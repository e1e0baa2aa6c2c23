"""vLLM Semantic Router's model selection, recomputed from the exported JSON.

json + numpy only. `select(features(embedding))` gives the model vLLM-SR picks for a query
whose embedding (routelab's encoder, see embed_server.py) is `embedding`; pass a matrix of
them to choose for many at once (the artifact is prepared on every call). The artifact is
the one of models/model-selection/knn_model.json or kmeans_model.json beside this file.
"""

import json
from pathlib import Path

import numpy as np

CATEGORIES = ["math", "physics", "chemistry", "biology", "computer science", "history",
              "economics", "business", "law", "health", "psychology", "philosophy", "other",
              "unknown"]
HERE = Path(__file__).resolve().parent
CANDIDATES = [HERE / "models" / "model-selection" / f"{algorithm}_model.json"
              for algorithm in ("knn", "kmeans")]
ARTIFACT = next((path for path in CANDIDATES if path.is_file()), CANDIDATES[0])
_LOADED = {}


def load(path=ARTIFACT) -> dict:
    if str(path) not in _LOADED:
        _LOADED[str(path)] = json.loads(Path(path).read_text(encoding="utf-8"))
    return _LOADED[str(path)]


def select(F, artifact=None):
    """One model name for a feature vector, a list for a matrix of them."""
    chosen = select_many(artifact or load(), F)
    return chosen[0] if np.ndim(F) == 1 else chosen


def features(embeddings, category: str = "other") -> np.ndarray:
    """An embedding (or rows of them; float32, as the embedder returns them) with vLLM-SR's
    14-way category one-hot appended, in float64; an unknown category counts as `other`."""
    E = np.asarray(embeddings, dtype=np.float32).astype(np.float64)
    onehot = np.zeros(E.shape[:-1] + (len(CATEGORIES),))
    onehot[..., CATEGORIES.index(category if category in CATEGORIES else "other")] = 1.0
    return np.concatenate([E, onehot], axis=-1)


def select_many(artifact: dict, F) -> list[str]:
    """vLLM-SR's choice per feature row. kmeans: the model of the nearest centroid (L2).
    knn, as its Rust selector: the k nearest rows (L2) each vote for their label with
    0.9·max(quality, 0.01) + 0.1·speed, speed = 1 − (latency − min)/max(max − min, 1)
    over all rows (quality 0.5 and the middle latency where a list is short); the most
    votes wins (exact ties, arbitrary in vLLM-SR, go to the first name here)."""
    F = np.atleast_2d(np.asarray(F, dtype=np.float64))
    if artifact["algorithm"] == "kmeans":
        C = np.asarray(artifact["centroids"], dtype=np.float64)
        d = (C ** 2).sum(axis=1)[None, :] - 2 * F @ C.T
        return [artifact["cluster_models"][int(i)] for i in np.argmin(d, axis=1)]
    E, labels = np.asarray(artifact["embeddings"], dtype=np.float64), artifact["labels"]
    q = np.asarray(artifact.get("qualities", []), dtype=np.float64)[:len(E)]
    lat = np.asarray(artifact.get("latencies", []), dtype=np.float64)[:len(E)]
    lo, hi = (lat.min(), lat.max()) if len(lat) else (1.0, 1.0)
    quality, latency = np.full(len(E), 0.5), np.full(len(E), (lo + hi) / 2)
    quality[:len(q)], latency[:len(lat)] = np.maximum(q, 0.01), lat
    weight = 0.9 * quality + 0.1 * (1.0 - (latency - lo) / max(hi - lo, 1.0))
    names = sorted(set(labels))
    column = np.array([names.index(label) for label in labels])
    rows, inverse = np.unique(E, axis=0, return_inverse=True)  # equal rows, equal distances
    k, chosen = min(int(artifact["k"]), len(E)), []
    for start in range(0, len(F), 256):
        block = F[start:start + 256]
        d = ((rows ** 2).sum(axis=1)[None, :] - 2 * block @ rows.T)[:, inverse.reshape(-1)]
        near = np.argpartition(d, k - 1, axis=1)[:, :k]
        votes = np.zeros((len(block), len(names)))
        np.add.at(votes, (np.arange(len(block))[:, None], column[near]), weight[near])
        chosen += [names[int(j)] for j in votes.argmax(axis=1)]
    return chosen
