"""A run owns its outputs, and only them: every output is written to a staging folder, then one
transaction replaces the previous run's outputs as a whole; files a researcher put in the folder are
never touched.

Each output folder keeps a record (``.kyodo-outputs.json``) of the files the last run published: plain names inside the folder,
with each file's SHA-256 (``report`` refuses a table edited since, and no run replaces an edited .docx or .xlsx).
Anything else in a record (``../x``, an absolute path, a link leaving the folder) is ignored with a warning, and a folder without
a valid record loses nothing: the new files are written beside the old ones, and the run names the earlier outputs it left.
A file bearing an output's name that no record lists is never replaced: the run stops, naming it.

Publishing is all or nothing across every folder of a run (``data/processed`` and ``reports``):

1. every target is checked (a folder where a file goes, a folder that cannot be written) before anything
   moves; a journal (``.kyodo-publish-<id>.json``) is written in each folder;
2. the previous outputs are moved aside into ``.previous-<id>/`` and the new ones moved in — renames only;
   any failure moves everything back, and the run stops naming the file;
3. the primary journal's state becomes ``committed`` in one atomic rename: **that rename is the switch**
   from one generation to the next;
4. the set-aside files are removed and the journals deleted.

A run killed at any moment (SIGKILL, power loss) leaves its journal; the next run on the folder finishes
the transaction from it — forward if it was committed, back otherwise — so one whole generation remains.
Ctrl-C and SIGTERM wait for the renames to finish, and the run then says which generation is in place.
A second run on the same folder is refused.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from .errors import CLOSE_IT, InputError, os_error
from .manifest import sha256
from .output_folders import check_folder, check_not_edited, check_targets
from .signals import Interrupted, signals_deferred

RECORD = ".kyodo-outputs.json"
LOCK = ".kyodo-run.lock"
JOURNAL_PREFIX = ".kyodo-publish-"
BACKUP_PREFIX = ".previous-"
STAGING_PREFIX = ".staging-"


def plain_name(folder: Path, name: object) -> bool:
    """True for a record entry that names a file inside ``folder``: relative, no ``..``, not leaving it
    through a link, and not one of the folder's own bookkeeping files."""
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        return False
    parts = PurePosixPath(name).parts
    if PurePosixPath(name).is_absolute() or any(p in ("", ".", "..") for p in parts) or parts[0].startswith(
            (RECORD, LOCK, JOURNAL_PREFIX, BACKUP_PREFIX, STAGING_PREFIX)):
        return False
    try:
        return (folder / name).resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError, ValueError):
        return False


def recorded_digests(folder: Path) -> dict[str, str]:
    """The SHA-256 of each file the last run published in ``folder``, as its record holds them ({} when it holds
    none: a record of an earlier version, or none at all), so that ``report`` can tell a hand-edited table."""
    try:
        digests = json.loads((folder / RECORD).read_text(encoding="utf-8")).get("sha256", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return digests if isinstance(digests, dict) else {}


def recorded(folder: Path) -> tuple[list[str] | None, list[str]]:
    """The files the last run published in ``folder`` (None when there is no valid record) and a warning
    for every record entry that is not a plain name inside the folder."""
    record = folder / RECORD
    if not record.is_file():
        return None, []
    try:
        names = json.loads(record.read_text(encoding="utf-8"))["files"]
        if not isinstance(names, list):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError):
        return None, [f"{record}: 出力の記録が壊れているため、前回の出力は消さずに残します。"]
    plain = [n for n in names if plain_name(folder, n)]
    bad = [repr(n)[:80] for n in names if not plain_name(folder, n)]
    warnings = [f"{record}: フォルダの中のファイル名でない記録を無視しました: {', '.join(bad[:5])}"] if bad else []
    return plain, warnings


def _write_json(path: Path, data: dict) -> None:
    """Write ``data`` to ``path`` in one atomic rename (flushed to disk first)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _files(staging: Path) -> list[str]:
    return sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file() or p.is_symlink())


class _Plan:
    """One folder's part of a publication: what moves aside, what moves in."""

    def __init__(self, staging: Path, folder: Path, txn: str, primary: Path) -> None:
        self.staging, self.folder, self.txn = staging, folder, txn
        self.journal = folder / f"{JOURNAL_PREFIX}{txn}.json"
        self.primary = primary
        self.backup = folder / f"{BACKUP_PREFIX}{txn}"
        self.new = _files(staging)
        old, self.warnings = recorded(folder)
        names = set(self.new)
        # a file of an output's name that no run recorded here is a researcher's, never replaced (check() stops)
        ours = set(old or [])
        self.foreign = sorted(n for n in self.new if ((folder / n).is_file() or (folder / n).is_symlink()) and n not in ours)
        if old is None:
            left = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                          and p.name not in names)
            if left:
                self.warnings.append(f"{folder}: 出力の記録 ({RECORD}) がないため、前からあるファイルは消さずに残しました: "
                                     f"{', '.join(left[:8])}{' など' if len(left) > 8 else ''} (不要なら手で消してください)")
            old = []
        # Files only: a folder now standing where an output was is not ours (check() refuses it as a target).
        self.moved = sorted(n for n in {*self.new, *old} if (folder / n).is_file() or (folder / n).is_symlink())
        self.removed = sorted(set(old) - names)

    def check(self) -> None:
        """Everything that can be known before the first rename: targets that are folders, parents that
        are files, a folder that cannot be written."""
        check_targets(self.folder, self.new)
        check_not_edited(self.folder, recorded_digests(self.folder))  # edited while the run worked, or by clean/analyze
        if self.foreign:
            shown = ", ".join(self.foreign[:5]) + (" など" if len(self.foreign) > 5 else "")
            raise InputError(self.folder / self.foreign[0], f"出力と同じ名前のファイルがありますが、前の実行が書いたもの"
                             f"ではありません (出力の記録 {RECORD} にありません): {shown}。上書きせずに止めました。",
                             hint="自分で置いたファイルなら別の名前にするか別のフォルダへ移してください。前の実行の出力で"
                             "不要なら消してください。それから、もう一度実行してください。")
        for folder in sorted({self.folder, *((self.folder / n).parent for n in self.new)}):  # reports/figures too
            if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
                raise InputError(folder, "出力先のフォルダに書き込めません。",
                                 hint="フォルダのアクセス権を確かめるか、--out / --reports に別のフォルダを指定してください。")

    def journal_data(self, state: str) -> dict:
        return {"txn": self.txn, "primary": self.primary.name, "primary_folder": str(self.primary.parent.resolve()),
                "state": state, "staging": self.staging.name, "backup": self.backup.name,
                "new": self.new, "moved": self.moved}

    def swap(self) -> None:
        """Move the previous outputs aside, then the new ones in (renames within the folder)."""
        for name in self.moved:
            (self.backup / name).parent.mkdir(parents=True, exist_ok=True)
            _move(self.folder / name, self.backup / name)
        for name in self.new:
            (self.folder / name).parent.mkdir(parents=True, exist_ok=True)
            _move(self.staging / name, self.folder / name)

    def finish(self) -> None:
        """After the commit: the set-aside files and the folders the run left empty go, then the journal."""
        shutil.rmtree(self.backup, ignore_errors=True)
        for name in self.removed:
            for parent in PurePosixPath(name).parents:
                if str(parent) != ".":
                    with contextlib.suppress(OSError):
                        (self.folder / parent).rmdir()


def _move(source: Path, target: Path) -> None:
    """A rename; an error names the output file it concerns, and says nothing was replaced."""
    try:
        os.replace(source, target)
    except OSError as error:
        name = source if BACKUP_PREFIX in target.parent.as_posix() or target.parent.name.startswith(BACKUP_PREFIX) \
            else target
        if error.errno in (errno.EPERM, errno.EACCES, errno.EBUSY, errno.ETXTBSY):
            raise InputError(name, "このファイルを置き換えられません (開かれているか、変更が禁じられています)。"
                             "前回の出力はどれもそのまま残しました。", hint=CLOSE_IT) from None
        problem = os_error(name, error)
        raise InputError(name, problem.message + "前回の出力はどれもそのまま残しました。", hint=problem.hint) from None


def roll_back(folder: Path, journal: dict) -> None:
    """Undo a publication that was not committed: the new files back out, the previous ones back in."""
    staging, backup = folder / journal["staging"], folder / journal["backup"]
    for name in journal["new"] if staging.is_dir() else []:  # without the staging folder, nothing is known placed
        placed = not (staging / name).exists() and not (staging / name).is_symlink()
        if placed and ((folder / name).exists() or (folder / name).is_symlink()):
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(folder / name, staging / name)
    for name in journal["moved"]:
        if (backup / name).exists() or (backup / name).is_symlink():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(backup / name, folder / name)
    shutil.rmtree(backup, ignore_errors=True)


def _state(folder: Path, journal: dict) -> str:
    """The state of a journal's transaction: the primary journal's. A secondary journal whose primary is
    gone was written before the primary (nothing moved yet) or outlived a failed run: rolled back."""
    primary = Path(journal["primary_folder"]) / journal["primary"]
    if primary.parent == folder.resolve():
        return journal["state"]
    try:
        return json.loads(primary.read_text(encoding="utf-8"))["state"]
    except (OSError, ValueError, KeyError):
        return "rolled_back"


def recover(folder: Path) -> list[str]:
    """Finish what a killed run left in ``folder`` (we hold its lock): a publication forward if it was
    committed, back otherwise; its staging folder removed. Returns what was done, for the user."""
    done = []
    for path in sorted(folder.glob(f"{JOURNAL_PREFIX}*.json")):
        try:
            journal = json.loads(path.read_text(encoding="utf-8"))
            state = _state(folder, journal)
        except (OSError, ValueError, KeyError) as error:
            done.append(f"{path}: 中断された実行の記録を読めません ({type(error).__name__})。手で確かめてください。")
            continue
        if state == "committed":
            shutil.rmtree(folder / journal["backup"], ignore_errors=True)
            done.append(f"{folder}: 前回中断された実行の出力 (入れ替え済み) の後片付けをしました。")
        else:
            if journal["primary"] == path.name and journal["state"] == "swapping":
                _write_json(path, {**journal, "state": "rolled_back"})
            roll_back(folder, journal)
            done.append(f"{folder}: 前回中断された実行の入れ替えを取り消し、その前の出力に戻しました。")
        path.unlink()
    for stale in [*folder.glob(f"{STAGING_PREFIX}*"), *folder.glob(f"{BACKUP_PREFIX}*")]:
        shutil.rmtree(stale, ignore_errors=True)  # left by a killed run: we hold the lock, so not in use
    for stale in [*folder.glob(f"{JOURNAL_PREFIX}*.json.tmp"), folder / f"{RECORD}.tmp"]:
        stale.unlink(missing_ok=True)
    return done


def publish_all(pairs: list[tuple[Path, Path]]) -> list[str]:
    """Publish every (staging, folder) pair as one transaction (see the module docstring); returns warnings.

    Raises InputError (nothing replaced) when a target cannot be replaced, and :class:`Interrupted` when a
    signal arrived during the renames (delivered once they are done)."""
    txn = uuid.uuid4().hex[:12]
    primary = pairs[0][1] / f"{JOURNAL_PREFIX}{txn}.json"
    plans = [_Plan(staging, folder, txn, primary) for staging, folder in pairs]
    committed = False
    try:
        for plan in plans:
            _write_json(plan.staging / RECORD, {"files": plan.new, "sha256": {n: sha256(plan.staging / n) for n in plan.new}})
            plan.new.append(RECORD)
            if (plan.folder / RECORD).exists():
                plan.moved = sorted({*plan.moved, RECORD})
            plan.check()
        with signals_deferred():
            try:
                for plan in reversed(plans):  # the primary journal last: a secondary without it is rolled back
                    _write_json(plan.journal, plan.journal_data("swapping"))
                for plan in plans:
                    plan.swap()
                _write_json(primary, plans[0].journal_data("committed"))  # the switch: failing, nothing was published
            except BaseException:
                for plan in plans:
                    roll_back(plan.folder, plan.journal_data("rolled_back"))
                    plan.journal.unlink(missing_ok=True)
                raise
            committed = True
            for plan in reversed(plans):
                plan.finish()
                plan.journal.unlink(missing_ok=True)
    except KeyboardInterrupt:
        raise Interrupted(committed) from None
    except OSError as error:
        raise os_error(pairs[0][1], error) from None
    return [w for plan in plans for w in plan.warnings]


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the folder's run lock, or refuse: another run is writing to it."""
    lock_path = folder / LOCK
    if lock_path.is_dir() or lock_path.is_symlink():
        raise InputError(lock_path, "ロックファイルがあるべき場所がフォルダかリンクです。",
                         hint="それを移すか消してから、もう一度実行してください。")
    with os.fdopen(os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(folder, "別の kyodo-analysis がこのフォルダに書き込んでいる最中です。",
                             hint="その実行が終わってから、もう一度実行してください。") from None
        yield


def settle(folder: str | Path) -> list[str]:
    """Finish what a killed run left in an output folder that is about to be read (``report`` reads the
    processed tables): forward or back, as :func:`recover` does. Returns what was done."""
    folder = Path(folder)
    if not folder.is_dir() or not any(folder.glob(f"{JOURNAL_PREFIX}*.json")):
        return []
    with _locked(folder):
        return recover(folder)


@contextlib.contextmanager
def generations(*folders: str | Path, warn=None) -> Iterator[list[Path]]:
    """Staging folders for one run's outputs of ``folders``: published together when the block ends
    without error (see :func:`publish_all`), discarded otherwise. ``warn`` receives what the user should
    know (earlier outputs left in place, a killed run's transaction finished)."""
    warn = warn or (lambda message: None)
    paths = [check_folder(f) for f in folders]
    made = _made_by_this_run(paths)
    try:
        with _generations(paths, warn) as stagings:
            yield stagings
    except BaseException:
        _unmake(made)  # a failed run leaves no folder or lock file of its own behind
        raise


def _made_by_this_run(paths: list[Path]) -> list[Path]:
    """What a run is about to create in order to write to ``paths``: the missing folders (deepest first)
    and the lock files not yet there."""
    made: list[Path] = []
    for folder in paths:
        made += [p for p in [folder / LOCK, folder, *folder.parents] if not p.exists() and not p.is_symlink()]
    return made


def _unmake(made: list[Path]) -> None:
    """Remove what this run made (lock files, then the folders it created, when left empty)."""
    for path in made:
        try:
            path.rmdir() if path.name != LOCK else path.unlink(missing_ok=True)
        except OSError:
            pass  # not empty (another run's files): kept


@contextlib.contextmanager
def _generations(paths: list[Path], warn) -> Iterator[list[Path]]:
    stagings: list[Path] = []
    with contextlib.ExitStack() as stack:
        try:
            for folder in paths:
                folder.mkdir(parents=True, exist_ok=True)
                stack.enter_context(_locked(folder))
            # removed on the way out, before the locks are let go; also those made before another could not be
            stack.callback(lambda: [shutil.rmtree(staging, ignore_errors=True) for staging in stagings])
            for folder in paths:
                for message in recover(folder):
                    warn(message)
                stagings.append(Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder)))
        except OSError as error:  # the folder named, not the hidden staging folder it could not make
            raise os_error(folder, OSError(error.errno, error.strerror)) from None
        try:
            yield stagings
            for message in publish_all(list(zip(stagings, paths, strict=True))):
                warn(message)
        except OSError as error:  # a write into a hidden staging folder: named as the output it was for
            raise os_error(", ".join(map(str, paths)), error, dict(zip(stagings, paths, strict=True))) from None


@contextlib.contextmanager
def generation(folder: str | Path, warn=None) -> Iterator[Path]:
    """:func:`generations` for one folder."""
    with generations(folder, warn=warn) as (staging,):
        yield staging
