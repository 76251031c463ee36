"""The main job end to end: every output exists, is non-empty, and item text is escaped in every HTML."""

from __future__ import annotations

import re

import openpyxl
import pytest

from kyodo_analysis.report import write_workbook
from kyodo_analysis.schema import zushi_comparison
from kyodo_analysis.storage import MAIN_TABLES, SUPPORT_TABLES

from .conftest import ATTACK


@pytest.fixture(scope="module")
def run_output(two_year_run):
    base, _, result = two_year_run
    return base, result


def test_run_prints_one_line_per_stage(run_output):
    _, result = run_output
    stages = [line.split("]")[0].strip("[") for line in result.stdout.splitlines() if line.startswith("[")]
    assert stages == ["clean", "analyze", "figures", "workbook", "word", "notebooks"]
    assert "Traceback" not in result.stderr


def test_every_expected_output_exists_and_is_non_empty(run_output):
    base, _ = run_output
    expected = [base / "processed" / n for n in [*MAIN_TABLES, *SUPPORT_TABLES, "metadata.json"]]
    expected += [base / "reports" / n for n in ["kyodo_tables.xlsx", "kyodo_summary.docx", "4.0-year-over-year.html"]]
    expected += [base / "reports" / f"{n}_{y}.html" for n in ("1.0-cleaning", "2.0-keywords", "3.0-support-types",
                                                              "5.0-summary") for y in (2024, 2025)]
    figures = sorted((base / "reports" / "figures").iterdir())
    assert len(figures) == 3 * (8 * 2 + 5)  # eight per year, five comparing years, three formats each
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
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (base / "reports" / "1.0-cleaning_2025.html").read_text(encoding="utf-8")


def test_every_figure_on_a_page_has_its_titles_as_alternative_text(run_output):
    """Not nbconvert's "No description has been provided for this image": what a screen reader says."""
    from bs4 import BeautifulSoup

    base, _ = run_output
    alts = {html.name: [img.get("alt") for img in BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").find_all("img")]
            for html in sorted((base / "reports").glob("*.html"))}
    assert sum(map(len, alts.values())) >= 10, alts
    assert all(alt and alt.startswith("図: ") and len(alt) > 8 for page in alts.values() for alt in page), alts
    assert "図: 区分ごとの項目数 (効果・限界・今後)" in alts["1.0-cleaning_2024.html"]
    shown = " ".join(alts["3.0-support-types_2025.html"])  # both figures of one cell, the first one too
    assert "図: 語の階層的クラスター分析 (Ward 法" in shown and "図: 語の多次元尺度構成法" in shown


def test_a_figures_alternative_text_is_its_title_or_its_panels_titles():
    from matplotlib.figure import Figure

    from kyodo_analysis.plots.rendering import figure_title

    fig = Figure()
    left, right = fig.subplots(1, 2)
    left.set_title("財政的支援:\n効果")
    right.set_title("人的支援")
    assert figure_title(fig) == "財政的支援: 効果、人的支援"
    fig.suptitle("区分ごとの語")
    assert figure_title(fig) == "区分ごとの語"
    assert figure_title(Figure()) == "図"


def test_workbook_has_japanese_sheets_headers_and_widths(run_output):
    base, _ = run_output
    book = openpyxl.load_workbook(base / "reports" / "kyodo_tables.xlsx")
    assert {"項目", "語の集計(区分×観点)", "特徴語", "コード×区分"} <= set(book.sheetnames)
    items = book["項目"]
    headers = [c.value for c in items[1]]
    assert headers == ["項目ID", "年度", "区分", "NO", "事業名", "観点", "項目番号", "本文", "ファイル", "行"]
    assert items.max_row == 1 + 36 + 30  # header + the items of both years
    assert items.column_dimensions["H"].width >= 50  # 本文 is wide (and wrapped)
    assert items.column_dimensions["D"].width < 10  # NO is narrow
    assert items.freeze_panes == "A2" and items.auto_filter.ref == "A1:J67"
    assert items.page_setup.orientation == "landscape" and items.print_title_rows == "$1:$1"
    assert items.page_setup.fitToWidth == 1 and items.sheet_properties.pageSetUpPr.fitToPage
    assert all(c.font.b for c in items[1]) and not any(c.font.b for c in items[2])  # a bold header only
    text = items.cell(row=2, column=8)
    assert text.alignment.wrap_text and text.alignment.vertical == "top" and text.data_type == "s"
    lines = -(-max(sum(2 if ord(ch) > 0x2000 else 1 for ch in line) for line in text.value.split("\n"))
              // (items.column_dimensions["H"].width - 2))
    assert items.row_dimensions[2].height == 15 * min(max(lines, 1), 27)  # as tall as its wrapped text
    floats = [c for row in book["特徴語"].iter_rows(min_row=2) for c in row if isinstance(c.value, float)]
    assert floats and {c.number_format for c in floats} == {"0.000"}
    assert [c.value for c in book["コード×区分"][1]][:4] == ["年度", "コード", "観点", "財政的支援"]
    assert {row[2].value for row in book["コード×区分"].iter_rows(min_row=2)} == {"全体"}  # every aspect pooled
    english = {sheet.title: [c.value for c in sheet[1] if re.fullmatch(r"[a-z0-9_]+", str(c.value))] for sheet in book}
    assert {title: names for title, names in english.items() if names} == {}  # every header in Japanese (ci_low was not)
    by_aspect = book["コード×区分(観点別)"]
    column = [c.value for c in by_aspect[1]].index("検定")
    assert {row[column].value for row in by_aspect.iter_rows(min_row=2)} == {"なし (検定せず)"}  # not codes.csv's "none"
    # the share is of items and the interval of programs: a reviewer read 「割合」 beside the programs' columns
    header = [c.value for c in by_aspect[1]]
    assert "割合" not in header and {"項目の割合", "事業の割合の95%信頼区間(下限)", "事業の割合の95%信頼区間(上限)"} <= set(header)
    shares = {row[header.index("項目の割合")].number_format for row in by_aspect.iter_rows(min_row=2)}
    assert shares == {"0%"}


def test_workbook_is_byte_identical_on_rerun(tmp_path, bundled_analysis):
    first = write_workbook(bundled_analysis, tmp_path / "a.xlsx").read_bytes()
    second = write_workbook(bundled_analysis, tmp_path / "b.xlsx").read_bytes()
    assert first == second


def test_workbook_stores_text_as_text_and_notes_what_excel_cannot_hold(tmp_path, bundled_analysis):
    from kyodo_analysis.analysis import Analysis

    tables = dict(bundled_analysis.tables)
    items = tables["items.csv"].copy()
    items.loc[0, "text"] = '=HYPERLINK("http://example.com","x")'
    items.loc[1, "text"] = "=1+1"
    items.loc[2, "text"] = "改ページ\x0c のある PDF の写し\ufffe"
    items.loc[3, "text"] = "長い" * 20_000
    items.loc[4, "text"] = ""  # beside a split cell, an empty one stays one empty cell (it crashed at 10^7 chars)
    tables["items.csv"] = items
    path = write_workbook(Analysis(tables, bundled_analysis.metadata), tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)  # it opens again
    sheet = book["項目"]
    texts = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    column = [c.value for c in sheet[1]].index("本文")
    first = texts[items.loc[0, "item_id"]][column]
    assert first.value == '=HYPERLINK("http://example.com","x")' and first.data_type == "s"
    assert texts[items.loc[1, "item_id"]][column].data_type == "s"
    assert texts[items.loc[2, "item_id"]][column].value == "改ページ[U+000C] のある PDF の写し[U+FFFE]"
    long = texts[items.loc[3, "item_id"]]
    assert len(long[column].value) == 32_767  # the rest is in 本文(続き1)
    assert "".join(c.value or "" for c in long[column:column + 2]) == "長い" * 20_000
    assert [c.value for c in texts[items.loc[4, "item_id"]][column:column + 2]] == [None, None]
    notes = [row[1].value for row in book["注記"].iter_rows(min_row=2)]
    assert any("[U+XXXX]" in n for n in notes) and any("32,767 字" in n for n in notes)


def test_the_word_summary_names_each_support_type_with_its_items(tmp_path, bundled_analysis):
    from docx import Document

    from kyodo_analysis.plots import figure_specs, plot_code_heatmap, png_bytes
    from kyodo_analysis.schema import zushi_comparison
    from kyodo_analysis.wordreport import figures_shown, write_summary

    figures = tmp_path / "figures"
    figures.mkdir()
    for name, plot, args in figure_specs(bundled_analysis):
        if name in dict(figures_shown(zushi_comparison(), 3, False)):
            (figures / f"{name}.png").write_bytes(png_bytes(plot(*args), dpi=100))
    first = write_summary(bundled_analysis, figures, tmp_path / "a.docx")
    assert write_summary(bundled_analysis, figures, tmp_path / "b.docx").read_bytes() == first.read_bytes()
    doc = Document(first)
    text = "\n".join(p.text for p in doc.paragraphs)
    for support in ("財政的支援", "人的支援", "場の提供"):
        assert f"{support} (" in text
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "NO 5 市民協働推進員制度・市民協働推進会議: 課内の別の職員(特に上司)への啓発が進まない。" in cells
    heatmap = plot_code_heatmap(bundled_analysis["codes"], bundled_analysis["items"], bundled_analysis.metadata)
    assert f"図2　{heatmap.get_suptitle()}" in text  # the caption says what the figure's cells count, in its words
    assert heatmap.get_suptitle() == "コード × 区分: コードに当たる項目のある事業数 / その観点の項目がある事業数"
    assert [round(shape.width.cm, 1) for shape in doc.inline_shapes] == [16.0, 16.0]
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption" and p.text.startswith("図")]
    assert [shape._inline.docPr.get("descr") for shape in doc.inline_shapes] == captions  # Word's alternative text
    assert "図1" in text and "出典:" in text


def test_a_figure_taller_than_the_page_is_shrunk_to_fit_it_in_word(tmp_path, bundled_analysis):
    """Word cuts an inline picture taller than the page (a heatmap of 40 codes is 31 cm tall at 16 cm wide):
    it is shrunk to 21 cm, its proportions kept; a figure that fits stays 16 cm wide."""
    from docx import Document

    from kyodo_analysis.plots import figure_names, png_bytes
    from kyodo_analysis.plots.style import new_figure
    from kyodo_analysis.schema import zushi_comparison
    from kyodo_analysis.wordreport import write_summary

    names = figure_names(zushi_comparison())
    figures = tmp_path / "figures"
    figures.mkdir()
    for name, height in ((names[1], 4.0), (names[3], 12.3)):
        fig, ax = new_figure(height)
        ax.plot([0, 1], [0, 1])
        (figures / f"{name}.png").write_bytes(png_bytes(fig, dpi=50))
    shapes = Document(write_summary(bundled_analysis, figures, tmp_path / "s.docx")).inline_shapes
    assert round(shapes[0].width.cm, 1) == 16.0 and shapes[0].height.cm < 21
    assert round(shapes[1].height.cm, 1) == 21.0 and shapes[1].width.cm < 16
    assert abs(shapes[1].width / shapes[1].height - 6.3 / 12.6) < 0.02  # the padded figure's proportions


def test_long_tables_and_cells_show_their_top_and_say_how_much_is_left_out():
    import pandas as pd

    from kyodo_analysis.report import SHOWN_ROWS, show_table
    from kyodo_analysis.topics import quoted_items

    html = show_table(pd.DataFrame({"語": [f"語{k}" for k in range(150)]})).to_html()
    assert "全 150 行のうち先頭の 100 行" in html and "残りの 50 行" in html and SHOWN_ROWS == 100
    assert html.count("<tr>") == 101 and "語99<" in html and "語100<" not in html  # the header row and 100 rows
    assert "先頭の" not in show_table(pd.DataFrame({"語": ["a", "b"]})).to_html()
    assert "当てはまる行はありません" in show_table(pd.DataFrame({"語": []})).to_html()
    assert "当てはまる行はありません" not in show_table(pd.DataFrame({"語": ["a"]})).to_html()
    side = pd.DataFrame({"program_no": range(1, 13), "program": "事業", "text": [f"項目{k}" for k in range(1, 13)]})
    lines = quoted_items(side, zushi_comparison()).split("\n")
    assert lines[0] == "NO 1 事業: 項目1" and lines[9] == "NO 10 事業: 項目10"
    assert lines[10] == "…ほか 2 項目 (item_codes.csv と items.csv に全件)" and len(lines) == 11


def test_the_pages_name_the_runs_own_folder_and_the_year_change(run_output):
    import html as html_module

    from docx import Document

    base, _ = run_output
    pages = {p.name: html_module.unescape(re.sub(r"<[^>]+>", " ", p.read_text(encoding="utf-8")))
             for p in (base / "reports").glob("*.html")}
    assert all("data/processed" not in text and "Warning" not in text for text in pages.values())
    assert "処理の結果は processed に CSV" in re.sub(r"\s+", " ", pages["1.0-cleaning_2025.html"])
    summary = re.sub(r"\s+", " ", pages["5.0-summary_2025.html"])
    assert "年度の変化" in summary and "番号変更 4 事業 (NO 4 市民協働コーディネーター → NO 3 市民協働コーディネーター" in summary
    assert "逗子市・2024年度" in summary and "何が効果を上げ" not in summary
    earlier = re.sub(r"\s+", " ", pages["5.0-summary_2024.html"])  # its year section quotes 2025's table: cited
    assert "年度の変化" in earlier and "令和7年度_協働の成果.csv (2025年度)" in earlier
    assert "このページの数は、items.csv・programs.csv" in re.sub(r"\s+", " ", pages["4.0-year-over-year.html"])
    text = "\n".join(p.text for p in Document(str(base / "reports" / "kyodo_summary.docx")).paragraphs)
    assert text.startswith("「これまでの取り組みに係る協働の成果等」の計量テキスト分析")  # the manifest's title, once
    assert "各文の数字は processed の表" in text and "追加 1 事業 (NO 8 協働ポータルサイト (2025年度の表から))" in text


def test_every_figure_is_at_most_16_cm_wide_as_saved(run_output):
    """A figure wider than the text column is shrunk by Word and its 8 pt text with it (a label that runs out
    of its panel widens the tight bounding box): every PNG of the two-year run fits 16 cm at 200 dpi."""
    import struct

    from kyodo_analysis.plots import DPI, WIDTH

    base, _ = run_output
    limit = round((WIDTH + 2 * 0.15) * DPI)  # the figure and its padding: 16 cm
    widths = {}
    for png in sorted((base / "reports" / "figures").glob("*.png")):
        with png.open("rb") as handle:
            widths[png.name] = struct.unpack(">I", handle.read(24)[16:20])[0]  # IHDR width
    assert widths and {n: w for n, w in widths.items() if w > limit + 2} == {}


def test_run_reports_the_tables_as_report_reads_them_back(tmp_path, bundled_analysis):
    """``run`` wrote its workbook from the unrounded tables in memory (a 95% bound 0.7075982261787133), ``report``
    from the files (0.707598): the same tables gave two workbooks. ``run`` now reports them as written."""
    from kyodo_analysis.pipeline import processed_analysis
    from kyodo_analysis.storage import rounded, write_analysis

    write_analysis(bundled_analysis, tmp_path / "out")
    from_files = write_workbook(processed_analysis(tmp_path / "out"), tmp_path / "report.xlsx").read_bytes()
    assert write_workbook(rounded(bundled_analysis), tmp_path / "run.xlsx").read_bytes() == from_files
    assert write_workbook(bundled_analysis, tmp_path / "unrounded.xlsx").read_bytes() != from_files  # what it was


def test_a_years_figures_record_only_that_years_files(run_output):
    """A 2024 figure's embedded provenance named the 2025 table too (a newcomer's walk): each year's figures
    record the files of that year; the figures comparing years record both."""
    import json

    from PIL import Image

    base, _ = run_output
    files = {f["year"]: f["file"] for f in json.loads((base / "processed" / "metadata.json").read_text())["raw_files"]}
    figures = base / "reports" / "figures"
    for year, other in ((2024, 2025), (2025, 2024)):
        described = Image.open(figures / f"items_by_support_type_and_aspect_{year}.png").info["Description"]
        assert f"raw: {files[year]} sha256=" in described and files[other] not in described
    both = Image.open(figures / "items_by_year.png").info["Description"]
    assert all(f"raw: {name} sha256=" in both for name in files.values())
