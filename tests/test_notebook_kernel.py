"""A notebook's kernel: what it prints to its own stderr is not the run's output; when it dies, the
researcher is told which notebook and why, not shown a traceback."""

from __future__ import annotations

import signal

import nbformat
import pytest

from kyodo_analysis.report import NotebookError, execute_notebook


def _notebook(tmp_path, source: str):
    path = tmp_path / "k.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 試験"),
                                                   nbformat.v4.new_code_cell(source)]), path)
    return path


def test_the_kernels_own_stderr_does_not_reach_the_run(tmp_path, capfd):
    # what ipykernel's shutdown race writes now and then: a traceback on the kernel process's stderr
    path = _notebook(tmp_path, "import os\nos.write(2, b'Traceback (most recent call last): zmq noise\\n')\nprint('ok')")
    html = execute_notebook(path, tmp_path / "k.html", {})
    assert "Traceback" not in capfd.readouterr().err
    assert "ok" in html.read_text(encoding="utf-8")


def test_a_kernel_that_dies_names_the_notebook_and_its_last_words(tmp_path, own_handlers):
    path = _notebook(tmp_path, "import os\nos.write(2, b'MemoryError: out of memory\\n')\nos._exit(9)")
    with pytest.raises(NotebookError, match=r"k\.ipynb .*カーネルが止まりました \(MemoryError: out of memory\)"):
        execute_notebook(path, tmp_path / "k.html", {}, timeout=60)
    assert not (tmp_path / "k.html").exists()
    assert [signal.getsignal(s) for s in own_handlers] == list(own_handlers.values())  # Ctrl-C still the caller's


def test_a_notebook_run_in_this_process_leaves_its_signal_handlers_as_they_were(tmp_path, monkeypatch, own_handlers):
    """nbclient adds handlers for Ctrl-C and SIGTERM to the caller's event loop. Taking them off, it set SIGTERM
    to the system's default (a run's SIGTERM no longer raised KeyboardInterrupt); and a kernel that never
    answered at start-up left them on, so that Ctrl-C did nothing in the caller's process afterwards."""
    import nbclient

    execute_notebook(_notebook(tmp_path, "print('ok')"), tmp_path / "k.html", {})
    assert [signal.getsignal(s) for s in own_handlers] == list(own_handlers.values())

    async def never_answers(self, **kwargs):
        raise RuntimeError("Kernel didn't respond in 60 seconds")
    monkeypatch.setattr(nbclient.NotebookClient, "async_start_new_kernel_client", never_answers)
    with pytest.raises(NotebookError, match="起動の応答をしませんでした"):
        execute_notebook(_notebook(tmp_path, "print('ok')"), tmp_path / "k2.html", {})
    assert [signal.getsignal(s) for s in own_handlers] == list(own_handlers.values())


@pytest.fixture
def own_handlers():
    """Handlers of this process's own for Ctrl-C and SIGTERM while the test runs, then Python's defaults."""
    handlers = {signal.SIGINT: lambda signum, frame: None, signal.SIGTERM: lambda signum, frame: None}
    before = {signum: signal.signal(signum, handler) for signum, handler in handlers.items()}
    yield handlers
    for signum, handler in before.items():
        signal.signal(signum, handler)


def test_a_kernel_that_never_answers_at_start_up_is_started_again(tmp_path, monkeypatch):
    """Kernels started at once can race for a port, and one then never answers (jupyter_client#154): the
    notebook is started again, since no cell ran; a kernel that never answers KERNEL_STARTS times is an error
    naming the notebook, and a failure after a cell ran is never retried."""
    import nbclient

    from kyodo_analysis.report import notebooks

    real, starts = nbclient.NotebookClient, []

    class Flaky(real):
        def execute(self, **kwargs):
            starts.append(1)
            if len(starts) <= silent:
                raise RuntimeError("Kernel didn't respond in 60 seconds")
            return super().execute(**kwargs)

    monkeypatch.setattr(nbclient, "NotebookClient", Flaky)
    path = _notebook(tmp_path, "print('ok')")
    silent = 1
    assert "ok" in execute_notebook(path, tmp_path / "k.html", {}).read_text(encoding="utf-8") and len(starts) == 2
    starts.clear()
    silent = notebooks.KERNEL_STARTS
    with pytest.raises(NotebookError, match=r"k\.ipynb のカーネルが 3 回とも起動の応答をしませんでした"):
        execute_notebook(path, tmp_path / "k2.html", {})
    assert len(starts) == 3 and not (tmp_path / "k2.html").exists()


RENDER = """
import os, sys, time
from pathlib import Path
from kyodo_analysis.errors import NotebookError
from kyodo_analysis.report import render_notebooks
from tests.test_adversarial import alive

folder = Path(sys.argv[1])
jobs = [(folder / f"{name}.ipynb", folder / f"{name}.html", {}) for name in sys.argv[2:]]
start = time.monotonic()
try:
    render_notebooks(jobs, workers=2)
    print("OK")
except NotebookError as error:
    print("ERROR", error)
seconds = round(time.monotonic() - start)
time.sleep(2)


def in_folder(pid):  # a kernel runs in its notebook's folder, and stays there if it outlives its parent
    try:
        return os.readlink(f"/proc/{pid}/cwd") == str(folder)
    except OSError:
        return False


kernels = [p for p in map(int, filter(str.isdigit, os.listdir("/proc"))) if in_folder(p) and alive(p)]
print("SECONDS", seconds, "KERNELS", len(kernels))
"""


def render(tmp_path, notebooks: dict[str, str]) -> tuple[str, str]:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for name, source in notebooks.items():
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]), tmp_path / f"{name}.ipynb")
    result = subprocess.run([sys.executable, "-c", RENDER, str(tmp_path), *notebooks], capture_output=True, text=True,
                            timeout=300, cwd=root, env={**__import__("os").environ, "PYTHONPATH": str(root / "src")})
    return result.stdout, result.stderr


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="reads /proc")
def test_a_failing_notebook_stops_the_others_at_once_and_leaves_no_kernel(tmp_path):
    # two at a time: the slow one is running when the failing one fails, the third never starts
    out, err = render(tmp_path, {"slow": "import time\ntime.sleep(600)", "fails": "1 / 0", "never": "print(1)"})
    assert "ERROR fails.ipynb の実行中にエラーが出ました: ZeroDivisionError" in out, (out, err)
    seconds = int(out.split("SECONDS ")[1].split()[0])
    assert seconds < 60 and out.rstrip().endswith("KERNELS 0")
    assert "Traceback" not in err and "Task exception" not in err, err
    assert not (tmp_path / "never.html").exists() and not (tmp_path / "slow.html").exists()


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="reads /proc")
def test_a_notebook_process_that_is_killed_is_an_error_not_a_hang(tmp_path):
    # the kernel kills the process that runs its notebook (as the out-of-memory killer might)
    out, err = render(tmp_path, {"killed": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
                                 "fine": "print(1)"})
    assert "ERROR killed.ipynb を実行するプロセスが止まりました (終了コード -9)" in out, (out, err)
    assert int(out.split("SECONDS ")[1].split()[0]) < 60 and out.rstrip().endswith("KERNELS 0")


def test_notebooks_that_succeed_are_all_rendered(tmp_path):
    out, err = render(tmp_path, {f"n{k}": f"print({k} * 11)" for k in range(3)})
    assert out.startswith("OK"), (out, err)
    assert all(f"{k * 11}" in (tmp_path / f"n{k}.html").read_text(encoding="utf-8") for k in range(3))
