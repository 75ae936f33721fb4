"""Density clusters of places by location: DBSCAN or HDBSCAN with the great-circle distance.

They find metro areas of any shape and mark thinly populated places as noise (``-1``) instead
of forcing them into a cluster. Clusters are renumbered by descending size (0 = largest), so a
palette indexed by label is stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.cluster import DBSCAN, HDBSCAN
from sklearn.neighbors import BallTree

from components.engine.alternatives.gazetteer import CALIFORNIA_PLACES, Place, haversine_km
from components.engine.scaling import EARTH_RADIUS_KM
from components.engine.validation import check_float, check_int

GeoMethod = Literal["dbscan", "hdbscan"]
GEO_METHODS: tuple[str, ...] = ("dbscan", "hdbscan")
GEO_EPS_KM_RANGE = (0.0, 500.0)  # open at 0, closed at 500
GEO_MIN_SAMPLES_RANGE = (2, 1000)
# On the housing data 5 km and 20 block groups find the metro areas one would name (Los
# Angeles, the Bay Area, San Diego, Sacramento, the Inland Empire, Fresno) and leave thinly
# settled places as noise; 3 km splits the Bay Area in two and 8 km merges the Inland Empire
# into Los Angeles. Counts and times: BENCHMARKS.md, "Measured defaults".
DEFAULT_GEO_EPS_KM = 5.0
DEFAULT_GEO_MIN_SAMPLES = 20
# Full HDBSCAN with haversine is too slow for a page on the housing data; above this many
# points a sample (seed 0) is fitted and every other point takes its nearest sampled
# neighbour's label (times: BENCHMARKS.md, "Measured defaults").
DEFAULT_HDBSCAN_MAX_POINTS = 5000


@dataclass(frozen=True)
class GeoDensityResult:
    """Density clusters of places on the globe.

    Attributes
    ----------
    labels : numpy.ndarray
        Cluster of each input point, ``-1`` = noise; clusters numbered by descending
        size (0 = largest).
    n_clusters : int
        Number of clusters, noise excluded.
    noise_share : float
        Share of the points that are noise.
    sample_size : int or None
        HDBSCAN only: number of points it was fitted on when subsampled, else None.
    """

    labels: np.ndarray
    n_clusters: int
    noise_share: float
    sample_size: int | None


def _check_coordinates(
    latitude_deg: Sequence[float] | np.ndarray, longitude_deg: Sequence[float] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    latitude = np.asarray(latitude_deg, dtype=np.float64)
    longitude = np.asarray(longitude_deg, dtype=np.float64)
    if latitude.ndim != 1 or longitude.shape != latitude.shape:
        raise ValueError(
            f"latitude_deg has shape {latitude.shape} and longitude_deg {longitude.shape}; "
            "expected two 1-D arrays of the same length."
        )
    if latitude.size < 2:
        raise ValueError(f"Got {latitude.size} points; expected at least 2.")
    if not (np.isfinite(latitude).all() and np.isfinite(longitude).all()):
        raise ValueError("latitude_deg / longitude_deg contain NaN or infinite values.")
    for name, degrees, bound in (("latitude_deg", latitude, 90), ("longitude_deg", longitude, 180)):
        if np.abs(degrees).max() > bound:
            raise ValueError(
                f"{name} has {float(degrees[np.argmax(np.abs(degrees))])!r}; expected degrees "
                f"in [-{bound}, {bound}]."
            )
    return latitude, longitude


def _order_by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0..m-1 by descending size (ties: first appearance); keep -1."""
    ordered = np.full(labels.shape, -1, dtype=np.int64)
    clustered = labels >= 0
    _, first, old_id, counts = np.unique(
        labels[clustered], return_index=True, return_inverse=True, return_counts=True
    )
    # argsort inverts the ranking: each old id's position in size order is its new id.
    ordered[clustered] = np.argsort(np.lexsort((first, -counts)))[old_id]
    return ordered


def _dbscan_haversine(radians: np.ndarray, eps_km: float, min_samples: int) -> np.ndarray:
    # Identical coordinates are fitted once with their count as sample weight. DBSCAN
    # then sees the same neighbourhood weights, so core points and noise are unchanged,
    # but the neighbour lists (memory ~ pairs within eps) shrink.
    unique, inverse, counts = np.unique(radians, axis=0, return_inverse=True, return_counts=True)
    model = DBSCAN(
        eps=eps_km / EARTH_RADIUS_KM,
        min_samples=min_samples,
        metric="haversine",
        algorithm="ball_tree",
    )
    return model.fit_predict(unique, sample_weight=counts)[inverse.ravel()]


def _hdbscan_haversine(radians: np.ndarray, min_samples: int) -> tuple[np.ndarray, int | None]:
    n_points = radians.shape[0]
    model = HDBSCAN(
        min_cluster_size=min_samples,
        min_samples=min_samples,
        metric="haversine",
        algorithm="ball_tree",
        copy=True,
    )
    if n_points <= DEFAULT_HDBSCAN_MAX_POINTS:
        return model.fit_predict(radians), None
    rng = np.random.default_rng(0)
    sample_rows = np.sort(rng.choice(n_points, size=DEFAULT_HDBSCAN_MAX_POINTS, replace=False))
    sample_labels = model.fit_predict(radians[sample_rows])
    # HDBSCAN has no predict(); each other point takes the label (or noise) of its
    # nearest sampled point on the sphere.
    tree = BallTree(radians[sample_rows], metric="haversine")
    _, nearest = tree.query(radians, k=1)
    labels = sample_labels[nearest[:, 0]]
    labels[sample_rows] = sample_labels
    return labels, DEFAULT_HDBSCAN_MAX_POINTS


def density_clusters_geo(
    latitude_deg: Sequence[float] | np.ndarray,
    longitude_deg: Sequence[float] | np.ndarray,
    method: GeoMethod = "dbscan",
    eps_km: float = DEFAULT_GEO_EPS_KM,
    min_samples: int = DEFAULT_GEO_MIN_SAMPLES,
) -> GeoDensityResult:
    """Find dense areas of places by great-circle distance; thinly populated places are noise.

    Coordinates are converted to radians and clustered with the haversine metric on a
    ball tree (``algorithm="ball_tree"``); a radius of ``eps_km`` kilometres is
    ``eps_km / 6371.0088`` radians.

    ``dbscan``: a point with at least ``min_samples`` points (itself included) within
    ``eps_km`` is a core point; core points within eps of each other form a cluster,
    points within eps of a core point join it, the rest are noise. Identical
    coordinates are fitted once with their count as ``sample_weight`` (the housing
    data have 12,590 distinct locations for 20,640 rows), which gives the same core
    points and noise as fitting every row. Memory grows with the number of
    pairs within eps: gigabytes at the largest eps_km on the housing data
    (BENCHMARKS.md, "Measured defaults").

    ``hdbscan``: no radius; clusters are the groups that stay dense over a range of
    radii (``min_samples`` is also ``min_cluster_size``; ``eps_km`` is ignored).
    HDBSCAN cannot use sample weights and is slow on all rows, so above
    :data:`DEFAULT_HDBSCAN_MAX_POINTS` points it is fitted on a random sample of that many
    (seed 0, the same each time) and every other point takes the label of its nearest sampled
    point
    (``min_samples`` / ``min_cluster_size`` then count sampled points).

    Parameters
    ----------
    latitude_deg, longitude_deg : array-like of float
        Coordinates in degrees, same length (at least 2), latitude in [-90, 90],
        longitude in [-180, 180].
    method : {"dbscan", "hdbscan"}, default="dbscan"
        Algorithm.
    eps_km : float, default=5.0
        DBSCAN radius in kilometres, in (0, 500].
    min_samples : int, default=20
        In [2, 1000]; see above.

    Returns
    -------
    GeoDensityResult
        Labels (noise = -1, clusters by descending size) and counts.
    """
    if method not in GEO_METHODS:
        raise ValueError(
            f"method={method!r} is not supported; expected one of {list(GEO_METHODS)}."
        )
    eps_km = check_float(eps_km, "eps_km", *GEO_EPS_KM_RANGE, low_open=True)
    min_samples = check_int(min_samples, "min_samples", *GEO_MIN_SAMPLES_RANGE)
    latitude, longitude = _check_coordinates(latitude_deg, longitude_deg)
    radians = np.radians(np.column_stack([latitude, longitude]))

    sample_size: int | None = None
    if method == "dbscan":
        raw_labels = _dbscan_haversine(radians, eps_km, min_samples)
    else:
        raw_labels, sample_size = _hdbscan_haversine(radians, min_samples)
    labels = _order_by_size(np.asarray(raw_labels, dtype=np.int64))
    labels.flags.writeable = False
    return GeoDensityResult(
        labels=labels,
        n_clusters=int(labels.max()) + 1,  # 0 when every point is noise
        noise_share=int((labels == -1).sum()) / labels.size,
        sample_size=sample_size,
    )


def _spherical_mean(latitude: np.ndarray, longitude: np.ndarray) -> tuple[float, float]:
    """Centre of points on the sphere (mean unit vector), robust at the antimeridian."""
    lat = np.radians(latitude)
    lon = np.radians(longitude)
    x = np.mean(np.cos(lat) * np.cos(lon))
    y = np.mean(np.cos(lat) * np.sin(lon))
    z = np.mean(np.sin(lat))
    return float(np.degrees(np.arctan2(z, np.hypot(x, y)))), float(np.degrees(np.arctan2(y, x)))


def summarise_density(
    labels: np.ndarray,
    latitude_deg: Sequence[float] | np.ndarray,
    longitude_deg: Sequence[float] | np.ndarray,
    *,
    values: Sequence[float] | np.ndarray | None = None,
    value_name: str = "median_house_value",
    places: Sequence[Place] = CALIFORNIA_PLACES,
) -> pd.DataFrame:
    """Size, centre and extent of each density cluster, one row per cluster.

    Parameters
    ----------
    labels : numpy.ndarray
        Cluster of each point, ``-1`` = noise (e.g. ``GeoDensityResult.labels``).
    latitude_deg, longitude_deg : array-like of float
        Coordinates in degrees, same length as ``labels``.
    values : array-like of float or None, default=None
        Optional value per point (e.g. median_house_value); adds its median per cluster.
    value_name : str, default="median_house_value"
        Name of that column (prefixed with ``median_``).
    places : sequence of Place, default=CALIFORNIA_PLACES
        Reference places; adds the nearest one to each centre. Empty = no such columns.

    Returns
    -------
    pandas.DataFrame
        Columns: cluster, size, share, centre_latitude, centre_longitude, radius_km
        (median distance of the points from the centre), extent_km (90th percentile
        of that distance), nearest_place, nearest_place_km, [median_<value_name>].
        Sorted by cluster id (descending size for results of this module), then a row for
        noise when there is any (cluster -1; centre and extent are NaN).
    """
    latitude, longitude = _check_coordinates(latitude_deg, longitude_deg)
    cluster_labels = np.asarray(labels)
    if cluster_labels.shape != latitude.shape or not np.issubdtype(
        cluster_labels.dtype, np.integer
    ):
        raise ValueError(
            f"labels has shape {cluster_labels.shape} and dtype {cluster_labels.dtype}; "
            f"expected integers of shape {latitude.shape}."
        )
    if (cluster_labels < -1).any():
        raise ValueError("labels contain values below -1; expected -1 (noise) or cluster ids >= 0.")
    point_values = None
    if values is not None:
        point_values = np.asarray(values, dtype=np.float64)
        if point_values.shape != latitude.shape:
            raise ValueError(
                f"values has shape {point_values.shape}; expected {latitude.shape} to match labels."
            )
    columns = [
        "cluster",
        "size",
        "share",
        "centre_latitude",
        "centre_longitude",
        "radius_km",
        "extent_km",
    ]
    if places:
        columns += ["nearest_place", "nearest_place_km"]
    if point_values is not None:
        columns.append(f"median_{value_name}")
    place_latitude = np.array([place.latitude for place in places])
    place_longitude = np.array([place.longitude for place in places])
    rows = []
    cluster_ids = [int(c) for c in np.unique(cluster_labels) if c >= 0]
    if (cluster_labels == -1).any():
        cluster_ids.append(-1)
    for cluster in cluster_ids:
        members = cluster_labels == cluster
        # Noise has no centre, extent or nearest place; a column not asked for is left out below.
        row: dict[str, object] = dict.fromkeys(columns, np.nan) | {"nearest_place": None}
        row.update(cluster=cluster, size=int(members.sum()), share=float(members.mean()))
        if cluster >= 0:
            centre_lat, centre_lon = _spherical_mean(latitude[members], longitude[members])
            distances = haversine_km(latitude[members], longitude[members], centre_lat, centre_lon)
            row.update(
                centre_latitude=centre_lat,
                centre_longitude=centre_lon,
                radius_km=float(np.median(distances)),
                extent_km=float(np.quantile(distances, 0.9)),
            )
            if places:
                to_places = haversine_km(centre_lat, centre_lon, place_latitude, place_longitude)
                best = int(np.argmin(to_places))
                row.update(nearest_place=places[best].name, nearest_place_km=float(to_places[best]))
        if point_values is not None:
            row[f"median_{value_name}"] = float(np.nanmedian(point_values[members]))
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)
