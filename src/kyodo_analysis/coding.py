"""Coding rules in KH Coder's format, the items each code covers, and code × support type tests.

A rule file has ``*コード名`` lines, each followed by a condition over terms with ``and``, ``or``,
``not`` and parentheses (over one or more lines); ``#`` starts a comment. KH Coder syntax this
module does not support (``near()``, ``seq()``, ``<>`` variable conditions, ``-->`` POS filters,
quoted strings, ``&``/``|``/``!``) is an error that names the line, never a silent miss.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .schema import Comparison, zushi_comparison
from .stats import program_keys, sort_for_reading
from .wordlists import TextFile, read_text_file

NEGATED = "(否定)"
MAX_DEPTH = 50  # nested parentheses or nots in one condition
_TOKEN = re.compile(r"\s*(?:(?P<paren>[()])|(?P<word>[^\s()]+(?:\(否定\))?))")
_UNSUPPORTED = [
    (re.compile(r"\b(near|seq)\s*\("), "near() / seq() (語の近接・順序) には対応していません"),
    (re.compile(r"<>"), "<>外部変数 の条件には対応していません (グループごとの集計は codes.csv にあります)"),
    (re.compile(r"-->"), "品詞の指定 (-->) には対応していません"),
    (re.compile(r"['\"]"), "引用符による文字列検索には対応していません"),
    (re.compile(r"[&|!]"), "記号の演算子 (& | !) には対応していません。and / or / not を使ってください"),
    (re.compile(r"(?<![\w)])\d+(\.\d+)?\s*(<|>|=)"), "出現回数の比較条件には対応していません"),
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
            self.fail(f"余分な語: {self.peek()} (and / or が抜けていませんか)")
        return node

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


def read_rules(path: str | Path | None = None) -> tuple[list[Rule], TextFile]:
    """The rules of a file, or the packaged default (a starting point to edit), and the file they came from."""
    file = read_text_file(path, "codes.txt", "コーディングルールのファイル", "--codes")
    return parse_rules(file.text, file.source), file


def rule_words(node: tuple) -> list[str]:
    """The words a condition names, in order."""
    if node[0] == "word":
        return [node[1]]
    return [word for child in node[1:] for word in rule_words(child)]


def unused_rule_words(rules: list[Rule], vocabulary: set[str]) -> list[str]:
    """A warning per rule word that occurs nowhere in the tables (a typo or a changed term gives zero silently)."""
    return [f"コード「{rule.code}」の語「{word}」はどの項目にも出てきません (綴りを確かめてください)。"
            for rule in rules for word in dict.fromkeys(rule_words(rule.condition)) if word not in vocabulary]


def _evaluate(node: tuple, words: frozenset[str]) -> bool:
    kind = node[0]
    if kind == "word":
        return node[1] in words
    if kind == "not":
        return not _evaluate(node[1], words)
    if kind == "and":
        return all(_evaluate(child, words) for child in node[1:])
    return any(_evaluate(child, words) for child in node[1:])


def item_words(term_frame: pd.DataFrame, mention_frame: pd.DataFrame) -> dict[str, frozenset[str]]:
    """What a rule's word can match in each item: its terms (進む(否定) included) and every word it
    mentions, alone or inside a compound (mentions.csv)."""
    words: dict[str, set[str]] = {}
    for item_id, term in zip(term_frame["item_id"].tolist(), term_frame["term"].tolist(), strict=True):
        words.setdefault(item_id, set()).add(term)
    for item_id, word in zip(mention_frame["item_id"].tolist(), mention_frame["word"].tolist(), strict=True):
        words.setdefault(item_id, set()).add(word)
    return {k: frozenset(v) for k, v in words.items()}


def code_items(rules: list[Rule], items: pd.DataFrame, term_frame: pd.DataFrame,
               mention_frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (item, code) where the item satisfies the code's condition."""
    words = item_words(term_frame, mention_frame)
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


EXACT_LIMIT = 100_000  # enumerate every labelling up to this many; beyond, a seeded Monte Carlo
N_RESAMPLES = 9999
NO_TEST = "検定なし (比べるグループが1つ、または全項目が同じ)"
MANY_PROGRAMS, FEWER_RESAMPLES = 2000, 999  # beyond 2,000 programs, B = 999 keeps a national run in minutes
SEED = 20181


def labellings(groups: np.ndarray) -> int:
    """How many distinct ways the group labels can be spread over the programs (a multinomial coefficient)."""
    _, sizes = np.unique(groups, return_counts=True)
    return math.factorial(len(groups)) // math.prod(math.factorial(int(k)) for k in sizes)


def all_labellings(groups: np.ndarray) -> np.ndarray:
    """Every distinct arrangement of ``groups`` over the programs, one per row (the observed one included)."""
    labels, sizes = np.unique(groups, return_counts=True)
    rows: list[list[int]] = []

    def place(assigned: list[int], free: tuple[int, ...], g: int) -> None:
        if g == len(labels) - 1:
            for position in free:
                assigned[position] = g
            rows.append(list(assigned))
            return
        for chosen in itertools.combinations(free, int(sizes[g])):
            for position in chosen:
                assigned[position] = g
            place(assigned, tuple(p for p in free if p not in chosen), g + 1)

    place([0] * len(groups), tuple(range(len(groups))), 0)
    return labels[np.array(rows)]


def program_permutation_test(coded: np.ndarray, totals: np.ndarray, groups: np.ndarray,
                             seed: int = SEED) -> tuple[float, float | None, str]:
    """χ² of the coded-items × group table, and its permutation p-value with the *program* as the unit.

    ``coded`` and ``totals`` are per program (items coded, items); ``groups`` each program's group. The
    group labels are shuffled over programs — the items of a program move together, since the support
    type belongs to the program. With at most ``EXACT_LIMIT`` distinct labellings all are enumerated
    (p = share of labellings with χ² ≥ the observed one, so p ≥ 1/labellings); otherwise p = (1 + #{χ²* ≥
    χ²}) / (1 + B) over B seeded random labellings (B = 9,999; 999 beyond 2,000 programs). Returns
    (χ², p, the test's name); p is None when there is nothing to test (one group, or every item coded alike)."""
    chi2, p, test = program_permutation_tests(np.asarray(coded)[:, None], totals, groups, seed)
    return float(chi2[0]), p[0], test


def program_permutation_tests(coded: np.ndarray, totals: np.ndarray, groups: np.ndarray,
                              seed: int = SEED) -> tuple[np.ndarray, list[float | None], str]:
    """:func:`program_permutation_test` for several codes at once (``coded``: programs × codes), over the
    same labellings, so that the cost is one pass over the labellings, not one per code."""
    coded, totals = np.asarray(coded, dtype=float), np.asarray(totals, dtype=float)
    labels, groups = np.unique(np.asarray(groups), return_inverse=True)  # groups as integer codes

    def chi2(arrangements: np.ndarray) -> np.ndarray:
        """χ² per arrangement (rows: labellings, columns: programs' group codes) and code."""
        member = [(arrangements == g).astype(float) for g in range(len(labels))]
        ones = np.stack([m @ coded for m in member], axis=-1)  # labellings × codes × groups
        items = np.stack([m @ totals for m in member], axis=-1)[:, None, :]
        return chi2_statistic(np.stack([ones, np.broadcast_to(items, ones.shape) - ones], axis=-2))

    observed = chi2(groups[None])[0]
    testable = (len(labels) >= 2) & (coded.sum(axis=0) > 0) & (coded.sum(axis=0) < totals.sum())
    count = labellings(groups)
    if not testable.any():
        return observed, [None] * coded.shape[1], NO_TEST
    if count <= EXACT_LIMIT:
        p = (chi2(all_labellings(groups)) >= observed - 1e-9).mean(axis=0)
        test = f"事業単位の正確並べ替え検定 (全 {count} 通り)"
    else:
        rng = np.random.default_rng(seed)
        resamples = N_RESAMPLES if len(groups) <= MANY_PROGRAMS else FEWER_RESAMPLES
        exceed = np.zeros(coded.shape[1])
        for start in range(0, resamples, 500):  # 500 random labellings at a time: memory ∝ programs, not items
            shuffled = rng.permuted(np.tile(groups, (min(500, resamples - start), 1)), axis=1)
            exceed += (chi2(shuffled) >= observed - 1e-9).sum(axis=0)
        p = (1 + exceed) / (1 + resamples)
        test = f"事業単位のモンテカルロ並べ替え検定 (B={resamples}, seed={seed})"
    return observed, [float(v) if ok else None for v, ok in zip(p, testable, strict=True)], test


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment: sorted p's times (m − rank), made monotone and capped at 1."""
    p_values = np.asarray(p_values, dtype=float)
    order = np.argsort(p_values, kind="stable")
    scaled = p_values[order] * (len(p_values) - np.arange(len(p_values)))
    adjusted = np.empty_like(p_values)
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted


CODE_COLUMNS = ["code", "aspect", "n_items", "n_total", "share", "n_programs", "programs_total",
                "adjusted_residual", "chi2", "p_value", "p_holm", "test", "correction"]


def code_table(item_codes: pd.DataFrame, items: pd.DataFrame, codes: list[str], seed: int = SEED,
               comparison: Comparison | None = None) -> pd.DataFrame:
    """``codes.csv``: per year × code × group (``by``: the support type unless another is chosen) × aspect
    (``all`` = the aspects pooled), the items coded of the cell's items and the programs with a coded
    item of the cell's programs; the adjusted residual of the cell in the item table (descriptive); and
    the code × group test of that aspect with the program as the unit (:func:`program_permutation_test`),
    Holm-adjusted over every code × aspect tested that year."""
    comparison = comparison or zushi_comparison()
    by, aspects = comparison.by, ("all", *comparison.aspect_keys)
    coded = pd.crosstab(item_codes["item_id"], item_codes["code"]).reindex(
        index=items["item_id"], columns=codes, fill_value=0) > 0  # item × code
    frame = items[["item_id", "year", by, "aspect"]].assign(program_key=program_keys(items))
    frame = pd.concat([frame.reset_index(drop=True), coded.reset_index(drop=True)], axis=1)
    rows = []
    for year, year_items in frame.groupby("year", dropna=False, sort=True):
        tested = []
        for aspect in aspects:
            sub = year_items if aspect == "all" else year_items[year_items["aspect"] == aspect]
            if not sub.empty:
                tested += _aspect_rows(sub, codes, year, aspect, seed, by)
        family = [block for block in tested if block[0]["p_value"] is not None]
        adjusted = dict(zip(map(id, family), holm(np.array([block[0]["p_value"] for block in family])), strict=True))
        for block in tested:
            for row in block:
                p_holm = adjusted.get(id(block))
                rows.append({**row, "p_holm": None if p_holm is None else round(float(p_holm), 6),
                             "correction": f"Holm ({len(family)} 検定)" if p_holm is not None else ""})
    columns = ["year", CODE_COLUMNS[0], by, *CODE_COLUMNS[1:]]
    out = pd.DataFrame(rows, columns=columns)
    out["_code"] = out["code"].map({code: i for i, code in enumerate(codes)})
    out = sort_for_reading(out, items, ["year", "_code", "aspect", by], aspects).drop(columns=["_code"])
    return out.astype({c: "Int64" for c in ("year", "n_items", "n_total", "n_programs", "programs_total")})


def _aspect_rows(cell: pd.DataFrame, codes: list[str], year, aspect: str, seed: int, by: str) -> list[list[dict]]:
    """The rows of every code in one aspect (one block per code, one row per group), the codes tested
    together over the same labellings of the programs."""
    per_program = cell.groupby("program_key", sort=False).agg(
        group=(by, "first"), total=("item_id", "size"), **{c: (c, "sum") for c in codes})
    chi2, p, test = program_permutation_tests(per_program[codes].to_numpy(), per_program["total"].to_numpy(),
                                              per_program["group"].to_numpy(), seed)
    groups = list(dict.fromkeys(cell[by]))
    sizes = cell.groupby(by, sort=False).size()[groups]
    programs = per_program.groupby("group", sort=False)
    blocks = []
    for k, code in enumerate(codes):
        ones = cell.groupby(by, sort=False)[code].sum()[groups]
        residuals = adjusted_residuals(np.vstack([ones.to_numpy(), (sizes - ones).to_numpy()]))[0]
        with_code = programs[code].apply(lambda c: int((c > 0).sum()))
        blocks.append([{"year": year, "code": code, by: g, "aspect": aspect, "n_items": int(ones[g]),
                        "n_total": int(sizes[g]), "share": round(float(ones[g] / sizes[g]), 6),
                        "n_programs": int(with_code[g]), "programs_total": int(programs.size()[g]),
                        "adjusted_residual": round(float(r), 6), "chi2": round(float(chi2[k]), 6),
                        "p_value": None if p[k] is None else round(p[k], 6), "test": NO_TEST if p[k] is None else test}
                       for g, r in zip(groups, residuals, strict=True)])
    return blocks


__all__ = ["Rule", "adjusted_residuals", "code_items", "code_table", "holm", "parse_rules",
           "program_permutation_test", "read_rules", "unused_rule_words"]
