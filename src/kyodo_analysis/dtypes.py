"""The package's one string dtype, declared here and nowhere else.

Every text column of every table the package makes or reads back is ``TEXT``: pandas' own storage (Python
objects, missing as ``pd.NA``), whether or not pyarrow is installed. pandas 3 would otherwise store text in
Arrow once pyarrow is present (it is, for the Parquet files): that changes the dtypes the tables carry and
slows the per-token stages. The choice is made per column, not with a pandas option set on import, so importing
the package leaves the caller's pandas as it was; only while the analysis runs (:func:`python_strings`,
around the analysis and each function a worker process runs) does pandas store the text it infers in its
intermediate tables the same way.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

import pandas as pd

TEXT = pd.StringDtype("python")


def with_text_dtype(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text columns in the package's storage (a table read back from a file): each
    string column stored in Arrow is stored as Python objects, its missing value kept."""
    moved = {c: pd.StringDtype("python", na_value=dtype.na_value) for c, dtype in frame.dtypes.items()
             if isinstance(dtype, pd.StringDtype) and dtype.storage != "python"}
    return frame.astype(moved) if moved else frame


def frame_of(rows: list, columns: list[str], dtypes: dict[str, object] | object) -> pd.DataFrame:
    """Rows of Python values as a table of ``dtypes``, no dtype guessed on the way: pandas 3 would store
    each text column in Arrow first, and the conversion to :data:`TEXT` would then make a new Python string
    for every cell (at 10^6 characters the token tables took twice the memory)."""
    return pd.DataFrame(rows, columns=columns, dtype=object).astype(dtypes)


def python_strings() -> AbstractContextManager:
    """A block (or, as a decorator, a function) in which pandas stores the text it infers as Python objects
    too; the caller's setting is back after it. The analysis's intermediate tables hold millions of strings:
    in Arrow they took 250 MB more at 10^7 characters, each converted back to :data:`TEXT` string by string."""
    return pd.option_context("mode.string_storage", "python")
