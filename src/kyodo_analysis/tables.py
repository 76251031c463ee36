"""Writing processed tables: UTF-8 with BOM for Excel, deterministic bytes, all or nothing."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The CSV bytes of a table: UTF-8 with BOM, LF line ends, no index (same input → same bytes)."""
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read a processed table back with the dtypes it was written with."""
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""],
                       dtype_backend="numpy_nullable")


def write_tables(out_dir: str | Path, tables: dict[str, pd.DataFrame | bytes]) -> list[Path]:
    """Write every table (or ready-made bytes) or none: all go to a staging directory first and are
    moved into place only when every one of them was written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    try:
        for name, frame in tables.items():
            (staging / name).write_bytes(frame if isinstance(frame, bytes) else to_csv_bytes(frame))
        written = []
        for name in tables:
            os.replace(staging / name, out_dir / name)
            written.append(out_dir / name)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
