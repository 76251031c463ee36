"""What is wrong with a table's header row, said so that a researcher can fix it: the columns a table
must have and does not, and a column with values whose header the schema does not know."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from .errors import KEEP_ORIGINAL, InputError, one_line
from .readers import Record
from .schema import BUILT_IN, Schema
from .workbooks import sheet_names


def named(schema: Schema) -> str:
    """The schema as a message names it: its file, or the packaged one."""
    return "組み込みの逗子市のスキーマ" if schema.source == BUILT_IN else f"スキーマ {schema.source}"


def read_with(schema: Schema) -> str:
    """「(スキーマ x.toml で読みました)」: a file's path set apart from the Japanese around it."""
    return f"({named(schema)}{'' if schema.source == BUILT_IN else ' '}で読みました)"


def two_row_header(schema: Schema, records: list[Record]) -> str:
    """Where two rows together make a header the schema reads (評価 over 成果 / 課題 in the row below): said, since
    a header is one row (a hostile tester: refused without naming the second row)."""
    for upper, lower in itertools.pairwise(records):
        width = max(len(upper.cells), len(lower.cells))
        joined = Record(upper.first_line, lower.last_line, [lower.cell(i).strip() or upper.cell(i).strip()
                                                            for i in range(width)], [])
        if header_of(schema, joined) and not header_of(schema, upper) and not header_of(schema, lower):
            return (f"見出しが {upper.first_line} 行目と {lower.first_line} 行目の2行に分かれているようです。見出しを1行に"
                    "まとめた写しを登録してください。" + KEEP_ORIGINAL)
    return ""


def missing_columns(path: Path, schema: Schema, first_row: Record | None, encoding: str,
                    records: list[Record] = ()) -> InputError:
    """No header row names the program column and one aspect: the headers found in the first row of the
    table, two rows that together would make one, and the sheet read when it is a workbook."""
    found = first_row.cells if first_row else []
    shown = " / ".join(c.strip() for c in found if c.strip()) or "(見出しらしい行がありません)"
    aspects = " / ".join(a.headers[0] for a in schema.aspects)
    sheet = encoding.removeprefix("xlsx:") if encoding.startswith("xlsx:") else None
    read = f" (読んだのはシート「{sheet}」)" if sheet is not None else ""
    keys = {schema.column_for(cell) for cell in found if cell.strip()}
    lacking = ([f"「{schema.columns['program'][0]}」"] if "program" not in keys else []) + (
        [f"「{aspects}」の少なくとも一つ"] if not keys & {a.key for a in schema.aspects} else [])
    near = [(cell.strip(), *close) for cell in found if cell.strip() and schema.column_for(cell) is None
            for close in [schema.near_header(cell, schema.names) or containing(schema, cell, keys)] if close]
    guess = "".join(f"「{cell}」は「{header}」({key}) の書き間違いかもしれません: 生データは直さずに、スキーマの TOML の "
                    f"{key} の見出しに「{cell}」を加えて --schema で渡せます。" for cell, header, key in near[:2])
    what = "と、".join(lacking) or "事業の列と観点の列がそろった行がありません"
    other = ("ほかの市町村の表なら、その表の列を書いたスキーマを --schema で渡すか manifest add --schema で登録してください"
             " (README「ほかの市町村の表」)。" if schema.source == BUILT_IN else "")
    return InputError(path, f"必要な列が見つかりません{read}: {what}。見つかった見出し: {shown} {read_with(schema)}",
                      line=first_row.first_line if first_row else None,
                      hint=two_row_header(schema, list(records)[:50]) + guess
                      + "見出し行を確認するか、--schema で見出しの別名を指定してください。" + other
                      + (f"表がほかのシートにあれば、--sheet にそのシート名を指定してください (このブックのシート: "
                         f"{', '.join(sheet_names(path))})。" if sheet is not None else ""))


def containing(schema: Schema, header_text: str, found: set[str | None]) -> tuple[str, str] | None:
    """A required column the table lacks whose header ``header_text`` begins with (事業名称 for 事業): a
    longer name the schema does not know, named as a guess."""
    text = header_text.strip()
    return next(((header, key) for key in ("program", *(a.key for a in schema.aspects)) if key not in found
                 for header in schema.names.get(key, []) if len(header) >= 2 and text.startswith(header) and text != header),
                None)


def unknown_column(path: Path, schema: Schema, header: str, header_line: int, lacking: list[str], record: Record,
                   index: int) -> InputError:
    """Column ``index`` (headed ``header`` on ``header_line``) is not in the schema but holds a value in
    ``record``: named at the header's line, and pointed to the header it most resembles among the columns the
    table lacks (a misspelling, あつた for あった), which the schema can take as another name — the raw table
    is never edited."""
    shown = f"「{one_line(header)}」" if header else "(見出しなし)"
    # as a TOML string to paste: headers are compared without whitespace, and a line break would end the string
    pasted = json.dumps("".join(header.split()), ensure_ascii=False)
    near = schema.near_header(header, lacking) if header else None
    own = schema.source != BUILT_IN  # the researcher's file, to be edited; else a copy of the packaged one, passed
    toml = named(schema) if own else "--schema で渡すスキーマの TOML (組み込みの逗子市のスキーマを写したもの)"
    rest = (f"分析に使うなら {toml} で {shown} を観点などに割り当て、使わないなら"
            + (f" ignore = [{pasted}]" if header else " ignore = [\"\"] (見出しのない列をすべて除きます)")
            + " と書いてください (README「見出しの違う表」)。")
    hint = (f"{shown} が「{near[0]}」({near[1]}) の書き間違いなら、生データは直さずに、{toml} の {near[1]} の見出しに"
            f"「{''.join(header.split())}」を加えてください。別の列で、{rest}" if near else f"この列を{rest}")
    return InputError(path, f"見出しの {index + 1} 列目 {shown} は知らない列ですが、{record.first_line} 行目に値があり"
                      f"ます: {one_line(record.cell(index).strip()[:30])} {read_with(schema)}", line=header_line,
                      hint=hint)


def rows_above_header(path: Path, schema: Schema, above: list[Record], header: Record, columns: dict[str, int]) -> None:
    """Stop when a row above the first header row read is not a title: a program's row (a name, and a number
    or an item where the table has them) or a header row the schema did not read (two or more of its cells the
    same as the header's, in the same columns, 事業名称 beside NO and 効果). Either was dropped as a title before,
    and its programs with it, without a word."""
    texts = {i: header.cell(i).strip() for i in range(len(header.cells)) if header.cell(i).strip()}
    for row in above:
        name, no = row.cell(columns.get("program")).strip(), row.cell(columns.get("program_no")).strip()
        items = any(row.cell(columns[a.key]).strip() for a in schema.aspects if a.key in columns)
        same = [t for i, t in texts.items() if row.cell(i).strip() == t]
        if name and (no.isdigit() if "program_no" in columns else items):
            what = f"事業の行 ({one_line(no)} {one_line(name)[:30]})".replace("( ", "(")
            hint = ("見出し行が表の一番上にない表です。生データは直さずに、見出し行を一番上に置いた写しを別の名前で保存し、"
                    "その写しを manifest add で登録してください。" + KEEP_ORIGINAL)
        elif 2 <= len(same) < len(texts):
            differ = [row.cell(i).strip() for i in texts if row.cell(i).strip() and row.cell(i).strip() != texts[i]]
            what = f"読めなかった見出し行 (スキーマにない見出し: {'、'.join(f'「{one_line(d)}」' for d in differ[:3])})"
            hint = ("生データは直さずに、その見出しをスキーマの TOML の見出しの別名に加えて --schema で渡してください"
                    " (README「見出しの違う表」)。")
        else:
            continue
        raise InputError(path, f"見出し行 ({header.first_line} 行目) より上の {row.first_line} 行目が{what}のようです。"
                         f"見出しより上の行は表題として読み飛ばすため、その事業が数えられません {read_with(schema)}。",
                         line=row.first_line, hint=hint)


def header_of(schema: Schema, record: Record) -> dict[str, int] | None:
    """The columns of a header row (column key → index), or None when ``record`` is no header: a header names the
    program and at least one aspect."""
    found: dict[str, int] = {}
    for index, cell in enumerate(record.cells):
        column = schema.column_for(cell) if cell.strip() else None
        if column and column not in found:
            found[column] = index
    if "program" in found and any(a in found for a in schema.aspect_keys):
        return found
    return None
