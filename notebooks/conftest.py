"""Under nbval (``make test``), notebook 4.0 compares two years: its parameters cell reads its raw folder
from ``KYODO_ANALYSIS_RAW_DIR``, set here to a folder holding the bundled table (as 2024) and the made-up
next year (``tests/fixtures``, 2025). A researcher's run passes its own RAW_DIR and never sets this."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VARIABLE = "KYODO_ANALYSIS_RAW_DIR"
MADE = pytest.StashKey[Path]()
YEARS = {ROOT / "data" / "raw" / "kyodo_seika_zushi.tsv": ("kyodo_seika_zushi.tsv", 2024),
         ROOT / "tests" / "fixtures" / "kyodo_seika_zushi_R7_renumbered.csv": ("令和7年度_協働の成果.csv", 2025)}


def two_year_raw_dir(folder: Path) -> Path:
    """A raw folder of two years of one city, with its manifest."""
    folder.mkdir(parents=True)
    rows = [["file", "city", "title", "fiscal_year", "source", "sha256"]]
    for source, (name, year) in YEARS.items():
        data = source.read_bytes()
        (folder / name).write_bytes(data)
        rows.append([name, "逗子市", "これまでの取り組みに係る協働の成果等", str(year), "テスト用 (nbval)",
                     hashlib.sha256(data).hexdigest()])
    with (folder / "manifest.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return folder


def pytest_configure(config) -> None:
    if os.environ.get(VARIABLE):
        return
    made = Path(tempfile.mkdtemp(prefix="kyodo-two-years-"))
    os.environ[VARIABLE] = str(two_year_raw_dir(made / "raw"))
    config.stash[MADE] = made


def pytest_unconfigure(config) -> None:
    made = config.stash.get(MADE, None)
    if made is not None:
        shutil.rmtree(made, ignore_errors=True)
        os.environ.pop(VARIABLE, None)
