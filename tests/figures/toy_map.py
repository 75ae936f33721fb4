"""A toy cluster map shared by the deck, map and outline tests: five block groups, two k's."""

from __future__ import annotations

import numpy as np

from components.engine.extent import MapExtent, map_extent
from components.figures import maps
from components.figures.lod import ServedLevels

LONGITUDE = np.array([-122.0, -121.0, -118.0, -117.0, -120.0])
LATITUDE = np.array([38.0, 37.0, 34.0, 33.0, 36.5])
LABELS = np.array([0, 0, 1, 1, -1])  # the last row is not clustered
LEVELS = ServedLevels(
    url_template="app/static/lod/m0123456789abcdef/{z}/{x}/{y}.json",
    extent=(-122.0, 33.0, -117.0, 38.0),
    max_zoom=9,
    k_values=(2, 3),
)


def toy_extent() -> MapExtent:
    """The five block groups' extent."""
    return map_extent(LATITUDE, LONGITUDE)


def toy_map(**overrides: object) -> maps.ClusterMap:
    """The cluster map of the five block groups at k = 2."""
    arguments: dict[str, object] = {
        "extent": toy_extent(),
        "value_labels": ("Median house value", "Median income"),
        "omitted_labels": ("Population",),
        "rows_noun": "block groups",
    }
    arguments.update(overrides)
    return maps.lod_map(LEVELS, LONGITUDE, LATITUDE, LABELS, 2, **arguments)  # type: ignore[arg-type]
