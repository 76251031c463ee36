"""Which cleaned tables can be analysed together, and by what: a sheet named for a workbook, a known year for
each of several tables, one table per city and year, and a value of the compared group for every program.
Each stops with the file, the line and what to do (:class:`errors.InputError`)."""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .cleaning import Table, twin_warning
from .errors import InputError
from .labels import HEADERS, label_key, label_twins, own_header, shown_attribute
from .readers import EXCEL_SUFFIXES
from .schema import Comparison, merged_aspects


def check_sheet(paths: Sequence[str | Path], sheet: str | None) -> None:
    """--sheet names a workbook's sheet: given with no workbook among the files, it would be ignored."""
    if sheet is not None and not any(Path(p).suffix.lower() in EXCEL_SUFFIXES for p in paths):
        raise InputError(paths[0] if len(paths) == 1 else None,
                         f"--sheet {sheet} は .xlsx の表のシートを選ぶものですが、指定したファイルに .xlsx がありません。",
                         hint="テキストや CSV の表には --sheet を付けずに実行してください。")


def check_years(tables: Sequence[Table]) -> None:
    """Stop when several tables are analysed together and one of them has no known year."""
    if len(tables) < 2:
        return
    yearless = [t for t in tables if t.year is None]
    if yearless:
        first = yearless[0].path
        raise InputError(first, f"年度の分からない表があります ({', '.join(t.path.name for t in yearless)})。"
                         "年度の違う表を混ぜて分析しないため、止めました。",
                         hint=f"年度を登録してください: kyodo-analysis manifest add {shlex.quote(str(first))} --year 西暦 "
                         f"(例: --year 2024)。表が1つだけなら、ほかの表を {first.parent} から外し、manifest.csv からその行も"
                         "消してください (または、その表だけを入れたフォルダを --raw-dir で指定します)。")


def check_one_table_per_year(tables: Sequence[Table]) -> None:
    """Stop when two tables of one known city and year hold the same program (its NO, or its name as a reader
    sees it): a corrected copy beside the original would be counted with it. Tables that split a year's programs
    (none in both), or of no known city (no manifest: two cities may share NOs), are read together."""
    seen: dict[tuple, Table] = {}
    for table in (t for t in tables if t.year is not None and t.city):
        programs = table.programs
        for no, name, line in zip(programs["program_no"], programs["program"], programs["source_line"], strict=True):
            for key in (("NO", str(no)), ("name", label_key(str(name)))):
                first = seen.setdefault((table.city, table.year, *key), table)
                if first is not table:
                    raise _same_year_twice(first, table, f"{own_header(table.schema.columns, 'program_no')} {no}「{name}」",
                                           int(line))


def _same_year_twice(first: Table, table: Table, program: str, line: int) -> InputError:
    return InputError(table.path, f"{first.path.name} と同じ{table.city}の{table.year}年度の表で、同じ事業 ({program}) が両方に"
                      "あります。同じ年度の表を2つ数えると、その年度の数が重なります。", line=line,
                      hint="同じ年度の表は1つだけ登録してください。年度を取り違えて登録したのなら、"
                      f"kyodo-analysis manifest add {shlex.quote(str(table.path))} --year 年度 で直してください。"
                      "直した表なら、古い方の行を manifest.csv から消し、"
                      f"そのファイルを {table.path.parent} の外へ移してください。")


def comparison_of(tables: Sequence[Table], by: str = "support_type") -> Comparison:
    """What the analysis compares: the tables' aspects and the groups of ``by`` — the support type, the
    city (from the manifest) or an attribute every table's schema has. Every program needs a value."""
    merged_aspects([t.schema for t in tables])  # one key, one label and side in every schema
    for table in tables:
        if by not in ("support_type", "city") and by not in table.schema.attributes:
            known = ", ".join(["support_type", "city", *table.schema.attributes])
            raise InputError(table.path, f"比べるグループ {by} (--by か設定ファイルの by) はこの表のスキーマにない属性です。",
                             hint=f"--by か kyodo-analysis.toml の by を直してください。使える名前: {known}。")
        if by == "support_type":
            continue  # a blank support type is warned about when the table is cleaned
        missing = table.programs[table.programs[by].isna() | (table.programs[by].astype("string").str.strip() == "")]
        if len(missing):
            what = "市町村名" if by == "city" else f"「{by_label(table, by)}」"
            hint = ("manifest.csv に市町村名を登録してください: "
                    f"kyodo-analysis manifest add {shlex.quote(str(table.path))} --city 市町村名"
                    if by == "city" else f"--by {by} で比べるには、すべての事業に{what}が必要です。表を確認してください。")
            raise _missing_group(table, by, what, missing, hint)
    return Comparison.combined([own_comparison(t, by) for t in tables])


def _missing_group(table: Table, by: str, what: str, missing: pd.DataFrame, hint: str) -> InputError:
    """A program without the group compared; a table none of whose programs has it, as a table without it."""
    if by != "city" and len(missing) == len(table.programs):
        return InputError(table.path, f"この表のどの事業にも{what}がありません (この表に{what}の列がないか、列が空です)。",
                          hint=f"--by {by} で比べるには、分析するすべての表に{what}の値が必要です。{what}のない表は"
                          "分析から外してください (README「表を分析から外す」)。")
    first = missing.iloc[0]
    return InputError(table.path, f"{own_header(table.schema.columns, 'program_no')} {first['program_no']} ({first['program']}) "
                      f"に{what}がありません ({len(missing)} 事業)。", line=None if by == "city" else int(first["source_line"]),
                      hint=hint)


def by_label(table: Table, by: str) -> str:
    """What a table calls the groups of ``by``: 市町村, or its schema's first header of the column (区分 when
    the schema has no such column)."""
    label = HEADERS["city"] if by == "city" else table.schema.names.get(by, ["区分"])[0]
    return shown_attribute(label) if by in table.schema.attributes else label


def unnumbered_files(tables: Sequence[Table]) -> frozenset[str]:
    """The files whose schema has no number column: their programs are numbered in table order, so a number
    that differs between years says nothing (:func:`years.program_changes`)."""
    return frozenset(t.path.name for t in tables if not t.schema.columns.get("program_no"))


def own_comparison(table: Table, by: str) -> Comparison:
    """One table's own comparison (kept for each file in ``metadata.json``): what its part of an analysis,
    one year's or one city's, compares."""
    return Comparison.of_schema(table.schema, by, by_label(table, by))


def with_twins_across(tables: list[Table]) -> list[Table]:
    """The tables, each warned of a support type another table spells otherwise (財政的⏎支援 one year,
    財政的支援 the next): they are counted as different groups, so the reader is told where."""
    own = [list(dict.fromkeys(t.programs["support_type"].dropna())) for t in tables]
    twins = [(known, other) for known, other in label_twins([v for values in own for v in values])
             if not any(known in values and other in values for values in own)]  # a table's own: warned already
    out = []
    for table, values in zip(tables, own, strict=True):
        added = tuple(twin_warning(table.path, known, other) for known, other in twins if other in values)
        out.append(dataclasses.replace(table, warnings=table.warnings + added) if added else table)
    return out
