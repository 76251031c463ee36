"""What reviewers read: Japanese views of the tables, the Excel workbook, and notebooks rendered to HTML.

The same views feed the workbook sheets and the notebook tables, so a number in the workbook and in
a rendered notebook always comes from the same code.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zipfile
from pathlib import Path

import pandas as pd

from .analysis import Analysis
from .errors import NotebookError
from .evidence import code_item_ids, keyword_item_ids
from .kwic import keyword_in_context
from .labels import ACTION_JA, CATEGORY_JA, GENERIC_COLUMNS, HEADERS, STATUS_JA, UNKNOWN_YEAR, year_label
from .registry import outputs
from .schema import Comparison
from .sentences import any_test_run, clopper_pearson, program_count
from .spelling_variants import shown as shown_variants
from .stats import ALL_GROUPS, RANK_KEY, aspect_counts, counts, group_order, top_with_ties
from .years import cities, known_years, of_city, term_shifts

WORKBOOK_EPOCH = dt.datetime(2000, 1, 1)


def headers(comparison: Comparison, group_label: str | None = None) -> dict[str, str]:
    """Japanese column headers: the shared ones, the compared group's label (``group_label`` when the
    groups are something else, such as the aspects), the tables' own number and grouping headers and the
    attributes' labels."""
    group_label = group_label or comparison.by_label
    number = comparison.columns.get("program_no", GENERIC_COLUMNS["program_no"])
    aspects = {f"n_{a.key}": f"{a.label}の項目数" for a in comparison.aspects}
    grouped = {k: v.replace("区分", group_label) for k, v in HEADERS.items() if k != "support_type"}
    own = {"support_type": comparison.columns.get("support_type", GENERIC_COLUMNS["support_type"]),
           "program_no": number, "previous_no": f"以前の{number}"}
    sides = {}
    if comparison.paired:  # effect_vs_limitation.csv's _effect / _limitation columns: the schema's two sides
        for suffix, polarity in (("effect", "positive"), ("limitation", "negative")):
            label = comparison.side_label(polarity)
            sides |= {f"programs_{suffix}": f"{label}で使った事業", f"items_{suffix}": f"{label}の項目数"}
    return {**HEADERS, **grouped, **own, **sides, **aspects, **comparison.attributes, comparison.by: comparison.by_label}


def _aspect_ja(frame: pd.DataFrame, comparison: Comparison, group_label: str | None = None
               ) -> pd.DataFrame:
    """Aspects in Japanese and an unknown year shown as 年度不明 (for people, not for further computation),
    with Japanese headers."""
    frame = frame.copy()
    if "aspect" in frame:
        frame["aspect"] = frame["aspect"].map(comparison.label)
    if "year" in frame:
        frame["year"] = frame["year"].astype("object").where(frame["year"].notna(), UNKNOWN_YEAR)
    return frame.rename(columns=headers(comparison, group_label))


def _shown_line(text: pd.Series) -> pd.Series:
    """A raw line for reading: tabs as ⇥, nothing for an empty line."""
    return text.fillna("").str.replace("\t", " ⇥ ", regex=False)


def view_items(items: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """Items with Japanese headers and aspects (one row per bullet item), the text right after its identifiers."""
    first = ["item_id", "year", "city", "support_type", "program_no", "program", "aspect", "item_no", "text"]
    shown = [c for c in first if c != "city" or items["city"].nunique() > 1]
    return _aspect_ja(items[[*shown, *(c for c in items.columns if c not in first)]], comparison)


def view_programs(programs: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    return _aspect_ja(programs, comparison)


def items_by_group(programs: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """Items per group × aspect (from ``programs.csv``), with programs and totals, one block per year
    (never summed across years). An aspect a group's tables do not have is blank, not 0."""
    by = comparison.by
    if len(programs) and programs["year"].nunique() > 1 and programs.groupby(by)["year"].nunique().max() == 1:
        # groups compared across years (each city by its own table): one block, each group with its year
        table = _counts_block(programs, comparison)
        table.insert(0, "年度", [year_label(programs.loc[programs[by] == g, "year"].iloc[0]) if g != "計" else ""
                                for g in table.index])
        return table
    blocks = []
    for year, part in programs.groupby("year", dropna=False, sort=True) if len(programs) else [(None, programs)]:
        table = _counts_block(part, comparison)
        if programs["year"].nunique() > 1:
            table.insert(0, "年度", year_label(year))
        blocks.append(table)
    return pd.concat(blocks)


def _counts_block(programs: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """One block of :func:`items_by_group`: programs and items per aspect of each group, and their total."""
    table = aspect_counts(programs, comparison)
    table.columns = ["事業数", *(comparison.label(a) for a in comparison.aspect_keys), "計"]
    table.loc["計"] = table.sum(min_count=1)
    table.index.name = comparison.by_label
    return table


def dropped_lines(log: pd.DataFrame) -> pd.DataFrame:
    """What the cleaning dropped and why (and every change it made to item text)."""
    shown = log[(log["action"] == "dropped") | (log["category"] == "space_removed")]
    shown = shown.assign(text=_shown_line(shown["text"]), category=shown["category"].map(CATEGORY_JA))
    return shown[["source_file", "line", "category", "note", "text"]].rename(columns={
        "source_file": "ファイル", "line": "行", "category": "種類", "note": "理由", "text": "内容"}).reset_index(drop=True)


def top_terms(analysis: Analysis, by: str | None = None, n: int = 15) -> tuple[pd.DataFrame, int]:
    """The terms used by the most programs, then items, then occurrences (overall or per group), never cut
    inside a tie (up to twice ``n`` terms are kept for a tie), and how many tied terms were left out."""
    keys = [by] if by else []
    table = counts(analysis["terms"], analysis["items"], by=keys)
    parts, left_out = [], 0
    for _, group in (table.groupby(keys, sort=False) if keys else [(None, table)]):
        kept, dropped = top_with_ties(group, n, RANK_KEY, most=2 * n)
        parts.append(kept)
        left_out += dropped
    table = pd.concat(parts, ignore_index=True) if parts else table
    return _aspect_ja(table, Comparison.from_metadata(analysis.metadata)).reset_index(drop=True), left_out


def view_keywords(keywords: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    return _aspect_ja(keywords, comparison)


def keyword_matrix(keywords: pd.DataFrame, items: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """(Year ×) term × (group, aspect): occurrences, for pasting into a review document."""
    by, order = comparison.by, group_order(items, comparison.by)
    table = keywords.assign(year=keywords["year"].astype("object").where(keywords["year"].notna(), UNKNOWN_YEAR))
    wide = table.pivot_table(index=["year", "term"], columns=[by, "aspect"], values="n", aggfunc="sum", fill_value=0)
    columns = [(s, a) for s in order for a in comparison.aspect_keys if (s, a) in wide.columns]
    wide = wide[columns]
    wide.columns = [f"{s}・{comparison.label(a)}" for s, a in columns]
    wide["計"] = wide.sum(axis=1)
    wide = wide.reset_index().rename(columns={"year": "年度", "term": "語"})
    return wide.sort_values(["年度", "計"], ascending=[True, False], kind="stable").reset_index(drop=True)


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
    bounds = [clopper_pearson(int(n), int(t)) for n, t in zip(codes["n_programs"], codes["programs_total"], strict=True)]
    return codes.assign(ci_low=[b[0] for b in bounds], ci_high=[b[1] for b in bounds])


def codes_crosstab(codes: pd.DataFrame, items: pd.DataFrame, aspect: str = "all", *,
                   comparison: Comparison) -> pd.DataFrame:
    """Code × group: "programs with the code / programs (95% CI); items coded / items", and the
    program-level test with its Holm-adjusted p where one was run (no test columns where none was)."""
    order = group_order(items, comparison.by)
    table = with_intervals(codes[codes["aspect"] == aspect])
    tested = any_test_run(table)
    rows = []
    for (year, code), group in table.groupby(["year", "code"], sort=False, dropna=False):
        group = group.set_index(comparison.by)
        row = {"年度": UNKNOWN_YEAR if pd.isna(year) else int(year), "コード": code}
        for support in order:
            if support in group.index:
                r = group.loc[support]
                row[support] = (program_count(r["n_programs"], r["programs_total"], r["ci_low"], r["ci_high"])
                                + f"・{int(r['n_items'])} / {int(r['n_total'])} 項目")
        if tested:
            first = group.iloc[0]
            row.update({"p値": first["p_value"], "p値(Holm補正)": first["p_holm"], "検定": first["test"],
                        "補正": first["correction"]})
        rows.append(row)
    return pd.DataFrame(rows)


def kwic_table(analysis: Analysis, term: str, window: int = 20) -> pd.DataFrame:
    """KWIC lines of a term with Japanese headers."""
    comparison = Comparison.from_metadata(analysis.metadata)
    lines = keyword_in_context(term, analysis["items"], analysis["tokens"], analysis["terms"], window=window,
                               by=comparison.by)
    lines = lines.rename(columns={"left": "前", "term": "語", "right": "後", "matched": "抽出語"})
    return _aspect_ja(lines, comparison)


# ---------------------------------------------------------------- Excel workbook

def workbook_sheets(analysis: Analysis) -> dict[str, pd.DataFrame]:
    """The sheets a reviewer would paste into the review document, with Japanese headers and the
    schema's aspects and groups."""
    items, comparison = analysis["items"], Comparison.from_metadata(analysis.metadata)
    what = comparison.by_label
    sheets = {
        "項目": view_items(items, comparison),
        "事業": view_programs(analysis["programs"], comparison),
        f"{what}×観点の項目数": items_by_group(analysis["programs"], comparison).reset_index(),
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
            "語の増減(年度)": term_changes(analysis["keyword_trends"], by=comparison.by),
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
    from .evidence import EVIDENCE_LABELS

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
    if table["city"].nunique() <= 1:
        table = table.drop(columns="city")
    return table.rename(columns=headers(comparison))


def term_changes(trends: pd.DataFrame, top: int = 10, by: str = "support_type") -> pd.DataFrame:
    """Per city and year after its first, the terms that rose or fell with |z| ≥ 1.96 against the city's
    previous year (all groups pooled), never cut inside a tie; a row says so when none did. The city is
    a column only when there are several."""
    columns = ["市町村", "年度", "前年度", "増減", "語", "出現回数(前年度)", "出現回数", "z値"]
    rows = []
    for city in cities(trends):
        own = of_city(trends, city)
        for year in sorted(own.loc[own["z_vs_prev"].notna(), "year"].dropna().unique()):
            previous = own.loc[own["year"] == year, "prev_year"].dropna()
            previous = int(previous.iloc[0]) if len(previous) else None  # named on every row, the note's too
            rising, falling, left_out = term_shifts(own, int(year), top, by=by)
            for direction, part in (("増えた語", rising), ("減った語", falling)):
                rows += [[city, r.year, r.prev_year, direction, r.term, r.n_prev, r.n, round(float(r.z_vs_prev), 2)]
                         for r in part.itertuples(index=False)]
            if rising.empty and falling.empty:
                rows.append([city, year, previous, "なし", "|z| ≥ 1.96 で増減した語はありません", None, None, None])
            elif left_out:
                note = f"同数のため {left_out} 語を省きました (keyword_trends.csv に全語)"
                rows.append([city, year, previous, "省略", note, None, None, None])
    table = pd.DataFrame(rows, columns=columns)
    return table if table["市町村"].nunique() > 1 else table.drop(columns="市町村")


def codes_by_year(codes: pd.DataFrame, items: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """Code × (group, year) for each summarised aspect, as the year figure counts them: "programs with an
    item of the code / programs with an item of that aspect" (never pooled over aspects)."""
    by = comparison.by
    table = codes[codes["aspect"].isin(comparison.sides) & codes["year"].notna()].copy()
    table["cell"] = [f"{int(n)} / {int(t)} 事業" for n, t in zip(table["n_programs"], table["programs_total"], strict=True)]
    table["観点"] = table["aspect"].map(comparison.label)
    order = group_order(items, by)
    wide = table.pivot_table(index=["観点", "code"], columns=[by, "year"], values="cell", aggfunc="first", sort=False)
    columns = [(s, y) for s in order for y in sorted(table["year"].unique()) if (s, y) in wide.columns]
    rows = [(comparison.label(a), c) for a in comparison.sides for c in dict.fromkeys(table["code"])]
    wide = wide[columns].reindex([r for r in rows if r in wide.index])
    wide.columns = [f"{s} {year_label(y)}" for s, y in columns]
    wide.index.names = ["観点", "コード"]
    return wide.reset_index().fillna("—")


def years(analysis: Analysis) -> list[int]:
    """The known fiscal years of the tables, in order."""
    return known_years(analysis["items"])


def _display_width(value: object) -> int:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return max((sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line) for line in text.split("\n")),
               default=0)


EXCEL_CELL_LIMIT = 32_767
EXCEL_ROW_LIMIT = 1_048_576
_EXCEL_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def excel_safe(name: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """A sheet's frame as Excel can hold it, and a note per change: characters Excel cannot store shown
    as [U+XXXX], text longer than a cell split over continuation columns, rows beyond Excel's limit cut."""
    notes: list[dict] = []
    frame = frame.copy()
    frame.columns = [_EXCEL_ILLEGAL.sub(lambda m: f"[U+{ord(m.group()):04X}]", str(c))[:255] for c in frame.columns]
    if len(frame) >= EXCEL_ROW_LIMIT:
        notes.append({"シート": name, "内容": f"Excel の行数の上限のため、先頭の {EXCEL_ROW_LIMIT - 1:,} 行だけを載せました "
                      f"(全 {len(frame):,} 行は分析の出力先の CSV にあります)。"})
        frame = frame.head(EXCEL_ROW_LIMIT - 1)
    for column in [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]:
        values = frame[column].astype("object")
        illegal = values.map(lambda v: isinstance(v, str) and _EXCEL_ILLEGAL.search(v) is not None)
        if illegal.any():
            values = values.map(lambda v: _EXCEL_ILLEGAL.sub(lambda m: f"[U+{ord(m.group()):04X}]", v)
                                if isinstance(v, str) else v)
            notes.append({"シート": name, "内容": f"列「{column}」の {int(illegal.sum())} セル: Excel に入らない文字を "
                          "[U+XXXX] の形で示しました。"})
        long = values.map(lambda v: isinstance(v, str) and len(v) > EXCEL_CELL_LIMIT)
        frame[column] = values
        if long.any():
            parts = values.map(lambda v: [v[i:i + EXCEL_CELL_LIMIT] for i in range(0, len(v), EXCEL_CELL_LIMIT)]
                               if isinstance(v, str) else [v])
            frame[column] = parts.map(lambda p: p[0])
            at = frame.columns.get_loc(column)
            for k in range(1, int(parts.map(len).max())):
                frame.insert(at + k, f"{column}(続き{k})", parts.map(lambda p, k=k: p[k] if k < len(p) else None))
            notes.append({"シート": name, "内容": f"列「{column}」の {int(long.sum())} セルは 32,767 字を超えるため、"
                          f"「{column}(続き…)」の列に分けて載せました。"})
    return frame, notes


def write_workbook(analysis: Analysis, path: str | Path) -> Path:
    """``kyodo_tables.xlsx``: one sheet per table with Japanese headers, ready to print and paste."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    sheets, notes = {}, []
    for name, frame in workbook_sheets(analysis).items():  # every view first: an error never leaves a broken file
        sheets[name], changed = excel_safe(name, frame)
        notes += changed
    sheets["注記"] = pd.DataFrame(notes or [{"シート": "", "内容": "変更したセルはありません。"}])
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in zip(sheet_names(list(sheets)), sheets.values(), strict=True):
            frame.to_excel(writer, sheet_name=name, index=False)
            format_sheet(writer.sheets[name], frame)
        writer.book.properties.creator = "kyodo-analysis"
        writer.book.properties.created = WORKBOOK_EPOCH
        writer.book.properties.modified = WORKBOOK_EPOCH
    normalize_zip(tmp, path)
    tmp.unlink()
    return path


PERCENT_COLUMNS = {"割合", "説明率"}
_SHEET_FORBIDDEN = str.maketrans({"/": "／", "\\": "＼", "?": "？", "*": "＊", ":": "：", "[": "［", "]": "］"})


def sheet_names(names: list[str]) -> list[str]:
    """Names Excel accepts for the sheets, in order: the characters it forbids written full-width, control
    characters dropped, at most 31 characters, no apostrophe at either end, and distinct (case folded)."""
    safe: list[str] = []
    for name in names:
        name = _EXCEL_ILLEGAL.sub("", name.translate(_SHEET_FORBIDDEN)).replace("\x7f", "").strip("'") or "表"
        base, k = name[:31].strip("'") or "表", 1
        while base.casefold() in {n.casefold() for n in safe}:
            k += 1
            base = name[:31 - len(str(k)) - 1].strip("'") + f"_{k}"
        safe.append(base)
    return safe


def format_sheet(sheet, frame: pd.DataFrame) -> None:
    """Text stays text (never a formula), numbers formatted, long text wrapped with row heights, a filter
    and a frozen header, and a print setup: landscape, one page wide, the header on every page."""
    from openpyxl.styles import Alignment, Font

    widths = []
    for index, column in enumerate(frame.columns, start=1):
        width = min(max([_display_width(column), *(_display_width(v) for v in frame[column])]) + 2, 60)
        widths.append(width)
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = width
        sheet.cell(row=1, column=index).font = Font(bold=True)
        number_format = "0%" if column in PERCENT_COLUMNS else "0.000" if pd.api.types.is_float_dtype(frame[column]) else None
        header, *cells = sheet[letter]
        for cell in [header, *cells]:  # the header too: a group, a label or a code can be a header
            if isinstance(cell.value, str):
                cell.data_type = "s"  # "=HYPERLINK(…)" in an item is text, not a live formula
        for cell in cells:
            if number_format and cell.value is not None and not isinstance(cell.value, str):
                cell.number_format = number_format
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row, values in enumerate(frame.itertuples(index=False), start=2):
        lines = max([1, *(-(-_display_width(v) // max(w - 2, 1)) for v, w in zip(values, widths, strict=True))])
        sheet.row_dimensions[row].height = 15 * min(lines, 27)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


def normalize_zip(source: Path, target: Path) -> None:
    """Rewrite an Office file (.xlsx, .docx) with fixed timestamps so the same tables give the same bytes."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in sorted(zin.infolist(), key=lambda i: i.filename):
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _fixed_dates(data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            zout.writestr(fixed, data)


def _fixed_dates(core_xml: bytes) -> bytes:
    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>2000-01-01T00:00:00Z\g<2>", core_xml)


# ---------------------------------------------------------------- notebooks → HTML

_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?</script>\s*<!-- MathJax configuration -->\s*"
                      r"<script type=\"text/x-mathjax-config\">.*?</script>", re.DOTALL)


def without_mathjax(page: str) -> str:
    """The rendered page without MathJax, so that "$…$" inside an item is shown as written, not typeset."""
    return _MATHJAX.sub("", page)


def end_with(run: int) -> None:
    """In a worker process: send ourselves SIGTERM when the run's main process ends, however it ends (a
    SIGKILL included). A worker's parent is the fork server, which itself waits for its workers, so the
    run's process is watched directly (pidfd on Linux, else polled)."""
    import os
    import select
    import signal
    import threading
    import time

    def watch() -> None:
        try:
            select.select([os.pidfd_open(run)], [], [])
        except (OSError, AttributeError):
            while True:
                try:
                    os.kill(run, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    pass
                time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)  # a notebook worker shuts its kernel down on the way out …
        time.sleep(10)
        os._exit(143)  # … unless that is stuck: then it ends anyway (its kernel notices its parent is gone)
    threading.Thread(target=watch, name="end-with-run", daemon=True).start()


def _notebook_process(run: int, job: tuple, results) -> None:
    """One notebook in its own process. Its outcome goes back through ``results`` (None, or the error);
    its stderr goes nowhere, since a notebook stopped mid-way (by the run, or by nbclient's own SIGTERM
    handler shutting its kernel down) complains on its way out, and that is not the run's error. SIGTERM
    exits normally and arrives when the run's process ends, however it ends."""
    import os
    import signal
    import sys

    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle: it stops this process
    end_with(run)
    try:
        execute_notebook(*job)
        results.send(None)
    except Exception as error:  # sent back whole (an OSError stays one), raised by the run
        try:
            results.send(error)
        except Exception:  # an error that cannot be pickled: its description
            results.send(NotebookError(f"{Path(job[0]).name}: {error!r}"))


def render_notebooks(jobs: list[tuple], workers: int = 2) -> None:
    """Execute the notebooks ``workers`` at a time, one process (and kernel) each. Processes of its own,
    not a pool: a pool's worker catches the SIGTERM that should stop it and waits for the next task, and
    its workers share a queue lock that one stopped worker can leave held — either hangs the run. On an
    error, a signal or Ctrl-C, every running notebook is stopped (SIGTERM, then SIGKILL after 10 s)."""
    import os
    from multiprocessing.connection import wait

    from .plots import worker_context

    context, pending, running = worker_context(), list(jobs), {}
    try:
        while pending or running:
            while pending and len(running) < max(workers, 1):
                job = pending.pop(0)
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_notebook_process, args=(os.getpid(), job, send), daemon=False)
                process.start()
                send.close()
                running[process.sentinel] = (process, receive, Path(job[0]).name)
            for sentinel in wait(list(running)):
                process, receive, name = running.pop(sentinel)
                process.join()
                try:
                    outcome = receive.recv()
                except EOFError:  # ended without a word: killed
                    outcome = NotebookError(f"{name} を実行するプロセスが止まりました (終了コード {process.exitcode})。"
                                            "メモリが足りない場合は、他のプログラムを閉じてからやり直してください。")
                receive.close()
                if outcome is not None:
                    raise outcome
    finally:
        _stop([process for process, _, _ in running.values()])


def _stop(processes: list) -> None:
    """Stop processes: SIGTERM (each shuts its kernel down), then SIGKILL for any still running after 10 s."""
    import time

    for process in processes:
        process.terminate()
    deadline = time.monotonic() + 10
    for process in processes:
        process.join(max(deadline - time.monotonic(), 0))
        if process.is_alive():
            process.kill()
            process.join()


_MARKDOWN_LIVE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "&#91;", "]": "&#93;"})


def inert_markdown(text: str) -> str:
    """Markdown a notebook displayed, with no way left for its data to become markup: ``& < >`` (raw HTML,
    autolinks) and ``[ ]`` (links) become character references, shown as the characters themselves.
    Every text the package displays as Markdown is generated (headings, sentences, footnotes) and carries
    no markup of its own beyond Markdown's emphasis, headings and lists."""
    return text.translate(_MARKDOWN_LIVE)


def inert_outputs(nb) -> None:
    """The one escaping rule for displayed Markdown, applied to every output of an executed notebook
    (tables are escaped by :func:`show_table`, plain text by nbconvert)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" in data:
                value = data["text/markdown"]
                data["text/markdown"] = inert_markdown("".join(value) if isinstance(value, list) else value)


def page_title(nb, fallback: str) -> str:
    """The rendered page's title (the browser tab): the notebook's first heading, not 「Notebook」."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("#"):
            return cell.source.lstrip().splitlines()[0].lstrip("#").strip()
    return fallback


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _last_line(text: str) -> str:
    lines = [line for line in _strip_ansi(text).strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def run_kernel(nb, notebook: Path, timeout: int) -> None:
    """Execute ``nb`` in a kernel started in the notebook's folder. The kernel's own log (not the cells'
    output, which arrives as messages) goes to a temporary file: the race of ipykernel's sockets at shutdown
    prints a harmless traceback there now and then, which is no message for a researcher; when the kernel
    dies, its log's last line is the reason, and is shown."""
    import tempfile

    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    # The kernel listens on loopback only; its start-up warning about unencrypted TCP is noise here.
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", extra_arguments=["--log-level=ERROR"],
                            resources={"metadata": {"path": str(notebook.parent)}})
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
        try:
            client.execute(stdout=log, stderr=log)
        except CellExecutionError as error:
            raise NotebookError(f"{notebook.name} の実行中にエラーが出ました: {_last_line(str(error))}") from None
        except DeadKernelError:
            log.seek(0)
            reason = _last_line(log.read()) or "理由は記録されていません"
            raise NotebookError(f"{notebook.name} の実行中にカーネルが止まりました ({reason})。"
                                "メモリが足りない場合は、他のプログラムを閉じてからやり直してください。") from None


def execute_notebook(notebook: str | Path, html_path: str | Path, parameters: dict, timeout: int = 600) -> Path:
    """Execute a notebook with its ``parameters`` cell overridden (papermill's convention: an
    ``injected-parameters`` cell after it) and render the executed copy to HTML."""
    import nbformat
    from nbconvert import HTMLExporter

    notebook = Path(notebook)
    nb = nbformat.read(notebook, as_version=4)
    source = "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
    injected = nbformat.v4.new_code_cell(source=f"# 実行時に与えた値 (injected parameters)\n{source}")
    injected.id = "injected-parameters"  # a fixed id: the same run gives the same HTML
    injected.metadata["tags"] = ["injected-parameters"]
    position = next((i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), 0)
    nb.cells.insert(position, injected)
    run_kernel(nb, notebook, timeout)
    inert_outputs(nb)
    # Reviewers read the outputs only: no code, no parameters, no paths, no Python warnings (stderr).
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    body, _ = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                           exclude_output_prompt=True).from_notebook_node(nb, resources={"metadata": {
                               "name": page_title(nb, Path(notebook).stem)}})
    body = without_mathjax(body)
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(body, encoding="utf-8")
    return html_path


# ---------------------------------------------------------------- notebook helpers

def raw_lines(analysis: Analysis, n: int = 20, width: int = 60) -> pd.DataFrame:
    """The first lines of each raw file as the cleaning saw them (line number, what it was, its start)."""
    log = analysis["cleaning_log"]
    log = log[log["category"] != "space_removed"].groupby("source_file", sort=False).head(n)
    text = _shown_line(log["text"])
    return pd.DataFrame({"ファイル": log["source_file"], "行": log["line"], "扱い": log["action"].map(ACTION_JA),
                         "種類": log["category"].map(CATEGORY_JA),
                         "内容 (先頭)": text.str.slice(0, width)}).reset_index(drop=True)


def cutting_example(analysis: Analysis, item_id: str) -> pd.DataFrame:
    """How one item is cut: the short-unit morphemes, then the counted terms."""
    item = analysis["items"].set_index("item_id").loc[item_id]
    tokens = analysis["tokens"][analysis["tokens"]["item_id"] == item_id]
    terms = analysis["terms"][analysis["terms"]["item_id"] == item_id]
    return pd.DataFrame({"": ["本文", "形態素 (unidic-lite の短い単位)", "数える語 (抽出語)"],
                         item_id: [item["text"], " | ".join(tokens["surface"]), " | ".join(terms["term"])]})


def cutting_examples(analysis: Analysis) -> pd.DataFrame:
    """How the first item with a forced term of several morphemes and the first with a negated term are cut."""
    terms = analysis["terms"]
    forced = terms[(terms["pos"] == "強制抽出") & (terms["last_token_no"] > terms["first_token_no"])]
    chosen = list(dict.fromkeys([*forced["item_id"].head(1), *terms.loc[terms["negated"], "item_id"].head(1)]))
    if not chosen:
        return pd.DataFrame({"": ["本文"], "例": ["複数の形態素からなる強制抽出の語も否定の語もありません"]})
    parts = [cutting_example(analysis, item_id).set_index("") for item_id in chosen]
    return pd.concat(parts, axis=1).reset_index()


def top_words(analysis: Analysis, n: int = 15) -> pd.DataFrame:
    """The words mentioned by the most programs and items, compound parts included (``word_counts.csv``)."""
    words, by = analysis["word_counts"], Comparison.from_metadata(analysis.metadata).by
    pooled = words[(words[by] == ALL_GROUPS) & (words["aspect"] == "all")]
    pooled = pooled.sort_values(["year", *RANK_KEY, "word"], ascending=[True, False, False, False, True], kind="stable")
    kept, _ = top_with_ties(pooled, n, RANK_KEY, most=2 * n)
    shown = _aspect_ja(kept[["word", "n_programs", "n_items", "n"]], Comparison.from_metadata(analysis.metadata))
    return shown.reset_index(drop=True)


def curation_tables(analysis: Analysis) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Unknown words and candidate compounds, with Japanese headers, to curate the two word lists."""
    unknown = analysis["unknown_words"].rename(columns={"surface": "語", "n": "出現回数", "n_items": "項目数",
                                                        "example_item_id": "例の項目ID"})
    candidates = analysis["candidate_compounds"].copy()
    candidates["kind"] = candidates["kind"].map({"joined": "結合された複合語", "adjacent": "隣り合う語"})
    candidates = candidates.rename(columns={"candidate": "候補", "kind": "種類", "n": "出現回数", "n_items": "項目数"})
    return unknown, candidates


def view_inertia(inertia: pd.DataFrame) -> pd.DataFrame:
    """The correspondence analysis's axes with Japanese headers."""
    return pd.DataFrame({"軸": [f"第{k + 1}軸" for k in range(len(inertia))], "慣性": inertia["inertia"],
                         "説明率": inertia["share"].map(lambda s: f"{s:.1%}")})


SHOWN_ROWS = 100  # a rendered table shows at most this many rows, in the table's own order


def show_table(frame: pd.DataFrame, limit: int = SHOWN_ROWS):
    """A table for a rendered notebook: text escaped, left-aligned, line breaks kept, no index, headers on
    one line, numbers to three decimals. A table longer than ``limit`` rows shows its first rows (in the
    order of its ranking) and says how many it leaves out; the CSV and the workbook have them all."""
    import hashlib

    total = len(frame)
    frame = frame.head(limit).reset_index(drop=True)
    floats = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    # One rule for every text of the table: cells, column headers (a group, an attribute or a code can be
    # a header) and the index are escaped.
    styler = frame.style.hide(axis="index").format(escape="html", na_rep="")
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if floats:
        styler = styler.format(escape="html", precision=3, subset=floats, na_rep="")
    # The table's id comes from its content, not a random uuid: the same data renders the same page.
    styler = styler.set_uuid(hashlib.sha256(frame.to_csv().encode("utf-8")).hexdigest()[:12])
    if total > limit:
        styler = styler.set_caption(f"全 {total:,} 行のうち先頭の {limit} 行 (表の並び順)。残りの {total - limit:,} 行は"
                                    " 分析の出力先の CSV と Excel の表にあります。")
    return styler.set_table_styles([
        {"selector": "th", "props": "text-align: left; white-space: nowrap; vertical-align: bottom;"},
        {"selector": "td", "props": "text-align: left; white-space: pre-wrap; vertical-align: top; min-width: 4em;"},
    ])


def sides_table(analysis: Analysis, min_programs: int = 2) -> pd.DataFrame:
    """The positive and negative aspects' terms in the same programs, or (for a schema without sides)
    each aspect's distinctive terms with z ≥ 1.96."""
    comparison = Comparison.from_metadata(analysis.metadata)
    if comparison.paired:
        return view_effect_vs_limitation(analysis["effect_vs_limitation"], min_programs, comparison=comparison)
    return view_distinctive(analysis["distinctive_aspects"], 1.96, comparison=comparison)
