"""文書検索 (``kyodo-analysis search``): the items a condition or a code finds, checked against the tidy tables
with pandas (a KH Coder user: no command listed the items of an AND/OR/NOT query or of a code)."""

from __future__ import annotations

import pandas as pd

from .conftest import bundled_raw_dir, cli


def words_of(analysis) -> pd.Series:
    """Each item's words as the codes find them: its terms' words and the words inside its compounds."""
    return analysis["mentions"].groupby("item_id")["word"].agg(set)


def printed_texts(out: str) -> list[str]:
    return [line.rsplit(" | ", 1)[1].removesuffix(" [否定]") for line in out.splitlines()]


def test_a_condition_lists_exactly_the_items_whose_words_satisfy_it(tmp_path, bundled_analysis):
    raw = bundled_raw_dir(tmp_path / "raw")
    status, out, err = cli("search", "団体 and (補助金 or 財源) and not 固定化", "--raw-dir", str(raw))
    words = words_of(bundled_analysis)
    hit = [i for i, w in words.items() if "団体" in w and ({"補助金", "財源"} & w) and "固定化" not in w]
    items = bundled_analysis["items"].set_index("item_id")
    expected = items.loc[[i for i in items.index if i in hit], "text"].tolist()  # in the table's order
    assert status == 0 and len(expected) == 3 and printed_texts(out) == expected
    assert out.splitlines()[0].startswith("逗子市 | 年度不明 | 財政的支援 | NO 1 市民活動支援補助金 | 効果 | ")
    assert err.startswith("3 項目 (1 事業) / 全 36 項目。")


def test_a_code_lists_the_items_item_codes_holds_for_it(tmp_path, bundled_analysis):
    raw = bundled_raw_dir(tmp_path / "raw")
    coded = bundled_analysis["item_codes"]
    for code in coded["code"].unique()[:3]:
        status, out, _ = cli("search", code, "--code", "--raw-dir", str(raw))
        rows = coded[coded["code"] == code]
        items = bundled_analysis["items"].set_index("item_id").loc[rows["item_id"], "text"].tolist()
        assert status == 0 and printed_texts(out) == items, code
        assert [line.endswith(" [否定]") for line in out.splitlines()] == rows["negated"].tolist()


def test_a_search_that_cannot_be_read_or_finds_nothing_says_so(tmp_path):
    raw = bundled_raw_dir(tmp_path / "raw")
    status, _, err = cli("search", "団体 and", "--raw-dir", str(raw))
    assert status == 2 and "検索の条件: コーディングルールを解釈できません: 条件が途中で終わっています" in err
    status, _, err = cli("search", "ないコード", "--code", "--raw-dir", str(raw))
    assert status == 2 and "コード「ないコード」はコーディングルールにありません" in err and "財源・費用" in err
    status, out, err = cli("search", "宇宙", "--raw-dir", str(raw))
    assert status == 1 and out == "" and err.startswith("0 項目 (0 事業) / 全 36 項目。")


def test_a_word_is_searched_as_it_is_counted_and_a_word_no_item_has_is_named(tmp_path, bundled_analysis):
    """A newcomer: 「しくみ」 found nothing (exit 1) while two items say 仕組み; a rules file's しくみ finds them."""
    raw = bundled_raw_dir(tmp_path / "raw")
    written, counted = cli("search", "しくみ", "--raw-dir", str(raw)), cli("search", "仕組み", "--raw-dir", str(raw))
    assert written[0] == 0 and written[1] == counted[1] and len(written[1].splitlines()) == 2
    status, _, err = cli("search", "しくみ and 宇宙", "--raw-dir", str(raw))
    assert status == 1 and err.endswith("どの項目にもない語: 宇宙。\n")


def test_programs_of_several_tables_are_counted_table_by_table_and_said_so(tmp_path):
    import shutil

    from .conftest import NEW_YEAR_CSV

    raw = bundled_raw_dir(tmp_path / "raw")
    shutil.copy(NEW_YEAR_CSV, raw / "r7.csv")
    for name, year in (("r7.csv", "2025"), ("kyodo_seika_zushi.tsv", "2024")):
        assert cli("manifest", "add", str(raw / name), "--year", year)[0] == 0
    status, out, err = cli("search", "補助金", "--raw-dir", str(raw))
    programs = {tuple(line.split(" | ")[:4]) for line in out.splitlines()}
    assert status == 0 and f"({len(programs)} 事業; 2 つの表の事業を表ごとに数えて)" in err
