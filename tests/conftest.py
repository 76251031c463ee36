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
