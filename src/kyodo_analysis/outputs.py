"""A run owns its outputs: everything is written to a staging folder, then replaces the previous run's
outputs as a whole; files a researcher put in the folder are never touched.

Each output folder keeps a record (``.kyodo-outputs.json``) of the files the last run published. The
next run publishes its files and removes those of the record it did not write again. A run that fails
or is interrupted before publishing leaves the previous outputs as they were; Ctrl-C and SIGTERM wait
for the few renames of the publishing step to finish. A second run on the same folder is refused.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError

RECORD = ".kyodo-outputs.json"
LOCK = ".kyodo-run.lock"
# Outputs of versions that kept no record: recognised by name, so a first run still clears them.
_KNOWN = re.compile(r"""(?x)
    [a-z_]+\.csv | metadata\.json | kyodo_tables\.xlsx | kyodo_summary\.docx
    | \d\.\d-[a-z-]+(_\d{4})?\.html | figures/[a-z_]+(_\d{4})?\.(png|svg|pdf)""")


def recorded(folder: Path) -> list[str]:
    """The files the last run published in ``folder`` (relative paths), or, with no record, the files
    whose names only this package writes."""
    record = folder / RECORD
    if record.is_file():
        try:
            return list(json.loads(record.read_text(encoding="utf-8"))["files"])
        except (ValueError, KeyError, TypeError):
            pass  # a damaged record: fall back to the names
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and _KNOWN.fullmatch(str(p.relative_to(folder))))


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block is done (they are delivered right after it)."""
    blocked = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def publish(staging: Path, folder: Path) -> list[Path]:
    """Move every file of ``staging`` into ``folder`` and remove the previous run's files not written again."""
    new = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
    old = recorded(folder)
    with _signals_deferred():
        for name in new:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, folder / name)
        for name in sorted(set(old) - set(new)):
            (folder / name).unlink(missing_ok=True)
            if (folder / name).parent != folder:
                with contextlib.suppress(OSError):  # a folder of ours, if the run left it empty
                    (folder / name).parent.rmdir()
        record = folder / (RECORD + ".tmp")
        record.write_text(json.dumps({"files": new}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        os.replace(record, folder / RECORD)
    return [folder / name for name in new]


def check_folder(folder: str | Path) -> Path:
    """An output folder: a folder, or a path where one can be made (not an existing file)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(folder, "出力先がファイルです。", hint="--out / --reports にはフォルダを指定してください。")
    return folder


@contextlib.contextmanager
def generation(folder: str | Path) -> Iterator[Path]:
    """A staging folder for one run's outputs of ``folder``: published when the block ends without error,
    discarded otherwise. Refuses a second run on the same folder at the same time."""
    folder = check_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(folder, "別の kyodo-analysis がこのフォルダに書き込んでいる最中です。",
                             hint="その実行が終わってから、もう一度実行してください。") from None
        for stale in folder.glob(".staging-*"):  # left by a run that was killed: we hold the lock, so not in use
            shutil.rmtree(stale, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
        try:
            yield staging
            publish(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
