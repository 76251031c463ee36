"""Writing processed tables: UTF-8 with BOM for Excel, deterministic bytes."""

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


def write_tables(out_dir: str | Path, tables: dict[str, pd.DataFrame | bytes]) -> list[Path]:
    """Write every table (or ready-made bytes) to ``out_dir`` (a run's staging folder: see ``outputs``)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        if isinstance(frame, bytes):
            (out_dir / name).write_bytes(frame)
        else:
            write_csv(frame, out_dir / name)
        written.append(out_dir / name)
    return written
