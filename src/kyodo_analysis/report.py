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
from .kwic import keyword_in_context
from .labels import ACTION_JA, CATEGORY_JA, HEADERS, STATUS_JA, UNKNOWN_YEAR, year_label
from .schema import Comparison, zushi_comparison
from .stats import ALL_GROUPS, RANK_KEY, aspect_counts, counts, group_order, largest, top_with_ties
from .years import cities, known_years, of_city, term_shifts, trend_group_label, year_cities

WORKBOOK_EPOCH = dt.datetime(2000, 1, 1)


def headers(comparison: Comparison | None = None) -> dict[str, str]:
    """Japanese column headers: the shared ones, the compared group's label and the attributes' labels."""
    comparison = comparison or zushi_comparison()
    aspects = {f"n_{a.key}": f"{a.label}の項目数" for a in comparison.aspects}
    grouped = {k: v.replace("区分", comparison.by_label) for k, v in HEADERS.items() if k != "support_type"}
    sides = {}
    if comparison.paired:  # effect_vs_limitation.csv's _effect / _limitation columns: the schema's two sides
        for suffix, polarity in (("effect", "positive"), ("limitation", "negative")):
            label = comparison.side_label(polarity)
            sides |= {f"programs_{suffix}": f"{label}で使った事業", f"items_{suffix}": f"{label}の項目数"}
    return {**HEADERS, **grouped, **sides, **aspects, **comparison.attributes, comparison.by: comparison.by_label}


def _aspect_ja(frame: pd.DataFrame, comparison: Comparison | None = None) -> pd.DataFrame:
    """Aspects in Japanese and an unknown year shown as 不明 (for people, not for further computation),
    with Japanese headers."""
    comparison = comparison or zushi_comparison()
    frame = frame.copy()
    if "aspect" in frame:
        frame["aspect"] = frame["aspect"].map(comparison.label)
    if "year" in frame:
        frame["year"] = frame["year"].astype("object").where(frame["year"].notna(), UNKNOWN_YEAR)
    return frame.rename(columns=headers(comparison))


def _shown_line(text: pd.Series) -> pd.Series:
    """A raw line for reading: tabs as ⇥, nothing for an empty line."""
    return text.fillna("").str.replace("\t", " ⇥ ", regex=False)


def view_items(items: pd.DataFrame, comparison: Comparison | None = None) -> pd.DataFrame:
    """Items with Japanese headers and aspects (one row per bullet item), the text right after its identifiers."""
    first = ["item_id", "year", "city", "support_type", "program_no", "program", "aspect", "item_no", "text"]
    shown = [c for c in first if c != "city" or items["city"].nunique() > 1]
    return _aspect_ja(items[[*shown, *(c for c in items.columns if c not in first)]], comparison)


def view_programs(programs: pd.DataFrame, comparison: Comparison | None = None) -> pd.DataFrame:
    return _aspect_ja(programs, comparison)


def items_by_group(programs: pd.DataFrame, comparison: Comparison | None = None) -> pd.DataFrame:
    """Items per group × aspect (from ``programs.csv``), with programs and totals, one block per year
    (never summed across years). An aspect a group's tables do not have is blank, not 0."""
    comparison = comparison or zushi_comparison()
    blocks = []
    for year, part in programs.groupby("year", dropna=False, sort=True) if len(programs) else [(None, programs)]:
        table = aspect_counts(part, comparison)
        table.columns = ["事業数", *(comparison.label(a) for a in comparison.aspect_keys), "計"]
        table.loc["計"] = table.sum(min_count=1)
        table.index.name = comparison.by_label
        if programs["year"].nunique() > 1:
            table.insert(0, "年度", year_label(year))
        blocks.append(table)
    return pd.concat(blocks)


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


def view_keywords(keywords: pd.DataFrame, comparison: Comparison | None = None) -> pd.DataFrame:
    return _aspect_ja(keywords, comparison)


def keyword_matrix(keywords: pd.DataFrame, items: pd.DataFrame, comparison: Comparison | None = None) -> pd.DataFrame:
    """(Year ×) term × (group, aspect): occurrences, for pasting into a review document."""
    comparison = comparison or zushi_comparison()
    by, order = comparison.by, group_order(items, comparison.by)
    table = keywords.assign(year=keywords["year"].map(year_label))
    wide = table.pivot_table(index=["year", "term"], columns=[by, "aspect"], values="n", aggfunc="sum", fill_value=0)
    columns = [(s, a) for s in order for a in comparison.aspect_keys if (s, a) in wide.columns]
    wide = wide[columns]
    wide.columns = [f"{s}・{comparison.label(a)}" for s, a in columns]
    wide["計"] = wide.sum(axis=1)
    wide = wide.reset_index().rename(columns={"year": "年度", "term": "語"})
    return wide.sort_values(["年度", "計"], ascending=[True, False], kind="stable").reset_index(drop=True)


def view_distinctive(distinctive: pd.DataFrame, threshold: float | None = None,
                     comparison: Comparison | None = None) -> pd.DataFrame:
    """Distinctive terms with Japanese headers (only those with z ≥ ``threshold`` when given)."""
    table = distinctive if threshold is None else distinctive[distinctive["z"] >= threshold]
    return _aspect_ja(table, comparison).reset_index(drop=True)


def view_effect_vs_limitation(paired: pd.DataFrame, min_programs: int = 1,
                              comparison: Comparison | None = None) -> pd.DataFrame:
    """Terms of the positive and negative aspects, counted in the same programs (paired), with Japanese
    headers named after the schema's aspects."""
    table = paired[paired["programs_effect"] + paired["programs_limitation"] >= min_programs]
    return _aspect_ja(table, comparison).reset_index(drop=True)


def codes_crosstab(codes: pd.DataFrame, items: pd.DataFrame, aspect: str = "all",
                   comparison: Comparison | None = None) -> pd.DataFrame:
    """Code × group: "programs with the code / programs; items coded / items", and the program-level
    test with its Holm-adjusted p."""
    comparison = comparison or zushi_comparison()
    order = group_order(items, comparison.by)
    table = codes[codes["aspect"] == aspect]
    rows = []
    for (year, code), group in table.groupby(["year", "code"], sort=False, dropna=False):
        group = group.set_index(comparison.by)
        row = {"年度": UNKNOWN_YEAR if pd.isna(year) else int(year), "コード": code}
        for support in order:
            if support in group.index:
                r = group.loc[support]
                row[support] = (f"{int(r['n_programs'])}/{int(r['programs_total'])}事業・"
                                f"{int(r['n_items'])}/{int(r['n_total'])}項目")
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
        f"語の集計({what}×観点)": view_keywords(analysis["keywords"], comparison),
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
            "事業の変化(年度)": view_program_changes(analysis["program_changes"]),
            "語の増減(年度)": term_changes(analysis["keyword_trends"], by=comparison.by),
            f"コード×{what}(観点別)": _aspect_ja(analysis["codes"], comparison)}


def view_program_changes(changes: pd.DataFrame) -> pd.DataFrame:
    """Program changes across years with Japanese headers and statuses (the city shown when there are several)."""
    table = changes.copy()
    table["status"] = table["status"].map(STATUS_JA)
    table["previous_name"] = table["previous_name"].fillna("")
    if table["city"].nunique() <= 1:
        table = table.drop(columns="city")
    return table.rename(columns=HEADERS)


def term_changes(trends: pd.DataFrame, top: int = 10, by: str = "support_type") -> pd.DataFrame:
    """Per city and year after its first, the terms that rose or fell with |z| ≥ 1.96 against the city's
    previous year (all groups pooled), never cut inside a tie; a row says so when none did. The city is
    a column only when there are several."""
    columns = ["市町村", "年度", "前年度", "増減", "語", "出現回数(前年度)", "出現回数", "z値"]
    rows = []
    for city in cities(trends):
        own = of_city(trends, city)
        for year in sorted(own.loc[own["z_vs_prev"].notna(), "year"].dropna().unique()):
            rising, falling, left_out = term_shifts(own, int(year), top, by=by)
            for direction, part in (("増えた語", rising), ("減った語", falling)):
                rows += [[city, r.year, r.prev_year, direction, r.term, r.n_prev, r.n, round(float(r.z_vs_prev), 2)]
                         for r in part.itertuples(index=False)]
            if rising.empty and falling.empty:
                rows.append([city, year, None, "なし", "|z| ≥ 1.96 で増減した語はありません", None, None, None])
            elif left_out:
                note = f"同数のため {left_out} 語を省きました (keyword_trends.csv に全語)"
                rows.append([city, year, None, "省略", note, None, None, None])
    table = pd.DataFrame(rows, columns=columns)
    return table if table["市町村"].nunique() > 1 else table.drop(columns="市町村")


def codes_by_year(codes: pd.DataFrame, items: pd.DataFrame, comparison: Comparison | None = None) -> pd.DataFrame:
    """Code × group for each year side by side: "items coded / items (share)"."""
    comparison = comparison or zushi_comparison()
    by = comparison.by
    table = codes[(codes["aspect"] == "all") & codes["year"].notna()].copy()
    table["cell"] = [f"{n}/{t} ({s:.0%})" for n, t, s in zip(table["n_items"], table["n_total"], table["share"], strict=True)]
    order = group_order(items, by)
    wide = table.pivot_table(index="code", columns=[by, "year"], values="cell", aggfunc="first", sort=False)
    columns = [(s, y) for s in order for y in sorted(table["year"].unique()) if (s, y) in wide.columns]
    wide = wide[columns].reindex(list(dict.fromkeys(table["code"])))
    wide.columns = [f"{s} {y}年度" for s, y in columns]
    wide.index.name = "コード"
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
                      f"(全 {len(frame):,} 行は data/processed/ の CSV にあります)。"})
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


def stop_on_sigterm(run: int | None = None) -> None:
    """In a notebook worker: SIGTERM exits normally, so the kernel it started is shut down too; and the
    worker is sent SIGTERM when the run's process ``run`` ends, however it ends."""
    import signal
    import sys

    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    if run is not None:
        end_with(run)


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


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def execute_notebook(notebook: str | Path, html_path: str | Path, parameters: dict, timeout: int = 600) -> Path:
    """Execute a notebook with its ``parameters`` cell overridden (papermill's convention: an
    ``injected-parameters`` cell after it) and render the executed copy to HTML."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    notebook = Path(notebook)
    nb = nbformat.read(notebook, as_version=4)
    source = "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
    injected = nbformat.v4.new_code_cell(source=f"# 実行時に与えた値 (injected parameters)\n{source}")
    injected.id = "injected-parameters"  # a fixed id: the same run gives the same HTML
    injected.metadata["tags"] = ["injected-parameters"]
    position = next((i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), 0)
    nb.cells.insert(position, injected)
    from nbclient.exceptions import CellExecutionError

    # The kernel listens on loopback only; its start-up warning about unencrypted TCP is noise here.
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", extra_arguments=["--log-level=ERROR"],
                            resources={"metadata": {"path": str(notebook.parent)}})
    try:
        client.execute()
    except CellExecutionError as error:
        last = [line for line in str(error).strip().splitlines() if line.strip()][-1]
        raise NotebookError(f"{notebook.name} の実行中にエラーが出ました: {_strip_ansi(last)}") from None
    inert_outputs(nb)
    # Reviewers read the outputs only: no code, no parameters, no paths.
    body, _ = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                           exclude_output_prompt=True).from_notebook_node(nb)
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


def left_out_sentence(left_out: int) -> str:
    """Say how many terms a ranking left out because they tied at its cut."""
    if not left_out:
        return "この表は同数の語の途中で切れていません。"
    return f"最後の順位と同数の語が多すぎるため、同数の {left_out} 語を表から省きました (csv には全語があります)。"


def top_words(analysis: Analysis, n: int = 15) -> pd.DataFrame:
    """The words mentioned by the most programs and items, compound parts included (``word_counts.csv``)."""
    words, by = analysis["word_counts"], Comparison.from_metadata(analysis.metadata).by
    pooled = words[(words[by] == ALL_GROUPS) & (words["aspect"] == "all")]
    pooled = pooled.sort_values(["year", *RANK_KEY, "word"], ascending=[True, False, False, False, True], kind="stable")
    kept, _ = top_with_ties(pooled, n, RANK_KEY, most=2 * n)
    return _aspect_ja(kept[["word", "n_programs", "n_items", "n"]]).reset_index(drop=True)


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
        return f"{city}{known[0]}〜{known[-1]}年度の {len(known)} つの年度の表を比べます。"
    if len(known) == 1:
        return f"{city}表は{known[0]}年度だけなので、年度の比較はありません (年度は市町村ごとに比べます)。"
    named = "、".join(unknown)
    return (f"年度の分かる表がないため ({named} は年度不明)、年度の比較はありません。"
            "年度は `kyodo-analysis manifest add ファイル --year 西暦` で登録できます。")


def curation_tables(analysis: Analysis) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Unknown words and candidate compounds, with Japanese headers, to curate the two word lists."""
    unknown = analysis["unknown_words"].rename(columns={"surface": "語", "n": "出現回数", "n_items": "項目数",
                                                        "example_item_id": "例の項目ID"})
    candidates = analysis["candidate_compounds"].copy()
    candidates["kind"] = candidates["kind"].map({"joined": "結合された複合語", "adjacent": "隣り合う語"})
    candidates = candidates.rename(columns={"candidate": "候補", "kind": "種類", "n": "出現回数", "n_items": "項目数"})
    return unknown, candidates


# ---------------------------------------------------------------- the review summary

def _program_label(row) -> str:
    return f"NO {row.program_no} {row.program}"


SUMMARY_ITEMS = 10  # items quoted per code and side; the counts beside them are always complete
NO_CODE = "コードなし"  # the row of the items no coding rule matched


def quoted_items(side: pd.DataFrame, most: int = SUMMARY_ITEMS) -> str:
    """The items of one cell, in the table's order, at most ``most`` of them and then how many are left out."""
    lines = [f"{_program_label(r)}: {r.text}" for r in side.head(most).itertuples()]
    if len(side) > most:
        lines.append(f"…ほか {len(side) - most:,} 項目 (item_codes.csv と items.csv に全件)")
    return "\n".join(lines)


def review_summary(analysis: Analysis) -> pd.DataFrame:
    """Per group and code, the city's own items of the positive aspect beside those of the negative one
    (or of every aspect, for a schema that marks no sides), each with its program, and how many programs
    and items say so. Items with no code are listed under 「コードなし」, so every such item is counted;
    a cell quotes its first ``SUMMARY_ITEMS`` items (table order) and says how many more there are."""
    items, item_codes = analysis["items"], analysis["item_codes"]
    comparison = Comparison.from_metadata(analysis.metadata)
    by, aspects = comparison.by, comparison.sides
    codes_of: dict[str, list[str]] = {}
    for item_id, code in zip(item_codes["item_id"].tolist(), item_codes["code"].tolist(), strict=True):
        codes_of.setdefault(item_id, []).append(code)
    code_order = [*dict.fromkeys(analysis["codes"]["code"]), NO_CODE]
    sided = items[items["aspect"].isin(aspects)]
    coded = sided.assign(code=sided["item_id"].map(lambda i: codes_of.get(i, [NO_CODE]))).explode("code")
    cells = dict(list(coded.groupby([by, "code", "aspect"], sort=False)))  # items of a cell in table order
    rows = []
    for group in group_order(items, by):
        for code in code_order:
            row = {comparison.by_label: group, "コード": code}
            for aspect in aspects:
                label, side = comparison.label(aspect), cells.get((group, code, aspect), coded.iloc[:0])
                row[f"{label}の事業数"] = len(side[["source_file", "program_no"]].drop_duplicates())
                row[f"{label}の項目数"] = len(side)
                row[label] = quoted_items(side)
            if any(row[f"{comparison.label(a)}の項目数"] for a in aspects):
                rows.append(row)
    return pd.DataFrame(rows)


def _codes_most_shared(summary: pd.DataFrame, group_column: str, group: str, label: str) -> str:
    """The code(s) shared by the most programs on one side — every code in a tie — as a phrase."""
    column = f"{label}の事業数"
    side = summary[(summary[group_column] == group) & (summary["コード"] != NO_CODE) & (summary[column] > 0)]
    if side.empty:
        return "どのコードにも当たりません"
    best = int(side[column].max())
    codes = "・".join(f"「{c}」" for c in side.loc[side[column] == best, "コード"])
    return f"{codes} ({best} 事業)"


def summary_sentences(analysis: Analysis, summary: pd.DataFrame | None = None) -> list[str]:
    """One sentence per group, every number read off :func:`review_summary` (``summary``, when the caller
    has it already) and ``programs.csv``."""
    items = analysis["items"]
    summary = review_summary(analysis) if summary is None else summary
    comparison = Comparison.from_metadata(analysis.metadata)
    program_table = analysis["programs"]
    sentences = []
    for group in group_order(items, comparison.by):
        sub = items[items[comparison.by] == group]
        n_programs = len(sub[["source_file", "program_no"]].drop_duplicates())
        own = program_table[program_table[comparison.by] == group]
        present = [a for a in comparison.sides if own[f"n_{a}"].notna().any()]  # the group's tables have the column
        parts = [] if present else ["・".join(f"「{comparison.label(a)}」" for a in comparison.sides)
                                    + "の列がない表なので、この比較には入りません"]
        for aspect in present:
            label, side = comparison.label(aspect), sub[sub["aspect"] == aspect]
            if side.empty:
                parts.append(f"{label}の記述はありません")
                continue
            programs = len(side[["source_file", "program_no"]].drop_duplicates())
            parts.append(f"{label} {len(side)} 項目 ({programs} 事業) で最も多くの事業に共通するコードは"
                         f"{_codes_most_shared(summary, comparison.by_label, group, label)}")
        sentences.append(f"{group} ({n_programs} 事業): " + "。".join(parts) + "。")
    return sentences


# ---------------------------------------------------------------- sentences computed from the tables


def cleaning_sentence(analysis: Analysis) -> str:
    """What the cleaning kept and dropped, counted from ``cleaning_log.csv``."""
    log = analysis["cleaning_log"]
    lines = log[log["category"] != "space_removed"]
    dropped = lines[lines["action"] == "dropped"]["category"].value_counts()
    reasons = "、".join(f"{CATEGORY_JA.get(c, c)} {n}" for c, n in dropped.items())
    items, programs = analysis["items"], analysis["programs"]
    return (f"生データ {len(lines)} 行のうち {int((lines['action'] == 'kept').sum())} 行から {len(programs)} 事業・"
            f"{len(items)} 項目を取り出し、{int(dropped.sum())} 行を捨てました" + (f" ({reasons})。" if reasons else "。"))


def empty_cells_sentence(analysis: Analysis) -> str:
    """Which programs left which aspect empty (read off ``programs.csv``)."""
    comparison = Comparison.from_metadata(analysis.metadata)
    parts = []
    for row in analysis["programs"].to_dict("records"):
        empty = [a.label for a in comparison.aspects if not pd.isna(row[f"n_{a.key}"]) and row[f"n_{a.key}"] == 0]
        if empty:
            parts.append(f"NO {row['program_no']} ({row['program']}) は" + "・".join(f"「{a}」" for a in empty))
    if not parts:
        return f"どの事業も{len(comparison.aspects)}つの観点すべてに記入があります。"
    return "、".join(parts) + "が空欄です。記入がなかったこと自体が一つの所見です (限界がなかったという意味ではありません)。"


def negation_sentence(analysis: Analysis) -> str:
    """How many items of each aspect hold a negated term."""
    items, terms = analysis["items"], analysis["terms"]
    comparison = Comparison.from_metadata(analysis.metadata)
    negated = set(terms.loc[terms["negated"], "item_id"])
    parts = [f"{comparison.label(a)} {int(items.loc[items['aspect'] == a, 'item_id'].isin(negated).sum())}/"
             f"{int((items['aspect'] == a).sum())} 項目" for a in comparison.aspect_keys]
    return "否定の語を含む項目は " + "、".join(parts) + " です。"


def code_test_sentence(codes: pd.DataFrame, alpha: float = 0.05, comparison: Comparison | None = None) -> str:
    """What the program-level tests of the codes show, after Holm's correction."""
    comparison = comparison or zushi_comparison()
    tested = codes.dropna(subset=["p_holm"]).drop_duplicates(["year", "code", "aspect"])
    if tested.empty:
        return "検定できるコードがありません。"
    below = tested[tested["p_holm"] < alpha]
    counts = ", ".join(sorted(set(tested["test"])))
    if below.empty:
        return (f"コード×観点の {len(tested)} 検定 ({counts}) のうち、Holm 補正後に p<{alpha} のものはありません。"
                f"最小の補正前 p は {tested['p_value'].min():.3f} です。この事業数では{comparison.by_label}の差は示せません。")
    listed = "、".join(f"「{r.code}」({comparison.label(r.aspect)}, 補正後 p={r.p_holm:.3f})" for r in below.itertuples())
    return f"コード×観点の {len(tested)} 検定 ({counts}) のうち、Holm 補正後に p<{alpha} のもの: {listed}。"


def distinctive_sentence(distinctive: pd.DataFrame, threshold: float = 1.96, comparison: Comparison | None = None) -> str:
    """Whether any term reaches |z| ≥ threshold, and the largest z per group."""
    comparison = comparison or zushi_comparison()
    what = comparison.by_label
    if distinctive.empty:
        return "特徴語を計算できる語がありません。"
    listed = "、".join(f"{group} {largest(part, 'z')}" for group, part in distinctive.groupby(comparison.by, sort=False))
    if (distinctive["z"] >= threshold).any():
        return f"z ≧ {threshold} の語があります (各{what}の最大: {listed})。"
    return f"z ≧ {threshold} に達する語はありません (各{what}の最大: {listed})。どの語も一つの{what}に際立って偏ってはいません。"


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
                                    " data/processed/ の CSV と Excel の表にあります。")
    return styler.set_table_styles([
        {"selector": "th", "props": "text-align: left; white-space: nowrap; vertical-align: bottom;"},
        {"selector": "td", "props": "text-align: left; white-space: pre-wrap; vertical-align: top; min-width: 4em;"},
    ])


# ---------------------------------------------------------------- notebook text named after the schema

_UNIT = ("{by}は事業の性質なので、比べる単位は事業です。まず「何事業のうち何事業」「何項目のうち何項目」を示し、"
         "検定は事業を単位にしたものだけを使います。")
NOTEBOOK_TEXT = {
    "items": "## {by} × 観点の項目数\n\n項目の数は記述の多さであって、成果や問題の大きさではありません。",
    "question": "**問い**: {groups} は、それぞれ何に{pos}があり、どこに{neg}があったか。\n\n" + _UNIT,
    "question_unpaired": "**問い**: {groups} で、{aspects} の記述はどう違うか。\n\n" + _UNIT,
    "sides": "## {pos}の語と{neg}の語\n\n右 (青) が「{pos_long}」、左 (赤) が「{neg_long}」に出てくる語で、"
             "棒の長さはその語を含む項目の数です。下の表は、同じ事業が{pos}と{neg}の両方でその語を使ったかを数えたもの"
             " (対応のある比較) です。",
    "sides_unpaired": "## 観点ごとの特徴語\n\nスキーマが肯定・否定の観点を指定していないため、各観点 ({aspects}) を"
                      "ほかの観点と比べた重み付き対数オッズ比 (Monroe ほか 2008 の一対残り) の z 値を示します。"
                      "語の出現を数えた記述の目安です。",
    "by_terms": "## {by}ごとの頻出語",
    "distinctive": "## {by}ごとの特徴語\n\n各{by}を他の{by}と比べた重み付き対数オッズ比"
                   " (Monroe ほか 2008 の一対残り) の z 値です。"
                   "語の出現を数えた記述の目安です。",
    "codes": "## コード × {by}\n\nコーディングルール (KH Coder 形式) で項目にコードを付けます。"
             "表は「コードの項目がある事業数/事業数・"
             "コードの項目数/項目数」です。{by}の差の検定は、{by}のラベルを事業に並べ替える並べ替え検定で、"
             "全コード×観点に Holm 補正をかけています。",
    "correspondence": "## 対応分析\n\n語と{by}を同じ平面に置いた対称マップです。一つの{by}にしか出ない語はその{by}の点より外側の"
                      "同じ点に並び、語と{by}の点の距離は直接には比べられません。{by}が {n_groups} つなので、"
                      "{n_axes} 軸で慣性の 100% を説明します。",
    "summary": "## まとめ: {by}ごとに何が{pos}を上げ、どこに{neg}があったか\n\n市の表の項目そのものを、コードごとに{pos}と{neg}を"
               "並べて示します。文は表の数字から自動で作ったもので、数字が示すこと以上は述べていません。",
    "summary_unpaired": "## まとめ: {by}ごとの{aspects}\n\n市の表の項目そのものを、コードごとに観点を並べて示します。"
                        "文は表の数字から自動で作ったもので、数字が示すこと以上は述べていません。",
    "codes_by_year": "## 年度ごとのコード × {by}\n\n分母 (その{by}の項目数) が小さいので、1項目の違いで割合が大きく動きます。",
    "term_changes": "## 増えた語・減った語\n\n前の年度と比べた重み付き対数オッズ比の z 値です (全{within}・全観点をまとめて)。"
                    "事業が追加・廃止されると、その事業の語がそのまま増減に表れます。",
}


def notebook_text(key: str, analysis: Analysis) -> str:
    """A notebook's heading and explanation, in the words of the analysis' schema and groups (the
    ``_unpaired`` variant for a schema that marks no positive and negative aspects)."""
    comparison = Comparison.from_metadata(analysis.metadata)
    if not comparison.paired and f"{key}_unpaired" in NOTEBOOK_TEXT:
        key = f"{key}_unpaired"
    groups = group_order(analysis["items"], comparison.by)
    n_groups = len(groups)
    return NOTEBOOK_TEXT[key].format(
        by=comparison.by_label, groups="・".join(groups),
        aspects="・".join(comparison.label(a) for a in comparison.aspect_keys),
        pos=comparison.side_label("positive"), neg=comparison.side_label("negative"),
        pos_long=comparison.side_label("positive", long=True), neg_long=comparison.side_label("negative", long=True),
        n_groups=n_groups, n_axes=max(n_groups - 1, 0), within=trend_group_label(comparison))


def sides_table(analysis: Analysis, min_programs: int = 2) -> pd.DataFrame:
    """The positive and negative aspects' terms in the same programs, or (for a schema without sides)
    each aspect's distinctive terms with z ≥ 1.96."""
    comparison = Comparison.from_metadata(analysis.metadata)
    if comparison.paired:
        return view_effect_vs_limitation(analysis["effect_vs_limitation"], min_programs, comparison)
    return view_distinctive(analysis["distinctive_aspects"], 1.96, comparison)
