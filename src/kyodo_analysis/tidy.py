"""A walked table's tidy frames: items.csv (one row per item), programs.csv (one per program) and
cleaning_log.csv (one per physical line, and per correction), with their columns and dtypes, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .cells import program_items
from .dtypes import TEXT, frame_of

if TYPE_CHECKING:
    from .cleaning import _Cleaner

PROGRAM_KEYS = ["source_file", "source_line", "year", "city", "support_type", "program_no", "program"]
LOG_COLUMNS = ["source_file", "line", "action", "category", "program_no", "note", "text"]


def item_columns(attributes: list[str] | tuple[str, ...] = ()) -> list[str]:
    """items.csv: one row per item, with its program's columns and attributes."""
    return ["item_id", *PROGRAM_KEYS, *attributes, "aspect", "item_no", "text"]


def program_columns(aspects: list[str] | tuple[str, ...], attributes: list[str] | tuple[str, ...] = ()) -> list[str]:
    """programs.csv: one row per program, its attributes and its number of items per aspect."""
    return [*PROGRAM_KEYS, *attributes, *(f"n_{a}" for a in aspects), "n_items"]



_INT_COLUMNS = {"source_line", "year", "program_no", "item_no", "line", "n_items"}


def column_dtypes(columns: list[str]) -> dict[str, object]:
    """Stable dtypes for the CSV contract: nullable integers (counts n_…), text elsewhere."""
    return {c: "Int64" if c in _INT_COLUMNS or c.startswith("n_") else TEXT for c in columns}



def tidy_frames(path: Path, year: int | None, city: str | None, cleaner: _Cleaner
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """items, programs and cleaning log of a walked table."""
    schema = cleaner.schema
    aspects, attributes = schema.aspect_keys, list(schema.attributes)
    present = [a for a in aspects if a in (cleaner.columns or {})]
    item_rows, program_rows, log_rows = [], [], list(cleaner.log)
    for program in cleaner.programs:
        meta = {"source_file": path.name, "year": year, "city": city, "support_type": program.support_type,
                "program_no": program.no, "program": program.name, **program.attributes}
        items, log, counts = program_items(path, program, present, schema.separate_notes)
        item_rows += [{**meta, **item} for item in items]
        log_rows += log
        program_rows.append({**meta, "source_line": program.record.first_line,
                             **{f"n_{a}": counts.get(a) for a in aspects}, "n_items": sum(counts.values())})
    log = pd.DataFrame(log_rows, columns=LOG_COLUMNS[1:], dtype=object).assign(order=range(len(log_rows)))
    log = log.sort_values(["line", "order"], kind="stable").drop(columns="order").reset_index(drop=True)
    log.insert(0, "source_file", path.name)
    items, programs = item_columns(attributes), program_columns(aspects, attributes)
    return (frame_of(item_rows, items, column_dtypes(items)), frame_of(program_rows, programs, column_dtypes(programs)),
            log[LOG_COLUMNS].astype(column_dtypes(LOG_COLUMNS)))
