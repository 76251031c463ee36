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
    # one UniDic lemma, but terms no longer pick a spelling by frequency: both spellings stay, offered as a candidate
    assert rows["katakana", "コーディネータ", "コーディネーター"].status == "candidate"
    assert found["kind"].drop_duplicates().tolist() == ["width", "katakana", "lemma"]
    # never merged silently: both spellings are still counted apart
    assert {"ワークショップ", "ワークショツプ", "NPO", "ＮＰＯ"} <= set(term_frame["term"])


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
    assert set(found["status"]) <= {"candidate", "merged"}
