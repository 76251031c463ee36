"""The one error type users see: bad input, reported with file, line and what to do."""

from __future__ import annotations

import errno
import re
import stat
from pathlib import Path

CLOSE_IT = "Excel などで開いていれば閉じて、もう一度実行してください。"
# after a hint that asks for a corrected copy: the original is kept, outside the raw folder (a table there and not
# registered stops every run), as the README's 「生データの差し替え」 says
KEEP_ORIGINAL = "元のファイルは消さずに data/raw/ の外 (data/external/ など) に移してください。"


# control characters, and what no XML document (the workbook, the Word file) may hold: U+FFFE, U+FFFF, surrogates
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_CONTROL_IN_NAME = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def control_character(text: str, one_line: bool = False) -> re.Match | None:
    """The first control character of ``text``, the one rule for every field read: it breaks a workbook and
    hides in every report. Tab and line breaks are text in a cell or a file, not in a ``one_line`` name
    (a label, a city, a code name)."""
    return (_CONTROL_IN_NAME if one_line else _CONTROL_IN_TEXT).search(text)


def unusable(character: str) -> str:
    """「制御文字 U+000C」, or 「文書に書けない文字 U+FFFE」 for a noncharacter (Word refused one at the last stage)."""
    return f"{'制御文字' if ord(character) < 0x80 else '文書に書けない文字'} U+{ord(character):04X}"


def printable(text: str) -> str:
    """``text`` with every control character shown as ``?`` (to quote a refused value)."""
    return _CONTROL_IN_NAME.sub("?", text)


def one_line(text: str) -> str:
    """A value quoted in a message on one line: a line break in a cell shown as ⏎ (Excel's Alt+Enter)."""
    return text.replace("\r\n", "⏎").replace("\r", "⏎").replace("\n", "⏎")


class InputError(Exception):
    """A problem with an input file that the user must fix (exit status 2, no traceback)."""

    def __init__(self, path: str | Path | None, message: str, *, line: int | None = None,
                 hint: str | None = None) -> None:
        self.path = None if path is None else str(path)
        self.line = line
        self.message = message
        self.hint = hint
        super().__init__(self.format())

    def format(self) -> str:
        where = self.path or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"{self.line}行目"
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  対処: {self.hint}"
        return text


def os_error(path: str | Path, error: OSError, moved: dict[Path, Path] | None = None) -> InputError:
    """An operating-system error as a message naming the file (or, where the system names none, ``path``)
    and what to do. ``moved``: folders written under another name than the user's (a run's hidden staging
    folder → its output folder), a file in one named as in the other."""
    name = getattr(error, "filename", None) or path
    name = str(name).removesuffix(".tmp")  # a file written beside its target first: the target is what is named
    if Path(name).name.startswith(".kyodo-"):  # the run's own bookkeeping: the folder it keeps is what is named
        name = Path(name).parent
    for hidden, shown in (moved or {}).items():
        if Path(name).is_relative_to(hidden):
            name = shown / Path(name).relative_to(hidden)
    what = {errno.ENOSPC: ("ディスクの空きがありません。", "空きを作ってから、もう一度実行してください。"),
            errno.EDQUOT: ("ディスクの割り当てを超えました。", "空きを作ってから、もう一度実行してください。"),
            errno.EFBIG: ("ファイルの大きさの上限を超えました。", "ファイルの大きさの制限 (ulimit -f) を確かめてください。"),
            errno.ENAMETOOLONG: ("ファイル名が長すぎます。", "短い名前のフォルダを指定してください。"),
            errno.EROFS: ("読み取り専用のファイルシステムです。", "書き込めるフォルダを指定してください。"),
            errno.EACCES: ("書き込めません (アクセス権がありません)。",
                           "フォルダのアクセス権を確かめるか、別のフォルダを指定してください。"),
            errno.EPERM: ("書き込めません (変更が許されていません)。", CLOSE_IT + "開いていなければ、フォルダやファイルの"
                          "アクセス権と属性 (読み取り専用・変更禁止) を確かめてください。"),
            errno.EISDIR: ("ファイルがあるべき場所がフォルダです。", "そのフォルダを移すか、別の出力先を指定してください。"),
            errno.ENOTDIR: ("フォルダがあるべき場所がファイルです。", "そのファイルを移すか、別の出力先を指定してください。")}
    message, hint = what.get(error.errno, (f"ファイルを読み書きできません ({error.strerror or type(error).__name__})。",
                                           "パスとアクセス権を確かめてください。"))
    return InputError(name, message, hint=hint)


class NotebookError(RuntimeError):
    """A notebook failed while the report was being rendered (a bug to look at, not bad input)."""


def all_of(errors: list[InputError]) -> InputError:
    """One error for several of one file (a rules file, a word list): the first, naming the others' lines and
    messages after it (at most five)."""
    first, *rest = sorted(errors, key=lambda e: e.line or 0)
    if not rest:
        return first
    others = "; ".join(f"{e.line} 行目: {e.message}" for e in rest[:5]) + (" …" if len(rest) > 5 else "")
    return InputError(first.path, f"{first.message} (ほかに {len(rest)} か所: {others})", line=first.line, hint=first.hint)



SETTINGS_MAX_BYTES = 64 * 2**20  # a settings file, schema, word list or rules file: text a person wrote


def check_ordinary(path: Path, what: str, hint: str, limit: int = SETTINGS_MAX_BYTES, too_large: str | None = None) -> None:
    """Refuse a file that is no ordinary file of a sensible size before reading it (a raw table, a settings file,
    a word list): a named pipe would wait forever and /dev/zero fill the memory. ``what`` names the file in the
    message ("" for the file itself); ``too_large`` is the hint for a file over ``limit`` (else ``hint``). A missing
    file is left to the caller to name."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as error:
        raise os_error(path, error) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(path, f"{what + 'が' if what else ''}ふつうのファイルではありません (名前付きパイプ、デバイスなど)。",
                         hint=hint)
    if info.st_size > limit:
        raise InputError(path, f"{what or 'ファイル'}が大きすぎます ({info.st_size / 2**20:,.0f} MB。上限 {limit // 2**20} MB)。",
                         hint=too_large or hint)
