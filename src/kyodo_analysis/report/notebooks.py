"""Notebooks executed to HTML, each in its own process (and kernel), stopped with the run however it
ends; the rendered page keeps no code, no stderr, no MathJax and no live Markdown from the data."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from importlib import resources
from multiprocessing.connection import wait
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import NotebookError
from ..parallel import end_with  # a notebook's worker ends with the run, as the analysis's workers do
from ..plots import worker_context

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from nbformat import NotebookNode

_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?</script>\s*<!-- MathJax configuration -->\s*"
                      r"<script type=\"text/x-mathjax-config\">.*?</script>", re.DOTALL)


def page_template() -> Path:
    """The rendered pages' template: JupyterLab's, with each figure's alternative text."""
    return Path(str(resources.files("kyodo_analysis") / "resources" / "page.html.j2"))


def without_mathjax(page: str) -> str:
    """The rendered page without MathJax, so that "$…$" inside an item is shown as written, not typeset."""
    return _MATHJAX.sub("", page)


def _notebook_process(run: int, job: tuple, results: Connection) -> None:
    """One notebook in its own process. Its outcome goes back through ``results`` (None, or the error);
    its stderr goes nowhere, since a notebook stopped mid-way (by the run, or by nbclient's own SIGTERM
    handler shutting its kernel down) complains on its way out, and that is not the run's error. SIGTERM
    exits normally and arrives when the run's process ends, however it ends."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle: it stops this process
    end_with(run)
    try:
        execute_notebook(*job)
        results.send(None)
    except Exception as error:  # sent back whole (an OSError stays one), raised by the run
        try:
            results.send(error)
        except Exception:  # an error that cannot be pickled: its description
            results.send(NotebookError(f"{Path(job[0]).name}: {error!r}"))


def render_notebooks(jobs: list[tuple], workers: int = 2) -> None:
    """Execute the notebooks ``workers`` at a time, one process (and kernel) each. Processes of its own,
    not a pool: a pool's worker catches the SIGTERM that should stop it and waits for the next task, and
    its workers share a queue lock that one stopped worker can leave held — either hangs the run. On an
    error, a signal or Ctrl-C, every running notebook is stopped (SIGTERM, then SIGKILL after 10 s)."""
    context, pending, running = worker_context(), list(jobs), {}
    try:
        while pending or running:
            while pending and len(running) < max(workers, 1):
                job = pending.pop(0)
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_notebook_process, args=(os.getpid(), job, send), daemon=False)
                process.start()
                send.close()
                running[process.sentinel] = (process, receive, Path(job[0]).name)
            for sentinel in wait(list(running)):
                process, receive, name = running.pop(sentinel)
                process.join()
                try:
                    outcome = receive.recv()
                except EOFError:  # ended without a word: killed
                    outcome = NotebookError(f"{name} を実行するプロセスが止まりました (終了コード {process.exitcode})。"
                                            "メモリが足りない場合は、他のプログラムを閉じてからやり直してください。")
                receive.close()
                if outcome is not None:
                    raise outcome
    finally:
        _stop([process for process, _, _ in running.values()])


def _stop(processes: list[BaseProcess]) -> None:
    """Stop processes: SIGTERM (each shuts its kernel down), then SIGKILL for any still running after 10 s."""
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + 10
    for process in processes:
        process.join(max(deadline - time.monotonic(), 0))
        if process.is_alive():
            process.kill()
            process.join()


_URL_SCHEME = re.compile(r":(?=//)")
_MARKDOWN_LIVE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "&#91;", "]": "&#93;"})


def inert_markdown(text: str) -> str:
    """Markdown a notebook displayed, with no way left for its data to become markup: ``& < >`` (raw HTML,
    autolinks) and ``[ ]`` (links) become character references, shown as the characters themselves.
    Every text the package displays as Markdown is generated (headings, sentences, footnotes) and carries
    no markup of its own beyond Markdown's emphasis, headings and lists. The colon of ``://`` is a character
    reference too: the renderer links a bare http:// text, so a table's group or title made a link (a hostile tester)."""
    return _URL_SCHEME.sub("&#58;", text.translate(_MARKDOWN_LIVE))


def inert_outputs(nb: NotebookNode) -> None:
    """The one escaping rule for displayed Markdown, applied to every output of an executed notebook
    (tables are escaped by :func:`notebook_views.show_table`, plain text by nbconvert)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" in data:
                value = data["text/markdown"]
                data["text/markdown"] = inert_markdown("".join(value) if isinstance(value, list) else value)


def page_title(nb: NotebookNode, fallback: str) -> str:
    """The rendered page's title (the browser tab): the notebook's first heading, not 「Notebook」."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("#"):
            return cell.source.lstrip().splitlines()[0].lstrip("#").strip()
    return fallback


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _last_line(text: str) -> str:
    lines = [line for line in _strip_ansi(text).strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


KERNEL_STARTS = 3  # tries to start a kernel that never answers: kernels started at once can race for a port
_NO_ANSWER = ("Kernel didn't respond", "Kernel died before replying")  # nbclient's words for a start that failed


@contextlib.contextmanager
def signal_handlers_kept() -> Iterator[None]:
    """The caller's Ctrl-C and SIGTERM handlers (and signal wakeup fd) as they were, however the block ends:
    nbclient puts its own on the caller's event loop and, taking them off, sets SIGTERM to the system default;
    a kernel that never answers at start-up leaves them on, and Ctrl-C then does nothing in that process."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread has handlers to keep
        yield
        return
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    wakeup = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(wakeup)
    try:
        yield
    finally:
        signal.set_wakeup_fd(wakeup)
        for signum, handler in handlers.items():
            if handler is not None:  # None: a handler set outside Python, which Python cannot set back
                signal.signal(signum, handler)


def run_kernel(nb: NotebookNode, notebook: Path, timeout: int) -> None:
    """Execute ``nb`` in a kernel started in the notebook's folder. The kernel's own log (not the cells'
    output, which arrives as messages) goes to a temporary file: the race of ipykernel's sockets at shutdown
    prints a harmless traceback there now and then, which is no message for a researcher; when the kernel
    dies, its log's last line is the reason, and is shown. A kernel that never answered at start-up (two
    kernels started at once can be given one port: jupyter_client#154) is started again, up to
    :data:`KERNEL_STARTS` times in all; no cell has run then, so nothing runs twice."""
    # late: nbclient (and jupyter_client, zmq) only when a notebook is executed, not wherever report is imported
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    for attempt in range(1, KERNEL_STARTS + 1):
        # The kernel listens on loopback only; its start-up warning about unencrypted TCP is noise here.
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", extra_arguments=["--log-level=ERROR"],
                                resources={"metadata": {"path": str(notebook.parent)}})
        with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log, signal_handlers_kept():
            try:
                client.execute(stdout=log, stderr=log)
                return
            except CellExecutionError as error:
                raise NotebookError(f"{notebook.name} の実行中にエラーが出ました: {_last_line(str(error))}") from None
            except DeadKernelError:
                log.seek(0)
                reason = _last_line(log.read()) or "理由は記録されていません"
                raise NotebookError(f"{notebook.name} の実行中にカーネルが止まりました ({reason})。"
                                    "メモリが足りない場合は、他のプログラムを閉じてからやり直してください。") from None
            except RuntimeError as error:
                if client.code_cells_executed or not str(error).startswith(_NO_ANSWER):
                    raise
                if attempt == KERNEL_STARTS:
                    raise NotebookError(f"{notebook.name} のカーネルが {KERNEL_STARTS} 回とも起動の応答をしませんでした "
                                        f"({error})。ほかの処理で混んでいないか確かめて、やり直してください。") from None


def execute_notebook(notebook: str | Path, html_path: str | Path, parameters: dict, timeout: int = 600) -> Path:
    """Execute a notebook with its ``parameters`` cell overridden (papermill's convention: an
    ``injected-parameters`` cell after it) and render the executed copy to HTML."""
    # late: nbformat and nbconvert only when a notebook is executed, not wherever report is imported
    import nbformat
    from nbconvert import HTMLExporter

    notebook = Path(notebook)
    nb = nbformat.read(notebook, as_version=4)
    source = "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
    injected = nbformat.v4.new_code_cell(source=f"# 実行時に与えた値 (injected parameters)\n{source}")
    injected.id = "injected-parameters"  # a fixed id: the same run gives the same HTML
    injected.metadata["tags"] = ["injected-parameters"]
    position = next((i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), 0)
    nb.cells.insert(position, injected)
    run_kernel(nb, notebook, timeout)
    inert_outputs(nb)
    # Reviewers read the outputs only: no code, no parameters, no paths, no Python warnings (stderr).
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    body, _ = HTMLExporter(template_name="lab", template_file=str(page_template()), exclude_input=True, exclude_input_prompt=True,
                           exclude_output_prompt=True).from_notebook_node(nb, resources={"metadata": {
                               "name": page_title(nb, Path(notebook).stem)}})
    body = without_mathjax(body)
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(body, encoding="utf-8")
    return html_path
