"""A cascade whose judge is learned from the log: it reads answers, never scores."""

from __future__ import annotations

import numpy as np

from routers import chains, judge
from routers.answers import AnswerTable
from routers.base import Decision, Learned, Outcomes, Queries, Router, column_means
from routers.crossfit import cross_fit, text_folds
from routers.evaluate import tradeoff_grid
from routers.features import QueryView
from routers.judge import Evidence
from routers.knn import KNNRouter

MIN_SEGMENT = 100     # training queries a task needs to get chains of its own (fewer: overfit)
NEEDS_ANSWERS = ("the learned-judge cascade reads each model's answer text, and this log has "
                 "none; import a log with responses (RouterBench's model_response columns, a "
                 "'response' column, or a log routelab collected)")


class JudgedCascade(Router):
    """FrugalGPT's learned scorer (Chen et al., 2023) with AutoMix's idea of verifying an
    answer before escalating (Madaan et al., 2023), made offline and deployable: a
    gradient-boosted judge learns from the training split's (query, answer, model) triples
    whether an answer is right, from the query (a kNN prior), the answer's text and form,
    and how it agrees with the answers already obtained (routers/judge.py). Per task
    (predicted from the embedding when a query has none) it chooses chains, which may
    start at the model the kNN prior picks, and per-step acceptance thresholds on
    out-of-fold judgements of the training split (routers/chains.py); every call is paid.
    It never reads a score or reference answer of a query it judges, so its curve is
    deployable. Live, the Playground's live-cascade can use it as its judge."""

    name = "judged-cascade"
    title = "Cascade with a learned judge (deployable)"
    simulates = True
    needs_responses = True
    headline = 0      # the first point: tradeoff 0, quality first
    # asked live (the Playground), it runs as a live cascade judged by itself
    live_form = ("live-cascade", "judge", "learned:")
    space = {"chain": {"kind": "json", "help": "Models in calling order; empty = chosen on "
                       "the training split per task"},
             "max_steps": {"low": 1, "high": 4, "help": "Longest chain tried"},
             "candidates": {"low": 2, "high": 8, "help": "Models per task the chains use "
                            "(the cheapest non-dominated ones on training)"},
             "by_task": {"help": "Choose chains per task (tasks with enough training "
                         "queries)"},
             "folds": {"low": 2, "high": 10},
             "samples": {"low": 1, "high": 10, "help": "Answer sets per query to learn from"}}

    def __init__(self, *, chain: list | tuple = (), max_steps: int = 3, candidates: int = 6,
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
        self.view_, self.memo_ = None, {}
        self.models_ = list(outcomes.models)
        self.costs_ = dict(zip(self.models_, outcomes.mean_costs().tolist(), strict=True))
        self.quality_ = dict(zip(self.models_, column_means(outcomes.reward, 0.0).tolist(),
                                 strict=True))
        binary = bool(np.isin(outcomes.reward[~np.isnan(outcomes.reward)], (0, 1)).all())
        folds = text_folds(outcomes.queries.text, self.folds, self.seed)
        self._fit_segments(outcomes)
        ev = self._training_evidence(outcomes, folds)
        reward = np.nan_to_num(outcomes.reward, nan=0.0)
        settings = dict(max_steps=self.max_steps, samples=self.samples, binary=binary,
                        seed=self.seed)
        self.judge_ = judge.fit_judge(ev, reward, **settings)
        held = [(rows, judge.fit_judge(ev.rows(fit), reward[fit], **settings))
                for fit, rows in folds]
        self.judge_auc_ = judge.held_out_auc(ev, reward, held, self.max_steps, self.seed + 1)
        self.table_ = self._policy_table(ev, reward, np.nan_to_num(outcomes.cost), held)
        self.segment_share_ = np.bincount(ev.segment, minlength=len(self.segments_)) \
            / max(len(ev.segment), 1)
        # a fine grid: each tradeoff picks whole policies, so points are sparse otherwise
        self.tradeoffs_ = tradeoff_grid(max(self.costs_.values(), default=1.0), 120)
        return self

    def _fit_segments(self, outcomes: Outcomes) -> None:
        tasks = [str(t) for t in (outcomes.queries.task or ()) if t is not None]
        counts = {t: tasks.count(t) for t in dict.fromkeys(tasks)}
        big = sorted(t for t, c in counts.items() if c >= MIN_SEGMENT)
        self.segments_ = big if self.by_task and len(big) >= 2 else ["all"]
        if self.segments_ != ["all"]:
            view = QueryView.of("embedding+task").fit(outcomes.queries)
            self.segment_centres_ = view.task_centres_[[view.tasks_.index(t)
                                                        for t in self.segments_]]

    def segment_of(self, queries: Queries) -> np.ndarray:
        """Each query's segment: its task when it has its own chains, else the task whose
        training centroid is nearest (live prompts, unseen tasks)."""
        if self.segments_ == ["all"]:
            return np.zeros(len(queries), dtype=np.int64)
        # the nearest task among those with chains of their own, so a query of a small
        # task goes where it resembles most, not to the first segment
        guessed = np.argmax(np.asarray(queries.X, float) @ self.segment_centres_.T, axis=1)
        given = queries.task or (None,) * len(queries)
        return np.array([self.segments_.index(str(t)) if t is not None and str(t) in
                         self.segments_ else g for t, g in zip(given, guessed, strict=True)],
                        dtype=np.int64)

    def _training_evidence(self, outcomes: Outcomes, folds) -> Evidence:
        """Evidence for the training queries from models that never saw them."""
        def make_prior():
            return KNNRouter(k=50, features="embedding+task")
        prior = np.nan_to_num(cross_fit(make_prior, outcomes, folds), nan=0.5)
        self.prior_ = make_prior().fit(outcomes)
        answers = AnswerTable.of(outcomes.responses)
        answered = judge.answered_mask(outcomes.responses) & ~np.isnan(outcomes.reward)
        reward = np.nan_to_num(outcomes.reward, nan=0.0)
        text = judge.TextHeads.cross_fitted(answers.grams, reward, answered, folds)
        self.text_heads_ = judge.TextHeads().fit(answers.grams, reward, answered)
        self.train_picks_ = chains.routed_picks(prior, outcomes.mean_costs())
        return Evidence(prior, text, answers, self.segment_of(outcomes.queries),
                        len(self.segments_), answered)

    def _policy_table(self, ev: Evidence, reward, cost, held) -> dict[int, list]:
        """Per segment, every candidate policy with its out-of-fold training figures."""
        fixed = tuple(self.models_.index(m) for m in self.chain)
        table = {}
        for s in range(len(self.segments_)):
            mine = [(rows[ev.segment[rows] == s], fold_judge) for rows, fold_judge in held]
            rows = np.concatenate([r for r, _ in mine])
            if not len(rows):
                table[s] = [chains.Policy((self._fallback(),), (0.0,), 0.0, 0.0)]
                continue
            picks = self.train_picks_[rows]
            # each fold's evidence sliced once: the chains below ask for ~100s of prefixes
            parts = [(ev.rows(part), self.train_picks_[part], fold_judge)
                     for part, fold_judge in mine]
            options = chains.candidate_chains(
                reward[rows], cost[rows], size=self.candidates, max_steps=self.max_steps,
                routed=0 if fixed else len(chains.ROUTED_AT), fixed=fixed)
            # every prefix the chains will ask about, judged up front in a few predictions
            prefixes = sorted({chain[:k] for chain in options for k in range(1, len(chain) + 1)})
            per_fold = [judge.probabilities_many(fold_judge, part, [
                chains.obtained_by(prefix, part_picks, len(self.models_)) for prefix in prefixes])
                for part, part_picks, fold_judge in parts]
            judged = {prefix: np.vstack([fold[k] for fold in per_fold])
                      for k, prefix in enumerate(prefixes)}
            del per_fold  # the same figures, stacked above: not twice in memory
            table[s] = chains.policies(options, judged.__getitem__, picks, reward[rows],
                                       cost[rows])
        return table

    def _fallback(self) -> int:
        return max(range(len(self.models_)), key=lambda j: self.quality_[self.models_[j]])

    # ---- deciding ----------------------------------------------------------------------
    def policies(self, tradeoff: float = 0.0) -> list[chains.Policy]:
        """Per segment, the policy of best training quality − tradeoff × cost."""
        return [chains.best_for(options, tradeoff) for _, options in sorted(self.table_.items())]

    def points(self) -> np.ndarray:
        """The curve's points: the tradeoffs swept (the headline is the first, 0)."""
        return self.tradeoffs_

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

    def evidence(self, queries: Queries, responses: np.ndarray) -> Evidence:
        """What the judge reads about new queries and their (partly obtained) answers."""
        responses = np.asarray(responses, dtype=object)
        answers = AnswerTable.of(responses)
        return Evidence(self.prior_.score(queries), self.text_heads_.predict(answers.grams),
                        answers, self.segment_of(queries), len(self.segments_),
                        judge.answered_mask(responses))

    def picks(self, queries: Queries) -> np.ndarray:
        """(n, len(ROUTED_AT)) the column each routed step calls for each query."""
        return chains.routed_picks(self.prior_.score(queries), np.array(
            [self.costs_[m] for m in self.models_]))

    def answer_probabilities(self, queries: Queries, responses: np.ndarray) -> np.ndarray:
        """(n, m) the judge's P(right) for each answer given (None: not obtained; -1 there),
        judged together with the other answers obtained for the same query."""
        ev = self.evidence(queries, responses)
        return judge.probabilities(self.judge_, ev, ev.answered)

    def decide(self, queries: Queries, responses: np.ndarray, tradeoff: float = 0.0):
        """(answering column, called (n, m) mask, calls) per query, reading only the queries
        and the answers of the models it calls: never a score."""
        policies = tuple(self.policies(tradeoff))
        memo = self._memo(queries, responses)
        if policies not in memo["runs"]:  # a sweep asks again for the same policies
            ev, picks = memo["evidence"], memo["picks"]
            n, m = len(queries), len(self.models_)
            answer, called = np.zeros(n, dtype=np.int64), np.zeros((n, m), bool)
            for s, policy in enumerate(policies):
                rows = np.flatnonzero(ev.segment == s)
                if len(rows):
                    part, mine = ev.rows(rows), picks[rows]

                    def probs(prefix, part=part, mine=mine):
                        return judge.probabilities(self.judge_, part, chains.obtained_by(
                            prefix, mine, m))
                    answer[rows], _, _, called[rows] = chains.run(
                        policy.chain, policy.thresholds, probs, mine, np.zeros((len(rows), m)))
            memo["runs"][policies] = answer, called, called.sum(axis=1)
        return memo["runs"][policies]

    def _memo(self, queries: Queries, responses: np.ndarray) -> dict:
        """Evidence about the last queries and answers decided on (held, so the identity
        test cannot meet a recycled object), with the runs made on them."""
        memo = self.__dict__.get("memo_") or {}
        if memo.get("queries") is not queries or memo.get("responses") is not responses:
            memo = {"queries": queries, "responses": responses, "runs": {},
                    "evidence": self.evidence(queries, responses), "picks": self.picks(queries)}
            self.memo_ = memo  # swapped in whole: a concurrent caller keeps the one it holds
        return memo

    def simulate(self, outcomes: Outcomes, tradeoff: float = 0.0):
        """(quality, cost, calls) per query on a log with answers, at a tradeoff."""
        columns, responses = self._answers_of(outcomes)
        answer, called, calls = self.decide(outcomes.queries, responses, tradeoff)
        reward = np.nan_to_num(outcomes.reward[:, columns], nan=0.0)
        cost = np.nan_to_num(outcomes.cost[:, columns], nan=0.0)
        return reward[np.arange(len(answer)), answer], (cost * called).sum(axis=1), calls

    def answers(self, outcomes: Outcomes) -> np.ndarray:
        """Column (in models_) of the model whose answer is kept at the headline, per query."""
        return self.decide(outcomes.queries, self._answers_of(outcomes)[1])[0]

    def _answers_of(self, outcomes: Outcomes) -> tuple[list[int], np.ndarray]:
        """(columns of models_ in the log, its answers in models_ order; the log's own
        array when the order agrees, so the memo of decisions keeps its identity)."""
        if outcomes.responses is None:
            raise ValueError(NEEDS_ANSWERS)
        columns = [outcomes.column(m) for m in self.models_]
        same = list(outcomes.models) == self.models_
        return columns, outcomes.responses if same else outcomes.responses[:, columns]

    def _score(self, queries: Queries) -> np.ndarray:
        return self.prior_.score(queries)

    def route(self, queries: Queries, *, costs=None, tradeoff: float = 0.0) -> list[Decision]:
        """The first model of each query's chain; the rest are fallbacks, to be called while
        the judge's probability stays below `accept_at` (the first step's threshold)."""
        scores, picks = self.score(queries), self.picks(queries)
        policies = self.policies(tradeoff)
        decisions = []
        for s, row, pick in zip(self.segment_of(queries), scores, picks, strict=True):
            chain = list(dict.fromkeys(self.chain_of(policies[s], pick)))
            decisions.append(Decision(chain[0], dict(zip(self.models_, row.tolist(),
                                                         strict=True)),
                                      tuple(chain[1:]), policies[s].thresholds[0]))
        return decisions

    def chain_of(self, policy: chains.Policy, pick: np.ndarray) -> list[str]:
        """The models a policy calls for one query (its routed steps resolved)."""
        return [self.models_[int(chains.columns_at(step, pick[None, :])[0])]
                for step in policy.chain]

    def _add(self, model: str, outcomes: Outcomes | None) -> None:
        raise ValueError("a learned-judge cascade learns its models together: refit it")

    def _remove(self, model: str, index: int) -> None:
        raise ValueError("a learned-judge cascade learns its models together: refit it")

    def learned(self) -> list[Learned]:
        figures = self.train_figures()
        top_cost = figures[0][2]
        notes = []
        for share in (1.0, 0.5, 0.25):  # quality first, then at a half and a quarter of it
            fitting = [f for f in figures if f[2] <= share * top_cost * (1 + 1e-9)]
            if not fitting:
                continue
            tradeoff, quality, cost = max(fitting, key=lambda f: (f[1], -f[2]))
            chained = "; ".join(f"{name}: {self._describe(policy)}" for name, policy in zip(
                self.segments_, self.policies(tradeoff), strict=True))
            notes.append(f"At {share:.0%} of the quality-first cost (training, out of fold: "
                         f"quality {quality:.3f}, ${cost * 1000:.3g} per 1k) — {chained}.")
        auc = f"{self.judge_auc_:.3f}" if self.judge_auc_ is not None else "n/a"
        return [Learned("Chains chosen on training folds",
                        note=" ".join(notes) + f" Judge AUC on held-out folds: {auc}.")]

    def _describe(self, policy: chains.Policy) -> str:
        steps = [f"the kNN prior's pick (λ {chains.ROUTED_AT[-1 - s]:g}× dearest)" if s < 0
                 else self.models_[s] for s in policy.chain]
        shown = [f"{step} (accept ≥ {t:.2f})" for step, t in zip(
            steps[:-1], policy.thresholds, strict=False)] + steps[-1:]
        return " → ".join(shown)
