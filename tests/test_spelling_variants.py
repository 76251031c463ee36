"""The 表記ゆれ assistant: candidate merges listed, never applied."""

from __future__ import annotations

import pandas as pd

from kyodo_analysis.spelling_variants import katakana_pairs, one_edit_apart, synonym_candidates
from kyodo_analysis.terms import extract_terms, mentions
from kyodo_analysis.tokens import tokenize

TEXTS = ["ワークショップが増えた", "ワークショツプの募集", "ＮＰＯと連携した", "NPOの支援", "コーディネーターを置く",
         "コーディネータの役割", "しくみを作る", "仕組みが必要", "仕組みを変える"]


def candidates() -> tuple[pd.DataFrame, pd.DataFrame]:
    items = pd.DataFrame({"item_id": [f"x-{i:02d}" for i in range(len(TEXTS))], "text": TEXTS})
    token_frame = tokenize(items)
    term_frame = extract_terms(token_frame)
    return synonym_candidates(term_frame, token_frame, mentions(term_frame, token_frame)), term_frame


def test_katakana_width_and_lemma_variants_are_listed_with_their_items():
    found, term_frame = candidates()
    rows = {(r.kind, r.word, r.variant): r for r in found.itertuples(index=False)}
    width = rows["width", "NPO", "ＮＰＯ"]
    assert (width.items_word, width.items_variant, width.status, width.synonyms_line) == (
        "x-03", "x-02", "candidate", "NPO = ＮＰＯ")
    kana = rows["katakana", "ワークショップ", "ワークショツプ"]  # ボランテイア is in the packaged variants table
    assert (kana.items_word, kana.items_variant, kana.synonyms_line) == ("x-00", "x-01", "ワークショップ = ワークショツプ")
    lemma = rows["lemma", "仕組み", "しくみ"]  # already one word (UniDic's lemma): shown, nothing to accept
    assert (lemma.status, lemma.synonyms_line, lemma.reading, lemma.items_variant) == ("merged", "", "シクミ", "x-06")
    assert (lemma.items_word, lemma.n_items_word) == ("x-07 x-08", 2)  # where 仕組み is written, not x-06's しくみ
    # one UniDic lemma, but terms no longer pick a spelling by frequency: both spellings stay, offered as a candidate
    assert rows["katakana", "コーディネータ", "コーディネーター"].status == "candidate"
    assert found["kind"].drop_duplicates().tolist() == ["width", "katakana", "lemma"]
    # never merged silently: both spellings are still counted apart
    assert {"ワークショップ", "ワークショツプ", "NPO", "ＮＰＯ"} <= set(term_frame["term"])


def test_a_spelling_inside_a_function_expression_is_no_evidence_of_a_merge():
    """規模に応じて is a function expression, counted as no word: its 応じ is not cited as 応ずる written for 応じる
    (a newcomer found a 0-item 応じる beside 3 items of 応ずる, one of them に応じて). しくみ stays cited."""
    texts = ["規模に応じて補助した", "規模に応ずる補助", "しくみを作った", "仕組みが要る"]
    items = pd.DataFrame({"item_id": [f"i{k}" for k in range(len(texts))], "text": texts})
    token_frame = tokenize(items)
    term_frame = extract_terms(token_frame)
    assert "応じる" not in set(term_frame["term"]) and "応ずる" not in set(term_frame["term"])
    found = synonym_candidates(term_frame, token_frame, mentions(term_frame, token_frame))
    lemma = found[found["kind"] == "lemma"]
    assert lemma[["word", "variant", "items_word", "items_variant"]].values.tolist() == [["仕組み", "しくみ", "i3", "i2"]]


def test_one_edit_and_small_kana_make_katakana_pairs():
    assert one_edit_apart("ボランテイア", "ボランティア") and one_edit_apart("センター", "センタ")
    assert not one_edit_apart("サポート", "サポート") and not one_edit_apart("サポート", "サポーター")  # two edits
    words = ["コーディネーター", "コーディネータ", "コーデイネーター", "イベント", "センター", "カード", "補助"]
    pairs = {tuple(sorted(p)) for p in [("コーディネータ", "コーディネーター"), ("コーデイネーター", "コーディネーター"),
                                        ("コーディネータ", "コーデイネーター")]}  # the last two by small kana and ー
    assert katakana_pairs(words) == pairs


def test_the_bundled_table_lists_its_merged_spellings(bundled_analysis):
    found = bundled_analysis["synonym_candidates"]
    merged = found[found["kind"] == "lemma"].set_index("variant")
    assert merged.loc["しくみ", "word"] == "仕組み"
    assert merged.loc["しくみ", "items_word"] == "kyodo_seika_zushi-08-limitation-01"  # 03-next_step-01 says しくみ
    assert merged.loc["しくみ", "items_variant"] == "kyodo_seika_zushi-03-next_step-01"
    assert set(found["status"]) <= {"candidate", "merged"}


def test_term_readings_equal_the_lookup_by_item_and_token_number(bundled_analysis):
    """Readings found by row position are those looked up by (item, token number), the first occurrence
    whose tokens all have a reading — on the bundled table's terms and tokens."""
    from kyodo_analysis.spelling_variants import term_readings

    token_frame, term_frame = bundled_analysis["tokens"], bundled_analysis["terms"]
    tokens = token_frame.set_index(["item_id", "token_no"])["lemma_reading"]
    reference: dict[str, str] = {}
    for row in term_frame[~term_frame["negated"]].itertuples():
        parts = [tokens.get((row.item_id, no)) for no in range(row.first_token_no, row.last_token_no + 1)]
        if row.term not in reference and all(isinstance(p, str) and p for p in parts):
            reference[row.term] = "".join(parts)
    assert len(reference) > 150 and term_readings(term_frame, token_frame) == reference


def test_a_token_table_not_numbered_from_one_per_item_is_refused():
    import pytest

    from kyodo_analysis.spelling_variants import first_rows

    tokens = pd.DataFrame({"item_id": ["a", "a", "b", "b"], "token_no": [1, 2, 1, 2]})
    assert first_rows(tokens) == {"a": 0, "b": 2}
    for numbers, ids in (([1, 2, 2, 3], ["a", "a", "b", "b"]), ([1, 2, 1, 1], ["a", "a", "b", "a"])):
        with pytest.raises(ValueError, match="numbered from 1"):
            first_rows(pd.DataFrame({"item_id": ids, "token_no": numbers}))
