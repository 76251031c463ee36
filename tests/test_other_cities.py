"""Other cities' tables (made up, under tests/fixtures/other_cities/): their own aspects, attributes as
comparison variables (--by), and several cities analysed together."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from kyodo_analysis.cleaning import clean_table
from kyodo_analysis.plots import year_figure_specs
from kyodo_analysis.schema import Comparison, load_schema
from kyodo_analysis.slices import for_city
from kyodo_analysis.stats import Cut
from kyodo_analysis.tables import read_csv
from kyodo_analysis.year_sentences import years_sentence

from .conftest import FIXTURES, RAW, cli

CITIES = FIXTURES / "other_cities"
TABLES = {"a": ("kasou_a_hyoka_2024.csv", "架空市A", "協働事業評価シート"),
          "b": ("kasou_b_seika_2024.tsv", "架空市B", "協働の成果と課題"),
          "c": ("kasou_c_tanto_2024.tsv", "架空市C", "担当課評価")}


def city_folder(base, which: str = "abc"):
    """A project with the chosen made-up tables in raw/, each registered with its city and schema."""
    raw, references = base / "raw", base / "references"
    raw.mkdir(parents=True)
    references.mkdir()
    for key in which:
        name, city, title = TABLES[key]
        shutil.copy(CITIES / name, raw / name)
        shutil.copy(CITIES / f"schema_{key}.toml", references / f"schema_{key}.toml")
        status, _, err = cli("manifest", "add", str(raw / name), "--city", city, "--title", title,
                             "--schema", str(references / f"schema_{key}.toml"))
        assert status == 0, err
    return raw


def test_a_rating_table_is_cleaned_into_its_own_aspects_with_the_rating_kept():
    table = clean_table(CITIES / TABLES["a"][0], schema=load_schema(CITIES / "schema_a.toml"))
    items, programs = table.items, table.programs
    assert list(programs.columns) == ["source_file", "source_line", "year", "city", "support_type", "program_no",
                                      "program", "rating", "n_reason", "n_comment", "n_items"]
    assert programs["rating"].tolist() == ["A", "B", "A", "C", "B"]
    assert programs["support_type"].tolist() == ["福祉", "福祉", "環境", "環境", "まちづくり"]
    assert items.groupby("aspect", sort=False).size().to_dict() == {"reason": 9, "comment": 6}
    first = items[(items["program_no"] == 1) & (items["aspect"] == "reason")]["text"].tolist()
    assert first == ["登録ボランティアが増え、見守りの件数が伸びた",
                     "地域包括支援センターとの連携が定着した ※令和5年度からの継続事業"]  # the ※ note stays with its item
    assert items.loc[items["program_no"] == 3, "rating"].unique().tolist() == ["A"]  # a program attribute on its items
    assert items["item_id"].iloc[0] == "kasou_a_hyoka_2024-01-reason-01"


def test_a_table_without_no_or_groups_keeps_one_item_per_line_and_ignores_what_it_is_told_to():
    table = clean_table(CITIES / TABLES["c"][0], schema=load_schema(CITIES / "schema_c.toml"))
    items = table.items
    assert table.programs["program_no"].tolist() == [1, 2, 3]
    assert table.programs["department"].tolist() == ["公園課", "防災課", "図書館"]
    assert items.loc[items["program_no"] == 1, "text"].tolist() == [
        "愛護会の数が増えた", "清掃の回数が増えた", "会員の高齢化が進んでいる", "若い世代の参加を促す"]
    assert items.loc[items["program_no"] == 3, "text"].tolist() == [
        "読み聞かせの回数が増えた ※利用者の声を集めた", "ボランティアの確保が難しい"]
    assert "平成20年度開始" not in " ".join(items["text"])  # 備考 is ignored, as the schema says


def test_a_separate_notes_schema_makes_a_note_its_own_item(tmp_path):
    schema = tmp_path / "s.toml"
    schema.write_text('notes = "separate"\n' + (CITIES / "schema_c.toml").read_text(encoding="utf-8"), encoding="utf-8")
    items = clean_table(CITIES / TABLES["c"][0], schema=load_schema(schema)).items
    assert items.loc[items["program_no"] == 3, "text"].tolist()[:2] == ["読み聞かせの回数が増えた", "※利用者の声を集めた"]


def test_a_group_the_schema_does_not_know_is_warned_of_in_the_tables_own_words(tmp_path):
    """[support_types] known lists the groups a table is expected to hold; another value is kept and warned of,
    named as the table names the column (分野 for 架空市A, 区分 only for a table that says 区分)."""
    schema = tmp_path / "s.toml"
    schema.write_text((CITIES / "schema_a.toml").read_text(encoding="utf-8") + '\n[support_types]\nknown = ["福祉", "環境"]\n',
                      encoding="utf-8")
    table = clean_table(CITIES / TABLES["a"][0], schema=load_schema(schema))
    assert [w for w in table.warnings if "これまでにない" in w] == [
        "kasou_a_hyoka_2024.csv:13: これまでにない分野です (そのまま使います): まちづくり"]
    assert table.programs["support_type"].tolist()[-1] == "まちづくり"


def test_analyze_by_an_attribute_compares_its_values(tmp_path):
    raw = city_folder(tmp_path, "a")
    out = tmp_path / "processed"
    status, _, err = cli("analyze", "--raw-dir", str(raw), "--out", str(out), "--by", "rating")
    assert status == 0, err
    metadata = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["comparison"]["by"] == "rating" and metadata["comparison"]["by_label"] == "評価"
    assert [a["label"] for a in metadata["comparison"]["aspects"]] == ["理由", "意見"]
    assert metadata["raw_files"][0]["schema"].endswith("schema_a.toml")
    codes = read_csv(out / "codes.csv")
    assert list(codes.columns[:4]) == ["year", "code", "rating", "aspect"]
    pooled = codes[(codes["aspect"] == "all")].drop_duplicates("rating").set_index("rating")
    assert pooled["programs_total"].to_dict() == {"A": 2, "B": 2, "C": 1}  # programs per rating, the test's unit
    assert list(read_csv(out / "keywords.csv").columns[:3]) == ["year", "rating", "aspect"]
    assert set(read_csv(out / "distinctive_terms.csv")["rating"]) == {"A", "B", "C"}
    assert set(read_csv(out / "distinctive_aspects.csv")["aspect"]) == {"reason", "comment"}
    assert read_csv(out / "effect_vs_limitation.csv").empty  # the schema marks no positive and negative aspects
    assert read_csv(out / "items.csv")["rating"].notna().all()
    status, lines, _ = cli("kwic", "増える", "--raw-dir", str(raw), "--by", "rating")
    assert status == 0 and "2024年度 | 評価 A | 番号 3 海岸清掃協働事業 | 理由 | 参加団体が【増え】、清掃の回数が伸びた" in lines
    from kyodo_analysis import sentences, topics
    from kyodo_analysis.storage import load_analysis

    by_rating = load_analysis(out)  # a value of an attribute is named with it: a bare 「A (2 事業):」 named nothing
    assert sentences.groups_sentence(by_rating).count("「評価 A」「評価 B」「評価 C」") == 1
    assert [s.split(":")[0] for s in topics.summary_sentences(by_rating)] == [
        "評価 A (2 事業)", "評価 B (2 事業)", "評価 C (1 事業)"]
    named = sentences.distinctive_sentence(by_rating)  # 「Aの 2 事業中」 read as 架空市A (a reviewer)
    assert "(各評価の最大: 評価 A " in named and "評価 B " in named and "(各評価の最大: A " not in named
    assert sentences.left_out_sentence({"A": Cut(18, 8), "B": Cut(20, 8)}, by_rating).startswith(
        "表の次の順位に並ぶ同数の語が多すぎるため、その語を表から省きました (評価 Aの 18 語、評価 Bの 20 語)。")


def test_an_unknown_comparison_variable_or_a_missing_value_stops_with_what_to_do(tmp_path):
    raw = city_folder(tmp_path, "a")
    status, _, err = cli("analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "out"), "--by", "budget")
    # `by = "budget"` in kyodo-analysis.toml was reported as 「--by budget」 (a newcomer's walk): both are named
    assert status == 2 and "比べるグループ budget (--by か設定ファイルの by) はこの表のスキーマにない属性です" in err
    assert "--by か kyodo-analysis.toml の by を直してください。使える名前: support_type, city, rating" in err
    assert not (tmp_path / "out").exists()
    text = (raw / TABLES["a"][0]).read_bytes().replace(b",B,", b",,", 1)
    (raw / TABLES["a"][0]).write_bytes(text)
    cli("manifest", "add", str(raw / TABLES["a"][0]))
    status, _, err = cli("analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "out"), "--by", "rating")
    assert status == 2 and "番号 2" in err and "「評価」がありません" in err and ":6" in err  # the city's own number header


def test_a_table_without_the_compared_column_is_said_to_lack_it_not_its_first_program(tmp_path):
    """A second year that dropped the attribute's column: said of the table, with what to do, not as its first program."""
    from dataclasses import replace

    from kyodo_analysis.cleaning import clean_table
    from kyodo_analysis.errors import InputError
    from kyodo_analysis.schema import load_schema
    from kyodo_analysis.table_checks import comparison_of

    path = FIXTURES / "other_cities" / TABLES["a"][0]
    table = clean_table(path, schema=load_schema(FIXTURES / "other_cities" / "schema_a.toml"))
    with pytest.raises(InputError) as raised:
        comparison_of([table, replace(table, programs=table.programs.assign(rating=pd.NA))], "rating")
    message = str(raised.value)
    assert "この表のどの事業にも「評価」がありません" in message and "番号" not in message
    assert "分析から外してください" in message


def test_years_are_compared_within_a_city(tmp_path):
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.manifest import table_files

    from .conftest import NEW_YEAR_CSV, RAW, overlapping_tick_labels

    raw = city_folder(tmp_path, "b")
    shutil.copy(RAW, raw / RAW.name)
    shutil.copy(NEW_YEAR_CSV, raw / "zushi_2025.csv")
    for name, year in ((RAW.name, "2024"), ("zushi_2025.csv", "2025")):
        status, _, err = cli("manifest", "add", str(raw / name), "--year", year, "--city", "逗子市", "--title", "協働の成果等")
        assert status == 0, err
    result = analyze(table_files(raw))
    changes = result["program_changes"]
    assert changes.loc[changes["city"] == "架空市B", "status"].unique().tolist() == ["not_compared"]  # one year: none kept
    zushi = changes[changes["city"] == "逗子市"]
    assert len(zushi) == 9 and (zushi["first_year"].min(), zushi["last_year"].max()) == (2024, 2025)
    trends = result["keyword_trends"]
    assert trends.loc[trends["city"] == "架空市B", "z_vs_prev"].isna().all()  # one year: nothing to compare
    assert trends.loc[trends["city"] == "逗子市", "prev_year"].dropna().unique().tolist() == [2024]
    specs = year_figure_specs(result)  # the year figures compare Zushi's two years, nothing of B
    assert [name for name, _, _ in specs] == ["items_by_year", "terms_rising_and_falling", "codes_by_year",
                                              "program_changes", "cooccurrence_changes"]
    assert set(specs[0][2][0]["city"]) == {"逗子市"} and set(specs[2][2][1]["city"]) == {"逗子市"}
    for name, plot, args in specs:
        assert overlapping_tick_labels(plot(*args)) == [], name
    zushi = for_city(result)
    assert set(zushi["codes"]["programs_total"]) <= {1, 2, 3} and len(zushi["items"]) == len(
        result["items"][result["items"]["city"] == "逗子市"])  # codes recomputed over Zushi's own programs
    assert years_sentence(zushi, result) == "逗子市の2024〜2025年度の 2 つの年度の表を比べます。"


def test_cities_with_one_year_each_are_not_compared_across_years(tmp_path):
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.manifest import table_files

    raw = city_folder(tmp_path, "ab")
    cli("manifest", "add", str(raw / TABLES["b"][0]), "--year", "2023")
    result = analyze(table_files(raw), by="city")
    assert year_figure_specs(result) == []
    assert years_sentence(for_city(result), result).startswith("どの市町村の表も1つの年度だけなので")


@pytest.mark.parametrize("text, message", [
    ('[columns]\nprogram = ["事業名"]\n[aspects]\nreason = { headers = ["理由"], polarity = "good" }\n', "polarity"),
    ('[columns]\nprogram = ["事業名"]\n[aspects]\nReason = ["理由"]\n', "'Reason' は使えません"),
    ('[columns]\nprogram = ["事業名"]\n[aspects]\nreason = ["理由"]\n[attributes]\nreason = ["評価"]\n', "2回"),
    ('[columns]\nprogram = ["事業名"]\n[aspects]\nreason = ["理由"]\ncomment = { headers = ["意見"], label = 3 }\n',
     "[aspects] の comment の label の値は文字列にしてください (今の値: 3)。\n  対処: 例: label = \"理由\""),
    ('[columns]\nprogram = ["事業名"]\n[aspects]\nfoo = 3\n',  # the example of [aspects], not of [columns]
     "[aspects] の foo の値は見出し文字列のリストにしてください (今の値: 3)。\n  対処: 例: reason = [\"評価の理由\"]"),
    ('[columns]\nprogram = ["事業名"]\n[aspects]\na = { headers = ["良"], polarity = "positive" }\n'
     'b = { headers = ["優"], polarity = "positive" }\n', "複数"),
    ('[columns]\nprogram = ["事業名"]\nnotes = "drop"\n[aspects]\nreason = ["理由"]\n', "notes"),
    ('[columns]\nprogram = ["事業名"]\n', "[aspects]"),
    ('[columns]\nprogram = ["事業名"]\n[aspect]\nreason = ["理由"]\n', "未知の項目: aspect"),
    # validate read these, where analyze stopped or the check fell silent (a hostile tester)
    ('[columns]\nprogram = ["事業名"]\n[aspects]\nreason = { headers = ["理由"], label = "理由" }\n'
     'other = { headers = ["意見"], label = "理由" }\n', "のラベルが同じ「理由」です"),
    ('[columns]\nprogram = ["事業名"]\n[aspects]\nreason = ["理由"]\n[support_types]\nknwn = ["福祉"]\n',
     "[support_types] の未知の項目: knwn"),
])
def test_a_bad_schema_is_refused_with_its_file_and_what_to_write(tmp_path, text, message):
    schema = tmp_path / "s.toml"
    schema.write_text(text, encoding="utf-8")
    (tmp_path / "t.tsv").write_text("事業名\t理由\nA\t・よい\n", encoding="utf-8")
    status, out, err = cli("validate", str(tmp_path / "t.tsv"), "--schema", str(schema))
    assert status == 2 and message in err and "s.toml" in err and "Traceback" not in err and out == ""


@pytest.mark.parametrize("text, message", [
    ('[columns]\nprogram = ["事業名"\nsupport_type = ["分野"]\n\n[aspects]\nreason = ["理由"]\n',
     "s.toml:3: スキーマファイルを TOML として読めません: [ ] の閉じ括弧 ] がありません (3 行目 1 文字目で気づきました。"),
    ('[columns\nprogram = ["事業名"]\n', "s.toml:1: スキーマファイルを TOML として読めません: 表の見出し [ ] の閉じ括弧 ]"),
    ('[columns]\nprogram = ["事業名]\n', "s.toml:2: スキーマファイルを TOML として読めません: 文字列の中に改行などの使えない文字"),
    ('[columns]\nprogram = 事業名\n', "値が読めません (文字列は \"…\" で囲みます)"),
    ('[columns]\nprogram = ["事業名"]\n[columns]\n', "同じ表の見出しが2回あります"),
])
def test_a_schema_that_is_not_toml_is_named_at_the_line_the_parser_stopped_in_japanese(tmp_path, text, message):
    """A lost bracket is noticed on a later line than the one it was lost on: the error gives the line it was
    noticed at, says so, and says what is wrong in Japanese (the parser's own words come last)."""
    schema = tmp_path / "s.toml"
    schema.write_text(text, encoding="utf-8")
    (tmp_path / "t.tsv").write_text("事業名\t理由\nA\t・よい\n", encoding="utf-8")
    status, out, err = cli("validate", str(tmp_path / "t.tsv"), "--schema", str(schema))
    assert status == 2 and message in err and "Traceback" not in err and out == ""
    assert "前の行にあることがあります" in err
    assert ("が対になっているか確かめてください" in err) == ("括弧" in message or "引用符" in message or "改行" in message)


def test_three_cities_with_their_own_schemas_run_end_to_end_and_compare_by_city(tmp_path):
    import subprocess
    import sys

    from docx import Document
    from openpyxl import load_workbook

    from .conftest import ROOT

    raw = city_folder(tmp_path)
    result = subprocess.run([sys.executable, "-m", "kyodo_analysis", "run", "--raw-dir", str(raw), "--by", "city",
                             "--out", str(tmp_path / "processed"), "--reports", str(tmp_path / "reports"),
                             "--notebooks", str(ROOT / "notebooks")], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    items = read_csv(tmp_path / "processed" / "items.csv")
    assert items.groupby("city", sort=False).size().to_dict() == {"架空市A": 15, "架空市B": 17, "架空市C": 8}
    assert list(dict.fromkeys(items["aspect"])) == ["reason", "comment", "result", "issue", "next_step", "evaluation",
                                                    "improvement"]
    paired = read_csv(tmp_path / "processed" / "effect_vs_limitation.csv")
    assert set(paired["city"]) == {"架空市B"}  # 成果 (positive) and 課題 (negative) are only in B's schema
    figures = sorted(p.name for p in (tmp_path / "reports" / "figures").glob("*.png"))
    assert figures == ["codes_by_city_heatmap.png", "cooccurrence_network.png", "correspondence_analysis_map.png",
                       "distinctive_terms_by_city.png", "effect_vs_limitation_terms_by_city.png",
                       "items_by_city_and_aspect.png", "term_clusters_dendrogram.png", "term_mds_map.png"]
    sheets = load_workbook(tmp_path / "reports" / "kyodo_tables.xlsx", read_only=True).sheetnames
    assert "市町村×観点の項目数" in sheets and "成果と課題の語(同じ事業)" in sheets
    text = "\n".join(p.text for p in Document(tmp_path / "reports" / "kyodo_summary.docx").paragraphs)
    # only 架空市B's schema marks 成果 and 課題: the title lists the aspects, as of tables that do not all have sides
    assert "市の表が市町村ごとに挙げたこと (理由、意見、成果、課題、今後、評価、課題・改善案)" in text and "として挙げた" not in text
    assert "架空市A (2024年度・5 事業)" in text and "区分" not in text
    page = (tmp_path / "reports" / "3.0-support-types.html").read_text(encoding="utf-8")
    assert "## 市町村" not in page and "市町村ごとの特徴語" in page and "架空市C" in page
    assert "効果" not in page.split("<body")[1]  # Zushi's aspect labels never leak into another schema's report
    words = (tmp_path / "reports" / "2.0-keywords.html").read_text(encoding="utf-8").split("<body")[1]
    assert "Wi-Fi" not in words and "逗子" not in words  # 「Wi-Fi の Wi など」 was Zushi's example (a newcomer)


def test_a_new_year_of_the_same_city_is_read_with_its_schema(tmp_path):
    from kyodo_analysis.manifest import read_manifest

    raw = city_folder(tmp_path, "a")
    shutil.copy(CITIES / TABLES["a"][0], raw / "kasou_a_hyoka_2025.csv")
    status, out, err = cli("manifest", "add", str(raw / "kasou_a_hyoka_2025.csv"))  # the README's new-year step
    assert status == 0, err
    assert "2025年度" in out and "項目 15 件" in out
    rows = {e.file: e for e in read_manifest(raw)}
    assert rows["kasou_a_hyoka_2025.csv"].city == "架空市A"
    assert rows["kasou_a_hyoka_2025.csv"].extra["schema"] == rows[TABLES["a"][0]].extra["schema"] == \
        "../references/schema_a.toml"


def test_the_settings_file_can_name_the_schema_and_the_groups(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(CITIES / TABLES["a"][0], raw / TABLES["a"][0])
    (tmp_path / "references").mkdir()
    shutil.copy(CITIES / "schema_a.toml", tmp_path / "references" / "schema_a.toml")
    settings = tmp_path / "kyodo-analysis.toml"
    settings.write_text('[analysis]\nschema = "references/schema_a.toml"\nby = "rating"\n', encoding="utf-8")
    status, _, err = cli("analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "out"), "--settings", str(settings))
    assert status == 0, err
    metadata = json.loads((tmp_path / "out" / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["comparison"]["by"] == "rating" and metadata["raw_files"][0]["schema"].endswith("schema_a.toml")
    status, _, err = cli("analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "out2"), "--settings", str(settings),
                         "--by", "support_type")  # the command line wins
    assert status == 0, err
    assert list(read_csv(tmp_path / "out2" / "codes.csv").columns[:3]) == ["year", "code", "support_type"]


def test_a_table_without_support_types_is_one_named_group_also_when_read_back(tmp_path):
    from kyodo_analysis.report import items_by_group
    from kyodo_analysis.storage import load_analysis

    raw = city_folder(tmp_path, "c")
    status, _, err = cli("analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "out"))
    assert status == 0, err
    analysis = load_analysis(tmp_path / "out")  # as the notebooks read it: a blank would come back missing
    assert analysis["programs"]["support_type"].tolist() == ["区分なし"] * 3
    table = items_by_group(analysis["programs"], Comparison.from_metadata(analysis.metadata))
    assert table.loc["区分なし", ["事業数", "評価", "課題・改善案", "計"]].tolist() == [3, 4, 4, 8]


@pytest.mark.parametrize("by", ["city", "support_type"])
def test_figures_of_three_cities_keep_their_labels_apart(tmp_path, by):
    """Three cities of different shapes, compared by city and by support type: no tick label of any
    figure collides with another."""
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.manifest import table_files
    from kyodo_analysis.plots import figure_specs

    from .conftest import overlapping_tick_labels

    result = analyze(table_files(city_folder(tmp_path)), by=by)
    for name, plot, args in figure_specs(result):
        assert overlapping_tick_labels(plot(*args)) == [], name


def register_years(raw, years: dict[str, int]) -> None:
    for key, year in years.items():
        status, _, err = cli("manifest", "add", str(raw / TABLES[key][0]), "--year", str(year))
        assert status == 0, err


def test_the_year_page_never_compares_years_of_different_cities(tmp_path):
    """Three cities of one year each, every year another: the year page's part (for_city, as 4.0 reads it)
    holds one city and so one year — the whole analysis holds three years, and the page would set them side by
    side as if one city's (and drew an empty chart: a crash once)."""
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.manifest import table_files
    from kyodo_analysis.report import years

    raw = city_folder(tmp_path)
    register_years(raw, {"b": 2023, "c": 2022})
    whole = analyze(table_files(raw))
    part = for_city(whole)
    assert len(years(whole)) == 3 and len(years(part)) == 1 and set(part["items"]["city"]) == {"架空市A"}
    assert years_sentence(part, whole).startswith("どの市町村の表も1つの年度だけなので")


def test_cities_of_different_years_are_compared_each_by_its_own_table(tmp_path):
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.manifest import table_files
    from kyodo_analysis.slices import for_year, page_years
    from kyodo_analysis.years import compared_labels

    raw = city_folder(tmp_path)
    register_years(raw, {"b": 2023, "c": 2022})  # the normal case: each city's latest table is of another year
    result = analyze(table_files(raw), by="city")
    years = {"架空市A": 2024, "架空市B": 2023, "架空市C": 2022}
    codes = result["codes"]
    assert dict(zip(codes["city"], codes["year"], strict=True)) == years  # each city's rows carry its table's year
    assert codes.drop_duplicates("city").set_index("city")["programs_total"].to_dict() == {
        "架空市A": 5, "架空市B": 5, "架空市C": 3}
    assert codes["min_p_holm"].nunique() == 1  # the three cities are one family of tests, not one per year
    keywords = result["keywords"]
    assert dict(zip(keywords["city"], keywords["year"], strict=True)) == years
    pooled = result["word_counts"][result["word_counts"]["all_groups"]]
    assert len(pooled) and pooled["year"].isna().all() and pooled["city"].isna().all()  # rows pooling cities of different years have no one year
    assert set(result["distinctive_terms"]["city"]) == set(years)
    assert set(result["correspondence_groups"]["group"]) == set(years)
    assert compared_labels(result.metadata) == {"架空市A": "架空市A (2024年度)", "架空市B": "架空市B (2023年度)",
                                                "架空市C": "架空市C (2022年度)"}
    assert page_years(result) == [None] and len(for_year(result)["items"]) == 40  # one page compares the three
    # every label names each city's year: the sentences, the Word headings and the figures' group labels
    from kyodo_analysis import sentences, topics
    from kyodo_analysis.plots import group_names

    page = for_year(result)
    assert sentences.groups_sentence(page).startswith("市町村ごとに比べます: 「架空市A (2024年度)」「架空市B (2023年度)」")
    assert [s.split(" 事業)")[0] for s in topics.summary_sentences(page)] == [
        "架空市A (2024年度・5", "架空市B (2023年度・5", "架空市C (2022年度・3"]
    from kyodo_analysis.report import items_by_group

    counts = items_by_group(page["programs"], Comparison.from_metadata(page.metadata))
    assert list(counts.index) == ["架空市A", "架空市B", "架空市C", "計"]  # one block, one total: not a 計 per year
    assert counts["年度"].tolist() == [2024, 2023, 2022, ""] and counts.loc["計", "計"] == 40
    shown, _ = group_names(list(years), 40, "市町村", page.metadata)
    assert shown == {"架空市A": "架空市A (2024年度)", "架空市B": "架空市B (2023年度)", "架空市C": "架空市C (2022年度)"}


def test_a_city_with_two_years_is_compared_by_its_latest_or_chosen_table_never_both(tmp_path):
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.errors import InputError
    from kyodo_analysis.manifest import table_files
    from kyodo_analysis.slices import for_year

    raw = city_folder(tmp_path, "ab")
    shutil.copy(CITIES / TABLES["a"][0], raw / "kasou_a_hyoka_2023.csv")
    status, _, err = cli("manifest", "add", str(raw / "kasou_a_hyoka_2023.csv"), "--city", "架空市A", "--schema",
                         str(tmp_path / "references" / "schema_a.toml"))
    assert status == 0, err
    result = analyze(table_files(raw), by="city")
    assert [(c["city"], c["year"], c["file"]) for c in result.metadata["compared"]] == [
        ("架空市A", 2024, TABLES["a"][0]), ("架空市B", 2024, TABLES["b"][0])]
    assert set(result["keywords"]["year"].dropna()) == {2024}  # A's 2023 table is not pooled with its 2024 one
    assert result["codes"].drop_duplicates("city").set_index("city")["programs_total"].to_dict() == {
        "架空市A": 5, "架空市B": 5}
    assert set(result["items"]["year"]) == {2023, 2024}  # … but stays in the tidy tables and the year tables
    assert set(result["program_changes"].loc[result["program_changes"]["city"] == "架空市A", "first_year"]) == {2023}
    page = for_year(result)
    assert set(page["items"]["source_file"]) == {TABLES["a"][0], TABLES["b"][0]}
    alone = analyze([raw / TABLES["a"][0], raw / TABLES["b"][0]], by="city")  # the page's words are its tables'
    for name in ("unknown_words", "candidate_compounds", "synonym_candidates"):
        pd.testing.assert_frame_equal(page[name], alone[name], check_dtype=False, check_column_type=False, obj=name)
    assert page["candidate_compounds"]["n"].sum() < result["candidate_compounds"]["n"].sum()  # 2023's are not
    chosen = analyze(table_files(raw), by="city", years={"架空市A": 2023})
    assert dict(zip(chosen["codes"]["city"], chosen["codes"]["year"], strict=True)) == {"架空市A": 2023, "架空市B": 2024}
    with pytest.raises(InputError, match="架空市A = 2020"):
        analyze(table_files(raw), by="city", years={"架空市A": 2020})
    with pytest.raises(InputError, match="市町村「架空市Z」"):
        analyze(table_files(raw), by="city", years={"架空市Z": 2024})


def test_the_settings_file_chooses_each_citys_year(tmp_path):
    raw = city_folder(tmp_path, "ab")
    shutil.copy(CITIES / TABLES["a"][0], raw / "kasou_a_hyoka_2023.csv")
    cli("manifest", "add", str(raw / "kasou_a_hyoka_2023.csv"), "--city", "架空市A", "--schema",
        str(tmp_path / "references" / "schema_a.toml"))
    settings = tmp_path / "kyodo-analysis.toml"
    settings.write_text('[analysis]\nby = "city"\n\n[analysis.years]\n"架空市A" = 2023\n', encoding="utf-8")
    status, _, err = cli("analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "out"), "--settings", str(settings))
    assert status == 0, err
    codes = read_csv(tmp_path / "out" / "codes.csv")
    assert dict(zip(codes["city"], codes["year"], strict=True)) == {"架空市A": 2023, "架空市B": 2024}
    metadata = json.loads((tmp_path / "out" / "metadata.json").read_text(encoding="utf-8"))
    assert [c["file"] for c in metadata["compared"]] == ["kasou_a_hyoka_2023.csv", TABLES["b"][0]]
    settings.write_text('[analysis]\nby = "city"\n\n[analysis.years]\n"架空市A" = "令和5"\n', encoding="utf-8")
    status, out, err = cli("analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "bad"), "--settings", str(settings))
    assert status == 2 and "架空市A の年度が西暦の整数 (1900〜2100) ではありません" in err and str(settings) in err and out == ""
    assert not (tmp_path / "bad").exists()


def test_validate_compares_a_table_only_with_the_same_citys_earlier_tables(tmp_path):
    raw = city_folder(tmp_path, "ab")
    register_years(raw, {"a": 2023, "b": 2024})
    shutil.copy(CITIES / TABLES["b"][0], raw / "kasou_b_seika_2025.tsv")
    status, _, err = cli("manifest", "add", str(raw / "kasou_b_seika_2025.tsv"), "--city", "架空市B")
    assert status == 0, err
    status, out, _ = cli("validate", str(raw / "kasou_b_seika_2025.tsv"))
    assert status == 0 and f"2024年度との比較 ({TABLES['b'][0]}):" in out and TABLES["a"][0] not in out
    status, out, _ = cli("validate", str(raw / TABLES["b"][0]))  # 2024: A's 2023 table is another city's
    assert status == 0 and "前年度との比較: 架空市Bの2024年度より前の年度の分かる表が" in out and "2023年度との比較" not in out
    shutil.copy(CITIES / TABLES["b"][0], raw / "kasou_b_seika_2024_修正.tsv")  # a second 2024 table of B
    assert cli("manifest", "add", str(raw / "kasou_b_seika_2024_修正.tsv"), "--city", "架空市B")[0] == 0
    status, out, _ = cli("validate", str(raw / "kasou_b_seika_2024_修正.tsv"))
    assert status == 0 and f"同じ2024年度の表がほかにもあります: {TABLES['b'][0]} (同じ事業があれば analyze と run は止まります" in out
    shutil.copy(CITIES / TABLES["b"][0], raw / "unregistered_2026.tsv")  # not in the manifest: its city is unknown
    status, out, _ = cli("validate", str(raw / "unregistered_2026.tsv"), "--schema", str(CITIES / "schema_b.toml"))
    assert status == 0 and "unregistered_2026.tsv は manifest.csv になく市町村が分からないため、比べていません" in out


def test_kwic_names_the_city_when_there_are_several(tmp_path):
    raw = city_folder(tmp_path, "abc")
    status, lines, _ = cli("kwic", "増える", "--raw-dir", str(raw))
    assert status == 0
    assert "架空市A | 2024年度 | 環境 | 番号 3 海岸清掃協働事業 | 理由 | 参加団体が【増え】、清掃の回数が伸びた" in lines
    assert all(line.split(" | ")[0] in {"架空市A", "架空市B", "架空市C"} for line in lines.splitlines())
    # each city's program numbered as its own table heads the column (B: No.), not the neutral 番号 of the three
    assert "架空市B | 2024年度 | 資金の支援 | No. 2 地域福祉活動助成 | 成果 | 見守り活動の参加者が【増え】た" in lines
    status, lines, _ = cli("kwic", "増える", "--raw-dir", str(raw), "--by", "city")
    assert status == 0 and "架空市A | 2024年度 | 架空市A" not in lines and lines.startswith("2024年度 | 架空市A | ")


@pytest.mark.parametrize("key, min_p", [("a", 0.2), ("b", 0.2), ("c", None)])
def test_each_city_alone_is_described_and_never_tested(tmp_path, key, min_p):
    """5 programs in groups of 2 / 2 / 1: at best 1 of C(5, 1) = 5 labellings (the one coded program in the
    group of one) — already 0.2 before any correction; C's one group (区分なし) has nothing to test. The
    packaged rules, written for Zushi, warn once."""
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.manifest import table_files

    result = analyze(table_files(city_folder(tmp_path, key)))
    codes = result["codes"]
    assert set(codes["test"]) == {"none"} and codes["p_value"].isna().all()
    if min_p is None:
        assert codes["min_p"].isna().all() and codes["min_p_holm"].isna().all()
    else:
        assert set(codes["min_p"].dropna().round(9)) == {min_p} and set(codes["min_p_holm"]) == {1.0}
    assert ((codes["ci_low"] <= codes["n_programs"] / codes["programs_total"])
            & (codes["n_programs"] / codes["programs_total"] <= codes["ci_high"])).all()
    unused = [w for w in result.warnings if "どの項目にも出てきません" in w]
    assert len(unused) == 1 and "同梱のルールは逗子市の表を読んで書いた出発点です" in unused[0]


def test_a_page_of_one_group_shows_no_figure_or_table_that_would_compare_groups(tmp_path):
    """架空市C has no group column: the page says there is nothing to compare, and then shows nothing that
    would (no note image after 「図はありません」, no empty inertia table); the network, which compares
    nothing, is still drawn."""
    from kyodo_analysis.report import execute_notebook

    from .conftest import ROOT

    raw = city_folder(tmp_path, "c")
    page = execute_notebook(ROOT / "notebooks" / "3.0-support-types.ipynb", tmp_path / "3.0.html",
                            {"DATA_DIR": str(tmp_path / "none"), "RAW_DIR": str(raw)}).read_text(encoding="utf-8")

    def section(title: str) -> str:
        start = page.index(f'>{title}<a class="anchor-link"')  # the whole heading: 特徴語, not 観点ごとの特徴語
        return page[start:page.find("<h2", start)]

    assert "区分が 1 つなので、区分ごとの特徴語はありません。" in section("特徴語")
    assert "区分ごとの特徴語<a" not in page  # one group: the heading compares by nothing (a newcomer)
    assert "図はありません" in section("対応分析")
    assert [section(t).count("<img") for t in ("特徴語", "対応分析", "共起ネットワーク")] == [0, 0, 1]
    assert "<table" not in section("対応分析") and "当てはまる行はありません" not in section("対応分析")


def test_cities_of_one_year_counted_together_by_group_are_said_to_be_never_silently(tmp_path):
    """Three cities' 2024 tables grouped by their groups are one comparison (a group's programs come from
    every city): the run warns, naming the cities, and the pages say so; compared by city, neither."""
    from kyodo_analysis import for_year, sentences
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.manifest import table_files

    raw = city_folder(tmp_path, "abc")
    pooled = analyze(table_files(raw))
    warned = [w for w in pooled.warnings if "つの市町村" in w]
    assert len(warned) == 1 and "2024年度には 3 つの市町村 (架空市A、架空市B、架空市C) の表があり" in warned[0]
    assert "--by city" in warned[0] and "--raw-dir" in warned[0]
    assert sentences.groups_sentence(for_year(pooled, 2024)).endswith(
        "2024年度は架空市A・架空市B・架空市Cの表の事業をまとめて数えます (市町村の違いは区別しません)。")
    by_city = analyze(table_files(raw), by="city")
    assert not [w for w in by_city.warnings if "つの市町村" in w]
    assert "まとめて数えます" not in sentences.groups_sentence(by_city)
    status, _, err = cli("manifest", "add", str(raw / TABLES["b"][0]), "--year", "2023")
    assert status == 0, err
    apart = analyze(table_files(raw))  # B of another year: 2024 holds A and C only, 2023 B alone
    warned = [w for w in apart.warnings if "つの市町村" in w]
    assert len(warned) == 1 and warned[0].startswith("2024年度には 2 つの市町村 (架空市A、架空市C) の表があり")


def test_two_schemas_giving_one_label_to_two_aspects_are_both_named(tmp_path):
    """A town's 今後 (its own aspect direction) beside Zushi's built-in 今後 (next_step): the error names each
    aspect with the schema it comes from, not only the town's file (a newcomer read it as blaming their schema)."""
    from .conftest import bundled_raw_dir

    raw = bundled_raw_dir(tmp_path / "raw")
    assert cli("manifest", "add", str(raw / "kyodo_seika_zushi.tsv"), "--year", "2024")[0] == 0
    schema = tmp_path / "town.toml"
    schema.write_text('[columns]\nsupport_type = ["区分"]\nprogram_no = ["番号"]\nprogram = ["事業"]\n[aspects]\n'
                      'result = { headers = ["成果"], label = "成果" }\ndirection = { headers = ["今後の方向性"], label = "今後" }\n',
                      encoding="utf-8")
    (raw / "town_2025.tsv").write_text("区分\t番号\t事業\t成果\t今後の方向性\n場の提供\t1\t集会所\t・利用が増えた\t・続ける\n",
                                       encoding="utf-8")
    status, _, err = cli("manifest", "add", str(raw / "town_2025.tsv"), "--city", "架空町", "--title", "評価", "--schema", str(schema))
    assert status == 0, err
    status, _, err = cli("analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "out"))
    assert status == 2 and "Traceback" not in err
    assert "観点 next_step (built-in (逗子市)) と direction (" in err and "town.toml) のラベルが同じ「今後」" in err, err


def test_a_column_of_no_header_is_left_out_by_ignore_of_the_empty_header(tmp_path):
    """A row-number column with no header stopped the run, and its advice (ignore = ["列の見出し"]) could not be
    followed: ignore = [""] was refused (a hostile tester). It now leaves out the columns of no header, said so."""
    from kyodo_analysis.cleaning import clean_table
    from kyodo_analysis.schema import load_schema

    table = tmp_path / "t.tsv"
    table.write_text("\t事業名\t理由\n1\t見守り\t・よい\n2\t清掃\t・増えた\n", encoding="utf-8")
    status, _, err = cli("validate", str(table), "--schema", str(write_schema(tmp_path, "")))
    assert status == 2 and 'ignore = [""] (見出しのない列をすべて除きます)' in err, err
    schema = write_schema(tmp_path, 'ignore = [""]\n')
    cleaned = clean_table(table, schema=load_schema(schema))
    assert len(cleaned.items) == 2 and cleaned.ignored_columns == ("(見出しなし)",)


def write_schema(folder, head: str):
    path = folder / "s.toml"
    path.write_text(head + '[columns]\nprogram = ["事業名"]\n[aspects]\nreason = ["理由"]\n', encoding="utf-8")
    return path


def test_each_citys_items_are_numbered_by_its_own_tables_column(tmp_path):
    """Cities compared (--by city): the tables head the number column 番号 (A) and No. (B), so together they have the
    neutral 番号, and B's items were quoted as 「番号 2 …」 in the Word tables (an auditor). Each program is numbered
    as its own table heads the column."""
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.manifest import table_files
    from kyodo_analysis.topics import review_summary

    analysis = analyze(table_files(city_folder(tmp_path, "ab")), by="city")
    assert Comparison.from_metadata(analysis.metadata).columns["program_no"] == "番号"
    cells = "\n".join(str(v) for row in review_summary(analysis).to_dict("records") for v in row.values())
    b_programs = set(analysis["items"].loc[analysis["items"]["city"] == "架空市B", "program"])
    quoted = [line for line in cells.splitlines() if line.split(" ", 2)[-1].split(":")[0] in b_programs]
    assert quoted and all(line.startswith("No. ") for line in quoted)  # (A's schema marks no sides: none quoted)


def test_a_table_without_numbers_is_never_said_to_be_renumbered(tmp_path):
    """架空市C's table has no number column, so its programs are numbered in table order: a program added at the top
    of the next year shifted every number, and the year line said 「番号変更 3 事業」 (a hostile tester)."""
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.manifest import table_files
    from kyodo_analysis.year_sentences import year_change_lines

    raw = city_folder(tmp_path, "c")
    lines = (CITIES / TABLES["c"][0]).read_text(encoding="utf-8").split("\n")
    (raw / "kasou_c_tanto_2025.tsv").write_text("\n".join([lines[0], "新しい協働事業\t企画課\t参加者が増えた\t▶ 周知\t",
                                                            *lines[1:]]), encoding="utf-8")
    cli("manifest", "add", str(raw / "kasou_c_tanto_2025.tsv"), "--city", "架空市C", "--schema",
        str(tmp_path / "references" / "schema_c.toml"))
    analysis = analyze(table_files(raw))
    assert set(analysis["program_changes"]["status"]) == {"kept", "added"}
    line = year_change_lines(analysis)[0]
    assert "番号変更" not in line and "追加 1 事業 (新しい協働事業 (2025年度の表から))" in line


def test_with_two_cities_the_advice_for_a_new_table_asks_for_its_city_and_names_none(tmp_path):
    """A newcomer: the fix printed for an unregistered table (manifest add FILE) failed for want of --city, and the
    next message's example (--city 葉山町) named the last row's city for what was a Zushi table."""
    raw = city_folder(tmp_path, "a")
    shutil.copy(RAW, raw / RAW.name)
    assert cli("manifest", "add", str(raw / RAW.name), "--city", "逗子市", "--title", "協働の成果等", "--year", "2018")[0] == 0
    shutil.copy(FIXTURES / "kyodo_seika_zushi_R7.tsv", raw / "r7.tsv")
    status, _, err = cli("analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "out"))
    assert status == 2 and f"manifest add {raw / 'r7.tsv'} --city 市町村名` で登録し" in err
    status, _, err = cli("manifest", "add", str(raw / "r7.tsv"))
    assert status == 2 and "--city 市町村名 (マニフェストにある 架空市A・逗子市 のどれか、または新しい市町村)" in err


def test_a_table_without_a_number_column_shows_its_order_not_a_number_of_its_own(tmp_path):
    """架空市C has no number column: the package numbers its programs 1, 2, … in table order, and the views
    head that column 表の順, never as the city's own numbering (番号, which a reader would cite); validate
    names an empty cell by its program's name (a statistician's audit)."""
    from kyodo_analysis.report.views import view_items

    table = clean_table(CITIES / TABLES["c"][0], schema=load_schema(CITIES / "schema_c.toml"))
    shown = view_items(table.items, Comparison.of_schema(table.schema, "support_type", "区分"))
    assert "表の順" in shown.columns and "番号" not in shown.columns and "NO" not in shown.columns
    numbered = clean_table(CITIES / TABLES["b"][0], schema=load_schema(CITIES / "schema_b.toml"))
    assert "No." in view_items(numbered.items, Comparison.of_schema(numbered.schema, "support_type", "区分")).columns
    path = tmp_path / "t.tsv"
    path.write_text("事業名\t担当課\t担当による評価\t課題と改善案\t備考\n見守り事業\t課\t・増えた\t\t\n", encoding="utf-8")
    status, out, err = cli("validate", str(path), "--schema", str(CITIES / "schema_c.toml"))
    assert status == 0, err
    assert "空のセル: 「見守り事業」 課題" in out and "番号 1" not in out


def test_a_table_without_numbers_whose_next_year_gains_a_first_program_changes_no_items(tmp_path):
    """架空市C's next year with one program inserted at the top, the others byte for byte: the package's order
    moved (1–3 → 2–4) and the year sentence compared each kept program with another one, saying all three had
    changed items (a hostile tester). A kept program is compared with its own first year's items; a table without
    numbers is not said to keep 「番号も名称も」."""
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.headings import notebook_text
    from kyodo_analysis.manifest import table_files
    from kyodo_analysis.report import view_program_changes
    from kyodo_analysis.year_sentences import year_change_lines

    raw = city_folder(tmp_path, "c")
    first = (raw / TABLES["c"][0]).read_text(encoding="utf-8")
    header, rest = first.split("\n", 1)
    (raw / "kasou_c_tanto_2025.tsv").write_text(f"{header}\n新規清掃協働\t環境課\t・清掃が広がった\t\r\n{rest}",
                                                encoding="utf-8")
    status, _, err = cli("manifest", "add", str(raw / "kasou_c_tanto_2025.tsv"), "--city", "架空市C", "--title", "T",
                         "--schema", str(tmp_path / "references" / "schema_c.toml"))
    assert status == 0, err
    result = analyze(table_files(raw))
    (line,) = year_change_lines(result)
    shown = view_program_changes(result["program_changes"], Comparison.from_metadata(result.metadata))
    assert "表の順 (最後の年度)" in shown.columns and not {"以前の表の順", "最初の年度の表の順"} & set(shown.columns)
    assert "名称が同じ事業は 3 事業です。" in line and "項目が変わった" not in line and "番号も" not in line, line
    assert "番号の列がある表では、番号は両方の年度のものを示します" in notebook_text("year_changes", result)  # not said of C
    status, out, _ = cli("validate", str(raw / "kasou_c_tanto_2025.tsv"))  # the new one in the package's order, said so
    assert status == 0 and "新しい事業: 表の順 1 新規清掃協働" in out and "番号 1" not in out, out


def test_an_aspect_two_cities_head_differently_is_called_by_its_short_label():
    """架空市B's schema makes its 今後の方向性 the same aspect as Zushi's 今後必要なこと (label 今後). Pooled, the legend
    called Zushi's items by 架空市B's header (a newcomer's reading); the long label is now one the tables agree on, else
    the short one, as the names of columns are (:func:`schema.agreed`)."""
    zushi = Comparison.of_schema(load_schema(None), "support_type", "区分")
    city_b = Comparison.of_schema(load_schema(CITIES / "schema_b.toml"), "support_type", "区分")
    for parts in ([zushi, city_b], [city_b, zushi]):
        long = {a.key: a.long_label for a in Comparison.combined(parts).aspects}
        assert long == {"effect": "効果があったこと", "limitation": "限界があったこと", "next_step": "今後",
                        "result": "成果", "issue": "課題"}
    alone = {a.key: a.long_label for a in Comparison.combined([zushi, zushi]).aspects}
    assert alone["next_step"] == "今後必要なこと"


def test_cities_compared_by_tables_of_different_years_share_the_rows_of_the_code_and_word_tables(tmp_path):
    """A newcomer's pooled run (Zushi 2025, 架空市B 2024): 「コード×市町村」 gave each code a row per year, each city
    alone in its year's row, the p-values between them, so the two cities never shared a row. Cities compared by
    their own years now share one row per code (and per word), each city's column named with its year."""
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.manifest import table_files
    from kyodo_analysis.report.views import codes_crosstab, keyword_matrix

    raw = city_folder(tmp_path, "ab")
    shutil.copy(CITIES / TABLES["a"][0], raw / "kasou_a_hyoka_2023.csv")
    status, _, err = cli("manifest", "add", str(raw / "kasou_a_hyoka_2023.csv"), "--city", "架空市A", "--schema",
                         str(tmp_path / "references" / "schema_a.toml"), "--year", "2023")
    assert status == 0, err
    result = analyze(table_files(raw), by="city", years={"架空市A": 2023})
    comparison = Comparison.from_metadata(result.metadata)
    table = codes_crosstab(result["codes"], result["items"], comparison=comparison)
    assert "年度" not in table and table["コード"].is_unique
    assert {"架空市A (2023年度)", "架空市B (2024年度)"} <= set(table.columns)
    assert table[["架空市A (2023年度)", "架空市B (2024年度)"]].notna().all().all()
    words = keyword_matrix(result["keywords"], result["items"], comparison)
    assert "年度" not in words and words["語"].is_unique
    both = words.filter(like="架空市A (2023年度)").notna().any(axis=1) & words.filter(like="架空市B (2024年度)").notna().any(axis=1)
    assert both.all()  # every word's row has both cities' counts (0 where a city does not use it)


def test_cities_pooled_into_one_year_s_groups_are_said_so_in_the_methods_and_a_missing_column_named(tmp_path):
    """A statistician's pooled run: Zushi and a city whose groups carry Zushi's names, both of 2024, counted by 区分.
    Only the 3.0 page said the cities were pooled (the Word summary and 5.0 never did), and 「場の提供 (4 事業)」
    accounted for 3 programs: the fourth's table has no 限界 column. Both are now said."""
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.manifest import table_files
    from kyodo_analysis.methods import methods_paragraph
    from kyodo_analysis.topics import summary_sentences

    raw = tmp_path / "raw"
    raw.mkdir()
    (tmp_path / "references").mkdir()
    shutil.copy(CITIES / "schema_b.toml", tmp_path / "references" / "schema_b.toml")
    text = (CITIES / TABLES["b"][0]).read_text(encoding="utf-8")
    for theirs, zushi in (("資金の支援", "財政的支援"), ("人の支援", "人的支援"), ("場の支援", "場の提供")):
        text = text.replace(theirs, zushi)
    (raw / "kasou_d_2024.tsv").write_text(text, encoding="utf-8")
    shutil.copy(RAW, raw / RAW.name)
    for name, city, extra in (("kasou_d_2024.tsv", "架空市D", ["--schema", str(tmp_path / "references" / "schema_b.toml")]),
                              (RAW.name, "逗子市", ["--year", "2024"])):
        status, _, err = cli("manifest", "add", str(raw / name), "--city", city, "--title", "表", *extra)
        assert status == 0, err
    result = analyze(table_files(raw))
    assert "2024年度は架空市D・逗子市の表の事業を区分ごとにまとめて数えた (市町村の違いは区別していない)。" in methods_paragraph(result)
    place = next(s for s in summary_sentences(result) if s.startswith("場の提供"))
    assert "ほかの 1 事業の表には限界の列がありません" in place, place


def test_the_workbook_lists_every_term_of_each_years_table_as_kh_coder_does(bundled_analysis):
    """A KH Coder user looked for the 抽出語リスト: keywords.csv counts a term per group and aspect, whose program
    counts cannot be added. The workbook's 「抽出語の一覧」 ranks every term of a year's table by programs, items and
    occurrences, each counted once over the whole table."""
    from kyodo_analysis.report.views import workbook_sheets

    listed = workbook_sheets(bundled_analysis)["抽出語の一覧"]
    terms, items = bundled_analysis["terms"], bundled_analysis["items"]
    assert list(listed.columns) == ["年度", "語", "出現回数", "項目数", "事業数"]
    assert len(listed) == terms["term"].nunique() and listed["出現回数"].sum() == len(terms)
    joined = terms.merge(items[["item_id", "program_no"]], on="item_id")
    rows = joined[joined["term"] == "団体"]
    assert listed.set_index("語").loc["団体", ["出現回数", "項目数", "事業数"]].tolist() == [
        len(rows), rows["item_id"].nunique(), rows["program_no"].nunique()]
    first = listed.iloc[0]
    assert first["語"] == "利用" and first["事業数"] == listed["事業数"].max()


def test_two_years_whose_groups_share_no_name_keep_a_row_per_year_and_a_city_without_words_has_no_key(tmp_path):
    """A hostile tester of this round: one city's two years whose groups share no name (every 区分 renamed) were put
    in one row of 「コード×区分」 and 「語×区分・観点」, summed across years, their p from one year only; and --by city with
    a city whose table yields no counted word raised KeyError. Only cities compared by their own years share a row."""
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.manifest import table_files
    from kyodo_analysis.report.views import codes_crosstab, keyword_matrix

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW, raw / "zushi_2018.tsv")
    text = RAW.read_text(encoding="utf-8")
    for old, new in (("財政的支援", "資金"), ("人的支援", "人材"), ("場の提供", "場所")):
        text = text.replace(old, new)
    (raw / "zushi_2024.tsv").write_text(text, encoding="utf-8")
    result = analyze(table_files(raw))
    comparison = Comparison.from_metadata(result.metadata)
    for table in (codes_crosstab(result["codes"], result["items"], comparison=comparison),
                  keyword_matrix(result["keywords"], result["items"], comparison)):
        assert set(table["年度"]) == {2018, 2024}
    words = keyword_matrix(result["keywords"], result["items"], comparison)
    assert words.loc[words["年度"] == 2018].filter(like="資金").isna().all().all()  # 2024's groups: no count in 2018
    city = city_folder(tmp_path / "cities", "b")
    (city / "kasou_d_2022.tsv").write_text("事業名\t担当課\t担当による評価\t課題と改善案\t備考\n公園愛護会支援\t公園課\tそれ。\tこれ。\t\n",
                                           encoding="utf-8")
    shutil.copy(CITIES / "schema_c.toml", tmp_path / "cities" / "references" / "schema_c.toml")
    status, _, err = cli("manifest", "add", str(city / "kasou_d_2022.tsv"), "--city", "架空市D", "--title", "評価",
                         "--schema", str(tmp_path / "cities" / "references" / "schema_c.toml"))
    assert status == 0, err
    shutil.copy(RAW, city / "zushi_2018.tsv")  # a third year: the cities are compared across years
    status, _, err = cli("manifest", "add", str(city / "zushi_2018.tsv"), "--city", "逗子市", "--title", "表", "--year", "2018")
    assert status == 0, err
    pooled = analyze(table_files(city), by="city")
    table = keyword_matrix(pooled["keywords"], pooled["items"], Comparison.from_metadata(pooled.metadata))
    assert "年度" not in table and not table.filter(like="架空市D").columns.tolist()  # no word of D's: no column, no KeyError
    assert table.filter(like="逗子市 (2018年度)").columns.tolist() and table.filter(like="架空市B (2024年度)").columns.tolist()


def test_a_group_with_no_item_of_an_aspect_still_names_the_programs_whose_table_lacks_its_column(tmp_path):
    """A hostile tester of this round: 「限界の記述はありません」 dropped the 「… 事業の表には限界の列がありません」 said
    when some items exist, though two of the group's three programs came from a table without that column."""
    from kyodo_analysis.analysis import analyze
    from kyodo_analysis.manifest import table_files
    from kyodo_analysis.topics import summary_sentences

    raw, ref = tmp_path / "raw", tmp_path / "references"
    raw.mkdir()
    ref.mkdir()
    shutil.copy(CITIES / "schema_b.toml", ref / "schema_b.toml")
    (raw / "z_2024.tsv").write_text("区分\tNO\t事業名\t仕組みとして効果があったこと\t仕組みとして限界があったこと\t今後、必要と考えること\n"
                                    "乙\t1\t事業1\t・参加者が増えた\t\t・続ける\n", encoding="utf-8")
    (raw / "b_2024.tsv").write_text("区分\tNo.\t事業名\t成果\t課題\t今後の方向性\n乙\t1\t事業B1\t・会場を確保した\t・予算が不足\t・見直す\n"
                                    "乙\t2\t事業B2\t・団体が増えた\t・担い手が不足\t・周知する\n", encoding="utf-8")
    for name, city, extra in (("z_2024.tsv", "市Z", []), ("b_2024.tsv", "市B", ["--schema", str(ref / "schema_b.toml")])):
        status, _, err = cli("manifest", "add", str(raw / name), "--city", city, "--title", "表", *extra)
        assert status == 0, err
    sentence = summary_sentences(analyze(table_files(raw)))[0]
    assert "限界の記述はありません。2 事業の表には限界の列がありません" in sentence, sentence
