"""文書検索 (KH Coder's document search): the items a condition finds, the condition written as a coding rule's
(``団体 and (補助金 or 財源) and not 終了``), or the items of one code of the rules. The matching is the codes'
own (:func:`coding.code_items`: a word is found as a term or inside a compound, ``X(否定)`` asks for its negation),
so the items listed are those ``item_codes.csv`` would hold for such a code."""

from __future__ import annotations

import pandas as pd

from .coding import code_items, counted_rule
from .errors import InputError
from .rule_syntax import Rule, parse_rules
from .wordlists import WordLists

SOURCE = "検索の条件"


def condition_rule(condition: str, lists: WordLists) -> Rule:
    """The condition as a rule of one code, each word spelled as the items' words are counted (しくみ → 仕組み, as
    a rules file's: a newcomer's 「しくみ」 found nothing); a condition the rules would refuse is refused alike."""
    if not condition.strip():
        raise InputError(SOURCE, "条件が空です。", hint='例: kyodo-analysis search "団体 and (補助金 or 財源)"')
    try:
        rule = parse_rules(f"*{SOURCE}\n{condition}", source=SOURCE)[0]
    except InputError as error:  # the condition is one line of no file: said without the rules file's line number
        raise InputError(SOURCE, error.message, hint=error.hint) from None
    return counted_rule(rule, lists)


def code_rule(code: str, rules: list[Rule], source: str) -> Rule:
    """The rule of the code named ``code`` (--code), or an error naming the codes there are."""
    for rule in rules:
        if rule.code == code:
            return rule
    raise InputError(source, f"コード「{code}」はコーディングルールにありません。",
                     hint=f"コードは {'、'.join(r.code for r in rules)} です (*の後の名前で指定してください)。")


def found_items(rule: Rule, items: pd.DataFrame, term_frame: pd.DataFrame, mention_frame: pd.DataFrame,
                token_frame: pd.DataFrame) -> pd.DataFrame:
    """The items ``rule`` hits, in the table's order, with ``negated`` (every word that made it hit is denied)."""
    coded = code_items([rule], items, term_frame, mention_frame, token_frame)
    return items.merge(coded[["item_id", "negated"]], on="item_id", how="inner", validate="one_to_one")
