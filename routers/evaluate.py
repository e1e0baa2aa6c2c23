"""The evaluation engine: cost-quality sweeps and the field's standard metrics.

Definitions (sources in docs/metrics.md): single models and routers become (mean cost per
query, mean quality) points; a router's tradeoff sweep traces a curve whose non-decreasing
convex hull (NDCH) gives AIQ (RouterBench); the Zero router is the NDCH of the single
models; APGR and CPT(x%) compare a router restricted to a strong/weak pair (RouteLLM); the
RouterArena score combines accuracy with log-normalised cost; regret is the oracle's
quality minus the router's; confidence intervals come from a bootstrap over queries.

Every curve names its headline point, the one every table, chart, report and CLI quotes:
tradeoff 0 for routers (quality first), the full chain for cascades, the configured
thresholds for self-consistency. Every curve also says whether it is deployable: false when
it reads the gold label or a reference answer while deciding (oracle, simulated judges).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from routers.base import Outcomes, Queries, Router

N_POINTS = 50
ORACLE_READS = "knows every model's score on the query before choosing"


@dataclass(frozen=True, eq=False)
class Curve:
    """A router's (or reference's) per-query quality and cost at each tradeoff point."""

    name: str
    tradeoffs: np.ndarray      # (k,)
    quality: np.ndarray        # (k, n)
    cost: np.ndarray           # (k, n)
    choice: np.ndarray | None = None  # (k, n) chosen model column, when it is one model
    headline: int = 0                 # the point quoted as "the" result (see module doc)
    deployable: bool = True           # False: reads gold labels or references to decide
    why_not_deployable: str = ""

    @property
    def mean_cost(self) -> np.ndarray:
        return self.cost.mean(axis=1)

    @property
    def mean_quality(self) -> np.ndarray:
        return self.quality.mean(axis=1)

    @property
    def headline_quality(self) -> float:
        return float(self.quality[self.headline].mean())

    @property
    def headline_cost(self) -> float:
        return float(self.cost[self.headline].mean())

    def headline_point(self) -> Curve:
        """The headline alone, as a one-point curve (for intervals over queries)."""
        i = self.headline
        return Curve(self.name, self.tradeoffs[i:i + 1], self.quality[i:i + 1],
                     self.cost[i:i + 1], None if self.choice is None else self.choice[i:i + 1],
                     0, self.deployable, self.why_not_deployable)


def tradeoff_grid(cost_scale: float, n: int = N_POINTS) -> np.ndarray:
    """0, then log-spaced values so that tradeoff * (dearest mean cost) spans 1e-3 .. 1e3."""
    return np.concatenate([[0.0], np.geomspace(1e-3, 1e3, n - 1)]) / max(cost_scale, 1e-12)


def sweep(router: Router, queries: Queries, outcomes: Outcomes,
          tradeoffs: np.ndarray | None = None, name: str | None = None) -> Curve:
    """Route the test queries at every tradeoff and read quality and cost off the log."""
    reward = np.nan_to_num(outcomes.reward, nan=0.0)
    cost = np.nan_to_num(outcomes.cost, nan=0.0)
    why_not = getattr(router, "why_not_deployable", "")
    if router.simulates:  # cascades: one point per operating point they define
        points = router.points()
        runs = [router.simulate(outcomes, p) for p in points]
        return Curve(name or router.name, np.asarray(points, float),
                     np.array([q for q, _, _ in runs]), np.array([c for _, c, _ in runs]),
                     headline=router.headline, deployable=not why_not,
                     why_not_deployable=why_not)
    if tradeoffs is None:
        tradeoffs = tradeoff_grid(max(router.costs_.values(), default=1.0))
    columns = np.array([outcomes.column(m) for m in router.models_])
    scores = router.score(queries)
    rows = np.arange(len(queries))
    choices = np.array([columns[router.choose(scores, None, t)] for t in tradeoffs])
    return Curve(name or router.name, np.asarray(tradeoffs), reward[rows, choices],
                 cost[rows, choices], choices, deployable=not why_not,
                 why_not_deployable=why_not)


def single_model_curves(outcomes: Outcomes) -> dict[str, Curve]:
    reward = np.nan_to_num(outcomes.reward, nan=0.0)
    cost = np.nan_to_num(outcomes.cost, nan=0.0)
    n = len(outcomes.queries)
    return {m: Curve(m, np.zeros(1), reward[None, :, j], cost[None, :, j],
                     np.full((1, n), j)) for j, m in enumerate(outcomes.models)}


def oracle_curve(outcomes: Outcomes, definition: str = "routerbench",
                 tradeoffs: np.ndarray | None = None, name: str | None = None) -> Curve:
    """Per query the best model, cheapest among ties. When no model scores above 0:
    cost 0 ("routerbench": the oracle abstains) or the cheapest model's cost ("cheapest",
    the LLMRouterBench variant). With tradeoffs, the oracle of score - tradeoff * cost."""
    reward = np.nan_to_num(outcomes.reward, nan=0.0)
    cost = np.nan_to_num(outcomes.cost, nan=0.0)
    tradeoffs = np.zeros(1) if tradeoffs is None else np.asarray(tradeoffs)
    rows = np.arange(len(reward))
    qualities, costs, choices = [], [], []
    for t in tradeoffs:
        pick = np.argmax(reward - t * cost - 1e-12 * cost, axis=1)
        q, c = reward[rows, pick], cost[rows, pick]
        nobody = reward.max(axis=1) <= 0
        c = np.where(nobody, 0.0 if definition == "routerbench" else cost.min(axis=1), c)
        qualities.append(q)
        costs.append(c)
        choices.append(pick)
    return Curve(name or f"oracle ({definition})", tradeoffs, np.array(qualities),
                 np.array(costs), np.array(choices), deployable=False,
                 why_not_deployable=ORACLE_READS)


def random_curve(outcomes: Outcomes) -> Curve:
    """Uniformly random routing, in expectation: every model's mean."""
    reward = np.nan_to_num(outcomes.reward, nan=0.0).mean(axis=1)
    cost = np.nan_to_num(outcomes.cost, nan=0.0).mean(axis=1)
    return Curve("random", np.zeros(1), reward[None], cost[None])


# ---- hulls and areas ----------------------------------------------------------------------

def ndch(costs, qualities) -> tuple[np.ndarray, np.ndarray]:
    """The non-decreasing convex hull: the upper hull of the points, cut where quality
    stops rising (RouterBench)."""
    points = sorted(set(zip(np.asarray(costs, float), np.asarray(qualities, float),
                            strict=True)))
    hull: list[tuple[float, float]] = []
    for point in points:
        while len(hull) >= 2 and _cross(hull[-2], hull[-1], point) >= 0:
            hull.pop()
        hull.append(point)
    best = max(range(len(hull)), key=lambda i: (hull[i][1], -hull[i][0]))
    hull = hull[: best + 1]
    return np.array([c for c, _ in hull]), np.array([q for _, q in hull])


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def hull_quality_at(c_hull: np.ndarray, q_hull: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The hull's quality at given costs: interpolated; flat before its first point and
    after its last (spending more never lowers the best achievable quality)."""
    return np.interp(at, c_hull, q_hull, left=q_hull[0], right=q_hull[-1])


def aiq(costs, qualities, low: float, high: float, samples: int = 256,
        floor: tuple[float, float] | None = None) -> float:
    """Average quality of the NDCH over the cost range [low, high] (RouterBench's AIQ).

    `floor` is the cheapest single model's (cost, quality): any router can send everything
    there, so it joins every hull; below a curve's cheapest point it is not credited with
    quality it cannot reach more cheaply."""
    costs, qualities = list(np.atleast_1d(costs)), list(np.atleast_1d(qualities))
    if floor is not None:
        costs.append(floor[0])
        qualities.append(floor[1])
    c, q = ndch(costs, qualities)
    if high <= low:
        return float(hull_quality_at(c, q, np.array([low]))[0])
    grid = np.linspace(low, high, samples)
    return float(np.trapezoid(hull_quality_at(c, q, grid), grid) / (high - low))


# ---- strong / weak pair metrics (RouteLLM) ------------------------------------------------

def pgr_curve(router_scores: np.ndarray, router_models: list[str], outcomes: Outcomes,
              strong: str, weak: str, shares: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """(share of calls to the strong model, performance gap recovered) when the router,
    restricted to the pair, sends its most strong-leaning queries to the strong model."""
    shares = np.linspace(0, 1, 101) if shares is None else shares
    reward = np.nan_to_num(outcomes.reward, nan=0.0)
    r_strong, r_weak = reward[:, outcomes.column(strong)], reward[:, outcomes.column(weak)]
    lean = router_scores[:, router_models.index(strong)] - \
        router_scores[:, router_models.index(weak)]
    order = np.argsort(-lean, kind="stable")
    gain = np.concatenate([[0.0], np.cumsum((r_strong - r_weak)[order])])
    n = len(reward)
    counts = np.round(shares * n).astype(int)
    quality = (r_weak.sum() + gain[counts]) / n
    gap = r_strong.mean() - r_weak.mean()
    pgr = (quality - r_weak.mean()) / gap if abs(gap) > 1e-12 else np.zeros_like(quality)
    return shares, pgr


def apgr(shares: np.ndarray, pgr: np.ndarray) -> float:
    """Average performance gap recovered over the share of strong calls."""
    return float(np.trapezoid(pgr, shares) / (shares[-1] - shares[0]))


def cpt(shares: np.ndarray, pgr: np.ndarray, target: float) -> float | None:
    """Call-performance threshold: the smallest share of strong calls reaching PGR target."""
    reached = np.flatnonzero(pgr >= target)
    return float(shares[reached[0]]) if len(reached) else None


# ---- single numbers ------------------------------------------------------------------------

def arena_score(cost_per_query: float, accuracy: float, beta: float = 0.1,
                c_max: float = 200.0, c_min: float = 0.0044) -> float:
    """RouterArena's accuracy-cost score S = (1 + b) A C / (b A + C), with C the log2-
    normalised cost per 1,000 queries between c_min and c_max dollars (clipped to [0, 1])."""
    per_1k = max(cost_per_query * 1000.0, 1e-12)
    c = (np.log2(c_max) - np.log2(per_1k)) / (np.log2(c_max) - np.log2(c_min))
    c = float(np.clip(c, 0.0, 1.0))
    denominator = beta * accuracy + c
    return float((1 + beta) * accuracy * c / denominator) if denominator > 0 else 0.0


@lru_cache(maxsize=4)
def resample_counts(n: int, n_boot: int, seed: int) -> np.ndarray:
    """(n_boot, n) how often each query appears in each bootstrap resample (shared by every
    curve of a comparison, so all are resampled alike)."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(n_boot, n))
    counts = np.zeros((n_boot, n))
    for b in range(n_boot):
        counts[b] = np.bincount(draws[b], minlength=n)
    counts.setflags(write=False)
    return counts


def bootstrap(curve: Curve, statistic, n_boot: int = 1000, seed: int = 0,
              level: float = 0.95) -> tuple[float, float]:
    """Percentile CI of statistic(mean_cost (k,), mean_quality (k,)) over query resamples."""
    n = curve.quality.shape[1]
    counts = resample_counts(n, n_boot, seed)
    qualities = curve.quality @ counts.T / n        # (k, B)
    costs = curve.cost @ counts.T / n
    values = np.array([statistic(costs[:, b], qualities[:, b]) for b in range(n_boot)])
    tail = (1 - level) / 2 * 100
    return float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))
