"""What reviewers read: Japanese views of the tables, the Excel workbook, and notebooks rendered to HTML.

One module per stage: :mod:`.views` (the Japanese views the workbook, the notebooks and the Word summary
share), :mod:`.notebook_views` (the views only the notebooks show, and :func:`show_table`),
:mod:`.workbook` (``kyodo_tables.xlsx``) and :mod:`.notebooks` (each notebook executed to HTML in its own
process). The same views feed the workbook sheets and the notebook tables, so a number in the workbook
and in a rendered notebook always comes from the same code.

The API, as ``report.NAME``:

- the notebooks (``from kyodo_analysis import report``): ``show_table``, ``top_terms``, ``items_by_group``,
  ``most_used_terms``, ``years``, ``view_programs``, ``view_program_changes``, ``view_items``, ``view_inertia``,
  ``view_distinctive``, ``top_words``, ``term_changes``, ``sides_table``, ``raw_lines``, ``kwic_table``,
  ``dropped_lines``, ``cutting_examples``, ``curation_tables``, ``codes_crosstab``, ``codes_by_year``;
- the command line: ``write_workbook``, ``render_notebooks``; the Word summary: ``items_by_group``,
  ``normalize_zip``;
- the tests, besides those: ``headers``, ``sheet_names``, ``execute_notebook``, ``inert_markdown``,
  ``SHOWN_ROWS`` and ``NotebookError`` (from :mod:`kyodo_analysis.errors`).
"""

from __future__ import annotations

from ..errors import NotebookError
from .notebook_views import (
    SHOWN_ROWS,
    codes_by_year,
    curation_tables,
    cutting_examples,
    dropped_lines,
    kwic_table,
    most_used_terms,
    raw_lines,
    show_table,
    sides_table,
    top_terms,
    top_words,
    view_inertia,
    years,
)
from .notebooks import execute_notebook, inert_markdown, render_notebooks
from .views import (
    codes_crosstab,
    headers,
    items_by_group,
    term_changes,
    view_distinctive,
    view_items,
    view_program_changes,
    view_programs,
)

_WORKBOOK = ("normalize_zip", "sheet_names", "write_workbook")


def __getattr__(name: str) -> object:
    """The workbook's functions, loaded at first use: openpyxl (0.15 s) is for the workbook and the Word
    summary, not for every notebook's kernel that imports this package."""
    if name in _WORKBOOK:
        from . import workbook  # late: see above

        return getattr(workbook, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SHOWN_ROWS", "NotebookError", "codes_by_year", "codes_crosstab", "curation_tables", "cutting_examples",
    "dropped_lines", "execute_notebook", "headers", "inert_markdown", "items_by_group", "kwic_table",
    "most_used_terms", "normalize_zip", "raw_lines", "render_notebooks", "sheet_names", "show_table", "sides_table",
    "term_changes", "top_terms", "top_words", "view_distinctive", "view_inertia", "view_items", "view_program_changes",
    "view_programs", "write_workbook", "years",
]
