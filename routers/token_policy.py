"""Token-level routing policies: from a small model's next-token log-probabilities, decide
where a large model should take over (CITER, Zheng et al., 2025: Collaborative Inference
with Token-lEvel Routing).

CITER trains a router that sends "critical" tokens to the large model, the reward weighing
answer quality against inference cost. Here the router reads, for each token the small
model proposes, features of its next-token distribution (what the completion endpoint's
`top_logprobs` gives), and a policy says defer or accept. The first deferred token is
where the large model writes a span.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

FEATURES = ("top_prob", "margin", "entropy", "position")


def token_features(top_logprobs: Sequence[dict[str, float]], start: int = 0,
                   horizon: int = 64) -> np.ndarray:
    """(n, 4) per proposed token: the top token's probability, its margin over the second,
    the entropy (nats) of the top-k distribution renormalised, and the token's position in
    the answer (`start` + index) over `horizon`. Only the top k are known: the entropy is a
    lower estimate, and with one candidate the margin is the top probability itself."""
    rows = []
    for index, candidates in enumerate(top_logprobs):
        logs = np.sort(np.array(list(candidates.values()) or [0.0], dtype=float))[::-1]
        probs = np.exp(logs)
        top = float(probs[0])
        margin = top - (float(probs[1]) if len(probs) > 1 else 0.0)
        share = probs / probs.sum()
        entropy = float(-(share * np.log(np.clip(share, 1e-12, None))).sum())
        rows.append((top, margin, entropy, (start + index) / horizon))
    return np.array(rows, dtype=float).reshape(len(rows), len(FEATURES))


@dataclass(frozen=True)
class ThresholdPolicy:
    """Defer when the small model's top-token probability is below `threshold` (CITER's
    confidence baseline)."""

    threshold: float = 0.5

    def defer(self, features: np.ndarray) -> np.ndarray:
        return features[:, 0] < self.threshold


@dataclass(frozen=True)
class LogisticPolicy:
    """Defer when sigmoid(w . features + b) > 0.5, features in FEATURES order."""

    weights: tuple[float, ...]
    bias: float = 0.0

    def defer(self, features: np.ndarray) -> np.ndarray:
        return features @ np.asarray(self.weights, dtype=float) + self.bias > 0.0


def first_deferral(policy, features: np.ndarray) -> int | None:
    """Index of the first token the policy sends to the large model, or None."""
    if not len(features):
        return None
    deferred = np.flatnonzero(policy.defer(features))
    return int(deferred[0]) if len(deferred) else None


def policy_to_dict(policy) -> dict:
    """A policy as JSON-ready data (stored with its training figures)."""
    if isinstance(policy, ThresholdPolicy):
        return {"family": "threshold", "threshold": float(policy.threshold)}
    return {"family": "logistic", "weights": [float(w) for w in policy.weights],
            "bias": float(policy.bias)}


def policy_from_dict(data: dict):
    if data.get("family") == "threshold":
        return ThresholdPolicy(float(data["threshold"]))
    if data.get("family") == "logistic" and len(data.get("weights", ())) == len(FEATURES):
        return LogisticPolicy(tuple(float(w) for w in data["weights"]),
                              float(data.get("bias", 0.0)))
    raise ValueError(f"not a token-routing policy: {data!r}")


def describe(policy) -> str:
    """A policy in words, for tables and steps."""
    if isinstance(policy, ThresholdPolicy):
        if policy.threshold <= 0.0:
            return "never defer (the small model alone)"
        return f"defer when top probability < {policy.threshold:.2f}"
    terms = " ".join(f"{w:+.2f}·{name}" for w, name in zip(policy.weights, FEATURES, strict=True))
    return f"defer when {terms} {policy.bias:+.2f} > 0"
