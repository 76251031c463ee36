"""Writing processed tables: aggregate tables as UTF-8 CSV with BOM for Excel, token-level tables as Parquet
(and as CSV too while they fit in an Excel sheet); deterministic bytes."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

from .dtypes import TEXT, with_text_dtype
from .registry import output

# pyarrow is imported where Parquet is read or written: the CSV-only commands start without it.


def write_csv_reference(frame: pd.DataFrame, path: Path) -> None:
    """A table as CSV: UTF-8 with BOM, LF line ends, no index (same input → same bytes): pandas' own
    writer, the reference :func:`write_csv` is held equal to."""
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8-sig")


ROWS_AT_ONCE = 200_000  # rows rendered, joined and written at a time: never the whole file in memory


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """The bytes of :func:`write_csv_reference`, with each column's fields rendered once per distinct
    value (a token table repeats a few thousand values over hundreds of thousands of rows), then joined
    row by row; a block of rows at a time (a table of distinct numbers would otherwise hold every field
    of every column rendered at once)."""
    if not len(frame.columns) or not len(frame):
        return write_csv_reference(frame, path)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write(frame.head(0).to_csv(index=False, lineterminator="\n"))
        for start in range(0, len(frame), ROWS_AT_ONCE):
            block = frame.iloc[start:start + ROWS_AT_ONCE]
            columns = [rendered_fields(block.iloc[:, k]) for k in range(block.shape[1])]
            written_in_pieces(handle, (",".join(row) + "\n" for row in zip(*columns, strict=True)))


PIECE_CHARS = 1 << 20  # characters joined before they are written (and encoded): a block of long cells is never whole


def written_in_pieces(handle: TextIO, lines: Iterable[str]) -> None:
    """Write ``lines`` joined into pieces of about ``PIECE_CHARS`` characters: one write per piece, not per
    line, and a block of rows whose cells run to megabytes (the item ids of a common pair) held only a
    piece at a time."""
    piece: list[str] = []
    size = 0
    for line in lines:
        piece.append(line)
        size += len(line)
        if size >= PIECE_CHARS:
            handle.write("".join(piece))
            piece, size = [], 0
    handle.write("".join(piece))


def distinction(column: pd.Series) -> pd.Series | np.ndarray:
    """What tells two values of ``column`` apart in a CSV: the value, or a float's bits (0.0 and -0.0 are
    equal, yet written apart; a missing value and NaN are both written empty)."""
    if pd.api.types.is_float_dtype(column.dtype):
        return column.to_numpy(dtype="float64", na_value=np.nan).view(np.int64)
    return column


def rendered_fields(column: pd.Series) -> list[str]:
    """Each value of ``column`` as pandas writes it into a CSV row (quoted where needed; missing → empty),
    rendered once per distinct value."""
    codes, _ = pd.factorize(distinction(column), use_na_sentinel=False)  # numbered in order of first appearance
    distinct = column.iloc[pd.Series(codes).drop_duplicates().index.to_numpy()]
    if pd.api.types.is_numeric_dtype(distinct.dtype) or pd.api.types.is_bool_dtype(distinct.dtype):
        # pandas renders numbers and flags itself (in a row of two, as in the table); no line break in them
        pair = distinct.reset_index(drop=True).to_frame(name="value").assign(follow="x")
        rendered = [line[:-2] for line in pair.to_csv(index=False, header=False, lineterminator="\n").split("\n")[:-1]]
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")  # the writer pandas writes CSV with, in a row of two
        rendered = []
        for value in distinct.tolist():
            writer.writerow(["" if value is None or value is pd.NA or value != value else value, "x"])
            rendered.append(buffer.getvalue()[:-3])  # without the ",x\n" that follows the field
            buffer.seek(0)
            buffer.truncate()
    return np.asarray(rendered, dtype=object)[codes].tolist()


def read_csv(path: str | Path, text: Iterable[str] | None = None) -> pd.DataFrame:
    """Read a processed table back with the dtypes it was written with: the ``text`` columns stay text even
    when every value looks like a number or is empty (by default the columns its registry entry declares
    as text, and the support type)."""
    if text is None:
        text = [*registered_text(Path(path).name), "support_type"]
    return with_text_dtype(pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""],
                                       dtype_backend="numpy_nullable", dtype=dict.fromkeys(text, TEXT)))


def registered_text(name: str) -> list[str]:
    """The text columns the registry declares for the file ``name`` (none for an unregistered file)."""
    try:
        return output(name).text_columns
    except KeyError:
        return []


EXCEL_ROWS = 1_048_576  # rows of one Excel sheet, the header included


def fits_excel(rows: int) -> bool:
    """Whether a table of ``rows`` rows (and its header) opens whole in one Excel sheet."""
    return rows + 1 <= EXCEL_ROWS


def parquet_name(name: str) -> str:
    return name.removesuffix(".csv") + ".parquet"


def output_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The files the tables are written to, by file name: a token-level table as Parquet, and as CSV
    when it fits in an Excel sheet; every other table as CSV."""
    files = {}
    for name, frame in tables.items():
        token = output(name).token
        if token:
            files[parquet_name(name)] = frame
        if not token or fits_excel(len(frame)):
            files[name] = frame
    return files


# rows per row group, converted and written one group at a time: a group of pyarrow's default size (1,048,576
# rows) took 435 MB more memory to convert than the token table held, one of 262,144 rows 180 MB (10^7 characters)
PARQUET_ROWS = 262_144


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """A table as Parquet (pyarrow, snappy): the same rows and values as its CSV, read back in pandas,
    R (arrow), DuckDB or Polars — an empty text is missing, as in the CSV. No time stamp in the file:
    the same table gives the same bytes. Row groups are converted one at a time, so that a table of
    millions of rows is never held twice in memory (once in pandas, once in Arrow)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype)]
    schema = None
    with contextlib.ExitStack() as stack:
        for start in range(0, max(len(frame), 1), PARQUET_ROWS):
            part = frame.iloc[start:start + PARQUET_ROWS]
            part = part.assign(**{c: part[c].where(part[c] != "") for c in text})
            table = pa.Table.from_pandas(part, schema=schema, preserve_index=False)
            if schema is None:
                schema = table.schema
                writer = stack.enter_context(pq.ParquetWriter(path, schema, compression="snappy"))
            writer.write_table(table, row_group_size=PARQUET_ROWS)


def read_parquet(path: str | Path) -> pd.DataFrame:
    """Read a Parquet table back with the dtypes :func:`read_csv` gives (string, Int64, boolean)."""
    return with_text_dtype(pd.read_parquet(path, dtype_backend="numpy_nullable"))


def write_tables(out_dir: str | Path, tables: dict[str, pd.DataFrame | bytes]) -> list[Path]:
    """Write every table (or ready-made bytes) to ``out_dir`` (a run's staging folder: see ``outputs``):
    ``.parquet`` names as Parquet, ``.csv`` names as CSV."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        if isinstance(frame, bytes):
            (out_dir / name).write_bytes(frame)
        elif name.endswith(".parquet"):
            write_parquet(frame, out_dir / name)
        else:
            write_csv(frame, out_dir / name)
        written.append(out_dir / name)
    return written
