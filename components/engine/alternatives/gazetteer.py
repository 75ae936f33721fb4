"""California places and great-circle distances, to name where a cluster lies."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.engine.scaling import EARTH_RADIUS_KM


@dataclass(frozen=True)
class Place:
    """A named reference place used to describe where a density cluster is."""

    name: str
    latitude: float
    longitude: float


# Approximate city-centre coordinates (degrees), used only to name clusters.
CALIFORNIA_PLACES: tuple[Place, ...] = (
    Place("Los Angeles", 34.05, -118.24),
    Place("Long Beach", 33.77, -118.19),
    Place("Santa Ana", 33.75, -117.87),
    Place("Riverside", 33.95, -117.40),
    Place("San Bernardino", 34.11, -117.29),
    Place("Lancaster", 34.70, -118.14),
    Place("Oxnard", 34.20, -119.18),
    Place("Santa Barbara", 34.42, -119.70),
    Place("Palm Springs", 33.83, -116.55),
    Place("San Diego", 32.72, -117.16),
    Place("San Francisco", 37.77, -122.42),
    Place("Oakland", 37.80, -122.27),
    Place("San Jose", 37.34, -121.89),
    Place("Santa Rosa", 38.44, -122.71),
    Place("Vallejo", 38.10, -122.26),
    Place("Santa Cruz", 36.97, -122.03),
    Place("Salinas", 36.68, -121.66),
    Place("Sacramento", 38.58, -121.49),
    Place("Stockton", 37.96, -121.29),
    Place("Modesto", 37.64, -120.99),
    Place("Merced", 37.30, -120.48),
    Place("Fresno", 36.74, -119.79),
    Place("Visalia", 36.33, -119.29),
    Place("Bakersfield", 35.37, -119.02),
    Place("San Luis Obispo", 35.28, -120.66),
    Place("Chico", 39.73, -121.84),
    Place("Redding", 40.59, -122.39),
    Place("Eureka", 40.80, -124.16),
)


def haversine_km(
    latitude_deg: np.ndarray | float,
    longitude_deg: np.ndarray | float,
    other_latitude_deg: np.ndarray | float,
    other_longitude_deg: np.ndarray | float,
) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (broadcasts).

    Parameters
    ----------
    latitude_deg, longitude_deg : array-like or float
        First point(s).
    other_latitude_deg, other_longitude_deg : array-like or float
        Second point(s).

    Returns
    -------
    numpy.ndarray
        Distances in kilometres (mean Earth radius 6371.0088 km).
    """
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(value, dtype=np.float64))
        for value in (latitude_deg, longitude_deg, other_latitude_deg, other_longitude_deg)
    )
    half = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(half, 0.0, 1.0)))
