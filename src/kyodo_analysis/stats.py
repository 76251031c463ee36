"""Statistics over terms: counts and ties, distinctive terms (weighted log-odds); the co-occurrence network
and correspondence analysis are :mod:`network` and :mod:`correspondence`.

Every function takes tidy frames (``terms`` joined to ``items`` by ``item_id``) and returns a tidy frame.
With 8 programs and 36 items, document frequency (items, programs) is shown beside every count.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from .dtypes import TEXT
from .labels import listed
from .schema import Comparison

# scipy.special is imported where an interval is computed: the command line's validate, kwic and manifest never
# need it.

UNIT_COLUMNS = {"item": "item_id", "program": "program_key"}


def program_keys(items: pd.DataFrame) -> pd.Series:
    """One key per program across files: ``file#NO``."""
    return items["source_file"].astype(str) + "#" + items["program_no"].astype(str)


def clopper_pearson(k, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper–Pearson) intervals of k successes in n, elementwise: the quantiles of Beta(k, n − k + 1)
    and Beta(k + 1, n − k), 0 when k = 0 and 1 when k = n — what ``scipy.stats.binomtest(k, n)
    .proportion_ci(method="exact")`` gives (2 of 2: 0.158–1; 0 of 3: 0–0.708). NaN where n = 0. A Beta
    quantile is the inverse regularized incomplete beta function, ``betaincinv(a, b, q)`` (what
    ``scipy.stats.beta.ppf`` computes; scipy.special loads in a third of scipy.stats' time)."""
    from scipy.special import betaincinv

    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    tail = (1 - level) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(k > 0, betaincinv(k, n - k + 1, tail), 0.0)
        high = np.where(k < n, betaincinv(k + 1, n - k, 1 - tail), 1.0)
    empty = n <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def group_order(items: pd.DataFrame, by: str = "support_type") -> list[str]:
    """The groups of ``by`` in the order the tables list them (first appearance): the one ordering of
    groups for every table, figure and sheet."""
    return list(items[by].dropna().unique())


def aspect_counts(programs: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """Per group: its programs (those whose cells are all empty too, as ``programs.csv`` and the sentences count
    them: 0 programs beside 「乙 (1 事業)」 was a hostile tester's find), items per aspect (NA where none of the
    group's tables has that column, so that "no such column" is never shown as 0) and items in all."""
    by = comparison.by
    columns = [f"n_{a}" for a in comparison.aspect_keys]
    table = programs.groupby(by, sort=False)[[*columns, "n_items"]].sum(min_count=1)
    table.insert(0, "programs", programs.groupby(by, sort=False).size())
    table = table.reindex(group_order(programs, by))
    table["programs"] = table["programs"].fillna(0).astype(int)
    return table.astype({c: "Int64" for c in [*columns, "n_items"]})


def term_items(term_frame: pd.DataFrame, items: pd.DataFrame, by: str = "support_type") -> pd.DataFrame:
    """Terms with the item's year, group (``by``), program and aspect attached (one row per occurrence)."""
    columns = list(dict.fromkeys(["source_file", "year", by, "program_no", "program", "aspect"]))
    joined, rows = joined_to_items(term_frame, items, columns)
    return joined.assign(program_key=program_keys(items).iloc[rows].reset_index(drop=True))


def joined_to_items(frame: pd.DataFrame, items: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of ``frame`` whose ``item_id`` is in ``items``, in their order, with the item's ``columns``
    beside them — ``frame.merge(items[["item_id", *columns]], on="item_id", how="inner")`` (one item per id)
    — and each row's item as its row number in ``items``. The join is by position (``Index.get_indexer``):
    merging on strings was a fifth of the counts' time at scale."""
    position = pd.Index(items["item_id"]).get_indexer(frame["item_id"])  # -1: not an item compared; ids unique
    rows = position[position >= 0]
    taken = items[columns].iloc[rows].reset_index(drop=True)
    return pd.concat([frame[position >= 0].reset_index(drop=True), taken], axis=1), rows


def sets_of(frame: pd.DataFrame, key: str, value: str) -> pd.Series:
    """Each ``key``'s set of ``value``s (a frozenset per key, keys sorted; rows without a key left out): the
    same as ``frame.groupby(key)[value].agg(frozenset)``, made from the rows sorted by key because that
    groupby iterates a pandas string column one element at a time, slow on large tables."""
    keyed = frame[frame[key].notna()]
    codes, keys = pd.factorize(keyed[key], sort=True)
    order = np.argsort(codes, kind="stable")
    values = keyed[value].to_numpy(dtype=object)[order]
    starts = np.searchsorted(codes[order], np.arange(1, len(keys)))  # where each key's rows begin
    sets = [frozenset(part) for part in np.split(values, starts)] if len(keys) else []
    return pd.Series(sets, index=pd.Index(keys, dtype=frame[key].dtype, name=key), name=value, dtype=object)


def sort_for_reading(frame: pd.DataFrame, items: pd.DataFrame, columns: list[str],
                     aspects: tuple[str, ...] | list[str] = ()) -> pd.DataFrame:
    """Sort by the given columns in the order a reader expects: groups as the table lists them, aspects in
    the schema's order (``aspects``; by default as the items list them), other columns by value."""
    aspects = aspects or group_order(items, "aspect")
    frame = frame.copy()
    keys = []
    for column in columns:
        if column == "aspect":
            frame["__aspect"] = frame["aspect"].map({a: i for i, a in enumerate(aspects)})
            keys.append("__aspect")
        elif column in items.columns and not pd.api.types.is_numeric_dtype(items[column]):
            frame[f"__{column}"] = frame[column].map({g: i for i, g in enumerate(group_order(items, column))})
            keys.append(f"__{column}")
        else:
            keys.append(column)
    frame = frame.sort_values(keys, kind="stable", na_position="first")
    return frame.drop(columns=[k for k in keys if k.startswith("__")]).reset_index(drop=True)


Z_SHOWN = 1.96  # the z (weighted log-odds) from which a table, figure or sentence lists a term as distinctive, risen or fallen
SIDES_MIN_PROGRAMS = 2  # a term is listed beside both sides when the programs using it on either add up to this
RANK_KEY = ["n_programs", "n_items", "n"]  # how terms are ranked: programs, then items, then occurrences
COUNT_COLUMNS = ["n", "n_items", "n_programs"]
ALL_ASPECTS = "all"
ALL_GROUPS = "all_groups"  # the column marking the rows that pool every group (the group's own cell is empty)


def counts(frame: pd.DataFrame, items: pd.DataFrame, by: list[str] | tuple[str, ...] = (),
           column: str = "term", aspects: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per group × term (or any ``column``): occurrences ``n``, items ``n_items`` and programs ``n_programs``.

    Rows are listed by group, then by the ranking key (programs, items, occurrences; descending),
    then by the term's text for a stable listing order."""
    by = list(by)
    return counted(with_item_numbers(frame[["item_id", column]], items, by), items, by, column, aspects)


def counted(joined: pd.DataFrame, items: pd.DataFrame, by: list[str], column: str = "term",
            aspects: tuple[str, ...] = ()) -> pd.DataFrame:
    """:func:`counts` of rows already joined to their items (:func:`with_item_numbers`, with the ``by``
    columns among those joined): one join serves several levels of grouping."""
    grouped = joined.groupby([*by, column], dropna=False, sort=False)
    out = grouped.size().rename("n").reset_index()
    group = grouped.ngroup().to_numpy()  # each row's group: its row in ``out``
    out["n_items"] = distinct_per_group(group, joined["_item"].to_numpy(), len(out))
    out["n_programs"] = distinct_per_group(group, joined["_program"].to_numpy(), len(out))
    out[column] = out[column].astype(TEXT)
    for name in RANK_KEY:
        out[f"_neg_{name}"] = -out[name]
    out = sort_for_reading(out, items, [*by, *(f"_neg_{name}" for name in RANK_KEY), column], aspects)
    out = out.drop(columns=[f"_neg_{name}" for name in RANK_KEY])
    return out[[*by, column, *COUNT_COLUMNS]].astype({name: "Int64" for name in COUNT_COLUMNS})


def distinct_per_group(group: np.ndarray, value: np.ndarray, groups: int) -> np.ndarray:
    """How many distinct ``value`` s (integers ≥ 0) each of the ``groups`` groups has (``nunique`` per group):
    each (group, value) pair is counted once, found by sorting the pairs as one integer (``np.unique`` is
    slow on large integer arrays under numpy 2.4; pandas' ``nunique`` was half the counts' time at scale)."""
    base = int(value.max(initial=0)) + 1
    pairs = np.sort(group.astype(np.int64) * base + value)
    first = np.r_[True, pairs[1:] != pairs[:-1]] if len(pairs) else np.zeros(0, dtype=bool)
    return np.bincount(pairs[first] // base, minlength=groups)


def with_item_numbers(frame: pd.DataFrame, items: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The rows of ``frame`` joined to their item's ``by`` columns (:func:`joined_to_items`), with two integers
    to count by: ``_item`` (its row in ``items``) and ``_program`` (one number per program key,
    :func:`program_keys`) — counting distinct integers, not strings."""
    joined, rows = joined_to_items(frame, items, by)
    return joined.assign(_item=rows, _program=pd.factorize(program_keys(items))[0][rows])


def counts_by_level(frame: pd.DataFrame, items: pd.DataFrame, column: str = "term", *,
                    comparison: Comparison) -> pd.DataFrame:
    """Counts per year at three levels: everything pooled (``all_groups`` true, the group's cell empty,
    aspect ``all``), each group (``by``) with its aspects pooled (``all``), and each group × aspect.
    Pooled rows are marked by that column, never by a value a group could have."""
    by, aspects = comparison.by, comparison.aspect_keys
    levels = [([], True, ALL_ASPECTS), ([by], False, ALL_ASPECTS), ([by, "aspect"], False, None)]
    joined = with_item_numbers(frame[["item_id", column]], items, list(dict.fromkeys(["year", by, "aspect"])))
    parts = []
    for level, (keys, pooled, aspect_fill) in enumerate(levels):
        table = counted(joined, items, ["year", *keys], column, aspects)
        if pooled:
            table[by] = pd.Series(pd.NA, index=table.index, dtype=items[by].dtype if by in items else TEXT)
        if aspect_fill is not None:
            table["aspect"] = aspect_fill
        table[ALL_GROUPS] = pooled
        parts.append(table[["year", ALL_GROUPS, by, "aspect", column, *COUNT_COLUMNS]].assign(_level=level))
    out = pd.concat(parts, ignore_index=True).astype({ALL_GROUPS: "boolean"})
    for name in RANK_KEY:
        out[f"_neg_{name}"] = -out[name]
    out = sort_for_reading(out, items, ["year", "_level", by, "aspect", *(f"_neg_{name}" for name in RANK_KEY), column],
                           aspects)
    return out.drop(columns=["_level", *(f"_neg_{name}" for name in RANK_KEY)])


class Cut(NamedTuple):
    """Where a ranked list stopped: how many rows tied with its last place were left out, and how many it kept
    (none when the first place itself ties beyond the list's length)."""

    left_out: int
    kept: int


def top_with_ties(frame: pd.DataFrame, n: int, key: list[str], most: int | None = None) -> tuple[pd.DataFrame, int]:
    """The first ``n`` rows of ``frame`` (already sorted by ``key``, best first), never cut inside a tie.

    When the ``n``-th row ties with the next ones, the whole tie is kept if that makes at most ``most``
    rows (default ``n``); otherwise the list is cut above the tie. Returns the rows kept and how many
    rows tied with the last place were left out (0 when the cut falls between different values)."""
    most = n if most is None else most
    if len(frame) <= n:
        return frame, 0
    values = [tuple(row) for row in frame[key].itertuples(index=False, name=None)]
    boundary = values[n - 1]
    first = values.index(boundary)  # where the tie at the n-th place begins
    last = len(values) - values[::-1].index(boundary)  # one past where it ends
    if last <= most:
        return frame.iloc[:last], 0
    return frame.iloc[:first], last - first


def largest(frame: pd.DataFrame, column: str, absolute: bool = False, named: int = 3) -> str:
    """「補助金 z=1.76」 for the row with the largest value of ``column`` — or, when several rows share it, all
    of them when they are ``named`` at most (「利用者・施設 z=1.54」), else their number (「z=0.69 の 10 語」): a
    tie is never settled by spelling."""
    if frame.empty:
        return "なし"
    values = frame[column].abs() if absolute else frame[column]
    best = values.round(6).max()
    tied = frame[values.round(6) == best]
    label = "|z|" if absolute else "z"
    if len(tied) <= max(named, 1):
        return f"{listed(sorted(tied['term']))} {label}={best:.2f}"
    return f"{label}={best:.2f} の {len(tied)} 語"


def keywords(term_frame: pd.DataFrame, items: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """``keywords.csv``: per year × group × aspect × term, occurrences, items and programs."""
    return counts(term_frame, items, by=["year", comparison.by, "aspect"], aspects=comparison.aspect_keys)


def word_counts(mention_frame: pd.DataFrame, items: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """``word_counts.csv``: per year × group × aspect × word, the items and programs that mention
    the word at all — alone or inside a compound (団体 in 申請団体) — at the three levels of
    :func:`counts_by_level`."""
    return counts_by_level(mention_frame, items, column="word", comparison=comparison)


# ---------------------------------------------------------------- distinctive terms

def weighted_log_odds(group_counts: pd.DataFrame, group: str = "group") -> pd.DataFrame:
    """Monroe, Colaresi & Quinn (2008) one-vs-rest weighted log-odds with an informative Dirichlet prior.

    ``group_counts`` has columns ``group, term, n``. For group i against all other groups j (eq. 16/20),
    with the prior α_w = the term's count in the whole table and α₀ = Σ α_w:
    δ = log((y_i+α)/(n_i+α₀−y_i−α)) − log((y_j+α)/(n_j+α₀−y_j−α)), σ² ≈ 1/(y_i+α) + 1/(y_j+α), z = δ/σ.
    This is not tidylo's ``bind_log_odds``, which compares each group with the pooled total.
    """
    wide = group_counts.pivot_table(index="term", columns=group, values="n", aggfunc="sum", fill_value=0)
    alpha = wide.sum(axis=1)
    alpha0 = float(alpha.sum())
    rows = []
    for name in wide.columns:
        y_i = wide[name]
        y_j = alpha - y_i
        n_i, n_j = float(y_i.sum()), float(y_j.sum())
        delta = (np.log((y_i + alpha) / (n_i + alpha0 - y_i - alpha))
                 - np.log((y_j + alpha) / (n_j + alpha0 - y_j - alpha)))
        sigma = np.sqrt(1.0 / (y_i + alpha) + 1.0 / (y_j + alpha))
        rows.append(pd.DataFrame({group: name, "term": wide.index, "n_group": y_i.values, "n_rest": y_j.values,
                                  "log_odds": delta.values, "z": (delta / sigma).values}))
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=[group, "term", "n_group", "n_rest", "log_odds", "z"])
    return out[out["n_group"] + out["n_rest"] > 0].reset_index(drop=True)


DISTINCTIVE_COLUMNS = ["term", "n_group", "n_rest", "programs_group", "programs_rest", "log_odds", "z"]


def distinctive_terms(term_frame: pd.DataFrame, items: pd.DataFrame, by: str = "support_type",
                      aspects: tuple[str, ...] = ()) -> pd.DataFrame:
    """``distinctive_terms.csv``: each group of ``by`` (the support type, an attribute, the city, or the
    aspect) against the other groups, per year — Monroe et al.'s one-vs-rest weighted log-odds (a
    descriptive score over term occurrences, not a test: items of one program are not independent) with
    the raw counts and programs beside it. A year with one group has no rows: there is nothing to set
    it against (its z would be 0 for every term, a number that says nothing)."""
    joined = term_items(term_frame, items, by)
    columns = ["year", by, *DISTINCTIVE_COLUMNS]
    parts = []
    for year, data in joined.groupby("year", dropna=False, sort=True):
        if data[by].nunique() < 2:
            continue
        group_counts = data.groupby([by, "term"], sort=False).size().rename("n").reset_index()
        scored = weighted_log_odds(group_counts.rename(columns={by: "group"}))
        programs = data.groupby([by, "term"])["program_key"].nunique()
        total = data.groupby("term")["program_key"].nunique()
        scored["programs_group"] = [programs.get((g, t), 0) for g, t in zip(scored["group"], scored["term"], strict=True)]
        scored["programs_rest"] = total.reindex(scored["term"]).to_numpy() - scored["programs_group"]
        parts.append(scored.rename(columns={"group": by}).assign(year=year))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns).astype({by: TEXT, "term": TEXT})
    out = out[columns]
    out["_neg_z"] = -out["z"]
    out = sort_for_reading(out, items, ["year", by, "_neg_z", "term"], aspects).drop(columns="_neg_z")
    out = out.astype({c: "Int64" for c in ("year", "n_group", "n_rest", "programs_group", "programs_rest")})
    return out.astype({"log_odds": float, "z": float}).round({"log_odds": 6, "z": 6})


PAIRED_COLUMNS = ["term", "programs", "programs_paired", "programs_effect", "programs_limitation", "programs_both",
                  "items_effect", "items_limitation"]


def effect_vs_limitation(term_frame: pd.DataFrame, items: pd.DataFrame, comparison: Comparison
                         ) -> pd.DataFrame:
    """``effect_vs_limitation.csv``: per year × group × term, how many of the group's programs use the term
    in the positive aspect (``effect``: the aspect its schema marks ``positive``), in the negative one
    (``limitation``), and in both (the same programs, paired), with the items of each side; ``programs_paired``
    is how many of the group's programs have items on both sides, the most ``programs_both`` can be. A
    description, not a test: 2–3 programs per group cannot show one. Empty when no schema marks both sides."""
    by = comparison.by
    keys = ["year", by, "term"]
    if not comparison.paired:
        return pd.DataFrame(columns=["year", by, *PAIRED_COLUMNS])
    polarity = {key: p for p in ("positive", "negative") for key in comparison.side(p)}
    joined = term_items(term_frame, items, by)
    joined = joined.assign(side=joined["aspect"].map(polarity)).dropna(subset=["side"])
    sides = {}
    for side in ("positive", "negative"):
        part = joined[joined["side"] == side].groupby(keys, dropna=False)
        sides[side] = part.agg(programs=("program_key", "nunique"), items=("item_id", "nunique"))
    both = (joined.groupby([*keys, "program_key"], dropna=False)["side"].nunique() == 2).groupby(
        level=keys, dropna=False).sum().rename("programs_both")
    out = pd.concat([sides["positive"].add_suffix("_effect"), sides["negative"].add_suffix("_limitation"), both],
                    axis=1).fillna(0).reset_index()
    programs = items.assign(program_key=program_keys(items)).groupby(["year", by], dropna=False)[
        "program_key"].nunique().rename("programs").reset_index()
    sided = items.assign(program_key=program_keys(items), side=items["aspect"].map(polarity)).dropna(subset=["side"])
    paired = (sided.groupby(["year", by, "program_key"], dropna=False)["side"].nunique() == 2).groupby(
        level=["year", by], dropna=False).sum().rename("programs_paired").reset_index()
    out = out.merge(programs, on=["year", by], how="left").merge(paired, on=["year", by], how="left")
    out["programs_paired"] = out["programs_paired"].fillna(0)
    out["_key"] = -(out["programs_effect"] + out["programs_limitation"])
    out["_items"] = -(out["items_effect"] + out["items_limitation"])
    out = sort_for_reading(out, items, ["year", by, "_key", "_items", "term"])
    out = out[["year", by, *PAIRED_COLUMNS]]
    return out.astype({c: "Int64" for c in ["year", *PAIRED_COLUMNS] if c != "term"} | {"term": TEXT})


def word_spread(word_counts: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per group × word (compound parts included: what a reader means by 補助金 in 補助金交付終了後), the
    programs and occurrences in that group and the programs in the other groups, in the columns
    :func:`sentences.one_group_terms` reads."""
    per_group = word_counts[(word_counts["aspect"] == ALL_ASPECTS) & ~word_counts[ALL_GROUPS]]
    total = per_group.groupby("word")["n_programs"].transform("sum")
    return pd.DataFrame({by: per_group[by], "term": per_group["word"], "n_group": per_group["n"],
                         "programs_group": per_group["n_programs"], "programs_rest": total - per_group["n_programs"]})
