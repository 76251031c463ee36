"""Two separate runs of the same raw folder, each its own process into its own folders, write the same
bytes: the figures (PNG, SVG, PDF), the rendered notebooks (HTML), the workbook, the Word summary and the
tables. The other byte-identity tests draw or write twice inside one process; this one is the README's
claim about whole runs."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT

COMPARED = {".png", ".svg", ".pdf", ".html", ".xlsx", ".docx", ".csv", ".parquet", ".json"}


def files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.suffix in COMPARED and not p.name.startswith(".kyodo")}


def test_two_separate_runs_write_byte_identical_figures_html_and_tables(two_year_run, tmp_path):
    base, _, _ = two_year_run
    second = subprocess.run([sys.executable, "-m", "kyodo_analysis", "run", "--raw-dir", str(base / "raw"),
                             "--out", "processed", "--reports", "reports", "--notebooks", str(ROOT / "notebooks")],
                            capture_output=True, text=True, cwd=tmp_path)  # as the shared run: OUT_DIR shown as "processed"
    assert second.returncode == 0, second.stderr
    for folder in ("reports", "processed"):
        first, again = files(base / folder), files(tmp_path / folder)
        assert sorted(first) == sorted(again)
        kinds = {name.rsplit(".", 1)[-1] for name in first}
        assert kinds >= ({"png", "svg", "pdf", "html", "xlsx", "docx"} if folder == "reports" else {"csv", "json"}), kinds
        assert [name for name in first if first[name] != again[name]] == []
