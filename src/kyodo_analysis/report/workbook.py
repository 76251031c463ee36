"""The Excel workbook (``kyodo_tables.xlsx``): the views of :func:`.views.workbook_sheets` made safe for
Excel (characters it cannot store, cells and rows beyond its limits), formatted for printing, and
written with fixed timestamps so the same tables give the same bytes."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zipfile
from copy import copy
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..analysis import Analysis
from .views import workbook_sheets

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

WORKBOOK_EPOCH = dt.datetime(2000, 1, 1)


def _cell_text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _text_width(text: str) -> int:
    """A text's width in Excel's units: its widest line, a full-width character counting two."""
    return max((sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line) for line in text.split("\n")),
               default=0)


def _display_width(value: object) -> int:
    return _text_width(_cell_text(value))


def cell_widths(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`_display_width` of every cell, each distinct text measured once (a token sheet repeats a few
    thousand texts over a million rows)."""
    known: dict[str, int] = {}

    def width(value: object) -> int:
        text = _cell_text(value)
        if text not in known:
            known[text] = _text_width(text)
        return known[text]

    return frame.map(width)


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
            parts = values.map(lambda v: [v[i:i + EXCEL_CELL_LIMIT] for i in range(0, max(len(v), 1), EXCEL_CELL_LIMIT)]
                               if isinstance(v, str) else [v])  # an empty cell is one empty part
            frame[column] = parts.map(lambda p: p[0])
            at = frame.columns.get_loc(column)
            for k in range(1, int(parts.map(len).max())):
                frame.insert(at + k, f"{column}(続き{k})", parts.map(lambda p, k=k: p[k] if k < len(p) else None))
            notes.append({"シート": name, "内容": f"列「{column}」の {int(long.sum())} セルは 32,767 字を超えるため、"
                          f"「{column}(続き…)」の列に分けて載せました。"})
    return frame, notes


EMPTY_SHEET = "この表に当てはまる行はありません (見出しだけのシートは、壊れたのではなく、数える行がなかったものです)。"


def write_workbook(analysis: Analysis, path: str | Path) -> Path:
    """``kyodo_tables.xlsx``: one sheet per table with Japanese headers, ready to print and paste. Written in
    openpyxl's write-only mode, row by row: the ordinary mode keeps every cell as an object until the file
    is saved, and styled each cell afterwards (twice the time and a third more memory at 10^6 characters)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    sheets, notes = {}, []
    for name, frame in workbook_sheets(analysis).items():  # every view first: an error never leaves a broken file
        sheets[name], changed = excel_safe(name, frame)
        notes += changed + ([{"シート": name, "内容": EMPTY_SHEET}] if frame.empty else [])
    sheets["注記"] = pd.DataFrame(notes or [{"シート": "", "内容": "変更したセルはありません。"}])
    book = Workbook(write_only=True)
    for name, frame in zip(sheet_names(list(sheets)), sheets.values(), strict=True):
        write_sheet(book.create_sheet(name), frame)
    book.properties.creator = "kyodo-analysis"
    book.properties.created = WORKBOOK_EPOCH
    book.properties.modified = WORKBOOK_EPOCH
    book.save(tmp)
    normalize_zip(tmp, path)
    tmp.unlink()
    return path


PERCENT_COLUMNS = {"項目の割合", "説明率"}
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


def column_widths(frame: pd.DataFrame, measured: pd.DataFrame) -> list[int]:
    """Each column as wide as its widest line (full-width characters count two), at most 60."""
    return [min(max([_display_width(column), *measured[column]]) + 2, 60) for column in frame.columns]


def row_heights(measured: pd.DataFrame, widths: list[int]) -> list[float]:
    """Each data row as tall as its longest wrapped cell, 15 points a line, at most 27 lines."""
    return [15 * min(max([1, *(-(-v // max(w - 2, 1)) for v, w in zip(values, widths, strict=True))]), 27)
            for values in measured.itertuples(index=False)]


def _cell_value(value: object) -> object:
    """A value as a cell holds it: missing values and empty text empty (a CSV cannot tell them apart, so the
    tables read back from the files give the same cells), numpy numbers as Python numbers."""
    if value is None or (value == "" if isinstance(value, str) else pd.isna(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _page_setup(sheet: WriteOnlyWorksheet, n_columns: int, n_rows: int) -> None:
    """A bold frozen header with a filter; landscape, one page wide, the header on every printed page."""
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(n_columns, 1))}{n_rows + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


def _styles(sheet: WriteOnlyWorksheet) -> dict[str | None, object]:
    """The cell styles a sheet uses, made once (setting a style on each cell looks it up in the workbook's
    style lists every time): the bold header, and wrapped text per number format."""
    made: dict[str | None, object] = {}
    for key in ("header", None, "0%", "0.000"):
        template = WriteOnlyCell(sheet)
        if key == "header":
            template.font = Font(bold=True)
        else:
            template.alignment = Alignment(wrap_text=True, vertical="top")
            if key is not None:
                template.number_format = key
        made[key] = template._style
    return made


FORMULA_STARTS = frozenset("=+-@＝＋－＠")  # what Excel reads as the start of a formula when a cell is typed in


def write_sheet(sheet: WriteOnlyWorksheet, frame: pd.DataFrame) -> None:
    """One sheet: text stays text (never a formula), numbers formatted, long text wrapped with row heights,
    and the print setup of :func:`_page_setup`."""
    measured = cell_widths(frame) if len(frame.columns) else frame
    widths = column_widths(frame, measured)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row, height in enumerate(row_heights(measured, widths), start=2):
        sheet.row_dimensions[row].height = height
    _page_setup(sheet, len(frame.columns), len(frame))
    styles = _styles(sheet)
    formats = ["0%" if column in PERCENT_COLUMNS else "0.000" if pd.api.types.is_float_dtype(frame[column]) else None
               for column in frame.columns]

    def cell(value: object, style: str | None) -> WriteOnlyCell:
        made = WriteOnlyCell(sheet, value=value)
        made._style = copy(styles[None if isinstance(value, str) and style != "header" else style])
        if isinstance(value, str):
            made.data_type = "s"  # "=HYPERLINK(…)" in an item, a group or a header is text, not a live formula
            if value[:1] in FORMULA_STARTS:  # and stays text when edited (F2, Enter): Excel's leading apostrophe
                made._style.quotePrefix = 1
        return made

    sheet.append([cell(str(column), "header") for column in frame.columns])
    for values in frame.itertuples(index=False):
        sheet.append([None if (v := _cell_value(value)) is None else cell(v, f)
                      for value, f in zip(values, formats, strict=True)])


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
