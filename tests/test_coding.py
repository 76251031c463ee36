"""KH Coder coding rules: parsing, unsupported syntax, and the codes they give on the bundled table."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyodo_analysis.code_tests import code_table
from kyodo_analysis.coding import code_items, parse_rules, read_rules, unused_rule_words, words_of_rules
from kyodo_analysis.errors import InputError
from kyodo_analysis.schema import zushi_comparison
from kyodo_analysis.terms import mentions

RULES = """
# 研究者が KH Coder から持ってきたルール
*資金
補助金 and not 団体

*否定 (限界)
進む(否定) or
つながる(否定)

*場 or 人
(施設 or 公民館) and not (Zen or 推進員)
"""


@pytest.fixture(scope="module")
def coded(corpus):
    items, token_frame, term_frame = corpus
    rules = parse_rules(RULES, "my_rules.txt")
    return rules, code_items(rules, items, term_frame, mentions(term_frame, token_frame))


def ids(item_codes, code: str) -> set[str]:
    return {i.removeprefix("kyodo_seika_zushi-") for i in item_codes.loc[item_codes["code"] == code, "item_id"]}


def test_rules_with_and_or_not_give_the_expected_items(coded):
    rules, item_codes = coded
    assert [r.code for r in rules] == ["資金", "否定 (限界)", "場 or 人"]
    # 補助金 occurs in five items; four also mention 団体 (as a term or inside 団体経営 / 申請団体).
    assert ids(item_codes, "資金") == {"03-next_step-01"}
    assert ids(item_codes, "否定 (限界)") == {"01-limitation-01", "05-limitation-02", "07-limitation-01"}
    # 施設 also matches inside the compounds 施設使用料 (02) and 施設予約 (07).
    assert ids(item_codes, "場 or 人") == {"02-effect-03", "07-effect-02", "07-effect-03", "07-limitation-01",
                                          "07-next_step-01", "08-effect-01", "08-next_step-01"}


@pytest.mark.parametrize("rule,line,phrase", [
    ("*近接\nnear(補助金-団体)\n", 2, "near"),
    ("*順序\nseq(補助金-団体)\n", 2, "seq"),
    ("*外部変数\n<>区分-->財政的支援\n", 2, "<>"),
    ("*品詞\n補助金-->名詞\n", 2, "-->"),
    ("*文字列\n'補助'\n", 2, "引用符"),
    ("*記号\n補助金 | 予算\n", 2, "and / or / not"),
    ("*全角の記号\n補助金 ＆ 予算\n", 2, "記号の演算子"),
    # a condition over several lines: the line of the extra word or the stray bracket, not the condition's first
    ("*複数行\n予算\nor 収入\n補助金\n", 4, "余分な語: 補助金"),
    ("*複数行\n(予算\nor 収入))\n", 3, "余分な語: )"),
    ("*括弧\n(補助金 or 予算\n", 2, "閉じ括弧"),
    ("*余分\n補助金 予算\n", 2, "余分な語"),
    ("*大文字\n補助金 OR 団体\n", 2, "「OR」は演算子として読みません。and / or / not は半角の小文字で"),
    ("*全角\n補助金 ＯＲ 団体\n", 2, "「ＯＲ」は演算子として読みません"),
    ("*否定\n補助金 and Not 団体\n", 2, "「Not」は演算子として読みません"),
    ("*全角括弧\n補助金 and （団体 or 活動）\n", 2, "「（団体」の全角の括弧は括弧として読みません。括弧は半角の ( ) で"),
    ("補助金\n", 1, "コード名"),
    ("*空\n# なし\n*次\n予算\n", 1, "条件がありません"),
    # KH Coder syntax that was read as a plain word (a KH Coder user porting a file): now refused with its line
    ("*参照\n<*財源> or 寄付\n", 2, "コードの参照 (<*コード名>)"),
    ("*連続\n予算\n申請+団体\n", 3, "語の連続 (+)"),
    ("*活用\n進む->未然形\n", 2, "活用形の指定"),
    ("*活用\n進む=>進ま\n", 2, "活用形の指定"),
    ("*長さ\nlw>=10\n", 2, "lw"),
    ("＊行政\n課\n", 1, "全角の ＊"),
    ("*課題#1 財源\n予算\n", 1, "コード名の行に # があります"),
])
def test_unsupported_or_malformed_rules_name_the_line(rule, line, phrase):
    with pytest.raises(InputError) as error:
        parse_rules(rule, "rules.txt")
    assert error.value.line == line
    assert phrase in error.value.format()
    assert error.value.format().startswith(f"rules.txt:{line}:")


def test_every_refused_line_of_a_ported_file_is_named_at_once():
    """A KH Coder user's file with three problems needed three runs, one error each: the first error names the others."""
    text = "*財源\n予算 | 収入\n*空\n*近接\nnear(補助金-団体)\n*正しい\n補助金\n"
    with pytest.raises(InputError) as error:
        parse_rules(text, "rules.txt")
    assert error.value.line == 2 and error.value.format().startswith("rules.txt:2: 未対応の KH Coder 構文: 記号の演算子")
    assert "(ほかに 2 か所: 3 行目: コード「空」に条件がありません。; 5 行目: 未対応の KH Coder 構文: near()" in error.value.message
    assert [r.code for r in parse_rules("*正しい\n補助金\n")] == ["正しい"]
    assert [r.code for r in parse_rules("*財源 # メモ\n予算\n")] == ["財源"]  # a comment after a code name, as after a condition


def test_default_rules_parse_and_say_they_are_a_starting_point():
    rules, file = read_rules()
    assert len(rules) >= 8 and file.source.endswith("codes.txt")
    assert "出発点" in file.text


PROGRAM_NAMES = ["市民活動支援補助金", "Zen", "協働事業提案制度", "市民協働コーディネーター", "コーディネーター",
                 "推進員", "市民協働推進会議", "市民交流センター", "コミュニティセンター", "公民館", "地域活動センター",
                 "補助金", "協働事業", "ポイント"]


def test_default_rules_name_no_program():
    from kyodo_analysis.coding import rule_words

    rules, _ = read_rules()
    words = {w for rule in rules for w in rule_words(rule.condition)}
    assert not words & set(PROGRAM_NAMES)


# Each default code, checked by hand against the 36 items: the items it hits. Misses a reader might
# expect, left to the researcher's own rules: 07-effect-01 (利用しやすい) is caught through 拠点 only;
# 「好評」 (07-effect-02) and インターネット (online booking) are not publicity.
DEFAULT_HITS = {
    "財源・費用": {"02-effect-03", "02-next_step-01", "03-limitation-01", "07-next_step-01", "08-next_step-01",
                "08-next_step-02"},
    "参加者・利用者": {"02-effect-01", "02-limitation-01", "07-effect-02", "07-effect-03", "07-limitation-01",
                     "07-next_step-01", "08-effect-01", "08-limitation-01"},
    "活動の継続": {"01-effect-01", "01-limitation-01", "01-next_step-01", "02-effect-01", "02-limitation-01",
                 "06-effect-02", "07-limitation-01", "07-next_step-01", "08-next_step-01", "08-next_step-02"},
    "団体の運営・規模": {"01-effect-01", "01-limitation-01", "01-next_step-01", "03-effect-01"},
    "連携・協力": {"03-effect-02", "04-effect-02", "04-limitation-02", "04-next_step-02", "05-effect-01",
                "05-next_step-01"},
    "行政内部": {"03-effect-01", "03-effect-02", "03-limitation-01", "04-effect-01", "04-limitation-01",
                "04-limitation-02", "04-next_step-01", "05-effect-01", "05-effect-02", "05-limitation-01",
                "05-limitation-02", "05-next_step-01"},
    "周知・関心": {"01-effect-01", "05-effect-02", "05-limitation-02", "05-next_step-01", "08-limitation-01"},
    "利用のしやすさ": {"06-effect-01", "07-effect-01", "07-effect-03", "07-limitation-01", "08-effect-01",
                     "08-limitation-01"},
    "否定の表現 (進む・つながる)": {"01-limitation-01", "05-limitation-02", "07-limitation-01"},
}


# The hits whose every triggering word stands in a negated phrase (item_codes.csv's negated column).
NEGATED_HITS = {
    ("団体の運営・規模", "01-limitation-01"),  # 「…ステップアップにつながらない場合がある」
    ("行政内部", "03-effect-02"),  # 「各部署が門前払いすることなく」: the clause's predicate is negated
    ("行政内部", "04-limitation-01"),  # 「決定権がない場面において」
    ("行政内部", "05-limitation-02"),  # 「課内の別の職員(特に上司)への啓発が進まない」
    ("周知・関心", "05-limitation-02"),
}


def test_default_rules_hit_the_items_read_by_hand(corpus):
    items, token_frame, term_frame = corpus
    rules, _ = read_rules()
    item_codes = code_items(rules, items, term_frame, mentions(term_frame, token_frame), token_frame)
    assert {r.code: ids(item_codes, r.code) for r in rules} == DEFAULT_HITS
    negated = item_codes[item_codes["negated"]]
    assert {(c, i.removeprefix("kyodo_seika_zushi-"))
            for c, i in zip(negated["code"], negated["item_id"], strict=True)} == NEGATED_HITS
    # 「否定の表現」 asks for the negation (進む(否定)): its hits are the code, not a denial of it.
    assert not item_codes.loc[item_codes["code"] == "否定の表現 (進む・つながる)", "negated"].any()


def test_a_codes_items_do_not_depend_on_the_other_rules_in_the_file(corpus):
    """Each code is found and marked negated only by its own words: alone, or beside every default rule
    (whose words make other terms and clauses of the same items be read), it covers the same items."""
    items, token_frame, term_frame = corpus
    mention_frame = mentions(term_frame, token_frame)
    rules, _ = read_rules()
    together = code_items(rules, items, term_frame, mention_frame, token_frame)
    for rule in rules:
        alone = code_items([rule], items, term_frame, mention_frame, token_frame)
        assert len(alone) and alone.equals(together[together["code"] == rule.code].reset_index(drop=True)), rule.code


def test_default_code_names_are_topics_not_verdicts():
    rules, _ = read_rules()
    assert [r.code for r in rules] == ["財源・費用", "参加者・利用者", "活動の継続", "団体の運営・規模", "連携・協力", "行政内部",
                                       "周知・関心", "利用のしやすさ", "否定の表現 (進む・つながる)"]


@pytest.mark.parametrize("text, code, negated", [
    ("ステップアップにつながらない", "成長", True),
    ("参加する店舗が増えていない", "参加", True),
    ("参加する店舗が増えた", "参加", False),
    ("事業を拡大したり、周知が進まない", "成長", False),  # the clause of 拡大 ends at 、
    ("事業を拡大したが周知が進まない", "成長", False),  # … and at the conjunctive が
    ("事業の拡大には至っていない", "成長", True),
    ("参加者が増え、ステップアップにつながらない", "参加", False),
    ("参加者が増えず、ステップアップにつながった", "成長", False),
])
def test_a_code_hit_inside_a_negated_phrase_is_marked(text, code, negated):
    import pandas as pd

    from kyodo_analysis.terms import extract_terms
    from kyodo_analysis.tokens import tokenize

    items = pd.DataFrame({"item_id": ["i1"], "text": [text]})
    token_frame = tokenize(items)
    term_frame = extract_terms(token_frame)
    rules = parse_rules("*成長\n拡大 or ステップアップ\n*参加\n参加 or 参加者\n", "rules.txt")
    found = code_items(rules, items, term_frame, mentions(term_frame, token_frame), token_frame).set_index("code")
    assert bool(found.loc[code, "negated"]) is negated


def test_rule_words_that_never_occur_are_reported_once():
    rules = parse_rules("*資金\n補助金 or 補助全\n*否定\n進む(否定) or 進めない\n", "rules.txt")
    assert unused_rule_words(rules, {"補助金", "進む(否定)"}, "rules.txt") == [
        "コーディングルールの 4 語のうち 2 語はどの項目にも出てきません (「資金」の 補助全、「否定」の 進めない)。"
        "綴りを確かめてください。"]
    assert unused_rule_words(rules, {"補助金", "補助全", "進む(否定)", "進めない"}) == []
    # a word the researcher's stop list holds is no typo: said as stop-listed (a KH Coder user was told to check spelling)
    assert unused_rule_words(rules, {"補助金", "進む(否定)", "進めない"}, "rules.txt", stop=frozenset({"補助全"})) == [
        "コーディングルールの語 「資金」の 補助全 は使用しない語のリストにあるので、どの項目にも当たりません。"
        "そのリストから外すか、ルールから除いてください。"]


def test_the_default_rules_on_another_citys_table_warn_once_with_the_count(corpus):
    rules, file = read_rules()
    total = len({(r.code, w) for r in rules for w in rule_words_of(r)})
    warnings = unused_rule_words(rules, {"予算", "参加"}, file.source)
    assert len(warnings) == 1
    assert warnings[0].startswith(f"コーディングルールの {total} 語のうち {total - 2} 語はどの項目にも出てきません (")
    assert f"ほか {total - 2 - 10} 語)" in warnings[0] and "同梱のルールは逗子市の表を読んで書いた出発点です" in warnings[0]


def rule_words_of(rule) -> list[str]:
    from kyodo_analysis.coding import rule_words

    return rule_words(rule.condition)


@pytest.mark.parametrize("encoding", ["cp932", "utf-16", "utf-8-sig"])
def test_rule_files_saved_by_windows_tools_are_read(tmp_path, encoding):
    path = tmp_path / "rules.txt"
    path.write_text("*資金\r\n補助金 or 予算\r\n", encoding=encoding)
    rules, file = read_rules(path)
    assert [r.code for r in rules] == ["資金"] and file.source == str(path)


def test_unreadable_rule_files_name_the_file(tmp_path):
    with pytest.raises(InputError, match="見つかりません"):
        read_rules(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="フォルダ"):
        read_rules(tmp_path)
    binary = tmp_path / "rules.bin"
    binary.write_bytes(b"\x00\xff\xfe\x81\x00")
    with pytest.raises(InputError) as error:
        read_rules(binary)
    assert str(binary) in error.value.format()


def test_code_table_tests_at_the_program_level(bundled, coded):
    rules, item_codes = coded
    table = code_table(item_codes, bundled.items, [r.code for r in rules], comparison=zushi_comparison())
    row = table[(table["code"] == "資金") & (table["aspect"] == "all") & (table["support_type"] == "財政的支援")].iloc[0]
    assert (row["n_items"], row["n_total"], row["n_programs"], row["programs_total"]) == (1, 14, 1, 3)
    assert row["share"] == pytest.approx(1 / 14, abs=1e-6)
    place = table[(table["code"] == "場 or 人") & (table["aspect"] == "all")].set_index("support_type")
    assert place["n_items"].to_dict() == {"財政的支援": 1, "人的支援": 0, "場の提供": 6}
    assert place["n_programs"].to_dict() == {"財政的支援": 1, "人的支援": 0, "場の提供": 2}  # NO 7 and 8, not 6
    # Described with programs and their exact interval: 2 of 3 programs → 0.094–0.992; 0 of 2 → 0–0.842.
    assert place[["ci_low", "ci_high"]].round(3).to_numpy().tolist() == [[0.008, 0.906], [0.0, 0.842], [0.094, 0.992]]
    # 8 programs (3 / 2 / 3): at best 20/560 per test (3 / 2 / 2 and 6/210 where program 6 has no items);
    # 3 codes × 4 aspects, less the cells no or every program has, leave m tests whose best Holm-adjusted p is
    # m × 6/210 — no test can reach 0.05, so none is run.
    assert set(table.loc[table["aspect"].isin(["all", "effect"]), "min_p"].dropna().round(9)) == {round(20 / 560, 9)}
    assert set(table.loc[table["aspect"].isin(["limitation", "next_step"]), "min_p"].dropna().round(9)) == {round(6 / 210, 9)}
    m = table.dropna(subset=["min_p"]).drop_duplicates(["code", "aspect"]).shape[0]
    assert table["min_p_holm"].unique().tolist() == [pytest.approx(min(1, m * 6 / 210))]
    assert set(table["test"]) == {"none"} and table[["p_value", "p_holm", "n_labellings"]].isna().all().all()
    assert (table["correction"] == "").all()
    assert set(table["aspect"]) == {"all", "effect", "limitation", "next_step"}


def test_tests_run_where_they_can_speak_with_holm_on_unrounded_p():
    """12 programs, 6 / 6: the code is in every program of A and in none of B. At best 2/924 per test; two
    tests (all, effect) → 4/924 < 0.05, so both are run, over 924 labellings, counting programs (A's
    programs have three items, one coded: the program table is 6/0 against 0/6, χ² = 12)."""
    import pandas as pd

    rows = [(f"t-{no:02d}-effect-{k:02d}", "A" if no <= 6 else "B", no, "effect")
            for no in range(1, 13) for k in range(1, (4 if no <= 6 else 2))]
    items = pd.DataFrame(rows, columns=["item_id", "support_type", "program_no", "aspect"]).assign(
        source_file="t.tsv", year=pd.array([2024] * len(rows), dtype="Int64"))
    item_codes = pd.DataFrame({"item_id": [f"t-{no:02d}-effect-01" for no in range(1, 7)], "code": "X"})
    table = code_table(item_codes, items, ["X"], comparison=zushi_comparison())
    assert set(table["aspect"]) == {"all", "effect"}
    assert table["chi2"].tolist() == [pytest.approx(12.0)] * 4
    assert table["n_labellings"].tolist() == [924] * 4 and set(table["test"]) == {"事業単位の正確並べ替え検定"}
    assert table["p_value"].tolist() == [pytest.approx(2 / 924, abs=1e-15)] * 4
    assert table["p_holm"].tolist() == [pytest.approx(4 / 924, abs=1e-15)] * 4  # 2 × (2/924), from the raw p
    assert table["min_p_holm"].tolist() == [pytest.approx(4 / 924, abs=1e-15)] * 4
    assert set(table["correction"]) == {"Holm (2 検定)"}
    a = table[(table["aspect"] == "all") & (table["support_type"] == "A")].iloc[0]
    assert (a["n_items"], a["n_total"], a["n_programs"], a["programs_total"]) == (6, 18, 6, 6)
    assert (a["ci_low"], a["ci_high"]) == pytest.approx((0.025 ** (1 / 6), 1.0))  # 6 of 6: 0.541–1


def test_a_table_with_one_group_is_described_and_never_tested(bundled, coded):
    rules, item_codes = coded
    items = bundled.items.assign(support_type="区分なし")
    table = code_table(item_codes, items, [r.code for r in rules], comparison=zushi_comparison())
    assert set(table["test"]) == {"none"} and table["min_p_holm"].isna().all() and table["min_p"].isna().all()
    row = table[(table["code"] == "場 or 人") & (table["aspect"] == "all")].iloc[0]
    assert (row["n_programs"], row["programs_total"]) == (3, 8)


CONDITION_WORDS = ["団体", "補助", "進む(否定)", "場"]
conditions = st.recursive(
    st.sampled_from(CONDITION_WORDS).map(lambda w: ("word", w)),
    lambda children: st.one_of(children.map(lambda c: ("not", c)),
                               st.tuples(st.sampled_from(["and", "or"]), st.lists(children, min_size=2, max_size=3)).map(
                                   lambda t: (t[0], *t[1]))),
    max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(conditions, st.lists(st.frozensets(st.sampled_from([*CONDITION_WORDS, "他"])), max_size=12))
def test_a_condition_read_on_every_item_at_once_is_its_definition_item_by_item(condition, item_words):
    """``matching`` (boolean vectors over the items) gives, for every item, what ``satisfies`` gives for it alone."""
    from kyodo_analysis.coding import matching, satisfies, word_vectors

    item_ids = [f"i{k}" for k in range(len(item_words))]
    words = dict(zip(item_ids, item_words, strict=True))
    found = matching(condition, word_vectors(words, item_ids), np.zeros(len(item_ids), dtype=bool))
    assert found.tolist() == [satisfies(condition, w) for w in item_words]


def test_a_code_named_twice_is_an_error_naming_both_lines():
    """Two rules under one code name crashed the code table (a traceback); it is a rules-file error."""
    with pytest.raises(InputError) as raised:
        parse_rules("*財源\n予算\n*連携\n協力\n* 財源\n寄付\n", source="dup.txt")
    assert raised.value.line == 5 and "コード「財源」は 1 行目にもあります" in str(raised.value)
    assert "or でつなげます" in raised.value.hint


def test_a_rule_word_is_counted_in_the_spelling_the_items_words_are(tmp_path):
    """A rule names a word, not one of its spellings: しくみ matches the item that writes 仕組み and the one that
    writes しくみ (the variant table counts both as 仕組み), and a synonym matches its head word's items —
    before, a rule word in a variant spelling matched nothing and was reported as absent."""
    import pandas as pd

    from kyodo_analysis.terms import terms_and_mentions
    from kyodo_analysis.tokens import tokenize
    from kyodo_analysis.wordlists import word_lists

    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("施設 = 会館\n", encoding="utf-8")
    codes = tmp_path / "codes.txt"
    codes.write_text("*仕組み\nしくみ\n*会館\n会館\n*否定\nしくみ(否定)\n", encoding="utf-8")
    lists = word_lists(synonyms=synonyms)
    items = pd.DataFrame({"item_id": ["a", "b", "c", "d"],
                          "text": ["委託のしくみを検討した", "新しい仕組みを作った", "会館の利用が増えた", "施設を改修した"]})
    term_frame, mention_frame = terms_and_mentions(tokenize(items), lists)
    rules, _ = read_rules(codes, lists)
    found = code_items(rules, items, term_frame, mention_frame).groupby("code")["item_id"].agg(list).to_dict()
    assert found == {"仕組み": ["a", "b"], "会館": ["c", "d"]}
    assert [w for r in rules for w in (r.condition[1],)] == ["仕組み", "施設", "仕組み(否定)"]


def test_not_binds_before_and_and_before_or_as_the_readme_says():
    from kyodo_analysis.coding import parse_rules

    first, second = parse_rules("*x\n補助金 or 予算 and 団体\n*y\nnot 予算 and 団体", "r.txt")
    assert first.condition == ("or", ("word", "補助金"), ("and", ("word", "予算"), ("word", "団体")))
    assert second.condition == ("and", ("not", ("word", "予算")), ("word", "団体"))


def test_a_code_matches_the_word_it_is_named_for():
    """「団体と行政の連携が進んだ」 got no code while a code is named 連携・協力 (its rule listed 協力 and 協議 but not
    連携; a statistician's audit): each code's rule names the words of its own name."""
    from kyodo_analysis.analysis import clean_all
    from kyodo_analysis.terms import terms_and_mentions
    from kyodo_analysis.tokens import tokenize

    from .conftest import FIXTURES

    cities = FIXTURES / "other_cities"
    items = clean_all([cities / "kasou_b_seika_2024.tsv"], schema_path=cities / "schema_b.toml")[0].items
    token_frame = tokenize(items)
    term_frame, mention_frame = terms_and_mentions(token_frame)
    rules, _ = read_rules()
    item_codes = code_items(rules, items, term_frame, mention_frame, token_frame)
    linked = items.loc[items["text"].str.contains("連携が進んだ"), "item_id"]
    assert len(linked) == 1 and "連携・協力" in set(item_codes.loc[item_codes["item_id"] == linked.iloc[0], "code"])
    named = {"連携・協力": {"連携", "協力"}, "参加者・利用者": {"参加者", "利用者"}, "周知・関心": {"周知"}}
    words = {code: {w for c, w in words_of_rules(rules) if c == code} for code in named}
    assert all(named[code] <= words[code] for code in named), words
