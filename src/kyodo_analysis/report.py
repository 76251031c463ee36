"""What reviewers read: Japanese views of the tables, the Excel workbook, and notebooks rendered to HTML.

The same views feed the workbook sheets and the notebook tables, so a number in the workbook and in
a rendered notebook always comes from the same code.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import zipfile
from pathlib import Path

import pandas as pd

from .analysis import Analysis
from .errors import NotebookError
from .kwic import kwic
from .plots import ASPECT_JA
from .schema import ASPECTS, support_order
from .stats import counts, sort_for_reading
from .years import known_years

ITEM_HEADERS = {"item_id": "項目ID", "source_file": "ファイル", "source_line": "行", "year": "年度",
                "support_type": "区分", "program_no": "NO", "program": "事業名", "aspect": "観点",
                "item_no": "項目番号", "text": "本文"}
PROGRAM_HEADERS = {"source_file": "ファイル", "source_line": "行", "year": "年度", "support_type": "区分",
                   "program_no": "NO", "program": "事業名", "n_effect": "効果の項目数", "n_limitation": "限界の項目数",
                   "n_next_step": "今後の項目数", "n_items": "項目数"}
COUNT_HEADERS = {"year": "年度", "support_type": "区分", "aspect": "観点", "term": "語", "n": "出現回数",
                 "n_items": "項目数", "n_programs": "事業数"}
DISTINCTIVE_HEADERS = {"year": "年度", "comparison": "比較", "support_type": "区分", "group": "群",
                       "reference": "比較対象", "term": "語", "n_group": "出現回数(群)", "n_rest": "出現回数(比較対象)",
                       "programs_group": "事業数(群)", "programs_rest": "事業数(比較対象)", "log_odds": "対数オッズ比",
                       "z": "z値"}
COMPARISON_JA = {"support_type": "区分 対 他の区分", "effect_vs_limitation": "効果 対 限界"}
WORKBOOK_EPOCH = dt.datetime(2000, 1, 1)


def _aspect_ja(frame: pd.DataFrame) -> pd.DataFrame:
    """Aspects in Japanese and an unknown year shown as 不明 (for people, not for further computation)."""
    frame = frame.copy()
    if "aspect" in frame:
        frame["aspect"] = frame["aspect"].map(lambda a: ASPECT_JA.get(a, "全体" if a == "all" else a))
    if "year" in frame:
        frame["year"] = frame["year"].astype("object").where(frame["year"].notna(), "不明")
    return frame


def _shown_line(text: pd.Series) -> pd.Series:
    """A raw line for reading: tabs as ⇥, nothing for an empty line."""
    return text.fillna("").str.replace("\t", " ⇥ ", regex=False)


def view_items(items: pd.DataFrame) -> pd.DataFrame:
    """Items with Japanese headers and aspects (one row per bullet item)."""
    return _aspect_ja(items).rename(columns=ITEM_HEADERS)


def view_programs(programs: pd.DataFrame) -> pd.DataFrame:
    return _aspect_ja(programs).rename(columns=PROGRAM_HEADERS)


def items_by_support_type(items: pd.DataFrame) -> pd.DataFrame:
    """Items per support type × aspect, with programs and totals."""
    order = support_order(items)
    table = (items.groupby(["support_type", "aspect"]).size().unstack(fill_value=0)
             .reindex(index=order, columns=list(ASPECTS), fill_value=0))
    table.columns = [ASPECT_JA[a] for a in table.columns]
    table["計"] = table.sum(axis=1)
    table.insert(0, "事業数", items.groupby("support_type")["program_no"].nunique().reindex(order))
    table.loc["計"] = table.sum()
    table.index.name = "区分"
    return table


def dropped_lines(log: pd.DataFrame) -> pd.DataFrame:
    """What the cleaning dropped and why (and every change it made to item text)."""
    shown = log[(log["action"] == "dropped") | (log["category"] == "space_removed")]
    shown = shown.assign(text=_shown_line(shown["text"]))
    return shown[["source_file", "line", "category", "note", "text"]].rename(columns={
        "source_file": "ファイル", "line": "行", "category": "種類", "note": "理由", "text": "内容"}).reset_index(drop=True)


def top_terms(analysis: Analysis, by: str | None = None, n: int = 15) -> pd.DataFrame:
    """The most frequent terms overall or per group, with items and programs using them."""
    keys = [by] if by else []
    table = counts(analysis["terms"], analysis["items"], by=keys)
    table = table.assign(_items=-table["n_items"], _n=-table["n"])
    table = sort_for_reading(table, analysis["items"], [*keys, "_items", "_n", "term"]).drop(columns=["_items", "_n"])
    table = table.groupby(keys, sort=False).head(n) if keys else table.head(n)
    return _aspect_ja(table).rename(columns=COUNT_HEADERS).reset_index(drop=True)


def view_keywords(keywords: pd.DataFrame) -> pd.DataFrame:
    return _aspect_ja(keywords).rename(columns=COUNT_HEADERS)


def keyword_matrix(keywords: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Term × (support type, aspect): occurrences, for pasting into a review document."""
    order = support_order(items)
    wide = keywords.pivot_table(index="term", columns=["support_type", "aspect"], values="n", aggfunc="sum", fill_value=0)
    columns = [(s, a) for s in order for a in ASPECTS if (s, a) in wide.columns]
    wide = wide[columns]
    wide.columns = [f"{s}・{ASPECT_JA[a]}" for s, a in columns]
    wide["計"] = wide.sum(axis=1)
    wide = wide.sort_values(["計"], ascending=False, kind="stable")
    wide.index.name = "語"
    return wide.reset_index()


def view_distinctive(distinctive: pd.DataFrame, comparison: str | None = None, top: int | None = None) -> pd.DataFrame:
    table = distinctive if comparison is None else distinctive[distinctive["comparison"] == comparison]
    if top is not None:
        table = table.groupby(["comparison", "support_type", "group"], sort=False).head(top)
    table = _aspect_ja(table).copy()
    table["comparison"] = table["comparison"].map(COMPARISON_JA)
    for column in ("group", "reference"):
        table[column] = table[column].map(lambda v: ASPECT_JA.get(v, v))
    return table.rename(columns=DISTINCTIVE_HEADERS).reset_index(drop=True)


def codes_crosstab(codes: pd.DataFrame, items: pd.DataFrame, aspect: str = "all") -> pd.DataFrame:
    """Code × support type: "items coded / items (share)" and the adjusted residual, with the test used."""
    order = support_order(items)
    table = codes[codes["aspect"] == aspect]
    rows = []
    for (year, code), group in table.groupby(["year", "code"], sort=False, dropna=False):
        group = group.set_index("support_type")
        row = {"年度": "不明" if pd.isna(year) else int(year), "コード": code}
        for support in order:
            if support in group.index:
                r = group.loc[support]
                row[support] = f"{int(r['n_items'])}/{int(r['n_total'])} ({r['share']:.0%})"
                row[f"{support} 残差"] = round(float(r["adjusted_residual"]), 2)
        first = group.iloc[0]
        row.update({"χ²": round(float(first["chi2"]), 3), "p値": float(first["p_value"]), "検定": first["test"]})
        rows.append(row)
    return pd.DataFrame(rows)


def closing_table(analysis: Analysis, top: int = 3) -> pd.DataFrame:
    """Per support type, its strongest effect and limitation terms (effect-vs-limitation z) with one example each."""
    items, token_frame, term_frame = analysis["items"], analysis["tokens"], analysis["terms"]
    table = analysis["distinctive_terms"]
    table = table[table["comparison"] == "effect_vs_limitation"]
    rows = []
    for support in support_order(items):
        sub = table[table["support_type"] == support]
        sides = {"effect": sub[sub["n_group"] > 0].sort_values(["z", "n_group", "term"], ascending=[False, False, True]),
                 "limitation": sub[sub["n_rest"] > 0].sort_values(["z", "n_rest", "term"], ascending=[True, False, True])}
        for aspect, ranked in sides.items():
            for row in ranked.head(top).itertuples(index=False):
                lines = kwic(row.term, items, token_frame, term_frame, window=0)
                lines = lines[(lines["support_type"] == support) & (lines["aspect"] == aspect)
                              & (lines["matched"] == row.term)]
                example = items.set_index("item_id").loc[lines["item_id"].iloc[0]] if len(lines) else None
                rows.append({"区分": support, "観点": ASPECT_JA[aspect], "語": row.term, "z値": round(float(row.z), 2),
                             "出現回数": int(row.n_group if aspect == "effect" else row.n_rest),
                             "例文": example["text"] if example is not None else "",
                             "事業": f"NO {example['program_no']} {example['program']}" if example is not None else "",
                             "項目ID": lines["item_id"].iloc[0] if len(lines) else ""})
    return pd.DataFrame(rows)


def kwic_table(analysis: Analysis, term: str, window: int = 20) -> pd.DataFrame:
    """KWIC lines of a term with Japanese headers."""
    lines = kwic(term, analysis["items"], analysis["tokens"], analysis["terms"], window=window)
    lines = _aspect_ja(lines)
    return lines.rename(columns={"item_id": "項目ID", "support_type": "区分", "program_no": "NO", "program": "事業名",
                                 "aspect": "観点", "left": "前", "term": "語", "right": "後", "matched": "抽出語"})


# ---------------------------------------------------------------- Excel workbook

def workbook_sheets(analysis: Analysis) -> dict[str, pd.DataFrame]:
    """The sheets a reviewer would paste into the review document, with Japanese headers."""
    items = analysis["items"]
    return {
        "項目": view_items(items),
        "事業": view_programs(analysis["programs"]),
        "区分×観点の項目数": items_by_support_type(items).reset_index(),
        "語の集計(区分×観点)": view_keywords(analysis["keywords"]),
        "語×区分・観点": keyword_matrix(analysis["keywords"], items),
        "特徴語": view_distinctive(analysis["distinctive_terms"]),
        "コード×区分": codes_crosstab(analysis["codes"], items),
        "事業の変化(年度)": view_program_changes(analysis["program_changes"]),
        "語の増減(年度)": term_changes(analysis["keyword_trends"]),
        "コード×区分(観点別)": _aspect_ja(analysis["codes"]).rename(columns={
            "year": "年度", "code": "コード", "support_type": "区分", "aspect": "観点", "n_items": "項目数",
            "n_total": "区分の項目数", "share": "割合", "adjusted_residual": "調整済み残差", "chi2": "χ²",
            "p_value": "p値", "test": "検定"}),
    }


def view_program_changes(changes: pd.DataFrame) -> pd.DataFrame:
    """Program changes across years with Japanese headers and statuses."""
    from .plots import STATUS_JA

    table = changes.copy()
    table["status"] = table["status"].map(STATUS_JA)
    table["previous_name"] = table["previous_name"].fillna("")
    return table.rename(columns={"program_no": "NO", "program": "事業名", "support_type": "区分", "status": "変化",
                                 "first_year": "最初の年度", "last_year": "最後の年度", "previous_name": "以前の名称"})


def term_changes(trends: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """Per pair of consecutive years, the terms that rose and fell most (all support types pooled)."""
    pooled = trends[(trends["support_type"] == "全体") & (trends["aspect"] == "all") & trends["z_vs_prev"].notna()]
    parts = []
    for _year, group in pooled.groupby("year", sort=True):
        rising = group[group["z_vs_prev"] > 0].sort_values(["z_vs_prev", "n", "term"], ascending=[False, False, True])
        falling = group[group["z_vs_prev"] < 0].sort_values(["z_vs_prev", "n_prev", "term"], ascending=[True, False, True])
        parts += [rising.head(top).assign(direction="増えた語"), falling.head(top).assign(direction="減った語")]
    if not parts:
        return pd.DataFrame(columns=["年度", "前年度", "増減", "語", "出現回数(前年度)", "出現回数", "z値"])
    table = pd.concat(parts, ignore_index=True)
    return pd.DataFrame({"年度": table["year"], "前年度": table["prev_year"], "増減": table["direction"], "語": table["term"],
                         "出現回数(前年度)": table["n_prev"], "出現回数": table["n"], "z値": table["z_vs_prev"].round(2)})


def codes_by_year(codes: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Code × support type for each year side by side: "items coded / items (share)"."""
    table = codes[(codes["aspect"] == "all") & codes["year"].notna()].copy()
    table["cell"] = [f"{n}/{t} ({s:.0%})" for n, t, s in zip(table["n_items"], table["n_total"], table["share"], strict=True)]
    order = support_order(items)
    wide = table.pivot_table(index="code", columns=["support_type", "year"], values="cell", aggfunc="first", sort=False)
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


def write_workbook(analysis: Analysis, path: str | Path) -> Path:
    """``kyodo_tables.xlsx``: one sheet per table, Japanese headers, widths that fit (long text wrapped)."""
    from openpyxl.styles import Alignment, Font

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in workbook_sheets(analysis).items():
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for index, column in enumerate(frame.columns, start=1):
                width = max([_display_width(column), *(_display_width(v) for v in frame[column])]) + 2
                letter = sheet.cell(row=1, column=index).column_letter
                sheet.column_dimensions[letter].width = min(width, 80)
                sheet.cell(row=1, column=index).font = Font(bold=True)
                if width > 80:
                    for cell in sheet[letter][1:]:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
        writer.book.properties.creator = "kyodo-analysis"
        writer.book.properties.created = WORKBOOK_EPOCH
        writer.book.properties.modified = WORKBOOK_EPOCH
    _normalize_zip(tmp, path)
    tmp.unlink()
    return path


def _normalize_zip(source: Path, target: Path) -> None:
    """Rewrite an .xlsx with fixed timestamps so the same tables give the same bytes."""
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
    import re

    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>2000-01-01T00:00:00Z\g<2>", core_xml)


# ---------------------------------------------------------------- notebooks → HTML

def _strip_ansi(text: str) -> str:
    import re

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
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
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
    return pd.DataFrame({"ファイル": log["source_file"], "行": log["line"], "扱い": log["action"], "種類": log["category"],
                         "内容 (先頭)": text.str.slice(0, width)}).reset_index(drop=True)


def cutting_example(analysis: Analysis, contains: str) -> pd.DataFrame:
    """How the first item containing ``contains`` is cut: the short-unit morphemes, then the counted terms."""
    items = analysis["items"]
    item = items[items["text"].str.contains(contains, regex=False)].iloc[0]
    tokens = analysis["tokens"][analysis["tokens"]["item_id"] == item["item_id"]]
    terms = analysis["terms"][analysis["terms"]["item_id"] == item["item_id"]]
    return pd.DataFrame({"": ["本文", "形態素 (unidic-lite の短い単位)", "数える語 (抽出語)"],
                         item["item_id"]: [item["text"], " | ".join(tokens["surface"]), " | ".join(terms["term"])]})


def curation_tables(analysis: Analysis) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Unknown words and candidate compounds, with Japanese headers, to curate the two word lists."""
    unknown = analysis["unknown_words"].rename(columns={"surface": "語", "n": "出現回数", "n_items": "項目数",
                                                        "example_item_id": "例の項目ID"})
    candidates = analysis["candidate_compounds"].copy()
    candidates["kind"] = candidates["kind"].map({"joined": "結合された複合語", "adjacent": "隣り合う語"})
    candidates = candidates.rename(columns={"candidate": "候補", "kind": "種類", "n": "出現回数", "n_items": "項目数"})
    return unknown, candidates
