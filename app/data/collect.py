"""Collect a query log: every prompt through every model, scored by its verifier.

Each answer is committed on its own as it arrives, so a crash or Ctrl-C loses nothing
already answered, and running the same collection again only asks the missing
(prompt, model) pairs. Failed calls are recorded in live_calls with their error and are
retried by the next run. With $ROUTELAB_RAY_ADDRESS set, the calls run as Ray tasks
(app/data/ray_collect.py) and their answers are committed here, in the driver, all the same.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from app.embed.ray_embed import ray_address
from app.models import llm
from app.models.judge import judge
from app.models.pool import ModelSpec, load_pool
from app.models.verifiers import VERIFIERS, Verdict, normalise, verify
from app.store.db import Store


class CollectProblem(ValueError):
    """A prompts file or a request the collector cannot run; the message says what to fix."""


@dataclass(frozen=True)
class PromptItem:
    id: str
    prompt: str
    task: str | None
    verifier: dict
    max_tokens: int | None = None


@dataclass
class CollectReport:
    dataset: str
    total: int = 0
    skipped: int = 0     # already answered before this run
    answered: int = 0
    failed: int = 0
    errors: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        text = (f"'{self.dataset}': {self.answered} new answers, {self.skipped} already "
                f"there, {self.failed} failed (of {self.total} prompt x model pairs).")
        if self.errors:
            text += " Errors: " + "; ".join(f"{m} ({n}x)" for m, n in self.errors.most_common(3))
        return text


Progress = Callable[[int, int, str], None]  # (done, total, last message)


def load_prompts(path: Path) -> tuple[list[PromptItem], dict[str, list[tuple[str, str]]]]:
    """Prompts (JSONL: id, prompt, task, verifier) and the few-shot examples beside them."""
    items, seen = [], set()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CollectProblem(f"{path}: cannot be read ({exc.strerror}).") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            item = PromptItem(id=str(row["id"]), prompt=str(row["prompt"]), task=row.get("task"),
                              verifier=dict(row.get("verifier") or {"type": "judge"}),
                              max_tokens=row.get("max_tokens"))
        except (ValueError, KeyError, TypeError) as exc:
            raise CollectProblem(
                f"{path}, line {number}: not a prompt record ({exc}). Each line needs JSON "
                "with 'id' and 'prompt' (and 'verifier').") from None
        kind = item.verifier.get("type")
        if kind not in VERIFIERS and kind != "judge":
            raise CollectProblem(f"{path}, line {number}: unknown verifier '{kind}'. Use one "
                                 f"of {sorted(VERIFIERS) + ['judge']}.")
        if item.id in seen:
            raise CollectProblem(f"{path}, line {number}: duplicate prompt id '{item.id}'.")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise CollectProblem(f"{path}: has no prompts.")
    examples_path = path.with_suffix(".examples.json")
    examples = json.loads(examples_path.read_text()) if examples_path.exists() else {}
    return items, {task: [tuple(pair) for pair in pairs] for task, pairs in examples.items()}


def collect(store: Store, prompts_path: Path, models: list[str], name: str, *,
            concurrency: int = 4, judge_model: str | None = None, kind: str = "live",
            limit: int | None = None, pool: dict[str, ModelSpec] | None = None,
            on_progress: Progress | None = None, stop: threading.Event | None = None
            ) -> CollectReport:
    """Ask every missing (prompt, model) pair; return what happened."""
    pool = pool or load_pool()
    unknown = [m for m in models + ([judge_model] if judge_model else []) if m not in pool]
    if unknown:
        raise CollectProblem(f"unknown models {unknown}; the pool has {sorted(pool)}.")
    items, examples = load_prompts(Path(prompts_path))
    items = items[:limit] if limit else items
    if any(i.verifier.get("type") == "judge" for i in items) and not judge_model:
        raise CollectProblem("some prompts need an LLM judge: pass --judge MODEL.")
    dataset_id, query_ids = _ensure_queries(store, name, kind, Path(prompts_path), items)
    done = {(q, m) for q, m in store.rows(
        "SELECT o.query_id, o.model FROM outcomes o JOIN queries q USING (query_id) "
        "WHERE q.dataset_id = ?", [dataset_id])}
    pending = [(item, model) for model in models for item in items
               if (query_ids[item.id], model) not in done]
    report = CollectReport(name, total=len(items) * len(models))
    report.skipped = report.total - len(pending)
    context = _Context(store, dataset_id, query_ids, examples,
                       pool[judge_model] if judge_model else None)
    tally = _tally(report, len(pending), on_progress)
    if ray_address():
        from app.data.ray_collect import run_on_ray  # imports ray: only when asked for

        run_on_ray(pending, pool, context, concurrency, tally, stop)
    else:
        _run(pending, pool, context, concurrency, tally, stop)
    return report


@dataclass
class _Context:
    store: Store
    dataset_id: int
    query_ids: dict[str, int]
    examples: dict[str, list[tuple[str, str]]]
    judge: ModelSpec | None


@dataclass(frozen=True)
class Answer:
    """One model's answer to one prompt, scored: plain data, so it can cross processes."""

    calls: list[llm.Call]
    verdicts: list[tuple[Verdict, llm.Call | None]]  # one per call, with the judge's call
    pick: int                                        # the majority sample

    @property
    def failed(self) -> llm.Call | None:
        return next((c for c in self.calls if not c.ok), None)


Tally = Callable[[bool, str], None]  # (ok, short message) of each finished answer


def _tally(report: CollectReport, total: int, on_progress: Progress | None) -> Tally:
    def count(ok: bool, message: str) -> None:
        if ok:
            report.answered += 1
        else:
            report.failed += 1
            report.errors[message] += 1
        if on_progress:
            on_progress(report.answered + report.failed, total, message)
    return count


def _run(pending, pool, context: _Context, concurrency: int, tally: Tally,
         stop: threading.Event | None) -> None:
    """Bounded concurrency; each finished answer is written at once."""
    stop = stop or threading.Event()
    work = iter(pending)
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as executor:
        running = set()
        try:
            while True:
                while len(running) < concurrency and not stop.is_set():
                    job = next(work, None)
                    if job is None:
                        break
                    running.add(executor.submit(_answer, job[0], pool[job[1]], context))
                if not running:
                    break
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    tally(*future.result())
        except BaseException:
            stop.set()  # Ctrl-C or a closed page: finish what runs, start nothing new
            for future in running:
                future.cancel()
            raise


def _answer(item: PromptItem, spec: ModelSpec, context: _Context) -> tuple[bool, str]:
    """Ask, score and commit one pair in this process; (ok, short message)."""
    return record(context, item, spec, ask(item, spec, examples_for(item, context),
                                           context.judge))


def examples_for(item: PromptItem, context: _Context) -> list[tuple[str, str]]:
    """The worked examples of the prompt's task (few-shot arms use them)."""
    return context.examples.get(item.task or "", [])


def ask(item: PromptItem, spec: ModelSpec, examples: list[tuple[str, str]],
        judge_spec: ModelSpec | None) -> Answer:
    """Ask one model (n samples) and score the answers. No store: it may run on any node."""
    calls = []
    for sample in range(spec.samples):
        call = llm.complete(_with_tokens(spec, item), item.prompt, examples=examples,
                            seed=sample if spec.samples > 1 else None)
        calls.append(call)
        if not call.ok:
            break
    failed = any(not c.ok for c in calls)
    verdicts = [] if failed else [_score(item, c.text, judge_spec) for c in calls]
    return Answer(calls, verdicts, _majority(verdicts) if verdicts else 0)


def record(context: _Context, item: PromptItem, spec: ModelSpec,
           answer: Answer) -> tuple[bool, str]:
    """Commit one answer through the store's single writer; (ok, short message)."""
    context.store.write(lambda cur: _record(cur, item, spec, context, answer))
    if answer.failed:
        return False, answer.failed.error.message
    return True, f"{spec.name} · {item.id}: {answer.verdicts[answer.pick][0].score:g}"


def _score(item: PromptItem, text: str,
           judge_spec: ModelSpec | None) -> tuple[Verdict, llm.Call | None]:
    if item.verifier.get("type") == "judge":
        return judge(judge_spec, item.prompt, str(item.verifier.get("reference", "")), text)
    return verify(text, item.verifier), None


def _majority(verdicts: list[tuple[Verdict, llm.Call | None]]) -> int:
    """Index of the sample whose extracted answer is most common (first on ties)."""
    keys = [normalise(v.extracted or "") for v, _ in verdicts]
    winner = Counter(keys).most_common(1)[0][0]
    return keys.index(winner)


def _record(cur, item, spec, context: _Context, answer: Answer) -> None:
    calls, verdicts, pick = answer.calls, answer.verdicts, answer.pick
    query_id = context.query_ids[item.id]
    judge_calls = [j for _, j in verdicts if j is not None]
    for call in calls + judge_calls:
        source = "judge" if call in judge_calls else "collect"
        cur.execute("""INSERT INTO live_calls (response_id, source, dataset_id, query_id, model,
                       prompt, response, latency_ms, tokens_in, tokens_out, cost_usd,
                       error_kind, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [call.response_id, source, context.dataset_id, query_id, call.model,
                     item.prompt, call.text, call.latency_ms, call.tokens_in, call.tokens_out,
                     call.cost_usd, call.error.kind if call.error else None,
                     call.error.message if call.error else None])
    if answer.failed:
        return
    costs = [c.cost_usd for c in calls]
    cur.execute("""INSERT INTO outcomes (query_id, model, score, cost_usd, cost_estimated,
                   latency_ms, tokens_in, tokens_out, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT DO NOTHING""",
                [query_id, spec.name, verdicts[pick][0].score,
                 None if None in costs else sum(costs), False,
                 sum(c.latency_ms for c in calls),
                 _total(c.tokens_in for c in calls), _total(c.tokens_out for c in calls),
                 calls[pick].text])


def _ensure_queries(store: Store, name: str, kind: str, path: Path,
                    items: list[PromptItem]) -> tuple[int, dict[str, int]]:
    """The dataset and one query row per prompt, created when missing."""
    def work(cur):
        found = cur.execute("SELECT dataset_id, kind FROM datasets WHERE name = ?",
                            [name]).fetchall()
        if found and found[0][1] not in ("live", "demo"):
            raise CollectProblem(f"'{name}' is an imported dataset; collect into another name.")
        if found:
            dataset_id = found[0][0]
        else:
            dataset_id = cur.execute(
                "INSERT INTO datasets (name, kind, format, source, content_hash) VALUES "
                "(?, ?, 'collected', ?, ?) RETURNING dataset_id",
                [name, kind, str(path), f"collected:{name}"]).fetchall()[0][0]
        existing = dict(cur.execute("SELECT source_id, query_id FROM queries WHERE "
                                    "dataset_id = ?", [dataset_id]).fetchall())
        rows = [[item.id, item.prompt, item.task, _reference(item.verifier),
                 item.verifier.get("type"), json.dumps(item.verifier)]
                for item in items if item.id not in existing]
        for row in rows:
            query_id = cur.execute(
                "INSERT INTO queries (query_id, dataset_id, source_id, text, embed_text, task, "
                "reference, metric, verifier) VALUES (nextval('query_ids'), ?, ?, ?, ?, ?, ?, "
                "?, ?) RETURNING query_id",
                [dataset_id, row[0], row[1], row[1], row[2], row[3], row[4], row[5]]
            ).fetchall()[0][0]
            existing[row[0]] = query_id
        return dataset_id, existing
    return store.write(work)


def _reference(verifier: dict) -> str | None:
    for key in ("reference", "pattern", "required", "tests"):
        if key in verifier:
            value = verifier[key]
            return value if isinstance(value, str) else json.dumps(value)
    return None


def _with_tokens(spec: ModelSpec, item: PromptItem) -> ModelSpec:
    """Code prompts need room for a function; the prompt may ask for more tokens."""
    if item.max_tokens and item.max_tokens > spec.max_tokens:
        return ModelSpec(**{**spec.__dict__, "max_tokens": int(item.max_tokens)})
    return spec


def _total(values) -> int | None:
    values = list(values)
    return None if None in values else sum(values)
