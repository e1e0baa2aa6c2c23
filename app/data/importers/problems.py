"""What an import reports: a refusal with a fix, or a summary of what it loaded and skipped."""

from __future__ import annotations

from dataclasses import dataclass, field


class ImportProblem(Exception):
    """A file that cannot be imported as given; the message names where and how to fix it."""

    def __init__(self, file: str, what: str, fix: str, *, row: int | None = None,
                 column: str | None = None, query: str | None = None,
                 line: int | None = None, field: str | None = None):
        self.file, self.what, self.fix, self.row, self.column = file, what, fix, row, column
        self.line, self.field = line, field  # JSON-lines logs: a line and a field, not cells
        where = file
        if row is not None:
            where += f", row {row}"
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column '{column}'"
        if field is not None:
            where += f", field '{field}'"
        if query:
            where += f" (query '{query}')"
        super().__init__(f"{where}: {what} {fix}".strip())


@dataclass
class ImportReport:
    """The outcome of one import, shown by the CLI and the Data page."""

    dataset: str
    format: str
    files: list[str]
    queries: int = 0
    models: int = 0
    outcomes: int = 0
    battles: int = 0                 # pairwise logs: preference verdicts stored
    unchanged: bool = False
    replaced: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.unchanged:
            return f"'{self.dataset}' is already imported from the same content; nothing changed."
        verb = "Replaced" if self.replaced else "Imported"
        if self.format == "pairwise":
            return (f"{verb} '{self.dataset}' (pairwise): {self.queries:,} prompts, "
                    f"{self.models} models, {self.battles:,} battles.")
        return (f"{verb} '{self.dataset}' ({self.format}): {self.queries:,} queries, "
                f"{self.models} models, {self.outcomes:,} outcomes.")
