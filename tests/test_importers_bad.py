"""Every kind of bad input gets one clear message and leaves the database untouched."""

from __future__ import annotations

import pytest

from app.data.importers import ImportProblem, LongMapping, import_path
from tests.conftest import snapshot, write

GOOD = "prompt,model,score,cost\nWhat is 2+2?,a,1,0.001\nWhat is 2+2?,b,0,0.0001\n"


@pytest.fixture
def seeded(store, tmp_path):
    """A store that already holds one dataset, so 'unchanged' is a real claim."""
    import_path(store, write(tmp_path / "seed.csv", GOOD))
    return store


def _refused(store, path, **kwargs) -> ImportProblem:
    before = snapshot(store)
    with pytest.raises(ImportProblem) as caught:
        import_path(store, path, **kwargs)
    assert snapshot(store) == before, "a failed import changed the database"
    assert "Traceback" not in str(caught.value)
    return caught.value


def test_missing_column_is_named(seeded, tmp_path):
    path = write(tmp_path / "no_score.csv", "prompt,model,cost\nhi,a,0.1\n")
    problem = _refused(seeded, path)
    assert "no_score.csv" in str(problem) and "score" in str(problem)


def test_missing_mapped_column_names_the_column(seeded, tmp_path):
    path = write(tmp_path / "log.csv", GOOD)
    mapping = LongMapping(text="prompt", model="model", score="quality")
    problem = _refused(seeded, path, fmt="long", mapping=mapping)
    assert problem.column == "quality" and "Columns found: prompt, model, score, cost" in str(
        problem)


def test_non_numeric_score_names_file_row_and_column(seeded, tmp_path):
    path = write(tmp_path / "bad_score.csv",
                 GOOD + "Capital of France?,a,1,0.001\nCapital of France?,b,abc,0.0001\n")
    problem = _refused(seeded, path)
    assert (problem.file, problem.row, problem.column) == ("bad_score.csv", 4, "score")
    assert "'abc' is not a number" in str(problem) and "Capital of France?" in str(problem)


def test_negative_cost_is_refused(seeded, tmp_path):
    path = write(tmp_path / "neg.csv", "prompt,model,score,cost\nhi,a,1,0.001\nhi,b,0,-0.5\n")
    problem = _refused(seeded, path)
    assert (problem.row, problem.column) == (2, "cost") and "-0.5" in str(problem)


def test_duplicate_query_model_pair_names_both_rows(seeded, tmp_path):
    path = write(tmp_path / "dup.csv",
                 "prompt,model,score\nhi,a,1\nho,a,0\nhi,b,1\nhi,a,0\n")
    problem = _refused(seeded, path)
    assert "rows 1 and 4" in str(problem) and "'hi'" in str(problem) and "'a'" in str(problem)


def test_wide_duplicate_query_ids_with_two_scores_are_refused(seeded, tmp_path):
    path = write(tmp_path / "wide_dup.csv",
                 "sample_id,prompt,m1,m1|total_cost\nq1,hi,1,0.1\nq1,hi,0,0.1\n")
    problem = _refused(seeded, path)
    assert "rows 1 and 2" in str(problem)


@pytest.mark.parametrize("text", ["", "prompt,model,score,cost\n"])
def test_empty_file_is_refused(seeded, tmp_path, text):
    problem = _refused(seeded, write(tmp_path / "empty.csv", text))
    assert "empty" in str(problem) or "no data rows" in str(problem)


def test_wrong_format_flag_says_what_was_expected(seeded, tmp_path):
    path = write(tmp_path / "log.csv", GOOD)
    problem = _refused(seeded, path, fmt="routerbench")
    assert "RouterBench" in str(problem) and "--format" in str(problem)
    problem = _refused(seeded, path, fmt="llmrouter")
    assert "not LLMRouter data" in str(problem)
    problem = _refused(seeded, path, fmt="csv")
    assert "not a known format" in str(problem)


def test_an_llmrouter_score_without_a_model_name_is_refused(seeded, tmp_path):
    """Found by the fuzz test: an empty key in "scores" made DuckDB fail on its JSON path."""
    path = write(tmp_path / "scores.json", '[{"question": "q1", "scores": {"m1": 1.0}}, '
                 '{"question": "q2", "scores": {"": 1.0, "m2": 0.0}}]')
    problem = _refused(seeded, path)
    assert "scores.json, row 2" in str(problem) and "empty model name" in str(problem)


@pytest.mark.parametrize("name,text", [
    ("cut.csv", GOOD + '"What is 3+3?,a,1,0.0'),
    ("cut.jsonl", '{"prompt": "hi", "model": "a", "score": 1}\n{"prompt": "hi", "mod'),
    ("cut.json", '[{"prompt": "hi", "model": "a", "score": 1}, {"prompt": '),
    ("cut.parquet", "PAR1 this is not parquet"),
])
def test_truncated_files_are_refused(seeded, tmp_path, name, text):
    problem = _refused(seeded, write(tmp_path / name, text))
    assert name in str(problem) and "could not be read" in str(problem)


def test_truncated_routerbench_csv_is_refused(seeded, tmp_path, routerbench_dir):
    data = (routerbench_dir / "mbpp_test.csv").read_bytes()
    path = tmp_path / "mbpp_test.csv"
    path.write_bytes(data[: len(data) // 2])
    _refused(seeded, path)


def test_changed_file_needs_replace_then_replaces(seeded, tmp_path):
    path = write(tmp_path / "seed.csv", GOOD + "New one?,a,1,0.002\n")
    problem = _refused(seeded, path)
    assert "--replace" in str(problem)
    report = import_path(seeded, path, replace=True)
    assert report.replaced and report.queries == 2
    assert seeded.rows("SELECT count(*) FROM queries")[0][0] == 2


def test_size_limit_refuses_large_files(seeded, tmp_path, monkeypatch):
    monkeypatch.setenv("ROUTELAB_MAX_IMPORT_MB", "0.00001")
    problem = _refused(seeded, write(tmp_path / "big.csv", GOOD))
    assert "over the import limit" in str(problem) and "ROUTELAB_MAX_IMPORT_MB" in str(problem)


def test_bad_names_and_missing_paths(seeded, tmp_path):
    assert "does not exist" in str(_refused(seeded, tmp_path / "nope.csv"))
    assert "dataset name" in str(_refused(seeded, write(tmp_path / "a.csv", GOOD), name=" "))


def test_sql_in_a_dataset_name_is_just_a_name(seeded, tmp_path):
    name = "x'); DROP TABLE outcomes; --"
    report = import_path(seeded, write(tmp_path / "a.csv", GOOD), name=name)
    assert report.dataset == name
    assert seeded.rows("SELECT count(*) FROM datasets WHERE name = ?", [name])[0][0] == 1
    assert seeded.rows("SELECT count(*) FROM outcomes")[0][0] == 4
