"""Japanese views of the tables: the one place that formats tables for people (Japanese headers, aspects
and statuses, sorting for display, rounding), shared by the workbook, the notebooks and the Word summary.

The same views feed the workbook sheets and the notebook tables, so a number in the workbook and in
a rendered notebook always comes from the same code. The views only the notebooks show are in
:mod:`.notebook_views`.
"""

from __future__ import annotations

import pandas as pd

from ..analysis import Analysis
from ..code_tests import NO_TEST
from ..evidence import EVIDENCE_LABELS, code_item_ids, keyword_item_ids
from ..headings import any_test_run
from ..labels import (
    ALL_JA,
    FEW_OCCURRENCES,
    HEADERS,
    PROGRAMS,
    STATUS_JA,
    TOTAL,
    UNKNOWN_YEAR,
    number_header,
    own_header,
    total_label,
    year_cell,
)
from ..registry import outputs
from ..schema import Comparison
from ..sentences import program_count
from ..spelling_variants import shown as shown_variants
from ..stats import ALL_GROUPS, Z_SHOWN, aspect_counts, clopper_pearson, counts, group_order
from ..years import cities, group_label, of_city, term_shifts


def headers(comparison: Comparison, group_label: str | None = None) -> dict[str, str]:
    """Japanese column headers: the shared ones, the compared group's label (``group_label`` when the
    groups are something else, such as the aspects), the tables' own number and grouping headers and the
    attributes' labels."""
    group_label = group_label or comparison.by_label
    number = number_header(comparison.columns)
    aspects = {f"n_{a.key}": f"{a.label}の項目数" for a in comparison.aspects}
    grouped = {k: v.replace("区分", group_label) for k, v in HEADERS.items() if k != "support_type"}
    own = {"support_type": own_header(comparison.columns, "support_type"),
           "program_no": number, "previous_no": f"以前の{number}", "first_no": f"最初の年度の{number}",
           "first_name": "最初の年度の名称"}
    own["previous_support_type"] = f"以前の{own['support_type']}"
    sides = {}
    if comparison.paired:  # effect_vs_limitation.csv's _effect / _limitation columns: the schema's two sides
        for suffix, polarity in (("effect", "positive"), ("limitation", "negative")):
            label = comparison.side_label(polarity)
            sides |= {f"programs_{suffix}": f"{label}で使った事業", f"items_{suffix}": f"{label}の項目数"}
        both = "と".join(comparison.side_label(p) for p in ("positive", "negative"))
        sides["programs_paired"] = f"{group_label}の事業数({both}の項目あり)"
    named = {**HEADERS, **grouped, **own, **sides, **aspects}
    return {**named, **distinct_attributes(comparison.attributes, set(named.values())), comparison.by: comparison.by_label}


def distinct_attributes(attributes: dict[str, str], taken: set[str]) -> dict[str, str]:
    """Each attribute's header, numbered where another column is headed so (an attribute 成果の項目数 beside the
    aspect 成果, or two attributes shown 年度(属性), gave a workbook of two like columns a traceback)."""
    shown = {}
    for key, label in attributes.items():
        name, n = label, 1
        while name in taken:
            n += 1
            name = f"{label}({n})"
        shown[key] = name
        taken.add(name)
    return shown


NOT_TESTED = "なし (検定せず)"


def _aspect_ja(frame: pd.DataFrame, comparison: Comparison, group_label: str | None = None
               ) -> pd.DataFrame:
    """Aspects in Japanese and an unknown year shown as 年度不明 (for people, not for further computation),
    with Japanese headers."""
    frame = frame.copy()
    if "aspect" in frame:
        frame["aspect"] = frame["aspect"].map(comparison.label)
    if "year" in frame:
        frame["year"] = frame["year"].astype("object").where(frame["year"].notna(), UNKNOWN_YEAR)
    if ALL_GROUPS in frame:
        frame[ALL_GROUPS] = frame[ALL_GROUPS].map({True: ALL_JA, False: ""})
    if "test" in frame:  # codes.csv's "none" (no test run) said in Japanese, as the tests' own names are
        frame["test"] = frame["test"].replace({NO_TEST: NOT_TESTED})
    return frame.rename(columns=headers(comparison, group_label))


def view_items(items: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """Items with Japanese headers and aspects (one row per bullet item), the text right after its identifiers."""
    first = ["item_id", "year", "city", "support_type", "program_no", "program", "aspect", "item_no", "text"]
    shown = [c for c in first if c != "city" or items["city"].nunique() > 1]
    return _aspect_ja(items[[*shown, *(c for c in items.columns if c not in first)]], comparison)


def view_programs(programs: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    return _aspect_ja(programs, comparison)


def years_of_groups(frame: pd.DataFrame, by: str) -> dict | None:
    """{city: year} when cities are compared across years (``--by city``, each city by its own table: every city of
    one year, the years not all one), so that a table puts them side by side in one row, not a row per year; else
    None (groups of two years that share no name are two years' groups, never one row: a hostile tester)."""
    grouped = frame.dropna(subset=[by]).groupby(by)["year"]
    if by != "city" or not len(frame) or frame["year"].nunique() < 2 or grouped.nunique().max() != 1:
        return None
    return grouped.first().to_dict()


def items_by_group(programs: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """Items per group × aspect (from ``programs.csv``), with programs and totals, one block per year
    (never summed across years). An aspect a group's tables do not have is blank, not 0."""
    by = comparison.by
    if years_of_groups(programs, by) is not None:
        # groups compared across years (each city by its own table): one block, each group with its year
        table = _counts_block(programs, comparison)
        total = table.index[-1]  # the total row _counts_block added last
        table.insert(0, "年度", [year_cell(programs.loc[programs[by] == g, "year"].iloc[0]) if g != total else ""
                                for g in table.index])
        return table
    blocks = []
    for year, part in programs.groupby("year", dropna=False, sort=True) if len(programs) else [(None, programs)]:
        table = _counts_block(part, comparison)
        if programs["year"].nunique() > 1:
            table.insert(0, "年度", year_cell(year))
        blocks.append(table)
    return pd.concat(blocks)


def _counts_block(programs: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """One block of :func:`items_by_group`: programs and items per aspect of each group, and their total."""
    table = aspect_counts(programs, comparison)
    table.columns = [PROGRAMS, *(comparison.label(a) for a in comparison.aspect_keys), TOTAL]
    table.loc[total_label(table.index)] = table.sum(min_count=1)
    table.index.name = comparison.by_label
    return table


def view_keywords(keywords: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    return _aspect_ja(keywords, comparison)


def keyword_matrix(keywords: pd.DataFrame, items: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """(Year ×) term × (group, aspect): occurrences (出現回数, as the headers say: not items), for pasting into a
    review document; a cell is empty where that year's table has no item of the group and aspect (a group a
    year does not have is not a 0)."""
    by, order = comparison.by, group_order(items, comparison.by)
    own_years = years_of_groups(keywords, by)  # cities side by side, each with its own table's year
    if own_years:
        items = items[items[by].map(own_years) == items["year"]]  # each city's compared table only

    def known(frame: pd.DataFrame) -> pd.DataFrame:
        year = frame["year"].astype("object").where(frame["year"].notna(), UNKNOWN_YEAR)
        return frame.assign(year="" if own_years else year)
    wide = known(keywords).pivot_table(index=["year", "term"], columns=[by, "aspect"], values="n", aggfunc="sum",
                                       fill_value=0)
    columns = [(s, a) for s in order for a in comparison.aspect_keys if (s, a) in wide.columns]
    wide = wide[columns].astype("Int64")
    held = known(items).groupby([by, "aspect"])["year"].unique()  # the years each group and aspect has items
    years = wide.index.get_level_values("year")
    for s, a in columns:  # no item of the group and aspect that year: no count at all
        wide.loc[~years.isin(held.get((s, a), [])), (s, a)] = pd.NA
    named = {s: group_label(s, own_years[s]) if own_years and s in own_years else s for s in order}  # a city with no word
    wide.columns = [f"出現回数({named[s]}・{comparison.label(a)})" for s, a in columns]
    wide["出現回数(計)"] = wide.sum(axis=1)
    wide = wide.reset_index().rename(columns={"year": "年度", "term": "語"})
    wide = wide.sort_values(["年度", "出現回数(計)"], ascending=[True, False], kind="stable").reset_index(drop=True)
    return wide.drop(columns="年度") if own_years else wide


def view_distinctive(distinctive: pd.DataFrame, threshold: float | None = None, *,
                     comparison: Comparison) -> pd.DataFrame:
    """Distinctive terms with Japanese headers (only those with z ≥ ``threshold`` when given); the groups
    are called 観点 when they are the aspects (``distinctive_aspects.csv``)."""
    table = distinctive if threshold is None else distinctive[distinctive["z"] >= threshold]
    return _aspect_ja(table, comparison, "観点" if "aspect" in table else None).reset_index(drop=True)


def view_effect_vs_limitation(paired: pd.DataFrame, min_programs: int = 1, *,
                              comparison: Comparison) -> pd.DataFrame:
    """Terms of the positive and negative aspects, counted in the same programs (paired), with Japanese
    headers named after the schema's aspects."""
    table = paired[paired["programs_effect"] + paired["programs_limitation"] >= min_programs]
    return _aspect_ja(table, comparison).reset_index(drop=True)


def with_intervals(codes: pd.DataFrame) -> pd.DataFrame:
    """codes.csv with the exact (Clopper–Pearson) interval of n_programs / programs_total in ``ci_low`` and
    ``ci_high``: the analysis' own columns when it wrote them, computed here otherwise."""
    if {"ci_low", "ci_high"} <= set(codes.columns) or codes.empty:
        return codes
    low, high = clopper_pearson(codes["n_programs"].to_numpy(dtype=float), codes["programs_total"].to_numpy(dtype=float))
    return codes.assign(ci_low=low.tolist(), ci_high=high.tolist())


def codes_crosstab(codes: pd.DataFrame, items: pd.DataFrame, aspect: str = "all", *,
                   comparison: Comparison) -> pd.DataFrame:
    """Code × group: "programs with the code / programs (95% CI); items coded / items" in ``aspect`` (by
    default every aspect pooled, said in the 観点 column), and the program-level test with its Holm-adjusted
    p where one was run (no test columns where none was)."""
    order = group_order(items, comparison.by)
    table = with_intervals(codes[codes["aspect"] == aspect])
    own_years = years_of_groups(table, comparison.by)  # cities side by side, each with its own table's year
    tested = any_test_run(table)
    rows = []
    for (year, code), group in table.assign(year="" if own_years else table["year"]).groupby(
            ["year", "code"], sort=False, dropna=False):
        group = group.set_index(comparison.by)
        row = {} if own_years else {"年度": year_cell(year)}
        row.update({"コード": code, "観点": comparison.label(aspect)})
        for support in order:
            if support in group.index:
                r = group.loc[support]
                name = group_label(support, own_years[support]) if own_years else support
                row[name] = (program_count(r["n_programs"], r["programs_total"], r["ci_low"], r["ci_high"])
                             + f"・{int(r['n_items'])} / {int(r['n_total'])} 項目")
        if tested:
            first = group.iloc[0]
            row.update({"p値": first["p_value"], "p値(Holm補正)": first["p_holm"],
                        "検定": NOT_TESTED if first["test"] == NO_TEST else first["test"], "補正": first["correction"]})
        rows.append(row)
    return pd.DataFrame(rows)


def term_list(terms: pd.DataFrame, items: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """Every term of each year's table (each city's, when there are several), ranked by programs, items and
    occurrences: KH Coder's 抽出語リスト, which a KH Coder user looked for (keywords.csv counts it per group and
    aspect, whose program counts do not add up)."""
    by = ["year", *(["city"] if items["city"].nunique() > 1 else [])]
    return _aspect_ja(counts(terms, items, by=by), comparison)


def workbook_sheets(analysis: Analysis) -> dict[str, pd.DataFrame]:
    """The sheets a reviewer would paste into the review document, with Japanese headers and the
    schema's aspects and groups."""
    items, comparison = analysis["items"], Comparison.from_metadata(analysis.metadata)
    what = comparison.by_label
    sheets = {
        "項目": view_items(items, comparison),
        "事業": view_programs(analysis["programs"], comparison),
        f"{what}×観点の項目数": items_by_group(analysis["programs"], comparison).reset_index(),
        "抽出語の一覧": term_list(analysis["terms"], items, comparison),
        f"語の集計({what}×観点)": view_keywords(keyword_item_ids(analysis["keywords"], analysis["terms"], items,
                                                            comparison.by), comparison),
        f"語×{what}・観点": keyword_matrix(analysis["keywords"], items, comparison),
        "語(複合語の中も数える)": _aspect_ja(analysis["word_counts"], comparison),
        "特徴語": view_distinctive(analysis["distinctive_terms"], comparison=comparison),
    }
    if comparison.paired:
        positive, negative = comparison.side_label("positive"), comparison.side_label("negative")
        sheets[f"{positive}と{negative}の語(同じ事業)"[:31]] = view_effect_vs_limitation(
            analysis["effect_vs_limitation"], comparison=comparison)
    return {**sheets,
            "観点の特徴語": view_distinctive(analysis["distinctive_aspects"], comparison=comparison),
            f"コード×{what}": codes_crosstab(analysis["codes"], items, comparison=comparison),
            "事業の変化(年度)": view_program_changes(analysis["program_changes"], comparison),
            "語の増減(年度)": term_changes(analysis["keyword_trends"]),
            f"コード×{what}(観点別)": _aspect_ja(code_item_ids(analysis["codes"], analysis["item_codes"], items,
                                                             comparison.by), comparison),
            "コードの根拠": view_code_evidence(analysis["code_evidence"], items, comparison),
            "表記ゆれの候補": shown_variants(analysis["synonym_candidates"]),
            **registered_sheets(analysis, comparison)}


def registered_sheets(analysis: Analysis, comparison: Comparison) -> dict[str, pd.DataFrame]:
    """The sheets the registry declares (``Output.sheet``): the table as written, with Japanese headers."""
    names = {**headers(comparison)}
    return {o.sheet: analysis.tables[o.name].rename(columns={**names, **o.headers})
            for o in outputs() if o.sheet and o.name in analysis.tables}


def view_code_evidence(evidence: pd.DataFrame, items: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """``code_evidence.csv`` with each item's text, in Japanese: which words made an item count for a code."""
    table = evidence.merge(items[["item_id", "text"]], on="item_id", how="left")
    table = table.assign(found_as=table["found_as"].map(EVIDENCE_LABELS), negated=table["negated"].map({True: "否定", False: ""}))
    return _aspect_ja(table.rename(columns={"word": "当たった語", "found_as": "当たり方", "term": "抽出語",
                                            "negated": "否定", "condition": "条件"}), comparison)


def view_program_changes(changes: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """Program changes across years with Japanese headers (the tables' own number header) and statuses
    (the city shown when there are several)."""
    table = changes.copy()
    table["status"] = table["status"].map(STATUS_JA)
    table["previous_name"] = table["previous_name"].fillna("")
    table["previous_support_type"] = table["previous_support_type"].fillna("")
    for column in ("first_year", "last_year"):  # none only for a table of no known year: said as everywhere else
        table[column] = table[column].astype("object").where(table[column].notna(), UNKNOWN_YEAR)
    if table["city"].nunique() <= 1:
        table = table.drop(columns="city")
    if not comparison.columns.get("program_no"):  # no number of the city's to follow: 以前の表の順 would stay empty
        table = table.drop(columns=["previous_no", "first_no"])
    named = headers(comparison)
    return table.rename(columns=named | {"program_no": f"{named['program_no']} (最後の年度)"})  # a removed one's last


def term_changes(trends: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """Per city and year after its first, the terms that rose or fell with |z| ≥ ``Z_SHOWN`` against the city's
    previous year (all groups pooled), never cut inside a tie; a row says so when none did. The city is
    a column only when there are several."""
    columns = ["市町村", "年度", "比べた年度", "増減", "語", "出現回数(比べた年度)", "出現回数", "z値"]  # 2018: no 前年度
    rows = []
    for city in cities(trends):
        own = of_city(trends, city)
        for year in sorted(own.loc[own["z_vs_prev"].notna(), "year"].dropna().unique()):
            previous = own.loc[own["year"] == year, "prev_year"].dropna()
            previous = int(previous.iloc[0]) if len(previous) else None  # named on every row, the note's too
            rising, falling, left_out = term_shifts(own, int(year), top)
            for direction, part in (("増えた語", rising), ("減った語", falling)):
                rows += [[city, r.year, r.prev_year, direction, r.term, r.n_prev, r.n, round(float(r.z_vs_prev), 2)]
                         for r in part.itertuples(index=False)]
            if rising.empty and falling.empty:
                rows.append([city, year, previous, "なし", f"|z| ≥ {Z_SHOWN} で増減した語はありません ({FEW_OCCURRENCES})",
                             None, None, None])
            elif left_out:
                note = f"同数のため {left_out} 語を省きました (keyword_trends.csv に全語)"
                rows.append([city, year, previous, "省略", note, None, None, None])
    table = pd.DataFrame(rows, columns=columns)
    return table if table["市町村"].nunique() > 1 else table.drop(columns="市町村")
