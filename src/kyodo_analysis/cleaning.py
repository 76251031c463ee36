"""Raw table → tidy items: decoding, records, header/guidance/title rows, programs and items.

Every physical line of the raw file ends up in the cleaning log, kept or dropped with a reason.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from array import array
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from .cells import split_items
from .errors import InputError
from .schema import ASPECTS, DEFAULT_SCHEMA, Schema

ITEM_COLUMNS = ["item_id", "source_file", "source_line", "year", "support_type", "program_no",
                "program", "aspect", "item_no", "text"]
PROGRAM_COLUMNS = ["source_file", "source_line", "year", "support_type", "program_no", "program",
                   *(f"n_{a}" for a in ASPECTS), "n_items"]
LOG_COLUMNS = ["source_file", "line", "action", "category", "program_no", "note", "text"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BYTE_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


def _line_at(data: bytes, position: int) -> int:
    """The 1-based physical line of a byte position (CRLF, CR and LF each end a line)."""
    return len(_BYTE_LINE_BREAK.findall(data, 0, position)) + 1


@dataclass
class Record:
    """One logical row: its cells and the physical lines it spans (1-based, inclusive)."""

    first_line: int
    last_line: int
    cells: list[str]
    lines: list[str]

    def cell(self, index: int | None) -> str:
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read with (BOM first, then UTF-8, then CP932)."""
    if not data.strip(b" \t\r\n\x0c" + codecs.BOM_UTF8) or data in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raise InputError(path, "ファイルが空です。", hint="表計算ソフトから表をタブ区切りで書き出し直してください。")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        tried = ["utf-16"]
    elif data.startswith(codecs.BOM_UTF8):
        tried = ["utf-8-sig"]
    elif b"\x00" in data:
        raise InputError(path, "テキストファイルではありません (NUL バイトを含むバイナリです)。",
                         line=_line_at(data, data.index(b"\x00")),
                         hint="表計算ソフトで「テキスト (タブ区切り)」または「Unicode テキスト」として保存してください。")
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
        if text.startswith("\ufeff"):
            text = text[1:]
        control = _CONTROL.search(text)
        if control:
            raise InputError(path, "テキストファイルではありません (制御文字を含みます)。",
                             line=text[: control.start()].count("\n") + 1,
                             hint="表計算ソフトで「テキスト (タブ区切り)」として保存し直してください。")
        if not text.strip():
            raise InputError(path, "ファイルが空です。", hint="表計算ソフトから表をタブ区切りで書き出し直してください。")
        return text, encoding
    raise InputError(path, "文字コードを判別できません。試した文字コード: " + "; ".join(failures), line=furthest[1],
                     hint="UTF-8 (BOM 有無どちらも可)、CP932 (Shift_JIS)、UTF-16 (BOM 付き) のいずれかで保存してください。")


def split_records(path: Path, text: str) -> list[Record]:
    """Tab-separated records with Excel quoting: a quoted cell may hold tabs, quotes ("") and line breaks."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "" and len(lines) > 1:
        lines.pop()  # the final line break ends the last line; it does not start a new one
    records: list[Record] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if '"' not in line or not (line.startswith('"') or '\t"' in line):
            # No cell opens a quote: the common case, split at C speed.
            records.append(Record(i + 1, i + 1, line.split("\t"), [line]))
            i += 1
            continue
        first = i
        cells: list[str] = []
        chars: list[str] = []
        in_quotes = False
        at_cell_start = True
        while True:
            line = lines[i]
            j = 0
            while j < len(line):
                ch = line[j]
                if in_quotes:
                    if ch == '"':
                        if j + 1 < len(line) and line[j + 1] == '"':
                            chars.append('"')
                            j += 1
                        else:
                            in_quotes = False
                    else:
                        chars.append(ch)
                elif ch == "\t":
                    cells.append("".join(chars))
                    chars = []
                    at_cell_start = True
                    j += 1
                    continue
                elif ch == '"' and at_cell_start:
                    in_quotes = True
                else:
                    chars.append(ch)
                at_cell_start = False
                j += 1
            if not in_quotes:
                break
            if i + 1 >= len(lines):
                raise InputError(path, "引用符 (\") で始まるセルが閉じられていません。", line=first + 1,
                                 hint="セルの終わりの \" が欠けていないか確認してください。文字としての \" は \"\" と書きます。")
            chars.append("\n")
            i += 1
        cells.append("".join(chars))
        records.append(Record(first + 1, i + 1, cells, lines[first : i + 1]))
        i += 1
    return records


def _program_no(path: Path, record: Record, value: str) -> int:
    normalized = unicodedata.normalize("NFKC", value).strip()
    if not normalized.isdigit():
        shown = value.strip() or "(空欄)"
        raise InputError(path, f"NO が数字ではありません: {shown}", line=record.first_line,
                         hint="NO の列には事業の番号 (半角・全角の数字) を書いてください。")
    return int(normalized)


@dataclass
class _Program:
    record: Record
    support_type: str
    no: int
    name: str
    cells: dict[str, list[tuple[int, str]]]  # aspect → (line, cell text) from the row and its continuations


class ItemRows(NamedTuple):
    """The items of a range of programs, column by column (compact, to travel between processes), with
    their log rows and the number of items per program and aspect."""

    item_id: list[str]
    text: list[str]
    source_line: array  # of int
    program: array  # index of the item's program in the table
    aspect: array  # index into ASPECTS
    item_no: array
    counts: array  # per program of the range, per aspect
    log: list[dict]


class Table:
    """A cleaned raw table: tidy items, programs and the cleaning log, warnings and header synonyms.

    Reading the file checks everything and collects the programs; their cells are split into items
    when ``items``, ``programs`` or ``log`` is first read (or by :meth:`tidy` with rows split
    elsewhere, e.g. in worker processes that tokenize the items they split)."""

    def __init__(self, path: Path, encoding: str, year: int | None, cleaner: _Cleaner) -> None:
        self.path, self.encoding, self.year = path, encoding, year
        self.warnings, self.synonyms = cleaner.warnings, cleaner.synonyms
        self._columns = cleaner.columns or {}
        self._programs = cleaner.programs
        self._log = cleaner.log

    @property
    def n_programs(self) -> int:
        return len(self._programs)

    def program_sizes(self) -> np.ndarray:
        """Characters of item cells per program: how much work splitting and analysing each one is."""
        return np.fromiter((sum(len(cell) for cells in p.cells.values() for _, cell in cells) for p in self._programs),
                           dtype=np.int64, count=len(self._programs))

    def item_rows(self, start: int, stop: int) -> ItemRows:
        """The items of programs ``start..stop-1``: each aspect cell split into its items."""
        rows = ItemRows([], [], array("q"), array("q"), array("b"), array("q"), array("q"), [])
        ids, texts, lines, programs, aspects, numbers = rows[:6]
        stem = self.path.stem
        present = [(k, aspect) for k, aspect in enumerate(ASPECTS) if aspect in self._columns]
        for index in range(start, stop):
            program = self._programs[index]
            counts = [0] * len(ASPECTS)
            for k, aspect in present:
                item_no = 0
                for line, cell in program.cells[aspect]:
                    for piece in split_items(cell):
                        item_no += 1
                        ids.append(f"{stem}-{program.no:02d}-{aspect}-{item_no:02d}")
                        texts.append(piece.text)
                        lines.append(line)
                        programs.append(index)
                        aspects.append(k)
                        numbers.append(item_no)
                        if piece.removed_spaces:
                            note = f"{aspect} 項目{item_no}: 日本語の文字の間の空白を削除 (PDF 由来): {piece.removed_spaces}"
                            rows.log.append({"line": line, "action": "kept", "category": "space_removed",
                                             "program_no": program.no, "note": note, "text": piece.text})
                counts[k] = item_no
            rows.counts.extend(counts)
        return rows

    def tidy(self, parts: list[ItemRows]) -> None:
        """Build the tidy frames from the item rows of all programs, in order (see :meth:`item_rows`)."""
        self.__dict__["_frames"] = self._assemble(parts)

    @cached_property
    def _frames(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        return self._assemble([self.item_rows(0, self.n_programs)])

    @property
    def is_tidy(self) -> bool:
        return "_frames" in self.__dict__

    @property
    def items(self) -> pd.DataFrame:
        return self._frames[0]

    @property
    def programs(self) -> pd.DataFrame:
        return self._frames[1]

    @property
    def log(self) -> pd.DataFrame:
        return self._frames[2]

    def _assemble(self, parts: list[ItemRows]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        name, year = self.path.name, self.year

        def joined(column: str, dtype: type = np.int64) -> np.ndarray:
            return np.concatenate([np.zeros(0, dtype=dtype), *(np.frombuffer(getattr(p, column), dtype=dtype) for p in parts)])

        per_program = pd.DataFrame({
            "source_file": name, "source_line": [p.record.first_line for p in self._programs], "year": year,
            "support_type": [p.support_type for p in self._programs], "program_no": [p.no for p in self._programs],
            "program": [p.name for p in self._programs]}, columns=PROGRAM_COLUMNS[:6])
        at = joined("program")
        items = per_program.iloc[at].reset_index(drop=True)
        items.insert(0, "item_id", pd.array([i for p in parts for i in p.item_id], dtype="string"))
        items["source_line"] = joined("source_line")
        items["aspect"] = np.asarray(ASPECTS, dtype=object)[joined("aspect", np.int8)]
        items["item_no"] = joined("item_no")
        items["text"] = pd.array([t for p in parts for t in p.text], dtype="string")
        counts = pd.DataFrame(joined("counts").reshape(-1, len(ASPECTS)), columns=[f"n_{a}" for a in ASPECTS])
        programs = pd.concat([per_program, counts], axis=1)
        programs["n_items"] = counts.sum(axis=1)
        for aspect in ASPECTS:
            if aspect not in self._columns:
                programs[f"n_{aspect}"] = None
        log = pd.DataFrame(self._log + [row for part in parts for row in part.log], columns=LOG_COLUMNS[1:])
        log.insert(0, "source_file", name)
        log["order"] = range(len(log))
        log = log.sort_values(["line", "order"], kind="stable").drop(columns="order").reset_index(drop=True)
        return typed_items(items), _typed(programs, PROGRAM_COLUMNS), _typed(log, LOG_COLUMNS)


class _Cleaner:
    """Walks the records of one table, classifying each and collecting programs."""

    def __init__(self, path: Path, schema: Schema) -> None:
        self.path = path
        self.schema = schema
        self.columns: dict[str, int] | None = None
        self.width = 0
        self.unused: list[int] = []  # columns left of the last header column that have no header
        self.log: list[dict] = []
        self.warnings: list[str] = []
        self.synonyms: list[str] = []
        self.programs: list[_Program] = []
        self.seen_no: dict[int, int] = {}
        self.support_type = ""
        self.after_header = False
        self.first_table_row: Record | None = None

    def warn(self, line: int | None, message: str) -> None:
        where = f"{self.path.name}:{line}" if line else self.path.name
        self.warnings.append(f"{where}: {message}")

    def note(self, record: Record, action: str, category: str, note: str, program_no: int | None = None) -> None:
        for offset, text in enumerate(record.lines):
            extra = note if offset == 0 else f"{record.first_line}行目から続く引用セルの続き"
            self.log.append({"line": record.first_line + offset, "action": action, "category": category,
                             "program_no": program_no, "note": extra, "text": text})

    def header_columns(self, record: Record) -> dict[str, int] | None:
        found: dict[str, int] = {}
        for index, cell in enumerate(record.cells):
            column = self.schema.column_for(cell) if cell.strip() else None
            if column and column not in found:
                found[column] = index
        if "program" in found and any(a in found for a in ASPECTS):
            return found
        return None

    def feed(self, record: Record) -> None:
        filled = [c for c in record.cells if c.strip()]
        if not filled:
            self.note(record, "dropped", "blank", "空行")
            return
        header = self.header_columns(record)
        if header is not None:
            self.take_header(record, header)
            return
        if self.columns is None:
            if len(filled) >= 2 and self.first_table_row is None:
                self.first_table_row = record
            self.note(record, "dropped", "title", "見出し行より前の行 (表題など)")
            return
        if len(record.cells) == 1:
            self.note(record, "dropped", "title", "区切りのない1セルだけの行 (表題など)")
            self.after_header = False
            return
        self.take_row(record)

    def take_header(self, record: Record, header: dict[str, int]) -> None:
        for column, index in header.items():
            if self.schema.is_synonym(column, record.cells[index]):
                self.synonyms.append(f"{record.cells[index].strip()} → {column}")
        missing = [c for c in self.schema.columns if c not in header]
        if self.columns is None and missing:
            self.warn(record.first_line, f"見出しにない列: {', '.join(missing)} (空として扱います)")
        self.columns = header
        self.width = max(index for index in header.values()) + 1
        self.unused = [i for i in range(self.width) if i not in header.values()]
        self.after_header = True
        self.note(record, "dropped", "header", "見出し行")

    def take_row(self, record: Record) -> None:
        assert self.columns is not None
        col = self.columns
        cells = record.cells
        extra = [i for i in range(self.width, len(cells)) if cells[i].strip()]
        if extra:
            raise InputError(self.path, f"データ行のセルが見出しの列数 ({self.width}) より多くあります "
                             f"({len(record.cells)} セル中 {extra[-1] + 1} 列目に値があります)。",
                             line=record.first_line,
                             hint="セル内のタブや、閉じられていない引用符がないか確認してください。")
        unused = [i for i in self.unused if i < len(cells) and cells[i].strip()]
        if unused:
            self.warn(record.first_line, f"見出しのない列 {', '.join(str(i + 1) for i in unused)} の値は使いません")
        name = record.cell(col.get("program")).strip()
        no_text = record.cell(col.get("program_no")).strip()
        aspect_cells = {a: record.cell(col.get(a)) for a in ASPECTS if a in col}
        if not name and not no_text:
            if self.after_header:
                self.after_header = False
                self.note(record, "dropped", "guidance", "見出し直下の記入例・説明の行 (事業名も NO もない)")
                return
            if any(c.strip() for c in aspect_cells.values()) and self.programs:
                program = self.programs[-1]
                for aspect, cell in aspect_cells.items():
                    program.cells[aspect].append((record.first_line, cell))
                self.note(record, "kept", "continuation",
                          f"事業名のない行: 直前の事業 (NO {program.no}) の続き (結合セル)", program.no)
                return
            self.note(record, "dropped", "title", "事業名も NO も項目もない行 (表題・区切りなど)")
            return
        self.after_header = False
        if "program_no" in col:
            no = _program_no(self.path, record, no_text)
        else:
            no = len(self.programs) + 1
        if not name:
            raise InputError(self.path, f"NO {no} の事業名が空です。", line=record.first_line,
                             hint="事業名の列に事業名を書いてください。")
        if no in self.seen_no:
            raise InputError(self.path, f"NO {no} が2回出てきます ({self.seen_no[no]}行目と{record.first_line}行目)。",
                             line=record.first_line, hint="同じ表の中で NO が重複しないよう修正してください。")
        self.seen_no[no] = record.first_line
        support = record.cell(col.get("support_type")).strip()
        if support:
            if unicodedata.normalize("NFKC", support) not in self.schema.known_support_types:
                self.warn(record.first_line, f"これまでにない区分です (そのまま使います): {support}")
            self.support_type = support
        elif "support_type" in col and not self.support_type:
            self.warn(record.first_line, f"NO {no} の区分が空で、上の行からも引き継げません")
        program = _Program(record, self.support_type, no, name,
                           {a: [(record.first_line, c)] for a, c in aspect_cells.items()})
        if not any(c.strip() for c in aspect_cells.values()):
            self.warn(record.first_line, f"NO {no} ({name}) は項目のセルがすべて空です (項目 0 件として残します)")
        self.programs.append(program)
        self.note(record, "kept", "data", "", no)


def clean_table(path: str | Path, year: int | None = None, schema: Schema | None = None) -> Table:
    """Read one raw table file and return its tidy items, programs and cleaning log."""
    path = Path(path)
    schema = schema or DEFAULT_SCHEMA
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "ファイルが見つかりません。", hint="パスを確認してください。") from None
    except IsADirectoryError:
        raise InputError(path, "ディレクトリです。表のファイルを指定してください。") from None
    text, encoding = decode(path, data)
    cleaner = _Cleaner(path, schema)
    for record in split_records(path, text):
        cleaner.feed(record)
    if cleaner.columns is None:
        found = cleaner.first_table_row.cells if cleaner.first_table_row else []
        shown = " / ".join(c.strip() for c in found if c.strip()) or "(見出しらしい行がありません)"
        required = schema.columns["program"][0]
        aspects = " / ".join(schema.columns[a][0] for a in ASPECTS if a in schema.columns)
        raise InputError(path, f"必要な列が見つかりません: 「{required}」と、「{aspects}」の少なくとも一つ。"
                         f"見つかった見出し: {shown}",
                         line=cleaner.first_table_row.first_line if cleaner.first_table_row else None,
                         hint="見出し行を確認するか、--schema で見出しの別名を指定してください。")
    return Table(path, encoding, year, cleaner)


_INT_COLUMNS = {"source_line", "year", "program_no", "item_no", "line", *(f"n_{a}" for a in ASPECTS), "n_items"}


def _typed(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Stable dtypes for the CSV contract: nullable integers, strings elsewhere."""
    frame = frame.copy()
    for column in columns:
        frame[column] = frame[column].astype("Int64" if column in _INT_COLUMNS else "string")
    return frame[columns]


def typed_items(frame: pd.DataFrame) -> pd.DataFrame:
    return _typed(frame, ITEM_COLUMNS)


def read_table(path: str | Path, year: int | None = None, schema: str | Path | Schema | None = None) -> pd.DataFrame:
    """The tidy items of one raw table, one row per bullet item (see the README's data contract)."""
    from .schema import load_schema

    if not isinstance(schema, Schema):
        schema = load_schema(schema)
    return clean_table(path, year=year, schema=schema).items
