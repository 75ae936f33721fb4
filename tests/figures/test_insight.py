"""Tests for components.figures.insight: the train/test chart, and modules that must not need
Streamlit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from components.engine.describe import train_test_price_check
from components.figures.insight import train_test_chart
from components.figures.palette import PALETTE

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_train_test_chart_outlines_clusters_that_do_not_hold() -> None:
    train = np.array([100.0] * 20 + [100.0] * 20)
    test = np.array([102.0] * 20 + [150.0] * 20)
    ids = np.repeat([0, 1], 20)
    check = train_test_price_check(train, ids, test, ids)
    figure = train_test_chart(check)
    assert [trace.name for trace in figure.data] == ["train", "test"]
    assert list(figure.data[0].y) == [100.0, 100.0]
    assert list(figure.data[1].y) == [102.0, 150.0]
    assert list(figure.data[0].marker.color) == [PALETTE[0], PALETTE[1]]
    assert list(figure.data[1].text) == ["+2%", "+50% ✗"]
    # No legend (its swatch would show one cluster's colour); the key is written out.
    assert figure.layout.showlegend is False
    assert "train rows (solid)" in figure.layout.annotations[0].text


@pytest.mark.slow
@pytest.mark.parametrize(
    "module",
    [
        "components.engine.stability",
        "components.engine.describe",
        "components.engine.upload",
        "components.figures.insight",
    ],
)
def test_insight_modules_import_without_streamlit(module: str) -> None:
    code = (
        "import sys, importlib\n"
        f"importlib.import_module({module!r})\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{module} pulled in: {result.stdout.strip()}"
