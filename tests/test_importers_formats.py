"""Generic long / wide logs in CSV, TSV, Parquet, JSONL and JSON, and RouterBench pickles."""

from __future__ import annotations

import pandas as pd
import pytest

from app.data.importers import LongMapping, WideMapping, import_path
from app.data.importers.mapping import guess_long, guess_wide
from tests.conftest import write

LONG = pd.DataFrame({
    "query_id": ["q1", "q1", "q2", "q2"],
    "prompt": ["What is 2+2?", "What is 2+2?", "Capital of Peru?", "Capital of Peru?"],
    "model": ["small", "large", "small", "large"],
    "score": [0.0, 1.0, 1.0, 1.0],
    "cost_usd": [0.0001, 0.002, 0.0001, 0.002],
    "latency_s": [0.5, 1.5, 0.25, 2.0],
    "response": ["5", "4", "Lima", "Lima"],
    "task": ["math", "math", "geo", "geo"],
})


def _outcomes(store):
    return store.frame("""SELECT q.source_id, q.text, q.task, q.split, o.model, o.score,
                                 o.cost_usd, o.latency_ms, o.response
                          FROM outcomes o JOIN queries q USING (query_id)
                          ORDER BY q.source_id, o.model""")


@pytest.mark.parametrize("suffix", ["csv", "tsv", "parquet", "jsonl", "json"])
def test_long_logs_in_every_file_kind(store, tmp_path, suffix):
    path = tmp_path / f"log_train.{suffix}"
    {"csv": lambda p: LONG.to_csv(p, index=False),
     "tsv": lambda p: LONG.to_csv(p, index=False, sep="\t"),
     "parquet": lambda p: LONG.to_parquet(p),
     "jsonl": lambda p: LONG.to_json(p, orient="records", lines=True),
     "json": lambda p: LONG.to_json(p, orient="records")}[suffix](path)
    report = import_path(store, path)
    assert (report.format, report.queries, report.models, report.outcomes) == ("long", 2, 2, 4)
    got = _outcomes(store)
    assert got["score"].tolist() == [1.0, 0.0, 1.0, 1.0]
    assert got["latency_ms"].tolist() == pytest.approx([1500, 500, 2000, 250])  # seconds -> ms
    assert got["split"].unique().tolist() == ["train"]  # from the file name
    assert got.loc[got["model"] == "small", "response"].tolist() == ["5", "Lima"]


def test_missing_scores_are_skipped_and_reported(store, tmp_path):
    frame = LONG.copy()
    frame.loc[1, "score"] = float("nan")
    path = tmp_path / "gaps.parquet"
    frame.to_parquet(path)
    report = import_path(store, path)
    assert report.outcomes == 3
    assert any("1 (query, model) outcomes skipped" in n and "large: 1" in n for n in report.notes)


def test_wide_log_guessed_from_suffixes(store, tmp_path):
    path = write(tmp_path / "wide.csv",
                 "id,question,gpt-a,gpt-b,gpt-a_cost,gpt-b_cost,gpt-a_response,gpt-b_response\n"
                 "1,hello,1,0,0.1,0.01,hi,yo\n2,world,0,1,0.1,0.01,w,o\n")
    report = import_path(store, path)
    assert (report.format, report.queries, report.models) == ("wide", 2, 2)
    got = _outcomes(store)
    assert got[["source_id", "model", "score", "cost_usd", "response"]].values.tolist() == [
        ["1", "gpt-a", 1.0, 0.1, "hi"], ["1", "gpt-b", 0.0, 0.01, "yo"],
        ["2", "gpt-a", 0.0, 0.1, "w"], ["2", "gpt-b", 1.0, 0.01, "o"]]


def test_explicit_mappings_override_guesses(store, tmp_path):
    path = write(tmp_path / "odd.csv", "ask,who,ok,usd\nhi,m1,1,0.5\nhi,m2,0,0.25\n")
    report = import_path(store, path, fmt="long",
                         mapping=LongMapping(text="ask", model="who", score="ok", cost="usd"))
    assert report.outcomes == 2
    assert _outcomes(store)["cost_usd"].tolist() == [0.5, 0.25]
    wide = write(tmp_path / "odd_wide.csv", "ask,m1,m2,m1 price\nhi,1,0,0.3\n")
    report = import_path(store, wide, fmt="wide", mapping=WideMapping(
        text="ask", models=("m1", "m2"), cost_pattern="{model} price"))
    assert report.outcomes == 2


def test_guesses_from_column_names():
    long = guess_long(["Prompt", "Model", "Correct", "latency_ms", "eval_name"])
    assert (long.text, long.model, long.score, long.latency, long.latency_unit, long.task) == (
        "Prompt", "Model", "Correct", "latency_ms", "ms", "eval_name")
    assert guess_long(["prompt", "cost"]) is None
    wide = guess_wide(["prompt", "a", "b", "a|total_cost", "b|total_cost", "a|model_response"])
    assert wide.models == ("a", "b") and wide.cost_pattern == "{model}|total_cost"
    assert wide.response_pattern == "{model}|model_response"
    numeric = guess_wide(["prompt", "m1", "m2", "cost"], numeric=["m1", "m2", "cost"])
    assert numeric.models == ("m1", "m2")


def test_routerbench_pickle_with_list_prompts(store, tmp_path):
    frame = pd.DataFrame({
        "sample_id": ["s1", "s2"],
        "prompt": [["Example\nAnswer:\nA\n\nWhat now?\nAnswer:"], ["Plain 'quoted' prompt"]],
        "eval_name": ["arc", "mbpp"],
        "m1": [1.0, 0.0], "m2": [0.0, 1.0],
        "m1|total_cost": [0.1, 0.2], "m2|total_cost": [0.01, 0.02],
        "m1|model_response": [["A"], ["def f(): pass"]], "m2|model_response": [["B"], ["x"]],
    })
    path = tmp_path / "routerbench_0shot.pkl"
    frame.to_pickle(path)
    report = import_path(store, path)
    assert (report.format, report.queries, report.outcomes) == ("routerbench", 2, 4)
    rows = store.rows("SELECT source_id, text, embed_text FROM queries ORDER BY source_id")
    assert rows == [("s1", "Example\nAnswer:\nA\n\nWhat now?\nAnswer:", "What now?\nAnswer:"),
                    ("s2", "Plain 'quoted' prompt", "Plain 'quoted' prompt")]
    assert store.rows("SELECT response FROM outcomes WHERE model = 'm1' ORDER BY query_id")[0] == (
        "A",)


def test_conflicting_prompt_text_keeps_the_best_row_and_says_so(store, tmp_path):
    path = write(tmp_path / "c.csv", "query_id,prompt,model,score\nq1,first,a,1\nq1,second,b,0\n")
    report = import_path(store, path)
    assert report.queries == 1 and report.outcomes == 2
    assert any("different prompt text" in n for n in report.notes)


def test_a_multi_turn_prompt_is_embedded_by_its_user_turns(store, tmp_path):
    import json as _json

    from app.data.importers import import_path
    from tests.conftest import write
    chat = [{"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is the capital of Peru?"},
            {"role": "assistant", "content": "Lima."},
            {"role": "user", "content": "And of Chile?"}]
    rows = [{"prompt": _json.dumps(chat), "model": m, "score": s}
            for m, s in (("a", 1), ("b", 0))] + [
            {"prompt": "  plain text stays  ", "model": m, "score": 1} for m in ("a", "b")]
    path = write(tmp_path / "chat.jsonl", "\n".join(_json.dumps(r) for r in rows) + "\n")
    import_path(store, path, fmt="long")
    found = dict(store.rows("SELECT text, embed_text FROM queries"))
    assert found[_json.dumps(chat)] == "What is the capital of Peru?\n\nAnd of Chile?"
    assert found["plain text stays"] == "plain text stays"  # stored trimmed, as before
