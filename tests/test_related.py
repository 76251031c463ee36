"""Related words (関連語検索): coefficients computed by hand on a tiny made-up item set."""

from __future__ import annotations

import pandas as pd
import pytest

from kyodo_analysis.errors import InputError
from kyodo_analysis.related import related_words, top_related

from .conftest import cli

# Six items of three programs; the terms each item uses.
ITEM_TERMS = {"i1": ["A", "B"], "i2": ["A", "C"], "i3": ["A", "B", "C"], "i4": ["B"], "i5": ["C", "D"], "i6": ["C"]}
PROGRAM = {"i1": 1, "i2": 1, "i3": 2, "i4": 2, "i5": 3, "i6": 3}


@pytest.fixture
def tiny():
    items = pd.DataFrame({"item_id": list(ITEM_TERMS), "source_file": "f", "year": pd.NA,
                          "program_no": [PROGRAM[i] for i in ITEM_TERMS]})
    terms = pd.DataFrame([(i, t) for i, ts in ITEM_TERMS.items() for t in ts], columns=["item_id", "term"])
    mention_frame = terms.rename(columns={"term": "word"}).assign(term=terms["term"])
    return items, terms, mention_frame


def test_coefficients_of_two_words_with_a_word_are_the_ones_worked_by_hand(tiny):
    # A is in i1 i2 i3 (3 of 6). B: i1 i3 i4 — shares i1 i3. C: i2 i3 i5 i6 — shares i2 i3. D shares nothing.
    found = related_words("A", *tiny).set_index("word")
    assert list(found.index) == ["B", "C"]  # by Jaccard: B 2/4 before C 2/5; D shares no item
    b, c = found.loc["B"], found.loc["C"]
    assert (b.n_target, b.n_word, b.n_both, b.n_items, b.programs_both) == (3, 3, 2, 6, 2)
    assert b.p_word_given_target == pytest.approx(2 / 3, abs=1e-6)   # 2/3
    assert b.p_word == pytest.approx(0.5)                            # 3/6
    assert b.difference == pytest.approx(2 / 3 - 1 / 2, abs=1e-6)     # 0.166667
    assert b.lift == pytest.approx((2 / 3) / (1 / 2), abs=1e-6)        # 1.333333
    assert b.jaccard == pytest.approx(0.5)                           # 2 / (3 + 3 − 2)
    assert b.dice == pytest.approx(2 * 2 / 6, abs=1e-6)                # 0.666667
    assert b.item_ids == "i1 i3"
    assert (c.n_word, c.n_both, c.programs_both) == (4, 2, 2)
    assert c.p_word == pytest.approx(4 / 6, abs=1e-6)
    assert c.difference == pytest.approx(0.0)
    assert c.lift == pytest.approx(1.0)
    assert c.jaccard == pytest.approx(0.4)                           # 2 / (3 + 4 − 2)
    assert c.dice == pytest.approx(4 / 7, abs=1e-6)
    assert c.item_ids == "i2 i3"


def test_a_code_is_a_target_by_its_coded_items(tiny):
    items, terms, mention_frame = tiny
    coded = pd.DataFrame({"item_id": ["i4", "i5"], "code": ["K", "K"]})
    found = related_words("K", items, terms, mention_frame, coded, code=True).set_index("word")
    assert list(found.index) == ["D", "B", "C"]  # Jaccard 1/2, 1/4, 1/5
    assert found.loc["D", "jaccard"] == pytest.approx(0.5)
    assert found.loc["D", "lift"] == pytest.approx((1 / 2) / (1 / 6), abs=1e-6)  # 3.0
    assert found.loc["B", "jaccard"] == pytest.approx(0.25)
    assert found.loc["C", "dice"] == pytest.approx(2 / 6, abs=1e-6)
    with pytest.raises(InputError, match="コード「なし」"):
        related_words("なし", items, terms, mention_frame, coded, code=True)


def test_a_word_inside_a_compound_finds_its_items_and_leaves_the_compound_out(tiny):
    items, terms, mention_frame = tiny
    terms = pd.concat([terms, pd.DataFrame({"item_id": ["i4"], "term": ["申請団体"]})], ignore_index=True)
    mention_frame = pd.concat([mention_frame, pd.DataFrame({"item_id": ["i4", "i4"], "word": ["申請団体", "団体"],
                                                            "term": ["申請団体", "申請団体"]})], ignore_index=True)
    found = related_words("団体", items, terms, mention_frame)
    assert found["word"].tolist() == ["B"] and found["n_target"].tolist() == [1]  # 申請団体 co-occurs by construction


def test_the_top_rows_never_cut_inside_a_tie():
    frame = pd.DataFrame({"year": pd.array([pd.NA] * 5, dtype="Int64"), "word": list("abcde"),
                          "jaccard": [0.5, 0.3, 0.3, 0.3, 0.1], "n_both": [2, 1, 1, 1, 1]})
    kept, omitted = top_related(frame, 2)
    assert kept["word"].tolist() == ["a", "b", "c", "d"] and omitted == {}  # the tie at place 2 kept whole (≤ 4)
    kept, omitted = top_related(frame, 1)
    assert kept["word"].tolist() == ["a"] and omitted == {}
    frame["jaccard"] = 0.3
    frame["n_both"] = 1
    kept, omitted = top_related(frame, 2)
    assert kept.empty and list(omitted.values()) == [5]  # five tied rows do not fit in 2 × 2: the list stops above them
    frame["year"] = pd.array([2018] * 5, dtype="Int64")  # said by year (a newcomer: a sum over years named none)
    from kyodo_analysis.related import related_left_out

    assert related_left_out(top_related(frame, 2)[1], "--top") == (
        "(表示の上限の位置で同じ値に並ぶ語は、同数の途中で切らないためすべて省きました: 2018年度 5 語。--top を大きくすると表示します)")


def test_the_command_lists_related_words_of_the_bundled_table_and_their_shared_items(raw_dir):
    status, out, err = cli("related", "補助金", "--raw-dir", str(raw_dir), "--with", "団体", "--top", "1")
    assert status == 0, err
    first = out.splitlines()[0]
    # 補助金 is in 5 of 36 items, 団体 in 8 (申請団体, 団体経営 too); they share 4 (2 programs): Jaccard 4/9, lift
    # (4/5)/(8/36) = 3.60. 交付 (3 of 5 before) shares one item only: in the others it meets 補助金 only inside one term
    assert first.startswith("年度不明 | 団体 | 共起 4/5 項目 (2 事業) | P(w|対象) 0.800 | P(w) 0.222 | 差 +0.578 | リフト 3.60 |"
                            " Jaccard 0.444 | Dice 0.615 |")
    assert "「補助金」と「団体」の両方がある項目の KWIC (4 件、4 項目):" in out  # n_both 4: 団体, 団体経営, 申請団体
    assert "【団体】の活動が縮小し" in out and "【団体経営】" in out and "【申請団体】が固定化" in out
    status, out, err = cli("related", "補助金", "--raw-dir", str(raw_dir), "--with", "交付", "--top", "1")
    assert "KWIC (1 件、1 項目):" in out and "【補助金交付終了後】も安定的に" in out  # beside 補助金 on its own
    for other, why in (("申請", "「申請」は「団体」と同じ1つの抽出語の中でだけ一緒に出てくるので"),  # the one reason that holds
                       ("申請団体", "「申請団体」は「団体」を含む複合語か、「団体」の中の語で"),
                       ("存在しない語", "「団体」と同じ項目にないので、関連語の表にありません。")):
        status, out, err = cli("related", "団体", "--raw-dir", str(raw_dir), "--with", other, "--top", "1")
        assert status == 0 and f"KWIC (0 件、0 項目)。{why}" in out, out
    status, out, err = cli("related", "交付", "--raw-dir", str(raw_dir), "--top", "100")
    assert "| 補助金 | 共起 1/4 項目 (1 事業) |" in out and "Jaccard 0.125" in out  # the same pair, the same count
    status, out, err = cli("related", "補助金", "--raw-dir", str(raw_dir), "--top", "100")
    assert "| 交付 | 共起 1/5 項目 (1 事業) |" in out and "Jaccard 0.125" in out
    status, out, err = cli("related", "補助金", "--raw-dir", str(raw_dir), "--with", "補助金", "--top", "1")
    assert status == 0 and "KWIC (0 件、0 項目)。対象と同じ語です。" in out
    status, out, err = cli("related", "啓発", "--raw-dir", str(raw_dir), "--with", "進む(否定)")  # a negated form
    assert status == 0 and "「啓発」と「進む(否定)」の両方がある項目の KWIC (1 件、1 項目):" in out and "啓発が【進まない】" in out
    status, out, err = cli("related", "財源・費用", "--code", "--raw-dir", str(raw_dir), "--top", "1")
    assert status == 0 and out.startswith("年度不明 | 検討 | 共起 3/6 項目 (2 事業)"), err
    status, _, err = cli("related", "存在しない語", "--raw-dir", str(raw_dir))
    assert status == 1 and "「存在しない語」はどの項目の抽出語にも、複合語の中の語にもありません" in err
    status, _, err = cli("related", "補助", "--raw-dir", str(raw_dir))  # a piece of 補助金 (a forced term): no word
    assert status == 1 and "この語を含む抽出語: " in err and "補助金" in err
    status, _, err = cli("related", "存在しないコード", "--code", "--raw-dir", str(raw_dir))
    assert status == 2 and "コード「存在しないコード」" in err and "Traceback" not in err
    assert "自分のコーディングルールのコードなら、analyze と同じ --codes を付けてください" in err


def test_notebooks_get_the_table_with_japanese_headers(bundled_analysis):
    from kyodo_analysis.related import related_table

    table, left_out = related_table(bundled_analysis, "補助金", top=1)
    assert table.iloc[0][["年度", "語", "共起する項目数", "対象の項目数"]].tolist() == ["年度不明", "団体", 4, 5]
    assert left_out == ""
    assert related_table(bundled_analysis, "財源・費用", code=True, top=1)[0].iloc[0]["語"] == "検討"


def test_notebooks_say_how_many_tied_words_the_table_left_out(bundled_analysis):
    """活動 (mentioned by 市民活動 and 活動団体 too): 7 words above a tie of 40 at the 15th place (more than twice 15
    with them), so the 40 are left out and the page says so."""
    from kyodo_analysis.related import related_table

    table, left_out = related_table(bundled_analysis, "活動")
    assert len(table) == 7
    assert "すべて省きました: 年度不明 40 語" in left_out and "kyodo-analysis related 活動 の --top を大きくすると表示します" in left_out
    assert "related_table" not in left_out  # a page shows no Python: the command a reader can type


def test_a_pair_of_words_has_one_count_whichever_is_the_target(bundled_analysis):
    """団体 was found inside 申請団体 and 団体経営 when it was the target but only as a term when listed: 補助金 → 団体
    shared 2 items, 団体 → 補助金 1. Both sides are now counted as a coding rule's word is: 4 items by hand
    (01-effect-01, 01-limitation-01, 01-next_step-01 団体経営, 02-limitation-01 申請団体), one Jaccard."""
    a = bundled_analysis
    one = related_words("補助金", a["items"], a["terms"], a["mentions"]).set_index("word")
    other = related_words("団体", a["items"], a["terms"], a["mentions"]).set_index("word")
    assert one.loc["団体", ["n_both", "n_word", "jaccard"]].tolist() == [4, 8, 0.444444]
    assert other.loc["補助金", ["n_both", "n_word", "jaccard"]].tolist() == [4, 5, 0.444444]
    assert "申請団体" not in other.index and "団体経営" not in other.index  # they hold the target
    inside = related_words("申請団体", a["items"], a["terms"], a["mentions"])
    assert not {"申請", "団体"} & set(inside["word"])  # the words of a compound target co-occur by construction


def test_a_negated_word_is_listed_once_and_said_negated_in_its_shared_items(bundled_analysis, raw_dir):
    """A reviewer read 団体–続く beside 団体–続く(否定), both from 「活動が続かない」: a word is now listed once,
    negated or not (as word_counts.csv counts it), with the shared items where it is negated. 団体 and つながる share
    01-limitation-01 and 07-limitation-01, each saying つながらない."""
    a = bundled_analysis
    found = related_words("団体", a["items"], a["terms"], a["mentions"]).set_index("word")
    assert not any(word.endswith("(否定)") for word in found.index)
    assert found.loc["つながる", ["n_both", "negated_both"]].tolist() == [2, 2]
    assert found.loc["補助金", "negated_both"] == 0
    status, out, err = cli("related", "団体", "--raw-dir", str(raw_dir))
    assert status == 0 and "| つながる | 共起 2/8 項目 (2 事業; うち否定の形 2 項目) |" in out, err
    own = related_words("つながる(否定)", a["items"], a["terms"], a["mentions"])
    assert "つながる" not in set(own["word"]) and own.loc[own["word"] == "団体", "n_both"].tolist() == [2]


def test_the_other_words_of_a_compound_holding_the_target_are_not_related_to_it():
    """KH Coder user: ``related ステップ`` listed アップ (Jaccard 1.000, lift 18), which meets ステップ only inside
    ステップアップ, and ``related 団体`` listed 申請 of 申請団体. A word shares an item with the target only where the item
    mentions it outside every term holding the target; its item count (n_word) still counts it wherever it is."""
    items = pd.DataFrame({"item_id": ["i1", "i2", "i3", "i4"], "source_file": "f", "year": pd.NA, "program_no": [1, 1, 2, 3]})
    mentions = pd.DataFrame([("i1", "申請団体", "申請団体"), ("i1", "申請", "申請団体"), ("i1", "団体", "申請団体"),
                             ("i2", "団体", "団体"), ("i2", "申請", "申請"), ("i3", "申請", "申請"), ("i3", "窓口", "窓口"),
                             ("i4", "申請団体", "申請団体"), ("i4", "申請", "申請団体"), ("i4", "団体", "申請団体"),
                             ("i4", "増加", "増加")], columns=["item_id", "word", "term"])
    terms = mentions[mentions["word"] == mentions["term"]][["item_id", "term"]]
    found = related_words("団体", items, terms, mentions).set_index("word")
    assert sorted(found.index) == ["増加", "申請"]  # 申請団体 holds the target: left out as before
    assert (found.loc["申請", "n_target"], found.loc["申請", "n_word"], found.loc["申請", "n_both"]) == (3, 4, 1)
    assert found.loc["申請", "item_ids"] == "i2" and found.loc["申請", "jaccard"] == pytest.approx(1 / 6, abs=1e-6)
    assert found.loc["増加", "n_both"] == 1  # a term of its own beside 申請団体


def test_every_pair_of_the_bundled_table_has_one_count_whichever_word_is_the_target(bundled_analysis):
    """The README promises one count per pair, whichever word is the target; excluding words met inside a term
    holding the target broke it (交付 → 補助金 1 item, 補助金 → 交付 none: a hostile tester). Every listed pair of four
    targets is checked from the other side."""
    a = bundled_analysis
    for target in ("団体", "補助金", "活動", "利用"):
        found = related_words(target, a["items"], a["terms"], a["mentions"])
        for row in found.itertuples(index=False):
            other = related_words(row.word, a["items"], a["terms"], a["mentions"]).set_index("word")
            assert (other.loc[target, "n_both"], other.loc[target, "jaccard"]) == (row.n_both, row.jaccard), (target, row.word)
