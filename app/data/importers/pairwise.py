"""Pairwise preference logs: for a prompt, which of two models answered better.

Three shapes, one row per battle, recognised from the columns beside `model_a`, `model_b`
and the prompt (`prompt`, `question`, `turns` or `conversation_a`):
- Chatbot Arena / RouteLLM: `winner` in {model_a, model_b, tie, tie (bothbad)} (the
  winning model's own name is accepted too);
- Arena-Hard's judged-vs-baseline verdicts: a `verdict` (or `judgment`, `score`) column
  with A>>B, A>B, A=B, B>A, B>>A ([[A>B]] as judges write it is accepted);
- Kaggle's arena-human-preference layout: one-hot `winner_model_a`, `winner_model_b`,
  `winner_tie`.
A prompt may be a JSON list of chat messages or of user turns: its user turns are the
query. Each distinct prompt becomes one query (so embeddings and the Map work as for any
log), each battle a row of `preferences`, with the outcome from model_a's side.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.data.importers.chat import user_text
from app.data.importers.load import _first_bad
from app.data.importers.problems import ImportProblem
from app.data.importers.stage import ident, split_from, text_of
from app.store.db import register_udf

PROMPT_COLUMNS = ("prompt", "question", "turns", "conversation_a", "conversation", "query",
                  "instruction")
VERDICT_COLUMNS = ("verdict", "judgment", "judgement", "preference", "score")
ONE_HOT = ("winner_model_a", "winner_model_b", "winner_tie")
TASK_COLUMNS = ("category", "task", "cluster", "language")

# normalised verdict -> (outcome for model_a, weight, both bad). A strong verdict counts
# three times, as Arena-Hard counts it when it turns verdicts into win rates.
STRONG = 3.0
VERDICTS = {
    "model_a": (1.0, 1.0, False), "model_b": (0.0, 1.0, False),
    "tie": (0.5, 1.0, False), "tie(bothbad)": (0.5, 1.0, True),
    "a>>b": (1.0, STRONG, False), "a>b": (1.0, 1.0, False), "a=b": (0.5, 1.0, False),
    "b>a": (0.0, 1.0, False), "b>>a": (0.0, STRONG, False),
    "b<<a": (1.0, STRONG, False), "b<a": (1.0, 1.0, False), "b=a": (0.5, 1.0, False),
    "a<b": (0.0, 1.0, False), "a<<b": (0.0, STRONG, False),
}
WINNER_VALUES = "model_a, model_b, tie, tie (bothbad) (or the winning model's name)"
VERDICT_VALUES = "A>>B, A>B, A=B, B>A, B>>A"
# How a raw verdict is compared: case, spaces and the judges' [[...]] brackets ignored.
_NORMALISED = "regexp_replace(lower({v}), '[\\[\\]\\s]', '', 'g')"
_KEPT = "{t}outcome IS NOT NULL AND {t}model_a <> {t}model_b"  # battles that are stored


@dataclass(frozen=True)
class PairwiseColumns:
    """Which column of the file holds what; `verdict` is the winner or verdict column."""

    prompt: str
    model_a: str
    model_b: str
    verdict: str | None
    style: str                     # winner | verdict | one-hot
    task: str | None = None
    split: str | None = None

    def column_of(self, field: str, model: str = "") -> str | None:
        if field == "verdict" and self.style == "one-hot":
            return ", ".join(ONE_HOT)
        return {"text": self.prompt, "model_a": self.model_a, "model_b": self.model_b,
                "verdict": self.verdict}.get(field)

    @property
    def allowed(self) -> str:
        return VERDICT_VALUES if self.style == "verdict" else WINNER_VALUES


def matches(columns: list[str]) -> bool:
    """True when the columns are a battle log's: model_a, model_b and a way to say who won."""
    lowered = {c.lower() for c in columns}
    return {"model_a", "model_b"} <= lowered and (
        "winner" in lowered or set(ONE_HOT) <= lowered
        or any(c in lowered for c in VERDICT_COLUMNS))


def find_columns(columns: list[str], file: str) -> PairwiseColumns:
    """Name the prompt, model and verdict columns, or refuse with the columns found."""
    lowered = {c.lower(): c for c in columns}

    def first(names) -> str | None:
        return next((lowered[n] for n in names if n in lowered), None)

    prompt, winner, verdict = first(PROMPT_COLUMNS), first(("winner",)), first(VERDICT_COLUMNS)
    style = "winner" if winner else "one-hot" if set(ONE_HOT) <= set(lowered) else (
        "verdict" if verdict else None)
    missing = [what for what, col in (("model_a", first(("model_a",))),
                                      ("model_b", first(("model_b",))), ("prompt", prompt),
                                      ("winner or verdict", style)) if col is None]
    if missing:
        shown = ", ".join(columns[:25]) + (" ..." if len(columns) > 25 else "")
        raise ImportProblem(file, f"is not a pairwise log: no {' / '.join(missing)} column "
                            f"(columns: {shown}).",
                            "A pairwise log needs prompt (or question / turns), model_a, "
                            "model_b and winner (model_a, model_b, tie, tie (bothbad)) or "
                            "verdict (A>>B, A>B, A=B, B>A, B>>A).")
    return PairwiseColumns(prompt, lowered["model_a"], lowered["model_b"],
                           winner or (verdict if style == "verdict" else None), style,
                           first(TASK_COLUMNS), first(("split",)))


def stage(cur, columns: list[str], file: str) -> PairwiseColumns:
    """Build `stage_rows` from `raw`, one row per battle with its query and verdict, and
    check it: ImportProblem on the first bad battle."""
    found = find_columns(columns, file)
    register_udf(cur, "pw_user_text", user_text, ["VARCHAR"], "VARCHAR")
    types = dict(cur.execute("SELECT column_name, column_type FROM (DESCRIBE raw)").fetchall())
    prompt = ident(found.prompt)
    as_text = prompt if types[found.prompt] == "VARCHAR" else f"CAST(to_json({prompt}) AS VARCHAR)"
    text = f"nullif(trim(pw_user_text({as_text})), '')"
    a, b = text_of(found.model_a), text_of(found.model_b)
    if found.style == "one-hot":
        flag = "TRY_CAST(TRY_CAST({} AS VARCHAR) AS DOUBLE) = 1"
        raw_verdict = (f"CASE WHEN {flag.format(ident(ONE_HOT[0]))} THEN 'model_a' "
                       f"WHEN {flag.format(ident(ONE_HOT[1]))} THEN 'model_b' "
                       f"WHEN {flag.format(ident(ONE_HOT[2]))} THEN 'tie' END")
    else:
        raw_verdict = text_of(found.verdict)
    # The winning model's own name counts as model_a / model_b.
    key = (f"CASE WHEN v = a THEN 'model_a' WHEN v = b THEN 'model_b' "
           f"ELSE {_NORMALISED.format(v='v')} END")
    table = ", ".join(f"('{k}', {o}, {w}, {str(bad).lower()})"
                      for k, (o, w, bad) in VERDICTS.items())
    cur.execute(f"""
        CREATE OR REPLACE TEMP TABLE stage_rows AS
        WITH battles AS (
            SELECT rowid AS _rid, filename, {text} AS text, {a} AS a, {b} AS b,
                   {raw_verdict} AS v, {text_of(found.task)} AS task,
                   coalesce({text_of(found.split)}, {split_from()}) AS split
            FROM raw)
        SELECT _rid, filename, md5(coalesce(text, '')) AS source_id, text, text AS embed_text,
               task, split, NULL::VARCHAR AS reference, NULL::VARCHAR AS metric,
               NULL::VARCHAR AS verifier, a AS model_a, b AS model_b, v AS verdict,
               k.outcome, k.weight, k.both_bad
        FROM battles LEFT JOIN (VALUES {table}) k(key, outcome, weight, both_bad)
             ON k.key = {key}""")
    _check(cur, found, file)
    return found


def _check(cur, found: PairwiseColumns, files: str) -> None:
    if cur.execute("SELECT count(*) FROM raw").fetchall()[0][0] == 0:
        raise ImportProblem(files, "has no data rows.",
                            "Check that the file is complete and has rows under its header.")
    column_of = found.column_of
    _first_bad(cur, "stage_rows", "text IS NULL", "the prompt is empty.",
               "Every battle needs the prompt both models answered.", "text", column_of)
    for side in ("model_a", "model_b"):
        _first_bad(cur, "stage_rows", f"{side} IS NULL", f"the {side} name is empty.",
                   "Every battle names the two models it compares.", side, column_of)
    _first_bad(cur, "stage_rows", "verdict IS NOT NULL AND outcome IS NULL",
               "the verdict '{value}' is not one the pairwise format knows.",
               f"Allowed values: {found.allowed}. Fix the value, or leave the cell empty to "
               "skip the battle.", "verdict", column_of, value="verdict")
    if not cur.execute(f"SELECT count(*) FROM stage_rows WHERE {_KEPT.format(t='')}"
                       ).fetchall()[0][0]:
        raise ImportProblem(files, "has no battle to keep: every verdict is empty or a model "
                            "faces itself.", "Check the winner / verdict column.")


def notes(cur) -> list[str]:
    """What the report says about the staged battles: skipped, ties, strong verdicts."""
    said = []
    skipped, same = cur.execute("""SELECT count(*) FILTER (WHERE verdict IS NULL),
        count(*) FILTER (WHERE verdict IS NOT NULL AND model_a = model_b)
        FROM stage_rows""").fetchall()[0]
    if skipped:
        said.append(f"{skipped} battles skipped because the verdict is empty.")
    if same:
        said.append(f"{same} battles skipped because a model faces itself.")
    ties, bad, strong = cur.execute(f"""SELECT count(*) FILTER (WHERE outcome = 0.5),
        count(*) FILTER (WHERE both_bad), count(*) FILTER (WHERE weight = {STRONG})
        FROM stage_rows WHERE {_KEPT.format(t='')}""").fetchall()[0]
    if ties:
        said.append(f"{ties} battles are ties (scored 0.5 each side; {bad} marked both bad).")
    if strong:
        said.append(f"{strong} verdicts are strong (A>>B or B>>A); each counts "
                     f"{STRONG:g} times, as Arena-Hard counts them.")
    return said


def write(cur, *, name: str, kind: str, source: str, content_hash: str,
          notes: list[str]) -> tuple[int, int, int]:
    """Insert the dataset, one query per distinct prompt, and its battles; return
    (queries, models, battles)."""
    dataset_id = cur.execute(
        "INSERT INTO datasets (name, kind, format, source, content_hash, notes) "
        "VALUES (?, ?, 'pairwise', ?, ?, ?) RETURNING dataset_id",
        [name, kind, source, content_hash, "\n".join(notes) or None]).fetchall()[0][0]
    # A prompt's query takes the task and split of its first battle.
    cur.execute(f"""
        CREATE OR REPLACE TEMP TABLE chosen AS
        SELECT nextval('query_ids') AS query_id, * FROM (
            SELECT * FROM stage_rows WHERE _rid IN (
                SELECT min(_rid) FROM stage_rows WHERE {_KEPT.format(t='')}
                GROUP BY source_id)
            ORDER BY _rid)""")
    cur.execute("""
        INSERT INTO queries (query_id, dataset_id, source_id, text, embed_text, task, split)
        SELECT query_id, ?, source_id, text, embed_text, task, split FROM chosen""",
                [dataset_id])
    cur.execute(f"""
        INSERT INTO preferences (dataset_id, query_id, model_a, model_b, outcome, weight,
                                 both_bad, verdict)
        SELECT ?, c.query_id, s.model_a, s.model_b, s.outcome, s.weight, s.both_bad, s.verdict
        FROM stage_rows s JOIN chosen c USING (source_id) WHERE {_KEPT.format(t='s.')}
        ORDER BY s._rid""", [dataset_id])
    cur.execute("""INSERT INTO models (model) SELECT model_a FROM stage_rows UNION
                   SELECT model_b FROM stage_rows ON CONFLICT DO NOTHING""")
    written = cur.execute("""
        SELECT (SELECT count(*) FROM chosen),
               (SELECT count(*) FROM (SELECT model_a FROM preferences WHERE dataset_id = $1
                                      UNION SELECT model_b FROM preferences
                                      WHERE dataset_id = $1)),
               (SELECT count(*) FROM preferences WHERE dataset_id = $1)""",
                          [dataset_id]).fetchall()[0]
    for table in ("chosen", "stage_rows", "raw"):
        cur.execute(f"DROP TABLE IF EXISTS {table}")
    return tuple(int(n) for n in written)
