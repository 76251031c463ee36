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

from .errors import InputError, control_character, printable
from .schema import Comparison
from .stats import clopper_pearson, program_keys, sort_for_reading
from .terms import FORCED, NOUN, PREDICATES, UNKNOWN
from .wordlists import PACKAGED, TextFile, read_text_file

NEGATED = "(否定)"
NOUN_TERMS = frozenset({NOUN, FORCED, UNKNOWN})
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
            if control_character(code, one_line=True):
                raise InputError(source, f"コード名に制御文字があります: {printable(code)!r}", line=number,
                                 hint="コード名は制御文字 (タブなど) を含まない1行の文字にしてください。")
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


UNUSED_SHOWN = 10  # rule words a warning lists before 「ほか N 語」


def unused_rule_words(rules: list[Rule], vocabulary: set[str], source: str = "") -> list[str]:
    """One warning for the rule words that occur nowhere in the tables (a typo or a changed term gives zero
    silently), naming how many and the first few; nothing when every word occurs."""
    words = [(rule.code, word) for rule in rules for word in dict.fromkeys(rule_words(rule.condition))]
    unused = [f"「{code}」の {word}" for code, word in words if word not in vocabulary]
    if not unused:
        return []
    shown = "、".join(unused[:UNUSED_SHOWN]) + (f" ほか {len(unused) - UNUSED_SHOWN} 語" if len(unused) > UNUSED_SHOWN else "")
    if source.startswith(PACKAGED):
        advice = ("同梱のルールは逗子市の表を読んで書いた出発点です。この表の語で書いたルールを --codes か "
                  "kyodo-analysis.toml の codes で指定してください")
    else:
        advice = "綴りを確かめてください"
    return [f"コーディングルールの {len(words)} 語のうち {len(unused)} 語はどの項目にも出てきません ({shown})。{advice}。"]


def positive_words(node: tuple, positive: bool = True) -> list[str]:
    """The words of a condition that make it true by occurring (not those under an odd number of nots)."""
    if node[0] == "word":
        return [node[1]] if positive else []
    if node[0] == "not":
        return positive_words(node[1], not positive)
    return [word for child in node[1:] for word in positive_words(child, positive)]


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


ITEM_CODE_COLUMNS = ["item_id", "code", "negated"]


def code_items(rules: list[Rule], items: pd.DataFrame, term_frame: pd.DataFrame, mention_frame: pd.DataFrame,
               token_frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """``item_codes.csv``: one row per (item, code) where the item satisfies the code's condition.

    ``negated`` is true when every occurrence, in that item, of every rule word that made it hit stands in
    a negated phrase (:func:`negated_scope`; 「ステップアップにつながらない」, 「参加する店舗が増えていない」):
    the item names the code's topic only to deny it. A rule word written in its negated form
    (進む(否定)) asks for the negation: its hits are not marked."""
    words = item_words(term_frame, mention_frame)
    scopes = word_scopes(term_frame, mention_frame, negated_scope(term_frame, token_frame))
    triggers = {rule.code: list(dict.fromkeys(positive_words(rule.condition))) for rule in rules}
    rows = []
    for item_id in items["item_id"]:
        found = words.get(item_id, frozenset())
        for rule in rules:
            if _evaluate(rule.condition, found):
                hit = [w for w in triggers[rule.code] if w in found]
                denied = bool(hit) and not any(w.endswith(NEGATED) for w in hit) and all(
                    all(scopes.get((item_id, w), [False])) for w in hit)
                rows.append((item_id, rule.code, denied))
    return pd.DataFrame(rows, columns=ITEM_CODE_COLUMNS).astype({"item_id": "string", "code": "string", "negated": bool})


CLAUSE_ENDS = frozenset({"句点", "読点"})  # 補助記号 that end a clause
CLAUSE_PARTICLES_KEPT = frozenset({"て", "で"})  # 接続助詞 that do not end one (〜ていない)


def ends_clause(pos1: str, pos2: str, lemma: str) -> bool:
    """A token after which a noun's predicate is no longer looked for: 、。 or a conjunctive particle other
    than て/で (〜が、〜ので、〜たり)."""
    return (pos1 == "補助記号" and pos2 in CLAUSE_ENDS) or (
        pos1 == "助詞" and pos2 == "接続助詞" and lemma not in CLAUSE_PARTICLES_KEPT)


def negated_scope(term_frame: pd.DataFrame, token_frame: pd.DataFrame | None) -> list[bool]:
    """Per term occurrence (in ``term_frame``'s order), whether it stands in a negated phrase: the term is
    negated itself (進む(否定), 決定権(否定)), or it is a noun whose clause's next predicate is negated
    (ステップアップ in 「ステップアップにつながらない」; 参加 and 店舗 in 「参加する店舗が増えていない」;
    not 拡大 in 「拡大したり、…進まない」). Without tokens, only the terms' own negation is known."""
    negated = term_frame["negated"].astype(bool).tolist()
    if token_frame is None or term_frame.empty:
        return negated
    boundaries: dict[str, list[bool]] = {}
    for item_id, pos1, pos2, lemma in zip(*(token_frame[c].tolist() for c in ("item_id", "pos1", "pos2", "lemma")),
                                          strict=True):
        boundaries.setdefault(item_id, []).append(ends_clause(pos1, pos2, str(lemma)))
    by_item: dict[str, list[int]] = {}
    for row, item_id in enumerate(term_frame["item_id"].tolist()):
        by_item.setdefault(item_id, []).append(row)
    pos, first, last = (term_frame[c].tolist() for c in ("pos", "first_token_no", "last_token_no"))
    scope = list(negated)
    for item_id, rows in by_item.items():
        starts, ends = {int(first[r]): r for r in rows}, boundaries.get(item_id, [])
        for r in rows:
            if negated[r] or pos[r] not in NOUN_TERMS:
                continue
            j = int(last[r]) + 1
            while j <= len(ends):
                if j in starts and (negated[starts[j]] or pos[starts[j]] in PREDICATES):
                    scope[r] = negated[starts[j]]
                    break
                if ends[j - 1]:
                    break
                j = int(last[starts[j]]) + 1 if j in starts else j + 1
    return scope


def word_scopes(term_frame: pd.DataFrame, mention_frame: pd.DataFrame, scope: list[bool]) -> dict[tuple, list[bool]]:
    """Per (item, word a rule can name): whether each occurrence stands in a negated phrase — the term
    itself, or a word the term mentions (つながる in つながる(否定), 団体 in 申請団体)."""
    of_term: dict[tuple, list[bool]] = {}
    for item_id, term, negated in zip(term_frame["item_id"].tolist(), term_frame["term"].tolist(), scope, strict=True):
        of_term.setdefault((item_id, term), []).append(negated)
    out = {key: list(value) for key, value in of_term.items()}
    for item_id, word, term in zip(*(mention_frame[c].tolist() for c in ("item_id", "word", "term")), strict=True):
        if word != term:
            out.setdefault((item_id, word), []).extend(of_term.get((item_id, term), []))
    return out


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
MANY_PROGRAMS, FEWER_RESAMPLES = 2000, 999  # beyond 2,000 programs, B = 999 keeps a national run in minutes
SEED = 20181
ALPHA = 0.05
NO_TEST = "none"  # the ``test`` of a row no test was run for
EXACT_TEST = "事業単位の正確並べ替え検定"


def monte_carlo_test(seed: int, resamples: int) -> str:
    return f"事業単位のモンテカルロ並べ替え検定 (B={resamples}, seed={seed})"


def labellings(groups: np.ndarray) -> int:
    """How many distinct ways the group labels can be spread over the programs (a multinomial coefficient)."""
    _, sizes = np.unique(groups, return_counts=True)
    return math.factorial(len(groups)) // math.prod(math.factorial(int(k)) for k in sizes)


def resamples_for(n_programs: int) -> int:
    """B of the Monte Carlo test: 9,999, or 999 beyond 2,000 programs."""
    return N_RESAMPLES if n_programs <= MANY_PROGRAMS else FEWER_RESAMPLES


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


def smallest_p(sizes: list[int] | np.ndarray) -> float:
    """The smallest p the program-level test (:func:`program_permutation_tests` on whether each program has
    the code) can give for programs in groups of ``sizes``, whatever the items say.

    Exact (up to ``EXACT_LIMIT`` labellings): for K coded programs, the labellings that give the group
    counts c number ∏ C(n_i, c_i) of C(N, K) (hypergeometric); the most extreme c of each K has the smallest
    p, the share of labellings with χ² at least its own; the answer is the smallest over K = 1 … N−1.
    For 3 / 2 / 3 programs it is 20/560: the three coded programs all in one group of three, which the
    other group of three mirrors, and the five others placed in 10 ways each. Monte Carlo: 1 / (1 + B).
    One group, or a single labelling: 1."""
    sizes = np.asarray([int(n) for n in sizes if n > 0])
    n = int(sizes.sum())
    if len(sizes) < 2:
        return 1.0
    if labellings(np.repeat(np.arange(len(sizes)), sizes)) > EXACT_LIMIT:
        return 1.0 / (1 + resamples_for(n))
    counts = np.array(list(itertools.product(*(range(k + 1) for k in sizes))))
    k = counts.sum(axis=1)
    weights = np.prod([[math.comb(int(s), int(c)) for s, c in zip(sizes, row, strict=True)] for row in counts], axis=1)
    stat = chi2_statistic(np.stack([counts, sizes - counts], axis=1))
    best = 1.0
    for coded in range(1, n):
        at = k == coded
        extreme = stat[at] >= stat[at].max() - 1e-9
        best = min(best, float(weights[at][extreme].sum()) / math.comb(n, coded))
    return best


def program_permutation_test(coded: np.ndarray, totals: np.ndarray, groups: np.ndarray,
                             seed: int = SEED) -> tuple[float, float | None, str]:
    """χ² of the coded × group table built from per-program values, and its permutation p-value with the
    *program* as the unit.

    ``coded`` and ``totals`` are per program; ``groups`` each program's group. The group labels are
    shuffled over programs — a program's values move together, since the support type belongs to the
    program. With at most ``EXACT_LIMIT`` distinct labellings all are enumerated (p = share of labellings
    with χ² ≥ the observed one); otherwise p = (1 + #{χ²* ≥ χ²}) / (1 + B) over B seeded random labellings
    (B = 9,999; 999 beyond 2,000 programs). Returns (χ², p, the test's name); p is None when there is
    nothing to test (one group, or every program alike). :func:`code_table` gives each program 1 if it has
    an item with the code, of 1: the statistic counts programs, not items."""
    chi2, p, test, _ = program_permutation_tests(np.asarray(coded)[:, None], totals, groups, seed)
    return float(chi2[0]), p[0], test


def program_permutation_tests(coded: np.ndarray, totals: np.ndarray, groups: np.ndarray,
                              seed: int = SEED) -> tuple[np.ndarray, list[float | None], str, int]:
    """:func:`program_permutation_test` for several codes at once (``coded``: programs × codes), over the
    same labellings, so that the cost is one pass over the labellings, not one per code. Also returns how
    many labellings the test used (all of them, or B)."""
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
        return observed, [None] * coded.shape[1], NO_TEST, 0
    if count <= EXACT_LIMIT:
        p = (chi2(all_labellings(groups)) >= observed - 1e-9).mean(axis=0)
        test, used = EXACT_TEST, count
    else:
        rng = np.random.default_rng(seed)
        used = resamples_for(len(groups))
        exceed = np.zeros(coded.shape[1])
        for start in range(0, used, 500):  # 500 random labellings at a time: memory ∝ programs, not items
            shuffled = rng.permuted(np.tile(groups, (min(500, used - start), 1)), axis=1)
            exceed += (chi2(shuffled) >= observed - 1e-9).sum(axis=0)
        p = (1 + exceed) / (1 + used)
        test = monte_carlo_test(seed, used)
    return observed, [float(v) if ok else None for v, ok in zip(p, testable, strict=True)], test, used


def tests_run(codes: pd.DataFrame, label=str) -> str:
    """The tests a code table ran and the labellings each used, read from its rows: 「事業単位の正確並べ替え検定
    (全体・効果: 全 560 通り; 限界・今後: 全 210 通り)」, or 「検定なし」. ``label`` names an aspect."""
    ran = codes[codes["test"] != NO_TEST].drop_duplicates(["test", "aspect"])
    if ran.empty:
        return "検定なし"
    parts = []
    for test, rows in ran.groupby("test", sort=False):
        counts = [f"{'・'.join(label(a) for a in same['aspect'])}: {'全 ' if test == EXACT_TEST else ''}{int(n)} 通り"
                  for n, same in rows.groupby("n_labellings", sort=False)]
        parts.append(f"{test} ({'; '.join(counts)})")
    return "、".join(parts)


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment: sorted p's times (m − rank), made monotone and capped at 1."""
    p_values = np.asarray(p_values, dtype=float)
    order = np.argsort(p_values, kind="stable")
    scaled = p_values[order] * (len(p_values) - np.arange(len(p_values)))
    adjusted = np.empty_like(p_values)
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted


CODE_COLUMNS = ["code", "aspect", "n_items", "n_total", "share", "n_programs", "programs_total", "ci_low", "ci_high",
                "adjusted_residual", "chi2", "min_p", "p_value", "p_holm", "test", "n_labellings", "min_p_holm",
                "correction"]


@dataclass
class _Cell:
    """One aspect of one year: each program with items there, its group and whether it has each code."""

    aspect: str
    items: pd.DataFrame
    programs: pd.DataFrame  # index program_key; columns group, then one bool per code
    min_p: float
    testable: np.ndarray  # per code: two groups or more, and some but not all programs have the code

    @classmethod
    def of(cls, aspect: str, items: pd.DataFrame, codes: list[str], by: str) -> _Cell:
        programs = items.groupby("program_key", sort=False).agg(group=(by, "first"), **{c: (c, "any") for c in codes})
        sizes = programs.groupby("group", sort=False).size().to_numpy()
        having = programs[codes].sum(axis=0).to_numpy()
        testable = (len(sizes) >= 2) & (having > 0) & (having < len(programs))
        return cls(aspect, items, programs, smallest_p(sizes), testable)


def code_table(item_codes: pd.DataFrame, items: pd.DataFrame, codes: list[str], seed: int = SEED, *,
               comparison: Comparison, alpha: float = ALPHA) -> pd.DataFrame:
    """``codes.csv``: per year × code × group (``by``: the support type unless another is chosen) × aspect
    (``all`` = the aspects pooled), described first: the items coded of the cell's items, the programs with
    a coded item of the group's programs with items there, and the exact (Clopper–Pearson) 95 % interval
    of that share.

    A year's code × aspect tests are one family. Its smallest attainable Holm-adjusted p is m × the
    smallest p any of its m tests can give (:func:`smallest_p`, over the labellings of the programs that
    have items in that aspect). When that cannot reach ``alpha``, no test is run (``test`` = ``none``);
    otherwise each test (:func:`program_permutation_tests`, on whether a program has the code: the unit
    is the program) is Holm-adjusted over the family, on unrounded p."""
    by, aspects = comparison.by, ("all", *comparison.aspect_keys)
    coded = pd.crosstab(item_codes["item_id"], item_codes["code"]).reindex(
        index=items["item_id"], columns=codes, fill_value=0) > 0  # item × code
    frame = items[["item_id", "year", by, "aspect"]].assign(program_key=program_keys(items))
    frame = pd.concat([frame.reset_index(drop=True), coded.reset_index(drop=True)], axis=1)
    rows = []
    for year, year_items in frame.groupby("year", dropna=False, sort=True):
        cells = [_Cell.of(a, sub, codes, by) for a in aspects
                 if not (sub := year_items if a == "all" else year_items[year_items["aspect"] == a]).empty]
        rows += _family_rows(cells, codes, year, by, seed, alpha)
    columns = ["year", CODE_COLUMNS[0], by, *CODE_COLUMNS[1:]]
    out = pd.DataFrame(rows, columns=columns)
    out["_code"] = out["code"].map({code: i for i, code in enumerate(codes)})
    out = sort_for_reading(out, items, ["year", "_code", "aspect", by], aspects).drop(columns=["_code"])
    out = out.astype({c: "Int64" for c in ("year", "n_items", "n_total", "n_programs", "programs_total", "n_labellings")})
    return out.astype({c: "Float64" for c in ("ci_low", "ci_high", "min_p", "p_value", "p_holm", "min_p_holm")})


def family_minimum(cells: list[_Cell]) -> tuple[int, float | None]:
    """How many tests a family holds (m: the code × aspect pairs some but not all programs have) and the
    smallest Holm-adjusted p it can attain: m × the smallest p of its tests (None when m = 0)."""
    m = int(sum(cell.testable.sum() for cell in cells))
    if not m:
        return 0, None
    return m, min(1.0, m * min(cell.min_p for cell in cells if cell.testable.any()))


def _family_rows(cells: list[_Cell], codes: list[str], year, by: str, seed: int, alpha: float) -> list[dict]:
    """The rows of one year's family of code tests: tests run only when the family can reach ``alpha``."""
    _, min_p_holm = family_minimum(cells)
    run = min_p_holm is not None and min_p_holm < alpha
    results = {}
    for cell in cells:
        if run and cell.testable.any():
            _, p, test, used = program_permutation_tests(cell.programs[codes].to_numpy(), np.ones(len(cell.programs)),
                                                         cell.programs["group"].to_numpy(), seed)
            results |= {(cell.aspect, c): (p[k], test, used) for k, c in enumerate(codes) if p[k] is not None}
    keys = list(results)
    adjusted = dict(zip(keys, holm(np.array([results[k][0] for k in keys])), strict=True)) if keys else {}
    rows = []
    for cell in cells:
        for k, code in enumerate(codes):
            p, test, used = results.get((cell.aspect, code), (None, NO_TEST, None))
            shared = {"year": year, "code": code, "aspect": cell.aspect, "min_p": cell.min_p if cell.testable[k] else None,
                      "p_value": p, "p_holm": adjusted.get((cell.aspect, code)), "test": test, "n_labellings": used,
                      "min_p_holm": min_p_holm, "correction": f"Holm ({len(keys)} 検定)" if p is not None else ""}
            rows += [{**shared, **row} for row in _describe(cell, code, by)]
    return rows


def _describe(cell: _Cell, code: str, by: str) -> list[dict]:
    """Per group: items and programs with the code, the programs' Clopper–Pearson interval, the item
    table's adjusted residual (descriptive) and the program table's χ² (the test's statistic)."""
    groups = list(dict.fromkeys(cell.items[by]))
    items = cell.items.groupby(by, sort=False)[code].agg(["sum", "size"]).loc[groups]
    programs = cell.programs.groupby("group", sort=False)[code].agg(["sum", "size"]).loc[groups]
    residuals = adjusted_residuals(np.vstack([items["sum"], items["size"] - items["sum"]]))[0]
    chi2 = float(chi2_statistic(np.vstack([programs["sum"], programs["size"] - programs["sum"]])))
    low, high = clopper_pearson(programs["sum"].to_numpy(), programs["size"].to_numpy())
    return [{by: g, "n_items": int(items.loc[g, "sum"]), "n_total": int(items.loc[g, "size"]),
             "share": float(items.loc[g, "sum"] / items.loc[g, "size"]), "n_programs": int(programs.loc[g, "sum"]),
             "programs_total": int(programs.loc[g, "size"]), "ci_low": float(lo), "ci_high": float(hi),
             "adjusted_residual": float(r), "chi2": chi2}
            for g, lo, hi, r in zip(groups, low, high, residuals, strict=True)]


__all__ = ["Rule", "adjusted_residuals", "code_items", "code_table", "holm", "parse_rules",
           "program_permutation_test", "read_rules", "smallest_p", "unused_rule_words"]
