"""Coding rules in KH Coder's format and the items each code covers (the tests by program are
:mod:`code_tests`; reading a rules file, and what of KH Coder's syntax it refuses, is :mod:`rule_syntax`).

A rule's words are matched as the items' words are counted (the variant table's and the synonym list's
spelling); a word matches a term or a word inside a compound an item mentions.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from itertools import chain
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from .code_scope import negated_scope, word_scopes
from .dtypes import TEXT, frame_of
from .rule_syntax import Rule, parse_rules
from .spelling import counted_spelling
from .wordlists import NEGATED, TextFile, WordLists, is_packaged, read_text_file

K = TypeVar("K", bound=Hashable)


def read_rules(path: str | Path | None = None, lists: WordLists | None = None) -> tuple[list[Rule], TextFile]:
    """The rules of a file, or the packaged default (a starting point to edit), and the file they came from;
    with ``lists``, each word spelled as the items' words are counted (:func:`counted_condition`)."""
    file = read_text_file(path, "codes.txt", "コーディングルールのファイル", "--codes")
    rules = parse_rules(file.text, file.source)
    return ([counted_rule(r, lists) for r in rules] if lists else rules), file


def counted_rule(rule: Rule, lists: WordLists) -> Rule:
    """The rule with each word spelled as the items' words are counted (:func:`counted_condition`)."""
    return Rule(rule.code, counted_condition(rule.condition, lists), rule.line, rule.text)


def counted_condition(node: tuple, lists: WordLists) -> tuple:
    """A condition with each word spelled as the items' words are counted — the variant table's spelling,
    then the synonym list's head word (:func:`spelling.counted_spelling`: しくみ → 仕組み, 会館 → 施設 when the
    synonyms say so): a rule names the word, not one of its spellings, as keywords.csv and kwic do."""
    if node[0] == "word":
        return ("word", counted_spelling(node[1], lists))
    return (node[0], *(counted_condition(child, lists) for child in node[1:]))


def rule_words(node: tuple) -> list[str]:
    """The words a condition names, in order."""
    if node[0] == "word":
        return [node[1]]
    return [word for child in node[1:] for word in rule_words(child)]


UNUSED_SHOWN = 10  # rule words a warning lists before 「ほか N 語」


def words_of_rules(rules: list[Rule]) -> list[tuple[str, str]]:
    """(code, word) of every word the rules name, each once per rule, in the rules' order."""
    return [(rule.code, word) for rule in rules for word in dict.fromkeys(rule_words(rule.condition))]


def absent_rule_words(rules: list[Rule], vocabulary: set[str]) -> list[tuple[str, str]]:
    """(code, word) of the rule words that occur nowhere in the tables' terms and words."""
    return [(code, word) for code, word in words_of_rules(rules) if word not in vocabulary]


def absent_everywhere(per_file: Iterable[Iterable[Sequence[str]]]) -> set[tuple[str, ...]]:
    """The (code, word) pairs absent from every file's items, given each file's absent pairs (as
    ``metadata.json`` keeps them): what is absent from the tables together, or from a part of them."""
    found = [{tuple(pair) for pair in pairs} for pairs in per_file]
    return set.intersection(*found) if found else set()


def unused_rule_words(rules: list[Rule], vocabulary: set[str], source: str = "", where: str = "",
                      stop: frozenset[str] = frozenset()) -> list[str]:
    """One warning for the rule words that occur nowhere in the tables (a typo or a changed term gives zero
    silently), naming how many and the first few; nothing when every word occurs. A word of the stop list
    (``stop``) is said as such: it is never counted, whatever its spelling. ``where`` names the tables when it
    is one city's (みなと町の表では、)."""
    words = words_of_rules(rules)
    absent = absent_rule_words(rules, vocabulary)
    stopped = [f"「{code}」の {word}" for code, word in absent if word in stop]
    unused = [f"「{code}」の {word}" for code, word in absent if word not in stop]
    said = [f"{where}コーディングルールの語 {shown_words(stopped)} は使用しない語のリストにあるので、どの項目にも当たりません。"
            "そのリストから外すか、ルールから除いてください。"] if stopped else []
    if not unused:
        return said
    if is_packaged(source):
        advice = ("同梱のルールは逗子市の表を読んで書いた出発点です。この表の語で書いたルールを --codes か "
                  "kyodo-analysis.toml の codes で指定してください")
    else:
        advice = "綴りを確かめてください"
    return [f"{where}コーディングルールの {len(words)} 語のうち {len(unused)} 語はどの項目にも出てきません "
            f"({shown_words(unused)})。{advice}。", *said]


def shown_words(words: list[str]) -> str:
    """The first words of a list, and how many more: 「資金」の 補助全、… ほか 3 語."""
    return "、".join(words[:UNUSED_SHOWN]) + (f" ほか {len(words) - UNUSED_SHOWN} 語" if len(words) > UNUSED_SHOWN else "")


def positive_words(node: tuple, positive: bool = True) -> list[str]:
    """The words of a condition that make it true by occurring (not those under an odd number of nots)."""
    if node[0] == "word":
        return [node[1]] if positive else []
    if node[0] == "not":
        return positive_words(node[1], not positive)
    return [word for child in node[1:] for word in positive_words(child, positive)]


def satisfies(node: tuple, words: frozenset[str]) -> bool:
    """Whether an item whose words are ``words`` satisfies the condition ``node``: the definition, one item
    at a time (:func:`matching` reads every item at once; a property test holds the two equal)."""
    kind = node[0]
    if kind == "word":
        return node[1] in words
    if kind == "not":
        return not satisfies(node[1], words)
    if kind == "and":
        return all(satisfies(child, words) for child in node[1:])
    return any(satisfies(child, words) for child in node[1:])


def matching(node: tuple, has: dict[str, np.ndarray], none: np.ndarray) -> np.ndarray:
    """Per item, whether it satisfies ``node`` (:func:`satisfies`), every item at once: each word is a boolean
    vector over the items (``has``; ``none`` for a word no item has), and and / or / not act on the vectors."""
    kind = node[0]
    if kind == "word":
        return has.get(node[1], none)
    if kind == "not":
        return ~matching(node[1], has, none)
    parts = [matching(child, has, none) for child in node[1:]]
    return np.logical_and.reduce(parts) if kind == "and" else np.logical_or.reduce(parts)


def word_vectors(words: dict[str, frozenset[str]], item_ids: list[str]) -> dict[str, np.ndarray]:
    """Each word's boolean vector over the items (``item_ids``' order): which items have it (``words``)."""
    vectors: dict[str, np.ndarray] = {}
    for k, item_id in enumerate(item_ids):
        for word in words.get(item_id, ()):
            vectors.setdefault(word, np.zeros(len(item_ids), dtype=bool))[k] = True
    return vectors


def item_words(term_frame: pd.DataFrame, mention_frame: pd.DataFrame,
               only: set[str] | None = None) -> dict[str, frozenset[str]]:
    """What a rule's word can match in each item: its terms (進む(否定) included) and every word it
    mentions, alone or inside a compound (mentions.csv); only the words of ``only`` when it is given (the
    rules' words: nothing else is asked)."""
    if only is not None:
        term_frame, mention_frame = naming_rows(term_frame, mention_frame, only)
    words = grouped(chain(zip(term_frame["item_id"].tolist(), term_frame["term"].tolist(), strict=True),
                          zip(mention_frame["item_id"].tolist(), mention_frame["word"].tolist(), strict=True)))
    return {k: frozenset(v) for k, v in words.items()}


def naming_rows(term_frame: pd.DataFrame, mention_frame: pd.DataFrame,
                words: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The term occurrences that are one of ``words``, and the mentions of one of them."""
    return term_frame[term_frame["term"].isin(words)], mention_frame[mention_frame["word"].isin(words)]


def grouped(pairs: Iterable[tuple[K, str]]) -> dict[K, set[str]]:
    """The values of each key, as a set."""
    out: dict[K, set[str]] = {}
    for key, value in pairs:
        out.setdefault(key, set()).add(value)
    return out


ITEM_CODE_COLUMNS = ["item_id", "code", "negated"]


def code_items(rules: list[Rule], items: pd.DataFrame, term_frame: pd.DataFrame, mention_frame: pd.DataFrame,
               token_frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """``item_codes.csv``: one row per (item, code) where the item satisfies the code's condition.

    ``negated`` is true when every occurrence, in that item, of every rule word that made it hit stands in
    a negated phrase (:func:`negated_scope`; 「ステップアップにつながらない」, 「参加する店舗が増えていない」):
    the item names the code's topic only to deny it. A rule word written in its negated form
    (進む(否定)) asks for the negation: its hits are not marked."""
    named = {word for rule in rules for word in rule_words(rule.condition)}
    words = item_words(term_frame, mention_frame, named)
    naming = mention_frame["word"].isin(named)  # the terms asked about: those a rule names, or naming its word
    asked = term_frame["term"].isin(named | set(mention_frame.loc[naming, "term"])).to_numpy()
    scope = np.asarray(negated_scope(term_frame, token_frame, asked.tolist()), dtype=bool)[asked].tolist()
    scopes = word_scopes(term_frame[asked], mention_frame[naming], scope)
    triggers = {rule.code: list(dict.fromkeys(positive_words(rule.condition))) for rule in rules}
    item_ids = items["item_id"].tolist()
    has, none = word_vectors(words, item_ids), np.zeros(len(item_ids), dtype=bool)
    coded = (np.column_stack([matching(rule.condition, has, none) for rule in rules]) if rules
             else np.zeros((len(item_ids), 0), dtype=bool))  # items × rules
    rows = []
    for k, r in zip(*np.nonzero(coded), strict=True):  # item by item, each item's codes in the rules' order
        item_id, code = item_ids[k], rules[r].code
        hit = [w for w in triggers[code] if w in words.get(item_id, frozenset())]
        denied = bool(hit) and not any(w.endswith(NEGATED) for w in hit) and all(
            all(scopes.get((item_id, w), [False])) for w in hit)
        rows.append((item_id, code, denied))
    return frame_of(rows, ITEM_CODE_COLUMNS, {"item_id": TEXT, "code": TEXT, "negated": bool})


__all__ = ["Rule", "code_items", "parse_rules", "read_rules", "unused_rule_words"]
