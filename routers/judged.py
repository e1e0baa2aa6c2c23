"""A cascade whose judge is learned from the log: it reads answers, never scores."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from routers.answers import AnswerTable
from routers.base import Decision, Learned, Outcomes, Queries, Router, column_means
from routers.crossfit import cross_fit, text_folds
from routers.evaluate import tradeoff_grid
from routers.features import QueryView
from routers.knn import KNNRouter

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.96, 0.98, 1.01)  # 1.01: always go on
MIN_SEGMENT = 30      # training queries a task needs to get chains of its own
NEEDS_ANSWERS = ("the learned-judge cascade reads each model's answer text, and this log has "
                 "none; import a log with responses (RouterBench's model_response columns, a "
                 "'response' column, or a log routelab collected)")


@dataclass(frozen=True)
class Policy:
    """A chain of model columns and, per step, the judge probability at which the best
    answer so far is accepted (the last step always accepts)."""

    chain: tuple[int, ...]
    thresholds: tuple[float, ...]
    quality: float                 # out-of-fold training quality and cost of this policy
    cost: float


@dataclass(frozen=True, eq=False)
class Evidence:
    """What the judge reads about a set of queries: the query prior, the answer-text
    heads, the answers themselves, and each query's segment."""

    prior: np.ndarray              # (n, m) P(correct | query), a kNN over the log
    text: np.ndarray               # (n, m) P(correct | answer text), per-model n-gram heads
    answers: AnswerTable
    segment: np.ndarray            # (n,) segment index
    answered: np.ndarray           # (n, m) bool: the answer exists

    def rows(self, rows) -> Evidence:
        return Evidence(self.prior[rows], self.text[rows], self.answers.rows(rows),
                        self.segment[rows], self.answered[rows])


class JudgedCascade(Router):
    """FrugalGPT's learned scorer (Chen et al., 2023) with AutoMix's idea of verifying an
    answer before escalating (Madaan et al., 2023), made offline and deployable: a
    gradient-boosted judge learns from the training split's (query, answer, model) triples
    whether an answer is right, from the query (a kNN prior), the answer's text and form,
    and how it agrees with the answers already obtained. Per task (predicted from the
    embedding when a query has none) the chains of models and per-step acceptance
    thresholds are chosen on out-of-fold judge predictions of the training split; every
    call is paid. It never reads a score or reference answer of a query it judges, so
    its curve is deployable. Live, the Playground's live-cascade uses it as its judge."""

    name = "judged-cascade"
    title = "Cascade with a learned judge (deployable)"
    simulates = True
    needs_responses = True
    in_defaults = True
    space = {"chain": {"kind": "json", "help": "Models in calling order; empty = chosen on "
                       "the training split per task"},
             "max_steps": {"low": 1, "high": 4, "help": "Longest chain tried"},
             "candidates": {"low": 2, "high": 8, "help": "Models per task the chains use "
                            "(the cheapest non-dominated ones on training)"},
             "by_task": {"help": "Choose chains per task (tasks with enough training "
                         "queries)"},
             "folds": {"low": 2, "high": 10}, "samples": {"low": 1, "high": 10,
                                                        "help": "Answer sets per query the "
                                                        "judge learns from"}}

    def __init__(self, *, chain: list | None = None, max_steps: int = 3, candidates: int = 6,
                 by_task: bool = True, folds: int = 5, samples: int = 4, seed: int = 0):
        self.chain = list(chain) if chain else []
        self.max_steps = max_steps
        self.candidates = candidates
        self.by_task = by_task
        self.folds = folds
        self.samples = samples
        self.seed = seed

    # ---- fitting ------------------------------------------------------------------------
    def fit(self, outcomes: Outcomes):
        if outcomes.responses is None:
            raise ValueError(NEEDS_ANSWERS)
        unknown = [m for m in self.chain if m not in outcomes.models]
        if unknown:
            raise ValueError(f"chain names models the log does not have: {unknown}")
        self.view_ = None
        self.models_ = list(outcomes.models)
        self.costs_ = dict(zip(self.models_, outcomes.mean_costs().tolist(), strict=True))
        self.quality_ = dict(zip(self.models_, column_means(outcomes.reward, 0.0).tolist(),
                                 strict=True))
        self.binary_ = bool(np.isin(outcomes.reward[~np.isnan(outcomes.reward)], (0, 1)).all())
        folds = text_folds(outcomes.queries.text, self.folds, self.seed)
        self._fit_segments(outcomes)
        evidence = self._training_evidence(outcomes, folds)
        self.segment_share_ = np.bincount(evidence.segment, minlength=len(self.segments_)) \
            / max(len(evidence.segment), 1)
        reward = np.nan_to_num(outcomes.reward, nan=0.0)
        self.judge_ = self._fit_judge(evidence, reward, np.arange(len(reward)))
        held = [(rows, self._fit_judge(evidence, reward, fit)) for fit, rows in folds]
        self.judge_auc_ = self._held_out_auc(evidence, reward, held)
        self.table_ = self._policy_table(evidence, reward, np.nan_to_num(outcomes.cost), held)
        # a fine grid: each tradeoff picks whole policies, so points are sparse otherwise
        self.tradeoffs_ = tradeoff_grid(max(self.costs_.values(), default=1.0), 120)
        self.memo_: dict = {}
        return self

    def _fit_segments(self, outcomes: Outcomes) -> None:
        tasks = [str(t) for t in (outcomes.queries.task or ()) if t is not None]
        counts = {t: tasks.count(t) for t in dict.fromkeys(tasks)}
        big = sorted(t for t, c in counts.items() if c >= MIN_SEGMENT)
        self.segments_ = big if self.by_task and len(big) >= 2 else ["all"]
        self.tasks_ = QueryView.of("embedding+task").fit(outcomes.queries) if len(counts) \
            else None

    def segment_of(self, queries: Queries) -> np.ndarray:
        """Each query's segment: its task when it has its own chains, else the task whose
        training centroid is nearest (live prompts, unseen tasks), else 'all'."""
        if self.segments_ == ["all"]:
            return np.zeros(len(queries), dtype=np.int64)
        guessed = self.tasks_.predicted_tasks(queries.X)
        names = [str(t) if t is not None else None for t in (queries.task or
                                                              (None,) * len(queries))]
        out = []
        for name, guess in zip(names, guessed, strict=True):
            name = name if name in self.segments_ else self.tasks_.tasks_[guess]
            out.append(self.segments_.index(name) if name in self.segments_ else 0)
        return np.array(out, dtype=np.int64)

    def _training_evidence(self, outcomes: Outcomes, folds) -> Evidence:
        """Evidence for the training queries from models that never saw them."""
        def make_prior():
            return KNNRouter(k=50, features="embedding+task")
        prior = np.nan_to_num(cross_fit(make_prior, outcomes, folds), nan=0.5)
        self.prior_ = make_prior().fit(outcomes)
        answers = AnswerTable.of(outcomes.responses)
        answered = self._answered(outcomes.responses) & ~np.isnan(outcomes.reward)
        text = np.full(outcomes.reward.shape, 0.5)
        self.text_heads_ = {}
        for j in range(len(self.models_)):
            y = outcomes.reward[:, j]
            for fit, held in folds:
                head = self._text_head(answers.grams[j][fit], y[fit], answered[fit, j])
                text[held, j] = self._text_p(head, answers.grams[j][held])
            self.text_heads_[j] = self._text_head(answers.grams[j], y, answered[:, j])
        return Evidence(prior, text, answers, self.segment_of(outcomes.queries), answered)

    def _text_head(self, grams, y, answered):
        good = y[answered] >= 0.5
        if len(np.unique(good)) < 2:
            return float(good.mean()) if len(good) else 0.5
        return LogisticRegression(C=1.0, max_iter=1000).fit(grams[answered], good)

    @staticmethod
    def _text_p(head, grams) -> np.ndarray:
        if isinstance(head, float):
            return np.full(grams.shape[0], head)
        return head.predict_proba(grams)[:, 1]

    @staticmethod
    def _answered(responses: np.ndarray) -> np.ndarray:
        return np.vectorize(lambda r: r is not None and str(r).strip() != "",
                            otypes=[bool])(responses)

    # ---- the judge ----------------------------------------------------------------------
    def _features(self, ev: Evidence, i: int, obtained: np.ndarray) -> np.ndarray:
        """Answer i's features, given which answers (`obtained`, (r, m) bool) are in hand."""
        r, m = obtained.shape
        others = obtained & ev.answered
        others[:, i] = False
        agree = ev.answers.agree[:, i, :] & others
        similar = np.where(others, ev.answers.similar[:, i, :], 0.0)
        p = ev.prior
        count = others.sum(axis=1)
        per = np.maximum(count, 1)
        return np.column_stack([
            np.tile(np.eye(m)[i], (r, 1)), np.eye(len(self.segments_))[ev.segment],
            p[:, i], ev.text[:, i], ev.answers.form[:, i, :], count, agree.sum(axis=1),
            agree.sum(axis=1) / per, (p * agree).sum(axis=1),
            (p * (others & ~agree)).sum(axis=1), np.where(others, p, 0.0).max(axis=1),
            np.where(agree, p, 0.0).max(axis=1), similar.max(axis=1),
            (similar * p).sum(axis=1) / per])

    def _sampled_sets(self, ev: Evidence, rng) -> np.ndarray:
        """(r, m) a random set of 1..max_steps answered models per query."""
        r, m = ev.answered.shape
        sizes = rng.integers(1, max(1, self.max_steps) + 1, r)
        keys = np.where(ev.answered, rng.random((r, m)), np.inf)
        rank = np.argsort(np.argsort(keys, axis=1), axis=1)
        return (rank < sizes[:, None]) & ev.answered

    def _fit_judge(self, ev: Evidence, reward: np.ndarray, rows: np.ndarray):
        ev, reward = ev.rows(rows), reward[rows]
        rng = np.random.default_rng(self.seed)
        X, y = [], []
        for _ in range(self.samples):
            obtained = self._sampled_sets(ev, rng)
            for i in range(len(self.models_)):
                sel = np.flatnonzero(obtained[:, i])
                if len(sel):
                    X.append(self._features(ev.rows(sel), i, obtained[sel]))
                    y.append(reward[sel, i])
        X, y = np.vstack(X), np.concatenate(y)
        if self.binary_ and len(np.unique(y)) == 2:
            return HistGradientBoostingClassifier(
                max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=40,
                random_state=self.seed).fit(X, y >= 0.5)
        return HistGradientBoostingRegressor(
            max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=40,
            random_state=self.seed).fit(X, np.clip(y, 0, 1))

    def _judge(self, judge, ev: Evidence, obtained: np.ndarray) -> np.ndarray:
        """(r, m) P(answer right) for every obtained answer, 0 elsewhere."""
        out = np.zeros(obtained.shape)
        for i in range(obtained.shape[1]):
            sel = np.flatnonzero(obtained[:, i] & ev.answered[:, i])
            if len(sel):
                X = self._features(ev.rows(sel), i, obtained[sel])
                out[sel, i] = judge.predict_proba(X)[:, 1] if hasattr(judge, "predict_proba") \
                    else np.clip(judge.predict(X), 0, 1)
        return out

    def _held_out_auc(self, ev: Evidence, reward: np.ndarray, held) -> float | None:
        rng = np.random.default_rng(self.seed + 1)
        p, y = [], []
        for rows, judge in held:
            part = ev.rows(rows)
            obtained = self._sampled_sets(part, rng)
            probs = self._judge(judge, part, obtained)
            p.append(probs[obtained])
            y.append(reward[rows][obtained] >= 0.5)
        p, y = np.concatenate(p), np.concatenate(y)
        return float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else None

    # ---- choosing chains and thresholds on out-of-fold judgements ------------------------
    def _policy_table(self, ev, reward, cost, held) -> dict[int, list[Policy]]:
        table = {}
        for s in range(len(self.segments_)):
            mine = [(rows[ev.segment[rows] == s], judge) for rows, judge in held]
            rows = np.concatenate([r for r, _ in mine])
            if not len(rows):
                table[s] = [Policy((self._fallback(),), (0.0,), 0.0, 0.0)]
                continue
            cache: dict[tuple, np.ndarray] = {}

            def probs(models, mine=mine, rows=rows, cache=cache):
                key = tuple(sorted(models))
                if key not in cache:
                    out = np.zeros((len(rows), len(self.models_)))
                    start = 0
                    for part_rows, judge in mine:
                        obtained = np.zeros((len(part_rows), len(self.models_)), bool)
                        obtained[:, list(key)] = True
                        out[start:start + len(part_rows)] = self._judge(
                            judge, ev.rows(part_rows), obtained)
                        start += len(part_rows)
                    cache[key] = out
                return cache[key]

            table[s] = [Policy(chain, th, *self._run(chain, th, probs, reward[rows],
                                                      cost[rows], mean=True))
                        for chain, th in self._candidate_policies(reward[rows], cost[rows])]
        return table

    def _candidate_policies(self, reward, cost):
        if self.chain:
            chains = [tuple(self.models_.index(m) for m in self.chain)]
        else:
            quality, spend = reward.mean(axis=0), cost.mean(axis=0)
            order = sorted(range(len(self.models_)), key=lambda j: (spend[j], -quality[j]))
            frontier, best = [], -np.inf
            for j in order:  # cheapest first, each better than every cheaper one
                if quality[j] > best + 1e-9:
                    frontier.append(j)
                    best = quality[j]
            if len(frontier) > self.candidates:  # keep the cheapest, the best, spread between
                keep = np.unique(np.round(np.linspace(0, len(frontier) - 1, self.candidates)))
                frontier = [frontier[int(k)] for k in keep]
            chains = [c for size in range(1, max(1, self.max_steps) + 1)
                      for c in itertools.combinations(frontier, size)]
        for chain in chains:
            for th in itertools.product(THRESHOLDS, repeat=len(chain) - 1):
                yield chain, (*th, 0.0)

    @staticmethod
    def _run(chain, thresholds, probs, reward, cost, mean=False):
        """(quality, cost, answering column, calls) per query of running the chain."""
        n = len(reward)
        done = np.zeros(n, bool)
        answer = np.full(n, chain[-1])
        spent = np.zeros(n)
        calls = np.zeros(n, dtype=np.int64)
        for k, model in enumerate(chain):
            active = ~done
            spent[active] += cost[active, model]
            calls[active] += 1
            p = probs(chain[: k + 1])[:, list(chain[: k + 1])]
            best = np.argmax(p, axis=1)
            accept = active & ((p.max(axis=1) >= thresholds[k]) | (k == len(chain) - 1))
            answer[accept] = np.asarray(chain)[best[accept]]
            done |= accept
        quality = reward[np.arange(n), answer]
        if mean:
            return float(quality.mean()), float(spent.mean())
        return quality, spent, answer, calls

    def _fallback(self) -> int:
        return max(range(len(self.models_)), key=lambda j: self.quality_[self.models_[j]])

    # ---- deciding ----------------------------------------------------------------------
    def policies(self, tradeoff: float = 0.0) -> list[Policy]:
        """Per segment, the policy of best training quality − tradeoff × cost."""
        return [max(options, key=lambda p: (p.quality - tradeoff * p.cost, -p.cost))
                for _, options in sorted(self.table_.items())]

    def train_figures(self, train: Outcomes | None = None) -> list[tuple[float, float, float]]:
        """(tradeoff, quality, cost) of each point on the training split, from the
        out-of-fold judgements its policies were chosen on."""
        figures = []
        for t in self.tradeoffs_:
            chosen = self.policies(t)
            figures.append((float(t), sum(w * p.quality for w, p in zip(
                self.segment_share_, chosen, strict=True)), sum(w * p.cost for w, p in zip(
                    self.segment_share_, chosen, strict=True))))
        return figures

    def points(self) -> np.ndarray:
        """The curve's points: the tradeoffs swept (the headline is the first, 0)."""
        return self.tradeoffs_

    headline = 0

    def evidence(self, queries: Queries, responses: np.ndarray) -> Evidence:
        """What the judge reads about new queries and their (partly obtained) answers."""
        responses = np.asarray(responses, dtype=object)
        answers = AnswerTable.of(responses)
        text = np.column_stack([self._text_p(self.text_heads_[j], answers.grams[j])
                                for j in range(len(self.models_))])
        return Evidence(self.prior_.score(queries), text, answers, self.segment_of(queries),
                        self._answered(responses))

    def answer_probabilities(self, queries: Queries, responses: np.ndarray) -> np.ndarray:
        """(n, m) the judge's P(right) for each answer given (None: not obtained), judged
        together with the other answers obtained for the same query."""
        ev = self.evidence(queries, responses)
        return self._judge(self.judge_, ev, ev.answered)

    def decide(self, queries: Queries, responses: np.ndarray, tradeoff: float = 0.0
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(answering column, columns called as an (n, m) mask, calls) per query, reading
        only the queries and the answers of the models it calls: never a score."""
        policies = tuple(self.policies(tradeoff))
        memo = self._memo(queries, responses)
        if policies in memo["runs"]:  # a sweep asks again for the same policies
            return memo["runs"][policies]
        ev = memo["evidence"]
        n, m = len(queries), len(self.models_)
        answer, called = np.zeros(n, dtype=np.int64), np.zeros((n, m), bool)
        calls = np.zeros(n, dtype=np.int64)
        for s, policy in enumerate(policies):
            rows = np.flatnonzero(ev.segment == s)
            if not len(rows):
                continue
            part = ev.rows(rows)

            def probs(models, part=part):
                obtained = np.zeros(part.answered.shape, bool)
                obtained[:, list(models)] = True
                return self._judge(self.judge_, part, obtained)
            zero = np.zeros((len(rows), m))
            _, _, picked, used = self._run(policy.chain, policy.thresholds, probs, zero, zero)
            answer[rows], calls[rows] = picked, used
            for k, model in enumerate(policy.chain):
                called[rows[used > k], model] = True
        memo["runs"][policies] = answer, called, calls
        return answer, called, calls

    def _memo(self, queries: Queries, responses: np.ndarray) -> dict:
        """The evidence about the last queries and answers decided on (held, so the
        identity test cannot meet a recycled object), with the runs made on it."""
        memo = self.__dict__.setdefault("memo_", {})
        if memo.get("queries") is not queries or memo.get("responses") is not responses:
            memo.clear()
            memo.update(queries=queries, responses=responses, runs={},
                        evidence=self.evidence(queries, responses))
        return memo

    def simulate(self, outcomes: Outcomes, tradeoff: float = 0.0):
        """(quality, cost, calls) per query on a log with answers, at a tradeoff."""
        columns = [outcomes.column(m) for m in self.models_]
        same = list(outcomes.models) == self.models_  # no copy: decisions are memoised
        responses = outcomes.responses if same else outcomes.responses[:, columns]
        answer, called, calls = self.decide(outcomes.queries, responses, tradeoff)
        reward = np.nan_to_num(outcomes.reward[:, columns], nan=0.0)
        cost = np.nan_to_num(outcomes.cost[:, columns], nan=0.0)
        rows = np.arange(len(answer))
        return reward[rows, answer], (cost * called).sum(axis=1), calls

    def answers(self, outcomes: Outcomes) -> np.ndarray:
        """Column (in models_) of the model whose answer is kept at the headline, per query."""
        columns = [outcomes.column(m) for m in self.models_]
        same = list(outcomes.models) == self.models_
        return self.decide(outcomes.queries, outcomes.responses if same
                           else outcomes.responses[:, columns])[0]

    def _score(self, queries: Queries) -> np.ndarray:
        return self.prior_.score(queries)

    def route(self, queries: Queries, *, costs=None, tradeoff: float = 0.0) -> list[Decision]:
        """The first model of each query's chain; the rest are fallbacks, to be called while
        the judge's probability stays below `accept_at` (the first step's threshold)."""
        scores = self.score(queries)
        policies = self.policies(tradeoff)
        decisions = []
        for s, row in zip(self.segment_of(queries), scores, strict=True):
            chain = [self.models_[j] for j in policies[s].chain]
            decisions.append(Decision(chain[0], dict(zip(self.models_, row.tolist(),
                                                         strict=True)),
                                      tuple(chain[1:]), policies[s].thresholds[0]))
        return decisions

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        raise ValueError("a learned-judge cascade learns its models together: refit it")

    def _remove(self, model: str, index: int) -> None:
        raise ValueError("a learned-judge cascade learns its models together: refit it")

    def learned(self) -> list[Learned]:
        lines = []
        for name, policy in zip(self.segments_, self.policies(0.0), strict=True):
            chain = " → ".join(f"{self.models_[j]} (accept ≥ {t:.2f})" if k < len(
                policy.chain) - 1 else self.models_[j] for k, (j, t) in enumerate(
                zip(policy.chain, policy.thresholds, strict=True)))
            lines.append(f"{name}: {chain}")
        auc = f"{self.judge_auc_:.3f}" if self.judge_auc_ is not None else "n/a"
        return [Learned("Chains at the headline (quality first), chosen on training folds",
                        note="; ".join(lines) + f". Judge AUC on held-out folds: {auc}.")]
