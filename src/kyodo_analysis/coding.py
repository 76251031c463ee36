"""Coding rules in KH Coder's format and the items each code covers (the tests by program are
:mod:`code_tests`).

A rule file has ``*コード名`` lines, each followed by a condition over terms with ``and``, ``or``,
``not`` and parentheses (over one or more lines); ``#`` starts a comment. KH Coder syntax this
module does not support (``near()``, ``seq()``, ``<>`` variable conditions, ``-->`` POS filters,
quoted strings, ``&``/``|``/``!``) is an error that names the line, never a silent miss.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from .code_scope import negated_scope, word_scopes
from .dtypes import TEXT, frame_of
from .errors import InputError, control_character, printable
from .spelling import counted_spelling
from .wordlists import NEGATED, TextFile, WordLists, is_packaged, read_text_file

K = TypeVar("K", bound=Hashable)
MAX_DEPTH = 50  # nested parentheses or nots in one condition
OPERATORS = ("and", "or", "not")
_TOKEN = re.compile(r"\s*(?:(?P<paren>[()])|(?P<word>[^\s()]+(?:\(否定\))?))")
_UNSUPPORTED = [
    (re.compile(r"\b(near|seq)\s*\("), "near() / seq() (語の近接・順序) には対応していません"),
    (re.compile(r"<>"), "<>外部変数 の条件には対応していません (グループごとの集計は codes.csv にあります)"),
    (re.compile(r"-->"), "品詞の指定 (-->) には対応していません"),
    (re.compile(r"['\"]"), "引用符による文字列検索には対応していません"),
    (re.compile(r"[&|!＆｜！]"), "記号の演算子 (& | !) には対応していません。and / or / not を使ってください"),
    (re.compile(r"(?<![\w)])\d+(\.\d+)?\s*(<|>|=)"), "出現回数の比較条件には対応していません"),
    (re.compile(r"<\s*\*"), "コードの参照 (<*コード名>) には対応していません。そのコードの条件を括弧に入れて書いてください"),
    (re.compile(r"[-=]>"), "活用形の指定 (->, =>) には対応していません。語は基本形で書くと、どの活用形にも当たります"),
    (re.compile(r"\+"), "語の連続 (+) には対応していません。複合語は1語として書けます (申請団体)"),
    (re.compile(r"[<>=*]"), "比較や記号 (< > = *) を含む条件には対応していません (文書の長さ lw などの条件も同じです)"),
]


@dataclass(frozen=True)
class Rule:
    code: str
    condition: tuple  # a small AST: ("word", w) | ("not", x) | ("and", a, b, …) | ("or", a, b, …)
    line: int
    text: str


class _Parser:
    def __init__(self, path: str, text: str, line: int) -> None:
        self.path, self.line = path, line
        self.tokens: list[str] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if not match or match.end() == pos:
                if text[pos:].strip():
                    self.fail(f"解釈できない文字: {text[pos:].strip()[:20]}")
                break
            self.tokens.append(match.group("paren") or match.group("word"))
            pos = match.end()
        self.i = 0
        self.depth = 0

    def fail(self, message: str):
        raise InputError(self.path, f"コーディングルールを解釈できません: {message}", line=self.line,
                         hint="条件は 語 と and / or / not と括弧で書いてください (KH Coder 形式)。")

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            self.fail("条件が途中で終わっています")
        self.i += 1
        return token

    def parse(self) -> tuple:
        if not self.tokens:
            self.fail("条件が空です")
        node = self.or_expr()
        if self.peek() is not None:
            self.not_an_operator(self.peek())
            self.fail(f"余分な語: {self.peek()} (and / or が抜けていませんか)")
        return node

    def not_an_operator(self, token: str) -> None:
        """Fail on an operator written in capitals or full width (OR, ＯＲ, Not): read as a word, it would make
        the condition name a word no item has, or an extra word."""
        if token not in OPERATORS and unicodedata.normalize("NFKC", token).lower() in OPERATORS:
            self.fail(f"「{token}」は演算子として読みません。and / or / not は半角の小文字で書いてください")

    def or_expr(self) -> tuple:
        return self.binary("or", self.and_expr)

    def and_expr(self) -> tuple:
        return self.binary("and", self.unary)

    def binary(self, operator: str, operand) -> tuple:
        """operand (operator operand)*, as one node with all operands; ``and`` binds tighter than ``or``."""
        operands = [operand()]
        while self.peek() == operator:
            self.take()
            operands.append(operand())
        return operands[0] if len(operands) == 1 else (operator, *operands)

    def unary(self) -> tuple:
        token = self.take()
        if token == "not":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                self.fail(f"not の重なりが深すぎます ({MAX_DEPTH} 段まで)")
            node = ("not", self.unary())
            self.depth -= 1
            return node
        if token == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                self.fail(f"括弧の入れ子が深すぎます ({MAX_DEPTH} 段まで)")
            node = self.or_expr()
            self.depth -= 1
            if self.peek() != ")":
                self.fail("閉じ括弧がありません")
            self.take()
            return node
        if token in (")", "and", "or"):
            self.fail(f"ここに {token} は置けません")
        self.not_an_operator(token)
        if "（" in token or "）" in token:  # read as part of a word, it would name a word no item has
            self.fail(f"「{token}」の全角の括弧は括弧として読みません。括弧は半角の ( ) で書いてください")
        return ("word", token)


def parse_rules(text: str, source: str = "<rules>") -> list[Rule]:
    """Parse KH Coder coding rules; an unsupported or malformed condition raises InputError with its line, and
    every other such line of the file is named with it (a ported file is mended in one pass, not one run a line)."""
    rules: list[Rule] = []
    errors: list[InputError] = []
    code, code_line, body = None, 0, []  # code "" after a refused line of it (its name, a condition): block skipped

    def flush() -> None:
        try:
            rules.extend([_rule(source, code, code_line, body)] if code else [])
        except InputError as error:
            errors.append(error)

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            if line.startswith(("*", "＊")):
                flush()
                code, code_line, body = "", number, []
                code = _code_name(source, line, raw, number, rules)
            elif code is None:
                raise InputError(source, "最初のコード名 (*コード名) より前に条件があります。", line=number,
                                 hint="条件の前に *コード名 の行を置いてください。")
            else:
                _check_condition(source, line, number)
                body.append((number, line))
        except InputError as error:
            errors.append(error)
            code = code and ""  # a refused line's code is not said to lack conditions too
    flush()
    if errors:
        raise _all_of(errors)
    if not rules:
        raise InputError(source, "コードが1つもありません。", hint="*コード名 の行と条件の行を書いてください。")
    return rules


def _rule(source: str, code: str, code_line: int, body: list[tuple[int, str]]) -> Rule:
    """One code's rule from its condition lines."""
    if not body:
        raise InputError(source, f"コード「{code}」に条件がありません。", line=code_line,
                         hint="*コード名 の次の行に条件を書いてください。")
    joined = " ".join(t for _, t in body)
    return Rule(code, _Parser(source, joined, body[0][0]).parse(), code_line, joined)


def _code_name(source: str, line: str, raw: str, number: int, rules: list[Rule]) -> str:
    """The code a ``*コード名`` line names, refused when it could be misread."""
    if line.startswith("＊"):
        raise InputError(source, f"全角の ＊ はコード名の印として読みません: {line[:20]}", line=number,
                         hint="コード名の行は半角の * で始めてください (*コード名)。")
    if re.search(r"[^\s*]#", raw):  # 課題#1 in a name; 「*財源 # メモ」 is a comment after it
        raise InputError(source, f"コード名の行に # があります: {raw.strip()[:30]}", line=number,
                         hint="# から後はコメントとして読むので、コード名に # は使えません。別の文字にしてください。")
    code = line[1:].strip()
    if not code:
        raise InputError(source, "コード名が空です。", line=number, hint="*の後にコード名を書いてください。")
    if control_character(code, one_line=True):
        raise InputError(source, f"コード名に制御文字があります: {printable(code)!r}", line=number,
                         hint="コード名は制御文字 (タブなど) を含まない1行の文字にしてください。")
    first = next((r.line for r in rules if r.code == code), None)
    if first is not None:
        raise InputError(source, f"コード「{code}」は {first} 行目にもあります。", line=number,
                         hint="コード名は1つに1回だけ書いてください。条件を足すなら、前の行の条件に or でつなげます。")
    return code


def _check_condition(source: str, line: str, number: int) -> None:
    """Refuse a condition line in a KH Coder syntax this module does not read (:data:`_UNSUPPORTED`)."""
    for pattern, message in _UNSUPPORTED:
        if pattern.search(line):
            raise InputError(source, f"未対応の KH Coder 構文: {message}", line=number,
                             hint="語と and / or / not と括弧だけで書き直してください。")


def _all_of(errors: list[InputError]) -> InputError:
    """The first error, naming the others' lines and messages after it (at most five)."""
    first, *rest = sorted(errors, key=lambda e: e.line or 0)
    if not rest:
        return first
    others = "; ".join(f"{e.line} 行目: {e.message}" for e in rest[:5]) + (" …" if len(rest) > 5 else "")
    return InputError(first.path, f"{first.message} (ほかに {len(rest)} か所: {others})", line=first.line, hint=first.hint)


def read_rules(path: str | Path | None = None, lists: WordLists | None = None) -> tuple[list[Rule], TextFile]:
    """The rules of a file, or the packaged default (a starting point to edit), and the file they came from;
    with ``lists``, each word spelled as the items' words are counted (:func:`counted_condition`)."""
    file = read_text_file(path, "codes.txt", "コーディングルールのファイル", "--codes")
    rules = parse_rules(file.text, file.source)
    return ([Rule(r.code, counted_condition(r.condition, lists), r.line, r.text) for r in rules] if lists else rules), file


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
