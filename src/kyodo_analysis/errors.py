"""The one error type users see: bad input, reported with file, line and what to do."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """A problem with an input file that the user must fix (exit status 2, no traceback)."""

    def __init__(self, path: str | Path | None, message: str, *, line: int | None = None,
                 hint: str | None = None) -> None:
        self.path = None if path is None else str(path)
        self.line = line
        self.message = message
        self.hint = hint
        super().__init__(self.format())

    def format(self) -> str:
        where = self.path or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"{self.line}行目"
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  対処: {self.hint}"
        return text


class NotebookError(RuntimeError):
    """A notebook failed while the report was being rendered (a bug to look at, not bad input)."""
