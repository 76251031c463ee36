from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = ROOT / "data" / "raw"
RAW = RAW_DIR / "kyodo_seika_zushi.tsv"


@pytest.fixture(scope="session")
def raw_text() -> str:
    return RAW.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def bundled():
    from kyodo_analysis.cleaning import clean_table

    return clean_table(RAW)


@pytest.fixture(scope="session")
def corpus(bundled):
    """The bundled table's items, tokens and terms (default word lists)."""
    from kyodo_analysis.terms import extract_terms
    from kyodo_analysis.tokens import tokenize

    token_frame = tokenize(bundled.items)
    return bundled.items, token_frame, extract_terms(token_frame)


@pytest.fixture(scope="session")
def bundled_analysis(tmp_path_factory):
    """The whole analysis of the bundled table (a copy of it, year unknown), in memory."""
    from kyodo_analysis.analysis import analyze

    return analyze([bundled_raw_dir(tmp_path_factory.mktemp("bundled")) / RAW.name])


BUNDLED_ROW = ["kyodo_seika_zushi.tsv", "逗子市", "これまでの取り組みに係る協働の成果等", "",
               "同梱の表 (テスト用の複製; 年度不明のまま)"]


def bundled_raw_dir(folder: Path) -> Path:
    """A raw folder holding only the bundled table, with a manifest row of its own (year unknown, as
    shipped): tests never depend on what a researcher adds to data/raw/ or on the year set there."""
    import csv
    import hashlib

    folder.mkdir(parents=True, exist_ok=True)
    (folder / RAW.name).write_bytes(RAW.read_bytes())
    with (folder / "manifest.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([
            ["file", "city", "title", "fiscal_year", "source", "sha256"],
            [*BUNDLED_ROW, hashlib.sha256(RAW.read_bytes()).hexdigest()]])
    return folder


@pytest.fixture
def raw_dir(tmp_path) -> Path:
    return bundled_raw_dir(tmp_path / "raw")


FIXTURES = ROOT / "tests" / "fixtures"
NEW_YEAR_CSV = FIXTURES / "kyodo_seika_zushi_R7_renumbered.csv"
NEW_NAME = "令和7年度_協働の成果.csv"
ATTACK = "<script>alert(1)</script>"


def cli(*argv: str) -> tuple[int, str, str]:
    """A command's status, standard output and standard error."""
    import contextlib
    import io

    from kyodo_analysis.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(argv))
        except SystemExit as exit:  # argparse refuses an option's value: status 2 and its message
            status = exit.code
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def ctrl_c_raises():
    """Ctrl-C as a terminal's command line meets it: Python's default handler (KeyboardInterrupt). A shell
    without job control starts a background command with SIGINT ignored (`(make test &)`), and pytest and its
    workers inherit that: the tests that send themselves Ctrl-C then saw nothing. They state what they assume
    instead, and warn when it was otherwise."""
    import signal
    import warnings

    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    if before is not signal.default_int_handler:
        warnings.warn(f"SIGINT の扱いが Python の既定ではありませんでした (テストの間は既定にします): {before!r}", stacklevel=1)
    yield before
    signal.signal(signal.SIGINT, before)


NEEDS_TWO_YEAR = pytest.StashKey[bool]()


def pytest_collection_modifyitems(config, items):
    """Note whether any collected test reads the shared two-year run (so that it is started early)."""
    config.stash[NEEDS_TWO_YEAR] = any("two_year_run" in getattr(item, "fixturenames", ()) for item in items)


def _two_year_files(tmp_path_factory) -> tuple[Path, Path, Path]:
    """(folder of the run, its outcome file, the lock) in the session's folder shared by every xdist worker."""
    shared = tmp_path_factory.getbasetemp().parent if os.environ.get("PYTEST_XDIST_WORKER") else tmp_path_factory.getbasetemp()
    return shared / "two_year_run", shared / "two_year_run.json", shared / "two_year_run.lock"


@pytest.fixture(scope="session", autouse=True)
def _started_away_from_the_project(tmp_path_factory):
    """The session runs in a folder of its own, not in the repository: a command finds the project's
    kyodo-analysis.toml — which a researcher edits (a stop list, coding rules) — in the folder it starts in,
    and no test may depend on what a researcher wrote there. The folder holds the repository's notebooks
    (the commands' default ``--notebooks``)."""
    here = Path.cwd()
    away = tmp_path_factory.mktemp("away")
    (away / "notebooks").symlink_to(ROOT / "notebooks", target_is_directory=True)
    os.chdir(away)
    yield away
    os.chdir(here)


@pytest.fixture(scope="session", autouse=True)
def _two_year_run_started(request, tmp_path_factory):
    """The shared two-year run is started in the background as the session starts, when a collected test
    reads it: the workers compute other tests meanwhile instead of waiting for it (it takes about two
    minutes, notebooks included). The first worker starts it; :func:`two_year_run` waits for it."""
    import fcntl
    import subprocess
    import sys

    if not request.config.stash.get(NEEDS_TWO_YEAR, False):
        return
    base, outcome, lock_path = _two_year_files(tmp_path_factory)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started = outcome.with_suffix(".started")
        if outcome.exists() or started.exists():
            return
        process = subprocess.Popen([sys.executable, "-c", "import sys; from tests.conftest import write_two_year_outcome; "
                                    "write_two_year_outcome(*map(__import__('pathlib').Path, sys.argv[1:]))",
                                    str(base), str(outcome)], cwd=ROOT, stdout=subprocess.DEVNULL)
        started.write_text(str(process.pid), encoding="utf-8")


def write_two_year_outcome(base: Path, outcome: Path) -> None:
    """Make the two-year run and record its steps and result in ``outcome`` (written last, whole)."""
    import json

    steps, result = _two_year_steps(base)
    staged = outcome.with_suffix(".tmp")
    staged.write_text(json.dumps({"steps": steps, "result": [result.returncode, result.stdout, result.stderr]},
                                 ensure_ascii=False), encoding="utf-8")
    staged.replace(outcome)


@pytest.fixture(scope="session")
def two_year_run(tmp_path_factory, _two_year_run_started):
    """The README's new-year steps, once for every test that needs a whole run: a copy of data/raw/ (the
    bundled table, no year) plus the made-up second year as Excel's CP932 CSV — with a script tag written
    as text into one item — then `manifest add`, `validate`, a refused `analyze`, the year set, `run`.

    The run is made once per session, started in the background when the session starts
    (:func:`_two_year_run_started`); with several pytest-xdist workers the others read it (their
    session's shared temporary folder). If that background run died, it is made here."""
    import fcntl
    import json
    import time
    from types import SimpleNamespace

    base, outcome, lock_path = _two_year_files(tmp_path_factory)
    started = outcome.with_suffix(".started")
    while not outcome.exists() and started.exists() and _alive(int(started.read_text(encoding="utf-8") or 0)):
        time.sleep(0.5)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not outcome.exists():
            shutil.rmtree(base, ignore_errors=True)  # what a background run that died left
            write_two_year_outcome(base, outcome)
    recorded = json.loads(outcome.read_text(encoding="utf-8"))
    steps = {name: tuple(step) for name, step in recorded["steps"].items()}
    returncode, stdout, stderr = recorded["result"]
    assert returncode == 0, stderr
    return base, steps, SimpleNamespace(returncode=returncode, stdout=stdout, stderr=stderr)


def _alive(pid: int) -> bool:
    """Whether the background run ``pid`` is still running (reaped by the worker that started it, or not)."""
    if not pid:
        return False
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        return finished == 0
    except ChildProcessError:  # another worker's child: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        status = Path(f"/proc/{pid}/stat")
        return not (status.exists() and status.read_text().split(")")[-1].split()[0] == "Z")


def _two_year_steps(base: Path):
    import subprocess
    import sys

    raw = bundled_raw_dir(base / "raw")
    text = NEW_YEAR_CSV.read_bytes().decode("cp932").replace(
        "・補助金を活用し", "・&lt;script&gt;alert(1)&lt;/script&gt;補助金を活用し", 1)
    (raw / NEW_NAME).write_bytes(text.encode("cp932"))
    steps = {"add": cli("manifest", "add", str(raw / NEW_NAME), "--source", "テスト用の架空データ"),
             "validate": cli("validate", str(raw / NEW_NAME)),
             "run_yearless": cli("analyze", "--raw-dir", str(raw), "--out", str(base / "refused")),
             "set_year": cli("manifest", "add", str(raw / RAW.name), "--year", "2024")}
    result = subprocess.run([sys.executable, "-m", "kyodo_analysis", "run", "--raw-dir", str(raw), "--out",
                             str(base / "processed"), "--reports", str(base / "reports"), "--notebooks",
                             str(ROOT / "notebooks")], capture_output=True, text=True, cwd=base)
    return steps, result


def overlapping_tick_labels(fig) -> list[tuple[str, str]]:
    """Pairs of tick labels of one axis (x or y) whose drawn boxes overlap."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from kyodo_analysis.plots import style

    canvas = FigureCanvasAgg(fig)
    with style():
        canvas.draw()
    renderer = canvas.get_renderer()
    pairs = []
    for ax in fig.axes:
        for labels in ([t for t in ax.get_xticklabels() if t.get_text()], [t for t in ax.get_yticklabels() if t.get_text()]):
            boxes = [t.get_window_extent(renderer) for t in labels]
            pairs += [(labels[i].get_text(), labels[j].get_text()) for i in range(len(boxes))
                      for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]
    return pairs
