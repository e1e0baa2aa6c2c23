"""LLMRouter's layout (github.com/ulab-uiuc/LLMRouter, MIT).

Scores: JSON arrays of `{question, scores: {model: float}}` (dcrouter_preprocessed/*.json).
Queries: JSONL with `task_name, query, ground_truth, metric`, joined by exact query text.
Prices: `llm_candidates/*.json`, per model `input_price` / `output_price` in USD per 1M tokens.
There is no per-prompt cost, so it is estimated from the prompt length and marked estimated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from app.data.importers.problems import ImportProblem
from app.data.importers.sources import reader_error
from app.data.importers.stage import split_from

# About four characters per token for English text (OpenAI's rule of thumb); output unknown.
CHARS_PER_TOKEN = 4.0


@dataclass
class LLMRouterFiles:
    scores: list[Path]
    queries: list[Path] = field(default_factory=list)
    prices: Path | None = None

    def all(self) -> list[Path]:
        return self.scores + self.queries + ([self.prices] if self.prices else [])


def looks_like(path: Path) -> bool:
    """A folder with LLMRouter's preprocessed scores, or a JSON array with a 'scores' field."""
    if path.is_dir():
        return any(path.glob("**/dcrouter_preprocessed/*.json"))
    if path.suffix.lower() == ".json" and path.is_file():
        with path.open("rb") as handle:
            head = handle.read(4096).decode("utf-8", errors="replace")
        return head.lstrip().startswith("[") and '"scores"' in head and '"question"' in head
    return False


def find_files(path: Path, queries: Path | None = None,
               prices: Path | None = None) -> LLMRouterFiles:
    """Locate scores, query and price files under an LLMRouter checkout (or take them given)."""
    if path.is_dir():
        scores = sorted(path.glob("**/dcrouter_preprocessed/*.json"))
        found_queries = sorted(path.glob("**/query_data/*.jsonl"))
        found_prices = sorted(path.glob("**/llm_candidates/*.json"))
    else:
        scores, found_queries, found_prices = [path], [], []
    if not scores:
        raise ImportProblem(str(path), "has no LLMRouter score files "
                            "(dcrouter_preprocessed/*.json).",
                            "Point at the LLMRouter data folder or at a scores JSON file.")
    query_files = [queries] if queries else found_queries
    price_file = prices or (found_prices[0] if found_prices else None)
    for p in query_files + ([price_file] if price_file else []):
        if not p.exists():
            raise ImportProblem(str(p), "does not exist.", "Check the path.")
    return LLMRouterFiles(scores, query_files, price_file)


def stage(cur, files: LLMRouterFiles) -> list[str]:
    """Build `raw` (one row per scored question) and `stage`; return notes for the report."""
    notes: list[str] = []
    try:
        cur.execute("""CREATE OR REPLACE TEMP TABLE raw AS SELECT * FROM read_json(?,
                       format = 'array', filename = true,
                       columns = {question: 'VARCHAR', scores: 'JSON'})""",
                    [[str(p) for p in files.scores]])
    except Exception as exc:
        raise _unreadable(files.scores, exc) from None
    _stage_queries(cur, files.queries, notes)
    _stage_prices(cur, files.prices)
    tokens = f"ceil(length(r.question) / {CHARS_PER_TOKEN})"
    cur.execute(f"""
        CREATE OR REPLACE TEMP TABLE stage_rows AS
        SELECT r.rowid AS _rid, r.filename,
               parse_filename(r.filename, true) || ':' ||
                   (r.rowid + 1 - min(r.rowid) OVER (PARTITION BY r.filename)) AS source_id,
               nullif(trim(r.question), '') AS text, nullif(trim(r.question), '') AS embed_text,
               q.task_name AS task, {split_from('r.filename')} AS split,
               q.ground_truth AS reference, q.metric AS metric, NULL::VARCHAR AS verifier
        FROM raw r LEFT JOIN llmr_queries q ON q.query = r.question""")
    _refuse_unnamed_models(cur)
    cur.execute(f"""
        CREATE OR REPLACE TEMP TABLE stage AS
        SELECT r.rowid AS _rid, s.source_id, k.model,
               nullif(trim(json_extract_string(r.scores, k.path)), '') AS score_raw,
               CAST({tokens} * p.input_price / 1e6 AS VARCHAR) AS cost_raw,
               p.input_price IS NOT NULL AS cost_estimated,
               NULL AS latency_raw, 1.0 AS latency_scale,
               CAST({tokens} AS VARCHAR) AS tokens_in_raw, NULL AS tokens_out_raw,
               CAST(NULL AS VARCHAR) AS response
        FROM raw r JOIN stage_rows s ON s._rid = r.rowid
        CROSS JOIN LATERAL (SELECT m AS model, '$."' || replace(m, '"', '\\"') || '"' AS path
                            FROM unnest(json_keys(r.scores)) AS t(m)) k
        LEFT JOIN llmr_prices p ON p.model = k.model""")
    missing_task = cur.execute("SELECT count(*) FROM stage_rows "
                               "WHERE task IS NULL").fetchall()[0][0]
    if files.queries and missing_task:
        notes.append(f"{missing_task} questions have no match in the query files; "
                     "their task is unknown.")
    if files.prices:
        notes.append("Costs are estimated: prompt tokens (about 4 characters each) times the "
                     "model's input price; output tokens are not in the data.")
    else:
        notes.append("No price file was given, so costs are unknown.")
    overlap = cur.execute("""SELECT count(*) FROM (SELECT text FROM stage_rows
                             GROUP BY text HAVING count(DISTINCT split) > 1)""").fetchall()[0][0]
    if overlap:
        notes.append(f"{overlap} questions appear in more than one split; each copy is kept.")
    return notes


def _refuse_unnamed_models(cur) -> None:
    """A blank key in a question's "scores" names no model (and is no JSON path to read its
    score by): refused, naming the file and row, before anything is written."""
    blank = cur.execute("""SELECT parse_filename(r.filename), s.source_id
                           FROM raw r JOIN stage_rows s ON s._rid = r.rowid,
                                unnest(json_keys(r.scores)) AS t(m)
                           WHERE trim(m) = '' ORDER BY r.rowid LIMIT 1""").fetchall()
    if blank:
        file, source_id = blank[0]
        raise ImportProblem(file, "has a score under an empty model name.",
                            "Name the model, or remove that entry.",
                            row=int(source_id.rsplit(":", 1)[1]), field="scores")


def _stage_queries(cur, query_files: list[Path], notes: list[str]) -> None:
    cur.execute("CREATE OR REPLACE TEMP TABLE llmr_queries (query VARCHAR, task_name VARCHAR, "
                "ground_truth VARCHAR, metric VARCHAR)")
    if not query_files:
        return
    try:
        cur.execute("""INSERT INTO llmr_queries
            SELECT query, arg_min(task_name, n), arg_min(ground_truth, n), arg_min(metric, n)
            FROM (SELECT row_number() OVER () AS n, * FROM read_json(?,
                  format = 'newline_delimited', columns = {task_name: 'VARCHAR',
                  query: 'VARCHAR', ground_truth: 'VARCHAR', metric: 'VARCHAR'}))
            GROUP BY query""", [[str(p) for p in query_files]])
        dupes = cur.execute("""SELECT count(*) FROM (SELECT query FROM read_json(?,
            format = 'newline_delimited', columns = {query: 'VARCHAR'})
            GROUP BY query HAVING count(*) > 1)""",
            [[str(p) for p in query_files]]).fetchall()[0][0]
    except Exception as exc:
        raise _unreadable(query_files, exc) from None
    if dupes:
        notes.append(f"{dupes} query texts appear more than once in the query files; the "
                     "first occurrence gives the task and reference.")


def _stage_prices(cur, price_file: Path | None) -> None:
    cur.execute("CREATE OR REPLACE TEMP TABLE llmr_prices (model VARCHAR, input_price DOUBLE, "
                "output_price DOUBLE)")
    if not price_file:
        return
    try:
        entries = json.loads(price_file.read_text(encoding="utf-8"))
        rows = [(str(m), float(v["input_price"]), float(v.get("output_price", 0.0)))
                for m, v in entries.items()]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ImportProblem(str(price_file), f"is not an LLMRouter price file ({exc}).",
                            "Expected {model: {input_price, output_price}} in USD per 1M "
                            "tokens.") from None
    if rows:
        cur.executemany("INSERT INTO llmr_prices VALUES (?, ?, ?)", rows)


def _unreadable(files: list[Path], exc: Exception) -> ImportProblem:
    return ImportProblem(", ".join(p.name for p in files),
                         f"could not be read: {reader_error(exc)}.",
                         "LLMRouter score files are JSON arrays of {question, scores}; "
                         "query files have one JSON object per line. Check the file is "
                         "complete.")
