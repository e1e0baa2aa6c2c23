"""What the Learning page shows: how a bandit learned from the feedback log."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.embed.embeddings import embed_texts
from app.routing.configs import RouterConfig, build_router
from app.routing.feedback import events, replay, replay_steps
from app.store.db import Store
from routers import Queries, Router
from routers.offpolicy import Estimates, estimate


@dataclass(frozen=True, eq=False)
class History:
    log: pd.DataFrame           # the events, with greedy / explored / oracle columns added
    posterior: pd.DataFrame     # model, mean, std (averaged over the logged queries)


def history(store: Store, config: RouterConfig, encoder: str) -> History:
    """Replay the log step by step, noting before each update what the bandit believed."""
    log = events(store, config.name)
    bandit = build_router(config).start()
    if log.empty:
        return History(log, pd.DataFrame(columns=["model", "mean", "std"]))
    X, _ = embed_texts(store, log["query_text"].tolist(), encoder)
    greedy = []
    for x, _, _ in replay_steps(bandit, log, X):
        mean, _ = bandit.posterior(Queries(("",), x[None, :]))
        greedy.append(bandit.models_[int(np.argmax(mean[0]))])
    log = log.assign(greedy=greedy, step=np.arange(1, len(log) + 1))
    log["explored"] = (log["router"] == config.name) & (log["model"] != log["greedy"])
    log["oracle"] = _oracle_rewards(store, log)
    mean, std = bandit.posterior(Queries(tuple(log["query_text"]), X))
    posterior = pd.DataFrame({"model": bandit.models_, "mean": mean.mean(axis=0),
                              "std": std.mean(axis=0)})
    return History(log, posterior)


def _oracle_rewards(store: Store, log: pd.DataFrame) -> pd.Series:
    """The best logged score for events about logged queries (full information), else NaN."""
    ids = [int(q) for q in log["query_id"].dropna().unique()]
    if not ids:
        return pd.Series(np.nan, index=log.index)
    best = dict(store.rows("SELECT query_id, max(score) FROM outcomes WHERE query_id IN "
                           "(SELECT unnest(?::BIGINT[])) GROUP BY query_id", [ids]))
    return log["query_id"].map(lambda q: best.get(int(q)) if pd.notna(q) else np.nan)


def off_policy(store: Store, routers: dict[str, Router], encoders: dict[str, str],
               reward_model: Router, bandit_encoder: str) -> pd.DataFrame:
    """IPS, SNIPS and DR estimates of each router's mean reward on the events a policy
    logged (Playground votes on a router's choice, with that choice's propensity). Label-
    page votes are full-information labels no policy chose, so they are left out here and
    evaluated by `on_labels` instead: pooled in, their propensity of 1 would bias IPS."""
    log = events(store)
    log = log[(log["source"] == "playground") & log["router"].notna()] if not log.empty \
        else log
    rows = []
    if log.empty:
        return pd.DataFrame(rows)
    Xb, _ = embed_texts(store, log["query_text"].tolist(), bandit_encoder)
    q_all = reward_model.posterior(Queries(tuple(log["query_text"]), Xb))[0]
    arm = {m: j for j, m in enumerate(reward_model.models_)}
    for name, router in routers.items():
        keep = log["model"].isin(router.models_).to_numpy()
        if not keep.any():
            continue
        part = log[keep]
        choice = _choices(store, router, part["query_text"].tolist(), encoders[name])
        q = q_all[keep]
        q_target = [q[i, arm[m]] if m in arm else 0.0 for i, m in enumerate(choice)]
        q_logged = [q[i, arm[m]] for i, m in enumerate(part["model"])]
        found: Estimates = estimate(np.array(choice), part["model"].to_numpy(),
                                    part["reward"].to_numpy(), part["propensity"].to_numpy(),
                                    np.array(q_target), np.array(q_logged))
        rows.append({"router": name, "IPS": found.ips, "self-normalised IPS": found.snips,
                     "doubly robust": found.dr, "events it agrees with": found.matched,
                     "policy events usable": found.events})
    return pd.DataFrame(rows)


def on_labels(store: Store, routers: dict[str, Router], encoders: dict[str, str],
              reward_model: Router, bandit_encoder: str) -> pd.DataFrame:
    """The direct method on Label-page votes: per labelled question, the label of the model
    the router would choose when someone labelled it, else the reward model's prediction
    for that model; averaged over questions. `labelled` counts the questions where the
    router's choice had a real label (the rest lean on the reward model)."""
    log = events(store)
    log = log[log["source"] == "label"] if not log.empty else log
    rows = []
    if log.empty:
        return pd.DataFrame(rows)
    labels = log.groupby(["query_text", "model"])["reward"].mean()
    questions = list(dict.fromkeys(log["query_text"]))
    Xb, _ = embed_texts(store, questions, bandit_encoder)
    predicted = reward_model.posterior(Queries(tuple(questions), Xb))[0]
    arm = {m: j for j, m in enumerate(reward_model.models_)}
    for name, router in routers.items():
        choice = _choices(store, router, questions, encoders[name])
        values, seen = [], 0
        for i, (question, model) in enumerate(zip(questions, choice, strict=True)):
            if (question, model) in labels.index:
                values.append(float(labels[(question, model)]))
                seen += 1
            elif model in arm:
                values.append(float(predicted[i, arm[model]]))
        if values:
            rows.append({"router": name, "direct method": float(np.mean(values)),
                         "labelled questions": len(questions),
                         "its choice labelled": seen})
    return pd.DataFrame(rows)


def _choices(store: Store, router: Router, texts: list[str], encoder: str) -> list[str]:
    X, _ = embed_texts(store, texts, encoder)
    return [router.models_[c] for c in router.choose(router.score(Queries(tuple(texts), X)))]


def reward_model(store: Store, encoder: str) -> Router:
    """A ridge reward model per model (LinUCB's posterior mean) fit on all feedback."""
    return replay(store, RouterConfig("reward-model", "linucb", {"alpha": 0.0}), encoder)
