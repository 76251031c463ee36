""".xlsx tables: the cells of one sheet as :class:`readers.Record` rows, read through openpyxl, with what Excel
stores beyond the text (merged ranges, hidden rows, escaped characters, percentages); and a damaged, encrypted or
misnamed workbook, a formula without its value or an error value refused with what to do."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from .errors import KEEP_ORIGINAL, InputError
from .readers import Record, _empty

# openpyxl is imported where a workbook is read: a text table is read without it.

MAX_COLUMNS = 1_000  # a row with a value further right than this is not a review table
MAX_MERGED_CELLS = 200_000  # openpyxl makes an object for every cell of a merged range; a table merges far fewer
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the first bytes of a Compound File (MS-CFB)
_RESAVE = "Excel で開いて「Excel ブック (*.xlsx)」として保存し直してください。"


# what a damaged zip raises as it is read: a corrupt deflate stream is zlib.error, an unknown compression method
# or zip version NotImplementedError, a zip's own encryption RuntimeError (a hostile tester's 400 corruptions)
DAMAGED_ZIP = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError, NotImplementedError, RuntimeError)


def _workbook(path: Path, data_only: bool):
    """An openpyxl workbook, or an InputError for a damaged file (bad zip, XML, missing part)."""
    from openpyxl import load_workbook

    with path.open("rb") as handle:
        start = handle.read(len(OLE_MAGIC))
    if not start:
        raise _empty(path)
    if start == OLE_MAGIC:  # an encrypted .xlsx is an OLE container, not a zip (so is an .xls renamed)
        raise InputError(path, "パスワードで保護されたブックか、古い Excel 97-2003 形式 (.xls) のファイルです。",
                         hint="Excel で開いてパスワードを外し (ファイル → 情報 → ブックの保護)、"
                         "「Excel ブック (*.xlsx)」として保存し直してください。")
    if not start.startswith(b"PK") and _text_table(path):
        raise InputError(path, "名前は .xlsx ですが、中身は Excel ブックではなく文字の表 (CSV かタブ区切り) です。",
                         hint="ファイル名の .xlsx を、コンマ区切りなら .csv に、タブ区切りなら .tsv に変えてから"
                         "もう一度登録してください (中身はそのまま読めます)。")
    try:
        return load_workbook(path, data_only=data_only)
    except (*DAMAGED_ZIP, TypeError, IndexError, AttributeError, ET.ParseError, SyntaxError):  # lxml's is a SyntaxError
        raise InputError(path, "Excel ブックとして読めません (壊れているか、Excel の形式ではありません)。",
                         hint=_RESAVE) from None


def _text_table(path: Path) -> bool:
    """Whether a file begins as a table of text would (UTF-8 or CP932, with commas or tabs, no NUL): a CSV or
    TSV saved or renamed with an .xlsx name."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError as error:
            if error.start < len(head) - 3:  # not this encoding (a character cut at the 4096th byte is)
                continue
            text = head[:error.start].decode(encoding)
        if text and "\x00" not in text and ("," in text or "\t" in text):
            return True
    return False


def _check_merged_ranges(path: Path) -> None:
    """Refuse merged ranges no table has (``A1:XFD1048576``) before openpyxl builds a cell object for each
    of their cells, which takes hours; a file that is not a workbook is left to ``_workbook`` to name."""
    from openpyxl.utils.cell import column_index_from_string as column

    try:
        with zipfile.ZipFile(path) as book:
            parts = [name for name in book.namelist() if name.startswith("xl/worksheets/") and name.endswith(".xml")]
            for part in parts:
                total = 0
                for found in _MERGE_REF.finditer(book.read(part)):
                    first, top, last, bottom = (group.decode() for group in found.groups())
                    total += (column(last) - column(first) + 1) * (int(bottom) - int(top) + 1)
                    if total > MAX_MERGED_CELLS:
                        raise InputError(path, f"結合されたセル {first}{top}:{last}{bottom} などが {total:,} セルに"
                                         "広がっています (表の外まで結合されています)。",
                                         hint="Excel で表の外のセルの結合を解除してから保存し直してください。")
    except DAMAGED_ZIP:
        return


def _row_cells(values: dict[tuple[int, int], object]) -> list[tuple[int, list[str]]]:
    """Each row number of a sheet and its cells' texts, from the cells with a value (a formatted cell far away
    costs nothing), up to the row's last value."""
    rows: dict[int, dict[int, object]] = {}
    for (row, column), value in values.items():
        rows.setdefault(row, {})[column] = value
    out = []
    for number in range(1, max(rows, default=0) + 1):
        row = rows.get(number, {})
        cells = [_cell_text(row.get(column)) for column in range(1, max(row, default=0) + 1)]
        while cells and cells[-1] == "":
            cells.pop()
        out.append((number, cells))
    return out


def sheet_rows(path: Path) -> dict[str, list[Record]]:
    """Each worksheet's rows as records, the workbook read once (to say which other sheets hold a table:
    :func:`surroundings.other_sheets`; reading each sheet as a table loaded the workbook twice per sheet)."""
    return {ws.title: [Record(n, n, cells, []) for n, cells in
                       _row_cells({key: _percent(cell) for key, cell in ws._cells.items() if cell.value is not None})]
            for ws in _workbook(path, data_only=True).worksheets}


def sheet_names(path: Path) -> list[str]:
    """The names of a workbook's worksheets, in the workbook's order (to say where else a table may be)."""
    return [ws.title for ws in _workbook(path, data_only=True).worksheets]


def _worksheet(path: Path, book, sheet: str | None):
    """The sheet to read: the named one, or the first worksheet; a chart sheet is refused."""
    if sheet is not None and sheet not in book.sheetnames:
        raise InputError(path, f"シート「{sheet}」がありません (あるシート: {', '.join(book.sheetnames)})。",
                         hint="--sheet にシート名をそのまま書いてください。")
    ws = book[sheet] if sheet is not None else (book.worksheets[0] if book.worksheets else None)
    if sheet is None and ws is not None and ws.sheet_state != "visible":  # last year's table, hidden, first
        shown = [w.title for w in book.worksheets if w.sheet_state == "visible"]
        raise InputError(path, f"最初のシート「{ws.title}」は非表示のシートです (Excel で開いても見えません)。"
                         f"表示されているシート: {', '.join(shown) or 'なし'}。",
                         hint="読むシートを --sheet に指定してください (manifest add --sheet なら登録に残ります)。")
    if ws is None or not hasattr(ws, "iter_rows"):
        names = [w.title for w in book.worksheets]
        raise InputError(path, f"{'シート「' + sheet + '」はグラフのシートです' if ws is not None else '表のシートがありません'}"
                         " (表を読めるシート: " + (", ".join(names) or "なし") + ")。",
                         hint="--sheet に表のあるシートの名前を指定するか、表を Excel ブックに保存し直してください。")
    return ws


def excel_records(path: Path, sheet: str | None = None) -> tuple[list[Record], str]:
    """The rows of one sheet of an ``.xlsx`` (the first unless ``sheet`` names another), as records.

    A merged range keeps its value in its top-left cell only, as Excel's own text export does, so a
    区分 merged down its group reads exactly like the tab-separated export. Alt+Enter is a line break.
    Only cells with a value are visited (a formatted cell at XFD1048576 costs nothing); a formula whose
    value the file does not hold (a workbook written by a script, never opened in Excel) is an error
    naming the cell, never a silent gap."""
    _check_merged_ranges(path)
    ws = _worksheet(path, _workbook(path, data_only=True), sheet)
    values = {key: _percent(cell) for key, cell in ws._cells.items() if cell.value is not None}
    widest = max((column for _, column in values), default=0)
    if widest > MAX_COLUMNS:
        where = next(ws.cell(r, c).coordinate for r, c in sorted(values) if c == widest)
        raise InputError(path, f"シート「{ws.title}」の {where} に値があり、表が {widest:,} 列に広がっています。",
                         hint="表の外のセルの値を消してから保存し直してください。")
    _check_formulas(path, ws.title, values)
    errors = [cell.coordinate for cell in ws._cells.values() if cell.data_type == "e"]
    if errors:  # #DIV/0!, #N/A: a formula's failure, never an item
        raise InputError(path, f"シート「{ws.title}」のセル {', '.join(errors[:5])}{' など' if len(errors) > 5 else ''} は"
                         f"エラー値 ({ws[errors[0]].value}) です (数式の結果が出ていません)。",
                         hint="Excel でそのセルの数式を直すか値に置き換えた写しを保存し、その写しを登録してください。"
                         + KEEP_ORIGINAL)
    merged_down = _merged_down(ws, values)
    hidden = {number for number, dimension in ws.row_dimensions.items() if dimension.hidden}
    records = [Record(number, number, cells, ["\t".join(cells)], merged_down.get(number, {}), number in hidden)
               for number, cells in _row_cells(values)]
    if not any(c.strip() for r in records for c in r.cells):
        raise InputError(path, f"シート「{ws.title}」が空です。",
                         hint="表のあるシートの名前を --sheet に指定するか、表計算ソフトから表を書き出し直してください"
                         f" (このブックのシート: {', '.join(w.title for w in ws.parent.worksheets)})。")
    return records, f"xlsx:{ws.title}"


def _percent(cell) -> object:
    """A number Excel shows as a percentage (format 0%, 0.0%) as the text it shows (85%), else the cell's value:
    a rating of 85% was read as 0.85 (a hostile tester)."""
    value, shown = cell.value, cell.number_format or ""
    if isinstance(value, bool) or not isinstance(value, int | float) or not shown.endswith("%"):
        return value
    places = len(shown[:-1].partition(".")[2])
    return f"{(Decimal(str(value)) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"  # as Excel rounds


def _merged_down(ws, values: dict) -> dict[int, dict[int, tuple[str, str]]]:
    """For each row under the first of a range merged down several rows: column index (0-based) → (the range,
    its value). The value stays in the top-left cell (as Excel's text export has it); cleaning decides what a
    merged 評価 or an item cell merged over two programs means (a hostile tester: they read as blank)."""
    out: dict[int, dict[int, tuple[str, str]]] = {}
    for merged in ws.merged_cells.ranges:
        for column in range(merged.min_col, merged.max_col + 1):
            value = _cell_text(values.get((merged.min_row, column)))
            for row in range(merged.min_row + 1, merged.max_row + 1):
                out.setdefault(row, {})[column - 1] = (merged.coord, value)
    return out


def _check_formulas(path: Path, title: str, values: dict) -> None:
    """Refuse a formula cell that holds no computed value (it would be read as empty)."""
    with_formulas = _workbook(path, data_only=False)[title]
    missing = [cell.coordinate for key, cell in with_formulas._cells.items()
               if cell.data_type == "f" and key not in values]
    if missing:
        raise InputError(path, f"シート「{title}」のセル {', '.join(missing[:5])}{' など' if len(missing) > 5 else ''} は"
                         "数式で、計算された値がファイルに入っていません (読むと空になり、項目が失われます)。",
                         hint="Excel で開いて保存し直すと値が入ります (スクリプトで作ったブックによくあります)。")


# Excel stores a character XML cannot hold as _xHHHH_: _x000D_ for the CR of text pasted with CR LF, _x000B_ for
# Word's line break (Shift+Enter) pasted into a cell. openpyxl leaves them as text (it only drops the x005F_ of an
# escaped underscore), so 「強化された_x000D_」 would be an item and x a counted word (a hostile tester).
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _cell_text(value: object) -> str:
    """A cell's value as the text Excel shows: whole numbers without .0, dates as ISO dates, Excel's _xHHHH_
    escapes as their characters, and a line break as a line break (CR LF, CR, and Word's U+000B alike)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m[1], 16)), str(value)).replace("\r\n", "\n").replace(
        "\r", "\n").replace("\v", "\n")
