"""The package's shape: imports at the top of modules, never in a cycle; functions short enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "kyodo_analysis"

# Imports deliberately left in functions: libraries of about 0.1 s or more that only one stage needs, so
# that validate, kwic, manifest and every notebook's kernel start without them (each site says so in a comment).
LATE = {
    "kyodo_analysis.clusters": {"scipy.cluster.hierarchy", "scipy.spatial.distance"},
    "kyodo_analysis.network": {"networkx", "networkx.algorithms.community", "scipy"},
    "kyodo_analysis.plots.maps": {"scipy.cluster.hierarchy"},
    "kyodo_analysis.report": {"kyodo_analysis.report.workbook"},
    "kyodo_analysis.pipeline": {"kyodo_analysis.plots", "kyodo_analysis.report", "kyodo_analysis.wordreport"},
    "kyodo_analysis.plots.rendering": {"IPython.display"},
    "kyodo_analysis.report.notebooks": {"nbclient", "nbclient.exceptions", "nbconvert", "nbformat"},
    "kyodo_analysis.readers": {"kyodo_analysis.workbooks"},  # which imports readers' Record: read where a workbook is read
    "kyodo_analysis.workbooks": {"openpyxl", "openpyxl.utils.cell"},
    "kyodo_analysis.cleaning": {"openpyxl.utils.cell"},  # a column letter, named only in an error
    "kyodo_analysis.stats": {"scipy.special"},
    "kyodo_analysis.tables": {"pyarrow", "pyarrow.parquet"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(node: ast.Import | ast.ImportFrom, name: str, is_package: bool) -> list[str]:
    """The modules an import statement names, relative imports resolved (``from . import x`` → ``pkg.x``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level == 0:
        return [node.module or ""]
    base = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
    if node.module:
        return [".".join([*base, node.module])]
    return [".".join([*base, alias.name]) for alias in node.names]


def is_type_checking(node: ast.AST) -> bool:
    """An ``if TYPE_CHECKING:`` block: imports for type checkers only, never executed."""
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module → package modules imported at its top level, module → anything imported inside a function)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    top: dict[str, set[str]] = {name: set() for name in modules}
    late: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_functions = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                        for n in ast.walk(f) if isinstance(n, ast.Import | ast.ImportFrom)}
        for_types = {id(n) for block in ast.walk(tree) if is_type_checking(block) for n in ast.walk(block)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom) or id(node) in for_types:
                continue  # `if TYPE_CHECKING:` imports never run
            for target in imported(node, name, path.name == "__init__.py"):
                if id(node) in in_functions:
                    late.setdefault(name, set()).add(target)
                elif target in modules or target.rpartition(".")[0] in modules:  # `from . import __version__`
                    found = target if target in modules else target.rpartition(".")[0]
                    if found != name:
                        top[name].add(found)
    return top, late


def cycle(top: dict[str, set[str]]) -> list[str]:
    """One import cycle among top-level imports, or []."""
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str]:
        state[node] = 1
        for nxt in sorted(top[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt] if nxt in path else [node, nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = 2
        return []
    for start in sorted(top):
        if start not in state and (found := visit(start, [start])):
            return found
    return []


def test_no_import_cycle():
    assert cycle(graph()[0]) == []


def test_imports_inside_functions_are_only_the_listed_late_ones():
    _, late = graph()
    assert late == LATE


def test_the_cycle_finder_finds_a_cycle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"p": {"p.x"}, "p.x": set()}) == []
    assert cycle({"p": {"p.x"}, "p.x": {"p"}}) == ["p", "p.x", "p"]  # `from . import __version__` in a submodule


def test_no_function_is_over_sixty_lines():
    """Each function short enough to check by eye (docstring included)."""
    long = [f"{path.relative_to(PACKAGE)}:{node.name} ({node.end_lineno - node.lineno + 1})"
            for path in PACKAGE.rglob("*.py") for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > 60]
    assert long == []


def test_no_module_is_over_four_hundred_lines():
    """One job per module: a module that grows past about 400 lines is split by stage."""
    long = [f"{path.relative_to(PACKAGE)} ({n})" for path in PACKAGE.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400]
    assert long == []


def test_only_type_checking_blocks_are_left_out():
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\nif DEBUG:\n    import b\n")
    assert [is_type_checking(node) for node in tree.body] == [False, True, False]


NOT_IN_A_KERNEL = ["networkx", "openpyxl", "scipy.cluster", "scipy.sparse"]


def test_a_notebooks_imports_leave_out_what_only_one_stage_needs():
    """Every import line of the notebooks, run in a fresh interpreter as a kernel runs them: the libraries
    only the analysis, the dendrogram or the workbook need (0.6 s of every kernel's start) stay out."""
    import json
    import subprocess
    import sys

    notebooks = sorted((PACKAGE.parents[1] / "notebooks").glob("*.ipynb"))
    lines = sorted({line for path in notebooks for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]
                    if cell["cell_type"] == "code" for line in "".join(cell["source"]).splitlines()
                    if line.startswith(("import ", "from "))})
    assert any("kyodo_analysis" in line for line in lines) and len(notebooks) == 5
    check = f"import sys; print([m for m in {NOT_IN_A_KERNEL!r} if m in sys.modules])"
    found = subprocess.run([sys.executable, "-c", "\n".join([*lines, check])], capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "[]"
