"""Comparing years: which programs were kept, added, removed or renamed, and which terms rose or fell."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import pairwise

import pandas as pd

from .dtypes import TEXT
from .labels import NO_SUPPORT_TYPE, label_key, pieces, year_label
from .schema import Comparison
from .stats import ALL_ASPECTS, ALL_GROUPS, Z_SHOWN, counts_by_level, sort_for_reading, top_with_ties, weighted_log_odds

CHANGE_COLUMNS = ["city", "program_no", "program", "support_type", "status", "first_year", "last_year", "previous_name",
                  "previous_no", "previous_support_type", "first_no", "first_name"]
TREND_COLUMNS = ["aspect", "term", "n", "n_items", "n_programs", "prev_year", "n_prev", "log_odds_vs_prev",
                 "z_vs_prev"]
RENAME_SIMILARITY = 0.5


def known_years(items_or_programs: pd.DataFrame) -> list[int]:
    return sorted(int(y) for y in items_or_programs["year"].dropna().unique())


def _program_texts(items: pd.DataFrame) -> dict[tuple, str]:
    return {key: "".join(group["text"]) for key, group in items.groupby(["source_file", "program_no"], sort=False)}


@dataclass
class _Chain:
    """One program followed across the years."""

    no: int
    name: str
    support_type: str
    first_year: int
    last_year: int
    text: str
    previous_name: str = ""
    previous_no: int | None = None
    previous_support_type: str = ""  # the group it was in before it moved (情報発信 → 市民活動支援)
    first_no: int | None = None  # its NO and name in its first year (previous_no / _name: before its last change)
    first_name: str = ""
    first_support_type: str = ""

    def __post_init__(self) -> None:
        if self.first_no is None:
            self.first_no, self.first_name, self.first_support_type = self.no, self.name, self.support_type

    def extend(self, program, year: int, text: str) -> None:
        """The program continues in ``year`` as ``program`` (maybe renamed or renumbered)."""
        if label_key(program.program) != label_key(self.name):
            self.previous_name = self.name
        if program.program_no != self.no:
            self.previous_no = self.no
        if program.support_type != self.support_type and NO_SUPPORT_TYPE not in (program.support_type, self.support_type):
            self.previous_support_type = self.support_type  # 区分なし → 甲 is no move: the group was not written
        self.no, self.name, self.support_type = program.program_no, program.program, program.support_type
        self.last_year, self.text = year, text


def cities(frame: pd.DataFrame) -> list:
    """The cities of a table (NA for tables without one) in order of appearance: years are compared within a city."""
    return list(dict.fromkeys(frame["city"].tolist())) if len(frame) else []


def rows_of(frame: pd.DataFrame, column: str, value) -> pd.DataFrame:
    """The rows whose ``column`` is ``value`` (a missing value matches the missing ones)."""
    return frame[frame[column].isna()] if pd.isna(value) else frame[frame[column] == value]


def of_city(frame: pd.DataFrame, city) -> pd.DataFrame:
    return rows_of(frame, "city", city)


def cities_together(items: pd.DataFrame, by: str) -> dict[object, list[str]]:
    """Per year, the cities whose programs a grouping other than the city counts together (one group of
    財政的支援 programs from every city), where a year has two or more: what the run warns of and the pages
    say."""
    if by == "city" or not len(items):
        return {}
    together = {}
    for year, part in items.groupby("year", dropna=False, sort=True):
        named = [str(c) if not pd.isna(c) else "市町村名なし" for c in cities(part)]
        if len(named) >= 2:
            together[year] = named
    return together


def cities_together_warning(items: pd.DataFrame, comparison: Comparison) -> list[str]:
    """The run's warning that tables of several cities of one year are counted as one (never silently)."""
    what = comparison.by_label
    return [f"{year_label(year)}には {pieces(len(named))}の市町村 ({'、'.join(named)}) の表があり、{what}ごとにまとめて数えます"
            f" (市町村をまたいで同じ{what}の事業を1つのグループとして数えます)。市町村ごとに分析するなら、"
            "その市町村の表だけを置いたフォルダを --raw-dir に、市町村を比べるなら --by city を指定してください。"
            for year, named in cities_together(items, comparison.by).items()]


def year_cities(items: pd.DataFrame) -> list:
    """The cities whose tables span two or more known years (years are compared only within a city)."""
    return [city for city in cities(items) if len(known_years(of_city(items, city))) >= 2]


def program_changes(programs: pd.DataFrame, items: pd.DataFrame, similarity: float = RENAME_SIMILARITY,
                    unnumbered: frozenset[str] = frozenset()) -> pd.DataFrame:
    """``program_changes.csv``: the programs of each city followed across its years (see :func:`city_changes`);
    ``unnumbered``: the files whose tables have no number column (their programs are numbered in table order, so
    a number that differs is no renumbering: a hostile tester got 「番号変更 3 事業」 of a table without numbers)."""
    parts = [city_changes(of_city(programs, city), of_city(items, city), similarity,
                          numbered=not set(of_city(programs, city)["source_file"]) <= unnumbered).assign(city=city)
             for city in cities(programs)]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CHANGE_COLUMNS)
    return out[CHANGE_COLUMNS].astype({c: "Int64" for c in ("program_no", "first_year", "last_year", "previous_no", "first_no")}
                                      | {"city": TEXT})


def city_changes(programs: pd.DataFrame, items: pd.DataFrame, similarity: float = RENAME_SIMILARITY,
                 numbered: bool = True) -> pd.DataFrame:
    """One row per program of one city followed across the years.

    Each year's programs are matched to the previous year's by name (width and spaces normalised),
    whatever their NO; the programs left over are paired as renamed when their items' text is still
    mostly the same (difflib ratio ≥ ``similarity``, the most similar pair first), then by name to a
    program of an earlier year missing from the years between (夏祭り of 2022 and 2024, not of 2023: one
    program, not one removed and one added); only the rest are removed or added. ``status``: ``removed``
    if missing from the latest year, ``added`` if missing from the first, else ``renamed`` if its first
    year's name is not its last year's, ``renumbered`` if only the NO differs, else ``kept`` (a name or NO
    changed and changed back is kept, a group left and come back to is no move: ``previous_support_type``
    is empty); ``not_compared`` when the city has fewer than two known years (nothing to follow a program
    across: a program of one table is neither kept nor added), a table without a known year with no year.
    """
    years = known_years(programs)
    texts = _program_texts(items) if len(years) >= 2 else {}  # texts are compared only between two years
    rows = [{"program_no": p.program_no, "program": p.program, "support_type": p.support_type, "status": NOT_COMPARED,
             "first_year": None, "last_year": None, "previous_name": "", "previous_no": None, "previous_support_type": "",
             "first_no": p.program_no, "first_name": p.program}
            for p in programs[programs["year"].isna()].itertuples(index=False)]
    chains: list[_Chain] = []
    active: list[_Chain] = []
    for year in years:
        current = list(programs[programs["year"] == year].itertuples(index=False))
        text_of = {id(p): texts.get((p.source_file, p.program_no), "") for p in current}
        pairs = _match_programs(active, current, text_of, similarity)
        dormant = [chain for chain in chains if all(chain is not a for a in active)]  # missing from a year between
        pairs += _name_pairs(dormant, [p for p in current if all(p is not q for _, q in pairs)])
        for chain, program in pairs:
            chain.extend(program, year, text_of[id(program)])
        matched = {id(p) for _, p in pairs}
        added = [_Chain(p.program_no, p.program, p.support_type, year, year, text_of[id(p)])
                 for p in current if id(p) not in matched]
        chains += added
        active = [chain for chain, _ in pairs] + added
    for chain in chains:
        rows.append({"program_no": chain.no, "program": chain.name, "support_type": chain.support_type,
                     "status": _status(chain, years, numbered), "first_year": chain.first_year, "last_year": chain.last_year,
                     "previous_name": chain.previous_name, "previous_no": chain.previous_no if numbered else None,
                     "previous_support_type": chain.previous_support_type if chain.support_type != chain.first_support_type
                     else "", "first_no": chain.first_no,
                     "first_name": chain.first_name})
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    out = out.sort_values(["last_year", "program_no", "first_year"], kind="stable", na_position="first")
    return out.reset_index(drop=True)  # typed by program_changes


def _match_programs(active: list[_Chain], current: list, text_of: dict[int, str], similarity: float) -> list[tuple]:
    """(chain, program) pairs: first by normalised name (:func:`_name_pairs`), then the most similar texts above
    ``similarity``."""
    pairs = _name_pairs(active, current)
    left = [chain for chain in active if all(chain is not c for c, _ in pairs)]
    taken = {id(p) for _, p in pairs}
    candidates = sorted(((SequenceMatcher(None, chain.text, text_of[id(p)], autojunk=False).ratio(), k, j)
                         for k, chain in enumerate(left) for j, p in enumerate(current) if id(p) not in taken),
                        key=lambda c: (-c[0], c[1], c[2]))
    used_chains: set[int] = set()
    for ratio, k, j in candidates:
        if ratio >= similarity and k not in used_chains and id(current[j]) not in taken:
            pairs.append((left[k], current[j]))
            used_chains.add(k)
            taken.add(id(current[j]))
    return pairs


def _name_pairs(active: list[_Chain], current: list) -> list[tuple]:
    """(chain, program) pairs of the same normalised name, one to one: a name used by two programs (啓発事業 in two
    groups) goes first to the program of the same group and NO, then of the same group, then of any group, each
    in table order — never one program to two chains."""
    pairs: list[tuple] = []
    for same_group, same_no in ((True, True), (True, False), (False, False)):
        for chain in active:
            if any(chain is c for c, _ in pairs):
                continue
            program = next((p for p in current if label_key(p.program) == label_key(chain.name)
                            and all(p is not q for _, q in pairs)
                            and (not same_group or p.support_type == chain.support_type)
                            and (not same_no or p.program_no == chain.no)), None)
            if program is not None:
                pairs.append((chain, program))
    return pairs


NOT_COMPARED = "not_compared"


def _status(chain: _Chain, years: list[int], numbered: bool = True) -> str:
    if len(years) < 2:
        return NOT_COMPARED
    if chain.last_year < years[-1]:
        return "removed"
    if chain.first_year > years[0]:
        return "added"
    if label_key(chain.first_name) != label_key(chain.name):  # the first table against the last: a name changed
        return "renamed"                                       # and changed back is no renaming (nor 6 → 7 → 6)
    return "renumbered" if numbered and chain.first_no != chain.no else "kept"


def trend_group(by: str) -> str:
    """The groups a city's years are compared in: the compared groups, or its support types when the
    cities themselves are compared (--by city)."""
    return "support_type" if by == "city" else by


def trend_group_label(comparison: Comparison) -> str:
    """The Japanese name of :func:`trend_group`'s groups."""
    return "区分" if comparison.by == "city" else comparison.by_label


def keyword_trends(term_frame: pd.DataFrame, items: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """``keyword_trends.csv``: per city × year × group × aspect × term, counts and programs, and against
    the city's previous year the weighted log-odds of the term (positive z: rose; negative: fell).

    Rows come at three levels: all groups and aspects pooled (``all_groups`` true, the group's cell empty;
    aspect ``all``), each group with aspects pooled (``all``), and each group × aspect. A term used the
    previous year but not this year appears with ``n = 0`` so that falling terms are listed too. Years are
    compared only within a city (and, when the cities are the compared groups, in each city's support
    types: :func:`trend_group`).
    """
    within = Comparison(comparison.aspects, trend_group(comparison.by), comparison.by_label, comparison.attributes)
    parts = [city_trends(term_frame, of_city(items, city), within).assign(city=city) for city in cities(items)]
    columns = ["city", "year", ALL_GROUPS, within.by, *TREND_COLUMNS]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    return out[columns].astype({"city": TEXT})


def city_trends(term_frame: pd.DataFrame, items: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """The trends of one city's items (see :func:`keyword_trends`)."""
    by, keys = comparison.by, ["year", ALL_GROUPS, comparison.by, "aspect", "term"]
    table = counts_by_level(term_frame, items, comparison=comparison)  # counts join terms to these items only
    changes = []
    for previous, year in pairwise(known_years(items)):
        pair = table[table["year"].isin([previous, year])]
        for (pooled, group, aspect), cell in pair.groupby([ALL_GROUPS, by, "aspect"], sort=False, dropna=False):
            scored = weighted_log_odds(cell.rename(columns={"year": "group"})[["group", "term", "n"]])
            scored = scored[scored["group"] == year]
            changes.append(pd.DataFrame({"year": year, ALL_GROUPS: pooled, by: group, "aspect": aspect,
                                         "term": scored["term"].values, "prev_year": previous,
                                         "n_prev": scored["n_rest"].values, "log_odds_vs_prev": scored["log_odds"].values,
                                         "z_vs_prev": scored["z"].values}))
    if changes:
        table = table.merge(pd.concat(changes, ignore_index=True), on=keys, how="outer")
        for column in ("n", "n_items", "n_programs"):
            table[column] = table[column].fillna(0)
    out = table.reindex(columns=["year", ALL_GROUPS, by, *TREND_COLUMNS])
    out["_level"] = (~out[ALL_GROUPS]).astype(int) + (out["aspect"] != ALL_ASPECTS).astype(int)
    out["_neg_n"] = -out["n"]
    out = sort_for_reading(out, items, ["year", "_level", by, "aspect", "_neg_n", "term"], comparison.aspect_keys)
    out = out.drop(columns=["_level", "_neg_n"])
    for column in ("year", "n", "n_items", "n_programs", "prev_year", "n_prev"):
        out[column] = out[column].astype("Int64")
    for column in ("log_odds_vs_prev", "z_vs_prev"):
        out[column] = out[column].astype("Float64").round(6)
    return out.reset_index(drop=True)


def pooled_changes(trends: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``keyword_trends.csv`` with all groups and aspects pooled that are compared with a
    previous year."""
    return trends[trends[ALL_GROUPS].fillna(False) & (trends["aspect"] == ALL_ASPECTS) & trends["z_vs_prev"].notna()]


def term_shifts(trends: pd.DataFrame, year: int, top: int = 10, threshold: float = Z_SHOWN
                ) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The terms of ``year`` (all groups and aspects pooled) whose z against the previous year
    reaches +``threshold`` (rising) or −``threshold`` (falling), the largest change first, never cut
    inside a tie (up to ``2 × top``), and how many tied terms were left out."""
    pooled = pooled_changes(trends)
    pooled = pooled[pooled["year"] == year]
    pooled = pooled.assign(z_key=pooled["z_vs_prev"].round(6))
    rising = pooled[pooled["z_key"] >= threshold].sort_values(["z_key", "term"], ascending=[False, True])
    falling = pooled[pooled["z_key"] <= -threshold].sort_values(["z_key", "term"], ascending=[True, True])
    (rising, left_rising), (falling, left_falling) = (top_with_ties(rising, top, ["z_key"], most=2 * top),
                                                      top_with_ties(falling, top, ["z_key"], most=2 * top))
    return rising.drop(columns="z_key"), falling.drop(columns="z_key"), left_rising + left_falling


def program_report(changes: pd.DataFrame, year: int | None = None, group: str = "区分", number: str = "NO") -> list[str]:
    """Human-readable lines about added, removed, renamed, renumbered and moved programs (for ``validate``);
    ``group`` and ``number`` are the tables' names for the support type's and the number's columns."""
    lines = []
    labels = {"added": "新しい事業", "removed": "なくなった事業", "renamed": "名前が変わった事業",
              "renumbered": f"名前は同じで {number} が変わった事業"}
    for status, label in labels.items():
        rows = changes[changes["status"] == status]
        if year is not None and status == "added":
            rows = rows[rows["first_year"] == year]
        if rows.empty:
            continue
        described = []
        for row in rows.itertuples(index=False):
            text = f"{number} {row.program_no} {row.program}"
            if status == "renamed":
                text += f" (旧: {row.previous_name})"
            if not pd.isna(row.previous_no):
                text += f" (旧 {number} {row.previous_no})"
            if status == "removed":
                text += f" (最後: {row.last_year}年度)"
            described.append(text)
        lines.append(f"{label}: " + ", ".join(described))
    moved = changes[changes["previous_support_type"].fillna("") != ""]
    if len(moved):
        lines.append(f"{group}が変わった事業: " + ", ".join(
            f"{number} {r.program_no} {r.program} ({r.previous_support_type} → {r.support_type})" for r in moved.itertuples()))
    return lines


def table_sources(metadata: dict) -> pd.DataFrame:
    """Each analysed table: its city, year, file, title and source as the manifest records them."""
    columns = ["city", "year", "file", "title", "source"]
    frame = pd.DataFrame([{c: f.get(c) for c in columns} for f in metadata.get("raw_files", [])], columns=columns)
    return frame.astype({"year": "Int64"})


def group_label(city: str, year) -> str:
    """A compared city with its table's year: 「架空市A (2024年度)」 (cities are compared across years)."""
    return f"{city} ({year_label(year)})"


def compared_labels(metadata: dict) -> dict[str, str]:
    """Comparing cities (``--by city``), each city's label with the year of the table it is compared by
    (:func:`group_label`); empty otherwise. Figures and sentences name the groups by these."""
    return {c["city"]: group_label(c["city"], c["year"]) for c in metadata.get("compared", [])}
