"""A new year's table: manifest add → validate → run, on the made-up second-year fixture."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import sys

import pytest

from kyodo_analysis.analysis import analyze, write_analysis
from kyodo_analysis.cli import main
from kyodo_analysis.manifest import read_manifest, table_files
from kyodo_analysis.plots import make_year_figures
from kyodo_analysis.tables import read_csv

from .conftest import RAW, ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "kyodo_seika_zushi_R7.tsv"
NEW_NAME = "令和7年度_協働の成果.tsv"


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def test_fixture_is_an_excel_style_cp932_export():
    data = FIXTURE.read_bytes()
    text = data.decode("cp932")
    rows = text.split("\r\n")
    assert len(rows) > 10  # rows end in CRLF, as Excel writes them
    assert '"・' in text and "。\n・" in text  # quoted cells with Alt+Enter line breaks (LF) inside
    assert "テスト用の架空データ" in text
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    """The README's workflow: two tables in data/raw/, both in the manifest, then the main job."""
    base = tmp_path_factory.mktemp("years")
    raw = base / "raw"
    raw.mkdir()
    shutil.copy(RAW, raw / RAW.name)
    status, out, err = cli("manifest", "add", str(raw / RAW.name), "--year", "2024", "--city", "逗子市",
                           "--title", "これまでの取り組みに係る協働の成果等", "--source", "同梱の表 (テストでは2024年度として扱う)")
    assert status == 0, err
    shutil.copy(FIXTURE, raw / NEW_NAME)
    before = sorted(p.name for p in raw.iterdir())
    validated = cli("validate", str(raw / NEW_NAME))
    assert sorted(p.name for p in raw.iterdir()) == before  # validate writes nothing
    status, out, err = cli("manifest", "add", str(raw / NEW_NAME), "--source", "テスト用の架空データ")
    assert status == 0, err
    assert f"{NEW_NAME} を追加しました (年度 2025, 事業 8 件, 項目 30 件" in out
    result = subprocess.run([sys.executable, "-m", "kyodo_analysis", "run", "--raw-dir", str(raw), "--out",
                             str(base / "processed"), "--reports", str(base / "reports"), "--notebooks",
                             str(ROOT / "notebooks")], capture_output=True, text=True, cwd=base)
    assert result.returncode == 0, result.stderr
    return base, validated


def test_manifest_add_fills_year_and_checksum(workflow):
    base, _ = workflow
    entries = read_manifest(base / "raw")
    assert [(e.file, e.fiscal_year, e.city) for e in entries] == [
        (RAW.name, 2024, "逗子市"), (NEW_NAME, 2025, "逗子市")]  # 2025 from 令和7年度 in the file name
    assert entries[1].title == "これまでの取り組みに係る協働の成果等"  # taken from the row before
    import hashlib
    assert entries[1].sha256 == hashlib.sha256(FIXTURE.read_bytes()).hexdigest()


def test_validate_reports_what_changed(workflow):
    _, (status, out, _err) = workflow
    assert status == 0
    assert "文字コード cp932, 年度 2025, 事業 8 件, 項目 30 件" in out
    assert "区分ごとの事業数: 財政的支援 2, 人的支援 2, 場の提供 3, 情報的支援 1" in out
    assert "2024年度との比較:" in out
    assert "これまでにない区分: 情報的支援" in out
    assert "新しい事業: NO 9 協働ポータルサイト" in out
    assert "なくなった事業: NO 3 協働事業提案制度" in out
    assert "名前が変わった事業: NO 2 市民活動ポイント制度(Zen) (旧: 社会参加・市民活動ポイントシステム(Zen))" in out
    assert "空のセル: NO 6 今後" in out


def test_program_changes_table(workflow):
    base, _ = workflow
    changes = read_csv(base / "processed" / "program_changes.csv")
    assert list(changes.columns) == ["program_no", "program", "support_type", "status", "first_year", "last_year",
                                     "previous_name"]
    status = dict(zip(changes["program_no"], changes["status"], strict=True))
    assert status == {1: "kept", 2: "renamed", 3: "removed", 4: "kept", 5: "kept", 6: "kept", 7: "kept", 8: "kept",
                      9: "added"}
    renamed = changes.set_index("program_no").loc[2]
    assert renamed["previous_name"] == "社会参加・市民活動ポイントシステム(Zen)"
    assert (renamed["first_year"], renamed["last_year"]) == (2024, 2025)
    assert changes.set_index("program_no").loc[3, "last_year"] == 2024


def test_every_table_carries_the_year_and_trends_compare_them(workflow):
    base, _ = workflow
    processed = base / "processed"
    items = read_csv(processed / "items.csv")
    assert items.groupby("year").size().to_dict() == {2024: 36, 2025: 30}
    for name in ("items.csv", "programs.csv", "keywords.csv", "distinctive_terms.csv", "codes.csv", "keyword_trends.csv"):
        assert set(read_csv(processed / name)["year"].dropna()) == {2024, 2025}, name
    trends = read_csv(processed / "keyword_trends.csv")
    pooled = trends[(trends["support_type"] == "全体") & (trends["aspect"] == "all") & (trends["year"] == 2025)]
    portal = pooled.set_index("term").loc["サイト"]
    assert (portal["n_prev"], portal["n"], portal["prev_year"]) == (0, 1, 2024) and portal["z_vs_prev"] > 0
    proposal = pooled.set_index("term").loc["提案件数"]  # only in the removed program 3
    assert (proposal["n_prev"], proposal["n"]) == (1, 0) and proposal["z_vs_prev"] < 0
    negated = trends[(trends["support_type"] == "人的支援") & (trends["aspect"] == "limitation")
                     & (trends["term"] == "進む(否定)")].set_index("year")
    assert negated["n"].to_dict() == {2024: 1, 2025: 2}


def test_figures_and_notebooks_cover_every_year(workflow):
    base, _ = workflow
    figures = {p.name for p in (base / "reports" / "figures").iterdir()}
    for name in ("items_by_year", "terms_rising_and_falling", "codes_by_year", "program_changes",
                 "items_by_support_type_and_aspect_2024", "items_by_support_type_and_aspect_2025",
                 "cooccurrence_network_2025"):
        assert {f"{name}.png", f"{name}.svg", f"{name}.pdf"} <= figures, name
    reports = {p.name for p in (base / "reports").glob("*.html")}
    assert reports == {f"{n}_{y}.html" for n in ("1.0-cleaning", "2.0-keywords", "3.0-support-types")
                       for y in (2024, 2025)} | {"4.0-year-over-year.html"}
    page = (base / "reports" / "4.0-year-over-year.html").read_text(encoding="utf-8")
    for text in ("協働ポータルサイト", "協働事業提案制度", "市民活動ポイント制度(Zen)", "名称変更", "廃止", "追加"):
        assert text in page, text
    assert not re.search(r"年度の分かっている表が \d+ つしかない", page)  # the one-year sentence was not printed
    assert "情報的支援" in (base / "reports" / "3.0-support-types_2025.html").read_text(encoding="utf-8")


def test_a_second_run_changes_no_byte(workflow, tmp_path):
    base, _ = workflow
    again = analyze(table_files(base / "raw"))
    write_analysis(again, tmp_path / "processed")
    for path in sorted((base / "processed").iterdir()):
        assert (tmp_path / "processed" / path.name).read_bytes() == path.read_bytes(), path.name
    for path in make_year_figures(again, tmp_path / "figures"):
        assert path.read_bytes() == (base / "reports" / "figures" / path.name).read_bytes(), path.name


def test_raw_dir_without_manifest_takes_years_from_file_names(tmp_path):
    shutil.copy(RAW, tmp_path / "kyodo_R6.tsv")
    shutil.copy(FIXTURE, tmp_path / "kyodo_R7.tsv")
    status, _, err = cli("analyze", "--raw-dir", str(tmp_path), "--out", str(tmp_path / "out"))
    assert status == 0, err
    programs = read_csv(tmp_path / "out" / "programs.csv")
    assert programs.groupby("source_file")["year"].first().to_dict() == {"kyodo_R6.tsv": 2024, "kyodo_R7.tsv": 2025}


def test_the_year_notebook_says_so_with_one_year(tmp_path):
    from kyodo_analysis.report import execute_notebook

    html = execute_notebook(ROOT / "notebooks" / "4.0-year-over-year.ipynb", tmp_path / "4.0.html",
                            {"DATA_DIR": str(tmp_path / "none"), "RAW_DIR": str(RAW.parent)})
    page = html.read_text(encoding="utf-8")
    assert "年度の分かる表がないため (kyodo_seika_zushi.tsv は年度不明)、年度の比較はありません。" in page
    assert "manifest add" in page  # it says how to give the table a year
    assert "<h2" not in page  # no empty sections
    assert "DATA_DIR" not in page and str(tmp_path) not in page  # no code, no parameters, no paths
