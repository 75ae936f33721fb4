"""Shared fixtures: the real data set lives beside the project, never inside it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from components.engine.alternatives.comparison import AlgorithmResult, compare_algorithms
from components.engine.alternatives.toy_shapes import ToyData, make_shapes
from tests.reference_data import HOUSING_CSV
from tests.toy_geography import offset

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def housing_path() -> Path:
    """Path of the real California housing CSV (tests/reference_data.py says which copy)."""
    return HOUSING_CSV


@pytest.fixture(scope="session")
def housing_frame(housing_path: Path) -> pd.DataFrame:
    """The real data, read with plain pandas (no project code)."""
    return pd.read_csv(housing_path)


@pytest.fixture
def two_towns() -> tuple[np.ndarray, np.ndarray]:
    """Town A: 5 points 1 km apart; town B (100 km north): 4 points; one isolated point."""
    points = [offset(34.0, -118.0, 0.0, east) for east in range(5)]
    points += [offset(34.0, -118.0, 100.0, east) for east in range(4)]
    points.append(offset(34.0, -118.0, 50.0, 150.0))
    latitude, longitude = (np.array(values) for values in zip(*points, strict=True))
    return latitude, longitude


@pytest.fixture(scope="session")
def moons_results() -> tuple[ToyData, list[AlgorithmResult]]:
    """Two moons (500 points, noise 0.05) and every algorithm's result on them."""
    toy = make_shapes("moons", 500, 0.05, random_state=0)
    return toy, compare_algorithms(toy.X, toy.y_true, toy.n_clusters)
