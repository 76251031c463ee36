"""The term rules (terms.py), each pinned by the sentence that showed it, and on the bundled table."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyodo_analysis.terms import (
    NEGATED,
    TERM_COLUMNS,
    Token,
    candidate_compounds,
    extract_terms,
    item_terms,
    mentions,
    unknown_words,
)
from kyodo_analysis.tokens import tokenize
from kyodo_analysis.wordlists import word_lists


def analysed(*texts: str, lists=None) -> tuple[list[list[str]], list[list[str]]]:
    """The terms and the mentioned words of each text, analysed together as one table."""
    items = pd.DataFrame({"item_id": [f"i{k}" for k in range(len(texts))], "text": list(texts)})
    token_frame = tokenize(items)
    term_frame = extract_terms(token_frame, lists)
    mention_frame = mentions(term_frame, token_frame, lists)
    return ([term_frame.loc[term_frame["item_id"] == f"i{k}", "term"].tolist() for k in range(len(texts))],
            [mention_frame.loc[mention_frame["item_id"] == f"i{k}", "word"].tolist() for k in range(len(texts))])


def terms_of(text: str, lists=None) -> list[str]:
    return analysed(text, lists=lists)[0][0]


def test_short_units_become_single_terms(corpus):
    _, _, term_frame = corpus
    found = set(term_frame["term"])
    for term in ["補助金", "知名度", "ステップアップ", "指定管理者", "市民交流センター", "Zen", "CoCoLo"]:
        assert term in found, term
    for piece in ["金", "的", "度", "等", "補助", "ステップ", "アップ", "知名"]:
        assert piece not in found, piece
    assert not term_frame["term"].str.contains(r"-[a-z]+$", regex=True).any()
    assert not set(term_frame["term"]) & word_lists().stop
    assert list(term_frame.columns) == TERM_COLUMNS


@pytest.mark.parametrize("text,expected", [
    ("当初予定していた成果が上がらなかった", "上がる(否定)"),
    ("参加者の輪が広がらない", "広がる(否定)"),
    ("活動が定着しない", "定着(否定)"),
    ("施設が活用されていない", "活用(否定)"),
    ("予算が十分ではない", "十分(否定)"),
    ("効果は大きくない", "大きい(否定)"),
    ("予算枠を設けずに", "設ける(否定)"),
    ("成果が共有できていない", "共有(否定)"),
    ("団体からの提案を各部署が門前払いすることなく", "門前払い(否定)"),  # 〜することなく
    ("決定権がない場面において", "決定権(否定)"),  # 〜がない
])
def test_negation(text, expected):
    assert expected in terms_of(text)


def test_a_negated_noun_is_one_term_not_two():
    """する/できる belong to the negated noun: 定着しない is not also する(否定)."""
    assert terms_of("活動が定着しない") == ["活動", "定着(否定)"]
    assert terms_of("成果が共有できていない") == ["成果", "共有(否定)"]


def test_shika_nai_means_only_and_is_not_negation():
    assert terms_of("施設予約は窓口のみしかできなかった") == ["施設予約", "窓口"]  # not できる(否定)
    assert terms_of("会議でしか話さない") == ["会議", "話す"]
    assert "話す(否定)" in terms_of("会議で、話さない")


@pytest.mark.parametrize("text,expected", [
    ("地域の方にとって利用しやすい", ["地域", "利用"]),  # にとって: not the verb 取る
    ("常にオープンなスペース", ["オープン", "スペース"]),  # 常に: not 常
    ("ある種、補助金のような運用", ["補助金", "運用"]),  # ある種: not 種
    ("目に見える形で活動する", ["活動"]),  # 目に見える, 〜形で
    ("課内の別の職員への啓発が進まない。", ["課内", "職員", "啓発", "進む(否定)"]),  # 別の
    ("限定的な利用に留まらず", ["限定的", "利用"]),  # 留まらず: "not limited to", not a limitation
])
def test_function_phrases_are_not_terms(text, expected):
    assert terms_of(text) == expected


def test_spelling_variants_unidic_unifies_are_one_term():
    (first, second), _ = analysed("協働事業の委託のしくみを検討する必要がある。", "利用できる仕組みではあるが")
    assert "仕組み" in first and "仕組み" in second  # しくみ / 仕組み: one lemma, the lemma's spelling on a tie


def test_the_synonym_list_merges_words_before_counting(tmp_path):
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("# 表記ゆれ\n助成 = 補助金, 支援\n", encoding="cp932")  # saved by a Windows tool
    lists = word_lists(synonyms=synonyms)
    (terms, negated), _ = analysed("補助金で支援が進む", "支援しない", lists=lists)
    assert terms == ["助成", "助成", "進む"]
    assert negated == ["助成(否定)"]
    assert lists.sources["synonyms"]["source"] == str(synonyms)


def test_words_inside_compounds_are_mentions():
    _, (words,) = analysed("申請団体と市民団体が施設予約をした")
    assert words == ["申請団体", "申請", "団体", "市民団体", "市民", "団体", "施設予約", "施設", "予約"]


def test_dantai_is_mentioned_in_eight_items(corpus):
    items, token_frame, term_frame = corpus
    mention_frame = mentions(term_frame, token_frame)
    mentioned = set(mention_frame.loc[mention_frame["word"] == "団体", "item_id"])
    assert len(mentioned) == 8
    assert len(set(term_frame.loc[term_frame["term"] == "団体", "item_id"])) == 5  # the term alone: 5 items
    assert mentioned == set(items.loc[items["text"].str.contains("団体"), "item_id"])


def test_words_separated_by_a_space_are_not_joined():
    assert terms_of("(例 CoCoLoの会)") == ["CoCoLo", "会"]


def test_forced_and_stop_lists_change_the_output(tmp_path, corpus):
    _, token_frame, term_frame = corpus
    forced = tmp_path / "forced.txt"
    stop = tmp_path / "stop.txt"
    forced.write_text("# Wi-Fi を外したリスト\n知名度\n", encoding="utf-8")
    stop.write_text("こと\n団体\n", encoding="utf-16")  # a UTF-16 file with BOM, as Notepad may save it
    edited = extract_terms(token_frame, word_lists(forced, stop))
    # Without Wi-Fi in the forced list, the hyphen splits it into the unknown words Wi and Fi.
    assert "Wi-Fi" not in set(edited["term"]) and "館内Wi-Fi" in set(term_frame["term"])
    assert {"館内Wi", "Fi"} <= set(edited["term"])  # the hyphen is a symbol: no compound across it
    assert "団体" not in set(edited["term"]) and "団体" in set(term_frame["term"])
    assert "知名度" in set(edited["term"])


def test_forced_terms_are_read_left_to_right_longest_first(tmp_path):
    """The longest forced term at a token wins; one starting inside a kept forced term does not count; forced
    terms side by side, or beside other nouns, make one compound that mentions each of them."""
    forced = tmp_path / "forced.txt"
    forced.write_text("市民協働\n協働推進\n推進員\n補助\n補助金交付\n", encoding="utf-8")
    lists = word_lists(forced)
    assert terms_of("市民協働推進員の活動", lists) == ["市民協働推進員", "活動"]
    assert analysed("市民協働推進員の活動", lists=lists)[1][0] == [
        "市民協働推進員", "市民協働", "市民", "協働", "推進員", "活動"]
    assert terms_of("協働推進員", lists) == ["協働推進員"]
    assert terms_of("補助金交付の補助が進まない", lists) == ["補助金交付", "補助", "進む(否定)"]


def test_function_words_symbols_and_numbers_never_count(corpus):
    _, token_frame, term_frame = corpus
    assert not term_frame["term"].str.fullmatch(r"[\d\W]+").any()
    assert set(term_frame["pos"]) <= {"名詞", "動詞", "形容詞", "形状詞", "強制抽出", "未知語"}
    particles = set(token_frame.loc[token_frame["pos1"].isin(["助詞", "助動詞", "補助記号"]), "surface"])
    assert not (set(term_frame["term"]) & particles)
    for wrong in ["常", "種", "目", "別", "形", "できる(否定)", "留まる(否定)"]:
        assert wrong not in set(term_frame["term"]), wrong
    taken = term_frame[term_frame["term"] == "とる"]  # 〜の形式をとる is the verb; にとって is not
    assert taken["item_id"].tolist() == ["kyodo_seika_zushi-03-next_step-01"]


def test_curation_reports(corpus):
    _, token_frame, term_frame = corpus
    unknown = unknown_words(token_frame, term_frame)
    assert unknown.set_index("surface").loc["Zen", "n"] == 2
    assert unknown["surface"].tolist() == ["Zen", "CoCoLo"]  # Wi, Fi (Wi-Fi) and ファシリテート are forced terms
    assert {"Wi", "Fi", "ファシリテート"} <= set(unknown_words(token_frame)["surface"])
    assert "1" not in set(unknown["surface"])  # numbers are not unknown words to curate
    candidates = candidate_compounds(term_frame, word_lists(), min_count=2)
    assert {"利用者", "安定的", "施設予約"} <= set(candidates["candidate"])  # compounds the joiner built, to check
    assert not set(candidates["candidate"]) & set(word_lists().forced)


# ---------------------------------------------------------------- properties of the rules on any token sequence

# Token kinds the rules distinguish, with a few lemmas each (surface = lemma here).
KINDS = [
    ("名詞", "普通名詞", ["団体", "施設", "補助", "常", "種", "目", "別", "形", "事", "市民"]),
    ("名詞", "数詞", ["1", "二"]),
    ("接頭辞", "", ["各", "新"]),
    ("接尾辞", "名詞的", ["金", "度", "内"]),
    ("動詞", "一般", ["進む", "取る", "見える", "留まる", "つながる"]),
    ("動詞", "非自立可能", ["為る", "出来る", "居る"]),
    ("形容詞", "非自立可能", ["無い"]),
    ("助動詞", "", ["ない", "ず", "れる", "だ"]),
    ("助詞", "格助詞", ["が", "に", "の", "で"]),
    ("助詞", "係助詞", ["は", "も"]),
    ("助詞", "副助詞", ["しか"]),
    ("助詞", "接続助詞", ["て"]),
    ("補助記号", "句点", ["。"]),
    ("連体詞", "", ["或る"]),
]
tokens_strategy = st.lists(
    st.tuples(st.sampled_from(range(len(KINDS))), st.integers(0, 9), st.booleans()).map(
        lambda t: Token(*(lambda pos1, pos2, lemmas: (lemmas[t[1] % len(lemmas)], lemmas[t[1] % len(lemmas)],
                                                      lemmas[t[1] % len(lemmas)], pos1, pos2, False, t[2]))(*KINDS[t[0]]))),
    max_size=25)


@settings(max_examples=400, deadline=None)
@given(tokens_strategy)
def test_term_rules_hold_on_any_token_sequence(tokens):
    lists = word_lists()
    found = item_terms(tokens, lists)
    end = -1
    for term in found:
        assert end < term.first <= term.last < len(tokens)  # in reading order, never overlapping
        end = term.last
        assert term.negated == term.term.endswith(NEGATED)
        assert tokens[term.first].pos1 not in ("助詞", "助動詞", "補助記号")
        if term.pos in ("名詞", "未知語") and not term.negated:
            assert term.term == "".join(t.word for t in tokens[term.first:term.last + 1])
            assert not any(t.gap for t in tokens[term.first + 1:term.last + 1])  # never across whitespace
        if not term.negated:
            assert term.term not in lists.stop
    assert found == item_terms(tokens, lists)  # the same tokens give the same terms
