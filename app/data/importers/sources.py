"""Find the files of an import and stage them into a temp table with DuckDB's own readers."""

from __future__ import annotations

import hashlib
from pathlib import Path

from app import settings
from app.data.importers.problems import ImportProblem
from app.store.db import DatabaseError

FILE_KINDS = {
    ".csv": "csv", ".tsv": "tsv",
    ".parquet": "parquet", ".pq": "parquet",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
    ".pkl": "pickle", ".pickle": "pickle",
}

# Readers keep every value as text where they can, so bad values are reported, not coerced.
# CSV dialect is fixed (RFC 4180) so an unclosed quote is an error, not a guessed dialect.
_CSV = ("read_csv(?, all_varchar = true, header = true, filename = true, union_by_name = true, "
        "strict_mode = true, null_padding = false, quote = '\"', escape = '\"', delim = {})")
_READERS = {
    "csv": _CSV.format("','"),
    "tsv": _CSV.format("'\t'"),
    "parquet": "read_parquet(?, filename = true, union_by_name = true)",
    "jsonl": "read_json(?, format = 'newline_delimited', filename = true, "
             "union_by_name = true, maximum_object_size = 268435456)",
    "json": "read_json(?, format = 'auto', filename = true, union_by_name = true, "
            "maximum_object_size = 268435456)",
}


def list_files(path: Path) -> list[Path]:
    """The importable files at `path`: the file itself, or a directory's files of one kind."""
    if not path.exists():
        raise ImportProblem(str(path), "does not exist.", "Check the path and try again.")
    if path.is_file():
        files = [path]
    else:
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in FILE_KINDS)
        if not files:
            raise ImportProblem(str(path), "holds no CSV, Parquet, JSON(L) or pickle files.",
                                "Point at a log file or a folder of them.")
    kinds = {file_kind(p) for p in files}
    if len(kinds) > 1:
        raise ImportProblem(str(path), f"mixes file kinds ({', '.join(sorted(kinds))}).",
                            "Import one kind of file at a time.")
    limit = settings.max_import_bytes()
    for p in files:
        if p.stat().st_size > limit:
            raise ImportProblem(str(p), f"is {p.stat().st_size / 2**20:,.0f} MB, over the "
                                f"import limit of {limit / 2**20:,.0f} MB.",
                                "Raise ROUTELAB_MAX_IMPORT_MB or import a smaller file.")
        if p.stat().st_size == 0:
            raise ImportProblem(str(p), "is empty.", "Export the log again.")
    return files


def file_kind(path: Path) -> str:
    kind = FILE_KINDS.get(path.suffix.lower())
    if kind is None:
        raise ImportProblem(str(path), f"has an unknown extension '{path.suffix}'.",
                            "Use .csv, .parquet, .jsonl, .json or .pkl.")
    return kind


def content_hash(files: list[Path], *extra: str) -> str:
    """A fingerprint of the files' bytes and the options, to make re-imports idempotent."""
    digest = hashlib.sha256()
    for part in extra:
        digest.update(part.encode() + b"\0")
    for p in files:
        digest.update(p.name.encode() + b"\0")
        with p.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def stage_files(cur, files: list[Path], table: str = "raw") -> list[str]:
    """Read the files into temp table `table` (plus `filename`); return its data columns."""
    kind = file_kind(files[0])
    cur.execute(f"DROP TABLE IF EXISTS {table}")
    if kind == "pickle":
        _stage_pickle(cur, files, table)
    else:
        try:
            cur.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM {_READERS[kind]}",
                        [[str(p) for p in files]])
        except DatabaseError as exc:
            raise unreadable(files, kind, exc) from None
    columns = [r[0] for r in cur.execute(f"DESCRIBE {table}").fetchall()]
    return [c for c in columns if c != "filename"]


def unreadable(files: list[Path], kind: str, exc: Exception) -> ImportProblem:
    """Turn a reader error into a message naming the file and what to do."""
    detail = reader_error(exc)
    if "sniffing" in detail:
        detail = ("it is not well-formed: a quoted value is never closed, or rows have "
                  "different numbers of fields")
    names = ", ".join(p.name for p in files)
    csv_hint = ("Check that it is a complete file with a header row (a truncated export "
                "often ends inside a quoted value) and export it again.")
    hint = {
        "csv": csv_hint, "tsv": csv_hint,
        "parquet": "The file is not valid Parquet (truncated or another format); export it again.",
        "jsonl": "Each line must be one complete JSON object; a truncated export ends mid-object.",
        "json": "The file must be valid JSON (an array of objects, or one object per line).",
    }[kind]
    return ImportProblem(names, f"could not be read as {kind.upper()}: {detail}.", hint)


def reader_error(exc: Exception) -> str:
    """DuckDB's first line of a reader error, without the echoed SQL."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    first = first.split("LINE 1:")[0].strip()
    for prefix in ("Invalid Input Error: ", "IO Error: ", "Conversion Error: "):
        first = first.removeprefix(prefix)
    return first[:300].rstrip(". ")


def _stage_pickle(cur, files: list[Path], table: str) -> None:
    """The official RouterBench release is a pandas pickle; load it, then hand it to DuckDB."""
    import pandas as pd

    frames = []
    for p in files:
        try:
            frame = pd.read_pickle(p)
        except Exception as exc:  # unpickling raises anything at all on a bad file
            raise ImportProblem(str(p), f"could not be read as a pandas pickle ({exc}).",
                                "Only import pickles you trust, such as RouterBench's own "
                                "release; otherwise convert the log to Parquet.") from None
        if not isinstance(frame, pd.DataFrame):
            raise ImportProblem(str(p), f"holds a {type(frame).__name__}, not a DataFrame.",
                                "Pickle a pandas DataFrame, or convert the log to Parquet.")
        frame = frame.reset_index(drop=True)
        frame.columns = [str(c) for c in frame.columns]
        for column in frame.columns:
            if frame[column].dtype == object:
                frame[column] = frame[column].map(_as_text)
        frame["filename"] = str(p)
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    cur.register("pickle_frame", data)
    cur.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM pickle_frame")
    cur.unregister("pickle_frame")


def _as_text(value):
    """Lists (RouterBench stores prompts as lists) become their Python repr, like the CSVs."""
    if isinstance(value, (list, tuple)):
        return repr(list(value))
    return value if value is None or isinstance(value, str) else str(value)
