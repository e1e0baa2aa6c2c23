"""Check the staged tables and write them as one dataset, inside the caller's transaction.

`stage_rows` holds one row per raw row (query fields), `stage` one row per (raw row,
model) with outcome values still as text (see stage.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.data.importers.problems import ImportProblem
from app.store import summary

if TYPE_CHECKING:
    from app.data.importers.scales import ScoreScale

ColumnOf = Callable[[str, str], str | None]  # (field, model) -> the file's column name

# A value counts as missing when empty or NaN (pandas writes NaN for missing scores).
_NUMBER = "TRY_CAST({raw} AS DOUBLE)"
_MISSING = "({raw} IS NULL OR lower({raw}) IN ('nan', 'none', 'null', 'na', 'n/a'))"
_VALID_SCORE = f"NOT {_MISSING.format(raw='score_raw')}"

# (field, raw column, what must hold, how to fix)
_NUMERIC_CHECKS = [
    ("score", "score_raw", "is not a number", "Use a number (1/0 or a quality score), "
     "or leave the cell empty to skip that outcome."),
    ("cost", "cost_raw", "is not a non-negative number of US dollars",
     "Costs are USD per query and must be 0 or more; leave the cell empty when unknown."),
    ("latency", "latency_raw", "is not a non-negative duration",
     "Latency must be 0 or more; leave the cell empty when unknown."),
    ("tokens_in", "tokens_in_raw", "is not a whole number of tokens >= 0",
     "Token counts must be whole numbers of 0 or more."),
    ("tokens_out", "tokens_out_raw", "is not a whole number of tokens >= 0",
     "Token counts must be whole numbers of 0 or more."),
]


def validate(cur, column_of: ColumnOf, files: str) -> list[str]:
    """Raise ImportProblem on the first bad value; return notes about what will be skipped."""
    if cur.execute("SELECT count(*) FROM raw").fetchall()[0][0] == 0:
        raise ImportProblem(files, "has no data rows.",
                            "Check that the file is complete and has rows under its header.")
    _first_bad(cur, "stage_rows", "text IS NULL", "the prompt is empty.",
               "Every row needs the query text.", "text", column_of)
    _first_bad(cur, "stage", "model IS NULL", "the model name is empty.",
               "Every row needs a model name.", "model", column_of)
    for field, raw, what, fix in _NUMERIC_CHECKS:
        number = _NUMBER.format(raw=raw)
        bad = (f"NOT {_MISSING.format(raw=raw)} AND ({number} IS NULL OR isinf({number})"
               + ("" if field == "score" else f" OR {number} < 0")
               + (f" OR {number} <> floor({number})" if field.startswith("tokens") else "")
               + ")")
        _first_bad(cur, "stage", bad, f"the {field} '{{value}}' {what}.", fix, field,
                   column_of, value=raw)
    _odd_pairs(cur)
    _check_duplicates(cur)
    return _skip_notes(cur)


def _first_bad(cur, table: str, condition: str, what: str, fix: str, field: str,
               column_of: ColumnOf, *, value: str = "NULL") -> None:
    model = "model" if table == "stage" else "CAST(NULL AS VARCHAR)"
    found = cur.execute(f"""
        SELECT _rid, {model} AS model_name, {value}, count(*) OVER () FROM {table}
        WHERE {condition} ORDER BY _rid, model_name LIMIT 1""").fetchall()
    if not found:
        return
    rid, model_name, raw_value, n = found[0]
    file, row, text = _row_of(cur, rid)
    more = f" ({n - 1} more like it.)" if n > 1 else ""
    raise ImportProblem(file, what.format(value=_short(raw_value)), fix + more, row=row,
                        column=column_of(field, model_name or ""),
                        query=_short(text, 40) if text else None)


def _odd_pairs(cur) -> None:
    """One pass over the (query, model) pairs, keeping the few the checks and notes below
    are about: on more than one row (merged, or scored twice) or never scored (skipped)."""
    cur.execute(f"""
        CREATE OR REPLACE TEMP TABLE odd_pairs AS SELECT * FROM (
            SELECT source_id, model, count(*) AS n_rows,
                   count(*) FILTER (WHERE {_VALID_SCORE}) AS n_scored,
                   min(_rid) FILTER (WHERE {_VALID_SCORE}) AS first_scored
            FROM stage GROUP BY source_id, model)
        WHERE n_rows > 1 OR n_scored = 0""")


def _check_duplicates(cur) -> None:
    found = cur.execute("""
        SELECT source_id, model, count(*) OVER () FROM odd_pairs WHERE n_scored > 1
        ORDER BY first_scored, model LIMIT 1""").fetchall()
    if not found:
        return
    source_id, model, n = found[0]
    rids = cur.execute(f"""
        SELECT list(_rid ORDER BY _rid)[1:2] FROM stage
        WHERE source_id IS NOT DISTINCT FROM ? AND model = ? AND {_VALID_SCORE}""",
                       [source_id, model]).fetchall()[0][0]
    (file, first, text), (_, second, _) = (_row_of(cur, r) for r in rids)
    more = f" {n - 1} more (query, model) pairs are duplicated too." if n > 1 else ""
    raise ImportProblem(file, f"rows {first} and {second} both give a score for query "
                        f"'{_short(text, 40)}' and model '{model}'.",
                        "Keep one row per (query, model) pair." + more)


def _skip_notes(cur) -> list[str]:
    notes = []
    merged, examples = cur.execute("""
        SELECT count(*), list(source_id ORDER BY source_id)[1:3] FROM (
            SELECT DISTINCT source_id FROM odd_pairs WHERE n_rows > 1)""").fetchall()[0]
    if merged:
        notes.append(f"{merged} queries appear on more than one row (e.g. "
                     f"{', '.join(map(_short, examples))}); their outcomes were merged.")
    conflicting = cur.execute("""
        SELECT count(*) FROM (SELECT source_id FROM stage_rows GROUP BY source_id
                              HAVING count(DISTINCT text) > 1)""").fetchall()[0][0]
    if conflicting:
        notes.append(f"{conflicting} queries have different prompt text on different rows; "
                     "each keeps the prompt of its row with the most scores.")
    missing = cur.execute("""
        SELECT model, count(*) FROM odd_pairs WHERE n_scored = 0
        GROUP BY model ORDER BY model""").fetchall()
    if missing:
        total = sum(n for _, n in missing)
        detail = ", ".join(f"{m}: {n}" for m, n in missing[:6])
        detail += " ..." if len(missing) > 6 else ""
        notes.append(f"{total} (query, model) outcomes skipped because the score is missing "
                     f"({detail}).")
    return notes


def write_dataset(cur, *, name: str, kind: str, fmt: str, source: str, content_hash: str,
                  notes: list[str], scale: ScoreScale | None = None) -> tuple[int, int, int]:
    """Insert dataset, queries, outcomes and model names from the validated stage tables,
    scores normalised from `scale` to [0, 1] (originals kept); return what was written:
    (queries, models, outcomes)."""
    dataset_id = cur.execute(
        "INSERT INTO datasets (name, kind, format, source, content_hash, notes, score_scale) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING dataset_id",
        [name, kind, fmt, source, content_hash, "\n".join(notes) or None,
         scale.label if scale else None]).fetchall()[0][0]
    # Each query takes its fields from its raw row with the most scores (first on ties).
    # `chosen` holds only ids: the texts are read from stage_rows once, by the insert, not
    # copied into another temp table (at 1M prompts that copy is gigabytes of memory).
    cur.execute(f"""
        CREATE OR REPLACE TEMP TABLE chosen AS
        SELECT nextval('query_ids') AS query_id, source_id, _rid FROM (
            SELECT source_id, arg_min(_rid, (-n, _rid)) AS _rid FROM (
                SELECT source_id, _rid, count(*) FILTER (WHERE {_VALID_SCORE}) AS n
                FROM stage GROUP BY source_id, _rid)
            GROUP BY source_id ORDER BY _rid)""")
    cur.execute("""
        INSERT INTO queries (query_id, dataset_id, source_id, text, embed_text, task, split,
                             reference, metric, verifier)
        SELECT c.query_id, ?, r.source_id, r.text, coalesce(r.embed_text, r.text), r.task,
               r.split, r.reference, r.metric, r.verifier
        FROM chosen c JOIN stage_rows r USING (_rid) ORDER BY c.query_id""", [dataset_id])
    original = "CAST(s.score_raw AS DOUBLE)"
    cur.execute(f"""
        INSERT INTO outcomes (query_id, model, score, score_original, cost_usd,
                              cost_estimated, latency_ms, tokens_in, tokens_out, response)
        SELECT c.query_id, s.model, {scale.normalise_sql(original) if scale else original},
               {original}, CAST(s.cost_raw AS DOUBLE),
               s.cost_estimated, CAST(s.latency_raw AS DOUBLE) * s.latency_scale,
               CAST(s.tokens_in_raw AS DOUBLE), CAST(s.tokens_out_raw AS DOUBLE), s.response
        FROM stage s JOIN chosen c USING (source_id)
        WHERE {_VALID_SCORE}""")
    cur.execute("INSERT INTO models (model) SELECT DISTINCT model FROM stage "
                "ON CONFLICT DO NOTHING")
    written = cur.execute("""
        SELECT (SELECT count(*) FROM chosen), count(DISTINCT model), count(*)
        FROM outcomes WHERE query_id IN (SELECT query_id FROM chosen)""").fetchall()[0]
    for table in ("chosen", "odd_pairs", "stage", "stage_rows", "raw"):
        cur.execute(f"DROP TABLE IF EXISTS {table}")
    return tuple(int(n) for n in written)


def delete_dataset(cur, name: str) -> bool:
    """Remove a dataset and everything that hangs off it; True when it existed."""
    found = cur.execute("SELECT dataset_id FROM datasets WHERE name = ?", [name]).fetchall()
    if not found:
        return False
    cur.execute("DELETE FROM outcomes WHERE query_id IN "
                "(SELECT query_id FROM queries WHERE dataset_id = ?)", [found[0][0]])
    cur.execute("DELETE FROM preferences WHERE dataset_id = ?", [found[0][0]])
    cur.execute("DELETE FROM routed_calls WHERE dataset_id = ?", [found[0][0]])
    cur.execute("DELETE FROM queries WHERE dataset_id = ?", [found[0][0]])
    cur.execute("DELETE FROM datasets WHERE dataset_id = ?", [found[0][0]])
    summary.forget(cur, found[0][0])
    # token policies trained on this log, and their test answers, go with it (the cache of
    # continuations stays: it is keyed by prompt text and still true)
    cur.execute("DELETE FROM token_policies WHERE dataset = ?", [name])
    cur.execute("DELETE FROM token_evaluations WHERE dataset = ?", [name])
    return True


def _row_of(cur, rid: int) -> tuple[str, int, str | None]:
    """(file name, 1-based data row within that file, prompt) of a staged raw row."""
    filename, row, text = cur.execute("""
        SELECT r.filename, (SELECT count(*) FROM raw WHERE filename = r.filename
                            AND rowid <= r._rid), r.text
        FROM stage_rows r WHERE r._rid = ?""", [rid]).fetchall()[0]
    return Path(str(filename)).name, row, text


def _short(value, limit: int = 60) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
