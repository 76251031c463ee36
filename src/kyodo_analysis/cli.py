"""The command line: ``kyodo-analysis clean | validate | run``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from .cleaning import Table, clean_table
from .errors import InputError
from .manifest import resolve_year, table_files
from .schema import ASPECTS, load_schema
from .tables import write_tables

ASPECT_JA = {"effect": "効果", "limitation": "限界", "next_step": "今後"}


def clean_all(paths: Sequence[str | Path], year: int | None = None, schema_path: str | None = None) -> list[Table]:
    """Clean every table before anything is written, so that one bad file stops the whole run."""
    schema = load_schema(schema_path)
    return [clean_table(Path(p), year=resolve_year(Path(p), year), schema=schema) for p in paths]


def combined(tables: Sequence[Table]) -> dict[str, pd.DataFrame]:
    """The three tidy tables of all cleaned files, in file order."""
    def concat(attr: str) -> pd.DataFrame:
        return pd.concat([getattr(t, attr) for t in tables], ignore_index=True)
    return {"items.csv": concat("items"), "programs.csv": concat("programs"), "cleaning_log.csv": concat("log")}


def summary_lines(table: Table) -> list[str]:
    """What a table holds, for a person deciding whether to trust it."""
    programs, items = table.programs, table.items
    year = programs["year"].dropna()
    lines = [f"{table.path}: 文字コード {table.encoding}, 年度 {int(year.iloc[0]) if len(year) else '不明'}, "
             f"事業 {len(programs)} 件, 項目 {len(items)} 件"]
    per_type = programs.groupby("support_type", sort=False).size()
    lines.append("  区分ごとの事業数: " + ", ".join(f"{k} {v}" for k, v in per_type.items()))
    counts = items.groupby(["support_type", "aspect"], sort=False).size()
    for support in per_type.index:
        cells = ", ".join(f"{ASPECT_JA[a]} {counts.get((support, a), 0)}" for a in ASPECTS)
        lines.append(f"  {support} の項目数: {cells}")
    lines.append("  観点ごとの項目数: " + ", ".join(
        f"{ASPECT_JA[a]}({a}) {int((items['aspect'] == a).sum())}" for a in ASPECTS))
    empty = [f"NO {r.program_no} {ASPECT_JA[a]}" for r in programs.itertuples() for a in ASPECTS
             if getattr(r, f"n_{a}") == 0]
    if empty:
        lines.append("  空のセル: " + ", ".join(empty))
    if table.synonyms:
        lines.append("  別名で読んだ見出し: " + ", ".join(table.synonyms))
    lines += [f"  警告: {w}" for w in table.warnings]
    return lines


def cmd_clean(args: argparse.Namespace) -> int:
    tables = clean_all(args.raw, args.year, args.schema)
    for table in tables:
        for warning in table.warnings:
            print(f"警告: {warning}", file=sys.stderr)
    written = write_tables(args.out, combined(tables))
    n_items = sum(len(t.items) for t in tables)
    print(f"{len(tables)} 表, 項目 {n_items} 件 → " + ", ".join(str(p) for p in written))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    for table in clean_all(args.raw, args.year, args.schema):
        print("\n".join(summary_lines(table)))
    return 0


def _stage(name: str, action: Callable[[], object]) -> None:
    start = time.perf_counter()
    action()
    print(f"[{name}] {time.perf_counter() - start:.1f} 秒", flush=True)


def cmd_run(args: argparse.Namespace) -> int:
    paths = table_files(args.raw_dir)
    if not paths:
        raise InputError(args.raw_dir, "表のファイルがありません。", hint="data/raw/ に表と manifest.csv を置いてください。")
    _stage("clean", lambda: write_tables(args.out, combined(clean_all(paths))))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kyodo-analysis",
                                     description="逗子市「協働の成果等」表の計量テキスト分析")
    sub = parser.add_subparsers(dest="command", required=True)

    def table_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("raw", nargs="+", metavar="RAW", help="生データの表 (タブ区切りテキスト)")
        p.add_argument("--year", type=int, help="年度 (西暦)。マニフェストやファイル名より優先")
        p.add_argument("--schema", help="見出しの別名を定義する TOML ファイル")

    p = sub.add_parser("clean", help="生データを整然データ (items/programs/cleaning_log.csv) にする")
    table_args(p)
    p.add_argument("--out", required=True, help="出力ディレクトリ")
    p.set_defaults(func=cmd_clean)

    p = sub.add_parser("validate", help="何も書き出さずに表を検査し、要約を表示する")
    table_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("run", help="主処理: data/raw/ の全表を処理する")
    p.add_argument("--raw-dir", default="data/raw", help="生データのディレクトリ (既定: data/raw)")
    p.add_argument("--out", default="data/processed", help="処理済みデータの出力先 (既定: data/processed)")
    p.set_defaults(func=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"kyodo-analysis: エラー: {exc.format()}", file=sys.stderr)
        return 2
