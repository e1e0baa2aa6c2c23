"""Reshape a staged raw table into two tables every importer shares:

- `stage_rows`: one row per raw row with the query fields (text, task, split, ...);
- `stage`: one row per (raw row, model) with the outcome fields as raw text.

Keeping the (long) prompt out of the per-model table matters: a 36k-prompt RouterBench file
has 400k outcomes, and copying its prompts eleven times costs seconds. Validation and
writing then happen once, in `load.py`.
"""

from __future__ import annotations

from app.data.importers.chat import user_text
from app.data.importers.mapping import LongMapping, WideMapping
from app.data.importers.problems import ImportProblem
from app.store.db import register_udf


def split_from(filename_sql: str = "filename") -> str:
    """SQL for the split named in a file name (arc_challenge_test.csv, train.json), or NULL."""
    return (f"nullif(replace(regexp_extract(lower(parse_filename({filename_sql})), "
            "'(^|[_.-])(train|test|val|validation|dev)([_.-]|$)', 2), 'validation', 'val'), '')")


def ident(name: str) -> str:
    """A safely quoted SQL identifier (column names come from files, never from SQL)."""
    return '"' + name.replace('"', '""') + '"'


def text_of(column: str | None) -> str:
    """A column as trimmed text, or NULL when unmapped or blank."""
    if not column:
        return "NULL"
    return f"nullif(trim(CAST({ident(column)} AS VARCHAR)), '')"


def require(columns: list[str], wanted: dict[str, str | None], file: str, how: str) -> None:
    """Fail with one clear message when mapped columns are missing from the file."""
    missing = [(role, col) for role, col in wanted.items() if col and col not in columns]
    if missing:
        role, col = missing[0]
        shown = ", ".join(columns[:25]) + (" ..." if len(columns) > 25 else "")
        raise ImportProblem(file, f"has no column '{col}' (needed for the {role}).",
                            f"Columns found: {shown}. {how}", column=col)


def stage_query_rows(cur, *, source_id: str, text: str, embed_text: str, task: str,
                     split: str, reference: str, metric: str = "NULL",
                     verifier: str = "NULL") -> None:
    """Build `stage_rows` from `raw`: one row per raw row with the query's fields."""
    cur.execute(f"""
        CREATE OR REPLACE TEMP TABLE stage_rows AS SELECT
            rowid AS _rid, filename, {source_id} AS source_id, {text} AS text,
            {embed_text} AS embed_text, {task} AS task,
            coalesce({split}, {split_from()}) AS split, {reference} AS reference,
            CAST({metric} AS VARCHAR) AS metric, CAST({verifier} AS VARCHAR) AS verifier
        FROM raw""")


def outcome_select(*, source_id: str, model: str, score: str, cost: str = "NULL",
                   latency: str = "NULL", latency_scale: float = 1.0, tokens_in: str = "NULL",
                   tokens_out: str = "NULL", response: str = "NULL",
                   cost_estimated: str = "false", source: str = "raw") -> str:
    """One SELECT producing `stage` rows; importers stack several with UNION ALL."""
    return f"""SELECT rowid AS _rid, {source_id} AS source_id, CAST({model} AS VARCHAR) AS model,
        {score} AS score_raw, {cost} AS cost_raw, {cost_estimated} AS cost_estimated,
        {latency} AS latency_raw, {latency_scale} AS latency_scale,
        {tokens_in} AS tokens_in_raw, {tokens_out} AS tokens_out_raw,
        CAST({response} AS VARCHAR) AS response FROM {source}"""


def stage_long(cur, mapping: LongMapping, columns: list[str], file: str) -> None:
    """Build the stage tables from a long log (one row per query and model)."""
    require(columns, {k: v for k, v in mapping.as_dict().items() if k != "latency_unit"},
            file, "Rename the column or map another one (CLI: --text-col, --model-col, ...).")
    source_id = text_of(mapping.id) if mapping.id else f"md5({text_of(mapping.text)})"
    # a multi-turn prompt (a JSON message list) is embedded by its user turns' text
    register_udf(cur, "chat_user_text", user_text, ["VARCHAR"], "VARCHAR")
    embed = f"coalesce(nullif(trim(chat_user_text({text_of(mapping.text)})), ''), " \
            f"{text_of(mapping.text)})"
    stage_query_rows(cur, source_id=source_id, text=text_of(mapping.text),
                     embed_text=embed, task=text_of(mapping.task),
                     split=text_of(mapping.split), reference=text_of(mapping.reference),
                     verifier=text_of(mapping.verifier),
                     metric=_verifier_type(mapping.verifier))
    select = outcome_select(
        source_id=source_id, model=text_of(mapping.model), score=text_of(mapping.score),
        cost=text_of(mapping.cost), latency=text_of(mapping.latency),
        latency_scale=1000.0 if mapping.latency_unit == "s" else 1.0,
        tokens_in=text_of(mapping.tokens_in), tokens_out=text_of(mapping.tokens_out),
        response=ident(mapping.response) if mapping.response else "NULL")
    cur.execute(f"CREATE OR REPLACE TEMP TABLE stage AS {select}")


def stage_wide(cur, mapping: WideMapping, columns: list[str], file: str, *,
               text_sql: str | None = None, embed_sql: str | None = None,
               decode_response: str | None = None) -> None:
    """Build the stage tables from a wide log: one SELECT per model, stacked."""
    if not mapping.models:
        raise ImportProblem(file, "no model score columns were chosen.",
                            "Name at least one model column (CLI: --models a,b).")
    wanted: dict[str, str | None] = {"prompt": mapping.text, "query id": mapping.id,
                                     "task": mapping.task, "split": mapping.split,
                                     "reference": mapping.reference}
    for model in mapping.models:
        wanted[f"score of {model}"] = mapping.column(mapping.score_pattern, model)
    require(columns, wanted, file, "Rename the column or adjust the mapping.")
    text_sql = text_sql or text_of(mapping.text)
    source_id = text_of(mapping.id) if mapping.id else "CAST(rowid + 1 AS VARCHAR)"
    stage_query_rows(cur, source_id=source_id, text=text_sql, embed_text=embed_sql or text_sql,
                     task=text_of(mapping.task), split=text_of(mapping.split),
                     reference=text_of(mapping.reference))

    def present(pattern: str | None, model: str) -> str | None:
        column = mapping.column(pattern, model)
        return column if column and column in columns else None

    selects, params = [], []
    for model in mapping.models:
        response = present(mapping.response_pattern, model)
        response_sql = ident(response) if response else "NULL"
        if decode_response and response:
            response_sql = f"{decode_response}({response_sql})"
        selects.append(outcome_select(
            source_id=source_id, model="?",
            score=text_of(mapping.column(mapping.score_pattern, model)),
            cost=text_of(present(mapping.cost_pattern, model)),
            latency=text_of(present(mapping.latency_pattern, model)),
            latency_scale=1000.0 if mapping.latency_unit == "s" else 1.0,
            response=response_sql))
        params.append(model)
    cur.execute("CREATE OR REPLACE TEMP TABLE stage AS " + " UNION ALL ".join(selects), params)


def _verifier_type(column: str | None) -> str:
    """SQL for the "type" of a JSON verifier column (NULL when absent or not JSON)."""
    if not column:
        return "NULL"
    return f"json_extract_string(TRY_CAST({text_of(column)} AS JSON), '$.type')"
