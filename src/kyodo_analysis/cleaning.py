"""Raw table → tidy items: decoding, records, header/guidance/title rows, programs and items.

Every physical line of the raw file ends up in the cleaning log, kept or dropped with a reason.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .cells import NOTE_MARK, blank_cell, check_text, unbracketed
from .errors import KEEP_ORIGINAL, InputError, one_line
from .labels import NO_SUPPORT_TYPE, label_key, label_twins, own_header
from .readers import Record, extra_cell_hint, read_records
from .schema import Schema, load_schema
from .surroundings import file_warnings
from .table_headers import header_of, missing_columns, rows_above_header, unknown_column
from .tidy import tidy_frames


def twin_warning(path: Path, known: str, other: str) -> str:
    shown = [one_line(value) for value in (known, other)]
    return (f"{path}: 「{shown[0]}」と「{shown[1]}」は文字の形 (NFKC) と空白・改行を揃えると同じです。別のグループとして"
            f"数えます (同じなら表の「{shown[1]}」を「{shown[0]}」に直してください)。")


def _program_no(path: Path, record: Record, value: str) -> int:
    """NO as an integer: Arabic digits (full-width ones too), at most nine of them."""
    normalized = unicodedata.normalize("NFKC", value).strip()
    if not (normalized.isascii() and normalized.isdigit() and len(normalized) <= 9):
        shown = value.strip()[:20] or "(空欄)"
        raise InputError(path, f"NO が数字ではありません: {shown}", line=record.first_line,
                         hint="NO の列には事業の番号 (半角・全角の数字、9桁まで) を書いてください。")
    return int(normalized)


@dataclass
class _Program:
    record: Record
    support_type: str
    no: int
    name: str
    cells: dict[str, list[tuple[int, str]]]  # aspect → (line, cell text) from the row and its continuations
    attributes: dict[str, str]


@dataclass(frozen=True)
class Table:
    """A cleaned raw table: tidy items, programs and the cleaning log, with its warnings and the header
    synonyms it read. Built at once by :func:`clean_table`; nothing in it changes afterwards."""

    path: Path
    encoding: str
    year: int | None
    city: str | None
    schema: Schema
    items: pd.DataFrame
    programs: pd.DataFrame
    log: pd.DataFrame
    warnings: tuple[str, ...]
    synonyms: tuple[str, ...]
    ignored_columns: tuple[str, ...] = ()  # header texts of the columns the schema's ignore left out


GUIDANCE_OPENINGS = ("例)", "(例)", "記入例", "(記入例)")  # in NFKC: （例）, 例）; not (例えば, (例年
NO_HEADER = "(見出しなし)"  # a column of no header, left out by the schema's ignore = [""]


class _Cleaner:
    """Walks the records of one table, classifying each and collecting programs."""

    def __init__(self, path: Path, schema: Schema) -> None:
        self.path = path
        self.schema = schema
        self.columns: dict[str, int] | None = None
        self.width = 0
        self.unused: dict[int, str] = {}  # columns of the header row not recognised (index → header text)
        self.headers: dict[int, str] = {}  # every column's header text
        self.header_line = 0  # the line of the header row read last
        self.log: list[dict] = []
        self.warnings: list[str] = []
        self.synonyms: list[str] = []
        self.ignored: dict[str, None] = {}  # header texts of the columns the schema's ignore leaves out, in order
        self.programs: list[_Program] = []
        self.seen_no: dict[int, int] = {}
        self.support_type = ""
        self.after_header = False
        self.after_blank = False
        self.pending: dict[int, tuple[int, str]] = {}  # first line → (last line, text) of rows that may be notes
        self.guidance: list[str] | None = None  # the filled cells of the row under the first header, when it is guidance
        self.first_table_row: Record | None = None
        self.above: list[Record] = []  # rows of two or more cells above the first header row (titles, or not)

    def warn(self, line: int | None, message: str) -> None:
        where = f"{self.path.name}:{line}" if line else self.path.name
        self.warnings.append(f"{where}: {message}")

    def note(self, record: Record, action: str, category: str, note: str, program_no: int | None = None) -> None:
        for offset, text in enumerate(record.lines):
            extra = note if offset == 0 else f"{record.first_line}行目から続く引用セルの続き"
            self.log.append({"line": record.first_line + offset, "action": action, "category": category,
                             "program_no": program_no, "note": extra, "text": text})


    def feed(self, record: Record) -> None:
        filled = [c for c in record.cells if not blank_cell(c)]
        self.after_blank, blank = not filled, self.after_blank
        if not filled:
            self.note(record, "dropped", "blank", "空行")
            return
        header = header_of(self.schema, record)
        if header is not None:
            self.settle()  # rows at the foot of a page
            if self.columns is None:
                rows_above_header(self.path, self.schema, self.above, record, header)
            self.take_header(record, header)
            return
        if self.columns is None:
            if len(filled) >= 2:
                self.first_table_row = self.first_table_row or record
                self.above.append(record)
            self.note(record, "dropped", "title", "見出し行より前の行 (表題など)")
            return
        kind = self.one_cell_row(record, filled, blank)
        if kind == "note":
            self.note(record, "dropped", "title", "1セルだけの行 (表題・表の下の注記など)")
            self.after_header = self.after_header and filled[0].strip().startswith(NOTE_MARK)  # a ※ line keeps 記入例 next
            return
        if kind == "section":
            self.take_section(record, filled[0].strip())
            return
        logged = len(self.log)
        self.take_row(record)
        if kind == "maybe":
            self.pending[record.first_line] = (record.last_line, filled[0].strip())
        elif any(row["category"] in ("data", "continuation") for row in self.log[logged:]):
            self.pending = {}  # a program row or continuation: the rows before it were the table's

    def one_cell_row(self, record: Record, filled: list[str], blank: bool) -> str:
        """What a row of one filled cell is: "note" (a title or a note on the table: a cell left of the table in
        .xlsx, or ※ … outside the item columns or right under a header), "maybe" (a ※ line in an item column, or a
        name alone after a blank row in a table without numbers: a program's, unless a header or the table's end
        comes before the next program row — :meth:`settle`), or "row" (a hostile tester: Excel's CSV pads a note
        with commas, so it is no one-cell row there; a name alone in .xlsx, whose rows end at their last value)."""
        assert self.columns is not None
        if len(filled) != 1:
            return "row"
        index, text = record.cells.index(filled[0]), filled[0].strip()
        items = [self.columns.get(a) for a in self.schema.aspect_keys]
        if text.startswith(NOTE_MARK):  # under a header, a note on how to fill the table in
            if self.after_header and index in items and self.programs:
                self.warn(record.first_line, f"見出しの直下の ※ の行は注記とみなし、項目に数えません: {text[:30]}")
            return "maybe" if index in items and self.programs and not self.after_header else "note"
        if index == self.columns["program"]:
            return "maybe" if blank and self.programs and "program_no" not in self.columns else "row"
        if index == self.columns.get("support_type") and (unbracketed(text) != text or self.known_group(text)):
            return "section"  # 【福祉】 on a row of its own, the group of the programs below (a page's title is no group)
        return "note" if len(record.cells) == 1 else "row"

    def settle(self) -> None:
        """Rows that could be notes (:meth:`one_cell_row`) followed by a header or the table's end before any program
        row or continuation are notes, at the foot of a page or of the table: their programs and cells are taken
        back, their log rows say so, and the screen too. A program row or continuation after them confirms them."""
        if not self.pending:
            return
        lines = {line for first, (last, _) in self.pending.items() for line in range(first, last + 1)}
        self.programs = [p for p in self.programs if p.record.first_line not in self.pending]
        self.seen_no = {no: line for no, line in self.seen_no.items() if line not in self.pending}  # its number is free
        for program in self.programs:
            program.cells = {a: [(line, cell) for line, cell in cells if line not in self.pending]
                             for a, cells in program.cells.items()}
        for row in self.log:
            if row["line"] in lines:
                row.update(action="dropped", category="title", program_no=None,
                           note="事業の行の前に見出しか表の終わりが来る1セルだけの行 (ページや表の下の注記)")
        said = tuple(f"{self.path.name}:{line}: " for line in self.pending)  # an empty program's warning: no program now
        self.warnings = [w for w in self.warnings if not w.startswith(said)]
        shown = "、".join(f"{line} 行目「{text[:20]}」" for line, (_, text) in sorted(self.pending.items()))
        self.warn(None, f"見出しか表の終わりの前の1セルだけの行は、ページや表の下の注記とみなし、数えません: {shown}")
        self.pending = {}

    def take_header(self, record: Record, header: dict[str, int]) -> None:
        for column, index in header.items():
            if self.schema.is_synonym(column, record.cells[index]):
                self.synonyms.append(f"{record.cells[index].strip()} → {column}")
        missing = [c for c in self.schema.names if c not in header]
        if self.columns is None and missing:  # named by the schema's header for it, not the package's key
            named = "、".join(f"「{(self.schema.names[c] or [c])[0]}」" for c in missing if c != "program_no")
            if named:
                self.warn(record.first_line, f"見出しにない列: {named} (空として扱います)")
            if "program_no" in missing:
                self.warn(record.first_line, f"「{self.header('program_no')}」の列がないので、事業に上から 1, 2, … と"
                          "番号を付けます (表にはない番号です)")
        self.columns = header
        self.width = max(len(record.cells), max(header.values()) + 1)
        self.headers = {i: record.cell(i).strip() for i in range(self.width)}
        self.header_line = record.first_line
        self.unused = {i: text for i, text in self.headers.items()
                       if i not in header.values() and not self.schema.ignores(record.cell(i))}
        self.ignored.update(dict.fromkeys(text or NO_HEADER for i, text in self.headers.items()
                                          if i not in header.values() and self.schema.ignores(text)))
        self.after_header = True
        self.note(record, "dropped", "header", "見出し行")

    def check_twice(self, record: Record, index: int, header: str) -> None:
        """A column with values whose header names a column the table already has (効果 and 成果 both headers of
        one aspect, or one header written twice): said as two columns for one, not as an unknown column."""
        column = self.schema.column_for(header)
        if column is None or self.columns is None or column not in self.columns:
            return
        first = self.columns[column]
        raise InputError(self.path, f"{index + 1} 列目「{header}」と {first + 1} 列目「{self.headers.get(first, '')}」"
                         f"は、どちらもスキーマの同じ列 ({column}) の見出しです: 同じ列が2つあります。", line=record.first_line,
                         hint="使う列の見出しだけをスキーマに残すか、もう一方を ignore に書いてください"
                         " (README「見出しの違う表」)。")

    def check_continued(self, record: Record, program: _Program, attributes: dict[str, str | None]) -> None:
        """A continuation row (merged cells) may repeat its program's group and attributes, never change them: a
        row of a new group with its number and name left blank was glued onto the group above."""
        assert self.columns is not None
        support = record.cell(self.columns.get("support_type")).strip()
        if support and support != program.support_type:
            raise InputError(self.path, f"{self.header('program_no')}も事業名もない行に、{self.header('program_no')} "
                             f"{program.no} と違う{self.header('support_type')}「{one_line(support)[:30]}」があります。",
                             line=record.first_line, hint=f"この行が新しい事業なら、{self.header('program_no')}と事業名を"
                             f"書いた写しを登録してください。{KEEP_ORIGINAL}前の事業の続きなら、その欄は空欄か同じ値です。")
        for key, value in attributes.items():
            if value is not None and value != program.attributes[key]:
                label = self.schema.attribute_label(key)
                raise InputError(self.path, f"事業名のない続きの行に、NO {program.no} と違う「{label}」"
                                 f"があります: {value[:30]}", line=record.first_line,
                                 hint="事業の属性は事業の最初の行に一つだけ書いてください (続きの行は空欄か同じ値)。")

    def take_no(self, record: Record, no: int) -> None:
        """A program's NO, seen once in a table (a table numbering each group from 1 is read without its numbers)."""
        if no in self.seen_no:
            raise InputError(self.path, f"NO {no} が2回出てきます ({self.seen_no[no]}行目と{record.first_line}行目)。",
                             line=record.first_line, hint=f"別の事業なら NO を直した写しを登録してください。{KEEP_ORIGINAL}"
                             f"{self.header('support_type')}ごとに 1 から番号を振る表なら、スキーマの [columns] から"
                             f" program_no を外し ignore に「{self.header('program_no')}」を加えると、上から順の番号で"
                             "読みます (README「見出しの違う表」)。")
        self.seen_no[no] = record.first_line

    def merged_down(self, record: Record, attributes: dict[str, str | None]) -> None:
        """A program's row inside a range merged down from the row above (.xlsx): an attribute cell takes the
        merged value (評価 merged over two programs is both programs'); an item cell merged over two programs is
        refused, as no one can tell whose items they are (a hostile tester: they read as the first program's)."""
        assert self.columns is not None
        for key in attributes:
            if attributes[key] is None and self.columns.get(key) in record.merged:
                attributes[key] = record.merged[self.columns[key]][1].strip() or None
        for aspect in (*self.schema.aspect_keys, "program"):  # a name merged over two programs: whose is it?
            where, value = record.merged.get(self.columns.get(aspect, -1), ("", ""))
            if value.strip():
                cell = "事業名" if aspect == "program" else "項目"
                raise InputError(self.path, f"{cell}のセル {where} が2つ以上の事業の行にまたがって結合されています"
                                 f" (どの事業の{cell}か決められません)。", line=record.first_line,
                                 hint=f"結合を解除し、それぞれの事業の行に{cell}を書いた写しを登録してください。" + KEEP_ORIGINAL)

    def is_guidance(self, record: Record) -> bool:
        """The row under a header without a name or NO: the first header's guidance (記入例), the same row again
        under a repeated header (compared in NFKC without whitespace: （例） and (例) alike), or a row whose every
        cell opens as guidance does (例), （例）, 記入例). Under a repeated header any other row continues the program a
        page break cut, said on screen (a hostile tester: its items were dropped as guidance)."""
        self.after_header = False
        filled = [label_key(c) for c in record.cells if c.strip()]
        if not self.programs:
            self.guidance = filled
            return True
        if filled == self.guidance or all(c.startswith(GUIDANCE_OPENINGS) for c in filled):
            return True
        self.warn(record.first_line, f"繰り返された見出しの直下の行を、前の事業 (NO {self.programs[-1].no}) の続きとして読みます"
                  " (記入例なら、最初の見出しの下と同じ行にしてください)")
        return False

    def take_section(self, record: Record, text: str) -> None:
        """A row holding only a group (【福祉】 above its programs, whose own group cells are empty): the group of the
        programs below until another is written, said on screen (a hostile tester: they were 区分なし, one warning each)."""
        self.support_type = unbracketed(text)
        label = self.header("support_type")
        self.note(record, "dropped", "title", f"{label}の見出し行: 下の事業の{label}は「{self.support_type}」")
        self.warn(record.first_line, f"{label}だけの行「{text}」を、下の事業の{label}「{self.support_type}」として読みます")

    def known_group(self, text: str) -> bool:
        """Whether the schema knows ``text`` as a group (its width folded: NFKC)."""
        return unicodedata.normalize("NFKC", text) in self.schema.known_support_types

    def take_support_type(self, record: Record, no: int) -> None:
        """The row's support type, or the one above it (written once per group, or in a merged cell)."""
        assert self.columns is not None
        support = record.cell(self.columns.get("support_type")).strip()
        if support:
            if self.schema.known_support_types and not self.known_group(support):
                self.warn(record.first_line, f"これまでにない{self.header('support_type')}です (そのまま使います): {support}")
            self.support_type = support
        elif "support_type" in self.columns and not self.support_type:
            self.warn(record.first_line, f"{self.header('program_no')} {no} の{self.header('support_type')}が空で、"
                      f"上の行からも引き継げません (「{NO_SUPPORT_TYPE}」とします)")

    def header(self, column: str) -> str:
        """What the table calls a number or grouping column (分野, 番号), for a warning in its own words."""
        return own_header(self.schema.columns, column)

    def take_row(self, record: Record) -> None:
        assert self.columns is not None
        col = self.columns
        cells = record.cells
        extra = [i for i in range(self.width, len(cells)) if cells[i].strip()]
        if extra:
            from openpyxl.utils.cell import get_column_letter as column_letters  # how Excel names the column: G, AA

            raise InputError(self.path, f"データ行のセルが見出しの列数 ({self.width}) より多くあります "
                             f"({len(record.cells)} セル中 {extra[-1] + 1} 列目 ({column_letters(extra[-1] + 1)} 列) に値が"
                             "あります)。",
                             line=record.first_line, hint=extra_cell_hint(self.path))
        for index, header in self.unused.items():
            if record.cell(index).strip():
                self.check_twice(record, index, header)
                lacking = [c for c in self.schema.names if c not in col]
                raise unknown_column(self.path, self.schema, header, self.header_line, lacking, record, index)
        name = record.cell(col.get("program")).strip()
        no_text = record.cell(col.get("program_no")).strip()
        aspect_cells = {a: record.cell(col.get(a)) for a in self.schema.aspect_keys if a in col}
        attributes = {k: record.cell(col.get(k)).strip() or None for k in self.schema.attributes}
        if not name and not no_text:
            if self.after_header and self.is_guidance(record):
                self.note(record, "dropped", "guidance", "見出し直下の記入例・説明の行 (事業名も NO もない)")
                return
            self.after_header = False
            if any(c.strip() for c in aspect_cells.values()) and self.programs:
                program = self.programs[-1]
                self.check_continued(record, program, attributes)
                for aspect, cell in aspect_cells.items():
                    program.cells[aspect].append((record.first_line, cell))
                self.note(record, "kept", "continuation",
                          f"事業名のない行: 直前の事業 (NO {program.no}) の続き (結合セル)", program.no)
                return
            self.note(record, "dropped", "title", "事業名も NO も項目もない行 (表題・区切りなど)")
            return
        self.after_header = False
        self.merged_down(record, attributes)
        if "program_no" in col:
            no = _program_no(self.path, record, no_text)
        else:
            no = len(self.programs) + 1
        if not name:
            raise InputError(self.path, f"NO {no} の事業名が空です。", line=record.first_line,
                             hint="事業名の列に事業名を書いてください。")
        self.take_no(record, no)
        self.take_support_type(record, no)
        check_text(self.path, record.first_line, f"NO {no} の事業名", name)
        check_text(self.path, record.first_line, f"NO {no} の区分", self.support_type)
        for key, value in attributes.items():
            check_text(self.path, record.first_line, f"NO {no} の「{self.schema.attribute_label(key)}」", value or "")
        program = _Program(record, self.support_type or NO_SUPPORT_TYPE, no, name,
                           {a: [(record.first_line, c)] for a, c in aspect_cells.items()}, attributes)
        if not any(c.strip() for c in aspect_cells.values()):
            self.warn(record.first_line, f"NO {no} ({name}) は項目のセルがすべて空です (項目 0 件として残します)")
        self.programs.append(program)
        self.note(record, "kept", "data", "", no)


def clean_table(path: str | Path, year: int | None = None, schema: Schema | None = None,
                sheet: str | None = None, city: str | None = None) -> Table:
    """Read one raw table file (TSV, Excel's CSV or an .xlsx sheet) and return its tidy items, programs
    and cleaning log."""
    path = Path(path)
    schema = schema or load_schema(None)
    records, encoding = read_records(path, sheet)
    cleaner = _Cleaner(path, schema)
    for record in records:
        cleaner.feed(record)
    cleaner.settle()  # rows at the end of the table
    if cleaner.columns is None:
        raise missing_columns(path, schema, cleaner.first_table_row, encoding, records)
    items, programs, log = tidy_frames(path, year, city, cleaner)
    cleaner.warnings += file_warnings(path, records, encoding, schema, year)
    for column in ["support_type", *schema.attributes]:
        for known, other in label_twins(programs[column].dropna().tolist()):
            cleaner.warnings.append(twin_warning(path, known, other))
    return Table(path, encoding, year, city, schema, items, programs, log, tuple(cleaner.warnings),
                 tuple(cleaner.synonyms), tuple(cleaner.ignored))


def read_table(path: str | Path, year: int | None = None, schema: str | Path | Schema | None = None) -> pd.DataFrame:
    """The tidy items of one raw table, one row per bullet item (see the README's data contract)."""
    if not isinstance(schema, Schema):
        schema = load_schema(schema)
    return clean_table(path, year=year, schema=schema).items
