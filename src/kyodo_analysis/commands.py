"""The commands that read tables and print or write what they find: ``clean``, ``validate``, ``manifest
add``, ``analyze``, ``kwic``, ``related`` and ``search``; and what every command shares (warnings, the raw and output
folders)."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from .analysis import clean_all, combined
from .cache import analyze_with
from .cleaning import Table
from .coding import code_items, read_rules, rule_words
from .errors import InputError, os_error
from .kwic import keyword_in_context
from .labels import group_text, number_header, own_header, pieces, year_label
from .manifest import (
    ManifestRows,
    add_to_manifest,
    check_checksums,
    check_year,
    entry_for,
    entry_warnings,
    read_manifest,
    resolve_city,
    resolve_year,
    schema_for_new_row,
    table_files,
    year_from_name,
)
from .outputs import check_folder, check_targets, generation
from .parallel import available_cores
from .related import not_listed, related_lines, related_words, shared_contexts, target_items, top_related
from .schema import Comparison
from .search import code_rule, condition_rule, found_items
from .sentences import program_label
from .spelling import counted_spelling, spellings
from .storage import stored_names, write_analysis
from .table_checks import comparison_of, own_comparison, unnumbered_files
from .tables import write_tables
from .terms import extract_terms, inside_compounds, terms_and_mentions
from .tokens import tokenize
from .wordlists import NEGATED, WordLists, word_lists
from .years import program_changes, program_report


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
    number = own_header(table.schema.columns, "program_no") if table.schema.columns.get("program_no") else None
    said = {(r.program_no, r.note.split(":")[0]) for r in table.log.itertuples() if r.category == "none_written"}
    empty = [(f"{number} {r.program_no}" if number else f"「{r.program}」") + f" {a.label}"
             + (" (「なし」などの記入)" if (r.program_no, a.key) in said else "")
             for r in programs.itertuples() for a in aspects
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
    for path in map(Path, args.raw if args.year is not None else []):  # --year over the manifest's: said (a newcomer)
        entry = entry_for(path)
        if entry is not None and entry.fiscal_year and entry.fiscal_year != args.year:
            print_warning(f"{path.name}: --year {args.year} は manifest.csv の {entry.fiscal_year} 年度と違います。この検査だけ "
                          f"{args.year} 年度として読みます (analyze と run は manifest.csv の年度で読みます)。")
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
    yearless, same_year = [], []
    rows = ManifestRows()
    for path in table_files(table.path.parent):
        if path.resolve() == table.path.resolve() or resolve_city(path, rows) != table.city:
            continue
        other = resolve_year(path, rows=rows)
        if other is None:
            yearless.append(path.name)
        elif other < year:
            earlier.setdefault(other, []).append(path)
        elif other == year:
            same_year.append(path.name)
    lines = [f"  同じ{year}年度の表がほかにもあります: {', '.join(same_year)} (同じ事業があれば analyze と run は止まります。"
             "同じ年度の表は1つだけ登録してください)"] if same_year and table.city else []
    if yearless:
        lines.append(f"  年度の分からない表があります: {', '.join(yearless)} (比べられません。"
                     f"kyodo-analysis manifest add {shlex.quote(str(table.path.parent / yearless[0]))} --year 西暦 "
                     "で年度を登録してください。"
                     "登録しないと analyze と run は止まります)")
    if not earlier and rows(table.path) is None and any(e.city for e in read_manifest(table.path.parent) or []):
        return [*lines, f"  前年度との比較: {table.path.name} は manifest.csv になく市町村が分からないため、比べていません"
                " (manifest add --city で登録してから validate してください)"]
    if not earlier:
        whose = f"{table.city}の" if table.city else "同じ市町村の"
        return [*lines, f"  前年度との比較: {whose}{year}年度より前の年度の分かる表が {table.path.parent} にありません"]
    try:
        previous = clean_all(sorted(p for paths in earlier.values() for p in paths), schema_path=schema)
    except InputError as exc:
        return [*lines, f"  前年度との比較: 前の年度の表を読めませんでした ({exc.message})"]
    last = max(earlier)
    read = [t for t in previous if t.year == last] + [table]
    frames = combined(read)
    lines.append(f"  {last}年度との比較 ({', '.join(p.name for p in earlier[last])}):")
    seen = set(pd.concat([t.programs for t in previous])["support_type"])
    new_types = [s for s in dict.fromkeys(table.programs["support_type"]) if s not in seen]
    group = own_header(table.schema.columns, "support_type")
    if new_types:
        lines.append(f"    これまでにない{group}: " + ", ".join(new_types))
    now = set(table.programs["support_type"])
    gone = [s for s in dict.fromkeys(pd.concat([t.programs for t in previous if t.year == last])["support_type"])
            if s not in now]
    if gone:
        lines.append(f"    この表にない{last}年度の{group}: " + ", ".join(gone))
    changes = program_changes(frames["programs.csv"], frames["items.csv"], unnumbered=unnumbered_files(read))
    found = program_report(changes, year, group, number_header(table.schema.columns))  # 表の順 1: the package's order
    lines += [f"    {line}" for line in found] or ["    事業の追加・削除・名称変更はありません"]
    return lines


def cmd_manifest_add(args: argparse.Namespace) -> int:
    path = Path(args.file)
    check_year(args.year, path)
    if not path.is_file():
        raise InputError(path, "ファイルがありません。", hint="先に表のファイルを data/raw/ に保存してください。")
    # A file that does not clean never enters the manifest; a new row is read with the last row's schema.
    old = entry_for(path)
    schema = args.schema or (None if old is not None else schema_for_new_row(path, args.city))
    table = clean_all([path], args.year if args.year is not None else year_from_name(path.stem), schema, args.sheet)[0]
    entry, replaced = add_to_manifest(path, args.year, args.city, args.title, args.source, args.schema, args.sheet)
    print(f"{path.parent / 'manifest.csv'}: {entry.file} を{'更新' if replaced else '追加'}しました "
          f"({entry.city}・{year_label(entry.fiscal_year or None)}, 事業 {len(table.programs)} 件, 項目 {len(table.items)} 件, "
          f"sha256 {entry.sha256[:12]}…)")
    before = old.extra.get("sheet", "") if old is not None else ""
    moved = [f"{entry.file} はシート「{before}」で登録されていました。シート「{args.sheet}」に変えたので、「{before}」の表は"
             "分析されません (1つのファイルに登録できるシートは1つです。両方を分析するなら、シートごとに別のファイルに保存して"
             "登録してください)。"] if before and args.sheet is not None and args.sheet != before else []
    print_warnings(moved + entry_warnings(path, entry))
    return 0


def raw_paths(raw_dir: str | Path) -> list[Path]:
    """The tables of a raw folder, each checked against the SHA-256 the manifest records for it."""
    paths = table_files(raw_dir)
    check_checksums(raw_dir)  # first: a table beside a manifest of no rows is named, with the command to add it
    if not paths:
        raise InputError(raw_dir, "表のファイルがありません。", hint="data/raw/ に表と manifest.csv を置いてください。")
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
    check_targets(output_folder(args.out, args.raw_dir), stored_names())  # before the work, as publishing would
    result = analyze_with(raw_paths(args.raw_dir), args.project, workers=available_cores())
    print_warnings([*result.warnings, *formula_warning(result.tables)])
    with generation(args.out, warn=print_warning) as staging:
        written = write_analysis(result, staging)
    print(f"項目 {len(result['items'])} 件, 語 {len(result['terms'])} 件 → {args.out}/ ({len(written)} ファイル)")
    return 0


def spelling_said(word: str, lists: WordLists) -> str:
    """The spelling ``word`` is counted by (:func:`spelling.counted_spelling`), said on stderr when it differs:
    `kwic 取組` shows 取り組み, which the tables count it as."""
    counted = counted_spelling(word, lists)
    if counted != word:
        print(f"「{word}」は「{counted}」として数えています (表記の表・同義語のリスト)。「{counted}」を示します。",
              file=sys.stderr)
    return counted


def cmd_kwic(args: argparse.Namespace) -> int:
    tables = clean_all(raw_paths(args.raw_dir), schema_path=args.schema)
    items, comparison = combined(tables)["items.csv"], comparison_of(tables, args.by)
    token_frame = tokenize(items)
    lists = word_lists(args.forced, args.stop, args.synonyms)
    term_frame, mention_frame = terms_and_mentions(token_frame, lists)
    term = spelling_said(args.term, lists)
    lines = keyword_in_context(term, items, token_frame, term_frame, window=args.window, by=comparison.by,
                               mention_frame=mention_frame if args.compounds else None)
    inside = inside_compounds(mention_frame)
    inside = inside[inside["word"] == term]
    if lines.empty:
        hint = read_as(term, lists) + containing_terms(term, term_frame)
        hint += " 複合語の中も示すには --compounds を付けてください。" if len(inside) else ""
        written = items["text"].str.contains(args.term, regex=False).any() or items["text"].str.contains(term, regex=False).any()
        print(f"「{term}」は抽出語にありません (terms.csv の term と同じ表記で指定してください)。{hint}" if written
              else f"「{args.term}」はどの項目の本文にも出てきません。{hint}", file=sys.stderr)
        return 1
    for line in item_lines(lines, tables, items, comparison, in_context):
        print(line)
    print(f"{len(lines)} 件", file=sys.stderr)
    if len(inside) and not args.compounds:
        print(f"ほかに {pieces(inside['term'].nunique())}の複合語の中に {len(inside)} 回 ({inside['item_id'].nunique()} 項目)"
              " 出てきます (word_counts.csv はそれも数えます)。--compounds を付けると合わせて示します。", file=sys.stderr)
    return 0


def item_lines(frame: pd.DataFrame, tables: list[Table], items: pd.DataFrame, comparison: Comparison,
               tail: Callable[[Any], str]) -> list[str]:
    """The printed lines of ``frame``'s items (kwic, related --with, search): :func:`item_line`, then ``tail``."""
    numbered, pooled = numbered_by_table(tables, items, comparison.by), "city" in frame.columns and comparison.by != "city"
    return [f"{item_line(row, comparison, numbered, pooled)} | {tail(row)}" for row in frame.itertuples(index=False)]


def in_context(row) -> str:
    """A KWIC row's text: the word in its brackets between its left and right context."""
    return f"{row.left}【{row.term}】{row.right}"


def item_line(row, comparison: Comparison, numbered: dict[str, Comparison], pooled_cities: bool) -> str:
    """The start of a printed item line (kwic, related --with, search): city, year, group (named by its column where
    its values are not words: 評価 B), program by its own table's number column, aspect."""
    city = f"{row.city} | " if pooled_cities else ""
    return (f"{city}{year_label(row.year)} | {group_text(comparison, getattr(row, comparison.by))} | "
            f"{program_label(row.program_no, row.program, numbered.get(row.item_id, comparison))} | "
            f"{comparison.label(row.aspect)}")


def cmd_search(args: argparse.Namespace) -> int:
    tables = clean_all(raw_paths(args.raw_dir), schema_path=args.schema)
    items, comparison = combined(tables)["items.csv"], comparison_of(tables, args.by)
    lists = word_lists(args.forced, args.stop, args.synonyms)
    rules, source = read_rules(args.codes, lists) if args.code else ([], None)
    rule = code_rule(args.condition, rules, source.source) if args.code else condition_rule(args.condition, lists)
    token_frame = tokenize(items)
    term_frame, mention_frame = terms_and_mentions(token_frame, lists)
    found = found_items(rule, items, term_frame, mention_frame, token_frame)
    for line in item_lines(found, tables, items, comparison, lambda row: row.text + (" [否定]" if row.negated else "")):
        print(line)
    print(search_summary(found, items, rule, set(mention_frame["word"]) | set(term_frame["term"])), file=sys.stderr)
    return 0 if len(found) else 1


def search_summary(found: pd.DataFrame, items: pd.DataFrame, rule, words: set[str]) -> str:
    """How many items and programs a search found, of how many in how many tables (a program of two years is
    counted once per table, and said so), and the condition's words no item has (a typo is not an absence)."""
    tables = items["source_file"].nunique()
    each = f"; {pieces(tables)}の表の事業を表ごとに数えて" if tables > 1 else ""
    absent = [w for w in dict.fromkeys(rule_words(rule.condition)) if w.removesuffix(NEGATED) not in words]
    return (f"{len(found)} 項目 ({len(found[['source_file', 'program_no']].drop_duplicates())} 事業{each}) / 全 "
            f"{len(items)} 項目。語は抽出語と複合語の中の語で探し、[否定] はその語がすべて否定の文脈にある項目です"
            " (コードと同じ数え方)。" + (f"どの項目にもない語: {'、'.join(absent)}。" if absent else ""))


def numbered_by_table(tables: list[Table], items: pd.DataFrame, by: str) -> dict[str, Comparison]:
    """Each item's own table's comparison, so that a KWIC line numbers its program as that table heads the column
    (No. 2 of one city beside 番号 1 of another)."""
    own = {t.path.name: own_comparison(t, by) for t in tables}
    return {item: own[file] for item, file in zip(items["item_id"].tolist(), items["source_file"].tolist(), strict=True)
            if file in own}


def read_as(word: str, lists: WordLists) -> str:
    """「 「進まない」は「進む(否定)」として数えます。」: the terms the rules make of the word itself, when they
    differ from it (a word written as in the text, not as the tables count it); "" otherwise."""
    if word in lists.stop or word.removesuffix(NEGATED) in lists.stop:
        return f" 「{word}」は使用しない語のリストにあるので、数えません。"
    found = extract_terms(tokenize(pd.DataFrame({"item_id": ["q"], "text": [word]})), lists)["term"].tolist()
    return f" 「{word}」は「{'」「'.join(found)}」として数えます。" if found and found != [word] else ""


def containing_terms(word: str, term_frame: pd.DataFrame) -> str:
    """「 この語を含む抽出語: 補助金, …」 for a word that is no term (a piece of one), or ""."""
    containing = sorted({t for t in term_frame["term"].tolist() if word in t})
    return f" この語を含む抽出語: {', '.join(containing[:20])}" if containing else ""


def cmd_related(args: argparse.Namespace) -> int:
    tables = clean_all(raw_paths(args.raw_dir), schema_path=args.schema)
    items, comparison = combined(tables)["items.csv"], comparison_of(tables, args.by)
    lists = word_lists(args.forced, args.stop, args.synonyms)
    token_frame = tokenize(items)
    words = spellings(token_frame)
    term_frame, mention_frame = terms_and_mentions(token_frame, lists, words)
    item_codes = code_items(read_rules(args.codes, lists)[0], items, term_frame, mention_frame) if args.code else None
    target = args.target if args.code else spelling_said(args.target, lists)
    related = related_words(target, items, term_frame, mention_frame, item_codes, code=args.code)
    if related.empty:
        absent = not args.code and not target_items(target, items, term_frame, mention_frame)
        print(f"「{target}」はどの項目の抽出語にも、複合語の中の語にもありません (数える語と同じ表記で指定してください)。"
              + read_as(target, lists) + containing_terms(target, term_frame) if absent else
              f"{'コード' if args.code else '語'}「{target}」と同じ項目に出てくる語はありません。", file=sys.stderr)
        return 1
    top, omitted = top_related(related, args.top)
    print("\n".join(related_lines(top, omitted)))
    if args.with_word:
        other = spelling_said(args.with_word, lists)
        word = other.removesuffix(NEGATED)  # the table lists 進む, its negated items counted in negated_both
        lines = shared_contexts(related, word, items, token_frame, term_frame, mention_frame, args.window, comparison.by)
        lines = lines[lines["matched"] == other] if other != word else lines
        print(f"\n「{target}」と「{other}」の両方がある項目の KWIC ({len(lines)} 件、{lines['item_id'].nunique()} 項目)"
              + (f"。{why}" if (why := not_listed(related, target, word, mention_frame)) else ":"))
        for line in item_lines(lines, tables, items, comparison, in_context):
            print(line)
    print(f"{len(related)} 語 (表示 {len(top)} 語)", file=sys.stderr)
    return 0
