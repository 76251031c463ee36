"""The main job: ``run`` (clean → analyze → figures → Excel → Word → notebooks' HTML, published as one
generation) and ``report`` (the reports of processed tables already written)."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd

from .analysis import Analysis, Stopwatch, analyze_tables, clean_all
from .cache import INPUTS, is_current
from .commands import formula_warning, output_folder, print_warning, print_warnings, raw_paths
from .errors import InputError
from .labels import city_name
from .manifest import sha256, table_files
from .output_folders import check_not_edited
from .outputs import check_targets, generation, generations, recorded_digests, settle
from .parallel import available_cores
from .registry import ALL_PAGES, METADATA, YEARS, names
from .settings import Settings
from .slices import for_year, page_years
from .storage import compared_by, read_table_file, rounded, stored_file, stored_names, write_analysis
from .years import year_cities

T = TypeVar("T")


def _stage(name: str, action: Callable[[], T]) -> T:
    """Run one stage of the main job and print one progress line with its time."""
    timings: dict[str, float] = {}
    result = Stopwatch(timings)(name, action)
    print(f"[{name}] {timings[name]:.1f} 秒", flush=True)
    return result


NOTEBOOKS = [f"{page}.ipynb" for page in ALL_PAGES if page != YEARS]  # one page per year (the pages: registry.py)
YEAR_NOTEBOOK = f"{YEARS}.ipynb"  # one page per city whose years are compared
FIGURES, WORKBOOK, WORD_SUMMARY = "figures", "kyodo_tables.xlsx", "kyodo_summary.docx"  # in the reports folder


def check_apart(out: str | Path, reports: str | Path) -> None:
    """``--out`` and ``--reports`` are two folders (compared as resolved paths): a run publishes each whole,
    and one folder given twice read as another run holding it."""
    if Path(out).resolve() == Path(reports).resolve():
        raise InputError(reports, "--out と --reports が同じフォルダです。",
                         hint="処理済みの表 (--out, 既定 data/processed) と図・ページ (--reports, 既定 reports) は"
                         "別のフォルダにしてください。")


def check_reports_folder(reports: Path) -> None:
    """Before any work: the reports known in advance can be written where they go (no folder standing where
    the workbook, the Word summary or a page goes; no file where the figures' folder goes). Publishing
    checks every file again."""
    pages = [name.replace(".ipynb", ".html") for name in [*NOTEBOOKS, YEAR_NOTEBOOK]]
    check_targets(reports, [f"{FIGURES}/", WORKBOOK, WORD_SUMMARY, *pages])
    locks = {f"~${WORKBOOK}": WORKBOOK, f"~${WORD_SUMMARY[2:]}": WORD_SUMMARY,  # Excel's, Word's, LibreOffice's
             **{f".~lock.{name}#": name for name in (WORKBOOK, WORD_SUMMARY)}}
    held = [(lock, name) for lock, name in locks.items() if (reports / lock).exists()]
    if held:  # found now, not after the whole run, when the file open in Excel cannot be replaced
        lock, name = held[0]
        raise InputError(reports / name, f"このファイルは開かれているようです ({lock} があります)。"
                         "開いたままでは置き換えられません。",
                         hint=f"Excel か Word でこのファイルを閉じてから、もう一度実行してください。閉じているのに {lock} が"
                         "残っているとき (アプリが異常終了したときなど) は、そのファイルを消してください。")
    check_not_edited(reports, recorded_digests(reports))  # before any work, and again when publishing


def check_notebooks(notebooks: Path, raw_dir: Path) -> None:
    """Before any work: every page's notebook is where ``--notebooks`` says (a run started outside the
    repository stops here, not after cleaning and analysing, and is told when the raw folder is missing too)."""
    missing = [n for n in [*NOTEBOOKS, YEAR_NOTEBOOK] if not (notebooks / n).is_file()]
    if missing:
        also = (f" 生データのフォルダ {raw_dir} ({raw_dir.resolve()}) もありません: リポジトリの外で実行していませんか。"
                if not raw_dir.is_dir() else "")
        raise InputError(notebooks, f"ノートブックがありません ({notebooks.resolve()}): {', '.join(missing)}。{also}",
                         hint="リポジトリの最上位で実行するか、--notebooks で notebooks/ の場所 (と --raw-dir で生データの"
                         "フォルダ) を指定してください。")


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
    per_year = page_years(analysis)

    def figures() -> None:
        parts = [(for_year(analysis, year), "" if year is None else f"_{year}") for year in per_year]
        specs = [(*spec, part.metadata) for part, suffix in parts for spec in figure_specs(part, suffix)]  # own files
        draw_figures(specs + year_figure_specs(analysis), reports / FIGURES, analysis.metadata, min(2, os.cpu_count() or 1))
    _stage("figures", figures)
    _stage("workbook", lambda: write_workbook(analysis, reports / WORKBOOK))
    _stage("word", lambda: write_summary(analysis, reports / FIGURES, reports / WORD_SUMMARY,
                                         shown_path(Path(args.out))))
    # Paths relative to the notebooks' folder, where the kernel runs: no absolute path ends up in a report.
    parameters = {"DATA_DIR": os.path.relpath(data_dir.resolve(), notebooks.resolve()),
                  "RAW_DIR": os.path.relpath(Path(args.raw_dir).resolve(), notebooks.resolve()), "YEAR": None,
                  "OUT_DIR": shown_path(Path(args.out)),  # the final folder, not the staging one
                  # the run's settings (None for `report`: the project's), so the notebooks read its tables
                  "SETTINGS": args.project.as_dict() if hasattr(args, "project") else None}
    jobs = notebook_jobs(analysis, notebooks, reports, parameters)
    from .report import render_notebooks  # nbclient: only when notebooks run

    _stage("notebooks", lambda: render_notebooks(jobs, workers=min(2, os.cpu_count() or 1)))


def notebook_jobs(analysis: Analysis, notebooks: Path, reports: Path, parameters: dict) -> list[tuple[Path, Path, dict]]:
    """(notebook, page, parameters) of every page: notebooks 1.0–3.0 and 5.0 once per year (or once), and the
    year notebook once per city whose years are compared."""
    jobs = [(notebooks / name, reports / name.replace(".ipynb", ".html" if year is None else f"_{year}.html"),
             {**parameters, "YEAR": year}) for year in page_years(analysis) for name in NOTEBOOKS]
    comparable = year_cities(analysis["items"])  # years are compared within a city: one page per such city
    return jobs + [(notebooks / YEAR_NOTEBOOK, reports / YEAR_NOTEBOOK.replace(
                        ".ipynb", f"_{city_name(city)}.html" if len(comparable) > 1 else ".html"),
                    {**parameters, "YEAR": None, "CITY": city_parameter(city, len(comparable))})
                   for city in comparable or [None]]


def city_parameter(city, comparable: int) -> str | None:
    """The notebooks' ``CITY`` for a city's year page, a Python literal: None for the only city (the tables of a
    folder without a manifest have none), "" for the tables of no city beside others (:func:`slices.for_city`)."""
    if comparable < 2 or city is None:
        return None
    return "" if pd.isna(city) else city


def cmd_run(args: argparse.Namespace) -> int:
    check_apart(args.out, args.reports)
    check_targets(output_folder(args.out, args.raw_dir), stored_names())  # before the work, as publishing would
    check_reports_folder(output_folder(args.reports, args.raw_dir))
    check_notebooks(Path(args.notebooks), Path(args.raw_dir))
    paths = raw_paths(args.raw_dir)
    key = args.project.inputs_sha256(paths)
    cleaned = _stage("clean", lambda: clean_all(paths, schema_path=args.project.schema))
    print_warnings(w for t in cleaned for w in t.warnings)
    # Tables and reports are one generation: published together, or not at all.
    with generations(args.out, args.reports, warn=print_warning) as (processed, reports):
        def analyze_and_write() -> Analysis:
            result = analyze_tables(cleaned, **args.project.analysis_options(), workers=available_cores())
            result.metadata[INPUTS] = key
            result = rounded(result)  # reported as written, as report would read it back
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
    tables, digests = {}, recorded_digests(folder)
    for name in names():  # every registered table
        table = stored_file(folder, name)  # a token-level table from its Parquet file
        if not table.is_file():
            raise InputError(table, "処理済みの表がないか、ファイルではありません。", hint=REMAKE)
        try:
            frame = read_table_file(table, compared_by(metadata))
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
            raise InputError(table, f"処理済みの表を読めません ({type(error).__name__})。", hint=REMAKE) from None
        spec = recorded.get(table.name)  # the file read: tokens.parquet where tokens.csv was too long for Excel
        if not isinstance(spec, dict) or spec.get("columns") != list(frame.columns) or spec.get("rows") != len(frame):
            raise InputError(table, "metadata.json の記録と列か行の数が違います (壊れたか、手で編集されています)。", hint=REMAKE)
        if table.name in digests and digests[table.name] != sha256(table):  # an edited cell keeps rows and columns
            raise InputError(table, "処理済みの表が、分析の後に書き換えられています (出力の記録の SHA-256 と違います)。"
                             "report は処理済みの表をそのまま使うため、図・Excel・Word が表と食い違います。", hint=REMAKE)
        tables[name] = frame
    return Analysis(tables, metadata)


def check_current(out: Path, raw_dir: Path, settings: Settings) -> None:
    """Refuse to report tables made from other inputs than the raw folder and the project's settings hold
    now (an edited rule or list, a new table): the notebooks would analyse again in memory and the Word
    summary and the workbook would show the old tables — two versions of one summary."""
    if not is_current(out, settings.inputs_sha256(table_files(raw_dir))):
        raise InputError(out / METADATA, "処理済みの表は、今の生データ・語リスト・コーディングルール・設定とは"
                         "別の入力から作られています (分析の後に何かが変わりました)。report は処理済みの表を"
                         "そのまま使うため、図・Word とノートブックの数が食い違います。",
                         hint=other_raw_folder(out, raw_dir)
                         + "kyodo-analysis run で分析からやり直してください (analyze の後に report でも同じです)。"
                              "analyze に --codes などを付けたときは、同じものを run に付けるか設定ファイルに書き、"
                              "analyze に --settings を付けたときは report にも同じ --settings を付けてください。")


def other_raw_folder(out: Path, raw_dir: Path) -> str:
    """When the processed tables were made from other files than ``raw_dir`` holds (analysed with --raw-dir,
    reported without it): which, and that report takes the same --raw-dir; else ""."""
    made = sorted(f["file"] for f in json.loads((out / METADATA).read_text(encoding="utf-8")).get("raw_files", []))
    present = sorted(p.name for p in table_files(raw_dir))
    if made == present:
        return ""
    here = f"{raw_dir} にある表は {', '.join(present)} です" if present else f"{raw_dir} には表がありません"
    return (f"処理済みの表は {', '.join(made)} から作られましたが、{here}。"
            "別の生データのフォルダで分析したなら、report にも同じ --raw-dir を付けてください。そうでなければ、")


def cmd_report(args: argparse.Namespace) -> int:
    check_apart(args.out, args.reports)
    check_reports_folder(output_folder(args.reports, args.raw_dir))
    check_notebooks(Path(args.notebooks), Path(args.raw_dir))
    print_warnings(settle(args.out))  # a run killed while publishing the tables: one whole generation first
    analysis = processed_analysis(Path(args.out))
    check_current(Path(args.out), Path(args.raw_dir), args.project)
    with generation(args.reports, warn=print_warning) as reports:
        report_stages(analysis, args, reports, Path(args.out))
    return 0
