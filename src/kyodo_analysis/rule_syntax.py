"""Reading KH Coder coding rules: ``*コード名`` lines, each followed by a condition over words with ``and``,
``or``, ``not`` and parentheses (over one or more lines); ``#`` starts a comment. KH Coder syntax this package
does not read (``near()``, ``seq()``, ``<>`` variable conditions, ``-->`` POS filters, quoted strings,
``&``/``|``/``!``, code references, word sequences, conjugation forms) is an error that names the line, never a
word that silently matches nothing; every refused line of a file is named at once. Matching the rules to items
is :mod:`coding`."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import InputError, all_of, control_character, printable
from .labels import NO_CODE

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
    def __init__(self, path: str, body: list[tuple[int, str]]) -> None:
        """The tokens of a condition's lines, each with its line number (an error names the line it is on)."""
        self.path, self.line, self.at = path, body[0][0] if body else 0, -1
        self.tokens: list[str] = []
        self.lines: list[int] = []
        for self.line, text in body:
            pos = 0
            while pos < len(text):
                match = _TOKEN.match(text, pos)
                if not match or match.end() == pos:
                    if text[pos:].strip():
                        self.fail(f"解釈できない文字: {text[pos:].strip()[:20]}")
                    break
                self.tokens.append(match.group("paren") or match.group("word"))
                self.lines.append(self.line)
                pos = match.end()
        self.i = 0
        self.depth = 0

    def fail(self, message: str, at: int | None = None):
        """Stop at the line of token ``at`` (default: the one read last; past the end, the last one)."""
        index = self.at if at is None else at
        line = self.lines[min(index, len(self.lines) - 1)] if self.lines and index >= 0 else self.line
        raise InputError(self.path, f"コーディングルールを解釈できません: {message}", line=line,
                         hint="条件は 語 と and / or / not と括弧で書いてください (KH Coder 形式)。")

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            self.fail("条件が途中で終わっています", at=self.i)
        self.at, self.i = self.i, self.i + 1
        return token

    def parse(self) -> tuple:
        if not self.tokens:
            self.fail("条件が空です")
        node = self.or_expr()
        if self.peek() is not None:
            self.at = self.i  # the extra word's line
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
                self.fail("閉じ括弧がありません", at=self.i)
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
        raise all_of(errors)
    if not rules:
        raise InputError(source, "コードが1つもありません。", hint="*コード名 の行と条件の行を書いてください。")
    return rules


def _rule(source: str, code: str, code_line: int, body: list[tuple[int, str]]) -> Rule:
    """One code's rule from its condition lines."""
    if not body:
        raise InputError(source, f"コード「{code}」に条件がありません。", line=code_line,
                         hint="*コード名 の次の行に条件を書いてください。")
    return Rule(code, _Parser(source, body).parse(), code_line, " ".join(t for _, t in body))


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
    if code == NO_CODE:
        raise InputError(source, f"コード名「{code}」は、どのコードも付かない項目の行の名前です。", line=number,
                         hint="別のコード名にしてください (同じ名前では、コードのない項目と混ざります)。")
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
