"""The raw-data manifest and the fiscal year of each table."""

from __future__ import annotations

import hashlib
import shlex
import shutil

import pytest

from kyodo_analysis.cli import main
from kyodo_analysis.manifest import MANIFEST_COLUMNS, read_manifest, resolve_year, table_files, year_from_name
from kyodo_analysis.tables import read_csv

from .conftest import RAW, RAW_DIR, cli


def test_bundled_manifest_row():
    """The bundled table's own row, by its own path: what a researcher adds to data/raw/ (next year's table,
    before or after `manifest add`) never fails the suite; a run checks every raw file against its row
    (test_adversarial.py::test_raw_data_is_checked_against_the_manifest)."""
    entry = next(e for e in read_manifest(RAW_DIR) if e.file == RAW.name)
    assert (entry.file, entry.city, entry.title) == ("kyodo_seika_zushi.tsv", "逗子市", "これまでの取り組みに係る協働の成果等")
    assert entry.sha256 == hashlib.sha256(RAW.read_bytes()).hexdigest()
    header = (RAW_DIR / "manifest.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.split(",")[:len(MANIFEST_COLUMNS)] == MANIFEST_COLUMNS


@pytest.mark.parametrize("name,year", [
    ("kyodo_2024", 2024), ("kyodo_R6", 2024), ("協働の成果_令和6年度", 2024), ("H30_zushi", 2018),
    ("平成30年度", 2018), ("令和元年度", 2019), ("R7", 2025), ("令和７年度", 2025), ("kyodo_seika_zushi", None),
    ("table_v12345", None), ("HR6", None),
    ("R0", None), ("令和0年度", None), ("H0", None), ("R07", 2025),  # no year 0 of an era (they read 2018, 1988)
    ("kyodo_R7_copy2018", None), ("kyodo_2025_R6", None), ("協働_2025_R7", 2025),  # two years: none chosen
])
def test_year_from_file_name(name, year):
    assert year_from_name(name) == year


def test_year_precedence(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    raw = folder / "kyodo_R5.tsv"
    shutil.copy(RAW, raw)
    assert resolve_year(raw) == 2023  # file name
    (folder / "manifest.csv").write_text(
        "file,city,title,fiscal_year,source,sha256\nkyodo_R5.tsv,逗子市,t,2022,s,x\n", encoding="utf-8-sig")
    assert resolve_year(raw) == 2022  # manifest beats file name
    assert resolve_year(raw, 2030) == 2030  # --year beats both
    assert table_files(folder) == [raw]
    out = tmp_path / "out"
    assert main(["clean", str(raw), "--out", str(out), "--year", "2031"]) == 0
    assert set(read_csv(out / "items.csv")["year"]) == {2031}
    assert main(["clean", str(raw), "--out", str(out)]) == 0
    assert set(read_csv(out / "programs.csv")["year"]) == {2022}
    assert main(["clean", str(raw), "--out", str(folder / "processed")]) == 2  # never inside the raw folder


def test_a_city_name_close_to_another_rows_and_a_year_against_the_file_name_are_warned(raw_dir, capsys):
    new = raw_dir / "kyodo_seika_2025.tsv"
    shutil.copy(RAW, new)
    assert main(["manifest", "add", str(new), "--year", "2024", "--city", "逗子"]) == 2  # a new city: its own title
    err = capsys.readouterr().err
    assert "逗子の表はまだマニフェストにないので、表題が必要です" in err and "同じ市町村なら --city 逗子市 を" in err
    assert main(["manifest", "add", str(new), "--year", "2024", "--city", "逗子", "--title", "協働の成果等"]) == 0
    err = capsys.readouterr().err
    assert "市町村名「逗子」は、マニフェストの「逗子市」と似ていますが、別の市町村として扱います" in err
    assert "--city 逗子市" in err
    assert "年度を 2024 で登録しましたが、ファイル名からは 2025 年度と読めます" in err
    assert main(["manifest", "add", str(new), "--year", "2025", "--city", "逗子市"]) == 0
    err = capsys.readouterr().err
    assert "似ていますが" not in err and "ファイル名からは" not in err  # the same city, the file name's year
    assert "年度の分からない表があります: kyodo_seika_zushi.tsv。" in err  # but the bundled table beside it has none
    # and it is the bundled table's copy: the same items would be counted twice
    assert "kyodo_seika_2025.tsv は、マニフェストの kyodo_seika_zushi.tsv と中身が同じです (SHA-256 が一致)。" in err
    (raw_dir / "other.tsv").write_text(RAW.read_text(encoding="utf-8").replace("補助金", "助成金", 1), encoding="utf-8")
    assert main(["manifest", "add", str(raw_dir / "other.tsv"), "--year", "2026"]) == 0
    assert "中身が同じ" not in capsys.readouterr().err  # one character changed: another table


def test_a_table_beside_the_registered_ones_but_not_registered_stops_the_run(raw_dir, tmp_path, capsys):
    """A new year's file dropped into data/raw without `manifest add` was left out without a word: the run
    stops, names it and says how to register it. Excel's lock file (~$…) is no table."""
    (raw_dir / "~$kyodo_R7.xlsx").write_bytes(b"lock")
    assert main(["analyze", "--raw-dir", str(raw_dir), "--out", str(tmp_path / "a")]) == 0
    shutil.copy(RAW, raw_dir / "kyodo_R7.tsv")
    assert main(["analyze", "--raw-dir", str(raw_dir), "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert "kyodo_R7.tsv は生データのフォルダにありますが、マニフェストにありません" in err and "manifest add" in err
    assert not (tmp_path / "b").exists()


def test_a_checksum_written_in_capitals_is_the_same_checksum(raw_dir, tmp_path):
    """PowerShell's Get-FileHash prints SHA-256 in capitals; pasted into the manifest it is the same value."""
    manifest = raw_dir / "manifest.csv"
    digest = hashlib.sha256(RAW.read_bytes()).hexdigest()
    manifest.write_text(manifest.read_text(encoding="utf-8-sig").replace(digest, digest.upper()), encoding="utf-8-sig")
    assert digest.upper() in manifest.read_text(encoding="utf-8-sig")
    assert main(["analyze", "--raw-dir", str(raw_dir), "--out", str(tmp_path / "a")]) == 0


def test_a_title_taken_over_from_last_years_row_that_names_another_year_is_warned(raw_dir, capsys):
    """A new year's row takes its city's last title; a title that says 令和6年度 on the 2025 table would head
    every 2025 figure, page and the Word summary, so registering says so (and not when the years agree)."""
    assert main(["manifest", "add", str(raw_dir / RAW.name), "--year", "2024", "--title", "令和6年度 協働事業評価"]) == 0
    assert "表題" not in capsys.readouterr().err
    new = raw_dir / "kyodo_R7.tsv"
    new.write_text(RAW.read_text(encoding="utf-8").replace("補助金", "助成金", 1), encoding="utf-8")
    assert main(["manifest", "add", str(new), "--year", "2025"]) == 0
    err = capsys.readouterr().err
    assert "kyodo_R7.tsv: 表題「令和6年度 協働事業評価」は 2024 年度と読めますが、表は 2025 年度で登録しました" in err
    assert '--title "この表の表題"' in err
    assert main(["manifest", "add", str(new), "--title", "令和7年度 協働事業評価"]) == 0
    assert "年度と読めますが" not in capsys.readouterr().err


def test_year_on_the_command_line_reads_as_file_names_do(raw_dir, capsys):
    """--year R7 / 令和7年度 / 2025 are one year; anything else is refused in Japanese, with status 2."""
    from kyodo_analysis.cli import fiscal_year

    assert [fiscal_year(t) for t in ("2025", "R7", "令和7年度", "2025年度")] == [2025] * 4
    table = str(raw_dir / RAW.name)
    assert main(["validate", table, "--year", "R7"]) == 0 and "2025年度" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stopped:
        main(["validate", table, "--year", "来年"])
    assert stopped.value.code == 2 and "年度として読めません: '来年'" in capsys.readouterr().err


def test_a_new_file_takes_its_own_citys_title_and_with_several_cities_asks_for_the_city(raw_dir, capsys):
    """With two cities registered, a new year's file took the *last row's* city and title (another city's)
    without a word: now the city is asked for, and given, its own last row's title is taken."""
    from kyodo_analysis.manifest import read_manifest

    zushi_title = read_manifest(raw_dir)[0].title
    shutil.copy(RAW, raw_dir / "hayama_2024.tsv")
    assert main(["manifest", "add", str(raw_dir / "hayama_2024.tsv"), "--city", "葉山町", "--title", "葉山の表"]) == 0
    shutil.copy(RAW, raw_dir / "zushi_2026.tsv")
    capsys.readouterr()
    assert main(["manifest", "add", str(raw_dir / "zushi_2026.tsv"), "--year", "2026"]) == 2
    err = capsys.readouterr().err
    assert "2 つの市町村 (逗子市、葉山町)" in err and "--city" in err and "Traceback" not in err
    assert [e.file for e in read_manifest(raw_dir)][-1] == "hayama_2024.tsv"  # nothing written
    assert main(["manifest", "add", str(raw_dir / "zushi_2026.tsv"), "--year", "2026", "--city", "逗子市"]) == 0
    added = read_manifest(raw_dir)[-1]
    assert (added.file, added.city, added.title) == ("zushi_2026.tsv", "逗子市", zushi_title)


def test_two_tables_of_one_city_and_year_with_the_same_programs_stop_the_run(tmp_path):
    """A corrected copy registered beside the original was counted with it: every count of the year doubled,
    every program listed twice. Two tables of one year that share a program now stop the run, naming both."""
    from .conftest import bundled_raw_dir, cli

    raw = bundled_raw_dir(tmp_path / "raw")
    corrected = raw / "kyodo_seika_zushi_修正版.tsv"
    corrected.write_bytes(RAW.read_bytes().replace("補助金を活用し、".encode(), "補助金を活用して、".encode(), 1))
    for table in (raw / RAW.name, corrected):
        assert cli("manifest", "add", str(table), "--year", "2024")[0] == 0
    status, _, err = cli("analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "out"))
    assert status == 2 and "Traceback" not in err
    assert f"{corrected}:7: kyodo_seika_zushi.tsv と同じ逗子市の2024年度の表で、同じ事業 (NO 1「市民活動支援補助金」) が両方に" in err
    assert "古い方の行を manifest.csv から消し" in err and not (tmp_path / "out").exists()
    assert f"manifest add {shlex.quote(str(corrected))} --year 年度 で直してください" in err  # or its year was wrong


def test_tables_that_split_one_years_programs_are_read_together():
    from dataclasses import replace

    from kyodo_analysis.cleaning import clean_table
    from kyodo_analysis.errors import InputError
    from kyodo_analysis.table_checks import check_one_table_per_year

    whole = replace(clean_table(RAW, year=2024), city="逗子市")
    programs = whole.programs
    first = replace(whole, programs=programs[programs["program_no"] <= 3])
    rest = replace(whole, path=RAW.with_name("rest.tsv"), programs=programs[programs["program_no"] > 3])
    check_one_table_per_year([first, rest])  # no program in both: one year's table in two files
    check_one_table_per_year([whole, replace(rest, year=2025)])  # another year
    renamed = rest.programs.assign(program_no=rest.programs["program_no"] + 10)  # other NOs, a name in both
    with pytest.raises(InputError, match="同じ事業 \\(NO 14「"):
        check_one_table_per_year([whole, replace(rest, programs=renamed)])


def test_the_first_row_of_a_new_manifest_asks_for_a_city_and_title_in_general_words(tmp_path, capsys):
    """Another city's researcher registering their first table is not told to write 逗子市 as their city."""
    (tmp_path / "wakaba_2024.tsv").write_bytes(RAW.read_bytes())
    assert main(["manifest", "add", str(tmp_path / "wakaba_2024.tsv")]) == 2
    err = capsys.readouterr().err
    assert "市町村名と表題が必要です" in err and '--city 市町村名 --title "表の表題"' in err
    assert not (tmp_path / "manifest.csv").exists()


def test_a_manifest_of_no_rows_beside_a_table_names_the_table_and_the_command(tmp_path):
    """A manifest of its header only, the table beside it: 「表のファイルがありません」 was false and its advice no help
    (a hostile tester). The unregistered table is named, with `manifest add`."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / RAW.name).write_bytes(RAW.read_bytes())
    (raw / "manifest.csv").write_text("file,city,title,fiscal_year,source,sha256\n", encoding="utf-8-sig")
    status, _, err = cli("analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "out"))
    assert status == 2 and f"{RAW.name} は生データのフォルダにありますが、マニフェストにありません" in err, err
    assert "kyodo-analysis manifest add" in err and "表のファイルがありません" not in err
    assert not (tmp_path / "out").exists()


def test_a_year_typed_as_an_era_is_refused_as_typed_when_out_of_range():
    """--year R99 was refused as 「--year 2117」, a number the user never typed (a hostile tester)."""
    from kyodo_analysis.cli import fiscal_year

    with pytest.raises(Exception, match="年度として読めません: 'R99'"):
        fiscal_year("R99")
    assert fiscal_year("R7") == 2025


def test_a_table_named_for_another_city_is_not_filed_under_the_manifests_city(tmp_path, raw_dir):
    """Without --city a new row took the manifest's only city: another town's table (桜川市_2024_….csv) was filed
    under it, merged into its year and its programs called 廃止 (a newcomer). A file name naming another municipality
    now stops, asking for --city; the line that says a row was added names its city."""
    from .conftest import NEW_YEAR_CSV

    other = raw_dir / "桜川市_2024_協働事業.csv"
    other.write_bytes(NEW_YEAR_CSV.read_bytes())
    status, out, err = cli("manifest", "add", str(other))
    assert status == 2 and "ファイル名には「桜川市」とありますが" in err and "「逗子市」の表として登録するところでした" in err, err
    assert "--city 桜川市" in err and other.name not in (raw_dir / "manifest.csv").read_text(encoding="utf-8-sig")
    status, out, err = cli("manifest", "add", str(other), "--city", "桜川市", "--title", "協働事業の成果")
    assert status == 0 and "(桜川市・2024年度, 事業 " in out, err


def test_validate_says_when_its_year_is_not_the_manifests(raw_dir):
    """validate --year 2023 of a table the manifest calls 2025 printed 2023年度 without a word (a newcomer)."""
    from .conftest import NEW_YEAR_CSV

    table = raw_dir / "r7.csv"
    table.write_bytes(NEW_YEAR_CSV.read_bytes())
    assert cli("manifest", "add", str(table), "--year", "2025")[0] == 0
    status, _, err = cli("validate", str(table), "--year", "2023")
    assert status == 0 and "--year 2023 は manifest.csv の 2025 年度と違います" in err, err
    assert "manifest.csv の" not in cli("validate", str(table), "--year", "2025")[2]


def test_a_file_name_of_two_years_asks_for_the_year(raw_dir):
    """kyodo_R7_copy2018.csv was registered as 2018 without a word (a hostile tester): a name writing two years
    stops manifest add, naming both, until --year says which."""
    from .conftest import NEW_YEAR_CSV

    table = raw_dir / "kyodo_R7_copy2018.csv"
    table.write_bytes(NEW_YEAR_CSV.read_bytes())
    status, _, err = cli("manifest", "add", str(table))
    assert status == 2 and "ファイル名に年度が 2 つあります (2018、2025 年度)" in err and "--year" in err, err
    status, out, err = cli("manifest", "add", str(table), "--year", "2025")
    assert status == 0 and "2025年度" in out, err


def test_registering_another_sheet_of_a_file_says_the_first_is_no_longer_read(tmp_path):
    """A hostile tester: `manifest add book.xlsx --sheet 環境` after `--sheet 福祉` replaced the row without a word,
    so a researcher who believed two sheets registered analysed one."""
    from openpyxl import Workbook

    from .conftest import cli

    header = ["区分", "NO", "事業名", "仕組みとして効果があったこと", "仕組みとして限界があったこと", "今後、必要と考えること"]
    book = Workbook()
    for title, no in (("福祉", 1), ("環境", 2)):
        sheet = book.active if no == 1 else book.create_sheet(title)
        sheet.title = title
        sheet.append(header)
        sheet.append(["財政的支援", no, f"事業{no}", "・進んだ", "", ""])
    raw = tmp_path / "raw"
    raw.mkdir()
    book.save(raw / "book.xlsx")
    base = ("manifest", "add", str(raw / "book.xlsx"), "--city", "架空市", "--title", "表", "--year", "2024")
    assert cli(*base, "--sheet", "福祉")[0] == 0
    status, _, err = cli(*base, "--sheet", "環境")
    assert status == 0 and "book.xlsx はシート「福祉」で登録されていました。シート「環境」に変えたので、「福祉」の表は分析されません" in err
    assert "登録されていました" not in cli(*base, "--sheet", "環境")[2]  # the same sheet again: nothing to say
