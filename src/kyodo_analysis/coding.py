"""Coding rules in KH Coder's format, the items each code covers, and code × support type tests.

A rule file has ``*コード名`` lines, each followed by a condition over terms with ``and``, ``or``,
``not`` and parentheses (over one or more lines); ``#`` starts a comment. KH Coder syntax this
module does not support (``near()``, ``seq()``, ``<>`` variable conditions, ``-->`` POS filters,
quoted strings, ``&``/``|``/``!``) is an error that names the line, never a silent miss.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .stats import sort_for_reading, term_items

NEGATED = "(否定)"
_TOKEN = re.compile(r"\s*(?:(?P<paren>[()])|(?P<word>[^\s()]+(?:\(否定\))?))")
_UNSUPPORTED = [
    (re.compile(r"\b(near|seq)\s*\("), "near() / seq() (語の近接・順序) には対応していません"),
    (re.compile(r"<>"), "<>外部変数 の条件には対応していません (区分ごとの集計は codes.csv にあります)"),
    (re.compile(r"-->"), "品詞の指定 (-->) には対応していません"),
    (re.compile(r"['\"]"), "引用符による文字列検索には対応していません"),
    (re.compile(r"[&|!]"), "記号の演算子 (& | !) には対応していません。and / or / not を使ってください"),
    (re.compile(r"(?<![\w)])\d+(\.\d+)?\s*(<|>|=)"), "出現回数の比較条件には対応していません"),
]


@dataclass(frozen=True)
class Rule:
    code: str
    condition: tuple  # a small AST: ("word", w) | ("not", x) | ("and", a, b) | ("or", a, b)
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
            self.fail(f"余分な語: {self.peek()} (and / or が抜けていませんか)")
        return node

    def or_expr(self) -> tuple:
        return self.binary("or", self.and_expr)

    def and_expr(self) -> tuple:
        return self.binary("and", self.unary)

    def binary(self, operator: str, operand) -> tuple:
        """operand (operator operand)*, left-associative; ``and`` binds tighter than ``or``."""
        node = operand()
        while self.peek() == operator:
            self.take()
            node = (operator, node, operand())
        return node

    def unary(self) -> tuple:
        token = self.take()
        if token == "not":
            return ("not", self.unary())
        if token == "(":
            node = self.or_expr()
            if self.peek() != ")":
                self.fail("閉じ括弧がありません")
            self.take()
            return node
        if token in (")", "and", "or"):
            self.fail(f"ここに {token} は置けません")
        return ("word", token)


def parse_rules(text: str, source: str = "<rules>") -> list[Rule]:
    """Parse KH Coder coding rules; an unsupported or malformed condition raises InputError with its line."""
    rules: list[Rule] = []
    code: str | None = None
    code_line = 0
    body: list[tuple[int, str]] = []

    def flush() -> None:
        if code is None:
            return
        if not body:
            raise InputError(source, f"コード「{code}」に条件がありません。", line=code_line,
                             hint="*コード名 の次の行に条件を書いてください。")
        joined = " ".join(t for _, t in body)
        rules.append(Rule(code, _Parser(source, joined, body[0][0]).parse(), code_line, joined))

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("*"):
            flush()
            code, code_line, body = line[1:].strip(), number, []
            if not code:
                raise InputError(source, "コード名が空です。", line=number, hint="*の後にコード名を書いてください。")
            continue
        if code is None:
            raise InputError(source, "最初のコード名 (*コード名) より前に条件があります。", line=number,
                             hint="条件の前に *コード名 の行を置いてください。")
        for pattern, message in _UNSUPPORTED:
            if pattern.search(line):
                raise InputError(source, f"未対応の KH Coder 構文: {message}", line=number,
                                 hint="語と and / or / not と括弧だけで書き直してください。")
        body.append((number, line))
    flush()
    if not rules:
        raise InputError(source, "コードが1つもありません。", hint="*コード名 の行と条件の行を書いてください。")
    return rules


def read_rules(path: str | Path | None = None) -> tuple[list[Rule], str]:
    """The rules of a file, or the packaged default (a starting point to edit), and where they came from."""
    if path is None:
        text = resources.files("kyodo_analysis.resources").joinpath("codes.txt").read_text(encoding="utf-8")
        return parse_rules(text, "kyodo_analysis/resources/codes.txt"), "kyodo_analysis/resources/codes.txt"
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(path, "コーディングルールのファイルが見つかりません。",
                         hint="--codes のパスを確認してください。") from None
    return parse_rules(text, str(path)), str(path)


def _evaluate(node: tuple, words: frozenset[str]) -> bool:
    kind = node[0]
    if kind == "word":
        return node[1] in words
    if kind == "not":
        return not _evaluate(node[1], words)
    if kind == "and":
        return _evaluate(node[1], words) and _evaluate(node[2], words)
    return _evaluate(node[1], words) or _evaluate(node[2], words)


def item_words(term_frame: pd.DataFrame, token_frame: pd.DataFrame) -> dict[str, frozenset[str]]:
    """What a rule's word can match in each item: its terms, and the parts of its noun compounds."""
    words: dict[str, set[str]] = {}
    bases = token_frame.set_index(["item_id", "token_no"])["base"]
    for row in term_frame.itertuples(index=False):
        found = words.setdefault(row.item_id, set())
        found.add(row.term)
        if not row.negated and row.last_token_no > row.first_token_no:
            for no in range(row.first_token_no, row.last_token_no + 1):
                found.add(bases[(row.item_id, no)])
    return {k: frozenset(v) for k, v in words.items()}


def code_items(rules: list[Rule], items: pd.DataFrame, term_frame: pd.DataFrame,
               token_frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (item, code) where the item satisfies the code's condition."""
    words = item_words(term_frame, token_frame)
    rows = [(item_id, rule.code) for item_id in items["item_id"] for rule in rules
            if _evaluate(rule.condition, words.get(item_id, frozenset()))]
    return pd.DataFrame(rows, columns=["item_id", "code"]).astype("string")


def adjusted_residuals(table: np.ndarray) -> np.ndarray:
    """Adjusted standardized residuals (O−E)/√(E(1−r/n)(1−c/n)) per cell; 0 where undefined."""
    table = np.asarray(table, dtype=float)
    n = table.sum()
    r = table.sum(axis=1, keepdims=True)
    c = table.sum(axis=0, keepdims=True)
    expected = r * c / n
    variance = expected * (1 - r / n) * (1 - c / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(variance > 0, (table - expected) / np.sqrt(variance), 0.0)
    return out


def chi2_statistic(table: np.ndarray) -> np.ndarray:
    """Pearson's χ² of a table, or of a stack of tables (last two axes), with 0/0 cells counted as 0."""
    table = np.asarray(table, dtype=float)
    expected = table.sum(axis=-1, keepdims=True) * table.sum(axis=-2, keepdims=True) / table.sum(axis=(-2, -1), keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        cells = np.where(expected > 0, (table - expected) ** 2 / expected, 0.0)
    return cells.sum(axis=(-2, -1))


def permutation_test(coded: np.ndarray, groups: np.ndarray, n_resamples: int = 9999,
                     seed: int = 20181) -> tuple[float, float]:
    """χ² of coded (0/1) × group, and its seeded Monte Carlo permutation p-value (margins fixed).

    Shuffling the code labels among items keeps both margins, as R's
    ``chisq.test(simulate.p.value = TRUE)`` does; p = (1 + #{χ²* ≥ χ²}) / (1 + B).
    """
    coded = np.asarray(coded, dtype=float)
    _labels, group_index = np.unique(np.asarray(groups), return_inverse=True)
    onehot = np.eye(group_index.max() + 1)[group_index]  # items × groups
    sizes = onehot.sum(axis=0)

    def tables(values: np.ndarray) -> np.ndarray:
        ones = values @ onehot
        return np.stack([ones, sizes - ones], axis=-2)

    observed = float(chi2_statistic(tables(coded)))
    if coded.min() == coded.max() or onehot.shape[1] < 2:
        return observed, 1.0
    rng = np.random.default_rng(seed)
    shuffled = rng.permuted(np.tile(coded, (n_resamples, 1)), axis=1)
    exceed = int((chi2_statistic(tables(shuffled)) >= observed - 1e-9).sum())
    return observed, (1 + exceed) / (1 + n_resamples)


TEST_NAME = "モンテカルロ並べ替え検定 (χ², B=9999, seed=20181)"


def code_table(item_codes: pd.DataFrame, items: pd.DataFrame, rules: list[Rule],
               n_resamples: int = 9999, seed: int = 20181) -> pd.DataFrame:
    """``codes.csv``: per year × code × support type × aspect (``all`` = the three pooled), items coded
    and their share of the cell, the adjusted standardized residual of the cell in the code × support
    type table of that aspect, and that table's χ² with a seeded Monte Carlo permutation p-value."""
    rows = []
    coded_ids = item_codes.groupby("code")["item_id"].agg(set)
    for year, year_items in items.groupby("year", dropna=False, sort=True):
        for aspect in ["all", "effect", "limitation", "next_step"]:
            sub = year_items if aspect == "all" else year_items[year_items["aspect"] == aspect]
            if sub.empty:
                continue
            supports = list(dict.fromkeys(sub["support_type"]))
            sizes = sub.groupby("support_type", sort=False).size()
            for rule in rules:
                ids = coded_ids.get(rule.code, set())
                coded = sub["item_id"].isin(ids).to_numpy().astype(int)
                ones = np.array([coded[(sub["support_type"] == s).to_numpy()].sum() for s in supports])
                table = np.vstack([ones, sizes[supports].to_numpy() - ones])
                residuals = adjusted_residuals(table)[0]
                chi2, p = permutation_test(coded, sub["support_type"].to_numpy(), n_resamples, seed)
                for s, n_coded, residual in zip(supports, ones, residuals, strict=True):
                    rows.append({"year": year, "code": rule.code, "support_type": s, "aspect": aspect,
                                 "n_items": int(n_coded), "n_total": int(sizes[s]),
                                 "share": round(n_coded / sizes[s], 6), "adjusted_residual": round(float(residual), 6),
                                 "chi2": round(chi2, 6), "p_value": round(p, 6), "test": TEST_NAME})
    out = pd.DataFrame(rows)
    out["_code"] = out["code"].map({r.code: i for i, r in enumerate(rules)})
    out["_aspect"] = out["aspect"].map({"all": 0, "effect": 1, "limitation": 2, "next_step": 3})
    out = sort_for_reading(out, items, ["year", "_code", "_aspect", "support_type"]).drop(columns=["_code", "_aspect"])
    for column in ("year", "n_items", "n_total"):
        out[column] = out[column].astype("Int64")
    return out


def codes_for(item_codes: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Items with their codes attached (one row per item × code), for reading what a code covers."""
    return items.merge(item_codes, on="item_id")[["code", *items.columns]]


__all__ = ["Rule", "adjusted_residuals", "code_items", "code_table", "codes_for", "parse_rules",
           "permutation_test", "read_rules", "term_items"]
