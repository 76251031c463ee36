"""Bad input: status 2, a short message naming file, line and what to do, no traceback, no output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kyodo_analysis.cli import main

HEADER = "区分\tNO\t事業名\t仕組みとして効果があったこと\t仕組みとして限界があったこと\t今後、必要と考えること\n"
ROW = "財政的支援\t1\t補助金\t・よかった\t・限界\t・今後\n"


def bad_files(tmp_path: Path) -> dict[str, tuple[bytes, int | None, str]]:
    """name → (file bytes, the line the message must name or None, a phrase it must contain)."""
    return {
        "empty": (b"", None, "空"),
        "blank_lines_only": (b"\n\r\n  \n", None, "空"),
        "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 3, "テキストファイルではありません"),
        "undecodable": (HEADER.encode() + b"\x81\x20\xff\xfe\x80\n", 2, "utf-8: 2行目"),
        "missing_columns": ("表題\n\n区分\tNO\t名称\t備考\n".encode(), 3, "名称 / 備考"),
        "too_many_cells": (HEADER.encode() + "財政的支援\t1\t補助金\t・a\t・b\t・c\t余分\n".encode(), 2, "列数 (6)"),
        "no_not_a_number": (HEADER.encode() + "財政的支援\t一\t補助金\t・a\t\t\n".encode(), 2, "NO が数字ではありません: 一"),
        "duplicate_no": (HEADER.encode() + ROW.encode() + "\t1\t別事業\t・a\t\t\n".encode(), 3, "NO 1 が2回"),
        "unclosed_quote": (HEADER.encode() + 'a\t1\tb\t"・x\n・y\n'.encode(), 2, "引用符"),
        # rows above the first header read were dropped as titles, their programs with them (a hostile tester)
        "row_above_header": (("表題\t作成 市民協働課\n財政的支援\t9\t上の事業\t・a\t\t\n" + HEADER + ROW).encode(), 2,
                             "見出し行 (3 行目) より上の 2 行目が事業の行 (9 上の事業)のようです"),
        "unread_header_above": (("表題\n" + HEADER.replace("事業名", "事業名称") + ROW + HEADER
                                 + "財政的支援\t2\t別の事業\t・a\t\t\n").encode(), 2,
                                "より上の 2 行目が読めなかった見出し行 (スキーマにない見出し: 「事業名称」)のようです"),
        # a row of a new group whose number and name were left blank was glued onto the program above it
        "continuation_new_group": ((HEADER + ROW + "人的支援\t\t\t・別の事業の成果\t\t\n").encode(), 3,
                                   "NOも事業名もない行に、NO 1 と違う区分「人的支援」があります"),
        # U+FFFE passed every check and broke the Word stage at the end of a run (a hostile tester)
        "noncharacter": ((HEADER + "財政的支援\t1\t補助金\t・よかった\ufffe\t・限界\t・今後\n").encode(), 2,
                         "文書に書けない文字 U+FFFE があります: ・よかった…"),
        "one_header_twice": (HEADER.rstrip("\n").encode() + "\t仕組みとして効果があったこと\n".encode()
                             + ROW.rstrip("\n").encode() + "\t・もう一つ\n".encode(), 2,
                             "7 列目「仕組みとして効果があったこと」と 4 列目「仕組みとして効果があったこと」は、どちらもスキーマの同じ列"),
    }


@pytest.mark.parametrize("case", list(bad_files(Path())))
@pytest.mark.parametrize("command", ["clean", "validate"])
def test_bad_input_gives_status_2_and_no_output(tmp_path, capsys, case, command):
    data, line, phrase = bad_files(tmp_path)[case]
    raw = tmp_path / f"{case}.tsv"
    raw.write_bytes(data)
    out = tmp_path / "out"
    argv = [command, str(raw)] + (["--out", str(out)] if command == "clean" else [])
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert str(raw) in err
    if line is not None:
        assert f"{raw}:{line}:" in err
    assert phrase in err
    assert "対処:" in err
    assert "Traceback" not in err
    assert len(err.splitlines()) <= 4
    assert not out.exists() or not any(out.iterdir())


def test_one_bad_file_among_good_ones_writes_nothing(tmp_path, capsys):
    from .conftest import RAW

    bad = tmp_path / "bad.tsv"
    bad.write_bytes(b"")
    out = tmp_path / "out"
    assert main(["clean", str(RAW), str(bad), "--out", str(out)]) == 2
    assert not out.exists() or not any(out.iterdir())


def test_missing_file_and_bad_schema(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.tsv")]) == 2
    assert "見つかりません" in capsys.readouterr().err
    schema = tmp_path / "s.toml"
    schema.write_text("[columns]\neffect = ['成果']\n", encoding="utf-8")
    from .conftest import RAW
    assert main(["validate", str(RAW), "--schema", str(schema)]) == 2
    assert "program" in capsys.readouterr().err


def test_console_script_prints_no_traceback(tmp_path):
    raw = tmp_path / "empty.tsv"
    raw.write_bytes(b"")
    result = subprocess.run([sys.executable, "-m", "kyodo_analysis", "validate", str(raw)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "empty.tsv" in result.stderr
    assert result.stdout == ""


def test_forced_terms_no_item_counts_are_warned_of_and_those_the_text_holds_named(tmp_path, raw_dir):
    """A KH Coder user's forced list: a typo (ファシリテータ) and an entry cut inside a word (補助金交: 補助 + 金 + 交付)
    passed silently; the coding rules' words were warned of, the forced terms were not."""
    from .conftest import cli

    forced = tmp_path / "forced.txt"
    forced.write_text("補助金\n補助金交\nファシリテータ\n", encoding="utf-8")
    status, _, err = cli("analyze", "--raw-dir", str(raw_dir), "--out", str(tmp_path / "out"), "--forced", str(forced))
    assert status == 0, err
    assert (f"強制抽出のリスト {forced} の 2 語はどの項目の語にもなっていません (ファシリテータ、補助金交)。"
            "うち 補助金交 は本文にありますが、辞書の語の切れ目で始まり終わる形でないため1語になりません") in err
    status, _, err = cli("analyze", "--raw-dir", str(raw_dir), "--out", str(tmp_path / "out2"))
    assert status == 0 and "強制抽出のリスト" not in err  # the packaged list, written for Zushi's table: no warning
    stop = tmp_path / "stop.txt"
    stop.write_text("こと\n団体\n", encoding="utf-8")  # a KH Coder user's additions, not a whole list
    status, _, err = cli("analyze", "--raw-dir", str(raw_dir), "--out", str(tmp_path / "out3"), "--stop", str(stop))
    assert status == 0 and f"使用しない語のリスト {stop} には、同梱のリストの" in err
    assert "自分のリストは同梱のリストに足すのではなく置き換えるので、これらは語として数え、名詞なら隣の名詞と1つの複合語にもなります" in err


def test_a_listed_word_with_a_space_is_an_error_and_an_empty_list_a_warning(tmp_path, raw_dir):
    """Words are matched against morphemes, which hold no space: 「市民 団体」 in a forced list matched nothing,
    silently. An empty stop list replaces the packaged one, so nothing is left out: said, not silent."""
    from .conftest import cli

    forced = tmp_path / "forced.txt"
    forced.write_text("補助金\n市民　団体\n", encoding="utf-8")  # a full-width space
    status, out, err = cli("analyze", "--raw-dir", str(raw_dir), "--out", str(tmp_path / "out"), "--forced", str(forced))
    assert status == 2 and f"{forced}:2:" in err and "強制抽出の語に空白があります: 「市民　団体」" in err
    assert "「市民団体」と書く" in err and "Traceback" not in err and out == "" and not (tmp_path / "out").exists()
    empty = tmp_path / "stop.txt"
    empty.write_text("# 何も除かない\n", encoding="utf-8")
    status, _, err = cli("analyze", "--raw-dir", str(raw_dir), "--out", str(tmp_path / "out"), "--stop", str(empty))
    assert status == 0 and f"使用しない語のリスト {empty} に語がありません。" in err and "どの語も除きません" in err
    status, _, err = cli("analyze", "--raw-dir", str(raw_dir), "--out", str(tmp_path / "out2"))
    assert status == 0 and "に語がありません" not in err  # the packaged lists are never empty


def test_every_bad_line_of_a_word_list_is_named_at_once(tmp_path):
    """A KH Coder user's 200-word list named one bad line per run (fix it, run, meet the next)."""
    from kyodo_analysis.errors import InputError
    from kyodo_analysis.wordlists import word_lists

    forced = tmp_path / "forced.txt"
    forced.write_text("市民 活動\n補助金\nCoCoLo の会\n協働（否定）\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        word_lists(forced=forced)
    assert caught.value.line == 1 and "(ほかに 2 か所: 3 行目: 強制抽出の語に空白があります: 「CoCoLo の会」" in caught.value.message
    assert "4 行目: 強制抽出の語「協働（否定）」の全角の括弧は否定の印として読みません。" in caught.value.message
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("担い手 = 人材\n施設 = 会館 公民館\n仕組み しくみ\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        word_lists(synonyms=synonyms)
    assert caught.value.line == 2 and "(ほかに 1 か所: 3 行目: 同義語の行を読めません: 仕組み しくみ)" in caught.value.message


def test_a_value_right_of_the_last_header_is_named_by_its_column_letter_and_a_workbook_gets_a_workbook_s_advice(tmp_path):
    """A hostile tester: a note in G2 of an .xlsx was blamed on tabs and unclosed quotes, which a workbook has not,
    and named no column letter. The message names the column (G 列); a workbook's advice is a workbook's."""
    import openpyxl

    from .conftest import cli

    book = openpyxl.Workbook()
    sheet = book.active
    header = ["区分", "NO", "事業名", "仕組みとして効果があったこと", "仕組みとして限界があったこと", "今後、必要と考えること"]
    row = ["財政的支援", "1", "事業1", "・良い", "・悪い", "・続ける", "メモ"]
    for cells in (header, row):
        sheet.append(cells)
    book.save(tmp_path / "extra_2024.xlsx")
    (tmp_path / "extra_2024.tsv").write_text("\t".join(header) + "\n" + "\t".join(row) + "\n", encoding="utf-8")
    (tmp_path / "extra_2024.csv").write_text(",".join(header).replace("今後、必要と考えること", '"今後、必要と考えること"') + "\n"
                                             + ",".join(row) + "\n", encoding="utf-8")
    for name, advice in (("extra_2024.xlsx", "見出しのない列の値は読めません"), ("extra_2024.tsv", "セル内のタブや"),
                         ("extra_2024.csv", "セル内のコンマ")):
        status, _, err = cli("validate", str(tmp_path / name))
        assert status == 2 and f"{name}:2: " in err and "7 列目 (G 列) に値があります" in err and advice in err, err
