"""Win rate against a reference model, from held-out battles (pairwise preference logs).

The question a preference log can answer honestly: deploy this router instead of always
calling the reference model R; how often does its answer beat R's? Only battles between R
and another model O say anything about it, so those are the test set. On each, the
router picks one of the two by its scores for R and O on the prompt:
- it picks O: the battle's verdict for O against R counts (1 win, 0.5 tie, 0 loss);
- it picks R: its answer is R's own, a tie with R by definition, 0.5.
The win rate is the weighted mean over these battles (strong verdicts weigh more); R
itself scores exactly 0.5, as a baseline does in Arena-Hard. This is RouteLLM's setting
(a router choosing between a strong and a weak model, judged by preferences), read from
the reference's side. Beside the routers: "always O" for each other model (its battles
against R only), "always the challenger" (the other model of every battle), and the
oracle, which picks whichever of the two won; it reads the verdict, so it is not
deployable. Confidence intervals come from a bootstrap over prompts (a prompt's battles
are resampled together, since they share the prompt).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routers.pairwise import Battles


@dataclass(frozen=True)
class AgainstReference:
    """The battles involving the reference, seen from the other model's side."""

    rows: np.ndarray             # (k,) rows of the battles given
    query: np.ndarray            # (k,) query rows
    other: np.ndarray            # (k,) column of the model R faced
    result: np.ndarray           # (k,) the other model's result against R: 1, 0.5, 0
    weight: np.ndarray


def against_reference(battles: Battles, reference: str) -> AgainstReference:
    """Every battle of `reference` against another model."""
    ref = battles.models.index(reference)
    rows = np.flatnonzero((battles.a == ref) ^ (battles.b == ref))
    a_is_ref = battles.a[rows] == ref
    other = np.where(a_is_ref, battles.b[rows], battles.a[rows])
    result = np.where(a_is_ref, 1.0 - battles.outcome[rows], battles.outcome[rows])
    return AgainstReference(rows, battles.query[rows], other, result, battles.weight[rows])


def router_values(scores: np.ndarray, vs: AgainstReference, reference: int) -> np.ndarray:
    """Per battle, what the router's pick earns: the other's result if the router prefers
    the other model on that prompt, else 0.5 (a tie of R with itself)."""
    row_scores = scores[vs.query]
    picks_other = row_scores[np.arange(len(vs.query)), vs.other] > row_scores[:, reference]
    return np.where(picks_other, vs.result, 0.5)


def win_rate(values: np.ndarray, weights: np.ndarray, groups: np.ndarray, *,
             n_boot: int = 1000, seed: int = 0, level: float = 0.95
             ) -> tuple[float, tuple[float, float] | None]:
    """(weighted mean, percentile bootstrap CI) resampling whole groups (prompts); the CI is
    None without resamples (n_boot 0), and the rate NaN without values."""
    if len(values) == 0:
        return float("nan"), None
    rate = float(np.sum(weights * values) / np.sum(weights))
    if n_boot <= 0:
        return rate, None
    _, group = np.unique(groups, return_inverse=True)
    n_groups = group.max() + 1
    sums = np.bincount(group, weights=weights * values, minlength=n_groups)
    totals = np.bincount(group, weights=weights, minlength=n_groups)
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n_groups, np.full(n_groups, 1.0 / n_groups), size=n_boot)
    boots = (counts @ sums) / np.maximum(counts @ totals, 1e-12)
    tail = (1 - level) / 2 * 100
    return rate, (float(np.percentile(boots, tail)), float(np.percentile(boots, 100 - tail)))


def win_rate_table(scores: dict[str, np.ndarray], battles: Battles, reference: str, *,
                   n_boot: int = 1000, seed: int = 0) -> list[dict]:
    """One row per router (scores: name -> (n_queries, n_models), columns as
    battles.models), per baseline and the oracle: name, win_rate, win_rate_ci, battles,
    deployable. Rows over all the reference's battles share one set of bootstrap draws."""
    vs = against_reference(battles, reference)
    ref = battles.models.index(reference)

    def row(name, values, mask=None, deployable=True):
        mask = np.ones(len(values), bool) if mask is None else mask
        rate, ci = win_rate(values[mask], vs.weight[mask], vs.query[mask], n_boot=n_boot,
                            seed=seed)
        return {"name": name, "win_rate": rate, "win_rate_ci": ci,
                "battles": int(mask.sum()), "deployable": deployable}

    rows = [row(name, router_values(s, vs, ref)) for name, s in scores.items()]
    rows.append(row(f"always {reference} (the reference)", np.full(len(vs.rows), 0.5)))
    rows.append(row("always the challenger", vs.result))
    for j in sorted(set(vs.other.tolist()), key=lambda j: battles.models[j]):
        rows.append(row(f"always {battles.models[j]}", vs.result, vs.other == j))
    rows.append(row("oracle (picks the battle's winner)", np.maximum(vs.result, 0.5),
                    deployable=False))
    return rows
