from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = ROOT / "data" / "raw"
RAW = RAW_DIR / "kyodo_seika_zushi.tsv"


@pytest.fixture(scope="session")
def raw_text() -> str:
    return RAW.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def bundled():
    from kyodo_analysis.cleaning import clean_table

    return clean_table(RAW)


@pytest.fixture(scope="session")
def corpus(bundled):
    """The bundled table's items, tokens and terms (default word lists)."""
    from kyodo_analysis.terms import extract_terms
    from kyodo_analysis.tokens import tokenize

    token_frame = tokenize(bundled.items)
    return bundled.items, token_frame, extract_terms(token_frame)


@pytest.fixture(scope="session")
def bundled_analysis():
    """The whole analysis of the bundled table, in memory."""
    from kyodo_analysis.analysis import analyze

    return analyze([RAW])


def bundled_raw_dir(folder: Path) -> Path:
    """A raw folder holding only the bundled table and its manifest row: tests never depend on what a
    researcher adds to data/raw/."""
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    (folder / RAW.name).write_bytes(RAW.read_bytes())
    lines = (RAW_DIR / "manifest.csv").read_text(encoding="utf-8-sig").splitlines()
    rows = [row for row in csv.reader(lines) if row and row[0] in ("file", RAW.name)]
    with (folder / "manifest.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return folder


@pytest.fixture
def raw_dir(tmp_path) -> Path:
    return bundled_raw_dir(tmp_path / "raw")
