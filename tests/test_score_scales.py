"""Score scales: 0/1, 0-1 and graded scales detected or declared, stored normalised to 0-1
with the original kept, and values a scale cannot hold refused with row and column."""

from __future__ import annotations

import pytest

from app.data.importers import ImportProblem, import_path
from app.data.importers.scales import ScoreScale, detect, parse_scale
from tests.conftest import snapshot, write


def _stored(store, name: str) -> list[tuple]:
    return store.rows("""SELECT q.text, o.model, o.score, o.score_original, d.score_scale
                         FROM outcomes o JOIN queries q USING (query_id)
                         JOIN datasets d USING (dataset_id)
                         WHERE d.name = ? ORDER BY q.text, o.model""", [name])


def _refused(store, path, **kwargs) -> ImportProblem:
    before = snapshot(store)
    with pytest.raises(ImportProblem) as caught:
        import_path(store, path, **kwargs)
    assert snapshot(store) == before, "a refused import changed the database"
    return caught.value


def test_a_1_to_10_judge_scale_is_detected_normalised_and_kept(store, tmp_path):
    path = write(tmp_path / "judged.csv", "prompt,model,score\nq1,a,7\nq1,b,1\n"
                 "q2,a,10\nq2,b,4\n")
    report = import_path(store, path)
    assert any("1-10 scale (detected)" in n and "normalised" in n and "original" in n
               for n in report.notes)
    assert _stored(store, "judged") == [
        ("q1", "a", pytest.approx(6 / 9), 7.0, "1-10"), ("q1", "b", 0.0, 1.0, "1-10"),
        ("q2", "a", 1.0, 10.0, "1-10"), ("q2", "b", pytest.approx(3 / 9), 4.0, "1-10")]


@pytest.mark.parametrize(("scores", "label"), [
    (("1", "0", "0", "1"), "0/1"), (("0.25", "1", "0", "0.5"), "0-1"),
    (("3", "5", "1", "2"), "1-5"), (("0", "55", "100", "20"), "0-100")])
def test_usual_scales_are_detected(store, tmp_path, scores, label):
    rows = "".join(f"q{i // 2},{'ab'[i % 2]},{s}\n" for i, s in enumerate(scores))
    report = import_path(store, write(tmp_path / "log.csv", "prompt,model,score\n" + rows))
    stored = _stored(store, "log")
    assert {row[4] for row in stored} == {label}
    assert all(0.0 <= row[2] <= 1.0 for row in stored)
    assert sorted(row[3] for row in stored) == sorted(float(s) for s in scores)
    assert any(f"{label} scale (detected)" in n for n in report.notes)


def test_a_wide_log_on_a_1_to_5_scale_normalises_every_model(store, tmp_path):
    path = write(tmp_path / "wide.csv", "id,question,gpt-a,gpt-b\n1,hi,5,2\n2,yo,1,4\n")
    import_path(store, path)
    assert [(r[1], r[2], r[3]) for r in _stored(store, "wide")] == [
        ("gpt-a", 1.0, 5.0), ("gpt-b", 0.25, 2.0), ("gpt-a", 0.0, 1.0), ("gpt-b", 0.75, 4.0)]


def test_a_declared_scale_rejects_a_value_outside_it(store, tmp_path):
    path = write(tmp_path / "declared.csv", "prompt,model,score\nq1,a,4\nq1,b,9\nq2,a,2\n")
    problem = _refused(store, path, score_scale="1-5")
    assert problem.row == 2 and problem.column == "score"
    assert "declared.csv" in str(problem) and "'9'" in str(problem)
    assert "outside the declared 1-5 scale" in str(problem) and "--score-scale" in str(problem)


def test_a_declared_scale_is_used_and_is_part_of_the_fingerprint(store, tmp_path):
    path = write(tmp_path / "graded.csv", "prompt,model,score\nq1,a,4\nq1,b,6\n")
    import_path(store, path)
    assert {r[4] for r in _stored(store, "graded")} == {"1-10"}
    report = import_path(store, path, score_scale="0-7", replace=True)
    assert not report.unchanged and report.replaced
    assert any("0-7 scale (declared)" in n for n in report.notes)
    assert [(r[2], r[3], r[4]) for r in _stored(store, "graded")] == [
        (pytest.approx(4 / 7), 4.0, "0-7"), (pytest.approx(6 / 7), 6.0, "0-7")]


def test_a_declared_binary_scale_rejects_fractions(store, tmp_path):
    path = write(tmp_path / "bin.csv", "prompt,model,score\nq1,a,1\nq1,b,0.5\n")
    problem = _refused(store, path, score_scale="0/1")
    assert problem.row == 2 and "0/1" in str(problem)


def test_no_usual_scale_asks_the_user_to_declare_one(store, tmp_path):
    path = write(tmp_path / "odd.csv", "prompt,model,score\nq1,a,0.5\nq1,b,3.5\nq2,a,1\n")
    problem = _refused(store, path)
    assert problem.row == 2 and problem.column == "score"
    assert "no usual score scale fits" in str(problem) and "Declare the scale" in str(problem)
    negative = write(tmp_path / "neg.csv", "prompt,model,score\nq1,a,2\nq1,b,-1\n")
    assert "'-1'" in str(_refused(store, negative))
    huge = write(tmp_path / "huge.csv", "prompt,model,score\nq1,a,2\nq1,b,700\n")
    assert "'700'" in str(_refused(store, huge))
    import_path(store, huge, score_scale="0-1000")  # declared, it imports


def test_unreadable_declarations_are_refused(store, tmp_path):
    path = write(tmp_path / "ok.csv", "prompt,model,score\nq1,a,1\n")
    for text in ("ten", "10-1", "5-5"):
        assert "LOW-HIGH" in str(_refused(store, path, score_scale=text))


def test_scale_parsing_and_detection():
    assert parse_scale("auto") is None and parse_scale(None) is None
    assert parse_scale("1-10") == ScoreScale(1.0, 10.0)
    assert parse_scale(" 0 to 100 ") == ScoreScale(0.0, 100.0)
    assert parse_scale("0/1").label == "0/1"
    assert detect(1, 7, False, True).label == "1-10"
    assert detect(0, 7, False, True).label == "0-10"
    assert detect(0.2, 7.5, False, False) is None
    assert ScoreScale(1.0, 10.0).normalise_sql("s") == "((s) - 1.0) / 9.0"


def test_collected_outcomes_still_write_without_a_scale(store):
    """Live collection inserts 0-1 scores without score_original; that stays valid."""
    store.write(lambda cur: cur.execute(
        "INSERT INTO outcomes (query_id, model, score) VALUES (1, 'm', 0.5)"))
    assert store.rows("SELECT score, coalesce(score_original, score) FROM outcomes") == [
        (0.5, 0.5)]


def test_real_llmrouter_scores_are_detected_as_a_fraction(store, llmrouter_dir):
    report = import_path(store, llmrouter_dir / "dcrouter_preprocessed" / "test.json",
                         name="llmrouter-test")
    assert any("0-1 scale (detected)" in n for n in report.notes)
    assert store.rows("SELECT count(*) FROM outcomes WHERE score <> score_original") == [(0,)]
