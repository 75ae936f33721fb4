"""Points placed by kilometres on the sphere, for the density-cluster tests."""

from __future__ import annotations

import numpy as np

from components.engine.scaling import EARTH_RADIUS_KM

KM_PER_DEGREE_LATITUDE = 2 * np.pi * EARTH_RADIUS_KM / 360  # 111.195 km


def offset(
    latitude: float, longitude: float, north_km: float, east_km: float
) -> tuple[float, float]:
    """Point north_km / east_km away on the sphere (small offsets)."""
    dlat = north_km / KM_PER_DEGREE_LATITUDE
    dlon = east_km / (KM_PER_DEGREE_LATITUDE * np.cos(np.radians(latitude)))
    return latitude + dlat, longitude + dlon
