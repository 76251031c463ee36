"""Under nbval (``make test``), the notebooks read raw folders made here, never the researcher's data/raw/
(nor, through it, the project's kyodo-analysis.toml): their parameters cells read the folder from
``KYODO_ANALYSIS_RAW_DIR`` — the bundled table alone, its year unknown, as shipped — and notebook 4.0
from ``KYODO_ANALYSIS_YEARS_RAW_DIR`` — the bundled table (as 2024) and the made-up next year
(``tests/fixtures``, 2025). A researcher's run passes its own RAW_DIR and never sets these."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data" / "raw" / "kyodo_seika_zushi.tsv"
FOLDERS = {  # variable → {source table: (its name in the folder, its year or None)}
    "KYODO_ANALYSIS_RAW_DIR": {BUNDLED: ("kyodo_seika_zushi.tsv", None)},
    "KYODO_ANALYSIS_YEARS_RAW_DIR": {BUNDLED: ("kyodo_seika_zushi.tsv", 2024),
                                     ROOT / "tests" / "fixtures" / "kyodo_seika_zushi_R7_renumbered.csv":
                                         ("令和7年度_協働の成果.csv", 2025)},
}
MADE = pytest.StashKey[Path]()


def raw_folder(folder: Path, tables: dict[Path, tuple[str, int | None]]) -> Path:
    """A raw folder of Zushi's tables, with its manifest."""
    folder.mkdir(parents=True)
    rows = [["file", "city", "title", "fiscal_year", "source", "sha256"]]
    for source, (name, year) in tables.items():
        data = source.read_bytes()
        (folder / name).write_bytes(data)
        rows.append([name, "逗子市", "これまでの取り組みに係る協働の成果等", "" if year is None else str(year),
                     "テスト用 (nbval)", hashlib.sha256(data).hexdigest()])
    with (folder / "manifest.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return folder


def pytest_configure(config) -> None:
    if all(os.environ.get(variable) for variable in FOLDERS):
        return
    made = Path(tempfile.mkdtemp(prefix="kyodo-notebooks-"))
    for number, (variable, tables) in enumerate(FOLDERS.items()):
        os.environ[variable] = str(raw_folder(made / str(number) / "raw", tables))
    config.stash[MADE] = made


def pytest_unconfigure(config) -> None:
    made = config.stash.get(MADE, None)
    if made is not None:
        shutil.rmtree(made, ignore_errors=True)
        for variable in FOLDERS:
            os.environ.pop(variable, None)
