"""The computation modules must run without Streamlit (notebooks, benchmarks, CI)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PURE_MODULES = [
    "components.data",
    "components.features",
    "components.scaling",
    "components.clustering",
    "components.sweep",
    "components.stability",
    "components.describe",
    "components.upload",
    "components.export",
    "components.url_state",
    "components.alternatives",
    # Figure builders return plotly / pydeck objects and never call st.*.
    "components.figures",
    "components.figures_alternatives",
    "components.figures_insight",
    "components.places",
]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_module_imports_without_streamlit(module: str) -> None:
    code = (
        "import sys, importlib\n"
        f"importlib.import_module({module!r})\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit')\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{module} pulled in: {result.stdout.strip()}"
