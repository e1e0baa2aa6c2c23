"""The feedback log and live bandits: committed votes, no double counting, exact replay."""

from __future__ import annotations

import threading

import numpy as np

from app.routing.feedback import (
    DEFAULT_BANDIT,
    BanditBook,
    Vote,
    events,
    record_vote,
    replay,
    reset,
    retract,
)

FAST = "hashing-ngrams-512"


def _vote(i: int, session: str = "s1", model: str | None = None, reward: float | None = None):
    return Vote(session, "playground", model or ["gemma3", "smollm2"][i % 2],
                f"question number {i % 7}", float(i % 3 == 0) if reward is None else reward,
                f"resp-{session}-{i}", router="bandit", propensity=1.0)


def _same_state(a, b):
    assert sorted(a.models_) == sorted(b.models_)
    for model in a.models_:
        np.testing.assert_allclose(a.A_inv_[model], b.A_inv_[model], atol=1e-9)
        np.testing.assert_allclose(a.b_[model], b.b_[model], atol=1e-12)
        assert a.n_[model] == b.n_[model]


def test_votes_are_committed_applied_and_never_double_counted(store):
    book = BanditBook(store, FAST)
    bandit = book.get("bandit")
    first = record_vote(store, book, _vote(0))
    assert first is not None and bandit.n_["gemma3"] == 1
    assert record_vote(store, book, _vote(0)) is None  # the same answer again
    assert store.rows("SELECT count(*) FROM feedback")[0][0] == 1 and bandit.n_["gemma3"] == 1
    record_vote(store, book, _vote(0, session="s2"))   # another session's vote counts
    assert bandit.n_["gemma3"] == 2


def test_live_state_equals_replay_and_survives_a_restart(store):
    book = BanditBook(store, FAST)
    live = book.get("bandit")
    for i in range(30):
        record_vote(store, book, _vote(i))
    _same_state(live, replay(store, DEFAULT_BANDIT, FAST))
    _same_state(live, BanditBook(store, FAST).get("bandit"))  # a new process: same state


def test_retract_and_reset(store):
    book = BanditBook(store, FAST)
    ids = [record_vote(store, book, _vote(i)) for i in range(6)]
    retract(store, book, ids[-1])
    assert len(events(store)) == 5
    _same_state(book.get("bandit"), replay(store, DEFAULT_BANDIT, FAST))
    reset(store, book, "bandit")
    assert book.get("bandit").models_ == [] and len(events(store, "bandit")) == 0
    record_vote(store, book, _vote(10))
    assert book.get("bandit").n_ == {"gemma3": 1}  # only the vote after the reset


def test_twenty_sessions_voting_at_once(store):
    book = BanditBook(store, FAST)
    book.get("bandit")
    errors = []

    def session(s):
        try:
            for i in range(50):
                record_vote(store, book, _vote(i, session=f"session-{s}"))
        except Exception as exc:  # any failure must fail the test below
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(s,)) for s in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert store.rows("SELECT count(*), count(DISTINCT vote_key) FROM feedback")[0] == (
        1000, 1000)
    _same_state(book.get("bandit"), replay(store, DEFAULT_BANDIT, FAST))


def test_off_policy_uses_policy_events_and_labels_get_the_direct_method(store):
    """Two Playground votes a router chose, and labels on two questions. IPS sees only the
    Playground votes; the direct method reads the label of the model a router would pick."""
    from app.routing.learning import off_policy, on_labels, reward_model
    from routers.baselines import SingleModel

    book = BanditBook(store, FAST)
    for i, (model, reward) in enumerate((("gemma3", 1.0), ("smollm2", 0.0))):
        record_vote(store, book, Vote("s", "playground", model, f"typed prompt {i}", reward,
                                      f"p{i}", router="bandit", propensity=0.5))
    for query_id, question, model, reward in ((1, "label one", "gemma3", 1.0),
                                              (1, "label one", "smollm2", 0.0),
                                              (2, "label two", "gemma3", 0.0)):
        record_vote(store, book, Vote.label("s", model=model, question=question,
                                            reward=reward, query_id=query_id, dataset="demo"))
    always = {"always gemma3": SingleModel(model="gemma3").start()}
    for router in always.values():
        router.add_model("gemma3").add_model("smollm2")
    encoders = {name: FAST for name in always}
    model = reward_model(store, FAST)
    policy = off_policy(store, always, encoders, model, FAST).iloc[0]
    # one agreeing event, reward 1, propensity 0.5, over 2 events: IPS = (1 / 0.5) / 2
    assert policy["policy events usable"] == 2 and policy["events it agrees with"] == 1
    assert policy["IPS"] == 1.0 and policy["self-normalised IPS"] == 1.0
    labels = on_labels(store, always, encoders, model, FAST).iloc[0]
    # gemma3 is labelled on both questions: (1 + 0) / 2, no reward model needed
    assert labels["direct method"] == 0.5 and labels["its choice labelled"] == 2
