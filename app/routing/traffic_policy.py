"""Off-policy estimates on a traffic log: how a saved router would have done on the calls a
deployed router routed, from the logged propensities and the labels on the answers.

The events are the labelled calls a router chose (fallbacks are left out: the hook failed,
so no router chose them). The deployed router's own value is on-policy: the mean label of
its calls. A saved router's value is estimated (routers/offpolicy.py) from its decision on
each logged prompt at its operating point. Under deterministic logging (propensity 1) only
the calls where it picks the logged model inform IPS, so every row carries its matches and
`MIN_MATCHES` marks the estimates resting on too few.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.embed.embeddings import embed_texts
from app.routing.configs import RouterConfig, RouterProblem, fit_router, load_for_routing
from app.routing.operating import OperatingPoint, decide, point_of
from app.store import datasets
from app.store import traffic as traffic_store
from app.store.db import Store
from routers import Queries, Router
from routers.offpolicy import estimate

MIN_MATCHES = 10  # fewer agreeing calls than this: the estimate is shown as unreliable

# (prompts, models) -> a reward model's prediction for each (prompt, model) pair
Predict = Callable[[list[str], list[str]], np.ndarray]


@dataclass(frozen=True, eq=False)
class SavedRouter:
    """A saved router ready to decide on logged prompts like its deployment would."""

    router: Router
    point: OperatingPoint
    encoder: str


@dataclass(frozen=True, eq=False)
class TrafficEstimates:
    table: pd.DataFrame     # one row per deployed router (on-policy), then per saved router
    calls: int              # answered calls in the log
    events: int             # labelled calls a router chose: what the estimates rest on
    fallbacks: int
    deterministic: bool     # every event logged with propensity 1


def fit_saved(store: Store, config: RouterConfig) -> SavedRouter:
    """A saved router trained on its own dataset's training split, at its operating point."""
    if not config.dataset:
        raise RouterProblem(f"router '{config.name}' names no dataset to learn from")
    data = load_for_routing(store, config.dataset, config.encoder)
    return SavedRouter(fit_router(store, config, data), point_of(config), data.encoder)


def decisions(store: Store, saved: SavedRouter, prompts: list[str]) -> list[str]:
    """The model the saved router picks for each prompt."""
    X, _ = embed_texts(store, prompts, saved.encoder)
    columns = decide(saved.router, Queries(tuple(prompts), X), saved.point)
    return [saved.router.models_[c] for c in columns]


def labelled_events(store: Store, dataset: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every answered call, the labelled ones a router chose) of a traffic dataset."""
    dataset_id = datasets.id_of(store, dataset)
    if dataset_id is None:
        raise RouterProblem(f"no dataset named '{dataset}'")
    calls = traffic_store.routed_calls(store, dataset_id)
    answered = calls[calls["query_id"].notna()].reset_index(drop=True)  # with an answer
    events = answered[~answered["fallback"] & answered["quality"].notna()]
    return answered, events.reset_index(drop=True)


def traffic_estimates(store: Store, dataset: str, saved: dict[str, SavedRouter],
                      predict: Predict | None = None) -> TrafficEstimates:
    """The deployed routers' on-policy values and each saved router's off-policy ones."""
    answered, events = labelled_events(store, dataset)
    prompts = events["prompt"].tolist()
    choices = {name: decisions(store, s, prompts) for name, s in saved.items()} \
        if len(events) else {}
    return TrafficEstimates(
        estimate_table(events, choices, predict), calls=len(answered), events=len(events),
        fallbacks=int(answered["fallback"].sum()),
        deterministic=bool(len(events)) and bool((events["propensity"] == 1.0).all()))


def estimate_table(events: pd.DataFrame, choices: dict[str, list[str]],
                   predict: Predict | None = None) -> pd.DataFrame:
    """Rows: each deployed router's mean label on its own calls, then per saved router
    IPS, self-normalised IPS and (with a reward model) doubly robust estimates."""
    rows = []
    for router, part in events.groupby("router", sort=True):
        rows.append({"router": router, "role": "deployed (on-policy)",
                     "value": float(part["quality"].mean()), "IPS": np.nan,
                     "self-normalised IPS": np.nan, "doubly robust": np.nan,
                     "matches": len(part), "labelled calls": len(part),
                     "enough": len(part) >= MIN_MATCHES})
    reward = events["quality"].to_numpy(float)
    logged = events["model"].to_numpy()
    propensity = events["propensity"].to_numpy(float)
    prompts = events["prompt"].tolist()
    for name, choice in choices.items():
        target = np.array(choice, dtype=object)
        if predict is not None:
            q_target, q_logged = predict(prompts, list(target)), predict(prompts, list(logged))
        else:
            q_target = q_logged = np.zeros(len(events))
        found = estimate(target, logged, reward, propensity, q_target, q_logged)
        rows.append({"router": name, "role": "saved (off-policy)", "value": np.nan,
                     "IPS": found.ips if found.matched else np.nan,
                     "self-normalised IPS": found.snips,
                     "doubly robust": found.dr if predict is not None else np.nan,
                     "matches": found.matched, "labelled calls": found.events,
                     "enough": found.matched >= MIN_MATCHES})
    return pd.DataFrame(rows, columns=["router", "role", "value", "IPS",
                                       "self-normalised IPS", "doubly robust", "matches",
                                       "labelled calls", "enough"])


def reward_predictions(store: Store, model: Router, encoder: str) -> Predict:
    """Predictions of a reward model with a posterior (LinUCB's ridge mean); a model it has
    never seen gets the mean of its predictions for the known ones on that prompt, rather
    than 0, which would pull doubly robust estimates down for no reason."""
    def predict(prompts: list[str], models: list[str]) -> np.ndarray:
        arm = {m: j for j, m in enumerate(model.models_)}
        if not prompts or not arm:
            return np.zeros(len(prompts))
        X, _ = embed_texts(store, prompts, encoder)
        mean = model.posterior(Queries(tuple(prompts), X))[0]
        return np.array([mean[i, arm[m]] if m in arm else mean[i].mean()
                         for i, m in enumerate(models)])
    return predict
