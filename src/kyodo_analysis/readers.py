"""Raw file → records (rows of cells with their physical lines): TSV and Excel's CSV as text, ``.xlsx``
through openpyxl. Quoting is the csv module's; a quoted cell that swallows the table's shape is refused.
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import KEEP_ORIGINAL, InputError, check_ordinary, control_character, os_error, unusable

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
            from .workbooks import excel_records  # openpyxl and the workbook's rules, only for a workbook

            return excel_records(path, sheet)
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise os_error(path, error) from None
    text, encoding = decode(path, data)
    return text_records(path, text, delimiter_of(path, text)), encoding


def _check_regular(path: Path) -> None:
    """Refuse what is not an ordinary file of a sensible size (a FIFO would wait forever, /dev/zero never end)."""
    check_ordinary(path, "", hint="表計算ソフトから保存した表のファイルを指定してください。", limit=MAX_BYTES,
                   too_large="表のファイルか確かめてください。表なら、いくつかのファイルに分けて保存してください。")


def extra_cell_hint(path: Path) -> str:
    """What to do about a value right of the last header: a tab-separated file's cause is a tab or a quote, a CSV's a
    comma or a quote; a workbook has none of them (a hostile tester read the text advice for an .xlsx)."""
    if path.suffix.lower() == ".csv":
        return "引用符で囲まれていないセル内のコンマや、閉じられていない引用符がないか確認してください。"
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        return "セル内のタブや、閉じられていない引用符がないか確認してください。"
    return ("見出しのない列の値は読めません。その列に見出しを付けるか、要らない値を消した表を別の名前で保存して、"
            "それを使ってください (元のファイルはそのまま残します)。")
