"""Tests for components.engine.extent: bounds, centre and zoom of a set of points."""

from __future__ import annotations

import numpy as np
import pytest

from components.engine.extent import map_extent


def test_map_extent_of_a_single_point_is_centred_on_it() -> None:
    extent = map_extent(np.array([48.85]), np.array([2.35]))
    assert extent.centre_latitude == 48.85 and extent.centre_longitude == 2.35
    assert extent.min_latitude == extent.max_latitude == 48.85
    with pytest.raises(ValueError, match="at least one point"):
        map_extent(np.array([np.nan]), np.array([1.0]))
