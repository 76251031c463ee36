"""Comparing years: which programs were kept, added, removed or renamed, and which terms rose or fell."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import pairwise

import pandas as pd

from .stats import counts, sort_for_reading, weighted_log_odds

CHANGE_COLUMNS = ["program_no", "program", "support_type", "status", "first_year", "last_year", "previous_name"]
TREND_COLUMNS = ["year", "support_type", "aspect", "term", "n", "n_items", "n_programs", "prev_year", "n_prev",
                 "log_odds_vs_prev", "z_vs_prev"]
ALL_SUPPORT_TYPES = "全体"
ALL_ASPECTS = "all"
RENAME_SIMILARITY = 0.5


def normalize_name(name: str) -> str:
    """A program name compared across years: width folded (NFKC) and spaces removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def known_years(items_or_programs: pd.DataFrame) -> list[int]:
    return sorted(int(y) for y in items_or_programs["year"].dropna().unique())


def _program_texts(items: pd.DataFrame) -> dict[tuple, str]:
    return {key: "".join(group["text"]) for key, group in items.groupby(["source_file", "program_no"], sort=False)}


@dataclass
class _Chain:
    no: int
    name: str
    support_type: str
    first_year: int
    last_year: int
    text: str
    previous_name: str = ""
    renamed: bool = False


def program_changes(programs: pd.DataFrame, items: pd.DataFrame, similarity: float = RENAME_SIMILARITY) -> pd.DataFrame:
    """``program_changes.csv``: one row per program followed across the years.

    Programs are matched by number and name (width and spaces normalised). A program whose number
    stayed but whose name changed is ``renamed`` when its items' text is still mostly the same
    (difflib ratio ≥ ``similarity``); otherwise it is one ``removed`` and one ``added`` program.
    ``status`` is ``removed`` if the program is missing from the latest year, ``added`` if it is
    missing from the first year, else ``renamed`` if its name ever changed, else ``kept``.
    Tables without a known year cannot be ordered and are listed as ``kept`` with an empty year.
    """
    texts = _program_texts(items)
    years = known_years(programs)
    rows: list[dict] = []
    unknown = programs[programs["year"].isna()]
    for program in unknown.itertuples(index=False):
        rows.append({"program_no": program.program_no, "program": program.program, "support_type": program.support_type,
                     "status": "kept", "first_year": None, "last_year": None, "previous_name": ""})
    chains: list[_Chain] = []
    active: list[_Chain] = []
    for year in years:
        current = programs[programs["year"] == year]
        unmatched = list(current.itertuples(index=False))
        still_active: list[_Chain] = []
        for chain in active:
            match = next((p for p in unmatched if p.program_no == chain.no
                          and normalize_name(p.program) == normalize_name(chain.name)), None)
            if match is not None:
                unmatched.remove(match)
                chain.last_year, chain.support_type = year, match.support_type
                chain.text = texts.get((match.source_file, match.program_no), "")
                still_active.append(chain)
        for chain in [c for c in active if c not in still_active]:
            match = next((p for p in unmatched if p.program_no == chain.no), None)
            if match is None:
                continue
            text = texts.get((match.source_file, match.program_no), "")
            if SequenceMatcher(None, chain.text, text, autojunk=False).ratio() >= similarity:
                unmatched.remove(match)
                chain.previous_name, chain.name, chain.renamed = chain.name, match.program, True
                chain.last_year, chain.support_type, chain.text = year, match.support_type, text
                still_active.append(chain)
        for program in unmatched:
            chain = _Chain(program.program_no, program.program, program.support_type, year, year,
                           texts.get((program.source_file, program.program_no), ""))
            chains.append(chain)
            still_active.append(chain)
        active = still_active
    for chain in chains:
        if chain.last_year < years[-1]:
            status = "removed"
        elif chain.first_year > years[0]:
            status = "added"
        else:
            status = "renamed" if chain.renamed else "kept"
        rows.append({"program_no": chain.no, "program": chain.name, "support_type": chain.support_type, "status": status,
                     "first_year": chain.first_year, "last_year": chain.last_year, "previous_name": chain.previous_name})
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    out = out.sort_values(["program_no", "first_year", "program"], kind="stable", na_position="first").reset_index(drop=True)
    for column in ("program_no", "first_year", "last_year"):
        out[column] = out[column].astype("Int64")
    return out


def keyword_trends(term_frame: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """``keyword_trends.csv``: per term × year × support type × aspect, counts and programs, and against
    the previous year the weighted log-odds of the term (positive z: rose; negative: fell).

    Rows come at three levels: all support types and aspects pooled (``全体`` / ``all``), each support
    type with aspects pooled (``all``), and each support type × aspect. A term used the previous year
    but not this year appears with ``n = 0`` so that falling terms are listed too.
    """
    levels = [([], ALL_SUPPORT_TYPES, ALL_ASPECTS), (["support_type"], None, ALL_ASPECTS),
              (["support_type", "aspect"], None, None)]
    years = known_years(items)
    parts = []
    for keys, support_fill, aspect_fill in levels:
        table = counts(term_frame, items, by=["year", *keys])
        if support_fill is not None:
            table["support_type"] = support_fill
        if aspect_fill is not None:
            table["aspect"] = aspect_fill
        table = table[["year", "support_type", "aspect", "term", "n", "n_items", "n_programs"]]
        changes = []
        for previous, year in pairwise(years):
            pair = table[table["year"].isin([previous, year])]
            for (support, aspect), cell in pair.groupby(["support_type", "aspect"], sort=False):
                scored = weighted_log_odds(cell.rename(columns={"year": "group"})[["group", "term", "n"]])
                scored = scored[scored["group"] == year]
                changes.append(pd.DataFrame({"year": year, "support_type": support, "aspect": aspect,
                                             "term": scored["term"].values, "prev_year": previous,
                                             "n_prev": scored["n_rest"].values, "log_odds_vs_prev": scored["log_odds"].values,
                                             "z_vs_prev": scored["z"].values}))
        if changes:
            change = pd.concat(changes, ignore_index=True)
            table = table.merge(change, on=["year", "support_type", "aspect", "term"], how="outer")
            for column in ("n", "n_items", "n_programs"):
                table[column] = table[column].fillna(0)
        parts.append(table)
    out = pd.concat(parts, ignore_index=True).reindex(columns=TREND_COLUMNS)
    out["_level"] = (out["support_type"] != ALL_SUPPORT_TYPES).astype(int) + (out["aspect"] != ALL_ASPECTS).astype(int)
    out["_neg_n"] = -out["n"]
    out = sort_for_reading(out, items, ["year", "_level", "support_type", "aspect", "_neg_n", "term"])
    out = out.drop(columns=["_level", "_neg_n"])
    for column in ("year", "n", "n_items", "n_programs", "prev_year", "n_prev"):
        out[column] = out[column].astype("Int64")
    for column in ("log_odds_vs_prev", "z_vs_prev"):
        out[column] = out[column].astype("Float64").round(6)
    return out.reset_index(drop=True)


def program_report(changes: pd.DataFrame, year: int | None = None) -> list[str]:
    """Human-readable lines about added, removed and renamed programs (for ``validate``)."""
    lines = []
    labels = {"added": "新しい事業", "removed": "なくなった事業", "renamed": "名前が変わった事業"}
    for status, label in labels.items():
        rows = changes[changes["status"] == status]
        if year is not None and status == "added":
            rows = rows[rows["first_year"] == year]
        if rows.empty:
            continue
        described = []
        for row in rows.itertuples(index=False):
            text = f"NO {row.program_no} {row.program}"
            if status == "renamed":
                text += f" (旧: {row.previous_name})"
            if status == "removed":
                text += f" (最後: {row.last_year}年度)"
            described.append(text)
        lines.append(f"{label}: " + ", ".join(described))
    return lines
