"""The command line: ``kyodo-analysis clean | validate | analyze | kwic | related | search | run``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from .commands import cmd_analyze, cmd_clean, cmd_kwic, cmd_manifest_add, cmd_related, cmd_search, cmd_validate
from .errors import InputError, NotebookError, os_error
from .manifest import YEAR_RANGE, year_from_name
from .pipeline import cmd_report, cmd_run
from .settings import KEYS, SETTINGS_FILE, Settings, project_file
from .signals import Interrupted


def fiscal_year(text: str) -> int:
    """``--year``: 2025, or as file names write it (R7, 令和7年度, 2025年度), the same reading
    (:func:`manifest.year_from_name`)."""
    try:
        return int(text)  # any integer: its range is checked where the year is used (manifest.check_year)
    except ValueError:
        year = year_from_name(text)
    if year is None or year not in YEAR_RANGE:  # R99 is 2117: said as typed, not as the year it would be
        raise argparse.ArgumentTypeError(f"年度として読めません: {text!r:.40} (2025、R7、令和7年度 のように書いてください)")
    return year


def word(text: str) -> str:
    """A word to look up (kwic, related): spaces around it removed and （否定） read as (否定), as the tables write
    it; an empty word is refused (it listed 20 arbitrary terms as 「この語を含む抽出語」)."""
    said = text.strip()
    if not said:
        raise argparse.ArgumentTypeError("語が空です。探す語を書いてください (例: 補助金、進む(否定))")
    return said.removesuffix("（否定）") + "(否定)" if said.endswith("（否定）") else said


class Once(argparse.Action):
    """An option given once: --year 2025 --year 2024 registered 2024, the last, without a word (a newcomer)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        if getattr(namespace, self.dest, None) is not None:
            parser.error(f"{option_string} が2回あります ({getattr(namespace, self.dest)} と {values})。1回だけ指定してください")
        setattr(namespace, self.dest, values)


def positive(text: str) -> int:
    """A count the user gives (``--window``, ``--top``): a whole number of at least 1."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"1 以上の整数を指定してください: {text!r:.40}")
    return number


def manifest_parser(sub) -> None:
    """``kyodo-analysis manifest add FILE …``."""
    p = sub.add_parser("manifest", help="生データのマニフェスト (data/raw/manifest.csv) を編集する")
    manifest_sub = p.add_subparsers(dest="manifest_command", required=True)
    p = manifest_sub.add_parser("add", help="表をマニフェストに追加・更新する (指定した項目だけ変え、SHA-256 は自動で記入)")
    p.add_argument("file", metavar="FILE", help="生データのフォルダ (data/raw/ など manifest.csv のある所) に置いた表")
    p.add_argument("--year", type=fiscal_year, action=Once,
                   help="年度 (2025, R7, 令和7年度)。省略時は登録済みの値、なければファイル名から")
    p.add_argument("--city", help="市町村名 (省略時は登録済みの値か前の行と同じ)")
    p.add_argument("--title", help="表題 (省略時は登録済みの値か前の行と同じ)")
    p.add_argument("--source", help="入手元・書き出し方法などのメモ")
    p.add_argument("--sheet", help=".xlsx のシート名 (既定: 最初のシート)"
                   " (manifest.csv の sheet 列に記録し、analyze と run が使う)")
    p.add_argument("--schema", help="この表の列を定義する TOML ファイル"
                   " (manifest.csv の schema 列に記録し、analyze と run が使う)")
    p.set_defaults(func=cmd_manifest_add)


def table_args(p: argparse.ArgumentParser) -> None:
    """The options of the commands that read table files named on the command line."""
    p.add_argument("raw", nargs="+", metavar="RAW", help="生データの表 (タブ区切りテキスト)")
    p.add_argument("--year", type=fiscal_year, action=Once, help="年度 (2025, R7, 令和7年度)。マニフェストやファイル名より優先")
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
    p.add_argument("--settings", help=f"プロジェクトの設定ファイル (既定: 今のフォルダか、--raw-dir の1つ上・2つ上のフォルダの "
                   f"{SETTINGS_FILE}。あれば読み、コマンドラインの指定が優先)")


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
    """``kwic``, ``related`` and ``search``: a word, a code or a condition traced back to its items."""
    p = sub.add_parser("kwic", help="語が出てくる文脈 (KWIC) を表示する")
    p.add_argument("term", metavar="TERM", type=word, help="抽出語 (例: 補助金、進む)")
    p.add_argument("--window", type=positive, default=20, help="前後に表示する文字数 (既定: 20)")
    p.add_argument("--compounds", action="store_true",
                   help="複合語の中に出てくるところも示す (補助金 → 補助金交付終了後; word_counts.csv が数える項目)")
    analysis_args(p)
    p.set_defaults(func=cmd_kwic)
    p = sub.add_parser("related", help="語かコードと同じ項目に出てくる語 (関連語検索)")
    p.add_argument("target", metavar="TARGET", type=word,
                   help="語 (抽出語か複合語の中の語。例: 補助金) か、--code のときはコード名")
    p.add_argument("--code", action="store_true", help="TARGET をコーディングルールのコード名として扱う")
    p.add_argument("--top", type=positive, default=15, help="年度ごとに表示する語の数 (既定: 15。同数の途中では切りません)")
    p.add_argument("--with", dest="with_word", metavar="WORD", type=word,
                   help="この語と TARGET の両方がある項目の KWIC も表示する")
    p.add_argument("--window", type=positive, default=20, help="KWIC の前後に表示する文字数 (既定: 20)")
    analysis_args(p)
    p.set_defaults(func=cmd_related)
    p = sub.add_parser("search", help="条件 (AND/OR/NOT) かコードに当たる項目を一覧する (文書検索)")
    p.add_argument("condition", metavar="CONDITION",
                   help='コーディングルールと同じ書き方の条件 (例: "団体 and (補助金 or 財源) and not 終了")、'
                   "--code のときはコード名")
    p.add_argument("--code", action="store_true", help="CONDITION をコーディングルール (--codes) のコード名として扱う")
    analysis_args(p)
    p.set_defaults(func=cmd_search)


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
    p.add_argument("--settings", help="分析 (run / analyze) に --settings で渡した設定ファイル (表がその設定で作られたかを"
                   f"確かめ、ノートブックに渡します。既定: {SETTINGS_FILE} を --raw-dir と同じように探します)")
    report_args(p)
    p.set_defaults(func=cmd_report)
    return parser


def apply_settings(args: argparse.Namespace) -> None:
    """The one :class:`Settings` of an analysing command (``args.project``): the project settings file,
    then the options the command line gives; written back to ``args`` for the commands that read them."""
    if not hasattr(args, "settings"):
        return
    path = args.settings or project_file(args.raw_dir)
    if args.settings is None and path is not None and path.parent != Path.cwd():
        print(f"設定: {path} を使います (--raw-dir のプロジェクトの設定ファイル)。", file=sys.stderr)
    args.project = Settings.read(path, required=args.settings is not None,
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
    except BrokenPipeError:  # `kyodo-analysis kwic 語 | head`: the reader stopped reading; nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's own flush at exit would fail again
        return 1
    except OSError as exc:  # one not met where it could be named more precisely
        print(f"kyodo-analysis: エラー: {os_error(getattr(exc, 'filename', None) or '', exc).format()}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"kyodo-analysis: エラー: {exc.format()}", file=sys.stderr)
        return 2
    except NotebookError as exc:
        print(f"kyodo-analysis: エラー: {exc}\n  対処: notebooks/ のノートブックを開いて、そのセルを確かめてください"
              " (この実行の表と図は公開していません。前回の出力はそのまま残っています)。", file=sys.stderr)
        return 1


if __name__ == "__main__":  # python -m kyodo_analysis.cli runs the same command as python -m kyodo_analysis
    sys.exit(main())
