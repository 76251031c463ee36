"""The command line: ``kyodo-analysis clean | validate | analyze | kwic | run``."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import pandas as pd

from .analysis import (
    INPUTS,
    Analysis,
    Stopwatch,
    analyze_tables,
    analyze_with,
    clean_all,
    combined,
    compared_by,
    comparison_of,
    read_table_file,
    stored_file,
    write_analysis,
)
from .cleaning import Table
from .coding import code_items, read_rules
from .errors import InputError, NotebookError, os_error
from .kwic import keyword_in_context
from .labels import year_label
from .manifest import (
    ManifestRows,
    add_to_manifest,
    check_checksums,
    check_year,
    entry_for,
    entry_warnings,
    resolve_city,
    resolve_year,
    schema_for_new_row,
    table_files,
    year_from_name,
)
from .outputs import Interrupted, check_folder, generation, generations, settle
from .parallel import available_cores
from .registry import names
from .related import related_lines, related_words, shared_contexts, top_related
from .sentences import program_label
from .settings import KEYS, SETTINGS_FILE, Settings
from .slices import for_year, page_years
from .tables import write_tables
from .terms import extract_terms, spellings, terms_and_mentions
from .tokens import tokenize
from .wordlists import word_lists
from .years import program_changes, program_report, year_cities

T = TypeVar("T")


def summary_lines(table: Table) -> list[str]:
    """What a table holds, for a person deciding whether to trust it."""
    programs, items, aspects = table.programs, table.items, table.schema.aspects
    city = f", 市町村 {table.city}" if table.city else ""
    read_as = (f"Excel のシート {table.encoding.removeprefix('xlsx:')}" if table.encoding.startswith("xlsx:")
               else f"文字コード {table.encoding}")
    lines = [f"{table.path}: {read_as}, {year_label(table.year)}{city}, "
             f"事業 {len(programs)} 件, 項目 {len(items)} 件 (スキーマ: {table.schema.source})"]
    if "support_type" in table.schema.columns:
        label = table.schema.columns["support_type"][0]
        per_type = programs.groupby("support_type", sort=False).size()
        lines.append(f"  {label}ごとの事業数: " + ", ".join(f"{k} {v}" for k, v in per_type.items()))
        counts = items.groupby(["support_type", "aspect"], sort=False).size()
        for support in per_type.index:
            cells = ", ".join(f"{a.label} {counts.get((support, a.key), 0)}" for a in aspects)
            lines.append(f"  {support} の項目数: {cells}")
    lines.append("  観点ごとの項目数: " + ", ".join(
        f"{a.label}({a.key}) {int((items['aspect'] == a.key).sum())}" for a in aspects))
    for key, headers in table.schema.attributes.items():
        values = programs[key].value_counts(dropna=False, sort=False)
        lines.append(f"  {headers[0]}({key}): " + ", ".join(f"{'空欄' if pd.isna(v) else v} {n}" for v, n in values.items()))
    empty = [f"NO {r.program_no} {a.label}" for r in programs.itertuples() for a in aspects
             if not pd.isna(getattr(r, f"n_{a.key}")) and getattr(r, f"n_{a.key}") == 0]  # NA: the table has no such column
    if empty:
        lines.append("  空のセル: " + ", ".join(empty))
    if table.synonyms:
        lines.append("  別名で読んだ見出し: " + ", ".join(table.synonyms))
    lines += [f"  警告: {w}" for w in table.warnings]
    return lines


def print_warnings(warnings: Iterable[str]) -> None:
    for warning in warnings:
        print(f"警告: {warning}", file=sys.stderr)


def print_warning(warning: str) -> None:
    print_warnings([warning])


RAW_TEXT_TABLES = ("items.csv", "programs.csv", "cleaning_log.csv")


def formula_warning(tables: dict[str, pd.DataFrame]) -> list[str]:
    """A warning when text from the raw tables starts as an Excel formula would (= + - @): the CSVs keep
    it exact for pandas and R, and Excel would evaluate it if the CSV were opened by double-clicking."""
    found = {}
    for name in RAW_TEXT_TABLES:
        frame = tables.get(name)
        for column in [] if frame is None else [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]:
            text = frame[column].dropna().astype(str)
            found[name] = found.get(name, 0) + int((text.str.len().gt(1) & text.str[0].isin(list("=+-@"))).sum())
    shown = [f"{name} {n} セル" for name, n in found.items() if n]
    if not shown:
        return []
    return [f"= + - @ で始まる文字のセルがあります ({', '.join(shown)})。CSV は pandas や R 用の正確なデータです。"
            "Excel で見るときは reports/kyodo_tables.xlsx (文字は文字のまま) を開くか、Excel の「データ」→"
            "「テキストまたは CSV から」で読み込んでください (ダブルクリックで開くと数式として扱われます)。"]


def cmd_clean(args: argparse.Namespace) -> int:
    check_year(args.year)
    # An input's folder is a raw folder: never the output folder, nor holding it when it has a manifest.
    folders = {Path(p).parent for p in args.raw}
    check_folder(args.out)
    if Path(args.out).resolve() in {f.resolve() for f in folders}:
        output_folder(args.out, Path(args.out))
    output_folder(args.out, *(f for f in folders if (f / "manifest.csv").exists()))
    tables = clean_all(args.raw, args.year, args.schema, args.sheet)
    print_warnings(w for t in tables for w in t.warnings)
    frames = combined(tables)
    print_warnings(formula_warning(frames))
    with generation(args.out, warn=print_warning) as staging:
        names = [p.name for p in write_tables(staging, frames)]
    n_items = sum(len(t.items) for t in tables)
    print(f"{len(tables)} 表, 項目 {n_items} 件 → " + ", ".join(str(Path(args.out) / n) for n in names))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    check_year(args.year)
    for table in clean_all(args.raw, args.year, args.schema, args.sheet):
        print("\n".join(summary_lines(table) + comparison_lines(table, args.schema)))
    return 0


def comparison_lines(table: Table, schema: str | None) -> list[str]:
    """How a table differs from the same city's earlier tables in the same directory (another city's table
    is never its earlier year; tables without a city in the manifest are one unknown city)."""
    if table.year is None:
        return ["  前年度との比較: 年度が不明なので比較しません (--year か manifest.csv で年度を与えてください)"]
    year = table.year
    earlier: dict[int, list[Path]] = {}
    yearless = []
    rows = ManifestRows()
    for path in table_files(table.path.parent):
        if path.resolve() == table.path.resolve() or resolve_city(path, rows) != table.city:
            continue
        other = resolve_year(path, rows=rows)
        if other is None:
            yearless.append(path.name)
        elif other < year:
            earlier.setdefault(other, []).append(path)
    lines = []
    if yearless:
        lines.append(f"  年度の分からない表があります: {', '.join(yearless)} (比べられません。"
                     f"kyodo-analysis manifest add {shlex.quote(str(table.path.parent / yearless[0]))} --year 西暦 "
                     "で年度を登録してください。"
                     "登録しないと analyze と run は止まります)")
    if not earlier:
        whose = f"{table.city}の" if table.city else "同じ市町村の"
        return [*lines, f"  前年度との比較: {whose}{year}年度より前の年度の分かる表が {table.path.parent} にありません"]
    try:
        previous = clean_all(sorted(p for paths in earlier.values() for p in paths), schema_path=schema)
    except InputError as exc:
        return [*lines, f"  前年度との比較: 前の年度の表を読めませんでした ({exc.message})"]
    last = max(earlier)
    frames = combined([t for t in previous if t.year == last] + [table])
    lines.append(f"  {last}年度との比較 ({', '.join(p.name for p in earlier[last])}):")
    seen = set(pd.concat([t.programs for t in previous])["support_type"])
    new_types = [s for s in dict.fromkeys(table.programs["support_type"]) if s not in seen]
    if new_types:
        lines.append("    これまでにない区分: " + ", ".join(new_types))
    changes = program_changes(frames["programs.csv"], frames["items.csv"])
    found = program_report(changes, year)
    lines += [f"    {line}" for line in found] or ["    事業の追加・削除・名称変更はありません"]
    return lines


def cmd_manifest_add(args: argparse.Namespace) -> int:
    path = Path(args.file)
    check_year(args.year, path)
    if not path.is_file():
        raise InputError(path, "ファイルがありません。", hint="先に表のファイルを data/raw/ に保存してください。")
    # A file that does not clean never enters the manifest; a new row is read with the last row's schema.
    known = entry_for(path) is not None
    schema = args.schema or (None if known else schema_for_new_row(path, args.city))
    table = clean_all([path], args.year if args.year is not None else year_from_name(path.stem), schema, args.sheet)[0]
    entry, replaced = add_to_manifest(path, args.year, args.city, args.title, args.source, args.schema)
    print(f"{path.parent / 'manifest.csv'}: {entry.file} を{'更新' if replaced else '追加'}しました "
          f"({year_label(entry.fiscal_year or None)}, 事業 {len(table.programs)} 件, 項目 {len(table.items)} 件, "
          f"sha256 {entry.sha256[:12]}…)")
    print_warnings(entry_warnings(path, entry))
    return 0


def _stage(name: str, action: Callable[[], T]) -> T:
    """Run one stage of the main job and print one progress line with its time."""
    timings: dict[str, float] = {}
    result = Stopwatch(timings)(name, action)
    print(f"[{name}] {timings[name]:.1f} 秒", flush=True)
    return result


def raw_paths(raw_dir: str | Path) -> list[Path]:
    """The tables of a raw folder, each checked against the SHA-256 the manifest records for it."""
    paths = table_files(raw_dir)
    if not paths:
        raise InputError(raw_dir, "表のファイルがありません。", hint="data/raw/ に表と manifest.csv を置いてください。")
    check_checksums(raw_dir)
    return paths


PROJECT_RAW = Path("data/raw")


def output_folder(out: str | Path, *raw_dirs: str | Path) -> Path:
    """An output folder that is a folder (or will be) and is neither, nor inside, a raw folder — the
    project's (data/raw) or any of the run's — compared as resolved paths (links followed): raw data is
    never written to."""
    out = check_folder(out)
    try:
        target = out.resolve()
        for raw_dir in [PROJECT_RAW, *raw_dirs]:
            raw = Path(raw_dir).resolve()
            if target == raw or raw in target.parents:
                raise InputError(out, f"出力先が生データのフォルダ ({raw_dir}) {'' if target == raw else 'の中'}です。"
                                 "生データのフォルダには何も書き込みません。",
                                 hint="--out / --reports には data/processed や reports のような別のフォルダを指定してください。")
    except OSError as error:
        raise os_error(out, error) from None
    return out


def cmd_analyze(args: argparse.Namespace) -> int:
    output_folder(args.out, args.raw_dir)
    result = analyze_with(raw_paths(args.raw_dir), args.project, workers=available_cores())
    print_warnings([*result.warnings, *formula_warning(result.tables)])
    with generation(args.out, warn=print_warning) as staging:
        written = write_analysis(result, staging)
    print(f"項目 {len(result['items'])} 件, 語 {len(result['terms'])} 件 → {args.out}/ ({len(written)} ファイル)")
    return 0


def cmd_kwic(args: argparse.Namespace) -> int:
    tables = clean_all(raw_paths(args.raw_dir), schema_path=args.schema)
    items, comparison = combined(tables)["items.csv"], comparison_of(tables, args.by)
    token_frame = tokenize(items)
    term_frame = extract_terms(token_frame, word_lists(args.forced, args.stop, args.synonyms))
    lines = keyword_in_context(args.term, items, token_frame, term_frame, window=args.window, by=comparison.by)
    if lines.empty:
        containing = sorted({t for t in term_frame["term"].tolist() if args.term in t})
        hint = f" この語を含む抽出語: {', '.join(containing[:20])}" if containing else ""
        print(f"「{args.term}」は抽出語にありません (terms.csv の term と同じ表記で指定してください)。{hint}",
              file=sys.stderr)
        return 1
    for row in lines.itertuples(index=False):
        city = f"{row.city} | " if "city" in lines.columns and comparison.by != "city" else ""
        print(f"{city}{year_label(row.year)} | {getattr(row, comparison.by)} | "
              f"{program_label(row.program_no, row.program, comparison)} | "
              f"{comparison.label(row.aspect)} | {row.left}【{row.term}】{row.right}")
    print(f"{len(lines)} 件", file=sys.stderr)
    return 0


def cmd_related(args: argparse.Namespace) -> int:
    tables = clean_all(raw_paths(args.raw_dir), schema_path=args.schema)
    items, comparison = combined(tables)["items.csv"], comparison_of(tables, args.by)
    lists = word_lists(args.forced, args.stop, args.synonyms)
    token_frame = tokenize(items)
    words = spellings(token_frame)
    term_frame, mention_frame = terms_and_mentions(token_frame, lists, words)
    item_codes = code_items(read_rules(args.codes)[0], items, term_frame, mention_frame) if args.code else None
    related = related_words(args.target, items, term_frame, mention_frame, item_codes, code=args.code)
    if related.empty:
        what = "コード" if args.code else "語"
        print(f"{what}「{args.target}」と同じ項目に出てくる語はありません"
              " (抽出語・複合語の中の語・コード名と同じ表記で指定してください)。", file=sys.stderr)
        return 1
    top, omitted = top_related(related, args.top)
    print("\n".join(related_lines(top, omitted)))
    if args.with_word:
        lines = shared_contexts(related, args.with_word, items, token_frame, term_frame, args.window, comparison.by)
        print(f"\n「{args.target}」と「{args.with_word}」の両方がある項目の KWIC ({len(lines)} 件):")
        for row in lines.itertuples(index=False):
            print(f"{year_label(row.year)} | {getattr(row, comparison.by)} | "
                  f"{program_label(row.program_no, row.program, comparison)} | "
                  f"{comparison.label(row.aspect)} | {row.left}【{row.term}】{row.right}")
    print(f"{len(related)} 語 (表示 {len(top)} 語)", file=sys.stderr)
    return 0


NOTEBOOKS = ["1.0-cleaning.ipynb", "2.0-keywords.ipynb", "3.0-support-types.ipynb", "5.0-summary.ipynb"]
YEAR_NOTEBOOK = "4.0-year-over-year.ipynb"


def shown_path(path: Path) -> str:
    """A folder as the reader of a report knows it: relative to where the run was started when it lies
    there (data/processed), else as it was given on the command line."""
    resolved, here = Path(path).resolve(), Path.cwd().resolve()
    return resolved.relative_to(here).as_posix() if resolved.is_relative_to(here) else Path(path).as_posix()


def report_stages(analysis: Analysis, args: argparse.Namespace, reports: Path, data_dir: Path) -> None:
    """figures → Excel workbook → every notebook executed (reading ``data_dir``) and rendered to HTML,
    all into ``reports`` (a run's staging folder).

    With several years, the support-type figures and notebooks 1.0–3.0 are made once per year
    (names end in _YYYY), and the year-over-year figures and notebook 4.0 compare them.
    """
    # matplotlib, openpyxl and python-docx load only for the commands that draw or write reports (about a
    # second): validate, kwic and manifest start without them
    from .plots import draw_figures, figure_specs, year_figure_specs
    from .report import write_workbook
    from .wordreport import write_summary

    notebooks = Path(args.notebooks)
    missing = [n for n in [*NOTEBOOKS, YEAR_NOTEBOOK] if not (notebooks / n).exists()]
    if missing:
        raise InputError(notebooks, f"ノートブックがありません: {', '.join(missing)}",
                         hint="リポジトリの最上位で実行するか、--notebooks で notebooks/ の場所を指定してください。")
    per_year = page_years(analysis)

    def figures() -> None:
        specs = [spec for year in per_year for spec in figure_specs(
            for_year(analysis, year), "" if year is None else f"_{year}")]
        draw_figures(specs + year_figure_specs(analysis), reports / "figures", analysis.metadata, min(2, os.cpu_count() or 1))
    _stage("figures", figures)
    _stage("workbook", lambda: write_workbook(analysis, reports / "kyodo_tables.xlsx"))
    _stage("word", lambda: write_summary(analysis, reports / "figures", reports / "kyodo_summary.docx",
                                         shown_path(Path(args.out))))
    # Paths relative to the notebooks' folder, where the kernel runs: no absolute path ends up in a report.
    parameters = {"DATA_DIR": os.path.relpath(data_dir.resolve(), notebooks.resolve()),
                  "RAW_DIR": os.path.relpath(Path(args.raw_dir).resolve(), notebooks.resolve()), "YEAR": None,
                  "OUT_DIR": shown_path(Path(args.out)),  # the final folder, not the staging one
                  # the run's settings (None for `report`: the project's), so the notebooks read its tables
                  "SETTINGS": args.project.as_dict() if hasattr(args, "project") else None}
    jobs = [(notebooks / name, reports / name.replace(".ipynb", ".html" if year is None else f"_{year}.html"),
             {**parameters, "YEAR": year}) for year in per_year for name in NOTEBOOKS]
    comparable = year_cities(analysis["items"])  # years are compared within a city: one page per such city
    jobs += [(notebooks / YEAR_NOTEBOOK, reports / YEAR_NOTEBOOK.replace(".ipynb", f"_{city}.html" if len(comparable) > 1
                                                                         else ".html"), {**parameters, "CITY": city})
             for city in comparable or [None]]
    from .report import render_notebooks  # nbclient: only when notebooks run

    _stage("notebooks", lambda: render_notebooks(jobs, workers=min(2, os.cpu_count() or 1)))


def cmd_run(args: argparse.Namespace) -> int:
    output_folder(args.out, args.raw_dir)
    output_folder(args.reports, args.raw_dir)
    paths = raw_paths(args.raw_dir)
    key = args.project.inputs_sha256(paths)
    cleaned = _stage("clean", lambda: clean_all(paths, schema_path=args.project.schema))
    print_warnings(w for t in cleaned for w in t.warnings)
    # Tables and reports are one generation: published together, or not at all.
    with generations(args.out, args.reports, warn=print_warning) as (processed, reports):
        def analyze_and_write() -> Analysis:
            result = analyze_tables(cleaned, **args.project.analysis_options(), workers=available_cores())
            result.metadata[INPUTS] = key
            write_analysis(result, processed)
            return result
        result = _stage("analyze", analyze_and_write)
        print_warnings([*result.warnings[sum(len(t.warnings) for t in cleaned):], *formula_warning(result.tables)])
        report_stages(result, args, reports, processed)
    return 0


REMAKE = "kyodo-analysis analyze (か run) で処理済みの表を作り直してください。"


def processed_analysis(folder: Path) -> Analysis:
    """The processed tables of ``folder`` for ``report``, each checked against what ``metadata.json``
    records of it (its columns and number of rows): a damaged or hand-edited table is named, not met
    later as a traceback."""
    path = folder / "metadata.json"
    if not path.is_file():
        raise InputError(folder, "処理済みの表がありません。", hint="先に kyodo-analysis analyze か run を実行してください。")
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
        recorded = metadata["tables"]
        if not isinstance(recorded, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise InputError(path, "metadata.json を読めません (JSON でないか、表の記録がありません)。", hint=REMAKE) from None
    tables = {}
    for name in names():  # every registered table
        table = stored_file(folder, name)  # a token-level table from its Parquet file
        if not table.is_file():
            raise InputError(table, "処理済みの表がないか、ファイルではありません。", hint=REMAKE)
        try:
            frame = read_table_file(table, compared_by(metadata))
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
            raise InputError(table, f"処理済みの表を読めません ({type(error).__name__})。", hint=REMAKE) from None
        spec = recorded.get(name)
        if not isinstance(spec, dict) or spec.get("columns") != list(frame.columns) or spec.get("rows") != len(frame):
            raise InputError(table, "metadata.json の記録と列か行の数が違います (壊れたか、手で編集されています)。", hint=REMAKE)
        tables[name] = frame
    return Analysis(tables, metadata)


def cmd_report(args: argparse.Namespace) -> int:
    output_folder(args.reports, args.raw_dir)
    print_warnings(settle(args.out))  # a run killed while publishing the tables: one whole generation first
    analysis = processed_analysis(Path(args.out))
    with generation(args.reports, warn=print_warning) as reports:
        report_stages(analysis, args, reports, Path(args.out))
    return 0


def manifest_parser(sub) -> None:
    """``kyodo-analysis manifest add FILE …``."""
    p = sub.add_parser("manifest", help="生データのマニフェスト (data/raw/manifest.csv) を編集する")
    manifest_sub = p.add_subparsers(dest="manifest_command", required=True)
    p = manifest_sub.add_parser("add", help="表をマニフェストに追加・更新する (指定した項目だけ変え、SHA-256 は自動で記入)")
    p.add_argument("file", metavar="FILE", help="data/raw/ に置いた表のファイル")
    p.add_argument("--year", type=int, help="年度 (西暦)。省略時は登録済みの値、なければファイル名 (R7, 令和7年度, 2025 など)")
    p.add_argument("--city", help="市町村名 (省略時は登録済みの値か前の行と同じ)")
    p.add_argument("--title", help="表題 (省略時は登録済みの値か前の行と同じ)")
    p.add_argument("--source", help="入手元・書き出し方法などのメモ")
    p.add_argument("--sheet", help=".xlsx のシート名 (既定: 最初のシート)")
    p.add_argument("--schema", help="この表の列を定義する TOML ファイル"
                   " (manifest.csv の schema 列に記録し、analyze と run が使う)")
    p.set_defaults(func=cmd_manifest_add)


def table_args(p: argparse.ArgumentParser) -> None:
    """The options of the commands that read table files named on the command line."""
    p.add_argument("raw", nargs="+", metavar="RAW", help="生データの表 (タブ区切りテキスト)")
    p.add_argument("--year", type=int, help="年度 (西暦)。マニフェストやファイル名より優先")
    p.add_argument("--schema", help="表の列を定義する TOML ファイル (省略時は manifest.csv の schema 列か組み込みスキーマ)")
    p.add_argument("--sheet", help=".xlsx のシート名 (既定: 最初のシート)")


def analysis_args(p: argparse.ArgumentParser) -> None:
    """The options of the commands that analyse a raw folder (one set, read into one Settings)."""
    p.add_argument("--raw-dir", default="data/raw", help="生データのディレクトリ (既定: data/raw)")
    p.add_argument("--schema", help="表の列 (観点・属性・使わない列) を定義する TOML ファイル (全ての表に適用。"
                   "省略時は manifest.csv の schema 列、なければ逗子市の組み込みスキーマ)")
    p.add_argument("--by", help="比べるグループ: support_type (既定)、city、またはスキーマの [attributes] の名前")
    p.add_argument("--forced", help="強制抽出する語のリスト (既定: パッケージ同梱の forced_terms.txt)")
    p.add_argument("--stop", help="使用しない語のリスト (既定: パッケージ同梱の stop_words.txt)")
    p.add_argument("--synonyms", help="同義語・表記ゆれのリスト (既定: パッケージ同梱の synonyms.txt)")
    p.add_argument("--codes", help="KH Coder 形式のコーディングルール (既定: パッケージ同梱の codes.txt)")
    p.add_argument("--settings", default=SETTINGS_FILE,
                   help=f"プロジェクトの設定ファイル (既定: {SETTINGS_FILE}。あれば読み、コマンドラインの指定が優先)")


def report_args(p: argparse.ArgumentParser) -> None:
    """The options of the commands that write figures, the workbook, Word and HTML."""
    p.add_argument("--out", default="data/processed", help="処理済みデータのディレクトリ (既定: data/processed)")
    p.add_argument("--reports", default="reports", help="図・Excel・HTML の出力先 (既定: reports)")
    p.add_argument("--notebooks", default="notebooks", help="ノートブックのディレクトリ (既定: notebooks)")


def table_parsers(sub) -> None:
    """``clean`` and ``validate``: one table file at a time."""
    p = sub.add_parser("clean", help="生データを整然データ (items/programs/cleaning_log.csv) にする")
    table_args(p)
    p.add_argument("--out", required=True, help="出力ディレクトリ")
    p.set_defaults(func=cmd_clean)
    p = sub.add_parser("validate", help="何も書き出さずに表を検査し、要約を表示する")
    table_args(p)
    p.set_defaults(func=cmd_validate)


def lookup_parsers(sub) -> None:
    """``kwic`` and ``related``: a word traced back to its items."""
    p = sub.add_parser("kwic", help="語が出てくる文脈 (KWIC) を表示する")
    p.add_argument("term", metavar="TERM", help="抽出語 (例: 補助金、進む)")
    p.add_argument("--window", type=int, default=20, help="前後に表示する文字数 (既定: 20)")
    analysis_args(p)
    p.set_defaults(func=cmd_kwic)
    p = sub.add_parser("related", help="語かコードと同じ項目に出てくる語 (関連語検索)")
    p.add_argument("target", metavar="TARGET", help="語 (抽出語か複合語の中の語。例: 補助金) か、--code のときはコード名")
    p.add_argument("--code", action="store_true", help="TARGET をコーディングルールのコード名として扱う")
    p.add_argument("--top", type=int, default=15, help="年度ごとに表示する語の数 (既定: 15。同数の途中では切りません)")
    p.add_argument("--with", dest="with_word", metavar="WORD", help="この語と TARGET の両方がある項目の KWIC も表示する")
    p.add_argument("--window", type=int, default=20, help="KWIC の前後に表示する文字数 (既定: 20)")
    analysis_args(p)
    p.set_defaults(func=cmd_related)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kyodo-analysis",
                                     description="逗子市「協働の成果等」表の計量テキスト分析")
    sub = parser.add_subparsers(dest="command", required=True)
    table_parsers(sub)
    p = sub.add_parser("analyze", help="整然データ化と計量テキスト分析の表をすべて書き出す")
    analysis_args(p)
    p.add_argument("--out", default="data/processed", help="出力ディレクトリ (既定: data/processed)")
    p.set_defaults(func=cmd_analyze)
    manifest_parser(sub)
    lookup_parsers(sub)
    p = sub.add_parser("run", help="主処理: 整然データ化 → 分析 → 図 → Excel → ノートブックの HTML")
    analysis_args(p)
    report_args(p)
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("report", help="既存の処理済みの表から、図 → Excel → ノートブックの HTML だけを作る")
    p.add_argument("--raw-dir", default="data/raw", help="生データのディレクトリ (ノートブックに渡します)")
    report_args(p)
    p.set_defaults(func=cmd_report)
    return parser


def apply_settings(args: argparse.Namespace) -> None:
    """The one :class:`Settings` of an analysing command (``args.project``): the project settings file,
    then the options the command line gives; written back to ``args`` for the commands that read them."""
    path = getattr(args, "settings", None)
    if path is None:
        return
    args.project = Settings.read(path, required=path != SETTINGS_FILE,
                                 **{key: getattr(args, key, None) for key in KEYS if key != "years"})
    for key, value in args.project.analysis_options().items():
        setattr(args, key, value)
    args.schema = args.project.schema


def _interrupt(signum: int, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM ends a run the way Ctrl-C does: staging removed, workers stopped


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    if hasattr(signal, "SIGXFSZ"):  # over a file-size limit, a write fails (EFBIG, reported) instead of killing the run
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        apply_settings(args)
        return args.func(args)
    except Interrupted as exc:
        print("kyodo-analysis: 中断しました (" + ("この実行の出力への入れ替えは済んでいます" if exc.published
                                              else "前回の出力はそのまま残っています") + ")。", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("kyodo-analysis: 中断しました (前回の出力はそのまま残っています)。", file=sys.stderr)
        return 130
    except OSError as exc:  # one not met where it could be named more precisely
        print(f"kyodo-analysis: エラー: {os_error(getattr(exc, 'filename', None) or '', exc).format()}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"kyodo-analysis: エラー: {exc.format()}", file=sys.stderr)
        return 2
    except NotebookError as exc:
        print(f"kyodo-analysis: エラー: {exc}\n  対処: notebooks/ のノートブックを開いて、そのセルを確かめてください。",
              file=sys.stderr)
        return 1
