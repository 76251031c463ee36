"""Codes × groups by program: exact (or seeded Monte Carlo) permutation tests with the program as the unit,
Holm's adjustment, Clopper–Pearson intervals, and the table of codes (``codes.csv``) — or, where no test
could reach significance with so few programs, the description alone and the smallest attainable p.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .schema import Comparison
from .stats import ALL_ASPECTS, clopper_pearson, program_keys, sort_for_reading


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

    For K coded programs, the labellings that give the group counts c number ∏ C(n_i, c_i) of C(N, K)
    (hypergeometric); the most extreme c of each K has the smallest p, the share of labellings with χ² at least
    its own; the answer is the smallest over K = 1 … N−1 (:func:`exact_smallest_p`). For 3 / 2 / 3 programs it is
    20/560: the three coded programs all in one group of three, which the other group of three mirrors, and the
    five others placed in 10 ways each. A Monte Carlo test (beyond ``EXACT_LIMIT`` labellings) gives no p below
    1 / (1 + B) nor, but by chance, below that exact smallest p: the larger of the two, the exact one counted over
    group counts while they are at most ``COUNTS_LIMIT`` (18 programs in nine groups: 31,104 counts, where
    1 / (1 + B) alone let 48 tests run that could not reach 0.05: a statistician's audit). One group: 1."""
    sizes = np.asarray([int(n) for n in sizes if n > 0])
    if len(sizes) < 2:
        return 1.0
    exact = labellings(np.repeat(np.arange(len(sizes)), sizes)) <= EXACT_LIMIT
    floor = 0.0 if exact else 1.0 / (1 + resamples_for(int(sizes.sum())))
    if not exact and math.prod(int(k) + 1 for k in sizes) > COUNTS_LIMIT:
        return floor
    return max(exact_smallest_p(tuple(int(k) for k in sizes)), floor)


COUNTS_LIMIT = 500_000  # group counts enumerated for the smallest p of a Monte Carlo test (a few seconds at most)


@lru_cache(maxsize=256)
def exact_smallest_p(sizes: tuple[int, ...]) -> float:
    """The smallest p over every coding, by group counts (see :func:`smallest_p`); cached, as each aspect of a
    year asks it of the same group sizes."""
    n = sum(sizes)
    log_factorial = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1)))])

    def log_comb(s: int, c: np.ndarray) -> np.ndarray:  # log C(s, c), in logs so that C(2000, 1000) does not overflow
        return log_factorial[s] - log_factorial[c] - log_factorial[s - c]

    counts = np.array(list(itertools.product(*(range(k + 1) for k in sizes))))
    k = counts.sum(axis=1)
    log_weights = sum(log_comb(size, counts[:, g]) for g, size in enumerate(sizes))
    stat = chi2_statistic(np.stack([counts, np.asarray(sizes) - counts], axis=1))
    best = 1.0
    for coded in range(1, n):
        at = k == coded
        extreme = stat[at] >= stat[at].max() - 1e-9
        best = min(best, float(np.exp(log_weights[at][extreme] - log_comb(n, np.array(coded))).sum()))
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
                "chi2", "min_p", "p_value", "p_holm", "test", "n_labellings", "min_p_holm",
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
    coded = coded_items(item_codes, items["item_id"], codes)
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


def coded_items(item_codes: pd.DataFrame, item_ids: pd.Series, codes: list[str]) -> pd.DataFrame:
    """Item × code, True where ``item_codes`` has the pair: one row per id of ``item_ids`` (in its order), one
    column per code of ``codes`` (pairs of other items or codes left out). The same table as
    ``pd.crosstab(item_id, code).reindex(index=item_ids, columns=codes, fill_value=0) > 0``, set cell by cell
    from integer positions (the cross-table's counting ran in Python: 1.4 s at 3·10^6 characters)."""
    row = pd.Index(item_ids).get_indexer(item_codes["item_id"])
    column = pd.Index(codes, dtype=object).get_indexer(item_codes["code"])
    known = (row >= 0) & (column >= 0)
    cells = np.zeros((len(item_ids), len(codes)), dtype=bool)
    cells[row[known], column[known]] = True
    return pd.DataFrame(cells, index=pd.Index(item_ids, name="item_id"), columns=pd.Index(codes, name="code"))


def untested_family(codes: pd.DataFrame, keys: list[str]) -> str:
    """The tests a family would have held, as a phrase: one per code × aspect with an attainable p (``keys``
    tell them apart), the pooled aspect said when it is one of them: 「33 個のコード × 観点 (観点をまとめた「全体」を含む)」."""
    rows = codes.dropna(subset=["min_p"]).drop_duplicates(keys)
    return f"{len(rows)} 個のコード × 観点" + (" (観点をまとめた「全体」を含む)" if (rows["aspect"] == ALL_ASPECTS).any() else "")


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
    """Per group: items and programs with the code, the programs' Clopper–Pearson interval and the program
    table's χ² (the test's statistic). No item-level residual: beside the p columns it was read against ±1.96,
    a test whose unit is the item (a statistician's audit)."""
    groups = cell.items[by].unique().tolist()  # in the order of first appearance
    items = cell.items.groupby(by, sort=False)[code].agg(["sum", "size"]).loc[groups]
    programs = cell.programs.groupby("group", sort=False)[code].agg(["sum", "size"]).loc[groups]
    chi2 = float(chi2_statistic(np.vstack([programs["sum"], programs["size"] - programs["sum"]])))
    low, high = clopper_pearson(programs["sum"].to_numpy(), programs["size"].to_numpy())
    return [{by: g, "n_items": int(items.loc[g, "sum"]), "n_total": int(items.loc[g, "size"]),
             "share": float(items.loc[g, "sum"] / items.loc[g, "size"]), "n_programs": int(programs.loc[g, "sum"]),
             "programs_total": int(programs.loc[g, "size"]), "ci_low": float(lo), "ci_high": float(hi),
             "chi2": chi2}
            for g, lo, hi in zip(groups, low, high, strict=True)]


__all__ = ["code_table", "holm", "program_permutation_test", "smallest_p"]
