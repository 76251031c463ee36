"""The processed tables on disk: each table written to its file (token-level tables as Parquet), with
``metadata.json``, and read back with its declared types."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd

from . import registry
from .analysis import Analysis
from .parallel import release_freed_memory
from .registry import METADATA
from .tables import output_tables, parquet_name, read_csv, read_parquet, write_tables

# The file names of the registered outputs (registry.py declares each): the eight tables of the data
# contract, then the supporting tables figures and notebooks read; the token-level tables (one row per
# morpheme, term or mention) are written as Parquet, and as CSV too while they fit in one Excel sheet.
MAIN_TABLES = registry.names(main=True)
SUPPORT_TABLES = registry.names(main=False)
TOKEN_TABLES = registry.names(token=True)


def stored_names() -> list[str]:
    """Every file a processed folder of this version can hold (token-level tables in both forms)."""
    return [*registry.names(), *(parquet_name(name) for name in TOKEN_TABLES), METADATA]


def metadata_bytes(metadata: dict) -> bytes:
    return (json.dumps(metadata, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


DECIMALS = 6  # the tables keep unrounded statistics; the files written round them, all alike


def rounded(analysis: Analysis) -> Analysis:
    """The analysis as its files hold it, every number rounded to ``DECIMALS`` places: what ``run`` reports
    from memory is then what ``report`` reads back (a table without numbers to round is kept, not copied)."""
    def of(frame: pd.DataFrame) -> pd.DataFrame:
        floats = frame.select_dtypes("floating").columns
        return frame.round({c: DECIMALS for c in floats}) if len(floats) else frame

    return replace(analysis, tables={name: of(frame) for name, frame in analysis.tables.items()})


def write_analysis(analysis: Analysis, out_dir: str | Path) -> list[Path]:
    """Write every table (:func:`output_tables`), its numbers rounded to ``DECIMALS`` places, and
    ``metadata.json`` to ``out_dir`` (all or nothing)."""
    tables = rounded(analysis).tables
    release_freed_memory()  # the statistics' working memory, before Arrow converts the token tables
    return write_tables(out_dir, {**output_tables(tables), METADATA: metadata_bytes(analysis.metadata)})


def stored_file(out_dir: Path, name: str) -> Path:
    """Where a table was written: a token-level table's Parquet file, else its CSV (also for outputs
    of versions that wrote no Parquet)."""
    parquet = out_dir / parquet_name(name)
    return parquet if registry.output(name).token and parquet.exists() else out_dir / name


def read_table_file(path: Path, by: str = "support_type") -> pd.DataFrame:
    """A table written by :func:`write_analysis`, its registered columns of their declared types; ``by``
    (the compared group's column) is text too."""
    name = path.name.removesuffix(".parquet") + ".csv" if path.suffix == ".parquet" else path.name
    frame = read_parquet(path) if path.suffix == ".parquet" else read_csv(path, [*registry.output(name).text_columns, by])
    return registry.with_declared_types(name, frame)


def compared_by(metadata: dict) -> str:
    """The compared group's column a run's metadata records (the support type for older runs)."""
    comparison = metadata.get("comparison")
    return comparison.get("by", "support_type") if isinstance(comparison, dict) else "support_type"


def load_analysis(out_dir: str | Path) -> Analysis:
    """Read the processed tables back (for notebooks and reports) with their metadata: the token-level
    tables from Parquet, the others from CSV."""
    out_dir = Path(out_dir)
    metadata_path = out_dir / METADATA
    metadata = json.loads(metadata_path.read_text(encoding="utf-8")) if metadata_path.exists() else {}
    tables = {name: read_table_file(stored_file(out_dir, name), compared_by(metadata)) for name in registry.names()
              if stored_file(out_dir, name).exists()}
    return Analysis(tables, metadata)
