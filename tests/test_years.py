"""A new year's table, following the README's steps: manifest add → validate → run, on made-up second years.

The second year (tests/fixtures/, made up) drops program 3, so the city renumbers the rest; program 2 is
renamed, program 5 is renamed *and* renumbered, and a program of a new support type is added. It arrives
as Excel's CP932 CSV; the .xlsx with merged 区分 cells must give the same items.
"""

from __future__ import annotations

import hashlib
import shutil

import pandas as pd
import pytest

from kyodo_analysis.analysis import analyze
from kyodo_analysis.cleaning import clean_table
from kyodo_analysis.manifest import read_manifest, table_files
from kyodo_analysis.storage import write_analysis
from kyodo_analysis.tables import read_csv

from .conftest import NEW_NAME, RAW, ROOT, bundled_raw_dir, cli

FIXTURES = ROOT / "tests" / "fixtures"
TSV = FIXTURES / "kyodo_seika_zushi_R7.tsv"
CSV = FIXTURES / "kyodo_seika_zushi_R7_renumbered.csv"
XLSX = FIXTURES / "kyodo_seika_zushi_R7_renumbered.xlsx"
COMPARED = ["support_type", "program", "aspect", "item_no", "text"]


def test_excel_csv_and_xlsx_give_the_items_of_the_tab_separated_export():
    csv_table, xlsx_table, tsv_table = clean_table(CSV), clean_table(XLSX), clean_table(TSV)
    assert csv_table.encoding == "cp932" and xlsx_table.encoding == "xlsx:協働の成果等"
    assert csv_table.items[COMPARED].equals(xlsx_table.items[COMPARED])
    assert csv_table.items[COMPARED].equals(tsv_table.items[COMPARED].assign(
        program=tsv_table.items["program"].replace("市民協働推進員制度・市民協働推進会議", "市民協働推進員制度")))
    # The merged 区分 of a group is that group's value.
    assert xlsx_table.programs["support_type"].tolist() == ["財政的支援", "財政的支援", "人的支援", "人的支援",
                                                            "場の提供", "場の提供", "場の提供", "情報的支援"]


def test_other_formats_get_a_message_saying_what_to_save_them_as(tmp_path):
    for suffix, phrase in ((".xls", "Excel ブック (*.xlsx)"), (".docx", "Word"), (".pdf", "PDF")):
        path = tmp_path / f"table{suffix}"
        path.write_bytes(b"\xd0\xcf\x11\xe0 not really")
        status, _, err = cli("validate", str(path))
        assert status == 2 and phrase in err and "Traceback" not in err, err


@pytest.fixture(scope="module")
def workflow(two_year_run):
    base, steps, _ = two_year_run
    return base, steps


def test_manifest_add_fills_year_and_checksum(workflow):
    base, steps = workflow
    status, out, err = steps["add"]
    assert status == 0, err
    assert f"{NEW_NAME} を追加しました (逗子市・2025年度, 事業 8 件, 項目 30 件" in out  # 2025 from 令和7年度
    entries = read_manifest(base / "raw")
    assert [(e.file, e.fiscal_year) for e in entries] == [(RAW.name, 2024), (NEW_NAME, 2025)]
    assert entries[1].title == "これまでの取り組みに係る協働の成果等"  # taken from the row before
    assert entries[1].sha256 == hashlib.sha256((base / "raw" / NEW_NAME).read_bytes()).hexdigest()
    # the bundled table beside it has no year: said at once, with the command the run would ask for later
    assert f"年度の分からない表があります: {RAW.name}。表が2つ以上あるので、このままでは analyze と run は止まります。" in err
    assert f"manifest add {base / 'raw' / RAW.name} --year 西暦" in err
    assert "年度の分からない表" not in steps["set_year"][2]  # given: no more warning


def test_setting_a_year_keeps_the_provenance(workflow):
    base, steps = workflow
    assert steps["set_year"][0] == 0
    (bundled, *_) = read_manifest(base / "raw")
    (original,) = read_manifest(bundled_raw_dir(base / "original"))
    assert bundled.source == original.source and bundled.source  # only --year changed
    assert (bundled.city, bundled.title, bundled.sha256) == (original.city, original.title, original.sha256)


def test_years_are_never_mixed(workflow):
    base, steps = workflow
    status, out, _ = steps["validate"]
    assert status == 0
    assert f"年度の分からない表があります: {RAW.name}" in out and "--year 西暦" in out
    status, _, err = steps["run_yearless"]
    assert status == 2 and "Traceback" not in err
    assert RAW.name in err and f"kyodo-analysis manifest add {base / 'raw' / RAW.name} --year" in err
    assert "manifest.csv からその行も消してください" in err  # taking a table out alone leaves its row: the next error
    assert not (base / "refused").exists()


def test_validate_reports_what_changed(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW, raw / "kyodo_2024.tsv")
    shutil.copy(CSV, raw / NEW_NAME)
    status, out, err = cli("validate", str(raw / NEW_NAME))
    assert status == 0, err
    assert "文字コード cp932, 2025年度, 事業 8 件, 項目 30 件" in out
    assert "区分ごとの事業数: 財政的支援 2, 人的支援 2, 場の提供 3, 情報的支援 1" in out
    assert "2024年度との比較 (kyodo_2024.tsv):" in out and "これまでにない区分: 情報的支援" in out
    assert "新しい事業: NO 8 協働ポータルサイト" in out
    assert "なくなった事業: NO 3 協働事業提案制度" in out
    assert "名前が変わった事業: NO 2 市民活動ポイント制度(Zen) (旧: 社会参加・市民活動ポイントシステム(Zen))" in out
    assert "NO 4 市民協働推進員制度 (旧: 市民協働推進員制度・市民協働推進会議) (旧 NO 5)" in out
    assert "名前は同じで NO が変わった事業: NO 3 市民協働コーディネーター (旧 NO 4)" in out
    assert "空のセル: NO 5 今後" in out


def test_programs_are_followed_by_name(workflow):
    base, _ = workflow
    changes = read_csv(base / "processed" / "program_changes.csv")
    assert list(changes.columns) == ["city", "program_no", "program", "support_type", "status", "first_year", "last_year",
                                     "previous_name", "previous_no", "previous_support_type", "first_no", "first_name"]
    rows = {(r.program, r.status, None if pd.isna(r.previous_no) else int(r.previous_no)) for r in changes.itertuples()}
    assert rows == {
        ("協働事業提案制度", "removed", None), ("市民活動支援補助金", "kept", None),
        ("市民活動ポイント制度(Zen)", "renamed", None), ("市民協働コーディネーター", "renumbered", 4),
        ("市民協働推進員制度", "renamed", 5), ("逗子文化プラザ市民交流センター", "renumbered", 6),
        ("コミュニティセンター(旧公民館)", "renumbered", 7), ("地域活動センター", "renumbered", 8),
        ("協働ポータルサイト", "added", None)}


def test_every_table_carries_the_year_and_trends_compare_them(workflow):
    base, _ = workflow
    processed = base / "processed"
    items = read_csv(processed / "items.csv")
    assert items.groupby("year").size().to_dict() == {2024: 36, 2025: 30}
    for name in ("items.csv", "programs.csv", "keywords.csv", "distinctive_terms.csv", "codes.csv", "keyword_trends.csv",
                 "word_counts.csv", "effect_vs_limitation.csv"):
        assert set(read_csv(processed / name)["year"].dropna()) == {2024, 2025}, name
    trends = read_csv(processed / "keyword_trends.csv")
    pooled = trends[trends["all_groups"] & (trends["aspect"] == "all") & (trends["year"] == 2025)]
    portal = pooled.set_index("term").loc["サイト"]
    assert (portal["n_prev"], portal["n"], portal["prev_year"]) == (0, 1, 2024) and portal["z_vs_prev"] > 0
    proposal = pooled.set_index("term").loc["提案件数"]  # only in the removed program 3
    assert (proposal["n_prev"], proposal["n"]) == (1, 0) and proposal["z_vs_prev"] < 0


def test_figures_and_notebooks_cover_every_year_and_nothing_else(workflow):
    base, _ = workflow
    figures = {p.name for p in (base / "reports" / "figures").iterdir()}
    for name in ("items_by_year", "terms_rising_and_falling", "codes_by_year", "program_changes",
                 "items_by_support_type_and_aspect_2024", "items_by_support_type_and_aspect_2025",
                 "cooccurrence_network_2025"):
        assert {f"{name}.png", f"{name}.svg", f"{name}.pdf"} <= figures, name
    assert not {f for f in figures if not f.split(".")[0].endswith(("_2024", "_2025"))} - {
        f"{n}.{e}" for n in ("items_by_year", "terms_rising_and_falling", "codes_by_year", "program_changes",
                             "cooccurrence_changes") for e in ("png", "svg", "pdf")}  # no un-suffixed per-type figure beside the per-year ones
    reports = {p.name for p in (base / "reports").glob("*.html")}
    assert reports == {f"{n}_{y}.html" for n in ("1.0-cleaning", "2.0-keywords", "3.0-support-types", "5.0-summary")
                       for y in (2024, 2025)} | {"4.0-year-over-year.html"}
    page = (base / "reports" / "4.0-year-over-year.html").read_text(encoding="utf-8")
    for text in ("協働ポータルサイト", "協働事業提案制度", "市民活動ポイント制度(Zen)", "名称変更", "廃止", "追加", "番号変更"):
        assert text in page, text
    assert "|z| ≥ 1.96 で増減した語はありません" in page  # no term list picked from a tie of 0 → 1 terms
    page_2025 = (base / "reports" / "1.0-cleaning_2025.html").read_text(encoding="utf-8")
    assert "7 事業" not in page_2025 and "8 事業・30 項目" in page_2025 and "36 項目" not in page_2025
    assert "情報的支援" in (base / "reports" / "3.0-support-types_2025.html").read_text(encoding="utf-8")


def test_a_second_run_changes_no_byte(workflow, tmp_path):
    """The CSVs of the shared run, analysed again in this process; test_reproducible compares the figures,
    HTML, workbook and tables of two separate whole runs."""
    base, _ = workflow
    again = analyze(table_files(base / "raw"))
    write_analysis(again, tmp_path / "processed")
    for path in sorted((base / "processed").glob("*.csv")):
        assert (tmp_path / "processed" / path.name).read_bytes() == path.read_bytes(), path.name


def test_raw_dir_without_manifest_takes_years_from_file_names(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW, raw / "kyodo_R6.tsv")
    shutil.copy(XLSX, raw / "kyodo_R7.xlsx")
    status, _, err = cli("analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "out"))
    assert status == 0, err
    programs = read_csv(tmp_path / "out" / "programs.csv")
    assert programs.groupby("source_file")["year"].first().to_dict() == {"kyodo_R6.tsv": 2024, "kyodo_R7.xlsx": 2025}


def test_the_year_notebook_says_so_with_one_year(tmp_path):
    from kyodo_analysis.report import execute_notebook

    html = execute_notebook(ROOT / "notebooks" / "4.0-year-over-year.ipynb", tmp_path / "4.0.html",
                            {"DATA_DIR": str(tmp_path / "none"), "RAW_DIR": str(bundled_raw_dir(tmp_path / "raw"))})
    page = html.read_text(encoding="utf-8")
    assert "年度の分かる表がないため (kyodo_seika_zushi.tsv は年度不明)、年度の比較はありません。" in page
    assert "manifest add" in page  # it says how to give the table a year
    assert "<h2" not in page  # no empty sections
    assert "このページの数は" not in page  # no numbers shown, so no sources for them
    assert "DATA_DIR" not in page and str(tmp_path) not in page  # no code, no parameters, no paths


def test_two_years_in_a_folder_without_a_manifest_get_their_year_page(tmp_path):
    """A folder without a manifest: the years come from the file names and the tables have no city. The year
    page's CITY was written as <NA>, a SyntaxError that stopped `run` after its figures and Word file."""
    from kyodo_analysis.pipeline import notebook_jobs
    from kyodo_analysis.report import execute_notebook

    from .conftest import NEW_YEAR_CSV

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW, raw / "zushi_2024.tsv")
    shutil.copy(NEW_YEAR_CSV, raw / "zushi_2025.csv")
    analysis = analyze(table_files(raw))
    assert analysis["items"]["city"].isna().all()
    write_analysis(analysis, tmp_path / "processed")
    jobs = notebook_jobs(analysis, ROOT / "notebooks", tmp_path / "reports",
                         {"DATA_DIR": str(tmp_path / "processed"), "RAW_DIR": str(raw), "YEAR": None})
    year_pages = [(page.name, parameters["CITY"]) for notebook, page, parameters in jobs if "CITY" in parameters]
    assert year_pages == [("4.0-year-over-year.html", None)]
    notebook, page, parameters = jobs[-1]
    text = execute_notebook(notebook, page, parameters).read_text(encoding="utf-8")
    assert "2024" in text and "2025" in text and "<NA>" not in text


def test_the_tables_of_no_city_beside_a_citys_get_their_own_year_page():
    """A manifest row left without a city, beside a named city, both with two years: the year page of the tables of
    no city is 4.0-year-over-year_市町村なし.html and reads them ("" picks them: slices.for_city), not the city's."""
    from kyodo_analysis.pipeline import city_parameter
    from kyodo_analysis.slices import chosen_city

    assert city_parameter(pd.NA, 1) is None and city_parameter(pd.NA, 2) == "" and city_parameter("逗子市", 2) == "逗子市"
    items = pd.DataFrame({"item_id": ["a", "b", "c", "d"], "city": pd.array(["逗子市", "逗子市", pd.NA, pd.NA], dtype="string"),
                          "year": pd.array([2024, 2025, 2024, 2025], dtype="Int64"), "source_file": list("wxyz")})
    assert pd.isna(chosen_city(items, "")) and chosen_city(items, "逗子市") == "逗子市"
    assert chosen_city(items) == "逗子市"  # the first city whose tables span two years
    assert pd.isna(chosen_city(items[items["city"].isna()].iloc[::-1].pipe(lambda d: pd.concat([d, items.iloc[:1]]))))


def test_one_name_in_two_groups_is_followed_one_to_one_by_its_group():
    """啓発事業 in two groups, renumbered the next year (1 → 3, 3 → 2): each is followed within its group. Before,
    the later of the two names took both chains: NO 2 was called added, NO 3 kept twice, and 2024's NO 3 lost."""
    from kyodo_analysis.years import program_changes

    rows = [(2024, 1, "啓発事業", "地域づくり"), (2024, 2, "講座", "人材育成"), (2024, 3, "啓発事業", "人材育成"),
            (2025, 3, "啓発事業", "地域づくり"), (2025, 1, "講座", "人材育成"), (2025, 2, "啓発事業", "人材育成")]
    programs = pd.DataFrame(rows, columns=["year", "program_no", "program", "support_type"]).assign(
        city="若葉台市", source_file=lambda d: d["year"].astype(str) + ".csv")
    items = programs.assign(text="市民向けの啓発を行った")
    changes = program_changes(programs, items)
    found = sorted(zip(changes["support_type"], changes["program"], changes["status"], changes["program_no"],
                       changes["previous_no"].astype(object), strict=True))
    assert found == [("人材育成", "啓発事業", "renumbered", 2, 3), ("人材育成", "講座", "renumbered", 1, 2),
                     ("地域づくり", "啓発事業", "renumbered", 3, 1)]


def test_a_program_that_moves_to_another_group_and_a_group_that_ends_are_said(tmp_path):
    """B事業 moves from 人的支援 to 財政的支援, and 2025's table has no 人的支援: program_changes.csv keeps its earlier
    group, validate and the year-change sentence say both (before: 「NO だけが変わった」 or nothing)."""
    from kyodo_analysis.year_sentences import year_change_lines
    from kyodo_analysis.years import program_report

    from .test_adversarial import HEADER as header
    years = {"2024": ["財政的支援\t1\tA事業\t・団体の活動が広がった\t・団体が少ない\t・周知",
                      "人的支援\t2\tB事業\t・講座の参加者が増えた\t・講師が少ない\t・周知",
                      "場の提供\t3\tC事業\t・施設の利用者が増えた\t・予約が少ない\t・周知"],
             "2025": ["財政的支援\t1\tA事業\t・団体の活動が広がった\t・団体が少ない\t・周知",
                      "財政的支援\t4\tB事業\t・講座の参加者が増えた\t・講師が少ない\t・周知",
                      "場の提供\t3\tC事業\t・施設の利用者が増えた\t・予約が少ない\t・周知"]}
    raw = tmp_path / "raw"
    raw.mkdir()
    for year, rows in years.items():
        (raw / f"t_{year}.tsv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    analysis = analyze(table_files(raw))
    changes = analysis["program_changes"].set_index("program")
    assert changes.loc["B事業", ["status", "support_type", "previous_support_type"]].tolist() == [
        "renumbered", "財政的支援", "人的支援"]
    assert changes.loc["A事業", "previous_support_type"] == ""
    assert program_report(analysis["program_changes"])[-1] == "区分が変わった事業: NO 4 B事業 (人的支援 → 財政的支援)"
    line = year_change_lines(analysis)[0]
    assert line.startswith("2024年度〜2025年度: 番号変更 1 事業 (NO 2 B事業 → NO 4 B事業)")
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "t_2023.tsv").write_text("\n".join([header, *years["2025"]]) + "\n", encoding="utf-8")
    shutil.copy(raw / "t_2024.tsv", earlier / "t_2024.tsv")  # 人的支援 is new in 2024: said as a group gone is
    assert year_change_lines(analyze(table_files(earlier)))[0].endswith(
        "2024年度の表には2023年度の表になかった区分「人的支援」があります。")
    assert line.endswith("区分が変わった事業は 1 事業です (NO 4 B事業: 人的支援 → 財政的支援)。"
                         "2025年度の表には2024年度の区分「人的支援」がありません。")
    from kyodo_analysis.report.views import keyword_matrix  # the workbook's 語×区分・観点: occurrences, said so
    from kyodo_analysis.schema import zushi_comparison

    matrix = keyword_matrix(analysis["keywords"], analysis["items"], zushi_comparison()).set_index(["年度", "語"])
    assert matrix.loc[(2024, "講座"), "出現回数(人的支援・効果)"] == 1 and matrix.loc[(2024, "講座"), "出現回数(計)"] == 1
    assert matrix.loc[(2025, "講座"), "出現回数(財政的支援・効果)"] == 1
    assert pd.isna(matrix.loc[(2025, "施設"), "出現回数(人的支援・効果)"])  # 2025 has no 人的支援: empty, not 0
    assert matrix.loc[(2025, "施設"), "出現回数(財政的支援・効果)"] == 0


def test_a_program_of_one_year_is_not_called_kept(bundled_analysis):
    """A city with one known year (or none: the bundled table) has nothing to follow its programs across: each
    is ``not_compared`` (比較なし in the workbook), never 継続 (two years: test_programs_are_followed_by_name)."""
    from kyodo_analysis.report import view_program_changes
    from kyodo_analysis.schema import zushi_comparison

    alone = bundled_analysis["program_changes"]
    assert len(alone) == 8 and set(alone["status"]) == {"not_compared"} and alone["first_year"].isna().all()
    shown = view_program_changes(alone, zushi_comparison())
    assert set(shown["変化"]) == {"比較なし (年度が1つ)"}
    assert set(shown["最初の年度"]) == set(shown["最後の年度"]) == {"年度不明"}  # not blank (a statistician's audit)


def test_a_removed_program_is_labelled_with_the_year_its_number_belongs_to(workflow):
    """The program-changes figure labels every program in the last year's column: a removed program's NO is
    its number in the year it was last there (2024), not the number another program has now."""
    from kyodo_analysis.plots import plot_program_changes
    from kyodo_analysis.storage import load_analysis

    base, _ = workflow
    whole = load_analysis(base / "processed")
    texts = [t.get_text() for t in plot_program_changes(whole["program_changes"], whole.metadata).axes[0].texts]
    assert "2024年度の NO 3 協働事業提案制度 [廃止]" in texts
    assert not [t for t in texts if "年度の NO" in t and "[廃止]" not in t]


def test_the_network_and_map_tables_hold_each_year_apart(workflow):
    """Two years are never one network, one map or one tree: each table of those stages has a year column, and
    a year's rows are what that year's page draws (select_year recomputes them from its own items)."""
    from kyodo_analysis.slices import select_year
    from kyodo_analysis.storage import load_analysis

    base, _ = workflow
    whole = load_analysis(base / "processed")
    parts = {year: select_year(whole, year) for year in (2024, 2025)}
    for name in ("cooccurrence_edges", "correspondence_inertia", "correspondence_groups", "clusters", "mds_axes"):
        table = whole[name]
        assert table.columns[0] == "year" and set(table["year"]) == {2024, 2025}, name
        for year, part in parts.items():
            own = table[table["year"] == year].dropna(axis=1, how="all").reset_index(drop=True)
            pd.testing.assert_frame_equal(own, part[name].reset_index(drop=True), check_dtype=False, obj=f"{name} {year}")


def test_year_pages_name_each_tables_source(two_year_run):
    from kyodo_analysis.storage import load_analysis
    from kyodo_analysis.years import table_sources

    base, _, _ = two_year_run
    analysis = load_analysis(base / "processed")
    sources = table_sources(analysis.metadata)
    assert sources[["city", "year", "file"]].values.tolist() == [["逗子市", 2024, RAW.name], ["逗子市", 2025, NEW_NAME]]
    assert sources["source"].tolist() == ["同梱の表 (テスト用の複製; 年度不明のまま)", "テスト用の架空データ"]


def test_the_year_table_names_the_previous_year_on_every_row(two_year_run):
    from kyodo_analysis.report import term_changes
    from kyodo_analysis.storage import load_analysis

    base, _, _ = two_year_run
    table = term_changes(load_analysis(base / "processed")["keyword_trends"])
    assert len(table) and set(table["年度"]) == {2025} and set(table["比べた年度"]) == {2024}  # the note's row too


def test_a_year_asked_of_a_yearless_table_names_the_table_as_yearless(bundled_analysis):
    """A notebook's YEAR set on the bundled table, whose year is unknown: the error says the table it has is
    年度不明 and how to record its year — it said 「ある年度: なし」, as if there were no table."""
    from kyodo_analysis.errors import InputError
    from kyodo_analysis.slices import for_year

    with pytest.raises(InputError) as error:
        for_year(bundled_analysis, 2018)
    message = error.value.format()
    assert "2018年度の表がありません (ある表: 年度不明)" in message and "--year" in message, message


def test_a_name_saved_as_cp932_one_year_and_utf8_the_next_is_one_program(tmp_path):
    """Windows' CP932 reads 〜 as ～ (U+FF5E) and − as － (U+FF0D): the same table saved as 「CSV (コンマ区切り)」 one
    year and as UTF-8 the next called two unchanged programs renamed (a hostile tester). The names are one."""
    from kyodo_analysis.years import program_changes

    rows = [(2024, 1, "市民活動支援補助金～まちづくり～"), (2024, 2, "地域活動センター－東"),
            (2025, 1, "市民活動支援補助金〜まちづくり〜"), (2025, 2, "地域活動センター−東")]
    programs = pd.DataFrame(rows, columns=["year", "program_no", "program"]).assign(
        support_type="財政的支援", city="若葉台市", source_file=lambda d: d["year"].astype(str) + ".csv")
    changes = program_changes(programs, programs.assign(text="補助を行った"))
    assert changes["status"].tolist() == ["kept", "kept"] and (changes["previous_name"] == "").all()
    # the bytes as Excel writes them: CP932 0x8160 is read as ～ (U+FF5E), the UTF-8 file keeps 〜 (U+301C)
    assert b"\x81\x60".decode("cp932") == "\uff5e"


def test_year_outputs_say_only_what_the_tables_carry(bundled_analysis):
    """A reviewer of two years seven apart: 「(2025年度から)」 / 「(2018年度まで)」 and 「前年度」 said more than which
    table holds a program; a program moved to another 区分 was shown as renumbered only; 「|z| ≥ 1.96 で増減した語は
    ありません」 did not say that a word found in one year only may not reach it."""
    from kyodo_analysis.plots import plot_program_changes
    from kyodo_analysis.report.views import term_changes

    changes = pd.DataFrame({"program_no": [5], "program": ["協働事業提案制度"], "support_type": ["人的支援"],
                            "status": ["renumbered"], "first_year": [2018], "last_year": [2025], "previous_name": [""],
                            "previous_no": [3], "previous_support_type": ["財政的支援"]})
    fig = plot_program_changes(changes, bundled_analysis.metadata)
    label = "".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "旧 NO 3" in label and "区分: 財政的支援 → 人的支援" in label
    trends = pd.DataFrame({"city": "逗子市", "year": [2025], "prev_year": [2018], "term": ["担い手"], "n_prev": [0], "n": [2],
                           "z_vs_prev": [0.82], "all_groups": [True], "aspect": ["all"]})
    table = term_changes(trends)
    assert "比べた年度" in table.columns and "前年度" not in table.columns
    assert "一方の年度にだけある語でも届かないことがあります" in table["語"].iloc[0]


def test_the_code_changes_of_programs_in_both_tables_are_named_apart_from_turnover(tmp_path):
    """A reviewer of two years: the code-by-year table's changes were mostly programs added, removed or moved, and
    nothing said which program made which. The programs in both tables whose codes changed are named, aspect by
    aspect (今後 too: a newcomer), and what else changed the table is said only when it happened. 2025 here is
    2024 with one item added to NO 4's 効果 and one to its 今後; then NO 3 removed as well."""
    from kyodo_analysis.year_sentences import code_change_lines

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW, raw / "zushi_2024.tsv")
    lines = RAW.read_text(encoding="utf-8").split("\n")
    row = next(k for k, line in enumerate(lines) if line.split("\t")[1:2] == ["4"])
    cells = lines[row].split("\t")
    cells[3] += " ・予算が確保できた。"
    cells[5] += " ・寄付を募る。"
    lines[row] = "\t".join(cells)
    (raw / "zushi_2025.tsv").write_text("\n".join(lines), encoding="utf-8")
    assert code_change_lines(analyze(table_files(raw))) == [
        "両方の表にある 8 事業のうち、2024年度と2025年度でコードが変わった事業は 1 事業です: NO 4 市民協働コーディネーター"
        " (効果 加わった「財源・費用」、今後 加わった「財源・費用」)。"]  # nothing added, removed or moved: no more said
    del lines[next(k for k, line in enumerate(lines) if line.split("\t")[1:2] == ["3"])]
    (raw / "zushi_2025.tsv").write_text("\n".join(lines), encoding="utf-8")
    assert code_change_lines(analyze(table_files(raw)))[0].endswith(
        "年度ごとのコードの表のほかの増減は、廃止 1 事業によるものです。")
    cells[1] = "9"  # renumbered too: named with both years' numbers (a newcomer read NO 3 as the first year's)
    lines[next(k for k, line in enumerate(lines) if line.split("\t")[1:2] == ["4"])] = "\t".join(cells)
    (raw / "zushi_2025.tsv").write_text("\n".join(lines), encoding="utf-8")
    assert ("コードが変わった事業は 1 事業です: NO 4 市民協働コーディネーター → NO 9 市民協働コーディネーター (効果 加わった"
            in code_change_lines(analyze(table_files(raw)))[0])


def test_a_program_renumbered_twice_is_said_with_its_first_and_last_numbers(tmp_path):
    """Three years, B事業 numbered 5, 4, then 3 and A事業 renamed twice: the 2023〜2025 line said 「NO 4 → NO 3」 (the
    number before the last change); it now says the first year's number and name (first_no, first_name)."""
    from kyodo_analysis.year_sentences import year_change_lines

    from .test_adversarial import HEADER as header
    raw = tmp_path / "raw"
    raw.mkdir()
    for year, no, name in (("2023", 5, "A事業"), ("2024", 4, "A事業(改)"), ("2025", 3, "新A事業")):
        rows = [f"財政的支援\t1\t{name}\t・団体の活動が広がった\t・団体が少ない\t・周知",
                f"人的支援\t{no}\tB事業\t・講座の参加者が増えた\t・講師が少ない\t・周知"]
        (raw / f"t_{year}.tsv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    analysis = analyze(table_files(raw))
    row = analysis["program_changes"].set_index("program").loc["B事業"]
    assert (row["program_no"], row["previous_no"], row["first_no"]) == (3, 4, 5)
    assert year_change_lines(analysis)[0].startswith("2023年度〜2025年度: 名称変更 1 事業 (NO 1 A事業 → NO 1 新A事業)。"
                                                     "番号変更 1 事業 (NO 5 B事業 → NO 3 B事業)")  # not 「A事業(改) →」


def test_a_change_undone_by_the_last_year_is_no_change(tmp_path):
    """Three years: C事業 numbered 6, 7, then 6 again, D事業 renamed and named back, E事業 moved to 人的支援 and back.
    They were 「番号変更 (NO 6 → NO 6)」, 「名称変更 (研修Q → 研修Q)」 and a move (a hostile tester): the first table
    against the last, they are kept."""
    from kyodo_analysis.year_sentences import year_change_lines

    from .test_adversarial import HEADER as header
    raw = tmp_path / "raw"
    raw.mkdir()
    for year, no, name, group in (("2023", 6, "研修Q", "場の提供"), ("2024", 7, "研修Q改", "人的支援"),
                                  ("2025", 6, "研修Q", "場の提供")):
        rows = ["財政的支援\t1\tA事業\t・団体の活動が広がった\t・団体が少ない\t・周知",
                f"{group}\t{no}\t{name}\t・講座の参加者が増えた\t・講師が少ない\t・周知"]
        (raw / f"t_{year}.tsv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    analysis = analyze(table_files(raw))
    row = analysis["program_changes"].set_index("program").loc["研修Q"]
    assert (row["status"], row["previous_support_type"]) == ("kept", "")
    line = year_change_lines(analysis)[0]
    assert line.startswith("2023年度〜2025年度: 事業の追加・廃止・名称変更・番号変更はありません") and "変わった事業は" not in line


def test_over_three_years_the_turnover_sentence_speaks_of_the_first_and_last_tables():
    """A year between may differ for reasons the sentence does not name (a hostile tester: a kept program's code came
    and went in 2024): with three years it speaks of the first and the last table only."""
    from kyodo_analysis.schema import zushi_comparison
    from kyodo_analysis.year_sentences import _turnover

    changes = pd.DataFrame({"status": ["kept", "added"], "previous_support_type": ["", ""]})
    said = _turnover(changes, changes.iloc[:1], zushi_comparison(), [2023, 2024, 2025])
    assert said == "年度ごとのコードの表の2023年度と2025年度のあいだのほかの増減は、追加 1 事業によるものです。"
    assert _turnover(changes, changes.iloc[:1], zushi_comparison(), [2024, 2025]).startswith("年度ごとのコードの表のほかの")


def test_a_program_missing_from_a_year_between_is_one_program(tmp_path):
    """夏祭りG is in the 2022 and 2024 tables, not in 2023's: it was said both 廃止 and 追加, and left out of the
    programs in both tables (a hostile tester). It is followed by name across the gap."""
    from kyodo_analysis.year_sentences import code_change_lines, year_change_lines

    from .test_adversarial import HEADER as header
    raw = tmp_path / "raw"
    raw.mkdir()
    keep = "財政的支援\t1\tA事業\t・団体の活動が広がった\t・団体が少ない\t・周知"
    festival = "場の提供\t2\t夏祭りG\t・{}\t・会場が狭い\t・周知"
    tables = {"2022": [keep, festival.format("参加者が増えた")], "2023": [keep],
              "2024": [keep, festival.format("団体と連携できた")]}
    for year, rows in tables.items():
        (raw / f"t_{year}.tsv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    analysis = analyze(table_files(raw))
    changes = analysis["program_changes"]
    assert changes["program"].tolist().count("夏祭りG") == 1 and set(changes["status"]) == {"kept"}
    assert year_change_lines(analysis)[0].startswith("2022年度〜2024年度: 事業の追加・廃止・名称変更・番号変更はありません")
    assert code_change_lines(analysis)[0].startswith("両方の表にある 2 事業のうち")


def test_a_year_without_a_group_column_is_no_group_named_kubun_nashi(tmp_path):
    """A hostile tester: 2024's table had no 区分 column, 2025's has one. The year section said 「区分が変わった事業は
    2 事業 (区分なし → 甲 …)」 and 「2025年度の表には2024年度の区分「区分なし」がありません」: 区分なし is the package's name
    for a group not written, no group a table has, and a program leaving it has not moved."""
    from kyodo_analysis.year_sentences import year_change_lines

    raw, ref = tmp_path / "raw", tmp_path / "ref"
    raw.mkdir()
    ref.mkdir()
    aspects = ('[aspects]\ngood = { headers = ["良かった点"], label = "良い点", polarity = "positive" }\n'
               'bad = { headers = ["悪かった点"], label = "悪い点", polarity = "negative" }\n')
    (ref / "s24.toml").write_text('[columns]\nprogram_no = ["No"]\nprogram = ["事業名"]\n' + aspects, encoding="utf-8")
    (ref / "s25.toml").write_text('[columns]\nsupport_type = ["区分"]\nprogram_no = ["No"]\nprogram = ["事業名"]\n' + aspects,
                                  encoding="utf-8")
    (raw / "o_2024.tsv").write_text("No\t事業名\t良かった点\t悪かった点\n1\t事業1\t・参加者が増えた\t・予算が不足\n"
                                    "2\t事業2\t・会場を確保した\t・担い手が不足\n", encoding="utf-8")
    (raw / "o_2025.tsv").write_text("区分\tNo\t事業名\t良かった点\t悪かった点\n甲\t1\t事業1\t・参加者が増えた\t・予算が不足\n"
                                    "甲\t2\t事業2\t・会場を確保した\t・担い手が不足\n", encoding="utf-8")
    for name, schema in (("o_2024.tsv", "s24.toml"), ("o_2025.tsv", "s25.toml")):
        status, _, err = cli("manifest", "add", str(raw / name), "--city", "架空村O", "--title", "表", "--schema", str(ref / schema))
        assert status == 0, err
    result = analyze(table_files(raw))
    assert (result["program_changes"]["previous_support_type"].fillna("") == "").all()
    text = "".join(year_change_lines(result))
    assert "区分なし" not in text and "区分が変わった" not in text, text
    assert "2025年度の表には2024年度の表になかった区分「甲」があります。" in text, text
