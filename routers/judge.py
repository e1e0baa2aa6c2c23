"""The learned judge: P(an answer is right) from the query, the answer and the others.

Features of model i's answer to a query, given the set of answers obtained so far: which
model and task, a query prior (a kNN router's predicted score), an answer-text head
(per-model logistic regression on hashed n-grams), the answer's form, and its agreement
with the other obtained answers (how many agree, weighted by their priors, and n-gram
similarity). A gradient-boosted classifier learns them from the training split, on random
sets of 1..max_steps obtained answers per query, so one judge serves every chain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from routers.answers import AnswerTable


@dataclass(frozen=True, eq=False)
class Evidence:
    """What the judge reads about a set of queries (never a score)."""

    prior: np.ndarray              # (n, m) P(correct | query), a kNN over the log
    text: np.ndarray               # (n, m) P(correct | answer text), per-model n-gram heads
    answers: AnswerTable
    segment: np.ndarray            # (n,) segment (task) index
    segments: int                  # how many segments there are
    answered: np.ndarray           # (n, m) bool: the answer exists

    def rows(self, rows) -> Evidence:
        return Evidence(self.prior[rows], self.text[rows], self.answers.rows(rows),
                        self.segment[rows], self.segments, self.answered[rows])


def features(ev: Evidence, i: int, obtained: np.ndarray, sel: np.ndarray) -> np.ndarray:
    """Answer i's features for the queries `sel` of `ev`, given which answers (`obtained`,
    (len(sel), m) bool) are in hand. Rows are picked here, array by array, rather than by
    slicing the Evidence: that would copy every model's sparse n-grams too, unread."""
    r, m = obtained.shape
    others = obtained & ev.answered[sel]
    others[:, i] = False
    agree = ev.answers.agree[sel, i, :] & others
    similar = np.where(others, ev.answers.similar[sel, i, :], 0.0)
    p = ev.prior[sel]
    count = others.sum(axis=1)
    per = np.maximum(count, 1)
    return np.column_stack([
        np.tile(np.eye(m)[i], (r, 1)), np.eye(ev.segments)[ev.segment[sel]],
        p[:, i], ev.text[sel, i], ev.answers.form[sel, i, :], count, agree.sum(axis=1),
        agree.sum(axis=1) / per, (p * agree).sum(axis=1),
        (p * (others & ~agree)).sum(axis=1), np.where(others, p, 0.0).max(axis=1),
        np.where(agree, p, 0.0).max(axis=1), similar.max(axis=1),
        (similar * p).sum(axis=1) / per])


def sampled_sets(answered: np.ndarray, max_steps: int, rng) -> np.ndarray:
    """(r, m) a random set of 1..max_steps answered models per query."""
    r, m = answered.shape
    sizes = rng.integers(1, max(1, max_steps) + 1, r)
    keys = np.where(answered, rng.random((r, m)), np.inf)
    rank = np.argsort(np.argsort(keys, axis=1), axis=1)
    return (rank < sizes[:, None]) & answered


def fit_judge(ev: Evidence, reward: np.ndarray, *, max_steps: int, samples: int,
              binary: bool, seed: int):
    """A judge trained on `samples` random answer sets per query of `ev`."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for _ in range(samples):
        obtained = sampled_sets(ev.answered, max_steps, rng)
        for i in range(obtained.shape[1]):
            sel = np.flatnonzero(obtained[:, i])
            if len(sel):
                X.append(features(ev, i, obtained[sel], sel))
                y.append(reward[sel, i])
    X, y = np.vstack(X), np.concatenate(y)
    settings = dict(max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=40,
                    random_state=seed)
    if binary and len(np.unique(y >= 0.5)) == 2:
        return HistGradientBoostingClassifier(**settings).fit(X, y >= 0.5)
    return HistGradientBoostingRegressor(**settings).fit(X, np.clip(y, 0, 1))


def probabilities(judge, ev: Evidence, obtained: np.ndarray) -> np.ndarray:
    """(r, m) P(answer right) for every obtained answer; -1 where none was obtained."""
    return probabilities_many(judge, ev, [obtained])[0]


PREDICT_ROWS = 200_000  # feature rows per prediction: ~60 MB at a time, whatever the log


def probabilities_many(judge, ev: Evidence, obtained_sets: list) -> list[np.ndarray]:
    """`probabilities` for each of several (r, m) obtained masks, in as few predictions as
    fit PREDICT_ROWS: a boosted model pays per call and per tree (~3 ms for 200 trees), and
    a chain search asks for hundreds of prefixes."""
    outs = [np.full(obtained.shape, -1.0) for obtained in obtained_sets]
    # every (set, model) cell: the queries whose answer of that model is in hand
    cells = [(k, i, np.flatnonzero(obtained[:, i] & ev.answered[:, i]))
             for k, obtained in enumerate(obtained_sets) for i in range(obtained.shape[1])]
    cells = [cell for cell in cells if len(cell[2])]
    batch, rows = [], 0
    for position, cell in enumerate(cells):
        batch.append(cell)
        rows += len(cell[2])
        if rows >= PREDICT_ROWS or position == len(cells) - 1:
            _predict_cells(judge, ev, obtained_sets, batch, outs)
            batch, rows = [], 0
    return outs


def _predict_cells(judge, ev: Evidence, obtained_sets, cells, outs) -> None:
    X = np.vstack([features(ev, i, obtained_sets[k][sel], sel) for k, i, sel in cells])
    p = judge.predict_proba(X)[:, 1] if isinstance(judge, HistGradientBoostingClassifier) \
        else np.clip(judge.predict(X), 0, 1)
    start = 0
    for k, i, sel in cells:
        outs[k][sel, i] = p[start:start + len(sel)]
        start += len(sel)


def held_out_auc(ev: Evidence, reward: np.ndarray, held, max_steps: int, seed: int
                 ) -> float | None:
    """AUC of each fold's judge on its held-out queries, random answer sets."""
    rng = np.random.default_rng(seed)
    p, y = [], []
    for rows, judge in held:
        part = ev.rows(rows)
        obtained = sampled_sets(part.answered, max_steps, rng)
        p.append(probabilities(judge, part, obtained)[obtained])
        y.append(reward[rows][obtained] >= 0.5)
    p, y = np.concatenate(p), np.concatenate(y)
    return float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else None


class TextHeads:
    """Per model, a logistic regression on hashed answer n-grams: P(right | the answer's
    text), e.g. a code answer in the wrong language, a refusal, a hedge."""

    def fit(self, grams: list, reward: np.ndarray, answered: np.ndarray) -> TextHeads:
        self.heads_ = [_head(g, reward[:, j], answered[:, j]) for j, g in enumerate(grams)]
        return self

    def predict(self, grams: list) -> np.ndarray:
        return np.column_stack([_p(head, g) for head, g in zip(self.heads_, grams, strict=True)])

    @staticmethod
    def cross_fitted(grams: list, reward, answered, folds) -> np.ndarray:
        """(n, m) each query's text probabilities from heads fitted on the other folds."""
        out = np.full(reward.shape, 0.5)
        for fit, held in folds:
            heads = TextHeads().fit([g[fit] for g in grams], reward[fit], answered[fit])
            out[held] = heads.predict([g[held] for g in grams])
        return out


def answered_mask(responses: np.ndarray) -> np.ndarray:
    """(n, m) True where a model gave a non-empty answer."""
    return np.vectorize(lambda r: r is not None and str(r).strip() != "",
                        otypes=[bool])(np.asarray(responses, dtype=object))


def _head(grams, y, answered):
    good = y[answered] >= 0.5
    if len(np.unique(good)) < 2:
        return float(good.mean()) if len(good) else 0.5
    return LogisticRegression(C=1.0, max_iter=1000).fit(grams[answered], good)


def _p(head, grams) -> np.ndarray:
    if isinstance(head, float):
        return np.full(grams.shape[0], head)
    return head.predict_proba(grams)[:, 1]
