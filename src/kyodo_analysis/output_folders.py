"""What must hold of an output folder before a run writes to it (:mod:`outputs` publishes): a folder, with no
folder where a file goes nor a file where a folder goes, and no Office file a researcher edited since the last
run wrote it (the README lets them edit the Word summary and the workbook)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from .errors import InputError, os_error
from .manifest import sha256

EDITABLE = (".docx", ".xlsx")  # what a researcher opens in Word or Excel and may save again


def check_folder(folder: str | Path) -> Path:
    """An output folder: a folder, or a path where one can be made (not an existing file, nor under one)."""
    folder = Path(folder)
    try:
        for path in [folder, *folder.parents]:
            if path.exists() and not path.is_dir():
                raise InputError(folder, f"出力先 ({path}) がファイルです。" if path != folder else "出力先がファイルです。",
                                 hint="--out / --reports にはフォルダを指定してください。")
    except OSError as error:
        raise os_error(folder, error) from None
    return folder


def check_targets(folder: Path, names: Iterable[str]) -> None:
    """Refuse the outputs ``names`` (paths relative to ``folder``; a folder's ends in ``/``) where a folder
    stands in place of a file or a file in place of a folder — at publishing, and before a run begins, for
    the names known then."""
    for name in names:
        target = folder / name
        for parent in [*list(PurePosixPath(name).parents)[:-1], *([name.rstrip("/")] if name.endswith("/") else [])]:
            if (folder / parent).exists() and not (folder / parent).is_dir():
                raise InputError(folder / parent, "フォルダがあるべき場所がファイルです。",
                                 hint="そのファイルを移すか消してから、もう一度実行してください。")
        if not name.endswith("/") and target.is_dir() and not target.is_symlink():
            raise InputError(target, "出力のファイルを書く場所がフォルダです。",
                             hint="そのフォルダを移すか消してから、もう一度実行してください。")


def check_not_edited(folder: Path, digests: dict[str, str]) -> None:
    """Refuse to replace an Office file of ``folder`` whose bytes differ from the SHA-256 the last run recorded
    (``digests``): a run replaced an edited Word summary without a word, at the start of a run or during it, and
    ``clean`` / ``analyze`` into the reports folder removed it (hostile testers)."""
    for name, digest in sorted(digests.items()):
        path = folder / str(name)
        if (str(name).endswith(EDITABLE) and "/" not in str(name) and path.is_file() and not path.is_symlink()
                and sha256(path) != digest):
            raise InputError(path, "前回の実行の後に変更されています。このまま実行すると、変更した内容が新しい出力で"
                             "置き換えられます。", hint="変更を残すなら別の名前で保存するか別のフォルダへ移し、捨てるなら"
                             "このファイルを消してから、もう一度実行してください。")
