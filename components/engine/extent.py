"""Where points lie on a web map: their bounds, the centre of their view and the zoom that fits.

Pure numpy (no plotting). This is Web-Mercator arithmetic, the one framing rule of every map:
:func:`components.figures.deck.view_state_for` turns a :class:`MapExtent` into a pydeck view, and
an uploaded file reports the extent its map will show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["MAP_HEIGHT_PX", "MAP_WIDTH_PX", "MapExtent", "map_extent"]

MAP_HEIGHT_PX = 560
MAP_WIDTH_PX = 760  # the map column at a common laptop width


@dataclass(frozen=True)
class MapExtent:
    """Where the points are: bounds, centre and a zoom level that frames them.

    Attributes
    ----------
    min_latitude, max_latitude, min_longitude, max_longitude : float
        Bounds in degrees.
    centre_latitude, centre_longitude : float
        Centre of the map view: the middle of the bounds in Web Mercator, rounded to 0.01
        degrees so the same data always gives the same view.
    zoom : float
        Web-map zoom that fits the bounds with a margin (1 = the world), in quarter steps.
    """

    min_latitude: float
    max_latitude: float
    min_longitude: float
    max_longitude: float
    centre_latitude: float
    centre_longitude: float
    zoom: float


def map_extent(
    latitude: np.ndarray,
    longitude: np.ndarray,
    *,
    width_px: int = MAP_WIDTH_PX,
    height_px: int = MAP_HEIGHT_PX,
) -> MapExtent:
    """Return the bounds, centre and the largest quarter zoom at which the points fit.

    Parameters
    ----------
    latitude, longitude : array-like of float
        Coordinates in degrees (non-finite values are ignored).
    width_px, height_px : int
        The map's expected size on the page.

    Returns
    -------
    MapExtent
        Bounds; centre (middle of the points in Web Mercator) and zoom, rounded so they are
        stable for one data set.
    """
    lat = np.asarray(latitude, dtype=np.float64)
    lon = np.asarray(longitude, dtype=np.float64)
    finite = np.isfinite(lat) & np.isfinite(lon)
    if not finite.any():
        raise ValueError("map_extent needs at least one point with finite coordinates.")
    lat, lon = lat[finite], lon[finite]
    lon_span = max(math.radians(float(lon.max() - lon.min())), 1e-4)
    bounds = np.radians(np.clip([lat.min(), lat.max()], -85.0, 85.0))
    y_low, y_high = np.log(np.tan(np.pi / 4 + bounds / 2))  # Web Mercator y
    y_span = max(float(y_high - y_low), 1e-4)
    # deck.gl's world is 512 px wide at zoom 0, i.e. 512 / (2 pi) px per radian.
    pixels_per_radian = min(0.9 * width_px / lon_span, 0.9 * height_px / y_span)
    zoom = float(np.clip(math.log2(pixels_per_radian * 2 * math.pi / 512), 1.0, 14.0))
    centre_latitude = math.degrees(2 * math.atan(math.exp((y_low + y_high) / 2)) - math.pi / 2)
    return MapExtent(
        min_latitude=float(lat.min()),
        max_latitude=float(lat.max()),
        min_longitude=float(lon.min()),
        max_longitude=float(lon.max()),
        centre_latitude=round(centre_latitude, 2),
        centre_longitude=round(float((lon.max() + lon.min()) / 2), 2),
        zoom=math.floor(zoom * 4) / 4,
    )
