"""The computation modules must run without Streamlit (notebooks, benchmarks, CI)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PURE_MODULES = [
    "components.engine.data",
    "components.engine.features",
    "components.engine.scaling",
    "components.engine.clustering",
    "components.engine.sweep",
    "components.engine.stability",
    "components.engine.describe",
    "components.engine.upload",
    "components.engine.export",
    "components.ui.url_state",
    "components.ui.served_files",
    "components.engine.alternatives",
    # Figure builders return plotly / pydeck objects and never call st.*.
    "components.figures.palette",
    "components.figures.deck",
    "components.figures.maps",
    "components.figures.charts",
    "components.figures.alternatives",
    "components.figures.insight",
    "components.engine.places",
]

# One fresh interpreter imports the modules one by one and records, after each, which
# streamlit modules are loaded: the first module that pulls Streamlit in is named.
_PROBE = """
import importlib, json, sys
report = {}
for name in sys.argv[1:]:
    importlib.import_module(name)
    report[name] = sorted(m for m in sys.modules if m.split(".")[0] == "streamlit")
print(json.dumps(report))
"""


def test_computation_modules_import_without_streamlit() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *PURE_MODULES],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(result.stdout)
    assert list(report) == PURE_MODULES  # every module was imported
    offenders = {name: loaded[:3] for name, loaded in report.items() if loaded}
    assert offenders == {}, f"these modules pulled in Streamlit: {offenders}"


def test_the_probe_would_catch_streamlit() -> None:
    """The same probe flags a module that does import Streamlit (the check can fail)."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, "components.ui.cache"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout)["components.ui.cache"], "components.ui.cache uses st.cache_*"
