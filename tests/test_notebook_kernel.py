"""A notebook's kernel: what it prints to its own stderr is not the run's output; when it dies, the
researcher is told which notebook and why, not shown a traceback."""

from __future__ import annotations

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


def test_a_kernel_that_dies_names_the_notebook_and_its_last_words(tmp_path):
    path = _notebook(tmp_path, "import os\nos.write(2, b'MemoryError: out of memory\\n')\nos._exit(9)")
    with pytest.raises(NotebookError, match=r"k\.ipynb .*カーネルが止まりました \(MemoryError: out of memory\)"):
        execute_notebook(path, tmp_path / "k.html", {}, timeout=60)
    assert not (tmp_path / "k.html").exists()
