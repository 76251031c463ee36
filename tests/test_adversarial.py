"""Inputs found by an adversarial run: each ends in a clear message (status 2) or a completed run —
never a traceback, a crash or a silent change."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kyodo_analysis.analysis import analyze
from kyodo_analysis.cleaning import clean_table
from kyodo_analysis.cli import main
from kyodo_analysis.errors import InputError
from kyodo_analysis.outputs import Interrupted, generation, generations
from kyodo_analysis.plots import figure_specs, png_bytes, replace_missing_glyphs

from .conftest import NEW_YEAR_CSV, RAW, ROOT, bundled_raw_dir, cli

HEADER = "区分\tNO\t事業名\t仕組みとして効果があったこと\t仕組みとして限界があったこと\t今後、必要と考えること"


def table(tmp_path, *rows: str, name: str = "t.tsv", header: str = HEADER) -> str:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return str(path)


def status_and_error(capsys, *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return status, err


@pytest.mark.parametrize("command", ["clean", "validate"])
def test_a_reworded_aspect_header_stops_with_its_name(tmp_path, capsys, command):
    text = RAW.read_text(encoding="utf-8").replace("仕組みとして効果があったこと", "成果").replace(
        "仕組みとして限界があったこと", "課題")
    path = tmp_path / "reworded.tsv"
    path.write_text(text, encoding="utf-8")
    argv = [command, str(path)] + (["--out", str(tmp_path / "out")] if command == "clean" else [])
    status, err = status_and_error(capsys, *argv)
    assert status == 2
    assert "4 列目 「成果」 は知らない列" in err and "--schema" in err and "ignore" in err
    assert not (tmp_path / "out").exists()


def test_a_misspelt_header_is_named_at_its_line_with_the_header_it_resembles(tmp_path, capsys):
    """あつた for あった: the error points to the header row (line 5, not the first row holding a value) and to the
    schema's header the table lacks that it most resembles; a header like none gets no such guess."""
    text = RAW.read_text(encoding="utf-8")
    header_line = text.split("\n").index(next(line for line in text.split("\n") if line.startswith("区分\t"))) + 1
    misspelt = tmp_path / "misspelt.tsv"
    misspelt.write_text(text.replace("効果があったこと", "効果があつたこと"), encoding="utf-8")
    status, err = status_and_error(capsys, "clean", str(misspelt), "--out", str(tmp_path / "out"))
    assert status == 2 and f"misspelt.tsv:{header_line}: 見出しの 4 列目 「仕組みとして効果があつたこと」 は知らない列" in err
    assert "「仕組みとして効果があったこと」(effect) の書き間違いなら" in err and f"{header_line + 1} 行目に値があります" in err
    short = tmp_path / "short.csv"  # a cell of two short items: its line break is shown as ⏎, not breaking the message
    short.write_text("区分,NO,事業名,仕組みとして効果があつたこと,仕組みとして限界があったこと\n"
                     "財政的支援,1,事業,\"・会員が増えた\n・広がった\",・少ない\n",
                     encoding="utf-8-sig")
    status, err = status_and_error(capsys, "clean", str(short), "--out", str(tmp_path / "out"))
    assert status == 2 and "2 行目に値があります: ・会員が増えた⏎・広がった (組み込みの逗子市のスキーマで読みました)\n  対処:" in err, err
    other = tmp_path / "other.tsv"
    other.write_text(text.replace("仕組みとして効果があったこと", "担当課メモ"), encoding="utf-8")
    status, err = status_and_error(capsys, "clean", str(other), "--out", str(tmp_path / "out"))
    assert status == 2 and "「担当課メモ」 は知らない列" in err and "書き間違い" not in err
    assert not (tmp_path / "out").exists()


def test_a_header_the_researchers_own_schema_misspells_names_that_schema(tmp_path, capsys):
    """A typo in the schema registered for the table (次年度の方向生): the error blamed the table and said to pass
    a schema with --schema (a newcomer's walk); it names the schema file to edit."""
    cities = Path(__file__).parent / "fixtures" / "other_cities"
    schema = tmp_path / "schema_a.toml"
    schema.write_text((cities / "schema_a.toml").read_text(encoding="utf-8").replace("委員からの意見", "委員からの意件"),
                      encoding="utf-8")
    status, err = status_and_error(capsys, "validate", str(cities / "kasou_a_hyoka_2024.csv"), "--schema", str(schema))
    assert status == 2 and "「委員からの意見」 は知らない列" in err and f"(スキーマ {schema} で読みました)" in err
    assert f"スキーマ {schema} の comment の見出しに「委員からの意見」を加えてください" in err and "--schema で渡す" not in err
    status, err = status_and_error(capsys, "validate", str(cities / "kasou_a_hyoka_2024.csv"))  # no schema given
    assert status == 2 and "(組み込みの逗子市のスキーマで読みました)" in err and "ほかの市町村の表なら" in err


def test_a_misspelt_program_header_is_pointed_to_the_one_it_resembles(tmp_path, capsys):
    """事業各 for 事業名: no program column, so the table has no header row the schema knows; the error lists
    the headers found and says which one is one character away from the program's."""
    from kyodo_analysis.schema import one_edit_apart

    path = tmp_path / "t.tsv"
    path.write_text(RAW.read_text(encoding="utf-8").replace("事業名", "事業各"), encoding="utf-8")
    status, err = status_and_error(capsys, "validate", str(path))
    assert status == 2 and "必要な列が見つかりません" in err and "「事業各」は「事業名」(program) の書き間違い" in err
    assert [one_edit_apart("事業名", b) for b in ("事業各", "事業", "事業名称", "事業名", "名事業", "事")] == [
        True, True, True, False, False, False]


def test_a_longer_program_header_is_named_and_only_what_is_missing_is_listed(tmp_path, capsys):
    """事業名称 in a table whose schema calls the program 事業: the error says the program column is missing
    (not the aspects, which are there) and guesses 事業名称 for it."""
    schema = tmp_path / "town.toml"
    schema.write_text('[columns]\nsupport_type = ["支援の種類"]\nprogram_no = ["番号"]\nprogram = ["事業"]\n[aspects]\n'
                      'result = { headers = ["成果"], label = "成果", polarity = "positive" }\n'
                      'issue = { headers = ["課題"], label = "課題", polarity = "negative" }\n', encoding="utf-8")
    path = tmp_path / "town.tsv"
    path.write_text("支援の種類\t番号\t事業名称\t成果\t課題\n場の提供\t1\t集会所\t・増えた\t・少ない\n", encoding="utf-8")
    status, err = status_and_error(capsys, "validate", str(path), "--schema", str(schema))
    assert status == 2 and "必要な列が見つかりません: 「事業」。見つかった見出し: 支援の種類 / 番号 / 事業名称 / 成果 / 課題" in err
    assert "「事業名称」は「事業」(program) の書き間違いかもしれません" in err and "少なくとも一つ" not in err


def test_a_schema_can_map_or_ignore_a_column(tmp_path, capsys):
    text = RAW.read_text(encoding="utf-8").replace("仕組みとして効果があったこと", "成果").replace(
        "仕組みとして限界があったこと", "課題")
    path = tmp_path / "reworded.tsv"
    path.write_text(text, encoding="utf-8")
    schema = tmp_path / "schema.toml"
    schema.write_text('[columns]\nprogram = ["事業名"]\neffect = ["成果"]\nnext_step = ["今後、必要と考えること"]\n'
                      'support_type = ["区分"]\nprogram_no = ["NO"]\nignore = ["課題"]\n', encoding="utf-8")
    status, err = status_and_error(capsys, "validate", str(path), "--schema", str(schema))
    assert status == 2 and "ignore" in err  # ignore is a top-level key, not a column
    schema.write_text('ignore = ["課題"]\n[columns]\nprogram = ["事業名"]\neffect = ["成果"]\n'
                      'next_step = ["今後、必要と考えること"]\nsupport_type = ["区分"]\nprogram_no = ["NO"]\n', encoding="utf-8")
    items = clean_table(path, schema=__import__("kyodo_analysis.schema").schema.load_schema(schema)).items
    assert set(items["aspect"]) == {"effect", "next_step"} and len(items) == 16 + 9


def test_a_stray_quote_that_swallows_rows_is_refused(tmp_path, capsys):
    path = table(tmp_path, '財政的支援\t1\t助成\t"・効果が出た\t・限界\t・今後',
                 "\t2\t助成2\t・a\t・b\t・c", '\t3\t助成3\t・a"\t・b\t・c', "\t4\t助成4\t・a\t・b\t・c")
    status, err = status_and_error(capsys, "validate", path)
    assert status == 2 and "引用符" in err and "t.tsv:2" in err


def test_quotes_not_written_as_excel_writes_them_are_kept(tmp_path):
    path = table(tmp_path, '財政的支援\t1\t助成\t"Zen"の利用が増えた\t・限界\t・今後')
    assert clean_table(path).items["text"].tolist() == ['"Zen"の利用が増えた', "限界", "今後"]


@pytest.mark.parametrize("no", ["፩", "1" * 5000, "99999999999999999999"])
def test_exotic_numbers_are_not_a_no(tmp_path, capsys, no):
    status, err = status_and_error(capsys, "validate", table(tmp_path, f"財政的支援\t{no}\t助成\t・a\t・b\t・c"))
    assert status == 2 and "NO が数字ではありません" in err


@pytest.mark.parametrize("manifest,phrase", [
    ("file,city,title,fiscal_year,source,sha256\nt.tsv,市,表,,s,x\nt.tsv,市,表,,s,x\n", "2回"),
    ("file,city,title,fiscal_year,source,sha256\nt.tsv,市,表,99999,s,x\n", "西暦"),
    ("file,city,title,fiscal_year,source,sha256\nt.tsv,市,表,２０２４,s,x\n", "西暦"),
    ("file,city,title,fiscal_year,source,sha256\nt.tsv,市,表,,s\n", "列の数"),
    ("file,city,title,fiscal_year,source,sha256\n../../etc/passwd,市,表,,s,x\n", "ファイル名だけ"),
    ("file,city\nt.tsv,市\n", "列がありません"),
    ("file,city,title,fiscal_year,source,sha256,memo,memo\nt.tsv,市,表,,s,x,a,b\n", "見出し「memo」の列が2つ"),
])
def test_bad_manifests_stop_with_the_line(tmp_path, capsys, manifest, phrase):
    raw = tmp_path / "raw"
    raw.mkdir()
    table(raw, "財政的支援\t1\t助成\t・a\t・b\t・c")
    (raw / "manifest.csv").write_text(manifest, encoding="utf-8")
    status, err = status_and_error(capsys, "analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "out"))
    assert status == 2 and phrase in err and "manifest.csv" in err
    assert not (tmp_path / "out").exists()


def test_blank_rows_excel_leaves_in_the_manifest_are_no_rows(tmp_path, capsys, raw_dir):
    """Excel saves the empty rows under a table as ,,,,,, lines: nothing is in them, and nothing is refused."""
    manifest = raw_dir / "manifest.csv"
    manifest.write_text(manifest.read_text(encoding="utf-8-sig").rstrip("\n") + "\n,,,,,,\n, ,,,,,\n", encoding="utf-8-sig")
    status, err = status_and_error(capsys, "analyze", "--raw-dir", str(raw_dir), "--out", str(tmp_path / "out"))
    assert status == 0, err


def test_a_cp932_manifest_with_extra_columns_is_read_and_kept(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW, raw / RAW.name)
    (raw / "manifest.csv").write_bytes(
        (bundled_raw_dir(tmp_path / "b") / "manifest.csv").read_text(encoding="utf-8-sig")
        .replace("sha256\n", "sha256,memo\n", 1)
        .rstrip("\n").__add__(",研究会で配布\n").encode("cp932"))
    status, err = status_and_error(capsys, "manifest", "add", str(raw / RAW.name), "--year", "2018")
    assert status == 0, err
    text = (raw / "manifest.csv").read_text(encoding="utf-8-sig")
    assert "memo" in text.splitlines()[0] and "研究会で配布" in text and ",2018," in text


def test_raw_data_is_checked_against_the_manifest(tmp_path, capsys, raw_dir):
    raw = raw_dir
    with (raw / RAW.name).open("a", encoding="utf-8") as handle:
        handle.write("\n")
    status, err = status_and_error(capsys, "analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "out"))
    assert status == 2 and "SHA-256" in err and "manifest add" in err


def test_outputs_never_go_into_the_raw_folder_or_over_a_file(tmp_path, capsys, raw_dir):
    raw = raw_dir
    before = sorted(p.name for p in raw.iterdir())
    assert status_and_error(capsys, "analyze", "--raw-dir", str(raw), "--out", str(raw))[0] == 2
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert status_and_error(capsys, "analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "file"))[0] == 2
    assert sorted(p.name for p in raw.iterdir()) == before


@pytest.mark.parametrize("content,phrase", [
    ('[columns]\nprogram = 3\neffect = ["成果"]\n', "見出し文字列のリスト"),
    ('[columns]\nprogram = ["事業名"]\neffect = [""]\n', "見出し文字列のリスト"),
    ("[columns\n", "TOML"),
    ('[columns]\nprogram = ["事業名"]\n[aspects]\neffect = { headers = ["仕組みとして効果があったこと"] }\n'
     'limitation = { headers = ["仕組みとして 効果があったこと"] }\n', "見出し「仕組みとして 効果があったこと」が effect と limitation の両方"),
])
def test_bad_schemas(tmp_path, capsys, content, phrase):
    schema = tmp_path / "s.toml"
    schema.write_text(content, encoding="utf-8")
    status, err = status_and_error(capsys, "validate", str(RAW), "--schema", str(schema))
    assert status == 2 and phrase in err
    assert status_and_error(capsys, "validate", str(RAW), "--schema", str(tmp_path))[0] == 2  # a folder


def test_bad_rule_and_list_files(tmp_path, capsys, raw_dir):
    raw = raw_dir
    deep = tmp_path / "deep.txt"
    deep.write_text("*深い\n" + "(" * 5000 + "補助金" + ")" * 5000 + "\n", encoding="utf-8")
    long_or = tmp_path / "long.txt"
    long_or.write_text("*長い\n" + " or ".join(f"語{k}" for k in range(5000)) + " or 補助金\n", encoding="utf-8")
    out = str(tmp_path / "out")
    status, err = status_and_error(capsys, "analyze", "--raw-dir", str(raw), "--out", out, "--codes", str(deep))
    assert status == 2 and "深すぎ" in err and "deep.txt:2" in err
    assert status_and_error(capsys, "analyze", "--raw-dir", str(raw), "--out", out, "--codes", str(long_or))[0] == 0
    for option in ("--codes", "--forced", "--stop", "--synonyms"):
        status, err = status_and_error(capsys, "analyze", "--raw-dir", str(raw), "--out", out, option,
                                       str(tmp_path / "missing.txt"))
        assert status == 2 and "missing.txt" in err and "見つかりません" in err


@pytest.mark.parametrize("option,content,line", [
    ("--codes", "*団体\x01の成長\n団体\n", 1),  # a code name heads sheets and reports
    ("--codes", "*団体の成長\n団体\n*場\t所\n施設\n", 3),  # a tab is no part of a one-line name
    ("--stop", "事業\n\x1bこと\n", 2),
    ("--synonyms", "子ども\tこども\n子供\x7f\tこども\n", 2),  # tabs separate, a DEL does not
    ("--forced", "補助金\n\x0c市民活動\n", 2),
])
def test_control_characters_in_rule_and_list_files_are_refused_with_the_line(tmp_path, capsys, raw_dir, option,
                                                                              content, line):
    path = tmp_path / "list.txt"
    path.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    status, err = status_and_error(capsys, "analyze", "--raw-dir", str(raw_dir), "--out", str(out), option, str(path))
    assert status == 2 and f"list.txt:{line}" in err and "制御文字" in err and "Traceback" not in err
    assert not out.exists()


def degenerate_tables(tmp_path) -> dict[str, str]:
    return {
        "no_items": table(tmp_path, "財政的支援\t1\t助成\t\t\t", name="no_items.tsv"),
        "no_countable_words": table(tmp_path, "財政的支援\t1\t助成\t・。\t・、\t・1", "人的支援\t2\t人\t・!\t・?\t・…",
                                    name="no_words.tsv"),
        "one_support_type": table(tmp_path, "財政的支援\t1\t助成\t・補助金で活動が広がった\t・団体が固定化した\t・周知",
                                  "\t2\t寄付\t・寄付が集まった\t・団体が少ない\t・周知", name="one_type.tsv"),
        "long_item": table(tmp_path, "財政的支援\t1\t助成\t・" + "団体の活動が広がり" * 2500 + "\t・限界\t・今後",
                           "場の提供\t2\t場\t・施設の利用者が増えた\t・予約が少ない\t・周知", name="long.tsv"),
        "strange_labels": table(tmp_path, "$x^2$支援\t1\t😀𠮷の会\t・𠮷田さんの団体が活動した\t・한국어の資料\t・周知",
                                "𠮷😀支援\t2\t場\t・施設の利用者が増えた\t・予約が少ない\t・周知", name="labels.tsv"),
    }


@pytest.mark.parametrize("case", ["no_items", "no_countable_words", "one_support_type", "long_item", "strange_labels"])
def test_degenerate_tables_complete_with_every_figure(tmp_path, case):
    path = degenerate_tables(tmp_path)[case]
    analysis = analyze([path])
    missing = set()
    for _name, plot, args in figure_specs(analysis):
        fig = plot(*args)
        missing |= replace_missing_glyphs(fig)
        assert png_bytes(fig, dpi=40).startswith(b"\x89PNG")
    if case == "strange_labels":
        assert missing == {"😀", "𠮷"}  # drawn as 〓, and reported by save_figure


def test_a_run_replaces_the_previous_outputs_as_a_whole(tmp_path):
    folder = tmp_path / "reports"
    with generation(folder) as staging:
        (staging / "figures").mkdir()
        (staging / "figures" / "old_figure.png").write_bytes(b"old")
        (staging / "1.0-cleaning.html").write_text("old", encoding="utf-8")
    (folder / "my_notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(RuntimeError), generation(folder) as staging:  # an interrupted run
        (staging / "1.0-cleaning.html").write_text("half", encoding="utf-8")
        raise RuntimeError
    assert (folder / "1.0-cleaning.html").read_text(encoding="utf-8") == "old"
    with generation(folder) as staging:
        (staging / "1.0-cleaning.html").write_text("new", encoding="utf-8")
    names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if not p.name.startswith("."))
    assert names == ["1.0-cleaning.html", "my_notes.txt"]  # the old figure is gone, the researcher's note kept
    assert not list(folder.glob(".staging-*"))


def test_a_second_run_on_the_same_folder_is_refused(tmp_path):
    with generation(tmp_path / "out"), pytest.raises(InputError, match="書き込んでいる最中"), generation(tmp_path / "out"):
        pass


def test_analyze_and_run_take_the_schema(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    text = RAW.read_text(encoding="utf-8").replace("仕組みとして効果があったこと", "成果")
    (raw / "city.tsv").write_text(text.replace("・", "• "), encoding="utf-8")  # • bullets (U+2022)
    schema = tmp_path / "schema.toml"
    schema.write_text('[columns]\nprogram = ["事業名"]\neffect = ["成果"]\nlimitation = ["仕組みとして限界があったこと"]\n'
                      'next_step = ["今後、必要と考えること"]\nsupport_type = ["区分"]\nprogram_no = ["NO"]\n', encoding="utf-8")
    assert status_and_error(capsys, "analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "x"))[0] == 2
    status, err = status_and_error(capsys, "analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "out"),
                                   "--schema", str(schema))
    assert status == 0, err
    from kyodo_analysis.tables import read_csv

    items = read_csv(tmp_path / "out" / "items.csv")
    assert len(items) == 36 and not items["text"].str.startswith("•").any()


# ---------------------------------------------------------------- data: outputs own only what they wrote

def files_of(folder) -> dict[str, bytes]:
    """Every file under ``folder`` but the bookkeeping ones, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)}


def old_generation(folder, names=("items.csv", "figures/a.png", "kyodo_tables.xlsx")) -> dict[str, bytes]:
    with generation(folder) as staging:
        for name in names:
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(f"old {name}".encode())
    return files_of(folder)


def write_new(staging, names=("items.csv", "figures/a.png", "figures/b.png", "kyodo_tables.xlsx")) -> None:
    for name in names:
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        (staging / name).write_bytes(f"new {name}".encode())


@pytest.mark.parametrize("out", ["data/raw", "data/raw/cleaned", "link_to_raw", "link_to_raw/sub"])
def test_no_output_goes_into_a_raw_folder(tmp_path, capsys, monkeypatch, out):
    monkeypatch.chdir(tmp_path)
    raw = bundled_raw_dir(tmp_path / "data" / "raw")
    (tmp_path / "link_to_raw").symlink_to(raw)
    before = files_of(raw)
    other = bundled_raw_dir(tmp_path / "other_raw")
    for argv in (["analyze", "--raw-dir", str(other), "--out", out],
                 ["run", "--raw-dir", str(other), "--out", "processed", "--reports", out],
                 ["clean", str(other / RAW.name), "--out", out]):
        status, err = status_and_error(capsys, *argv)
        assert status == 2 and "生データのフォルダ" in err, argv
    assert files_of(raw) == before and sorted(p.name for p in raw.iterdir()) == ["kyodo_seika_zushi.tsv", "manifest.csv"]


def test_a_folder_without_a_valid_record_loses_nothing(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "memo.csv").write_text("mine", encoding="utf-8")
    (folder / "figures_old.csv").write_text("mine too", encoding="utf-8")
    warnings: list[str] = []
    with generation(folder, warn=warnings.append) as staging:
        write_new(staging)
    assert files_of(folder)["memo.csv"] == b"mine" and files_of(folder)["figures_old.csv"] == b"mine too"
    assert any("figures_old.csv" in w and "memo.csv" in w and "残しました" in w for w in warnings)
    (folder / ".kyodo-outputs.json").write_text("{damaged", encoding="utf-8")
    before = files_of(folder)
    with pytest.raises(InputError) as raised, generation(folder, warn=warnings.append) as staging:
        write_new(staging, ["items.csv"])  # items.csv is there, and no record says a run wrote it
    assert "出力と同じ名前のファイルがありますが、前の実行が書いたものではありません" in raised.value.message
    assert "items.csv" in raised.value.message and files_of(folder) == before  # nothing replaced
    (folder / "items.csv").unlink()  # as the message says: the researcher removes it (or moves it), then runs again
    with generation(folder, warn=warnings.append) as staging:
        write_new(staging, ["items.csv"])
    assert {"memo.csv", "figures_old.csv", "figures/a.png", "items.csv"} <= set(files_of(folder))
    assert any("壊れている" in w for w in warnings)


def test_a_researchers_file_of_an_outputs_name_is_never_replaced(tmp_path):
    """A file a researcher put in the folder whose name a later run uses (a figure only a two-year run draws; an
    items.csv in a folder of no record) was replaced and its original deleted, without a word (a hostile tester).
    The run now stops naming it, and replaces nothing."""
    folder = tmp_path / "out"
    old_generation(folder)  # a run recorded items.csv and figures/a.png
    (folder / "figures" / "changes.png").write_text("mine", encoding="utf-8")
    before = files_of(folder)
    with pytest.raises(InputError) as raised, generation(folder) as staging:
        write_new(staging, ["items.csv", "figures/a.png", "figures/changes.png"])
    assert "figures/changes.png" in raised.value.message and "上書きせずに止めました" in raised.value.message
    assert files_of(folder) == before
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "items.csv").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match=r"items\.csv"), generation(fresh) as staging:
        write_new(staging, ["items.csv"])
    assert (fresh / "items.csv").read_text(encoding="utf-8") == "mine"


def test_a_record_naming_files_outside_the_folder_is_ignored(tmp_path):
    folder, victim, absolute = tmp_path / "out", tmp_path / "victim.txt", tmp_path / "absolute.txt"
    old_generation(folder)
    victim.write_text("keep", encoding="utf-8")
    absolute.write_text("keep", encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "escape").symlink_to(tmp_path)
    (folder / ".kyodo-outputs.json").write_text(json.dumps(
        {"files": ["../victim.txt", str(absolute), "sub/escape/victim.txt", "figures/../../victim.txt", 3, "items.csv",
                   "figures/a.png"]}),
        encoding="utf-8")
    warnings: list[str] = []
    with generation(folder, warn=warnings.append) as staging:
        write_new(staging, ["figures/a.png"])
    assert victim.read_text(encoding="utf-8") == "keep" and absolute.read_text(encoding="utf-8") == "keep"
    assert not (folder / "items.csv").exists()  # a plain name of the record: ours, removed
    assert any("../victim.txt" in w and "無視" in w for w in warnings)


# ---------------------------------------------------------------- data: all or nothing

def failing_replace(monkeypatch, name: str, error: int = 1) -> None:
    """os.replace fails for ``name`` (a file held open by Excel, or made immutable)."""
    real = os.replace

    def replace(source, target, *args, **kwargs):
        if Path(source).name == name and Path(source).parent.name in ("out", "reports"):
            raise PermissionError(error, "Operation not permitted", str(source))
        return real(source, target, *args, **kwargs)
    monkeypatch.setattr(os, "replace", replace)


def test_a_file_that_cannot_be_replaced_replaces_nothing(tmp_path, monkeypatch):
    out, reports = tmp_path / "out", tmp_path / "reports"
    before = old_generation(out), old_generation(reports, ["1.0-cleaning.html", "kyodo_tables.xlsx"])
    failing_replace(monkeypatch, "kyodo_tables.xlsx")
    with pytest.raises(InputError, match="置き換えられません") as raised, generations(out, reports) as (a, b):
        write_new(a)
        write_new(b, ["1.0-cleaning.html", "kyodo_tables.xlsx", "figures/x.png"])
    assert "kyodo_tables.xlsx" in str(raised.value) and "Excel" in str(raised.value)
    assert (files_of(out), files_of(reports)) == before
    assert not [p for p in [*out.iterdir(), *reports.iterdir()] if p.name.startswith((".staging", ".previous", ".kyodo-p"))]


def test_analyze_with_a_locked_workbook_stops_and_keeps_every_output(tmp_path, capsys, monkeypatch, raw_dir):
    out = tmp_path / "out"
    assert status_and_error(capsys, "analyze", "--raw-dir", str(raw_dir), "--out", str(out))[0] == 0
    before = files_of(out)
    failing_replace(monkeypatch, "tokens.csv")
    status, err = status_and_error(capsys, "analyze", "--raw-dir", str(raw_dir), "--out", str(out), "--stop",
                                   str(tmp_path / "stop.txt"))
    assert status == 2  # the missing list: refused before anything
    (tmp_path / "stop.txt").write_text("団体\n", encoding="utf-8")
    status, err = status_and_error(capsys, "analyze", "--raw-dir", str(raw_dir), "--out", str(out), "--stop",
                                   str(tmp_path / "stop.txt"))
    assert status == 2 and "tokens.csv" in err and "Excel" in err
    assert files_of(out) == before


@pytest.mark.parametrize("lock, held", [("~$kyodo_tables.xlsx", "kyodo_tables.xlsx"), ("~$odo_summary.docx", "kyodo_summary.docx"),
                                        (".~lock.kyodo_tables.xlsx#", "kyodo_tables.xlsx")])
def test_a_report_open_in_excel_or_word_stops_the_run_before_any_work(tmp_path, capsys, raw_dir, lock, held):
    """Excel's and Word's lock files beside the workbook or the summary: the run stopped with a clear message,
    but only once every stage was done (100 s, a newcomer's walk). It stops before any work and leaves the
    lock file, which is not the run's own."""
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / lock).write_bytes(b"")
    status, err = status_and_error(capsys, "run", "--raw-dir", str(raw_dir), "--out", str(tmp_path / "out"), "--reports",
                                   str(reports), "--notebooks", str(ROOT / "notebooks"))
    assert status == 2 and f"{reports / held}: このファイルは開かれているようです ({lock} があります)" in err
    assert f"閉じているのに {lock} が残っているとき" in err and "[clean]" not in err
    assert not (tmp_path / "out").exists() and [p.name for p in reports.iterdir()] == [lock]


KILLED_RUN = """
import os, signal, sys
from pathlib import Path
from kyodo_analysis.outputs import generations
calls = [0]
real = os.replace
def replace(source, target):
    calls[0] += 1
    if calls[0] == int(sys.argv[3]):
        os.kill(os.getpid(), signal.SIGKILL)
    return real(source, target)
os.replace = replace
with generations(sys.argv[1], sys.argv[2]) as stagings:
    for staging in stagings:
        for name in ("items.csv", "figures/a.png", "figures/b.png", "kyodo_tables.xlsx"):
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(f"new {name}".encode())
"""


@pytest.mark.parametrize("kill_at", [1, 3, 6, 9, 12, 14, 15, 16, 99])
def test_a_killed_publication_leaves_one_whole_generation(tmp_path, kill_at):
    out, reports = tmp_path / "out", tmp_path / "reports"
    before = old_generation(out), old_generation(reports)
    subprocess.run([sys.executable, "-c", KILLED_RUN, str(out), str(reports), str(kill_at)], check=False)
    with generations(out, reports):  # the next run finishes what the killed one left, then publishes nothing new
        after = files_of(out), files_of(reports)
    new = {n: f"new {n}".encode() for n in ("items.csv", "figures/a.png", "figures/b.png", "kyodo_tables.xlsx")}
    assert after in (before, (new, new)), after
    assert not [p for p in [*out.iterdir(), *reports.iterdir()] if p.name.startswith((".staging", ".previous", ".kyodo-p"))]


def test_an_interrupt_during_publication_says_what_is_true(tmp_path, monkeypatch, ctrl_c_raises):
    out = tmp_path / "out"
    old_generation(out)
    real = os.replace

    def replace(source, target):
        if ".previous-" in str(target):  # Ctrl-C in the middle of the renames: held until they are done
            signal.raise_signal(signal.SIGINT)  # in this (the main) thread, where Python handles it
        return real(source, target)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(Interrupted) as raised, generation(out) as staging:
        write_new(staging)
    assert raised.value.published, ctrl_c_raises
    assert files_of(out) == {n: f"new {n}".encode() for n in ("items.csv", "figures/a.png", "figures/b.png",
                                                               "kyodo_tables.xlsx")}


def test_report_reads_one_whole_generation_after_a_killed_run(tmp_path):
    out, reports = tmp_path / "out", tmp_path / "reports"
    before = old_generation(out), old_generation(reports)
    subprocess.run([sys.executable, "-c", KILLED_RUN, str(out), str(reports), "6"], check=False)
    assert list(out.glob(".kyodo-publish-*.json"))  # killed in the middle of the renames
    from kyodo_analysis.outputs import settle

    assert settle(out) and files_of(out) == before[0]
    assert not list(out.glob(".kyodo-publish-*.json")) and settle(out) == []


# ---------------------------------------------------------------- data: values checked where they are entered

@pytest.mark.parametrize("schema_text", [
    '[aspects]\nitems = ["効果"]\n', '[aspects]\neffect = ["効果"]\n[attributes]\nz = ["評価"]\n',
    '[aspects]\neffect = ["効果"]\n[attributes]\ntest = ["評価"]\n',
    '[aspects]\neffect = ["効果"]\n[attributes]\nn_effect = ["評価"]\n',
    '[aspects]\neffect = ["効果"]\n[attributes]\nn_items = ["評価"]\n',
])
def test_schema_names_colliding_with_generated_columns(tmp_path, capsys, schema_text):
    schema = tmp_path / "s.toml"
    schema.write_text('[columns]\nprogram = ["事業名"]\n' + schema_text, encoding="utf-8")
    status, err = status_and_error(capsys, "validate", str(RAW), "--schema", str(schema))
    assert status == 2 and "使えません" in err


@pytest.mark.parametrize("label", ["効果\u0001", "効果\n", "長" * 100_000])
def test_schema_labels_with_control_characters_or_too_long(tmp_path, capsys, label):
    schema = tmp_path / "s.toml"
    schema.write_text('[columns]\nprogram = ["事業名"]\n[aspects]\neffect = { headers = ["仕組みとして効果があったこと"], '
                      f'label = {json.dumps(label)} }}\n', encoding="utf-8")
    status, err = status_and_error(capsys, "validate", str(RAW), "--schema", str(schema))
    assert status == 2 and ("制御文字" in err or "上限" in err)


def test_sheet_names_excel_refuses_are_derived_safely():
    from kyodo_analysis.report import sheet_names

    assert sheet_names(["区分/分野[A]?×観点の項目数", "a" * 40, "A" * 40, "'x'", "項目", "項目"]) == [
        "区分／分野［A］？×観点の項目数", "a" * 31, "A" * 29 + "_2", "x", "項目", "項目_2"]


@pytest.mark.parametrize("reference", ["&#x1;", "&#X1B;", "&#127;", "&#0000008;"])
def test_a_reference_to_a_control_character_is_refused_with_its_line(tmp_path, reference):
    path = table(tmp_path, "財政的支援\t1\t助成\t・団体が広がった\t・限界\t・今後",
                 f"財政的支援\t2\t講座\t・団体{reference}が広がった\t・限界\t・今後")
    with pytest.raises(InputError, match=r"制御文字 U\+00(01|1B|7F|08)") as raised:
        clean_table(path)  # HTML's rule would drop it: five characters of a cell lost without a word
    assert raised.value.line == 3


def test_references_to_ordinary_characters_and_line_breaks_are_read():
    from kyodo_analysis.cells import split_items

    assert [p.text for p in split_items("・A&amp;B&#10;・C&#x3042;&#9;D")] == ["A&B", "Cあ\tD"]


def test_a_page_break_copied_from_a_pdf_is_refused_with_its_line(tmp_path, capsys):
    path = table(tmp_path, "財政的支援\t1\t助成\t・団体が広がった\t・限界\t・今後",
                 "財政的支援\t2\t講座\t・参加者が\x0c増えた\t・限界\t・今後")
    status, err = status_and_error(capsys, "validate", path)
    assert status == 2 and "t.tsv:3" in err and "制御文字 U+000C" in err and "参加者が…" in err


def test_control_characters_in_cells_are_refused(tmp_path, monkeypatch):
    from kyodo_analysis import cleaning
    from kyodo_analysis.readers import Record

    for row in (["財政的支援", "1", "助成", "・団体\x01が広がった"], ["財政的支援", "1", "助\x1b成", "・a"]):
        records = [Record(1, 1, HEADER.split("\t")[:4], []), Record(2, 2, row, [])]  # a cell of a workbook, say
        with monkeypatch.context() as patch:
            patch.setattr(cleaning, "read_records", lambda path, sheet, records=records: (records, "xlsx:s"))
            with pytest.raises(InputError, match=r"制御文字 U\+00(01|1B)") as raised:
                clean_table(tmp_path / "book.xlsx")
        assert raised.value.line == 2


@pytest.mark.parametrize("argv", [["manifest", "add", "{raw}", "--year", "99999"], ["manifest", "add", "{raw}", "--year", "-5"],
                                  ["manifest", "add", "{raw}", "--year", "0"], ["clean", "{raw}", "--year", "99999", "--out", "{o}"],
                                  ["manifest", "add", "{raw}", "--city", "逗子\u0001市"]])
def test_years_and_names_are_checked_when_entered(tmp_path, capsys, raw_dir, argv):
    manifest = (raw_dir / "manifest.csv").read_bytes()
    argv = [a.format(raw=raw_dir / RAW.name, o=tmp_path / "o") for a in argv]
    status, err = status_and_error(capsys, *argv)
    assert status == 2 and ("西暦" in err or "制御文字" in err)
    assert (raw_dir / "manifest.csv").read_bytes() == manifest and not (tmp_path / "o").exists()


def test_group_names_equal_after_nfkc_are_reported(tmp_path):
    path = table(tmp_path, "人的支援\t1\t推進員\t・a\t・b\t・c", "\u2f08的支援\t2\t派遣\t・a\t・b\t・c")
    warnings = clean_table(path).warnings
    assert any("人的支援" in w and "\u2f08的支援" in w and "NFKC" in w for w in warnings)


def test_a_line_break_inside_a_group_name_is_reported_within_and_across_tables(tmp_path):
    from kyodo_analysis.analysis import clean_all

    within = table(tmp_path, '財政的支援\t1\t補助\t・a\t・b\t・c', '"財政的\n支援"\t2\t助成\t・a\t・b\t・c')
    assert any("「財政的支援」と「財政的⏎支援」" in w and "別のグループ" in w for w in clean_table(within).warnings)
    raw = tmp_path / "raw"
    raw.mkdir()
    first = table(raw, "財政的支援\t1\t補助\t・a\t・b\t・c", name="y2018.tsv")
    second = table(raw, '"財政的\n支援"\t1\t補助\t・a\t・b\t・c', name="y2025.tsv")
    for path, year in ((first, "2018"), (second, "2025")):
        assert main(["manifest", "add", path, "--year", year, "--city", "架空市", "--title", "成果"]) == 0
    warned = [t.warnings for t in clean_all([first, second])]
    assert warned[0] == () and any("y2025.tsv" in w and "財政的⏎支援" in w for w in warned[1])


def test_a_raw_folder_that_cannot_be_written_keeps_its_manifest(tmp_path, capsys, monkeypatch, raw_dir):
    import errno

    manifest = (raw_dir / "manifest.csv").read_bytes()
    real = Path.open

    def open_(self, mode="r", *args, **kwargs):
        if self.name == "manifest.csv.tmp":  # a read-only folder (the tests run as root, who may write anywhere)
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self, mode, *args, **kwargs)
    monkeypatch.setattr(Path, "open", open_)
    status, err = status_and_error(capsys, "manifest", "add", str(raw_dir / RAW.name), "--year", "2018")
    assert status == 2 and "manifest.csv" in err and "アクセス権" in err
    assert (raw_dir / "manifest.csv").read_bytes() == manifest


# ---------------------------------------------------------------- data: nothing left running

def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        return "Z" not in (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False


KILLED = """
import sys, time
from pathlib import Path

folder = Path(sys.argv[2])
if sys.argv[1] == "analysis":  # the pool of the analysis (per-item stages, statistics beside): two busy workers
    from kyodo_analysis.parallel import worker_pool
    with worker_pool(2) as pool:
        [future.result() for future in [pool.submit(time.sleep, 600) for _ in range(2)]]
elif sys.argv[1] == "figures":  # the run's figure stage: a pool of two workers, each busy with a figure
    from kyodo_analysis.plots import draw_figures
    draw_figures([("a", time.sleep, (600,)), ("b", time.sleep, (600,))], folder, {}, workers=2)
else:  # its notebook stage: a worker process per notebook, each with its kernel
    from kyodo_analysis.report import render_notebooks
    render_notebooks([(folder / "slow.ipynb", folder / "slow.html", {})], workers=2)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("stage", ["analysis", "figures", "notebooks"])
def test_a_killed_run_leaves_no_process_behind(tmp_path, stage):
    # The run's own functions for its three stages with helper processes, in a process killed as the
    # out-of-memory killer does (no handler runs) while its helpers are busy: the fork server, its
    # workers and the notebook's kernel must all end by themselves.
    import time

    import nbformat

    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time\ntime.sleep(600)")]),
                   tmp_path / "slow.ipynb")
    process = subprocess.Popen([sys.executable, "-c", KILLED, stage, str(tmp_path)], cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    helpers: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(helpers) < 3:  # the fork server and two workers, or a worker and its kernel
        helpers |= descendants(process.pid)
        time.sleep(0.2)
    assert len(helpers) >= 3, helpers
    time.sleep(1)  # the kernel or the figures under way
    process.kill()
    process.wait()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(alive(p) for p in helpers):
        time.sleep(0.5)
    assert not [p for p in helpers if alive(p)]


def test_a_file_size_limit_stops_the_run_with_the_previous_outputs(tmp_path, raw_dir):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "kyodo_analysis", "analyze", "--raw-dir", str(raw_dir), "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    assert subprocess.run(command, capture_output=True, env=env).returncode == 0
    before = files_of(out)
    limited = subprocess.run(["sh", "-c", 'ulimit -f 100 && exec "$@"', "sh", *command], capture_output=True,
                             text=True, env=env)  # 100 blocks of 512 bytes: tokens.csv does not fit
    assert limited.returncode == 2 and "大きさの上限" in limited.stderr and "Traceback" not in limited.stderr
    assert files_of(out) == before


# ---------------------------------------------------------------- exposure: no live markup, no formula

TAG = "<img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://x","R")'
BOTH = FORMULA + TAG  # a formula to Excel and a tag to a browser


def hostile_project(tmp_path) -> tuple[Path, Path, Path]:
    """A raw folder where every field that reaches a report carries both attacks: support types, programs,
    items, city, title, source, file name, schema labels, attribute header and values, code names."""
    raw = tmp_path / "raw"
    raw.mkdir()
    header = f"区分\tNO\t事業名\t効果\t限界\t{BOTH}評価"
    rows = [f"{BOTH}支援\t1\t{BOTH}事業\t・{BOTH}補助金で団体の活動が広がった\t・{TAG}団体が固定化した",
            f"\t2\t{FORMULA}寄付\t・寄付で団体の活動が広がった\t・団体の参加が少ない\t{BOTH}A",
            f"{TAG}場\t3\t{TAG}会場\t・施設の利用者が増えた\t・予約が少ない\tB"]
    name = "=1+2" + TAG + ".tsv"
    (raw / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    schema = tmp_path / "schema.toml"
    schema.write_text(
        '[columns]\nsupport_type = ["区分"]\nprogram_no = ["NO"]\nprogram = ["事業名"]\n'
        f'[aspects]\neffect = {{ headers = ["効果"], label = {json.dumps(BOTH + "効果")}, polarity = "positive" }}\n'
        f'limitation = {{ headers = ["限界"], label = {json.dumps(BOTH + "限界")}, long_label = {json.dumps(TAG)}, '
        'polarity = "negative" }\n'
        f'[attributes]\nrating = [{json.dumps(BOTH + "評価")}]\n', encoding="utf-8")
    codes = tmp_path / "codes.txt"
    codes.write_text(f"*{BOTH}コード\n団体\n*{TAG}\n施設\n", encoding="utf-8")
    status, _out, err = cli("manifest", "add", str(raw / name), "--year", "2024", "--city", BOTH + "市",
                           "--title", BOTH + "表", "--source", BOTH, "--schema", str(schema))
    assert status == 0, err
    return raw, schema, codes


def test_no_report_holds_live_markup_or_a_formula(tmp_path):
    import zipfile

    raw, _schema, codes = hostile_project(tmp_path)
    status, _out, err = cli("run", "--raw-dir", str(raw), "--out", str(tmp_path / "processed"), "--reports",
                           str(tmp_path / "reports"), "--notebooks", str(ROOT / "notebooks"), "--codes", str(codes),
                           "--settings", str(tmp_path / "none.toml"))
    assert status == 2 and "none.toml" in err  # a settings file named on the command line must exist
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    status, _out, err = cli("run", "--raw-dir", str(raw), "--out", str(tmp_path / "processed"), "--reports",
                           str(tmp_path / "reports"), "--notebooks", str(ROOT / "notebooks"), "--codes", str(codes),
                           "--settings", str(tmp_path / "none.toml"))
    assert status == 0, err
    pages = sorted((tmp_path / "reports").glob("*.html"))
    assert len(pages) == 5
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<img src=x" not in html and "onerror=alert(1)>" not in html, page.name
        assert "&lt;img src=x onerror=alert(1)&gt;" in html or "&amp;lt;img" in html, page.name  # shown as text
    with zipfile.ZipFile(tmp_path / "reports" / "kyodo_tables.xlsx") as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in book.read(n) or b"<f " in book.read(n) for n in sheets)
        assert any(b"HYPERLINK" in book.read(n) for n in sheets)  # there, as text
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "reports" / "kyodo_tables.xlsx")
    headers = [c.value for ws in book.worksheets for c in ws[1]]
    assert any(isinstance(h, str) and h.startswith("=HYPERLINK") for h in headers)
    assert all(c.data_type == "s" for ws in book.worksheets for row in ws.iter_rows() for c in row
               if isinstance(c.value, str))
    assert all(c.quotePrefix for ws in book.worksheets for row in ws.iter_rows() for c in row
               if isinstance(c.value, str) and c.value[:1] in "=+-@")  # and stays text when edited in Excel


def test_a_cell_of_text_that_starts_like_a_formula_keeps_excels_apostrophe(tmp_path):
    """「=HYPERLINK(…)」 was stored as text, but a researcher pressing F2 and Enter on it made it a live formula
    (a hostile tester): such cells carry Excel's quote prefix, the leading apostrophe; other text does not."""
    import pandas as pd
    from openpyxl import Workbook, load_workbook

    from kyodo_analysis.report.workbook import write_sheet

    book = Workbook(write_only=True)
    write_sheet(book.create_sheet("s"), pd.DataFrame({"text": ['=HYPERLINK("http://x","y")', "+cmd", "@SUM(1)",
                                                               "-1+2", "見守り"], "n": [1, 2, 3, 4, 5]}))
    book.save(tmp_path / "t.xlsx")
    cells = list(load_workbook(tmp_path / "t.xlsx")["s"].iter_rows(min_row=2, max_col=1))
    assert [(c.value, bool(c.quotePrefix), c.data_type) for (c,) in cells] == [
        ('=HYPERLINK("http://x","y")', True, "s"), ("+cmd", True, "s"), ("@SUM(1)", True, "s"), ("-1+2", True, "s"),
        ("見守り", False, "s")]


# ---------------------------------------------------------------- exposure: CSV and printed remedies

def test_remedies_quote_paths_for_the_shell(tmp_path, capsys):
    raw = bundled_raw_dir(tmp_path / "raw")
    name = "$(touch pwned) x.tsv"
    (raw / RAW.name).rename(raw / name)
    manifest = raw / "manifest.csv"
    manifest.write_text(manifest.read_text(encoding="utf-8-sig").replace(RAW.name, name), encoding="utf-8")
    with (raw / name).open("a", encoding="utf-8") as handle:
        handle.write("\n")
    status, err = status_and_error(capsys, "analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "out"))
    assert status == 2 and f"manifest add '{raw / name}'" in err


def test_text_that_excel_would_evaluate_is_kept_and_the_safe_way_named(tmp_path, capsys):
    path = table(tmp_path, '財政的支援\t1\t=HYPERLINK("http://x","R")\t・=1+1の項目\t・@SUM(A1)\t・今後')
    status = main(["clean", path, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 0 and "kyodo_tables.xlsx" in err and "items.csv 5 セル" in err and "programs.csv 1 セル" in err
    from kyodo_analysis.tables import read_csv

    assert read_csv(tmp_path / "out" / "items.csv")["text"].tolist() == ["=1+1の項目", "@SUM(A1)", "今後"]


# ---------------------------------------------------------------- crash: damaged input and faults → status 2

XLSX = ROOT / "tests" / "fixtures" / "kyodo_seika_zushi_R7_renumbered.xlsx"


def rezipped(tmp_path, name: str, change) -> str:
    """A copy of the fixture workbook with ``change(part name, bytes)`` applied to every part (None drops it)."""
    import zipfile

    path = tmp_path / name
    with zipfile.ZipFile(XLSX) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = change(info.filename, source.read(info.filename))
            if data is not None:
                target.writestr(info, data)
    return str(path)


def damaged_workbooks(tmp_path) -> dict[str, str]:
    sheet = "xl/worksheets/sheet1.xml"
    return {
        "character_reference": rezipped(tmp_path, "ref.xlsx", lambda n, d: d.replace(b"</t>", b"&#1;</t>", 1)
                                        if n == sheet else d),
        "truncated_sheet": rezipped(tmp_path, "cut.xlsx", lambda n, d: d[: len(d) // 2] if n == sheet else d),
        "missing_sheet": rezipped(tmp_path, "missing.xlsx", lambda n, d: None if n == sheet else d),
        "not_a_zip": str(tmp_path / "junk.xlsx"),
    }


@pytest.mark.parametrize("case", ["character_reference", "truncated_sheet", "missing_sheet", "not_a_zip"])
def test_a_damaged_workbook_stops_naming_it(tmp_path, capsys, case):
    (tmp_path / "junk.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    path = damaged_workbooks(tmp_path)[case]
    status, err = status_and_error(capsys, "validate", path)
    assert status == 2 and Path(path).name in err and "保存し直して" in err


def test_a_text_table_named_xlsx_is_told_to_be_renamed(tmp_path, capsys):
    """A CSV saved (or renamed) as .xlsx: said to be text, with the name to give it — not "damaged"."""
    path = tmp_path / "令和7年度.xlsx"
    path.write_bytes(NEW_YEAR_CSV.read_bytes())  # Excel's CP932 CSV
    status, err = status_and_error(capsys, "validate", str(path))
    assert status == 2 and "中身は Excel ブックではなく文字の表 (CSV かタブ区切り) です" in err and ".csv に" in err
    assert "壊れているか" not in err and "Traceback" not in err and "BadZipFile" not in err


@pytest.mark.parametrize(("content", "said"), [
    (b"", "ファイルが空です"),
    # what Excel writes for a workbook with a password to open: a Compound File (MS-CFB), not a zip
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "パスワードで保護されたブック"),
])
def test_an_empty_or_password_protected_workbook_says_which(tmp_path, capsys, content, said):
    path = tmp_path / "令和7年度.xlsx"
    path.write_bytes(content)
    status, err = status_and_error(capsys, "validate", str(path))
    assert status == 2 and "令和7年度.xlsx" in err and said in err and "Traceback" not in err
    assert "壊れているか" not in err


def test_chart_sheets_and_far_cells(tmp_path, capsys):
    from openpyxl import Workbook, load_workbook
    from openpyxl.chart import BarChart
    from openpyxl.styles import Font

    book = load_workbook(XLSX)
    book.create_chartsheet("グラフ").add_chart(BarChart())
    book.save(tmp_path / "with_chart.xlsx")
    status, err = status_and_error(capsys, "validate", str(tmp_path / "with_chart.xlsx"), "--sheet", "グラフ")
    assert status == 2 and "グラフのシート" in err and "協働の成果等" in err
    only = Workbook()
    only.create_chartsheet("グラフ").add_chart(BarChart())
    only.remove(only.active)
    only.save(tmp_path / "chart_only.xlsx")
    status, err = status_and_error(capsys, "validate", str(tmp_path / "chart_only.xlsx"))
    assert status == 2 and "表のシートがありません" in err
    book = load_workbook(XLSX)
    book.active["XFD1048576"].font = Font(bold=True)  # formatted, empty: read at once, same items
    book.save(tmp_path / "far_style.xlsx")
    assert len(clean_table(tmp_path / "far_style.xlsx").items) == len(clean_table(XLSX).items)
    book.active["XFD5"] = "遠くの値"
    book.save(tmp_path / "far_value.xlsx")
    status, err = status_and_error(capsys, "validate", str(tmp_path / "far_value.xlsx"))
    assert status == 2 and "XFD5" in err and "16,384 列" in err


def test_a_workbook_whose_first_sheet_is_not_the_table_names_the_sheet_read_and_the_option(tmp_path, capsys):
    """Without --sheet the first sheet is read: when it is a memo or empty, the message names that sheet and
    --sheet (it said only 「見出しらしい行がありません」, or that the file was empty)."""
    from openpyxl import load_workbook

    for first, phrase in (("メモ", "必要な列が見つかりません (読んだのはシート「メモ」)"), ("", "シート「メモ」が空です")):
        book = load_workbook(XLSX)
        memo = book.create_sheet("メモ", 0)
        if first:
            memo["A1"] = "この表は協働推進課から受領した"
        book.save(tmp_path / "memo_first.xlsx")
        status, err = status_and_error(capsys, "validate", str(tmp_path / "memo_first.xlsx"))
        assert status == 2 and phrase in err and "--sheet" in err, err
        assert f"(このブックのシート: メモ, {load_workbook(XLSX).sheetnames[0]})" in err, err  # the sheets to choose from
        assert status_and_error(capsys, "validate", str(tmp_path / "memo_first.xlsx"), "--sheet",
                                load_workbook(XLSX).sheetnames[0])[0] == 0


def test_the_sheet_manifest_add_read_is_the_sheet_analyze_reads(tmp_path, capsys):
    """`manifest add --sheet` records the sheet, and analyze and run read it (they read the first sheet, a
    year-old copy here, and wrote its items without a word)."""
    from openpyxl import load_workbook

    raw = tmp_path / "raw"
    raw.mkdir()
    book = load_workbook(XLSX)
    old = book.copy_worksheet(book.active)
    old.title = "前年度"
    cell = next(c for row in old.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("・"))
    cell.value = "・前年度の表にだけある項目"
    book.move_sheet(old, -1)  # the copy first, the table second
    book.save(raw / "r7.xlsx")
    sheet = load_workbook(XLSX).sheetnames[0]
    assert cli("manifest", "add", str(raw / "r7.xlsx"), "--sheet", sheet, "--year", "2025", "--city", "逗子市",
               "--title", "表")[0] == 0
    assert (raw / "manifest.csv").read_text(encoding="utf-8-sig").splitlines()[1].endswith(f",{sheet}")
    analysis = analyze(sorted(raw.glob("*.xlsx")))
    assert analysis.metadata["raw_files"][0]["encoding"] == f"xlsx:{sheet}"
    assert len(analysis["items"]) == len(clean_table(XLSX).items) and not analysis["items"]["text"].str.contains("前年度").any()
    assert cli("manifest", "add", str(raw / "r7.xlsx"), "--source", "受領")[0] == 0  # kept when not given
    assert (raw / "manifest.csv").read_text(encoding="utf-8-sig").splitlines()[1].endswith(f",{sheet}")


def test_a_sheet_given_for_text_tables_only_is_an_error_not_ignored(capsys):
    status, err = status_and_error(capsys, "validate", str(RAW), "--sheet", "Sheet1")
    assert status == 2 and "--sheet Sheet1" in err and ".xlsx がありません" in err


def test_a_formula_without_its_value_is_an_error_naming_the_cell(tmp_path, capsys):
    from openpyxl import load_workbook

    book = load_workbook(XLSX)
    cell = next(c for row in book.active.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("・"))
    cell.value = '="・"&"数式で書いた項目"'  # saved by a script: no cached value
    book.save(tmp_path / "formula.xlsx")
    status, err = status_and_error(capsys, "validate", str(tmp_path / "formula.xlsx"))
    assert status == 2 and cell.coordinate in err and "数式" in err


def test_a_merged_range_beyond_any_table_is_refused_before_it_is_built(tmp_path, capsys):
    import re

    def merge(ref: str):
        return lambda n, d: (re.sub(rb"<mergeCells.*?</mergeCells>", f'<mergeCells count="1"><mergeCell ref="{ref}"/>'
                                    "</mergeCells>".encode(), d, flags=re.S) if n == "xl/worksheets/sheet1.xml" else d)
    far = rezipped(tmp_path, "far.xlsx", merge("A200:XFD1048576"))  # openpyxl would build 1.7·10¹⁰ cells
    status, err = status_and_error(capsys, "validate", far)
    assert status == 2 and "far.xlsx" in err and "A200:XFD1048576" in err and "結合を解除" in err
    near = rezipped(tmp_path, "near.xlsx", merge("A5:A6"))  # a 区分 merged down its group is read as before
    assert main(["validate", near]) == 0


def test_raw_paths_that_are_not_files_stop_at_once(tmp_path, capsys):
    fifo = tmp_path / "pipe.tsv"
    os.mkfifo(fifo)
    result = subprocess.run([sys.executable, "-m", "kyodo_analysis", "validate", str(fifo)], capture_output=True,
                            text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert result.returncode == 2 and "ふつうのファイルではありません" in result.stderr
    status, err = status_and_error(capsys, "validate", "/dev/zero")
    assert status == 2 and "/dev/zero" in err
    status, err = status_and_error(capsys, "validate", str(tmp_path / ("長" * 100 + ".tsv")))
    assert status == 2 and "長すぎ" in err


def test_output_paths_that_cannot_be_folders(tmp_path, capsys, raw_dir):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    run = ["run", "--raw-dir", str(raw_dir), "--notebooks", str(ROOT / "notebooks")]
    for out in [tmp_path / "file" / "sub", tmp_path / ("x" * 300)]:
        status, err = status_and_error(capsys, "analyze", "--raw-dir", str(raw_dir), "--out", str(out))
        assert status == 2 and ("ファイルです" in err or "長すぎ" in err), err
    lock = tmp_path / "locked"
    (lock / ".kyodo-run.lock").mkdir(parents=True)
    status, err = status_and_error(capsys, "analyze", "--raw-dir", str(raw_dir), "--out", str(lock))
    assert status == 2 and ".kyodo-run.lock" in err
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "figures").write_text("not a folder", encoding="utf-8")
    (tmp_path / "processed" / "items.csv").mkdir(parents=True)
    status, err = status_and_error(capsys, *run, "--out", str(tmp_path / "processed"), "--reports",
                                   str(tmp_path / "reports"))
    assert status == 2 and ("figures" in err or "items.csv" in err) and "フォルダ" in err
    assert (tmp_path / "processed" / "items.csv").is_dir() and not list((tmp_path / "processed").glob("*.csv"))[1:]


def test_a_full_disk_leaves_the_previous_outputs(tmp_path, capsys, monkeypatch, raw_dir):
    import errno


    out = tmp_path / "out"
    assert status_and_error(capsys, "analyze", "--raw-dir", str(raw_dir), "--out", str(out))[0] == 0
    before = files_of(out)
    from kyodo_analysis import tables

    real = tables.write_csv

    def write_csv(frame, path):  # the disk fills up while the package's CSV writer writes keywords.csv
        if Path(path).name == "keywords.csv":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(frame, path)
    monkeypatch.setattr(tables, "write_csv", write_csv)
    status, err = status_and_error(capsys, "analyze", "--raw-dir", str(raw_dir), "--out", str(out))
    assert status == 2 and "keywords.csv" in err and "空き" in err
    assert files_of(out) == before


@pytest.mark.parametrize("command", ["run", "report"])
def test_one_folder_for_tables_and_reports_is_refused_as_such(tmp_path, capsys, raw_dir, command):
    """--out and --reports the same folder read as another run holding it (a lock): it is said as it is."""
    same = tmp_path / "same"
    status, err = status_and_error(capsys, command, "--raw-dir", str(raw_dir), "--out", str(same), "--reports",
                                   str(tmp_path / "x" / ".." / "same"), "--notebooks", str(ROOT / "notebooks"))
    assert status == 2 and "--out と --reports が同じフォルダです" in err and "別の kyodo-analysis" not in err
    assert not same.exists()


@pytest.mark.parametrize("named", [True, False])
def test_a_failed_write_is_named_as_the_output_not_the_hidden_staging_folder(tmp_path, capsys, monkeypatch, raw_dir,
                                                                              named):
    """A write fails inside the run's hidden staging folder: the message names the output file it was for
    (out/keywords.csv), or, where the system names no file (a real full disk fails a write() so), the output
    folder — never the .staging-… folder the user never sees."""
    import errno

    from kyodo_analysis import tables

    real = tables.write_csv

    def write_csv(frame, path):
        if Path(path).name == "keywords.csv":
            raise OSError(errno.ENOSPC, "No space left on device", *([str(path)] if named else []))
        return real(frame, path)
    monkeypatch.setattr(tables, "write_csv", write_csv)
    out = tmp_path / "out"
    status, err = status_and_error(capsys, "analyze", "--raw-dir", str(raw_dir), "--out", str(out))
    assert status == 2 and "ディスクの空きがありません" in err and ".staging" not in err
    assert f"{out / 'keywords.csv' if named else out}: " in err


@pytest.mark.parametrize("damage", ["metadata_not_json", "items_missing", "keywords_garbage", "item_edited"])
def test_report_on_damaged_tables_stops_naming_the_file(tmp_path, capsys, raw_dir, damage):
    """item_edited: one item's text changed, rows and columns kept — report put the edited text in the pages and the
    Word file while the counts came from the unchanged tables (a hostile tester). The record's SHA-256 tells."""
    out = tmp_path / "out"
    assert status_and_error(capsys, "analyze", "--raw-dir", str(raw_dir), "--out", str(out))[0] == 0
    target = {"metadata_not_json": "metadata.json", "items_missing": "items.csv", "keywords_garbage": "keywords.csv",
              "item_edited": "items.csv"}[damage]
    if damage == "items_missing":
        (out / target).unlink()
    elif damage == "item_edited":
        text = (out / target).read_text(encoding="utf-8-sig")
        (out / target).write_text(text.replace("補助金交付終了とともに", "補助金交付の終了とともに", 1), encoding="utf-8-sig")
        assert (out / target).read_text(encoding="utf-8-sig") != text
    else:
        (out / target).write_bytes(b"\x00\xff garbage ,,,\n\"" * 10)
    status, err = status_and_error(capsys, "report", "--raw-dir", str(raw_dir), "--out", str(out), "--reports",
                                   str(tmp_path / "reports"), "--notebooks", str(ROOT / "notebooks"))
    assert status == 2 and target in err and "作り直して" in err
    assert not list((tmp_path / "reports").glob("*.html"))


@pytest.mark.parametrize("option", ["--schema", "--settings"])
def test_toml_nested_very_deep_is_refused_at_once(tmp_path, capsys, raw_dir, option):
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    status, err = status_and_error(capsys, "analyze", "--raw-dir", str(raw_dir), "--out", str(tmp_path / "o"),
                                   option, str(deep))
    assert status == 2 and "deep.toml" in err and "入れ子" in err


def test_a_refused_run_leaves_no_folder_or_lock_of_its_own(tmp_path, raw_dir):
    """A run stopped by bad input (here a --by no table has) writes nothing: the folders it would have made
    and its lock file are gone again; a folder that was there before stays, without a lock file."""
    from .conftest import cli

    out, reports = tmp_path / "new" / "processed", tmp_path / "new" / "reports"
    status, _, err = cli("run", "--raw-dir", str(raw_dir), "--by", "rating", "--out", str(out), "--reports", str(reports))
    assert status == 2 and "Traceback" not in err
    assert not (tmp_path / "new").exists()
    existing = tmp_path / "kept"
    existing.mkdir()
    assert cli("analyze", "--raw-dir", str(raw_dir), "--by", "rating", "--out", str(existing))[0] == 2
    assert existing.is_dir() and list(existing.iterdir()) == []


def test_an_output_folder_that_cannot_hold_a_staging_folder_is_named_and_nothing_is_left(tmp_path, monkeypatch):
    """A reports folder marked unchangeable (chattr +i): the message named the run's hidden staging folder and
    left the tables' staging folder behind (a newcomer's walk). It names the folder, says what else to check
    than an open workbook, and leaves nothing of the run."""
    import errno
    import tempfile

    from kyodo_analysis import outputs
    from kyodo_analysis.errors import InputError

    processed, reports = tmp_path / "processed", tmp_path / "reports"
    real = tempfile.mkdtemp

    def mkdtemp(prefix=None, dir=None):
        if Path(dir) == reports:
            raise PermissionError(errno.EPERM, "Operation not permitted", str(Path(dir) / f"{prefix}x1y2"))
        return real(prefix=prefix, dir=dir)
    monkeypatch.setattr(outputs.tempfile, "mkdtemp", mkdtemp)
    with pytest.raises(InputError) as caught, outputs.generations(processed, reports):
        pass
    assert str(caught.value).startswith(f"{reports}: 書き込めません (変更が許されていません)。")
    assert ".staging" not in str(caught.value) and "アクセス権と属性 (読み取り専用・変更禁止)" in str(caught.value)
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".staging")]


def test_a_hidden_first_sheet_is_never_read_without_a_word(tmp_path, capsys):
    """A workbook whose first sheet is last year's table, hidden, and whose visible sheet is this year's: the
    hidden one was read and registered as the new year (a hostile tester). Now: an error naming both, and --sheet."""
    from openpyxl import load_workbook

    book = load_workbook(XLSX)
    old = book.copy_worksheet(book.active)
    old.title = "前年度"
    old.sheet_state = "hidden"
    book.move_sheet(old, -1)
    book.save(tmp_path / "hidden_first.xlsx")
    status, err = status_and_error(capsys, "validate", str(tmp_path / "hidden_first.xlsx"))
    shown = load_workbook(XLSX).sheetnames[0]
    assert status == 2 and "最初のシート「前年度」は非表示のシートです" in err and f"表示されているシート: {shown}。" in err, err
    assert "--sheet" in err
    assert status_and_error(capsys, "validate", str(tmp_path / "hidden_first.xlsx"), "--sheet", shown)[0] == 0


def test_an_error_value_of_a_formula_is_an_error_not_an_item(tmp_path, capsys):
    """#DIV/0! or #N/A in a cell became the item text 「#DIV/0!」 (a hostile tester); a TRUE cell read 「True」."""
    from openpyxl import load_workbook

    from kyodo_analysis.workbooks import _cell_text

    book = load_workbook(XLSX)
    cell = next(c for row in book.active.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("・"))
    cell.value = "#N/A"
    assert cell.data_type == "e"
    book.save(tmp_path / "error_value.xlsx")
    status, err = status_and_error(capsys, "validate", str(tmp_path / "error_value.xlsx"))
    assert status == 2 and f"セル {cell.coordinate} はエラー値 (#N/A) です" in err, err
    assert (_cell_text(True), _cell_text(False)) == ("TRUE", "FALSE")  # as Excel shows them


def test_a_read_only_subfolder_of_an_output_folder_is_named_as_such(tmp_path, monkeypatch):
    """reports/figures read-only: the run said the file was open, 「Excel などで開いていれば閉じて」 (a hostile tester).
    Every folder a file goes into is checked before anything moves, and named."""
    from kyodo_analysis import outputs

    folder = tmp_path / "out"
    old_generation(folder)
    before = files_of(folder)
    real = os.access
    monkeypatch.setattr(outputs.os, "access", lambda path, mode: Path(path) != folder / "figures" and real(path, mode))
    with pytest.raises(InputError) as raised, generation(folder) as staging:
        write_new(staging)
    assert str(raised.value).startswith(f"{folder / 'figures'}: 出力先のフォルダに書き込めません。")
    assert "開いていれば" not in str(raised.value) and files_of(folder) == before


def test_a_full_disk_at_the_commit_leaves_the_previous_outputs_and_nothing_else(tmp_path, monkeypatch):
    """The disk filled up exactly when the journal was marked committed: the run said it failed, yet the
    folder held its new tables, beside the journal and the previous outputs (a hostile tester). The commit
    is now inside the rollback: the previous outputs stay byte for byte, nothing of the run is left, and the
    message names the folder, not the run's bookkeeping file."""
    import errno

    from kyodo_analysis import outputs
    from kyodo_analysis.errors import InputError

    folder = tmp_path / "processed"
    with outputs.generation(folder) as staging:
        (staging / "terms.csv").write_text("old\n", encoding="utf-8")
    before = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    real = outputs._write_json

    def write_json(path, data):
        if data.get("state") == "committed":
            raise OSError(errno.ENOSPC, "No space left on device", str(path) + ".tmp")
        real(path, data)
    monkeypatch.setattr(outputs, "_write_json", write_json)
    with pytest.raises(InputError) as caught, outputs.generation(folder) as staging:
        (staging / "terms.csv").write_text("new\n", encoding="utf-8")
    assert str(caught.value).startswith(f"{folder}: ディスクの空きがありません。")
    after = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert after == before


def test_an_edited_word_summary_or_workbook_is_never_replaced_without_a_word(tmp_path):
    """The README lets a researcher edit the Word summary; the next run replaced the edited file silently (a
    hostile tester). A run now stops first, naming the file and what to do; unedited or removed, it goes on."""
    from kyodo_analysis import outputs
    from kyodo_analysis.errors import InputError
    from kyodo_analysis.pipeline import check_reports_folder

    reports = tmp_path / "reports"
    with outputs.generation(reports) as staging:
        for name in ("kyodo_summary.docx", "kyodo_tables.xlsx"):
            (staging / name).write_bytes(b"as written")
    check_reports_folder(reports)
    for name in ("kyodo_summary.docx", "kyodo_tables.xlsx"):
        (reports / name).write_bytes(b"as written, and a researcher's paragraph")
        with pytest.raises(InputError) as caught:
            check_reports_folder(reports)
        assert str(caught.value).startswith(f"{reports / name}: 前回の実行の後に変更されています。")
        (reports / name).unlink()
    check_reports_folder(reports)


def test_a_workbook_damaged_inside_its_compressed_data_is_named_not_a_traceback(tmp_path):
    """One flipped byte in a sheet's deflate stream raised zlib.error, and an unknown compression method
    NotImplementedError, as tracebacks (a hostile tester: 130 of 400 random corruptions): each is the message of
    a damaged workbook, status 2, with what to do."""
    import io
    import struct
    import zipfile

    data = bytearray(XLSX.read_bytes())
    info = zipfile.ZipFile(XLSX).getinfo("xl/worksheets/sheet1.xml")
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_length + extra_length
    damaged = None
    for k in range(info.compress_size // 3, info.compress_size):  # the first flip that breaks the deflate stream
        trial = bytearray(data)
        trial[start + k] ^= 0xFF
        try:
            zipfile.ZipFile(io.BytesIO(trial)).read("xl/worksheets/sheet1.xml")
        except zipfile.BadZipFile:
            continue  # a CRC mismatch: already named
        except Exception:  # the kind this test is about
            damaged = trial
            break
    assert damaged is not None
    unknown = bytearray(data)
    unknown[info.header_offset + 8:info.header_offset + 10] = struct.pack("<H", 99)  # compression method 99
    central = unknown.rfind(b"PK\x01\x02", 0, unknown.find(b"xl/worksheets/sheet1.xml", len(unknown) // 2))
    unknown[central + 10:central + 12] = struct.pack("<H", 99)
    for name, content in (("deflate.xlsx", damaged), ("method.xlsx", unknown)):
        path = tmp_path / name
        path.write_bytes(bytes(content))
        status, _, err = cli("validate", str(path), "--year", "2025")
        assert status == 2 and "Traceback" not in err, err
        assert "Excel ブックとして読めません" in err, err


@pytest.mark.parametrize("option", ["--settings", "--schema", "--codes", "--forced", "--stop", "--synonyms"])
def test_a_settings_file_that_is_a_pipe_or_a_device_is_refused_not_waited_for(tmp_path, option):
    """--settings f.toml naming a FIFO waited forever, and /dev/zero filled 24 GB of memory (a hostile tester);
    tables were refused so, settings files and word lists were not. Each is now refused with status 2."""
    import os
    import subprocess
    import sys

    raw = bundled_raw_dir(tmp_path / "raw")
    fifo = tmp_path / "f.toml"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        result = subprocess.run([sys.executable, "-m", "kyodo_analysis", "analyze", "--raw-dir", str(raw), "--out",
                                 str(tmp_path / "out"), option, str(path)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 2 and "ふつうのファイルではありません" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_an_office_file_edited_while_a_run_works_or_under_another_command_is_kept(tmp_path):
    """An edit saved while `run` worked was overwritten, and `clean --out reports` or `analyze --out reports` removed
    an edited Word summary with status 0 (a hostile tester of this round): publishing checks again, for every
    command, and keeps the edited file and every other output as they were."""
    from kyodo_analysis import outputs
    from kyodo_analysis.errors import InputError

    reports = tmp_path / "reports"
    with outputs.generation(reports) as staging:
        (staging / "kyodo_summary.docx").write_bytes(b"as written")
        (staging / "1.0-cleaning.html").write_bytes(b"page")
    with pytest.raises(InputError) as caught, outputs.generation(reports) as staging:
        (staging / "kyodo_summary.docx").write_bytes(b"the next run's")
        (reports / "kyodo_summary.docx").write_bytes(b"as written, and a researcher's paragraph")  # saved meanwhile
    assert str(caught.value).startswith(f"{reports / 'kyodo_summary.docx'}: 前回の実行の後に変更されています。")
    assert (reports / "kyodo_summary.docx").read_bytes() == b"as written, and a researcher's paragraph"
    assert (reports / "1.0-cleaning.html").read_bytes() == b"page"
    raw = bundled_raw_dir(tmp_path / "raw")
    status, _, err = cli("clean", str(raw / RAW.name), "--out", str(reports))  # another command into the folder
    assert status == 2 and "前回の実行の後に変更されています" in err, err
    assert (reports / "kyodo_summary.docx").read_bytes() == b"as written, and a researcher's paragraph"


def test_a_project_settings_file_that_is_a_pipe_is_refused_and_a_device_in_it_is_named_so(tmp_path):
    """A kyodo-analysis.toml that is a named pipe was passed by as if absent (every command ran without the
    settings), and synonyms = "/dev/zero" in it was said to be a missing file (a hostile tester of this round)."""
    import os
    import subprocess
    import sys

    from kyodo_analysis.errors import InputError
    from kyodo_analysis.settings import read_settings

    raw = bundled_raw_dir(tmp_path / "project" / "data" / "raw")
    os.mkfifo(tmp_path / "project" / "kyodo-analysis.toml")
    result = subprocess.run([sys.executable, "-m", "kyodo_analysis", "analyze", "--raw-dir", str(raw), "--out",
                             str(tmp_path / "out")], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 2 and "設定ファイルがふつうのファイルではありません" in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()
    settings = tmp_path / "other.toml"
    settings.write_text('[analysis]\nsynonyms = "/dev/zero"\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_settings(settings)
    assert caught.value.message == "synonyms (同義語のリスト) はふつうのファイルではありません (名前付きパイプ、デバイスなど): /dev/zero"
