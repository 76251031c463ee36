"""Raw file → records (rows of cells with their physical lines): TSV and Excel's CSV as text, ``.xlsx``
through openpyxl. Quoting is the csv module's; a quoted cell that swallows the table's shape is refused.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import stat
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import KEEP_ORIGINAL, InputError, control_character, os_error, unusable

# openpyxl is imported where a workbook is read: a text table is read without it.

TEXT_SUFFIXES = (".tsv", ".txt", ".csv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
TABLE_SUFFIXES = TEXT_SUFFIXES + EXCEL_SUFFIXES
_PASTE = "表を Excel に貼り付けて「Excel ブック (*.xlsx)」で保存してください。"
SAVE_AS = {  # formats people send, and what to save them as
    ".xls": "古い Excel 形式 (.xls) は読めません。Excel で開き「Excel ブック (*.xlsx)」か「CSV UTF-8 (コンマ区切り)」で"
            "保存し直してください。",
    ".ods": "OpenDocument 形式は読めません。「Excel ブック (*.xlsx)」か「CSV UTF-8」で保存し直してください。",
    ".docx": "Word の文書は読めません。" + _PASTE,
    ".doc": "Word の文書は読めません。" + _PASTE,
    ".pdf": "PDF は読めません。元の Excel ファイルを入手するか、" + _PASTE,
}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BYTE_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


@dataclass
class Record:
    """One logical row: its cells and the physical lines (or the sheet row) it spans, 1-based, inclusive."""

    first_line: int
    last_line: int
    cells: list[str]
    lines: list[str]
    merged: dict[int, tuple[str, str]] = field(default_factory=dict)  # .xlsx: column → (range, value) merged down into it
    hidden: bool = False  # .xlsx: a row Excel hides

    def cell(self, index: int | None) -> str:
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]


def _line_at(data: bytes, position: int) -> int:
    """The 1-based physical line of a byte position (CRLF, CR and LF each end a line)."""
    return len(_BYTE_LINE_BREAK.findall(data, 0, position)) + 1


def _empty(path: Path) -> InputError:
    return InputError(path, "ファイルが空です。", hint="表計算ソフトから表を書き出し直してください。")


def _cell_before(text: str, at: int, most: int = 20) -> str:
    """The text of the cell before position ``at``, at most its last ``most`` characters (to point at it)."""
    return text[max(text.rfind("\t", 0, at), text.rfind("\n", 0, at), text.rfind(",", 0, at)) + 1:at][-most:]


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read with (BOM first, then UTF-8, then CP932)."""
    if not data.strip(b" \t\r\n\x0c" + codecs.BOM_UTF8) or data in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raise _empty(path)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        tried = ["utf-16"]
    elif data.startswith(codecs.BOM_UTF8):
        tried = ["utf-8-sig"]
    elif data.startswith(b"PK\x03\x04"):  # a workbook named .txt or .tsv: a zip, as every .xlsx is
        raise InputError(path, f"テキストではなく、Excel ブック (.xlsx) のようです (拡張子は {path.suffix})。",
                         hint="生データは直さずに、拡張子を .xlsx にした写しを manifest add で登録してください。" + KEEP_ORIGINAL)
    elif b"\x00" in data:
        raise InputError(path, "テキストファイルではありません (NUL バイトを含むバイナリです)。",
                         line=_line_at(data, data.index(b"\x00")),
                         hint="表計算ソフトで「テキスト (タブ区切り)」「CSV UTF-8」または「Excel ブック」として"
                         "保存してください。")
    else:
        tried = ["utf-8", "cp932"]
    failures: list[str] = []
    furthest = (-1, 0)
    for encoding in tried:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = _line_at(data, exc.start)
            failures.append(f"{encoding}: {line}行目 (バイト位置 {exc.start}) で失敗")
            furthest = max(furthest, (exc.start, line))
            continue
        text = text.removeprefix("\ufeff")
        control = control_character(text)
        if control:
            raise InputError(path, f"{unusable(control.group())} があります: "
                             f"{_cell_before(text, control.start())}… (テキストの表ではないか、PDF などから"
                             "写した改ページなどの文字が残っています)。",
                             line=text[: control.start()].count("\n") + 1,
                             hint="その文字を消して、表計算ソフトで「テキスト (タブ区切り)」か「CSV UTF-8」として"
                             "保存し直してください。")
        if not text.strip():
            raise _empty(path)
        return text, encoding
    raise InputError(path, "文字コードを判別できません。試した文字コード: " + "; ".join(failures), line=furthest[1],
                     hint="UTF-8 (BOM 有無どちらも可)、CP932 (Shift_JIS)、UTF-16 (BOM 付き) のいずれかで保存してください。")


def delimiter_of(path: Path, text: str) -> str:
    """Tab for .tsv/.txt unless the lines hold commas and no tab (a CSV named .tsv); for .csv, a comma unless the
    lines hold more tabs than commas (a TSV named .csv)."""
    head = text[:20_000]
    if path.suffix.lower() != ".csv":
        return "," if "\t" not in head and "," in head else "\t"
    return "\t" if head.count("\t") > head.count(",") else ","


def text_records(path: Path, text: str, delimiter: str = "\t") -> list[Record]:
    """Delimited records with Excel's quoting (a quoted cell may hold delimiters, "" and line breaks).

    A quoted cell that holds a tab in a tab-separated file, or whole rows' worth of commas in a CSV,
    is a quote left open by mistake: it would swallow the rows that follow, so it is refused. A cell
    whose quotes do not follow Excel's rules (``"Zen"の利用``) is read as written, quotes included."""
    lines = _LINE_BREAK.split(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the final line break ends the last line; it does not start a new one
    records: list[Record] = []
    i = 0
    while i < len(lines):
        first = i
        if '"' not in lines[i]:
            records.append(Record(i + 1, i + 1, lines[i].split(delimiter), [lines[i]]))
            i += 1
            continue
        cells, i = _quoted_record(path, lines, i, delimiter)
        records.append(Record(first + 1, i, cells, lines[first:i]))
    return records


def _quoted_record(path: Path, lines: list[str], start: int, delimiter: str) -> tuple[list[str], int]:
    """The cells of the record starting at line ``start`` (it holds a quote) and the line after it."""
    end = start + 1
    while True:
        chunk = "\n".join(lines[start:end])
        try:
            (cells,) = list(csv.reader([chunk], delimiter=delimiter, strict=True))
            break
        except csv.Error as error:
            if "unexpected end of data" not in str(error) and "EOF" not in str(error):
                return lines[start].split(delimiter), start + 1  # quotes not as Excel writes them: as written
            if end >= len(lines):
                raise InputError(path, "引用符 (\") で始まるセルが閉じられていません。", line=start + 1,
                                 hint="セルの終わりの \" が欠けていないか確認してください。"
                                 "文字としての \" は \"\" と書きます。") from None
            end += 1
        except ValueError:  # more than one record: a line break outside quotes (cannot happen per line)
            return lines[start].split(delimiter), start + 1
    if end - start > 1:
        _check_shape(path, cells, start, end, delimiter)
    return cells, end


def _check_shape(path: Path, cells: list[str], start: int, end: int, delimiter: str) -> None:
    """Refuse a quoted cell spanning lines that holds what looks like further rows of the table."""
    for cell in cells:
        if "\n" not in cell:
            continue
        inner = cell.split("\n")[1:]
        rows_inside = ("\t" in cell) if delimiter == "\t" else any(
            line.count(",") >= max(2, len(cells) - 1) for line in inner)
        if rows_inside:
            raise InputError(path, f"引用符 (\") で始まるセルが {start + 1}行目から {end}行目まで続き、その中に"
                             "区切り文字があります。閉じられていない引用符が後の行を1つのセルにしています。", line=start + 1,
                             hint="そのセルの \" を確かめてください (文字としての \" は \"\" と書くか、"
                             "Excel から書き出し直してください)。")


MAX_BYTES = 512 * 1024 * 1024  # a raw table larger than this is not a table a person wrote
MAX_COLUMNS = 1_000  # a row with a value further right than this is not a review table
MAX_MERGED_CELLS = 200_000  # openpyxl makes an object for every cell of a merged range; a table merges far fewer
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the first bytes of a Compound File (MS-CFB)
_RESAVE = "Excel で開いて「Excel ブック (*.xlsx)」として保存し直してください。"


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
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError, TypeError, IndexError,
            AttributeError, ET.ParseError, SyntaxError):  # lxml's XMLSyntaxError is a SyntaxError
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
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return


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
    values = {key: cell.value for key, cell in ws._cells.items() if cell.value is not None}
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
    rows: dict[int, dict[int, object]] = {}
    for (row, column), value in values.items():
        rows.setdefault(row, {})[column] = value
    records = []
    for number in range(1, max(rows, default=0) + 1):
        row = rows.get(number, {})
        cells = [_cell_text(row.get(column)) for column in range(1, max(row, default=0) + 1)]
        while cells and cells[-1] == "":
            cells.pop()
        records.append(Record(number, number, cells, ["\t".join(cells)], merged_down.get(number, {}), number in hidden))
    if not any(c.strip() for r in records for c in r.cells):
        raise InputError(path, f"シート「{ws.title}」が空です。",
                         hint="表のあるシートの名前を --sheet に指定するか、表計算ソフトから表を書き出し直してください"
                         f" (このブックのシート: {', '.join(w.title for w in ws.parent.worksheets)})。")
    return records, f"xlsx:{ws.title}"


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


def read_records(path: Path, sheet: str | None = None) -> tuple[list[Record], str]:
    """The records of a raw table file and how it was read (its encoding, or the sheet of a workbook)."""
    suffix = path.suffix.lower()
    if suffix in SAVE_AS:
        raise InputError(path, SAVE_AS[suffix])
    if path.is_dir():
        raise InputError(path, "ディレクトリです。表のファイルを指定してください。")
    if not path.exists() and not path.is_symlink():
        raise InputError(path, "ファイルが見つかりません。", hint="パスを確認してください。")
    try:
        _check_regular(path)
        if suffix in EXCEL_SUFFIXES:
            return excel_records(path, sheet)
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise os_error(path, error) from None
    text, encoding = decode(path, data)
    return text_records(path, text, delimiter_of(path, text)), encoding


def _check_regular(path: Path) -> None:
    """Refuse what is not an ordinary file of a sensible size (a FIFO would wait forever, /dev/zero never end)."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise InputError(path, "ふつうのファイルではありません (名前付きパイプ、デバイスなど)。",
                         hint="表計算ソフトから保存した表のファイルを指定してください。")
    if info.st_size > MAX_BYTES:
        raise InputError(path, f"ファイルが大きすぎます ({info.st_size / 2**20:,.0f} MB。上限 {MAX_BYTES // 2**20} MB)。",
                         hint="表のファイルか確かめてください。表なら、いくつかのファイルに分けて保存してください。")
