"""The sentences on years: how many years the tables span, what changed in the programs between them, and
each year's summary.

Read only when a city's tables span two or more known years (a page of one year says so in one sentence).
Kept apart from :mod:`sentences`, whose summary sentences they repeat per year, so that each module is one
kind of page a reader checks on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import NamedTuple

import pandas as pd

from .analysis import Analysis
from .labels import NO_SUPPORT_TYPE, STATUS_JA, UNKNOWN_YEAR, own_header, pieces, year_label
from .schema import Comparison
from .sentences import md, program_label
from .slices import part_metadata, select_city, select_year
from .topics import summary_sentences
from .years import cities, known_years, of_city, year_cities


def years_sentence(analysis: Analysis, whole: Analysis | None = None) -> str:
    """How many years the tables span, in words a reader expects (one year: no comparison). ``whole`` is
    the analysis of every city when ``analysis`` is one city's part (years are compared within a city)."""
    if whole is not None and len(cities(whole["items"])) > 1 and not year_cities(whole["items"]):
        return "どの市町村の表も1つの年度だけなので、年度の比較はありません (年度は市町村ごとに比べます)。"
    known = known_years(analysis["items"])
    unknown = analysis["programs"].loc[analysis["programs"]["year"].isna(), "source_file"].unique().tolist()
    named = analysis["items"]["city"].dropna().unique().tolist()
    city = f"{named[0]}の" if len(named) == 1 else ""
    if len(known) >= 2:
        return f"{city}{known[0]}〜{known[-1]}年度の {pieces(len(known))}の年度の表を比べます。"
    if len(known) == 1:
        return f"{city}表は{known[0]}年度だけなので、年度の比較はありません (年度は市町村ごとに比べます)。"
    return (f"年度の分かる表がないため ({'、'.join(unknown)} は{UNKNOWN_YEAR})、年度の比較はありません。"
            "年度は「kyodo-analysis manifest add ファイル --year 西暦」で登録できます。")


def year_metadata(analysis: Analysis) -> dict:
    """The metadata of the tables the year section quotes (every table of each city whose tables span two or more
    known years): a page of one year that shows the section cites the other years' tables too."""
    items = analysis["items"]
    return part_metadata(analysis.metadata, {f for city in year_cities(items) for f in of_city(items, city)["source_file"]})


def _change(row, comparison: Comparison) -> str:
    """One program's change, by name with both numbers."""
    now = program_label(row.program_no, row.program, comparison)
    if row.status == "added":  # the tables say only which table has it: 2018 and 2025 may be seven years apart
        return f"{now} ({year_label(row.first_year)}の表から)"
    if row.status == "removed":
        return f"{now} ({year_label(row.last_year)}の表まで)"
    return f"{_first_label(row, comparison)} → {now}"


def _first_label(row, comparison: Comparison) -> str:
    """A program as its first year's table named it: that year's number and name (5 of 5 → 4 → 3)."""
    name = row.first_name if isinstance(row.first_name, str) and row.first_name else row.program
    return program_label(row.program_no if pd.isna(row.first_no) else int(row.first_no), name, comparison)


def _both_years(row, comparison: Comparison) -> str:
    """A program of both tables as the last one names it, with the first one's number and name where they differ
    (NO 4 市民協働コーディネーター → NO 3 市民協働コーディネーター: a newcomer read NO 3 as the 2018 table's)."""
    now = program_label(row.program_no, row.program, comparison)
    return now if _first_label(row, comparison) == now else _change(row, comparison)


class _CityYears(NamedTuple):
    """One city whose tables span two or more known years, as both year sentences read it."""
    city: object
    items: pd.DataFrame
    changes: pd.DataFrame  # its rows of program_changes.csv
    years: list[int]
    comparison: Comparison  # its own tables' (its NO or 番号, its 区分)
    whose: str  # 「逗子市の」, or "" for tables of no city (a folder without a manifest)


def _cities_with_years(analysis: Analysis) -> Iterator[_CityYears]:
    for city in year_cities(analysis["items"]):
        items = of_city(analysis["items"], city)
        yield _CityYears(city, items, of_city(analysis["program_changes"], city), known_years(items),
                         Comparison.from_metadata(part_metadata(analysis.metadata, set(items["source_file"]))),
                         "" if pd.isna(city) else f"{city}の")


def year_change_lines(analysis: Analysis) -> list[str]:
    """For each city whose tables span two or more known years: the programs added, removed, renamed and
    renumbered (by name, with both numbers) and how many were kept; nothing for a city with one year."""
    lines = []
    for city, items, own, years, comparison, whose in _cities_with_years(analysis):
        parts = []
        for status in ("added", "removed", "renamed", "renumbered"):
            rows = own[own["status"] == status]
            if len(rows):
                parts.append(f"{STATUS_JA[status]} {len(rows)} 事業 (" + "、".join(
                    _change(r, comparison) for r in rows.itertuples(index=False)) + ")")
        kept = int((own["status"] == "kept").sum())
        written = _written(items, years)
        edited = _items_changed(written, years, own[own["status"] == "kept"], comparison)
        same = "番号も名称も同じ" if comparison.columns.get("program_no") else "名称が同じ"  # no numbers: the order is no number
        body = ("。".join(parts) + f"。{same}事業は {kept} 事業です{edited}。" if parts
                else f"事業の追加・廃止・名称変更・番号変更はありません{edited.replace(' (うち', ' (')}。")  # no うち of nothing
        body += _moved_items_changed(written, years, own, comparison)
        group = own_header(comparison.columns, "support_type")
        groups = _groups_changed(of_city(analysis["programs"], city), years, group)
        lines.append(f"{whose}{year_label(years[0])}〜{year_label(years[-1])}: {body}{_moves(own, comparison, group)}{groups}")
    return lines


def _items_changed(written: dict, years: list[int], kept: pd.DataFrame, comparison: Comparison) -> str:
    """「 (うち項目が変わった事業は 1 事業: NO 2 …)」 for the programs kept by name and number whose items differ between
    the first and the last year (a reviewer: an item removed and one added were reported nowhere); "" if none."""
    changed = _edited(written, years, kept)
    if not changed:
        return ""
    return (f" (うち{year_label(years[0])}と{year_label(years[-1])}で項目が変わった事業は {len(changed)} 事業: "
            + "、".join(program_label(r.program_no, r.program, comparison) for r in changed) + ")")


def _moved_items_changed(written: dict, years: list[int], own: pd.DataFrame, comparison: Comparison) -> str:
    """「名称か番号が変わった 4 事業のうち、項目も変わった事業は 4 事業です: NO 4 → NO 3 …。」 for the programs of both the
    first and the last table renamed or renumbered (a newcomer: their changed items were said nowhere); "" if none."""
    moved = own[own["status"].isin(["renamed", "renumbered"]) & (own["first_year"] == years[0])
                & (own["last_year"] == years[-1])]
    changed = _edited(written, years, moved)
    if not changed:
        return ""
    what = "名称か番号" if comparison.columns.get("program_no") else "名称"
    return (f"{what}が変わった {len(moved)} 事業のうち、{year_label(years[0])}と{year_label(years[-1])}で項目も変わった事業は"
            f" {len(changed)} 事業です: " + "、".join(_both_years(r, comparison) for r in changed) + "。")


def _written(items: pd.DataFrame, years: list[int]) -> dict:
    """{(year, program_no): the program's (aspect, text) items} of the first and the last table, read in one pass."""
    ends = items[items["year"].isin([years[0], years[-1]])]
    return {key: list(zip(part["aspect"], part["text"], strict=True))
            for key, part in ends.groupby(["year", "program_no"], sort=False)}


def _edited(written: dict, years: list[int], programs: pd.DataFrame) -> list:
    """The programs (rows of ``program_changes.csv``) whose items, aspect and text, differ between the first and the
    last table (:func:`_written`), each read by its first year's number there (a table without numbers renumbers)."""
    return [r for r in programs.itertuples(index=False)
            if written.get((years[0], r.first_no)) != written.get((years[-1], r.program_no))]


def _groups_changed(programs: pd.DataFrame, years: list[int], group: str) -> str:
    """The groups (the tables' support-type column, called ``group``) of a year that the next year's table no
    longer has, and those it has for the first time (a newcomer: 情報的支援 of 2025 was said nowhere)."""
    of = {year: [g for g in dict.fromkeys(programs.loc[programs["year"] == year, "support_type"]) if g != NO_SUPPORT_TYPE]
          for year in years}  # 区分なし is no group a table has (a table without the column: a hostile tester)
    said = []
    for before, after in pairwise(years):
        if gone := [g for g in of[before] if g not in of[after]]:
            said.append(f"{year_label(after)}の表には{year_label(before)}の{group}「" + "」「".join(gone) + "」がありません。")
        if new := [g for g in of[after] if g not in of[before]]:
            said.append(f"{year_label(after)}の表には{year_label(before)}の表になかった{group}「" + "」「".join(new)
                        + "」があります。")
    return "".join(said)


def _moves(changes: pd.DataFrame, comparison: Comparison, group: str) -> str:
    """The programs that moved to another group (the tables' support-type column, called ``group``), by name."""
    moved = changes[changes["previous_support_type"].fillna("") != ""]
    if moved.empty:
        return ""
    return f"{group}が変わった事業は {len(moved)} 事業です (" + "、".join(
        f"{program_label(r.program_no, r.program, comparison)}: {r.previous_support_type} → {r.support_type}"
        for r in moved.itertuples(index=False)) + ")。"


def yearly_summary_lines(analysis: Analysis) -> list[str]:
    """For each city with two or more years, each year's summary sentences (what each group's items say),
    as Markdown lines (a page's list)."""
    lines = []
    for city in year_cities(analysis["items"]):
        part = select_city(analysis, city) if len(cities(analysis["items"])) > 1 else analysis
        for year in known_years(part["items"]):
            lines.append(f"**{'' if pd.isna(city) else md(str(city)) + '・'}{year_label(year)}**")
            lines += [f"- {md(s)}" for s in summary_sentences(select_year(part, year))]
    return lines


def code_change_lines(analysis: Analysis) -> list[str]:
    """For each city whose tables span two or more known years: the programs found in the first and the last
    table whose codes changed there, aspect by aspect (every aspect, 今後 too), and what else moved the code table
    between them — programs added, removed or moved to another group, named only when there are any (a reviewer:
    the year table's changes were mostly turnover, and nothing said which program made which)."""
    lines = []
    for _, items, changes, years, comparison, whose in _cities_with_years(analysis):
        both = changes[(changes["first_year"] == years[0]) & (changes["last_year"] == years[-1])]
        coded = items.merge(analysis["item_codes"], on="item_id")
        held = {key: set(zip(part["aspect"], part["code"], strict=True))
                for key, part in coded.groupby(["year", "program_no"], sort=False)}
        order = list(dict.fromkeys(analysis["codes"]["code"]))
        said = [f"{_both_years(r, comparison)} ({text})" for r in both.itertuples(index=False)
                if (text := _codes_changed(held.get((years[0], r.first_no), set()), held.get((years[-1], r.program_no), set()),
                                           comparison, order))]
        span = f"{year_label(years[0])}と{year_label(years[-1])}"
        lines.append(f"{whose}両方の表にある {len(both)} 事業のうち、{span}でコードが変わった事業は {len(said)} 事業です"
                     + (": " + "、".join(said) if said else "") + "。" + _turnover(changes, both, comparison, years))
    return lines


def _turnover(changes: pd.DataFrame, both: pd.DataFrame, comparison: Comparison, years: list[int]) -> str:
    """「年度ごとのコードの表のほかの増減は、追加 1 事業・廃止 1 事業によるものです。」, naming only what happened; with
    three or more years, of the first and the last table only (a year between may differ otherwise)."""
    moved = int((both["previous_support_type"].fillna("") != "").sum())
    causes = [f"{what} {n} 事業" for what, n in (("追加", int((changes["status"] == "added").sum())),
                                            ("廃止", int((changes["status"] == "removed").sum())),
                                            (f"{own_header(comparison.columns, 'support_type')}の移動", moved)) if n]
    between = f"の{year_label(years[0])}と{year_label(years[-1])}のあいだ" if len(years) > 2 else ""
    return f"年度ごとのコードの表{between}のほかの増減は、{'・'.join(causes)}によるものです。" if causes else ""


def _codes_changed(before: set, after: set, comparison: Comparison, order: list[str]) -> str:
    """「効果 なくなった「団体の運営・規模」、限界 加わった「財源・費用」」: one program's (aspect, code) pairs of the
    first table against the last, aspect by aspect, codes in the codes table's order; "" when none changed."""
    parts = []
    for aspect in comparison.aspect_keys:
        lost = [f"「{c}」" for c in order if (aspect, c) in before - after]
        gained = [f"「{c}」" for c in order if (aspect, c) in after - before]
        said = ([f"なくなった{''.join(lost)}"] if lost else []) + ([f"加わった{''.join(gained)}"] if gained else [])
        if said:
            parts.append(f"{comparison.label(aspect)} " + "・".join(said))
    return "、".join(parts)
