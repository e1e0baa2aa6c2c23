"""Self-consistency routing evaluated offline, from logged probe samples.

Needs two datasets over the same prompts: the main log (e.g. the demo) and a probe log with
several samples of the cheap model as separate arms (e.g. demo-probes: smollm2 at
temperature 0.7, seeds 1-3). Every decision ACAR could take is then a lookup: the probes'
answers give sigma, and the main log says what each model would have scored and cost.
"""

from __future__ import annotations

import numpy as np

from app.routing.live.consistency import answer_key, majority, spread
from app.store.db import Store
from routers.evaluate import Curve

THRESHOLDS = [(-1.0, 2.0), (0.34, 0.67), (0.34, 2.0), (0.67, 2.0), (2.0, 2.0),
              (-1.0, 0.67), (-1.0, -1.0), (0.34, 0.34), (0.67, 0.67)]
CONFIGURED = 1  # the live router's default thresholds (agree below 0.34, ensemble above 0.67)


def logged(store: Store, dataset: str) -> dict[str, dict[str, tuple[float, float, str]]]:
    """{prompt id: {model: (score, cost, response)}} of a dataset."""
    table: dict[str, dict[str, tuple[float, float, str]]] = {}
    for source, model, score, cost, response in store.rows(
            """SELECT q.source_id, o.model, o.score, coalesce(o.cost_usd, 0),
                      coalesce(o.response, '') FROM outcomes o JOIN queries q USING (query_id)
               JOIN datasets d USING (dataset_id) WHERE d.name = ?""", [dataset]):
        table.setdefault(source, {})[model] = (score, cost, response)
    return table


def consistency_curve(store: Store, dataset: str, probes: str, prompt_ids: list[str], *,
                      strong: str, ensemble: list[str]) -> Curve | None:
    """The offline curve over the thresholds grid; None when the logs do not line up."""
    main, probe = logged(store, dataset), logged(store, probes)
    rows = [p for p in prompt_ids if p in probe and p in main
            and all(m in main[p] for m in [strong, *ensemble])]
    if not rows:
        return None
    qualities, costs = [], []
    for agree_below, ensemble_above in THRESHOLDS:
        quality, cost = [], []
        for prompt_id in rows:
            q, c = _decide(main[prompt_id], probe[prompt_id], strong, ensemble, agree_below,
                           ensemble_above)
            quality.append(q)
            cost.append(c)
        qualities.append(quality)
        costs.append(cost)
    return Curve("self-consistency (offline)", np.arange(len(THRESHOLDS), dtype=float),
                 np.array(qualities), np.array(costs), headline=CONFIGURED)


def _decide(main, probe, strong, ensemble, agree_below, ensemble_above) -> tuple[float, float]:
    samples = list(probe.items())
    answers = [(m, r) for m, (_, _, r) in samples]
    sigma = spread([r for _, r in answers])
    cost = sum(c for _, (_, c, _) in samples)
    scores = {m: s for m, (s, _, _) in samples}
    if sigma < agree_below:
        pick, _ = majority(answers, [m for m, _ in samples])
        return scores[pick], cost
    extra = [strong] if sigma <= ensemble_above else list(ensemble)
    for model in extra:
        score, model_cost, response = main[model]
        cost += model_cost
        answers.append((model, response))
        scores[model] = score
    if extra == [strong]:
        return scores[strong], cost
    pick, _ = majority(answers, [strong, *ensemble])
    return scores[pick], cost


def answer_agreement(texts: list[str]) -> float:
    """Share of texts equal to the most common one (1 = all agree), for display."""
    keys = [answer_key(t) for t in texts]
    return max(keys.count(k) for k in set(keys)) / len(keys) if keys else 0.0
