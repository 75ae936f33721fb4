"""The layers hold: import-linter's contracts (pyproject.toml) pass, and they can fail.

The contracts replace the hand-kept list of "pure" modules this file used to carry:
pages above ui above figures above engine, and engine and figures never import
Streamlit (nor engine a drawing library).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# `lint-imports` is a console script; calling its entry point through this interpreter
# finds the venv's import-linter wherever the venv's bin/ is (or is not) on PATH.
_LINT_IMPORTS = [
    sys.executable,
    "-c",
    "import sys; from importlinter.cli import lint_imports_command as run; sys.exit(run())",
    "--no-cache",  # a cache in the copied tree would be read as the real one
    "--no-logo",
]


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on the tree at ``root`` (its pyproject.toml and packages).

    Parameters
    ----------
    root : Path
        A folder holding pyproject.toml, components/ and pages/.

    Returns
    -------
    subprocess.CompletedProcess
        The finished run; ``returncode`` is 0 when every contract is kept.
    """
    # Only the tree under test may be importable as `components` / `pages`.
    environment = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        _LINT_IMPORTS, cwd=root, env=environment, capture_output=True, text=True, check=False
    )


def _copy_tree(destination: Path) -> Path:
    for folder in ("components", "pages"):
        shutil.copytree(
            PROJECT_ROOT / folder,
            destination / folder,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    shutil.copy2(PROJECT_ROOT / "pyproject.toml", destination / "pyproject.toml")
    return destination


def test_the_tree_keeps_the_import_contracts() -> None:
    result = lint_imports(PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


# One deliberately bad module per contract, all checked in one run (a run builds the
# whole import graph, about a second): each must be named with its contract broken.
_BAD_MODULES = {
    "components/engine/_bad_streamlit.py": "import streamlit as st\n",
    # An import inside a function counts too: the layer is broken the day it runs.
    "components/engine/_bad_figures.py": (
        "def f():\n    from components.figures import palette\n\n    return palette\n"
    ),
    "components/engine/_bad_ui.py": "from components.ui import keys\n",
    "components/engine/_bad_plotly.py": "import plotly.graph_objects as go\n",
    "components/figures/_bad_streamlit.py": "import streamlit\n",
}
_EXPECTED_OFFENCES = {
    "never import streamlit": [
        "components.engine._bad_streamlit -> streamlit",
        "components.figures._bad_streamlit -> streamlit",
    ],
    "Layers:": [
        "components.engine._bad_figures -> components.figures.palette",
        "components.engine._bad_ui -> components.ui.keys",
    ],
    "drawing library": ["components.engine._bad_plotly -> plotly"],
}


def test_bad_imports_break_the_contracts(tmp_path: Path) -> None:
    """A copy of the tree with deliberately bad modules fails, naming each bad import."""
    root = _copy_tree(tmp_path)
    for relative, source in _BAD_MODULES.items():
        (root / relative).write_text(
            '"""A deliberate layer violation."""\n\n' + source, encoding="utf-8"
        )
    result = lint_imports(root)
    assert result.returncode != 0, result.stdout
    broken = [line for line in result.stdout.splitlines() if line.endswith(" BROKEN")]
    for contract, offences in _EXPECTED_OFFENCES.items():
        assert any(contract in line for line in broken), (contract, result.stdout)
        for offence in offences:
            assert offence in result.stdout, (offence, result.stdout)


def _modules_of(package: str) -> list[str]:
    root = importlib.import_module(package)
    return [package] + [
        info.name for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}.")
    ]


# Static analysis follows only the project's own imports; this catches the rest, e.g. a
# third-party package of the engine that pulls Streamlit in at import time.
_PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "streamlit")))
"""


@pytest.mark.slow  # imports scikit-learn, scipy, numba and plotly in a fresh process
def test_engine_and_figures_import_without_streamlit_at_run_time() -> None:
    modules = _modules_of("components.engine") + _modules_of("components.figures")
    assert "components.engine.data" in modules and "components.figures.palette" in modules
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *modules],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]", f"Streamlit was loaded: {result.stdout[:300]}"
