"""The project's own files install everything, and CI runs the README's test command."""

from __future__ import annotations

import re
import tomllib

from .conftest import ROOT


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_is_consistent_with_pyproject():
    env = (ROOT / "environment.yml").read_text(encoding="utf-8")
    project = pyproject()["project"]
    python = re.search(r"^\s*-\s*python\s*(\S*)\s*$", env, re.M)
    assert python, "environment.yml must pin python"
    assert python.group(1) == project["requires-python"]
    assert re.search(r"^\s*-\s*pip\s*$", env, re.M)
    pip_lines = re.findall(r"^\s{6,}-\s*(\S.*)$", env, re.M)
    assert len(pip_lines) == 1, "the pip section installs the package and nothing else"
    match = re.fullmatch(r"-e \.\[([\w,]+)\]", pip_lines[0])
    assert match, pip_lines
    assert set(match.group(1).split(",")) <= set(project["optional-dependencies"])
    # No conda package other than python and pip: dependencies live in pyproject.toml only.
    conda_deps = re.findall(r"^  -\s*([A-Za-z][\w.-]*)", env.split("dependencies:")[1], re.M)
    assert set(conda_deps) == {"python", "pip"}


def test_console_script_and_dev_extra():
    project = pyproject()["project"]
    assert project["scripts"]["kyodo-analysis"] == "kyodo_analysis.cli:main"
    dev = " ".join(project["optional-dependencies"]["dev"])
    for tool in ("pytest", "hypothesis", "ruff"):
        assert tool in dev


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme and "make run" in readme
    assert re.search(r"^make test$", ci, re.M)
