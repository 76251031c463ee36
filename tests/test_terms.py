"""The term rules (terms.py), each pinned by the sentence that showed it, and on the bundled table."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyodo_analysis.curation import candidate_compounds, unknown_words
from kyodo_analysis.negation import is_negator
from kyodo_analysis.terms import (
    NEGATED,
    TERM_COLUMNS,
    extract_terms,
    item_terms,
    mentions,
)
from kyodo_analysis.tokens import tokenize
from kyodo_analysis.units import Token
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


@pytest.mark.parametrize("text,line,word", [
    ("団体 = 市民\n市民 = 団体\n", 2, "市民"),  # each the other's variant: the two words would swap
    ("市民 = 市民団体\n団体 = 市民\n", 2, "市民"),  # a representative made a variant: a chain
    ("団体 = 団体\n", 1, "団体"),
])
def test_a_word_both_representative_and_variant_is_refused(text, line, word):
    from kyodo_analysis.errors import InputError
    from kyodo_analysis.wordlists import TextFile, parse_synonyms

    with pytest.raises(InputError) as raised:
        parse_synonyms(TextFile(text, "synonyms.txt", ""))
    assert raised.value.line == line and f"「{word}」が代表語" in raised.value.message
    assert parse_synonyms(TextFile("団体 = 市民団体, 団体等\n広報 = PR\n", "s", "")) == {
        "市民団体": "団体", "団体等": "団体", "PR": "広報"}


@pytest.mark.parametrize("text,message", [
    ("施設 = 会館 公民館\n", "同義語に空白があります: 「会館 公民館」"),  # stored as one word 「会館 公民館」: nothing merged
    ("施設 = 会館;公民館\n", "同義語の行を読めません"),
    ("施設 = 会館, 公民館 = ホール\n", "同義語の行を読めません"),
    ("進む（否定） = 停滞\n", "全角の括弧は否定の印として読みません"),
])
def test_a_synonym_line_that_would_merge_nothing_is_refused(text, message):
    """A KH Coder user's separators: a space, ; or a second = made one long word that matched nothing, silently."""
    from kyodo_analysis.errors import InputError
    from kyodo_analysis.wordlists import TextFile, parse_synonyms

    with pytest.raises(InputError) as raised:
        parse_synonyms(TextFile(text, "synonyms.txt", ""))
    assert raised.value.line == 1 and message in raised.value.format()


def test_full_width_commas_separate_synonyms_and_a_full_width_negation_mark_is_refused(tmp_path):
    from kyodo_analysis.errors import InputError
    from kyodo_analysis.wordlists import TextFile, parse_synonyms

    assert parse_synonyms(TextFile("施設 = 会館，公民館、ホール\n", "s", "")) == {
        "会館": "施設", "公民館": "施設", "ホール": "施設"}
    stop = tmp_path / "stop.txt"
    stop.write_text("こと\n進む（否定）\n", encoding="utf-8")  # ignored before: 進む(否定) stayed a term
    with pytest.raises(InputError) as raised:
        word_lists(stop=stop)
    assert raised.value.line == 2 and "半角の括弧で「進む(否定)」と書いてください" in raised.value.format()


def test_a_stop_listed_word_is_no_word_inside_a_compound_either(tmp_path):
    """A researcher's stop list with 団体: word_counts.csv still counted 団体 through the forced term 市民団体 (a
    forced term stays whole, its nouns were mentioned): a listed word is never counted, inside a term or not."""
    stop = tmp_path / "stop.txt"
    stop.write_text("団体\n", encoding="utf-8")
    (terms,), (words,) = analysed("市民団体間の連携を強めた", lists=word_lists(stop=stop))
    assert terms == ["市民団体間", "連携", "強める"] and words == ["市民団体間", "市民", "市民団体", "連携", "強める"]


def test_latin_letters_joined_by_a_hyphen_are_one_word_whatever_the_forced_list(tmp_path):
    """A KH Coder user's own forced list (without Wi-Fi) split 館内Wi-Fi into 館内Wi and Fi: the packaged list had
    kept it whole. Latin letters joined by a hyphen are one unit of their own now (UniDic cuts at the hyphen)."""
    forced = tmp_path / "forced.txt"
    forced.write_text("補助金\n", encoding="utf-8")
    (terms,), (words,) = analysed("館内Wi-Fiを整備した", lists=word_lists(forced=forced))
    assert terms == ["館内Wi-Fi", "整備"] and words == ["館内Wi-Fi", "館内", "Wi-Fi", "整備"]
    assert terms_of("2020-2021年度に実施した") == ["実施"]  # digits on both sides: a number (rule 3)
    # the minus sign a Japanese input method types, an en dash, a non-breaking hyphen (a hostile tester)
    assert [terms_of(f"Wi{dash}Fi環境")[0] for dash in "−–‑"] == ["Wi−Fi環境", "Wi–Fi環境", "Wi‑Fi環境"]


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
    # Without Wi-Fi in the forced list, Latin letters joined by a hyphen still make one word (they split into
    # 館内Wi and Fi until a KH Coder user's list showed it)
    assert "館内Wi-Fi" in set(edited["term"]) and "館内Wi-Fi" in set(term_frame["term"])
    assert not {"館内Wi", "Fi"} & set(edited["term"])
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
        "市民協働推進員", "市民", "協働", "市民協働", "推進員", "活動"]
    assert terms_of("協働推進員", lists) == ["協働推進員"]
    assert analysed("コミュニティセンターとフリースペース")[1][0] == [  # each katakana piece, as in any compound
        "コミュニティセンター", "コミュニティ", "センター", "フリースペース", "フリー", "スペース"]
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
    candidates = candidate_compounds(term_frame, word_lists().forced, min_count=2)
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
    outer = None
    for term in found:
        if outer is not None and term.first <= outer.last:  # only a place a noun's negation read past
            assert outer.negated and outer.pos == "名詞" and outer.first < term.first <= term.last < outer.last
            assert not any(map(is_negator, tokens[term.first:term.last + 1]))
        else:
            assert outer is None or outer.last < term.first  # in reading order, never overlapping
            outer = term
        assert term.last < len(tokens)
        assert term.negated == term.term.endswith(NEGATED)
        assert tokens[term.first].pos1 not in ("助詞", "助動詞", "補助記号")
        if term.pos in ("名詞", "未知語") and not term.negated:
            assert term.term == "".join(t.word for t in tokens[term.first:term.last + 1])
            assert not any(t.gap for t in tokens[term.first + 1:term.last + 1])  # never across whitespace
        if not term.negated:
            assert term.term not in lists.stop
    assert found == item_terms(tokens, lists)  # the same tokens give the same terms


def test_a_place_read_past_gives_its_own_terms_and_never_the_negator():
    """団体が団体に無い: the place 団体 is a term inside 団体(否定)'s span; 無い, read by the negation, is none
    (a reading-less 無い is not stop-listed, so only the rule keeps it out)."""
    def token(lemma: str, pos1: str, pos2: str) -> Token:
        return Token(lemma, lemma, lemma, pos1, pos2, False, False)
    tokens = [token("団体", "名詞", "普通名詞"), token("が", "助詞", "格助詞"), token("団体", "名詞", "普通名詞"),
              token("に", "助詞", "格助詞"), token("無い", "形容詞", "非自立可能")]
    found = [(t.term, t.first, t.last) for t in item_terms(tokens, word_lists())]
    assert found == [("団体(否定)", 0, 4), ("団体", 2, 2)]
    assert terms_of("ボランティアが地域にいないため、地域で募集した") == ["ボランティア(否定)", "地域", "地域", "募集"]


# ---------------------------------------------------------------- the conventions (issue "terms a linguist would sign")

def expression_entries() -> dict[str, list[str]]:
    from importlib import resources

    from kyodo_analysis.phrases import section_lines

    return section_lines(resources.files("kyodo_analysis.resources").joinpath("function_expressions.txt")
                         .read_text("utf-8"))


def test_every_function_expression_gives_no_term_and_every_hedge_negates():
    entries = expression_entries()
    assert len(set(entries["function"])) >= 100
    function, hedges = sorted(set(entries["function"])), sorted(set(entries["hedge"]))
    terms = analysed(*(f"地域{e}、活動した。" for e in function + hedges))[0]
    for entry, found in zip(function, terms, strict=False):
        assert found == ["地域", "活動"], entry
    for entry, found in zip(hedges, terms[len(function):], strict=True):
        assert found == ["地域(否定)", "活動"], entry


def test_negation_tails_cancel_or_keep_the_negation():
    entries = expression_entries()
    cancelled = sorted(set(entries["not_negation"]))
    kept = sorted(set(entries["kept_negation"]))
    terms = analysed(*(f"計画を見直さ{e}。" for e in cancelled + kept))[0]
    for entry, found in zip(cancelled, terms, strict=False):
        assert found == ["計画", "見直す"], entry
    for entry, found in zip(kept, terms[len(cancelled):], strict=True):
        assert found == ["計画", "見直す(否定)"], entry


@pytest.mark.parametrize("text,expected", [
    # function expressions (複合辞) and idioms
    ("地域の課題に関して意見を交換した", ["地域", "課題", "意見", "交換"]),
    ("ワークショップを通じて関係が深まった", ["ワークショップ", "関係", "深まる"]),
    ("人口減少に伴い、会員が減った", ["人口減少", "会員", "減る"]),
    ("努力にもかかわらず、参加者は増えなかった", ["努力", "参加者", "増える(否定)"]),
    ("予算の都合でやむを得ず中止した", ["予算", "都合", "中止"]),
    ("協力を得られるかもしれない", ["協力", "得る"]),
    ("団体の自主財源を確保する必要がある", ["団体", "自主財源", "確保"]),
    ("役員の負担感が、加入率低下の要因と考えられる", ["役員", "負担感", "加入率低下", "要因"]),
    # formal nouns and grammatical verbs, by lemma
    ("活動のほか、講座も開いた", ["活動", "講座", "開く"]),
    ("そのままの状態で放置されている", ["状態", "放置"]),
    ("成果が上がったと思う", ["成果", "上がる"]),
    ("他地区にも波及した", ["他地区", "波及"]),  # 他 (タ, other) is not ほか (a formal noun)
    # negation across adverbs, with いる / ある / できる, through hedges
    ("関心がまったくない", ["関心(否定)"]),
    ("予算がほとんどない", ["予算(否定)"]),
    ("決定権が事実上ない", ["決定権(否定)"]),
    ("団体の自主財源は、ほとんどない", ["団体", "自主財源(否定)"]),
    ("会員は一人もいない", ["会員(否定)"]),
    ("担い手がいない", ["担い手(否定)"]),
    ("ボランティアが地域にいない", ["ボランティア(否定)", "地域"]),  # the place stays a term of its own
    ("若手が、地区内に一人もいない", ["若手(否定)", "地区内"]),
    ("拠点が地区内にはない", ["拠点(否定)", "地区内"]),
    ("若手が誰もいない", ["若手(否定)"]),
    ("若手が地域の行事に参加しない", ["若手", "地域", "行事", "参加(否定)"]),  # not existence: the verb is negated
    ("担い手が地域にいないわけではない", ["担い手", "地域"]),
    ("地域の担い手がおらず、存続が危ぶまれる", ["地域", "担い手(否定)", "存続", "危ぶむ"]),
    ("対面での活動ができなかった", ["対面", "活動(否定)"]),
    ("参加はしない", ["参加(否定)"]),
    ("解消されたわけではない", ["解消(否定)"]),
    ("十分とは言えない", ["十分(否定)"]),
    ("周知が十分とは言えない", ["周知", "十分(否定)"]),  # 十分 read as an adverb
    ("利用が増えるとは限らない", ["利用", "増える(否定)"]),
    ("担い手不足は解消したとは言い難い", ["担い手不足", "解消(否定)"]),
    ("役割分担が明確になったとは言い難い", ["役割分担", "明確(否定)"]),
    ("対応しきれない", ["対応(否定)"]),
    ("予算なしで始めた", ["予算(否定)", "始める"]),
    ("課題の解決には至っていない", ["課題", "解決(否定)"]),
    ("支援を望む声が少なくない", ["支援", "望む", "声", "少ない(否定)"]),  # not the idiom 少なからず
    # not negation: obligation, double negation, proposals, しか, adverbs
    ("見直さなければならない", ["見直す"]),
    ("見直さざるを得ない", ["見直す"]),
    ("支援がなくはない", ["支援"]),
    ("課題が残っていないわけではない", ["課題", "残る"]),
    ("確保できないか検討する", ["確保", "検討"]),
    ("参加しか認められない", ["参加", "認める"]),
    ("絶えず見直す", ["見直す"]),
    ("地区内の世帯を残らず訪問した", ["地区内", "世帯", "訪問"]),
    # numbers, dates, era names, counters
    ("令和5年度に2023年4月1日から実施", ["実施"]),
    ("R3年度とH25年度を比べた", ["比べる"]),
    ("第1回町会長会議", ["町会長会議"]),
    ("一日体験キャンプ", ["体験キャンプ"]),
    ("事業費に10万円を充てた", ["事業費", "充てる"]),
    ("120団体が参加", ["参加"]),
    ("42自治会のうち30町内会が防災訓練を実施", ["防災訓練", "実施"]),  # the counter's one-character end (会) is no term
    ("2地区合同訓練を行った", ["合同訓練", "行う"]),  # a longer remainder after the counter is a word
    ("件数は120件だった", ["件数"]),
    ("今年度は3回開催し、延べ150人が参加した", ["開催", "参加"]),
    ("週1回の見守り訪問で10％増加した", ["見守り訪問", "増加"]),  # the percent sign is the unit, not 増加
    ("開催日と土曜日の運行", ["開催日", "土曜日", "運行"]),  # a date word after a noun is part of the compound
    ("月2回の開館日", ["開館日"]),  # 月 alone and 2回 are no term
    ("1人あたりの利用と会員あたりの負担", ["利用", "会員", "負担"]),  # あたり in kana is UniDic's 辺り
    # a function expression's verb with a passive or causative auxiliary is that verb
    ("利用が平日に限られた", ["利用", "平日", "限る"]),
    ("今年度に限り無料とした", ["無料"]),
    ("高齢者に限らず参加した", ["高齢者", "参加"]),
    # compounds: suffixes stay, verb stems before nouns join, no over-joining
    ("災害時の要支援者の把握", ["災害時", "要支援者", "把握"]),
    ("講座修了後に満足度を調べた", ["講座修了後", "満足度", "調べる"]),
    ("財源の多様化と持続可能性", ["財源", "多様化", "持続可能性"]),
    ("役割が不明確で、新規団体が戸惑った", ["役割", "不明確", "新規団体", "戸惑う"]),
    ("地域の見守り体制と空き店舗", ["地域", "見守り体制", "空き店舗"]),
    ("高齢者の見守りに関する協定", ["高齢者", "見守り", "協定"]),
    ("事業を行い地域に貢献した", ["事業", "行う", "地域", "貢献"]),
    ("商店街が大きく変わり地域が潤った", ["商店街", "大きい", "変わる", "地域", "潤う"]),
    ("親子連れが多数参加した", ["親子連れ", "多数", "参加"]),
    ("引き続き支援していく", ["支援"]),
    ("自ら企画した講座", ["企画", "講座"]),
    ("市民自らが運営する", ["市民", "運営"]),
    ("年々減少している", ["減少"]),
    ("事業ごとに評価した", ["事業", "評価"]),
    ("団体あたり上限10万円", ["団体", "上限"]),
    ("講座等の開催", ["講座", "開催"]),
    ("相次ぐ問い合わせ", ["相次ぐ", "問い合わせ"]),
    # polite and humble forms: お・ご is no part of a verb, いたす / ござる / いただく are grammatical
    ("ご意見をお聞きし、改善につなげた", ["ご意見", "聞く", "改善", "つなげる"]),
    ("市民の皆様にお集まりいただいた", ["市民", "皆様", "集まる"]),
    ("説明会を開催いたしました", ["説明会", "開催"]),
    ("説明会を開催いたしませんでした", ["説明会", "開催(否定)"]),
    ("担い手がございません", ["担い手(否定)"]),
    ("大変好評でございました", ["好評"]),
    ("ご協力いただいた", ["ご協力"]),
    ("ご協力いただけなかった", ["ご協力(否定)"]),
    ("寄付をいただいた", ["寄付", "いただく"]),  # after を, いただく is to receive
    # a verb's stem with 方 is a noun, a date word before a noun begins a compound, 間 is a formal noun
    ("支援のあり方を見直す", ["支援", "あり方", "見直す"]),
    ("やり方と見方と考え方と言い方", ["やり方", "見方", "考え方", "言い方"]),
    ("年度計画と年会費", ["年度計画", "年会費"]),
    ("年度末と前年度実績", ["実績"]),  # a date before a time, a relative year: dates
    ("自治会の間で", ["自治会"]),
    # 前 after a noun as 後 is, a one-character noun after a date, 引き続き an adverb (a fifth writer's sentences)
    ("コロナ禍前の水準に戻った", ["コロナ禍前", "水準", "戻る"]),
    ("前年度比で増加した", ["増加"]),
    ("引き続き協議を行う", ["協議", "行う"]),
    # names, loanwords, words the dictionary breaks, forced terms inside compounds
    ("プロボノの活用を進める", ["プロボノ", "活用", "進める"]),
    ("「つなぐネット」の会員が増えた", ["つなぐネット", "会員", "増える"]),
    ("「参加してよかった」との声", ["参加", "声"]),  # a quoted sentence is not a name; 〜てよい is auxiliary
    ("居場所づくりが進んだ", ["居場所づくり", "進む"]),
    ("市民活動支援センターの利用が伸びた", ["市民活動支援センター", "利用", "伸びる"]),
    # spelling variants of the field, by a fixed table
    ("こども食堂と子供食堂", ["子ども食堂", "子ども食堂"]),
    ("取組と取り組みと取組み", ["取り組み", "取り組み", "取り組み"]),
    ("担手とにない手と担い手", ["担い手", "担い手", "担い手"]),
    ("町づくりとまちづくり", ["まちづくり", "まちづくり"]),
    ("問合せと問い合わせ", ["問い合わせ", "問い合わせ"]),
    # 寄附 (the spelling of laws and official documents) was no 寄付, and an item of it got no funding code (a newcomer)
    ("市民からの寄附と寄付金", ["市民", "寄付", "寄付金"]),
])
def test_conventions(text, expected):
    assert terms_of(text) == expected


def test_a_counter_after_a_numeral_is_not_a_mention():
    _, (words,) = analysed("120団体と申請団体")
    assert words == ["申請団体", "申請", "団体"]


# Sentences of the gold set's register and the bundled table, for the property below.
POOL = [
    "補助金の使途に関して、申請団体から問い合わせが相次いだ。", "見守り活動の担い手がいない。",
    "言い難い状況が続いた。", "出来ることから始めた。", "活かす工夫と生かす仕組み。", "こどもの居場所づくり。",
    "子どもの居場所と取組。", "令和5年度は120団体が参加した。", "「つなぐネット」を立ち上げた。",
    "市民活動支援センターを拠点に、十分とは言えないが連携が進んだ。", "見直さなければならない。",
    "施設予約は窓口のみしかできなかった", "補助金交付終了後も安定的に事業を行っている",
]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, len(POOL) - 1), st.lists(st.sampled_from(POOL), max_size=5), st.integers(0, 5))
def test_an_items_terms_do_not_depend_on_the_other_items(k, others, at):
    """Terms are a function of the sentence alone: the same item gives the same terms alone and inside any table."""
    alone = terms_of(POOL[k])
    table = [*others[:at], POOL[k], *others[at:]]
    (terms, mentioned) = analysed(*table)
    assert terms[min(at, len(others))] == alone
    assert mentioned[min(at, len(others))] == analysed(POOL[k])[1][0]


def test_one_pass_gives_the_terms_and_mentions_of_the_two_verbs(corpus):
    """The pipeline's single pass (the rules run once per item) equals extract_terms then mentions, on the
    bundled table and on every gold sentence, held-out ones included."""
    from kyodo_analysis.terms import terms_and_mentions

    sentences = gold_sentences()
    items = pd.DataFrame({"item_id": [f"g{k}" for k in range(len(sentences))], "text": sentences})
    for token_frame in (corpus[1], tokenize(items)):
        term_frame, mention_frame = terms_and_mentions(token_frame)
        pd.testing.assert_frame_equal(term_frame, extract_terms(token_frame))
        pd.testing.assert_frame_equal(mention_frame, mentions(term_frame, token_frame))
        assert len(mention_frame) > len(term_frame) > 0


# ---------------------------------------------------------------- the gates of the readers, held to the plain chains

def gold_sentences() -> list[str]:
    """The sentences of every gold file (the gold set and the three held-out sets)."""
    from pathlib import Path

    gold = Path(__file__).parent / "gold"
    return [line.split("\t")[2] for name in ("terms_gold.tsv", "terms_heldout.tsv", "terms_heldout2.tsv",
                                                       "terms_heldout3.tsv")
            for line in (gold / name).read_text(encoding="utf-8").splitlines()[1:] if line.strip()]


def tokens_of(items: pd.DataFrame) -> list[Token]:
    """The tokens of ``items``, as the term rules read them."""
    from kyodo_analysis.spelling import spellings
    from kyodo_analysis.terms import item_tokens

    token_frame = tokenize(items)
    return [t for _, _, tokens in item_tokens(token_frame, spellings(token_frame)) for t in tokens]


def real_sequences() -> list[list[Token]]:
    """The tokens of each gold sentence, of POOL and of sentences with units of several tokens (forced terms,
    spelling variants, katakana broken by the dictionary, 十分 / 十 + 分), as the term rules read them."""
    from kyodo_analysis.spelling import spellings
    from kyodo_analysis.terms import item_tokens

    texts = [*gold_sentences(), *POOL, *UNIT_SENTENCES]
    token_frame = tokenize(pd.DataFrame({"item_id": [f"t{k}" for k in range(len(texts))], "text": texts}))
    return [tokens for _, _, tokens in item_tokens(token_frame, spellings(token_frame))]


UNIT_SENTENCES = ["担い手と担手、プロボノとボランテイア。補助金交付団体の居場所。", "十分とは言えない。十分対応した。",
                  "支援のあり方と見方。", "e-Taxと2-AとＣＯＶＩＤ－１９。"]
REAL_SEQUENCES = real_sequences()
# a run of a real sentence's tokens (start, length), its first token's whitespace flag turned as drawn
pieces_strategy = st.lists(st.tuples(st.integers(0, len(REAL_SEQUENCES) - 1), st.integers(0, 60),
                                     st.integers(1, 8), st.booleans()), max_size=6)


def spliced(pieces: list[tuple[int, int, int, bool]]) -> list[Token]:
    tokens = []
    for k, start, length, gap in pieces:
        run = REAL_SEQUENCES[k][start % len(REAL_SEQUENCES[k]):][:length]
        tokens += [run[0]._replace(gap=gap), *run[1:]]
    return tokens


def units_reference(tokens: list[Token], lists) -> tuple[list[Token], list[tuple[int, int]]]:
    """:func:`units.units` without its gate: every reader tried at every token."""
    from kyodo_analysis.units import (
        forced_unit,
        juubun_unit,
        katakana_unit,
        latin_unit,
        single_unit,
        variant_unit,
        way_unit,
    )

    out, spans, i = [], [], 0
    while i < len(tokens):
        unit, end = (forced_unit(tokens, i, lists) or variant_unit(tokens, i) or katakana_unit(tokens, i)
                     or latin_unit(tokens, i) or juubun_unit(tokens, i) or way_unit(tokens, i) or (single_unit(tokens[i]), i))
        out.append(unit)
        spans.append((i, end))
        i = end + 1
    return out, spans


def function_end_reference(tokens: list[Token], i: int) -> int | None:
    """:func:`terms.function_end` without its gate: the expression rule read at every token."""
    from kyodo_analysis.terms import expression_at

    return expression_at(tokens, i)


def assert_gates_equal_references(tokens: list[Token]) -> None:
    from kyodo_analysis.terms import function_end
    from kyodo_analysis.units import units

    lists = word_lists()
    assert units(tokens, lists) == units_reference(tokens, lists)
    assert [function_end(tokens, i) for i in range(len(tokens))] == [
        function_end_reference(tokens, i) for i in range(len(tokens))]


@settings(max_examples=300, deadline=None)
@given(pieces_strategy)
def test_the_gated_readers_equal_reading_every_token(pieces):
    """``units`` reads further only at a token a unit of several can begin with, and ``function_end`` only at
    a token an expression can begin with: the same units and ends as trying every reader at every token, on
    runs of real sentences spliced together."""
    assert_gates_equal_references(spliced(pieces))


def test_the_gated_readers_equal_reading_every_token_of_every_sentence():
    for tokens in REAL_SEQUENCES:
        assert_gates_equal_references(tokens)


def test_the_sentences_drawn_from_hold_every_kind_of_unit():
    """The tokens the gates are tested on hold what they must let through."""
    from kyodo_analysis.units import units

    read = [(u.word, u.pos1, span) for tokens in REAL_SEQUENCES[-4:]
            for u, span in zip(*units(tokens, word_lists()), strict=True) if span[1] > span[0] or u.word == "十分"]
    assert read == [("担い手", "名詞", (2, 3)), ("プロボノ", "名詞", (5, 6)), ("補助金", "名詞", (10, 11)),
                    ("居場所", "名詞", (15, 16)), ("十分", "形状詞", (0, 1)), ("十分", "形状詞", (7, 7)),
                    ("あり方", "名詞", (2, 3)), ("見方", "名詞", (5, 6)), ("e-Tax", "名詞", (0, 2)),
                    ("ＣＯＶＩＤ－１９", "名詞", (8, 10))]


def candidate_compounds_reference(term_frame: pd.DataFrame, lists, min_count: int = 2) -> pd.DataFrame:
    """:func:`curation.candidate_compounds` as first written: one group of rows per fused term, then every
    pair of rows in reading order."""
    from itertools import pairwise

    from kyodo_analysis.terms import FORCED, NOUN

    joined = term_frame[term_frame["pos"].isin([NOUN, FORCED]) & ~term_frame["negated"]
                        & (term_frame["last_token_no"] > term_frame["first_token_no"])]
    rows = [(term, "joined", len(group), group["item_id"].nunique()) for term, group in joined.groupby("term")]
    pairs: dict[str, list[str]] = {}
    in_order = list(zip(*(term_frame[c].tolist() for c in TERM_COLUMNS), strict=True))
    for prev, row in pairwise(in_order):
        if (prev[0] == row[0] and prev[5] + 1 == row[4] and not prev[3] and not row[3]
                and prev[2] != "動詞" and row[2] != "動詞"):
            pairs.setdefault(prev[1] + row[1], []).append(row[0])
    rows += [(candidate, "adjacent", len(ids), len(set(ids))) for candidate, ids in pairs.items()]
    report = pd.DataFrame(rows, columns=["candidate", "kind", "n", "n_items"])
    report = report[(report["n"] >= min_count) & ~report["candidate"].isin(set(lists.forced))]
    return report.sort_values(["n", "kind", "candidate"], ascending=[False, True, True], kind="stable").reset_index(drop=True)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["団体", "補助", "金", "市民", "進む(否定)"]),
                          st.sampled_from(["名詞", "強制抽出", "動詞", "未知語"]), st.booleans(), st.integers(0, 2),
                          st.integers(0, 1)), max_size=30))
def test_candidate_compounds_equal_their_first_definition(rows):
    """Adjacent terms found on whole columns give the report of reading every pair of rows."""
    from kyodo_analysis.curation import candidate_compounds

    table, at = [], {}
    for item, term, pos, negated, skip, width in sorted(rows, key=lambda r: r[0]):  # an item's terms in reading order
        first = at.get(item, 0) + 1 + skip
        table.append((f"i{item}", term, pos, negated, first, first + width))
        at[item] = first + width
    term_frame = pd.DataFrame(table, columns=TERM_COLUMNS).astype(
        {"item_id": "string", "term": "string", "pos": "string", "negated": bool,
         "first_token_no": "Int64", "last_token_no": "Int64"})
    lists = word_lists()
    pd.testing.assert_frame_equal(candidate_compounds(term_frame, lists.forced, 1),
                                  candidate_compounds_reference(term_frame, lists, 1))


def test_the_tokens_the_rules_read_equal_tokens_made_row_by_row():
    """:func:`item_tokens` makes each distinct token once and shares it; the tokens equal those made anew for
    every row (whitespace before a token, an empty reading read back as missing, each item's first token)."""
    from kyodo_analysis.spelling import spellings
    from kyodo_analysis.terms import item_tokens

    texts = [*gold_sentences(), *POOL, *UNIT_SENTENCES, "補助金 補助金\t補助金。 補助金", "補助金"]
    token_frame = tokenize(pd.DataFrame({"item_id": [f"t{k % 7}-{k}" for k in range(len(texts))], "text": texts}))
    token_frame.loc[token_frame["lemma_reading"] == "", "lemma_reading"] = pd.NA
    words = spellings(token_frame)
    expected, end, previous = [], 0, None
    for row, word in zip(token_frame.itertuples(index=False), words, strict=True):
        end = row.start if row.item_id != previous else end
        expected.append(Token(row.surface, word, row.lemma, row.pos1, row.pos2, bool(row.is_unknown), row.start > end,
                              row.pos3, reading=row.lemma_reading))
        previous, end = row.item_id, row.start + len(row.surface)
    read = list(item_tokens(token_frame, words))
    assert [t for _, _, tokens in read for t in tokens] == expected
    assert [item for item, _, _ in read] == list(dict.fromkeys(token_frame["item_id"]))
    assert sum(t.gap for t in expected) >= 3 and token_frame["lemma_reading"].isna().any()


@pytest.mark.parametrize("text,words", [
    ("新規参加者が少ない", ["新規", "参加", "参加者"]),  # an adjectival noun, a noun, and the noun with its suffix
    ("新規団体が増えた", ["新規", "団体"]),
    ("施設使用料を減免した", ["施設", "使用", "使用料"]),  # two nouns, and the word 使用料
    ("見守り体制を整えた", ["見守り", "体制"]),  # a verb stem is a word of the compound
    ("講座修了後の活動", ["講座", "修了"]),  # 後 (time) makes no word: no 修了後
    ("講座修了前の活動", ["講座", "修了"]),  # nor 前, a noun of time: no 修了前
    ("時間帯を変えた", ["時間"]),  # a noun with its suffix mentions the noun, as 参加者 mentions 参加
    ("高齢化が進んだ", ["高齢"]),
    ("各団体に配った", ["団体"]),  # a prefixed word mentions its noun
    ("未登録者に周知した", ["登録", "未登録", "登録者"]),
    # a noun of one character after a longer noun makes a word with it, as a suffix does
    ("自治会加入率が下がった", ["自治", "自治会", "加入", "加入率"]),
    ("社会福祉協議会と連携した", ["社会", "福祉", "協議", "協議会"]),
    ("市町村と協議した", []),  # not after a noun of one character: no 市町
    ("申請団体から問い合わせ", ["申請", "団体"]),
    # UniDic splits loanwords: katakana (or Latin joined by a hyphen) neighbours are one word, and each katakana
    # piece a word too (ボランティア of ボランティアセンター; so オン / ライン as well: README)
    ("オンライン予約を始めた", ["オンライン", "予約", "オン", "ライン"]),
    ("オンライン化が進んだ", ["オンライン", "オン", "ライン"]),
    ("ホームページを更新した", ["ホーム", "ページ"]),
    ("ボランティアセンターに登録した", ["ボランティア", "センター"]),
    ("高校生ボランティアが参加した", ["高校", "高校生", "ボランティア"]),
    ("Wi-Fiを整備した", []),  # Latin pieces joined by a hyphen are one word only
    ("公共Wi-Fi整備を進めた", ["公共", "Wi-Fi", "整備"]),
    # a piece of one character is no word of its own
    ("自治会の役員が集まった", ["自治"]),
    ("利用者数が増えた", ["利用", "利用者"]),
    ("行政側の負担が大きい", ["行政"]),
    # 同士, たち, 向け… belong to no word; 的 neither: the word before is mentioned
    ("参加者同士の交流が生まれた", ["参加", "参加者"]),
    ("子どもたちの居場所になった", ["子ども"]),
    ("若者向け講座を開いた", ["若者", "講座"]),
    ("継続的な支援が要る", ["継続"]),
    ("放課後の居場所になった", []),  # a forced term: one word, not 放課
])
def test_a_compound_mentions_its_words(text, words):
    """Each word of a compound of two or more words is mentioned (mentions.csv, word_counts.csv, coding rules)."""
    from kyodo_analysis.terms import terms_and_mentions

    term_frame, mention_frame = terms_and_mentions(tokenize(pd.DataFrame({"item_id": ["a"], "text": [text]})))
    compound = term_frame["term"].iloc[0]
    inside = mention_frame.loc[(mention_frame["term"] == compound) & (mention_frame["word"] != compound), "word"]
    assert sorted(inside) == sorted(words), (compound, list(inside))


@pytest.mark.parametrize("text,expected", [
    ("参加者を増やせない", ["参加者", "増やす(否定)"]),  # a godan verb's potential form is the verb (UniDic's lemma)
    ("会場を使えない", ["会場", "使う(否定)"]),
    ("誰もが集える場になった", ["集う", "場"]),
    ("遠くの地区へも行ける", ["遠く", "地区", "行く"]),
    ("参加者を集められない", ["参加者", "集める(否定)"]),  # an ichidan verb's potential: られる, the same verb
    ("成果が見える", ["成果", "見える"]),  # an ichidan verb of its own: unchanged
    ("意見を取り入れる", ["意見", "取り入れる"]),
])
def test_a_potential_form_is_counted_as_its_verb(text, expected):
    assert terms_of(text) == expected


def test_the_separating_suffixes_end_a_compound_whatever_the_stop_list(tmp_path):
    """A KH Coder user's own stop list (which replaces the packaged one) left out 等, 毎 and あたり, and 事業ごと,
    講座等 and 団体あたり became terms: the README's rule 4 lived in the list. It is a rule now."""
    from kyodo_analysis.terms import extract_terms

    (tmp_path / "stop.txt").write_text("する\nこと\n", encoding="utf-8")
    tokens = tokenize(pd.DataFrame({"item_id": ["a", "b"], "text": ["事業ごとに講座等を開いた", "団体あたりの補助が増えた"]}))
    for lists in (word_lists(), word_lists(stop=tmp_path / "stop.txt")):
        assert extract_terms(tokens, lists)["term"].tolist() == ["事業", "講座", "開く", "団体", "補助", "増える"]
