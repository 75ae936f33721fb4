"""Shared fixtures: the real data set lives beside the project, never inside it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data" / "housing.csv"


@pytest.fixture(scope="session")
def housing_path() -> Path:
    """Path of the real California housing CSV (../shared/data/housing.csv)."""
    if not SHARED_DATA.is_file():
        raise FileNotFoundError(
            f"The real data set is expected at {SHARED_DATA} (beside the project root)."
        )
    return SHARED_DATA


@pytest.fixture(scope="session")
def housing_frame(housing_path: Path) -> pd.DataFrame:
    """The real data, read with plain pandas (no project code)."""
    return pd.read_csv(housing_path)
