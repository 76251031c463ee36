"""Compare two processed folders (``analyze --out``), e.g. main's and a branch's, on the same raw tables.

    .venv/bin/python benchmarks/compare_outputs.py OLD_DIR NEW_DIR

Every file of OLD_DIR must be in NEW_DIR with the same bytes, except: a Parquet file must hold the same rows
and types (its row groups may be cut elsewhere), a token-level CSV that NEW_DIR wrote as Parquet (only, or
besides the CSV) must hold the same rows and types as OLD_DIR's CSV, and ``metadata.json`` may list more
files. Prints each difference; exits 1 when there is one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from kyodo_analysis.tables import read_csv, read_parquet


def differences(old: Path, new: Path) -> list[str]:
    found = []
    for path in sorted(p for p in old.iterdir() if p.is_file() and not p.name.startswith(".")):
        other, parquet = new / path.name, new / (path.stem + ".parquet")
        if path.name == "metadata.json":
            before, after = (json.loads(p.read_text(encoding="utf-8")) for p in (path, other))
            listed_before, listed_after = before.pop("tables"), after.pop("tables")
            if before != after or any(listed_after.get(name) != shape for name, shape in listed_before.items()
                                      if name in listed_after or not (new / name).with_suffix(".parquet").exists()):
                found.append("metadata.json differs beyond the files it lists")
            continue
        if path.suffix == ".parquet" and other.exists():
            try:
                pd.testing.assert_frame_equal(read_parquet(other), read_parquet(path))
            except AssertionError as error:
                found.append(f"{path.name} holds other rows or types: {error}")
        elif parquet.exists() and path.suffix == ".csv":  # a CSV the new run replaced by Parquet
            try:
                pd.testing.assert_frame_equal(read_parquet(parquet), read_csv(path))
            except AssertionError as error:
                found.append(f"{parquet.name} holds other rows or types than {path.name}: {error}")
            if other.exists() and other.read_bytes() != path.read_bytes():
                found.append(f"{path.name} differs")
        elif not other.exists() or other.read_bytes() != path.read_bytes():
            found.append(f"{path.name} differs" if other.exists() else f"{path.name} is missing")
    return found


def main(argv: list[str] | None = None) -> int:
    old, new = map(Path, (argv or sys.argv[1:])[:2])
    found = differences(old, new)
    print("\n".join(found) or f"same: {new} holds every table of {old}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
