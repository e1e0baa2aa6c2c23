"""Cascades: cheapest model first, escalate while a judge rejects the answer."""

from __future__ import annotations

import hashlib

import numpy as np

from routers.base import Decision, Outcomes, Queries, Router, rewards_of


class CascadeRouter(Router):
    """FrugalGPT (Chen et al., 2023) and RouterBench's cascading router: call the models in
    order of cost; accept an answer when the judge says it scores at least `threshold`,
    otherwise escalate to the next model. Offline the judge is simulated on the logged
    scores and is wrong with probability `judge_error` (RouterBench's epsilon); the cost of
    a query is the sum of every model called. The default error of 0.1 is deliberate: with
    a perfect judge a cascade looks unrealistically good. Live, `route` returns the first
    model with the rest of the chain as fallbacks and the acceptance threshold."""

    name = "cascade"
    title = "Cascade (cheapest first, judge accepts; offline judge error)"
    simulates = True
    why_not_deployable = ("reads each answer's logged score to simulate its judge (an upper "
                          "bound for a real judge with the same error rate)")
    cold_start = True
    independent_models = True
    needs_embeddings = False
    space = {"chain": {"kind": "json", "help": "Models in calling order; empty = by cost"},
             "threshold": {"low": 0.0, "high": 1.0},
             "judge_error": {"low": 0.0, "high": 0.5, "help": "Offline judge error rate"}}

    def __init__(self, *, chain: list | None = None, threshold: float = 0.5,
                 judge_error: float = 0.1, seed: int = 0):
        self.chain = chain if chain is not None else []
        self.threshold = threshold
        self.judge_error = judge_error
        self.seed = seed

    def _reset(self, outcomes: Outcomes) -> None:
        self.prior_ = {}

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        if not hasattr(self, "prior_"):
            self.prior_ = {}
        _, rewards = rewards_of(outcomes, model) if outcomes is not None else (None, [])
        self.prior_[model] = float(np.mean(rewards)) if len(rewards) else 0.5

    def _remove(self, model: str, index: int) -> None:
        self.prior_.pop(model, None)

    def order(self) -> list[str]:
        chain = [m for m in self.chain if m in self.models_]
        # cheapest first; at equal cost the weaker model first, the stronger is the fallback
        quality = getattr(self, "quality_", {})
        return chain or sorted(self.models_, key=lambda m: (self.costs_[m],
                                                            quality.get(m, 0.0), m))

    def _score(self, queries: Queries) -> np.ndarray:
        return np.tile([self.prior_[m] for m in self.models_], (len(queries), 1))

    def route(self, queries: Queries, *, costs=None, tradeoff: float = 0.0) -> list[Decision]:
        chain = self.order()
        scores = dict(zip(self.models_, self._score(queries)[0].tolist(), strict=True)) \
            if len(queries) else {}
        return [Decision(chain[0], scores, tuple(chain[1:]), self.threshold)
                for _ in range(len(queries))]

    def points(self) -> np.ndarray:
        """The curve's points: the chain cut after 1, 2, ... models (headline: all)."""
        return np.arange(1, len(self.models_) + 1)

    @property
    def headline(self) -> int:
        return len(self.models_) - 1

    def simulate(self, outcomes: Outcomes, max_steps: int | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(quality, cost, calls) per query when the chain is cut after `max_steps` models."""
        chain = self.order()[: int(max_steps) if max_steps else None]
        n = len(outcomes.queries)
        quality, cost = np.zeros(n), np.zeros(n)
        calls = np.zeros(n, dtype=int)
        done = np.zeros(n, dtype=bool)
        for step, model in enumerate(chain):
            j = outcomes.column(model)
            reward = np.nan_to_num(outcomes.reward[:, j], nan=0.0)
            active = ~done
            cost[active] += np.nan_to_num(outcomes.cost[active, j], nan=0.0)
            calls[active] += 1
            quality[active] = reward[active]
            accepted = self._judge(outcomes.queries.text, model, reward >= self.threshold)
            last = step == len(chain) - 1
            done |= active & (accepted | last)
        return quality, cost, calls

    def train_figures(self, train: Outcomes) -> list[tuple[float, float, float]]:
        """(point, mean quality, mean cost) of each chain length on the training queries
        (nothing is learned from them but the priors, so in-sample is honest here)."""
        return [(float(p), *(float(x.mean()) for x in self.simulate(train, int(p))[:2]))
                for p in self.points()]

    def answers(self, outcomes: Outcomes) -> np.ndarray:
        """Column (in models_) of the model whose answer the full chain keeps, per query."""
        _, _, calls = self.simulate(outcomes)
        chain = self.order()
        return np.array([self.models_.index(chain[c - 1]) for c in calls], dtype=np.int64)

    def _judge(self, texts, model: str, truly_good: np.ndarray) -> np.ndarray:
        """The simulated judge: right except with probability judge_error (per query, fixed)."""
        if self.judge_error <= 0:
            return truly_good
        draws = np.array([int.from_bytes(hashlib.sha256(
            f"{self.seed}|{model}|{t}".encode()).digest()[:8], "little") / 2**64
            for t in texts])
        return truly_good ^ (draws < self.judge_error)
