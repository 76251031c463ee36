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
