"""Toy map rows shared by the deck and map tests."""

from __future__ import annotations

import numpy as np

from components.figures.maps import MapRows


def toy_rows(**overrides: object) -> MapRows:
    """Five block groups in California (two clusters and one not clustered) as map rows."""
    values = {
        "longitude": np.array([-122.0, -121.0, -118.0, -117.0, -120.0]),
        "latitude": np.array([38.0, 37.0, 34.0, 33.0, 36.5]),
        "labels": np.array([0, 0, 1, 1, -1]),
        "median_house_value": np.array([452_600.0, 358_500.0, 100_000.0, 500_001.0, 90_000.0]),
        "median_income": np.array([8.3252, 8.3014, 2.5, 3.0, 1.0]),
        "extra": {},
        "is_test": None,
    }
    values.update(overrides)
    return MapRows(**values)  # type: ignore[arg-type]
