"""The committed demo data: one prompt per text, and logs that cover exactly that set."""

from __future__ import annotations

import json
from collections import Counter

from app.data.demo.log import DEMO_LOG, DEMO_MODELS, DEMO_PROBES, DEMO_PROMPTS
from app.data.demo.prompts import build


def _rows(path):
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def test_the_prompt_set_is_built_from_its_source_with_no_repeated_text():
    prompts = _rows(DEMO_PROMPTS)
    assert [p["prompt"] for p in prompts] == [p["prompt"] for p in build()]
    texts = Counter(" ".join(p["prompt"].lower().split()) for p in prompts)
    assert texts.most_common(1)[0][1] == 1  # no twin can straddle the train/test split


def test_the_logs_cover_every_prompt_once_per_model():
    ids = {p["id"] for p in _rows(DEMO_PROMPTS)}
    for path, models in ((DEMO_LOG, set(DEMO_MODELS)),
                         (DEMO_PROBES, {f"smollm2-probe{i}" for i in (1, 2, 3)})):
        rows = _rows(path)
        pairs = Counter((r["prompt_id"], r["model"]) for r in rows)
        assert {p for p, _ in pairs} == ids and {m for _, m in pairs} == models
        assert set(pairs.values()) == {1} and len(pairs) == len(ids) * len(models)
