"""Importing a gateway's traffic log (`--format litellm-log`): one query per successful call
with the chosen model's real cost and latency and no score; failures counted and kept;
repeated ids once; every bad line refused by file, line and field with nothing written."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.data.importers import ImportProblem, import_path
from app.data.importers.pricing import Price
from tests.conftest import snapshot
from tests.traffic_logs import call, failure, write_log

MODELS = ("small", "mid", "big")


def _mixed(tmp_path):
    """Twelve calls over three models: two failures, and line 13 repeating call 0's id."""
    calls = [failure(i, MODELS[i % 3]) if i in (4, 9) else call(i, MODELS[i % 3])
             for i in range(12)]
    repeat = call(0, "big", response="a different answer")
    return write_log(tmp_path / "traffic.jsonl", calls + [repeat]), calls


def test_one_query_per_successful_call_with_real_cost_and_latency(store, tmp_path):
    path, calls = _mixed(tmp_path)
    report = import_path(store, path, fmt="litellm-log")
    assert (report.format, report.queries, report.models, report.outcomes) == (
        "litellm-log", 10, 3, 10)
    rows = store.rows("""SELECT q.source_id, q.text, o.model, o.score, o.score_original,
                                o.cost_usd, o.latency_ms, o.tokens_in, o.tokens_out, o.response
                         FROM outcomes o JOIN queries q USING (query_id) ORDER BY q.query_id""")
    kept = [c for c in calls if c["status"] == "success"]
    assert [r[0] for r in rows] == [c["id"] for c in kept]
    for row, logged in zip(rows, kept, strict=True):
        assert row[1:3] == (logged["prompt"], logged["model"])
        assert row[3] is None and row[4] is None  # unknown until labelled
        assert row[5] == pytest.approx(logged["cost_usd"])
        assert row[6] == pytest.approx(logged["latency_s"] * 1000)
        assert row[7:] == (logged["prompt_tokens"], logged["completion_tokens"],
                           logged["response"])
    assert rows[0][9] == "The answer is 0."  # the first of two lines with its id
    notes = " ".join(report.notes)
    assert "2 of 12 calls failed" in notes and "litellm.Timeout" in notes
    assert "Skipped 1 line(s)" in notes


def test_every_call_keeps_its_routing_record_and_failures_their_error(store, tmp_path):
    path, calls = _mixed(tmp_path)
    import_path(store, path)  # detected from the schema field
    assert store.rows("SELECT format FROM datasets")[0][0] == "litellm-log"
    rows = store.rows("""SELECT call_id, query_id IS NULL, started_at, router, model,
                                propensity, scores, fallback, status, error
                         FROM routed_calls ORDER BY line""")
    assert len(rows) == 12
    failed = [r for r in rows if r[8] == "failure"]
    assert [r[0] for r in failed] == ["chatcmpl-4", "chatcmpl-9"]
    assert all(r[1] and r[9] == "litellm.Timeout: request timed out" for r in failed)
    assert rows[1][2].isoformat() == "2026-11-28T00:40:00"  # UTC, as logged
    assert rows[1][3:8] == ("prod", "mid", 1.0, json.dumps({"big": 0.6, "small": 0.4}), False)


def test_times_with_an_offset_are_stored_in_utc(store, tmp_path):
    path = write_log(tmp_path / "t.jsonl", [call(0, "big", time="2026-11-28T04:30:00+02:00")])
    import_path(store, path)
    assert str(store.rows("SELECT started_at FROM routed_calls")[0][0]) == "2026-11-28 02:30:00"


def test_same_content_again_changes_nothing_and_replace_swaps_the_calls(store, tmp_path):
    path, _ = _mixed(tmp_path)
    import_path(store, path, name="t")
    assert import_path(store, path, name="t").unchanged
    write_log(path, [call(i, "big") for i in range(3)])
    report = import_path(store, path, name="t", replace=True)
    assert report.replaced and report.queries == 3
    assert store.rows("SELECT count(*) FROM routed_calls")[0][0] == 3
    assert store.rows("SELECT count(*) FROM outcomes")[0][0] == 3


def test_a_call_without_user_text_is_counted_not_a_query(store, tmp_path):
    path = write_log(tmp_path / "t.jsonl", [call(0, "big"), call(1, "small", prompt="")])
    report = import_path(store, path)
    assert report.queries == 1 and "1 successful calls had no user text" in report.notes[0]
    assert store.rows("SELECT count(*), count(query_id) FROM routed_calls")[0] == (2, 1)


def test_a_call_without_cost_gets_an_estimated_one_where_a_price_is_known(store, tmp_path):
    path = write_log(tmp_path / "t.jsonl", [call(0, "big", cost_usd=None, prompt_tokens=1000,
                                                 completion_tokens=500)])
    import_path(store, path, given_prices={"big": Price(2.0, 8.0, "your price")})
    cost, estimated = store.rows("SELECT cost_usd, cost_estimated FROM outcomes")[0]
    assert cost == pytest.approx((1000 * 2.0 + 500 * 8.0) / 1e6) and estimated


def _refused(store, path, **kwargs) -> ImportProblem:
    before = snapshot(store), store.rows("SELECT count(*) FROM routed_calls")
    with pytest.raises(ImportProblem) as caught:
        import_path(store, path, **kwargs)
    assert (snapshot(store), store.rows("SELECT count(*) FROM routed_calls")) == before, \
        "a refused import changed the database"
    return caught.value


def _without(field: str) -> dict:
    line = call(2, "big")
    del line[field]
    return line


@pytest.mark.parametrize(("bad", "field", "said"), [
    (_without("latency_s"), "latency_s", "the field is missing"),
    (_without("model"), "model", "the field is missing"),
    (call(2, "big", propensity="high"), "propensity", '"high" (a string) is not a number'),
    (call(2, "big", propensity=0), "propensity", "is not a number in (0, 1]"),
    (call(2, "big", latency_s=-1), "latency_s", "is not a number >= 0"),
    (call(2, "big", fallback="no"), "fallback", "is not true or false"),
    (call(2, "big", scores=[0.4, 0.6]), "scores", "is not an object of {model: number}"),
    (call(2, "big", prompt_tokens=1.5), "prompt_tokens", "is not a whole number"),
    (call(2, "big", time="yesterday"), "time", "is not an ISO 8601 time"),
    (call(2, "big", status="ok"), "status", "is not 'success' or 'failure'"),
    (call(2, "big", schema="routelab-traffic/2"), "schema", "is not one this routelab reads"),
])
def test_a_bad_line_names_file_line_and_field_and_writes_nothing(store, tmp_path, bad,
                                                                 field, said):
    import_path(store, write_log(tmp_path / "earlier.jsonl", [call(0, "big")]))
    path = write_log(tmp_path / "bad.jsonl", [call(0, "small"), call(1, "big"), bad])
    for fmt in ("auto", "litellm-log"):
        problem = _refused(store, path, fmt=fmt)
        assert (problem.file, problem.line, problem.field) == ("bad.jsonl", 3, field)
        assert f"bad.jsonl, line 3, field '{field}'" in str(problem) and said in str(problem)


def test_a_line_that_is_not_json_is_named(store, tmp_path):
    path = write_log(tmp_path / "cut.jsonl", [call(0, "big")], raw_lines=('{"schema": "rou',))
    problem = _refused(store, path)
    assert problem.line == 2 and "is not valid JSON" in str(problem)


def test_a_log_of_failures_only_or_with_a_score_scale_is_refused(store, tmp_path):
    failures = write_log(tmp_path / "down.jsonl", [failure(0, "big"), failure(1, "small")])
    assert "no successful call" in str(_refused(store, failures))
    good = write_log(tmp_path / "good.jsonl", [call(0, "big")])
    assert "score scale does not apply" in str(_refused(store, good, score_scale="1-10"))


def test_a_table_imported_as_a_traffic_log_says_what_is_wrong(store, tmp_path):
    table = tmp_path / "long.jsonl"
    table.write_text('{"prompt": "hi", "model": "a", "score": 1}\n', encoding="utf-8")
    problem = _refused(store, table, fmt="litellm-log")
    assert (problem.line, problem.field) == (1, "schema")


def test_the_cli_imports_a_traffic_log_and_reports_a_bad_one(tmp_path, capsys):
    db = str(tmp_path / "cli.duckdb")
    path, _ = _mixed(tmp_path)
    assert main(["--db", db, "import", str(path), "--format", "litellm-log"]) == 0
    out = capsys.readouterr().out
    assert "(litellm-log): 10 queries, 3 models, 10 outcomes" in out and "failed" in out
    bad = write_log(tmp_path / "bad.jsonl", [call(0, "big", latency_s="slow")])
    assert main(["--db", db, "import", str(bad), "--format", "litellm-log"]) == 2
    assert "bad.jsonl, line 1, field 'latency_s'" in capsys.readouterr().err
