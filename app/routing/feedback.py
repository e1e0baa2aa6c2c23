"""Thumbs feedback: an append-only log in DuckDB, and live bandits that are its replay.

A vote is committed to the log first, then applied to every live bandit; a bandit's state
is always what replaying the log (minus retracted events, after its last reset) gives, so
restarting the app brings the same state back and nothing is pickled. Votes are keyed by
(session, answer) so a repeated click is not counted twice.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.embed.embeddings import default_encoder, embed_texts
from app.routing import catalog
from app.routing.configs import RouterConfig, build_router, saved_configs
from app.store.db import Store
from routers import Queries, Router

DEFAULT_BANDIT = RouterConfig("bandit", "linucb", {"alpha": 1.0, "ridge": 1.0})


@dataclass(frozen=True)
class Vote:
    session_id: str
    source: str            # playground | label
    model: str
    query_text: str
    reward: float
    response_id: str
    router: str | None = None
    propensity: float = 1.0
    query_id: int | None = None
    dataset: str | None = None

    @property
    def key(self) -> str:
        return f"{self.session_id}|{self.response_id}|{self.model}"

    @classmethod
    def playground(cls, session_id: str, *, model: str, prompt: str, reward: float,
                   response_id: str, router: str, propensity: float = 1.0) -> Vote:
        """A thumb on an answer a router chose in the Playground."""
        return cls(session_id, "playground", model, prompt, float(reward), response_id,
                   router=router, propensity=propensity)

    @classmethod
    def label(cls, session_id: str, *, model: str, question: str, reward: float,
              query_id: int, dataset: str) -> Vote:
        """A label on a logged answer (full information: no router chose it)."""
        return cls(session_id, "label", model, question, float(reward),
                   f"log:{query_id}:{model}", router=None, propensity=1.0,
                   query_id=query_id, dataset=dataset)


class BanditBook:
    """The live bandits of this process: each built by replay on first use, then kept
    current by every vote. One lock guards them; DuckDB's writer lock guards the log."""

    def __init__(self, store: Store, encoder: str | None = None):
        self.store = store
        self.encoder = encoder or default_encoder()
        self.lock = threading.RLock()
        self.states: dict[str, Router] = {}

    def configs(self) -> dict[str, RouterConfig]:
        found = {c.name: c for c in saved_configs(self.store) if catalog.is_online(c.kind)}
        return {DEFAULT_BANDIT.name: DEFAULT_BANDIT, **found}

    def get(self, name: str) -> Router:
        with self.lock:
            if name not in self.states:
                self.states[name] = replay(self.store, self.configs()[name], self.encoder)
            return self.states[name]

    def with_arms(self, name: str, models: list[str]) -> Router:
        """The bandit, knowing at least these models (new ones start from the prior, which
        scores exactly as if they were absent from the replay)."""
        with self.lock:
            bandit = self.get(name)
            for model in models:
                if model not in bandit.models_:
                    bandit.add_model(model)
            return bandit

    def apply(self, vote: Vote, x: np.ndarray) -> None:
        """Update every loaded bandit with one vote (commutative: order does not matter)."""
        with self.lock:
            for bandit in self.states.values():
                if vote.model not in bandit.models_:
                    bandit.add_model(vote.model)
                bandit.update(vote.model, x, vote.reward)

    def reload(self, name: str | None = None) -> None:
        with self.lock:
            for key in ([name] if name else list(self.states)):
                self.states.pop(key, None)


def record_vote(store: Store, book: BanditBook, vote: Vote,
                x: np.ndarray | None = None) -> int | None:
    """Commit the vote, then teach the bandits; the event id, or None if already counted.
    `x` is the question's vector when the caller has it (a label's votes share one)."""
    if x is None:
        x = question_vector(store, book, vote.query_text)
    event = store.write(lambda cur: cur.execute(
        """INSERT INTO feedback (session_id, source, router, model, query_text, query_id,
                                 dataset, reward, propensity, response_id, vote_key)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (vote_key) DO NOTHING
           RETURNING event_id""",
        [vote.session_id, vote.source, vote.router, vote.model, vote.query_text,
         vote.query_id, vote.dataset, float(vote.reward), float(vote.propensity),
         vote.response_id, vote.key]).fetchall())
    if not event:
        return None
    book.apply(vote, x)
    return int(event[0][0])


def question_vector(store: Store, book: BanditBook, text: str) -> np.ndarray:
    """The vector the bandits see for a question (embedded by their encoder, cached)."""
    return embed_texts(store, [text], book.encoder)[0][0]


def retract(store: Store, book: BanditBook, event_id: int) -> None:
    """Undo a vote: mark it retracted and rebuild the bandits from the log."""
    store.write(lambda cur: cur.execute(
        "UPDATE feedback SET retracted = true WHERE event_id = ?", [event_id]))
    book.reload()


def vote_of(store: Store, event_id: int) -> tuple[int | None, str]:
    """(query_id, model) of a logged vote."""
    return tuple(store.rows("SELECT query_id, model FROM feedback WHERE event_id = ?",
                            [event_id])[0])


def reset(store: Store, book: BanditBook, bandit: str) -> None:
    """Start a bandit afresh: its replay skips every event logged so far."""
    last = store.rows("SELECT coalesce(max(event_id), 0) FROM feedback")[0][0]
    store.write(lambda cur: cur.execute(
        "INSERT INTO bandit_resets (bandit, after_id) VALUES (?, ?)", [bandit, last]))
    book.reload(bandit)


def events(store: Store, bandit: str | None = None) -> pd.DataFrame:
    """The feedback a bandit learns from, in order (all of it when bandit is None)."""
    after = 0
    if bandit:
        after = store.rows("SELECT coalesce(max(after_id), 0) FROM bandit_resets "
                           "WHERE bandit = ?", [bandit])[0][0]
    return store.frame("""SELECT event_id, ts, session_id, source, router, model, query_text,
                                 query_id, dataset, reward, propensity, response_id
                          FROM feedback WHERE NOT retracted AND event_id > ?
                          ORDER BY event_id""", [after])


def replay(store: Store, config: RouterConfig, encoder: str | None = None,
           log: pd.DataFrame | None = None) -> Router:
    """A bandit rebuilt from the log: start cold, then one update per event, in order."""
    log = events(store, config.name) if log is None else log
    bandit = build_router(config).start()
    if not log.empty:
        X, _ = embed_texts(store, log["query_text"].tolist(), encoder or default_encoder())
        for _ in replay_steps(bandit, log, X):
            pass
    return bandit


def replay_steps(bandit: Router, log: pd.DataFrame, X: np.ndarray
                 ) -> Iterator[tuple[np.ndarray, str, float]]:
    """Feed the log's events (their query embeddings `X`) to a started bandit in order,
    yielding (x, model, reward) just *before* each update, so a caller can see what the
    bandit believed at that moment (the Learning page) or just consume it (replay). A model
    joins when first seen."""
    for x, model, reward in zip(X, log["model"], log["reward"], strict=True):
        x, reward = np.asarray(x, dtype=float), float(reward)
        if model not in bandit.models_:
            bandit.add_model(model)
        yield x, model, reward
        bandit.update(model, x, reward)


def as_queries(store: Store, texts: list[str], encoder: str) -> Queries:
    X, _ = embed_texts(store, texts, encoder)
    return Queries(tuple(texts), X)
