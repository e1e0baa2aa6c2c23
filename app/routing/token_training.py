"""Train the token router's policy (CITER) on a dataset's training prompts by rollouts on
the real models, and evaluate the kept policies on its test split.

A rollout answers one prompt with the live token router under one policy; its reward is
the prompt's verifier score of the finished answer minus λ times what every call cost
(routers/token_search.py chooses, per λ, between a threshold and a logistic policy by
held-out folds of the training prompts). Greedy continuations are deterministic, so each
state a rollout visits is called once and stored (token_continuations): policies that
decide alike share their calls, and a rerun after an interruption resumes. The kept
policies then answer every test prompt once; the Compare page draws them as a curve over
λ beside the routers trained on the same split. The policy never reads a reference: the
curve is deployable.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from app.models.continuation import Continuation, continue_text
from app.models.llm import Call
from app.models.pool import ModelSpec
from app.models.verifiers import verify
from app.routing.configs import split_rows
from app.routing.live.token_router import TokenRouter
from app.store import datasets
from app.store.db import Store
from routers.crossfit import text_folds
from routers.evaluate import Curve
from routers.token_policy import describe, policy_from_dict, policy_to_dict
from routers.token_search import DEFAULT_TRADEOFF, TRADEOFFS, Choice, Search, search

Progress = Callable[[str, float], None]
DEFAULT_SEARCH = Search()


class TokenTrainingProblem(ValueError):
    """Training or using a trained token policy cannot go on; the message says why."""


@dataclass(frozen=True)
class TokenPrompt:
    source_id: str
    text: str
    task: str | None
    verifier: dict


@dataclass(frozen=True)
class RouterShape:
    """The token router's settings a policy is trained and evaluated with."""

    small: str = "smollm2"
    large: str = "gemma3"
    span: int = 6
    chunk: int = 12
    max_tokens: int = 48


DEFAULT_SHAPE = RouterShape()


def split_prompts(store: Store, dataset: str) -> tuple[list[TokenPrompt], list[TokenPrompt]]:
    """(training prompts, test prompts) with verifiers, on the split every router of the
    app uses (configs.split_rows: by query text, seeded, stratified by task); test prompts
    are those every model answered, as on the Compare page."""
    dataset_id = datasets.id_of(store, dataset)
    if dataset_id is None:
        raise TokenTrainingProblem(f"no dataset named '{dataset}'")
    matrix = datasets.outcome_matrix(store, dataset_id)
    rows = store.rows("SELECT source_id, text, embed_text, task, verifier FROM queries "
                      "WHERE dataset_id = ? ORDER BY query_id", [dataset_id])
    train, test, _ = split_rows(matrix.splits, matrix.tasks, 0.3, 0, [r[2] for r in rows])
    complete = ~np.isnan(matrix.scores).any(axis=1)

    def prompts(indices) -> list[TokenPrompt]:
        return [TokenPrompt(rows[i][0], rows[i][1], rows[i][3], json.loads(rows[i][4]))
                for i in indices if rows[i][4]]
    train_prompts, test_prompts = prompts(train), prompts([i for i in test if complete[i]])
    if not train_prompts or len(test_prompts) < sum(complete[test]):
        raise TokenTrainingProblem(
            f"'{dataset}' has prompts without a verifier: a token policy is trained and "
            "scored by checking finished answers, so it needs a log whose prompts carry "
            "verifiers (the demo log, or one made by `routelab collect`)")
    return train_prompts, test_prompts


def stratified(prompts: list[TokenPrompt], n: int, seed: int = 0) -> list[TokenPrompt]:
    """n prompts taking tasks in turn (seeded), so every task is trained on."""
    by_task: dict[str | None, list[TokenPrompt]] = defaultdict(list)
    for prompt in prompts:
        by_task[prompt.task].append(prompt)
    rng = np.random.default_rng(seed)
    queues = [[by_task[t][i] for i in rng.permutation(len(by_task[t]))]
              for t in sorted(by_task, key=str)]
    chosen: list[TokenPrompt] = []
    while len(chosen) < min(n, len(prompts)):
        for queue in queues:
            if queue and len(chosen) < n:
                chosen.append(queue.pop(0))
    return chosen


class CachedContinuations:
    """continue_text with a memory in token_continuations: a state already called is read
    back with its recorded cost and latency; a failed call is never stored."""

    def __init__(self, store: Store, call=continue_text):
        self.store, self.call = store, call
        self.new_calls = 0

    def __call__(self, spec: ModelSpec, prompt: str, answer: str, *, max_tokens: int,
                 top: int) -> Continuation:
        key = [spec.name, _spec_key(spec), prompt, answer, int(max_tokens), int(top)]
        found = self.store.rows(
            "SELECT text, tokens, top_logprobs, finished, tokens_in, tokens_out, cost_usd, "
            "latency_ms FROM token_continuations WHERE model = ? AND spec_key = ? AND "
            "prompt = ? AND answer = ? AND max_tokens = ? AND top = ?", key)
        if found:
            text, tokens, tops, finished, t_in, t_out, cost, latency = found[0]
            return Continuation(Call(spec.name, text, latency, t_in, t_out, cost, "cached"),
                                json.loads(tokens), json.loads(tops), finished)
        step = self.call(spec, prompt, answer, max_tokens=max_tokens, top=top)
        if step.call.ok:
            self.new_calls += 1
            call = step.call
            self.store.write(lambda cur: cur.execute(
                "INSERT OR IGNORE INTO token_continuations VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*key, call.text, json.dumps(step.tokens), json.dumps(step.top_logprobs),
                 step.finished, call.tokens_in, call.tokens_out, call.cost_usd,
                 call.latency_ms]))
        return step


@dataclass(frozen=True)
class Rollout:
    score: float
    cost_usd: float
    latency_ms: float
    small_tokens: int
    large_tokens: int
    answer: str


def roll_out(pool: dict[str, ModelSpec], cache: CachedContinuations, shape: RouterShape,
             policy, prompt: TokenPrompt) -> Rollout:
    """Answer one prompt with the token router under `policy`; the verifier scores it."""
    router = TokenRouter(pool, small=shape.small, large=shape.large, span=shape.span,
                         chunk=shape.chunk, max_tokens=shape.max_tokens, learned=policy,
                         continuation=cache)
    result = router.run(prompt.text)
    failed = [s for s in result.steps if s.kind == "error"]
    if result.error or failed:
        raise TokenTrainingProblem(
            f"a model call failed on prompt '{prompt.source_id}': "
            f"{result.error or failed[0].text}. Is the local model server up? Run again: "
            "the calls made so far are kept.")
    score = _score(result.answer, json.dumps(prompt.verifier, sort_keys=True))
    tokens = {m: sum(s.tokens for s in result.spans if s.model == m)
              for m in (shape.small, shape.large)}
    return Rollout(score, result.cost_usd, result.latency_ms, tokens[shape.small],
                   tokens[shape.large], result.answer)


def train(store: Store, dataset: str, pool: dict[str, ModelSpec], *, prompts: int = 40,
          folds: int = 2, tradeoffs=TRADEOFFS, settings: Search = DEFAULT_SEARCH,
          shape: RouterShape = DEFAULT_SHAPE, progress: Progress | None = None
          ) -> list[Choice]:
    """Choose and store one policy per λ from rollouts on `prompts` training prompts
    (stratified by task); the dataset's earlier policies and their evaluation go."""
    say = progress or (lambda message, fraction: None)
    missing = [m for m in (shape.small, shape.large) if m not in pool]
    if missing:
        raise TokenTrainingProblem(f"not in the model pool: {', '.join(missing)}")
    chosen = stratified(split_prompts(store, dataset)[0], prompts)
    cache = CachedContinuations(store)
    split = text_folds([p.text for p in chosen], folds, settings.seed)
    # at most: policies that decide alike on every prompt are one rollout each
    total = settings.policies(len(tradeoffs), len(split))

    def rollout(policy, i: int) -> tuple[float, float]:
        done = roll_out(pool, cache, shape, policy, chosen[i])
        return done.score, done.cost_usd

    def tried(count: int) -> None:
        say(f"{count} policies rolled out on {len(chosen)} prompts (at most {total}; "
            f"{cache.new_calls} new model calls)", min(count / total, 0.99))

    choices = search(rollout, len(chosen), split, tradeoffs, settings, tried)
    recorded = json.dumps({**asdict(shape), **asdict(settings), "folds": len(split),
                           "prompts": [p.source_id for p in chosen]})

    def save(cur) -> None:
        cur.execute("DELETE FROM token_policies WHERE dataset = ?", [dataset])
        cur.execute("DELETE FROM token_evaluations WHERE dataset = ?", [dataset])
        for c in choices:
            cur.execute("INSERT INTO token_policies (dataset, tradeoff, family, policy, "
                        "train_reward, heldout, settings) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [dataset, c.tradeoff, c.family, json.dumps(policy_to_dict(c.policy)),
                         c.train_reward, json.dumps(c.heldout), recorded])
    store.write(save)
    say("Policies stored", 1.0)
    return choices


@dataclass(frozen=True)
class Trained:
    tradeoff: float
    family: str
    policy: object
    train_reward: float
    heldout: dict
    settings: dict


def trained(store: Store, dataset: str) -> list[Trained]:
    """The policies stored for a dataset, by λ."""
    return [Trained(lam, family, policy_from_dict(json.loads(policy)), reward,
                    json.loads(heldout), json.loads(recorded))
            for lam, family, policy, reward, heldout, recorded in store.rows(
                "SELECT tradeoff, family, policy, train_reward, heldout, settings FROM "
                "token_policies WHERE dataset = ? ORDER BY tradeoff", [dataset])]


def trained_datasets(store: Store) -> list[str]:
    return [d for (d,) in store.rows("SELECT DISTINCT dataset FROM token_policies ORDER BY 1")]


def trained_policy(store: Store, dataset: str, tradeoff: float):
    """The stored policy whose λ is nearest `tradeoff`, for the live router."""
    kept = trained(store, dataset)
    if not kept:
        raise TokenTrainingProblem(
            f"no token policy trained on '{dataset}': run `routelab token-train --dataset "
            f"{dataset}` (or set policy = threshold)")
    return min(kept, key=lambda t: abs(t.tradeoff - tradeoff)).policy


def evaluate(store: Store, dataset: str, pool: dict[str, ModelSpec], *,
             progress: Progress | None = None) -> int:
    """Answer every test prompt with each stored policy (once per distinct policy) and
    store the rows; returns how many new model calls it made."""
    say = progress or (lambda message, fraction: None)
    kept = trained(store, dataset)
    if not kept:
        raise TokenTrainingProblem(f"no token policy trained on '{dataset}' to evaluate")
    shape = RouterShape(**{k: kept[0].settings[k] for k in asdict(RouterShape())})
    test = split_prompts(store, dataset)[1]
    cache = CachedContinuations(store)
    done: dict[object, list[Rollout]] = {}
    distinct = list(dict.fromkeys(t.policy for t in kept))  # λs that kept the same policy
    for n, policy in enumerate(distinct):
        runs = []
        for i, prompt in enumerate(test):
            say(f"{describe(policy)}: test prompt {i + 1} of {len(test)} "
                f"({cache.new_calls} new model calls)", (n + i / len(test)) / len(distinct))
            runs.append(roll_out(pool, cache, shape, policy, prompt))
        done[policy] = runs

    def save(cur) -> None:
        cur.execute("DELETE FROM token_evaluations WHERE dataset = ?", [dataset])
        for t in kept:
            for prompt, run in zip(test, done[t.policy], strict=True):
                cur.execute("INSERT INTO token_evaluations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [dataset, t.tradeoff, prompt.source_id, run.score, run.cost_usd,
                             run.latency_ms, run.small_tokens, run.large_tokens, run.answer])
    store.write(save)
    say("Test answers stored", 1.0)
    return cache.new_calls


def summary(store: Store, dataset: str) -> list[dict]:
    """One row per stored λ: the kept policy, what chose it, and its test figures."""
    tested = {lam: (n, acc, cost, small, large) for lam, n, acc, cost, small, large in
              store.rows("SELECT tradeoff, count(*), avg(score), avg(cost_usd), "
                         "sum(small_tokens), sum(large_tokens) FROM token_evaluations "
                         "WHERE dataset = ? GROUP BY tradeoff", [dataset])}
    rows = []
    for t in trained(store, dataset):
        n, accuracy, cost, small, large = tested.get(t.tradeoff, (0, None, None, 0, 0))
        rows.append({"λ": t.tradeoff, "family": t.family, "policy": describe(t.policy),
                     "training reward": t.train_reward,
                     "held-out reward (threshold)": t.heldout.get("threshold"),
                     "held-out reward (logistic)": t.heldout.get("logistic"),
                     "test prompts": n, "test accuracy": accuracy,
                     "USD per 1k queries": None if cost is None else cost * 1000,
                     "large-model tokens": (large / (small + large)) if small + large
                     else None})
    return rows


TOKEN_CURVE = "token-router (trained, over λ)"


def token_curve(store: Store, dataset: str, source_ids: list[str]
                ) -> tuple[Curve | None, str]:
    """The stored test evaluation as a curve over λ on exactly `source_ids` (the Compare
    page's test queries, in its order), and a note: the share of tokens the large model
    wrote at each λ, or why there is no curve."""
    rows = store.rows("SELECT tradeoff, source_id, score, cost_usd, small_tokens, "
                      "large_tokens FROM token_evaluations WHERE dataset = ?", [dataset])
    if not rows:
        return None, ""
    table: dict[float, dict[str, tuple]] = defaultdict(dict)
    for lam, source, score, cost, small, large in rows:
        table[lam][source] = (score, cost, small, large)
    tradeoffs = sorted(table)
    if any(s not in table[lam] for lam in tradeoffs for s in source_ids):
        return None, (f"The trained token router's test answers do not cover these "
                      f"{len(source_ids):,} test queries; run `routelab token-train "
                      f"--dataset {dataset}` again.")
    values = np.array([[table[lam][s] for s in source_ids] for lam in tradeoffs], float)
    shares = values[:, :, 3].sum(axis=1) / np.maximum(values[:, :, 2:].sum(axis=(1, 2)), 1)
    curve = Curve(TOKEN_CURVE, np.array(tradeoffs), values[:, :, 0], values[:, :, 1],
                  headline=int(np.argmin([abs(lam - DEFAULT_TRADEOFF) for lam in tradeoffs])))
    note = ("Token router (trained): tokens written by the large model, by λ: "
            + ", ".join(f"λ={lam:g}: {share:.0%}"
                        for lam, share in zip(tradeoffs, shares, strict=True))
            + ". Its policy per λ was chosen on training prompts by held-out folds "
            "(`routelab token-train`); the test answers were generated once.")
    return curve, note


@lru_cache(maxsize=65536)
def _score(answer: str, verifier: str) -> float:
    """The verifier's score, once per (answer, verifier): policies that decide alike write
    the same answer, and a code verifier runs a subprocess."""
    return float(verify(answer, json.loads(verifier)).score) if answer else 0.0


def _spec_key(spec: ModelSpec) -> str:
    shape = [spec.litellm_model, spec.kind, spec.prompt_style]
    return hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:16]
