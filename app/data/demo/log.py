"""The built-in demo log: exported from a collection, loaded on first start."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from app import settings
from app.data.importers import LongMapping, import_path
from app.store.datasets import id_of
from app.store.db import Store

DEMO_DIR = settings.REPO_ROOT / "data" / "demo"
DEMO_LOG = DEMO_DIR / "demo_log.jsonl"
DEMO_PROMPTS = DEMO_DIR / "prompts.jsonl"
DEMO_PROBES = DEMO_DIR / "probes_log.jsonl"
DEMO_NAME = "demo"
PROBES_NAME = "demo-probes"
DEMO_MODELS = ("smollm2", "smollm2-fewshot", "gemma3", "gemma3-vote3")

LOG_MAPPING = LongMapping(text="prompt", model="model", score="score", id="prompt_id",
                          cost="cost_usd", latency="latency_ms", tokens_in="tokens_in",
                          tokens_out="tokens_out", response="response", task="task",
                          reference="reference", verifier="verifier")


def export_log(store: Store, dataset: str, path: Path) -> int:
    """Write a collected dataset as a long JSONL log (one line per prompt and model)."""
    dataset_id = id_of(store, dataset)
    if dataset_id is None:
        raise ValueError(f"no dataset named '{dataset}'")
    path.parent.mkdir(parents=True, exist_ok=True)
    with store.cursor() as cur:
        cur.execute(f"""COPY (
            SELECT q.source_id AS prompt_id, q.task, q.text AS prompt, q.reference, q.verifier,
                   o.model, o.score, o.cost_usd, round(o.latency_ms, 1) AS latency_ms,
                   o.tokens_in, o.tokens_out, o.response
            FROM queries q JOIN outcomes o USING (query_id)
            WHERE q.dataset_id = {int(dataset_id)}
            ORDER BY q.query_id, o.model) TO '{_sql_path(path)}' (FORMAT json)""")
        return cur.execute("SELECT count(*) FROM read_json(?)", [str(path)]).fetchall()[0][0]


def ensure_demo(store: Store) -> str | None:
    """Load the committed demo log once (idempotent); the dataset name, or None if absent."""
    if not DEMO_LOG.exists() or not settings.demo_enabled():
        return None
    if store.rows("SELECT 1 FROM datasets WHERE kind = 'demo'"):
        return DEMO_NAME
    import_path(store, DEMO_LOG, fmt="long", name=DEMO_NAME, mapping=LOG_MAPPING,
                kind="demo", source="data/demo/demo_log.jsonl (built-in demo)")
    if DEMO_PROBES.exists():  # samples for self-consistency routing, evaluated offline
        import_path(store, DEMO_PROBES, fmt="long", name=PROBES_NAME, mapping=LOG_MAPPING,
                    kind="demo", source="data/demo/probes_log.jsonl (built-in demo probes)")
    return DEMO_NAME


@lru_cache(maxsize=1)
def demo_prompts() -> dict[str, dict]:
    """The demo prompt set by prompt text (for verifiers of prompts typed or picked live)."""
    if not DEMO_PROMPTS.exists():
        return {}
    rows = [json.loads(line) for line in DEMO_PROMPTS.open(encoding="utf-8") if line.strip()]
    return {r["prompt"]: r for r in rows}


def _sql_path(path: Path) -> str:
    return str(path.resolve()).replace("'", "''")
