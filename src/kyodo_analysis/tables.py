"""Writing processed tables: aggregate tables as UTF-8 CSV with BOM for Excel, token-level tables as Parquet
(and as CSV too while they fit in an Excel sheet); deterministic bytes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A table as CSV: UTF-8 with BOM, LF line ends, no index (same input → same bytes). Streamed to
    the file, never held whole in memory (tokens.csv is about 55 MB per million characters)."""
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8-sig")


# Columns that hold text even when every value of a table happens to look like a number, or is empty.
TEXT_COLUMNS = ["item_id", "source_file", "support_type", "program", "aspect", "text", "term", "word", "pos", "surface",
                "base", "lemma", "lemma_reading", "pos1", "pos2", "pos3", "code", "previous_name", "status", "note",
                "category", "action", "test", "correction", "candidate", "kind", "source", "target", "node", "group",
                "matched", "example_item_id", "axis"]


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read a processed table back with the dtypes it was written with (text columns stay text)."""
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""],
                       dtype_backend="numpy_nullable", dtype=dict.fromkeys(TEXT_COLUMNS, "string"))


EXCEL_ROWS = 1_048_576  # rows of one Excel sheet, the header included


def fits_excel(rows: int) -> bool:
    """Whether a table of ``rows`` rows (and its header) opens whole in one Excel sheet."""
    return rows + 1 <= EXCEL_ROWS


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """A table as Parquet (pyarrow, snappy): the same rows and values as its CSV, read back in pandas,
    R (arrow), DuckDB or Polars — an empty text is missing, as in the CSV. No time stamp in the file:
    the same table gives the same bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype)]
    frame = frame.assign(**{c: frame[c].where(frame[c] != "") for c in text})
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, compression="snappy")


def read_parquet(path: str | Path) -> pd.DataFrame:
    """Read a Parquet table back with the dtypes :func:`read_csv` gives (string, Int64, boolean)."""
    return pd.read_parquet(path, dtype_backend="numpy_nullable")


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
