"""The analyze stage and KWIC, end to end on the bundled table."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from kyodo_analysis.cli import main
from kyodo_analysis.kwic import keyword_in_context
from kyodo_analysis.storage import MAIN_TABLES, load_analysis
from kyodo_analysis.tables import read_csv

from .conftest import RAW, bundled_raw_dir


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    assert main(["analyze", "--raw-dir", str(bundled_raw_dir(tmp_path_factory.mktemp("raw"))), "--out", str(out)]) == 0
    return out


def test_analyze_writes_the_eight_tables_with_bom(analyzed):
    for name in MAIN_TABLES:
        data = (analyzed / name).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf") and len(data.splitlines()) > 1, name
    assert len(read_csv(analyzed / "items.csv")) == 36


def test_metadata_records_dictionary_raw_files_and_lists(analyzed):
    metadata = json.loads((analyzed / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["dictionary"]["dictionary"] == "unidic-lite"
    assert metadata["dictionary"]["dictionary_version"]
    (raw,) = metadata["raw_files"]
    assert raw["file"] == "kyodo_seika_zushi.tsv" and len(raw["sha256"]) == 64
    assert set(metadata["word_lists"]) == {"forced_terms", "stop_words", "synonyms", "function_expressions", "variants"}
    assert metadata["synonyms"] == {}  # the packaged synonym list has only comments
    assert metadata["tables"]["items.csv"]["rows"] == 36


def test_keywords_for_hojokin(analyzed):
    keywords = read_csv(analyzed / "keywords.csv")
    assert list(keywords.columns) == ["year", "support_type", "aspect", "term", "n", "n_items", "n_programs"]
    rows = keywords[keywords["term"] == "補助金"].set_index("aspect")
    assert set(rows["support_type"]) == {"財政的支援"}
    # 補助金 alone; 補助金交付終了後, 補助金交付期間中 and 補助金的 are terms of their own (a compound that contains
    # a forced term stays one term) and are counted as mentions of 補助金 in word_counts.csv.
    assert rows["n"].to_dict() == {"effect": 1, "next_step": 1}
    assert rows["n_items"].to_dict() == {"effect": 1, "next_step": 1}
    assert rows["n_programs"].to_dict() == {"effect": 1, "next_step": 1}
    words = read_csv(analyzed / "word_counts.csv")
    mentioned = words[(words["word"] == "補助金") & (words["support_type"] == "財政的支援")].set_index("aspect")
    assert mentioned["n_items"].to_dict() == {"all": 5, "effect": 1, "limitation": 2, "next_step": 2}


def test_distinctive_terms_table(analyzed):
    table = read_csv(analyzed / "distinctive_terms.csv")
    assert set(table["support_type"]) == {"財政的支援", "人的支援", "場の提供"}
    top = table[table["support_type"] == "財政的支援"].iloc[0]
    assert top["term"] == "事業" and top["n_group"] == 4 and top["n_rest"] == 0 and top["z"] > 0
    assert top["programs_group"] == 2 and top["programs_rest"] == 0
    assert (table.groupby("support_type")["z"].apply(lambda z: z.is_monotonic_decreasing)).all()


def test_word_counts_include_words_inside_compounds(analyzed):
    words = read_csv(analyzed / "word_counts.csv")
    pooled = words[words["all_groups"] & (words["aspect"] == "all")].set_index("word")
    assert pooled.loc["団体", ["n_items", "n_programs"]].tolist() == [8, 5]
    by_type = words[~words["all_groups"] & (words["aspect"] == "all")]
    # 事業 and 施設 are not words of one support type once compounds are counted.
    assert set(by_type.loc[by_type["word"] == "事業", "support_type"]) == {"財政的支援", "場の提供"}
    assert set(by_type.loc[by_type["word"] == "施設", "support_type"]) == {"財政的支援", "場の提供"}


def test_codes_are_tested_at_the_program_level(analyzed):
    codes = read_csv(analyzed / "codes.csv")
    # 8 programs (3 / 2 / 3) cannot show a difference after Holm: no test is run, the table describes.
    assert set(codes["test"]) == {"none"} and codes[["p_value", "p_holm", "n_labellings"]].isna().all().all()
    assert codes["min_p_holm"].min() >= 0.05
    assert list(codes.columns) == ["year", "code", "support_type", "aspect", "n_items", "n_total", "share", "n_programs",
                                   "programs_total", "ci_low", "ci_high", "chi2", "min_p", "p_value",
                                   "p_holm", "test", "n_labellings", "min_p_holm", "correction"]
    assert ((codes["ci_low"] <= codes["n_programs"] / codes["programs_total"])
            & (codes["n_programs"] / codes["programs_total"] <= codes["ci_high"])).all()


def test_the_network_keeps_every_edge_at_the_cut(analyzed):
    edges = read_csv(analyzed / "cooccurrence_edges.csv")
    terms = edges[edges["kind"] == "term"]
    assert len(terms) > 60  # the 60th edge sits in a tie at Jaccard 1/3: all of it is kept, as in KH Coder
    assert terms["jaccard"].min() == pytest.approx(1 / 3, abs=1e-6)
    nodes = set(read_csv(analyzed / "cooccurrence_nodes.csv")["node"])
    assert {"市民交流センター", "コミュニティセンター", "地域貢献カード"} <= nodes


def test_analyze_is_byte_identical_on_rerun(analyzed, tmp_path):
    assert main(["analyze", "--raw-dir", str(bundled_raw_dir(tmp_path / "raw")), "--out", str(tmp_path / "out")]) == 0
    for path in analyzed.glob("*.*"):
        assert (tmp_path / "out" / path.name).read_bytes() == path.read_bytes(), path.name


def test_analyze_uses_the_researchers_codes(tmp_path):
    rules = tmp_path / "rules.txt"
    rules.write_text("*資金\n補助金 or 予算\n", encoding="utf-8")
    raw = bundled_raw_dir(tmp_path / "raw")
    assert main(["analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "out"), "--codes", str(rules)]) == 0
    codes = read_csv(tmp_path / "out" / "codes.csv")
    assert set(codes["code"]) == {"資金"}
    bad = tmp_path / "bad.txt"
    bad.write_text("*x\nnear(a-b)\n", encoding="utf-8")
    assert main(["analyze", "--raw-dir", str(raw), "--out", str(tmp_path / "bad"), "--codes", str(bad)]) == 2
    assert not (tmp_path / "bad").exists()


def test_load_analysis_round_trip(analyzed):
    loaded = load_analysis(analyzed)
    assert len(loaded["items"]) == 36 and loaded.metadata["dictionary"]["dictionary"] == "unidic-lite"


def test_kwic_function(bundled, corpus):
    _, token_frame, term_frame = corpus
    lines = keyword_in_context("進む", bundled.items, token_frame, term_frame, window=5)
    assert lines[["program_no", "aspect", "left", "term", "right", "matched"]].values.tolist() == [
        [5, "limitation", "への啓発が", "進まない", "。", "進む(否定)"]]
    hojokin = keyword_in_context("補助金", bundled.items, token_frame, term_frame)
    assert len(hojokin) == 2 and set(hojokin["term"]) == {"補助金"}  # the term itself, not 補助金交付終了後
    assert keyword_in_context("存在しない語", bundled.items, token_frame, term_frame).empty


def test_kwic_command_prints_the_sentences(raw_dir):
    result = subprocess.run([sys.executable, "-m", "kyodo_analysis", "kwic", "補助金", "--raw-dir", str(raw_dir)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("年度不明 | 財政的支援 | NO 1 市民活動支援補助金 | 効果 | 【補助金】を活用し")
    assert "2 件" in result.stderr
    assert RAW.exists()


def test_kwic_and_related_read_a_spelling_as_the_one_it_is_counted_by(tmp_path):
    """取組 is counted as 取り組み (the variant table): `kwic 取組` shows 取り組み and says so, as `related` does."""
    from .conftest import cli

    raw_dir = tmp_path / "raw"
    raw_dir.mkdir()
    text = RAW.read_text(encoding="utf-8").replace("補助金を活用し", "取組を活用し", 1)
    (raw_dir / "t.tsv").write_text(text.replace("知名度の向上", "取り組みの向上", 1), encoding="utf-8")
    assert cli("manifest", "add", str(raw_dir / "t.tsv"), "--city", "逗子市", "--title", "表")[0] == 0
    status, out, err = cli("kwic", "取組", "--raw-dir", str(raw_dir))
    assert status == 0 and "「取組」は「取り組み」として数えています" in err
    assert len(out.splitlines()) == 2 and "【取組】を活用し" in out and "【取り組み】の向上" in out  # each as written
    status, out, err = cli("related", "取組", "--raw-dir", str(raw_dir))
    assert status == 0 and "「取組」は「取り組み」として数えています" in err and out
    status, _, err = cli("kwic", "補助金", "--raw-dir", str(raw_dir))
    assert status == 0 and "として数えています" not in err  # a counted spelling is not remarked on


def test_kwic_suggests_terms_that_contain_a_word(raw_dir):
    result = subprocess.run([sys.executable, "-m", "kyodo_analysis", "kwic", "補助", "--raw-dir", str(raw_dir)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "この語を含む抽出語: 補助金" in result.stderr


def test_kwic_and_related_say_how_a_word_written_as_in_the_text_is_counted_and_refuse_an_empty_one(raw_dir):
    """A KH Coder user typed 進まない (as the item says it) and an empty word (which listed 20 arbitrary terms)."""
    from .conftest import cli

    status, _, err = cli("kwic", "進まない", "--raw-dir", str(raw_dir))
    assert status == 1 and "「進まない」は「進む(否定)」として数えます。" in err
    status, _, err = cli("kwic", "こと", "--raw-dir", str(raw_dir))  # a stop-listed word: said so, not a spelling to check
    assert status == 1 and "「こと」は使用しない語のリストにあるので、数えません。" in err
    status, _, err = cli("related", "つながらない", "--raw-dir", str(raw_dir))
    assert status == 1 and "「つながらない」は「つながる(否定)」として数えます。" in err
    status, out, err = cli("kwic", "進む（否定）", "--raw-dir", str(raw_dir))  # full-width brackets, as typed in Japanese
    assert status == 0 and "啓発が【進まない】" in out
    for command in ("kwic", "related"):
        status, out, err = cli(command, " ", "--raw-dir", str(raw_dir))
        assert status == 2 and "語が空です" in err and out == "" and "Traceback" not in err


def test_kwic_shows_a_word_inside_compounds_when_asked_and_says_how_many_it_left_out(raw_dir):
    """`kwic 補助金` lists the term (2 lines) and says that 補助金 is inside 4 compounds as well; with --compounds
    it lists those too: 6 occurrences in 5 items, what word_counts.csv counts for 補助金 (a helper counting by
    hand found 2 against 5 items, with no word of why)."""
    from .conftest import cli

    status, out, err = cli("kwic", "補助金", "--raw-dir", str(raw_dir))
    assert status == 0 and len(out.splitlines()) == 2
    assert "ほかに 4 つの複合語の中に 4 回 (4 項目) 出てきます" in err and "--compounds" in err
    status, out, err = cli("kwic", "補助金", "--compounds", "--raw-dir", str(raw_dir))
    lines = out.splitlines()
    assert status == 0 and len(lines) == 6 and "6 件" in err and "ほかに" not in err
    assert "【補助金交付終了後】も安定的に" in lines[1] and lines[-1].endswith("【補助金】のような運用を行うのか。")
    status, out, err = cli("kwic", "交付", "--compounds", "--raw-dir", str(raw_dir))  # a word that is no term alone
    assert status == 0 and len(out.splitlines()) == 4 and "【交付対象事業】" in out
    status, _, err = cli("kwic", "交付", "--raw-dir", str(raw_dir))
    assert status == 1 and "--compounds を付けてください" in err
    for compounds in ((), ("--compounds",)):  # a negated term is never inside a compound: the same line either way
        status, out, err = cli("kwic", "進む(否定)", *compounds, "--raw-dir", str(raw_dir))
        assert status == 0 and len(out.splitlines()) == 1 and "【進まない】" in out, err
    for window in ("0", "-3"):
        result = subprocess.run([sys.executable, "-m", "kyodo_analysis", "kwic", "団体", "--window", window, "--raw-dir",
                                 str(raw_dir)], capture_output=True, text=True)
        assert result.returncode == 2 and "1 以上の整数" in result.stderr and result.stdout == ""


def test_output_does_not_depend_on_the_hash_seed(tmp_path, raw_dir):
    """Python randomises string hashing per process; no table may depend on set or dict-of-set order."""
    import os

    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-m", "kyodo_analysis", "analyze", "--raw-dir", str(raw_dir),
                                 "--out", str(out)], capture_output=True, text=True, env=env)
        assert result.returncode == 0, result.stderr
        outputs.append({p.name: p.read_bytes() for p in out.iterdir()})
    assert outputs[0].keys() == outputs[1].keys()
    for name in outputs[0]:
        assert outputs[0][name] == outputs[1][name], name


def test_the_workbook_can_be_made_from_tables_read_back(analyzed, tmp_path):
    """`report` after `analyze`: the workbook made from the tables read back shows them cell by cell —
    the items sheet every row of items.csv, the keyword sheet every row of keywords.csv (empty text
    columns read back as text, not as numbers: previous_name)."""
    import openpyxl

    from kyodo_analysis.report import headers, write_workbook
    from kyodo_analysis.schema import Comparison

    analysis = load_analysis(analyzed)
    book = openpyxl.load_workbook(write_workbook(analysis, tmp_path / "t.xlsx"), read_only=True)
    comparison = Comparison.from_metadata(analysis.metadata)
    japanese = headers(comparison)

    def shown(value, column):
        if pd.isna(value):
            return "年度不明" if column == "year" else None
        return comparison.label(value) if column == "aspect" else value.item() if hasattr(value, "item") else value

    for sheet, table, columns in [("項目", "items", ["item_id", "year", "support_type", "program_no", "program", "aspect",
                                                   "item_no", "text"]),
                                  (f"語の集計({comparison.by_label}×観点)", "keywords",
                                   ["year", "support_type", "aspect", "term", "n", "n_items", "n_programs"])]:
        rows = list(book[sheet].iter_rows(values_only=True))
        header = list(rows[0])
        expected = [tuple(shown(row[c], c) for c in columns) for _, row in analysis[table].iterrows()]
        found = [tuple(row[header.index(japanese[c])] for c in columns) for row in rows[1:]]
        assert len(expected) > 30 and found == expected, sheet


def test_validate_a_table_with_only_some_aspect_columns(tmp_path, capsys):
    path = tmp_path / "partial.tsv"
    path.write_text("区分\tNO\t事業名\t仕組みとして効果があったこと\n財政的支援\t1\t助成\t・よかった\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "効果 1, 限界 0, 今後 0" in out
    assert "見出しにない列: 「仕組みとして限界があったこと」、「今後、必要と考えること」 (空として扱います)" in out
    no_number = tmp_path / "no_number.tsv"  # a table without its number column: numbered from the top, and said so
    no_number.write_text("区分\t事業名\t仕組みとして効果があったこと\n財政的支援\t助成\t・よかった\n", encoding="utf-8")
    assert main(["validate", str(no_number)]) == 0
    out = capsys.readouterr().out
    assert "「NO」の列がないので、事業に上から 1, 2, … と番号を付けます (表にはない番号です)" in out
    assert "program_no" not in out and "空のセル: NO 1 限界" not in out


def test_a_file_name_with_spaces_gives_item_ids_a_list_can_hold(tmp_path):
    """Item ids are listed space-separated (item_ids); a file named as an official would name it
    (「令和7年度 協働の成果等.tsv」, full-width space too) gives ids with _ for each space, every list splits
    back into real ids, and a second file that would give the same ids is refused."""
    import shutil

    from kyodo_analysis.analysis import analyze, clean_all
    from kyodo_analysis.errors import InputError

    from .conftest import RAW

    raw = tmp_path / "raw"
    raw.mkdir()
    named = raw / "令和7年度 協働の成果等\u3000逗子市.tsv"
    shutil.copy(RAW, named)
    analysis = analyze([named])
    ids = set(analysis["items"]["item_id"])
    assert all(" " not in i and "\u3000" not in i for i in ids)
    assert next(iter(sorted(ids))).startswith("令和7年度_協働の成果等_逗子市-01-")
    listed = {i for cell in analysis["cooccurrence_edges"]["item_ids"].dropna() for i in cell.split(" ")}
    assert listed and listed <= ids
    shutil.copy(RAW, raw / "令和7年度_協働の成果等_逗子市.tsv")
    with pytest.raises(InputError, match="空白を _ とみなして"):
        clean_all([named, raw / "令和7年度_協働の成果等_逗子市.tsv"])


def test_kwic_of_a_word_no_item_writes_says_so_not_to_check_the_spelling(tmp_path):
    """A newcomer: 「kwic 支援」 of a table that never writes 支援 was told to write the word as terms.csv does."""
    from .conftest import bundled_raw_dir, cli

    raw = bundled_raw_dir(tmp_path / "raw")
    status, _, err = cli("kwic", "宇宙", "--raw-dir", str(raw))
    assert status == 1 and err.startswith("「宇宙」はどの項目の本文にも出てきません。")
    status, _, err = cli("kwic", "補助", "--raw-dir", str(raw))
    assert status == 1 and err.startswith("「補助」は抽出語にありません") and "補助金" in err
