"""What a table's file says beyond the rows read: other sheets of the workbook holding the same table, a fiscal
year its title rows write against the year it is read as, and rows Excel hides. Each is a warning, never a change
of what is counted (a hostile tester: each was silent)."""

from __future__ import annotations

from pathlib import Path

from .manifest import year_from_name
from .readers import EXCEL_SUFFIXES, Record
from .schema import Schema
from .table_headers import header_of
from .workbooks import sheet_rows


def file_warnings(path: Path, records: list[Record], how: str, schema: Schema, year: int | None) -> list[str]:
    """Every warning of this module for one table read (``how``: its encoding, or ``xlsx:sheet``)."""
    return [*other_sheets(path, how, schema), *title_year(path, records, schema, year), *hidden_rows(path, records)]


def other_sheets(path: Path, how: str, schema: Schema) -> list[str]:
    """Sheets other than the one read whose rows hold a header the schema reads: a workbook of one sheet per
    分野 was read as its first sheet's programs alone."""
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        return []
    read = how.removeprefix("xlsx:")
    found = [name for name, records in sheet_rows(path).items()
             if name != read and any(header_of(schema, record) for record in records)]
    if not found:
        return []
    return [f"{path.name}: シート「{read}」の表だけを読みました。シート「{'」「'.join(found)}」にも同じ見出しの表があります"
            " (別の表として読むなら、シートごとに1つのファイルに保存し直して登録してください)。"]


def title_year(path: Path, records: list[Record], schema: Schema, year: int | None) -> list[str]:
    """The rows above the first header that write a fiscal year (令和5年度, 2023年度) other than the table's year
    (a file named …_2024年3月時点 was read as 2024 while its title said 令和5年度)."""
    if year is None:
        return []
    for record in records:
        if header_of(schema, record):
            return []
        text = " ".join(c.strip() for c in record.cells if c.strip())
        written = year_from_name(text) if "年度" in text else None
        if written is not None and written != year:
            return [f"{path.name}:{record.first_line}: 表題の行「{text[:40]}」は {written} 年度と読めますが、表は {year} 年度"
                    f"として読みました。違うなら --year {written} を付けて読み直すか、登録し直してください。"]
    return []


def hidden_rows(path: Path, records: list[Record]) -> list[str]:
    """Rows Excel hides that hold values: read and counted like the rest, and said (what the city shows may not
    be what is counted)."""
    hidden = [record.first_line for record in records if record.hidden and any(c.strip() for c in record.cells)]
    if not hidden:
        return []
    shown = ", ".join(map(str, hidden[:10])) + (" など" if len(hidden) > 10 else "")
    return [f"{path.name}: Excel で非表示の行 ({shown} 行目) にも値があり、ほかの行と同じく読みました"
            " (数えないなら、その行を消した写しを登録してください)。"]
