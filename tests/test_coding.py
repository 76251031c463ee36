"""KH Coder coding rules: parsing, unsupported syntax, and the codes they give on the bundled table."""

from __future__ import annotations

import pytest

from kyodo_analysis.coding import code_items, code_table, parse_rules, read_rules
from kyodo_analysis.errors import InputError
from kyodo_analysis.tokens import terms, tokens

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
def coded(bundled):
    token_frame = tokens(bundled.items)
    term_frame = terms(token_frame)
    rules = parse_rules(RULES, "my_rules.txt")
    return rules, code_items(rules, bundled.items, term_frame, token_frame)


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
    ("*括弧\n(補助金 or 予算\n", 2, "閉じ括弧"),
    ("*余分\n補助金 予算\n", 2, "余分な語"),
    ("補助金\n", 1, "コード名"),
    ("*空\n# なし\n*次\n予算\n", 1, "条件がありません"),
])
def test_unsupported_or_malformed_rules_name_the_line(rule, line, phrase):
    with pytest.raises(InputError) as error:
        parse_rules(rule, "rules.txt")
    assert error.value.line == line
    assert phrase in error.value.format()
    assert error.value.format().startswith(f"rules.txt:{line}:")


def test_default_rules_parse_and_say_they_are_a_starting_point():
    rules, source = read_rules()
    assert len(rules) >= 8 and source.endswith("codes.txt")
    from importlib import resources
    text = resources.files("kyodo_analysis.resources").joinpath("codes.txt").read_text(encoding="utf-8")
    assert "出発点" in text


def test_code_table(bundled, coded):
    rules, item_codes = coded
    table = code_table(item_codes, bundled.items, rules, n_resamples=999)
    assert {"code", "support_type", "aspect", "n_items", "share", "adjusted_residual", "p_value", "test"} <= set(table.columns)
    row = table[(table["code"] == "資金") & (table["aspect"] == "all") & (table["support_type"] == "財政的支援")].iloc[0]
    assert (row["n_items"], row["n_total"]) == (1, 14)
    assert row["share"] == pytest.approx(1 / 14, abs=1e-6)
    place = table[(table["code"] == "場 or 人") & (table["aspect"] == "all")].set_index("support_type")
    assert place["n_items"].to_dict() == {"財政的支援": 1, "人的支援": 0, "場の提供": 6}
    assert place.loc["場の提供", "adjusted_residual"] > 2
    assert "並べ替え検定" in table["test"].iloc[0]
    assert set(table["aspect"]) == {"all", "effect", "limitation", "next_step"}
