"""Every number traceable: the words that made an item count for a code, and the items behind each count."""

from __future__ import annotations

import pandas as pd

from kyodo_analysis.coding import code_items, parse_rules
from kyodo_analysis.evidence import code_evidence, code_item_ids, keyword_item_ids, positive_words
from kyodo_analysis.schema import zushi_comparison

RULES = parse_rules("*停滞\n進む(否定) or 団体\n*補助金なし\nnot 補助金\n*組み合わせ\n(申請 or 会) and not 市\n")


def test_the_words_that_count_are_those_outside_an_odd_number_of_nots():
    assert [positive_words(r.condition) for r in RULES] == [["進む(否定)", "団体"], [], ["申請", "会"]]


def test_each_coded_item_lists_the_words_that_made_it_count():
    items = pd.DataFrame({"item_id": ["i1", "i2"], "year": pd.NA, "program_no": [1, 2], "program": ["p", "q"],
                          "aspect": ["limitation", "effect"]})
    terms = pd.DataFrame({"item_id": ["i1", "i1", "i2"], "term": ["進む(否定)", "申請団体", "補助金"],
                          "negated": [True, False, False]})
    mention_frame = pd.DataFrame({"item_id": ["i1", "i1", "i1", "i1", "i2"],
                                  "word": ["進む", "申請団体", "申請", "団体", "補助金"],
                                  "term": ["進む(否定)", "申請団体", "申請団体", "申請団体", "補助金"]})
    coded = code_items(RULES, items, terms, mention_frame)
    found = code_evidence(RULES, coded, items, terms, mention_frame)
    rows = [tuple(r) for r in found[["item_id", "code", "word", "found_as", "term", "negated"]].itertuples(index=False)]
    assert rows[:2] == [("i1", "停滞", "進む(否定)", "term", "進む(否定)", True),
                        ("i1", "停滞", "団体", "compound", "申請団体", False)]
    assert (rows[2][0], rows[2][1], rows[2][3]) == ("i1", "補助金なし", "not") and pd.isna(rows[2][2])
    assert rows[3] == ("i1", "組み合わせ", "申請", "compound", "申請団体", False)
    assert len(rows) == 4  # i2 has 補助金: no code
    assert found["condition"].tolist()[0] == "進む(否定) or 団体"
    rules = parse_rules("*進み\n進む\n")  # the plain word, found as the item's negated term: not a compound
    negated = code_evidence(rules, code_items(rules, items, terms, mention_frame), items, terms, mention_frame)
    assert [tuple(r) for r in negated[["item_id", "word", "found_as", "term", "negated"]].itertuples(index=False)] == [
        ("i1", "進む", "negated", "進む(否定)", True)]


def test_the_bundled_counts_match_the_items_listed_beside_them(bundled_analysis):
    a = bundled_analysis
    evidence, coded = a["code_evidence"], a["item_codes"]
    assert set(zip(evidence["item_id"], evidence["code"], strict=True)) == set(zip(coded["item_id"], coded["code"],
                                                                                   strict=True))
    assert evidence.loc[evidence["word"] == "つながる(否定)", "negated"].all()
    by = zushi_comparison().by
    keywords = keyword_item_ids(a["keywords"], a["terms"], a["items"], by)
    assert (keywords["item_ids"].str.split(" ").map(len) == keywords["n_items"]).all()
    codes = code_item_ids(a["codes"], coded, a["items"], by)
    counted = codes["item_ids"].map(lambda s: len(s.split(" ")) if s else 0)
    assert (counted == codes["n_items"]).all() and len(codes) == len(a["codes"])
