"""Imports of the real public logs, checked against numbers computed here independently."""

from __future__ import annotations

import ast
import csv
import json
from collections import defaultdict

import pytest

from app.data.importers import import_path
from app.store import summary
from app.store.datasets import id_of

csv.field_size_limit(1 << 30)


def _routerbench_by_hand(folder):
    """Per model: {sample_id: (score, cost)} merged over rows that have the score."""
    cells: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            models = [c for c in reader.fieldnames if f"{c}|total_cost" in reader.fieldnames]
            for row in reader:
                for model in models:
                    if row[model] != "":
                        cells[model][row["sample_id"]] = (float(row[model]),
                                                          float(row[f"{model}|total_cost"]))
    return cells


def test_routerbench_subset_imports_every_prompt_and_model(store, routerbench_dir):
    report = import_path(store, routerbench_dir)
    assert (report.format, report.queries, report.models) == ("routerbench", 3164, 11)
    assert report.outcomes == 3164 * 11
    assert any("merged" in note for note in report.notes)  # the 14 split duplicate rows

    by_hand = _routerbench_by_hand(routerbench_dir)
    table = summary.model_summary(store, id_of(store, "routerbench_subset"))
    table = table.set_index("model")
    gpt4 = by_hand["gpt-4-1106-preview"]
    accuracy = sum(s for s, _ in gpt4.values()) / len(gpt4)
    cost = sum(c for _, c in gpt4.values()) / len(gpt4)
    assert accuracy == pytest.approx(0.88, abs=0.005)
    assert cost == pytest.approx(0.0050, abs=0.0001)
    assert table.loc["gpt-4-1106-preview", "mean_score"] == pytest.approx(accuracy)
    assert table.loc["gpt-4-1106-preview", "mean_cost_usd"] == pytest.approx(cost)
    for model, cells in by_hand.items():
        assert table.loc[model, "answered"] == len(cells) == 3164
        assert table.loc[model, "mean_score"] == pytest.approx(
            sum(s for s, _ in cells.values()) / len(cells))


def test_routerbench_prompts_decoded_and_question_kept_for_embedding(store, routerbench_dir):
    import_path(store, routerbench_dir)
    text, question, task, split = store.rows(
        "SELECT text, embed_text, task, split FROM queries WHERE source_id = ?",
        ["arc-challenge.test.1108"])[0]
    with (routerbench_dir / "arc_challenge_train.csv").open(newline="") as handle:
        original = next(r for r in csv.DictReader(handle)
                        if r["sample_id"] == "arc-challenge.test.1108")
    assert text == "\n\n".join(ast.literal_eval(original["prompt"]))
    assert question == text.split("\n\n")[-1].strip()
    assert question.startswith("Research is being conducted") and question.endswith("Answer:")
    assert (task, split) == ("arc-challenge", "train")
    mbpp_text, mbpp_question = store.rows(
        "SELECT text, embed_text FROM queries WHERE source_id = 'mbpp.dev.1'")[0]
    assert mbpp_text == mbpp_question == "Write a python function to identify non-prime numbers."
    response = store.rows("SELECT response FROM outcomes o JOIN queries q USING (query_id) "
                          "WHERE q.source_id = 'mbpp.dev.1' AND o.model = 'claude-v1'")[0][0]
    assert "\\n" not in response and "\n" in response and not response.startswith("['")


def test_routerbench_oracle_matches_hand_computation(store, routerbench_dir):
    import_path(store, routerbench_dir)
    by_hand = _routerbench_by_hand(routerbench_dir)
    ids = set(next(iter(by_hand.values())))
    total_score = total_cost = 0.0
    for sid in ids:
        cells = [(s, c, m) for m, per in by_hand.items() for (k, (s, c)) in [(sid, per[sid])]]
        best = max(s for s, _, _ in cells)
        total_score += best
        total_cost += min(c for s, c, _ in cells if s == best) if best > 0 else 0.0
    oracle = summary.oracle_summary(store, id_of(store, "routerbench_subset"))
    assert oracle["oracle_score"] == pytest.approx(total_score / len(ids))
    assert oracle["oracle_cost_usd"] == pytest.approx(total_cost / len(ids))


def test_llmrouter_imports_nine_models_and_fourteen_tasks(store, llmrouter_dir):
    report = import_path(store, llmrouter_dir)
    assert report.format == "llmrouter" and report.models == 9
    scores = [json.loads((llmrouter_dir / "dcrouter_preprocessed" / f"{s}.json").read_text())
              for s in ("train", "test")]
    rows = scores[0] + scores[1]
    assert report.queries == len(rows) == 6108
    assert report.outcomes == sum(len(r["scores"]) for r in rows)
    dataset = id_of(store, "llmrouter")
    tasks = store.rows("SELECT count(DISTINCT task), count(*) FILTER (WHERE task IS NULL) "
                       "FROM queries WHERE dataset_id = ?", [dataset])[0]
    assert tasks == (14, 0)
    table = summary.model_summary(store, dataset).set_index("model")
    for model in rows[0]["scores"]:
        expected = sum(r["scores"][model] for r in rows) / len(rows)
        assert table.loc[model, "mean_score"] == pytest.approx(expected)
    assert table["cost_estimated"].all()
    prices = json.loads((llmrouter_dir / "example_data/llm_candidates/default_llm.json")
                        .read_text())
    question = rows[0]["question"]
    cost = store.rows("""SELECT o.cost_usd FROM outcomes o JOIN queries q USING (query_id)
                         WHERE q.text = ? AND q.split = 'train' AND o.model = 'gemma-2-9b-it'""",
                      [question.strip()])[0][0]
    tokens = -(-len(question.strip()) // 4)
    assert cost == pytest.approx(tokens * prices["gemma-2-9b-it"]["input_price"] / 1e6)


def test_reimport_of_same_files_is_idempotent(store, routerbench_dir):
    first = import_path(store, routerbench_dir)
    again = import_path(store, routerbench_dir)
    assert not first.unchanged and again.unchanged
    assert store.rows("SELECT count(*) FROM outcomes")[0][0] == 3164 * 11
    assert store.rows("SELECT count(*) FROM datasets")[0][0] == 1
