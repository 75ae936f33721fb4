"""Shared fixtures: the real data set lives beside the project, never inside it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.reference_data import HOUSING_CSV

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def housing_path() -> Path:
    """Path of the real California housing CSV (tests/reference_data.py says which copy)."""
    return HOUSING_CSV


@pytest.fixture(scope="session")
def housing_frame(housing_path: Path) -> pd.DataFrame:
    """The real data, read with plain pandas (no project code)."""
    return pd.read_csv(housing_path)
