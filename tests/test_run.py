"""The main job end to end: every output exists, is non-empty, and item text is escaped in every HTML."""

from __future__ import annotations

import re
import subprocess
import sys

import openpyxl
import pytest

from kyodo_analysis.analysis import MAIN_TABLES, SUPPORT_TABLES
from kyodo_analysis.report import write_workbook

from .conftest import RAW, ROOT

ATTACK = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def run_output(tmp_path_factory):
    """`kyodo-analysis run` on the bundled table with one item that holds a script tag as text."""
    base = tmp_path_factory.mktemp("run")
    raw_dir = base / "raw"
    raw_dir.mkdir()
    text = RAW.read_text(encoding="utf-8").replace(
        "・補助金を活用し", "・&lt;script&gt;alert(1)&lt;/script&gt; ・補助金を活用し", 1)
    (raw_dir / "kyodo_test.tsv").write_text(text, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "kyodo_analysis", "run", "--raw-dir", str(raw_dir),
                             "--out", str(base / "processed"), "--reports", str(base / "reports"),
                             "--notebooks", str(ROOT / "notebooks")], capture_output=True, text=True, cwd=base)
    assert result.returncode == 0, result.stderr
    return base, result


def test_run_prints_one_line_per_stage(run_output):
    _, result = run_output
    stages = [line.split("]")[0].strip("[") for line in result.stdout.splitlines() if line.startswith("[")]
    assert stages == ["clean", "analyze", "figures", "workbook", "notebooks"]
    assert "Traceback" not in result.stderr


def test_every_expected_output_exists_and_is_non_empty(run_output):
    base, _ = run_output
    expected = [base / "processed" / n for n in [*MAIN_TABLES, *SUPPORT_TABLES, "metadata.json"]]
    expected += [base / "reports" / n for n in ["kyodo_tables.xlsx", "1.0-cleaning.html", "2.0-keywords.html",
                                               "3.0-support-types.html", "4.0-year-over-year.html"]]
    figures = sorted((base / "reports" / "figures").iterdir())
    assert len(figures) == 18
    for path in expected + figures:
        assert path.exists() and path.stat().st_size > 0, path


def test_item_text_is_escaped_in_every_html(run_output):
    base, _ = run_output
    items = (base / "processed" / "items.csv").read_text(encoding="utf-8-sig")
    assert ATTACK in items  # the cleaning kept the text as written (entities unescaped)
    for html in (base / "reports").glob("*.html"):
        page = html.read_text(encoding="utf-8")
        assert ATTACK not in page, html.name
        assert not re.search(r"<script[^>]*>[^<]*alert\(1\)", page), html.name
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (base / "reports" / "1.0-cleaning.html").read_text(encoding="utf-8")


def test_workbook_has_japanese_sheets_headers_and_widths(run_output):
    base, _ = run_output
    book = openpyxl.load_workbook(base / "reports" / "kyodo_tables.xlsx")
    assert {"項目", "語の集計(区分×観点)", "特徴語", "コード×区分"} <= set(book.sheetnames)
    items = book["項目"]
    headers = [c.value for c in items[1]]
    assert headers == ["項目ID", "ファイル", "行", "年度", "区分", "NO", "事業名", "観点", "項目番号", "本文"]
    assert items.max_row == 38  # header + 36 items + the test item
    assert items.column_dimensions["J"].width >= 60  # 本文 is wide
    assert items.column_dimensions["F"].width < 10  # NO is narrow
    assert [c.value for c in book["コード×区分"][1]][:3] == ["年度", "コード", "財政的支援"]


def test_workbook_is_byte_identical_on_rerun(tmp_path):
    from kyodo_analysis.analysis import analyze

    analysis = analyze([RAW])
    first = write_workbook(analysis, tmp_path / "a.xlsx").read_bytes()
    second = write_workbook(analysis, tmp_path / "b.xlsx").read_bytes()
    assert first == second
