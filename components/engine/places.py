"""Your own places: the built-in example, coordinate choices, the k-means model and its views.

Pure Python (no Streamlit). The upload itself is read and validated by
:mod:`components.engine.upload`; this module turns a validated
:class:`~components.engine.upload.PlacesData` into what the "Your own places" page shows:

- :func:`example_places_csv`: a small, deterministic CSV of synthetic places around three towns,
  so the page can be tried without a file (it goes through the same reader as an upload).
- :func:`column_names` / :func:`detect_coordinates`: the header as the reader names it, and the
  coordinate columns found by name, for the page's two coordinate selectboxes.
- :func:`fit_places`: k-means for every feasible k (the fast exact sweep), on the rows that have
  every chosen feature; k stops at ``min(15, usable rows - 1, distinct scaled rows)``.
- :func:`numeric_values`, :func:`places_profile`, :func:`map_rows`: a column to summarise, the
  per-cluster profile of one k, and the rows the map draws. The map, legend and box plot are
  built by :mod:`components.figures.maps` and :mod:`components.figures.charts`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.engine.clustering import cluster_profile, n_distinct_rows
from components.engine.grouped import GroupSummary
from components.engine.lod import LevelOfDetail, level_of_detail
from components.engine.parquet_limits import check_parquet_limits, is_parquet
from components.engine.scaling import SCALERS, scale_features
from components.engine.sweep.run import SweepResult, sweep_k
from components.engine.upload import (
    LATITUDE_NAMES,
    LONGITUDE_NAMES,
    MAX_UPLOAD_BYTES,
    PlacesData,
    PlacesError,
    _check_bytes,
    _checked_shape,
    _clean_names,
    _decode,
    _find_column,
    _header_names,
    check_clusterable,
)

__all__ = [
    "EXAMPLE_FILE_NAME",
    "FIT_SAMPLE_ROWS",
    "K_MAX",
    "MAX_LOD_VALUES",
    "MAX_MAP_POINTS",
    "SAMPLE_N_INIT",
    "PlacesModel",
    "column_names",
    "default_features",
    "default_value_column",
    "detect_coordinates",
    "example_places_csv",
    "fit_places",
    "labels_for",
    "lod_value_columns",
    "map_rows",
    "numeric_values",
    "places_level_of_detail",
    "places_profile",
]

K_MAX = 15  # the palette has 15 colours; the Clusters page's k range is [2, 15] too
# Up to this many clustered places the map draws every one (with its name in the tooltip);
# above it, the level-of-detail map of cells merged on the server (about the housing map).
MAX_MAP_POINTS = 20_000
# Above this many rows, k-means is fitted on a fixed-seed sample of this many and every
# place gets its nearest centroid: at 1,000,000 places the sweep's fits take about 4 s
# instead of 10-15 s (benchmarks/scale.py measures the time and the inertia against
# fitting every row on each run; BENCHMARKS.md, Scale).
FIT_SAMPLE_ROWS = 100_000
# k-means++ starts per k on that sample (one on smaller files, scikit-learn's "auto"):
# the time the sample saves buys starts. With one start, which local optimum k-means
# lands in moved the inertia by -7 % to +11 % per k against one start on every row; with
# three, the sample's inertia was 0.5 % lower on average (BENCHMARKS.md, Scale).
SAMPLE_N_INIT = 3
# Numeric columns averaged per cell in the level-of-detail map's tooltip.
MAX_LOD_VALUES = 3
EXAMPLE_FILE_NAME = "example_places.csv"
# (town, latitude, longitude, places, spread in degrees, rent per m2 in EUR): three real towns
# of the French Alps; the places around them are synthetic.
EXAMPLE_TOWNS: tuple[tuple[str, float, float, int, float, float], ...] = (
    ("Grenoble", 45.188, 5.724, 150, 0.030, 13.5),
    ("Chambery", 45.566, 5.921, 100, 0.022, 12.0),
    ("Annecy", 45.899, 6.129, 70, 0.018, 17.5),
)


# --------------------------------------------------------------------------- example


def example_places_csv(seed: int = 0) -> bytes:
    """Return a small CSV of synthetic places around three towns (deterministic).

    Parameters
    ----------
    seed : int
        Seed of the random positions and values.

    Returns
    -------
    bytes
        UTF-8 CSV with columns name, town, latitude, longitude, rent_per_m2, floor_area_m2
        (320 rows).
    """
    rng = np.random.default_rng(seed)
    frames = []
    for town, latitude, longitude, n_places, spread, rent in EXAMPLE_TOWNS:
        # Longitude degrees are shorter than latitude degrees at 45 N: widen them so the
        # towns look round on the map.
        widen = 1.0 / math.cos(math.radians(latitude))
        frames.append(
            pd.DataFrame(
                {
                    "name": [f"{town} {i + 1:03d}" for i in range(n_places)],
                    "town": town,
                    "latitude": np.round(latitude + rng.normal(0, spread, n_places), 5),
                    "longitude": np.round(longitude + rng.normal(0, spread * widen, n_places), 5),
                    "rent_per_m2": np.round(rent + rng.normal(0, 1.6, n_places), 1),
                    "floor_area_m2": np.round(rng.lognormal(math.log(62), 0.35, n_places)),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame["floor_area_m2"] = frame["floor_area_m2"].astype(int)
    return frame.to_csv(index=False).encode("utf-8")


# --------------------------------------------------------------------------- columns


def column_names(data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES) -> tuple[str, ...]:
    """Return the file's column names as :func:`components.upload.read_places_csv` names them.

    Uses the reader's own checks and limits, delimiter rule and name cleaning (stripped, repeats
    numbered), so a name chosen from this list is found by the reader; only the header line of
    a CSV is parsed, only the footer of a Parquet file (starting with ``PAR1``).

    Parameters
    ----------
    data : bytes
        The uploaded file's content.
    max_bytes : int
        The size limit.

    Returns
    -------
    tuple of str
        The columns; empty when the file cannot be read (the reader then says why).
    """
    try:
        if is_parquet(data):
            footer = check_parquet_limits(data, max_bytes=max_bytes, error=PlacesError)
            return tuple(_clean_names(footer.names))
        raw = _check_bytes(data, None, max_bytes)
        shape = _checked_shape(raw)
        _decode(raw)
        return tuple(_header_names(shape))
    except PlacesError:
        return ()


def detect_coordinates(columns: Sequence[str]) -> tuple[str | None, str | None]:
    """Return the latitude and longitude columns found by name (None where there is none).

    Parameters
    ----------
    columns : sequence of str
        Column names.

    Returns
    -------
    (str or None, str or None)
        Latitude column, longitude column, by the reader's names and order of preference.
    """
    names = list(columns)
    return _find_column(names, LATITUDE_NAMES), _find_column(names, LONGITUDE_NAMES)


def default_features(places: PlacesData) -> tuple[str, ...]:
    """Return latitude, longitude and the first other numeric feature (if any).

    Parameters
    ----------
    places : PlacesData
        A validated file.

    Returns
    -------
    tuple of str
        The features a new file starts with.
    """
    return (places.lat_col, places.lon_col, *places.feature_columns[:1])


def default_value_column(places: PlacesData) -> str:
    """Return the column the box plot and legend start with: the first feature, else latitude."""
    return places.feature_columns[0] if places.feature_columns else places.lat_col


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class PlacesModel:
    """k-means of a places file for every feasible k.

    Attributes
    ----------
    features : tuple of str
        The columns clustered on.
    scaler : str
        The scaler used (a key of ``scaling.SCALERS``).
    rows : np.ndarray
        Positions in ``PlacesData.frame`` of the clustered rows (those with every feature).
    sweep : SweepResult
        Labels, centroids and metrics of every k in ``[2, k_max]``.
    n_rows : int
        Rows of the file with coordinates (clustered or not).
    n_distinct : int
        Distinct scaled rows, counted up to 15 (k cannot exceed it).
    warning : str or None
        What the user should know about the scaler, if anything.
    """

    features: tuple[str, ...]
    scaler: str
    rows: np.ndarray
    sweep: SweepResult
    n_rows: int
    n_distinct: int
    warning: str | None

    @property
    def k_max(self) -> int:
        """The largest k of the sweep."""
        return self.sweep.k_values[-1]

    @property
    def n_clustered(self) -> int:
        """Rows that were clustered."""
        return int(self.rows.size)

    @property
    def k_limit_note(self) -> str | None:
        """Why k stops below 15 for this file (None when it does not)."""
        if self.k_max >= K_MAX:
            return None
        if self.k_max == self.n_clustered - 1:
            reason = f"it has {self.n_clustered:,} rows to cluster and k must be below that"
        else:
            reason = f"there are only {self.n_distinct:,} distinct places on these features"
        return f"k goes up to {self.k_max} for this file: {reason}."


def _scaler_names(features: Sequence[str], lat_col: str, lon_col: str) -> tuple[str, ...]:
    """Names for ``scale_features``: the coordinates as latitude/longitude, others numbered.

    The geographic scaler finds the coordinates by these two names; numbering the other
    columns keeps a file's own column called "latitude" (not the chosen one) apart.
    """
    renamed = {lat_col: "latitude", lon_col: "longitude"}
    return tuple(
        renamed.get(name, f"feature_{index}") for index, name in enumerate(features, start=1)
    )


def fit_places(
    places: PlacesData,
    features: Sequence[str],
    scaler: str = "standard",
    *,
    location_weight: float = 1.0,
    random_state: int = 0,
) -> PlacesModel:
    """Scale the chosen features and run k-means for every feasible k.

    Parameters
    ----------
    places : PlacesData
        A validated file.
    features : sequence of str
        Numeric columns of the file (coordinates allowed).
    scaler : str
        A key of ``scaling.SCALERS``; "geographic" needs both coordinate columns among the
        features.
    location_weight : float
        Geographic scaler only, in [0, 10].
    random_state : int
        Seed of k-means.

    Returns
    -------
    PlacesModel
        The sweep over k in ``[2, min(15, rows - 1, distinct scaled rows)]``, clusters numbered
        north to south at k = 2 and kept stable as k grows.

    Raises
    ------
    PlacesError
        When the features cannot be clustered (too few rows, a constant feature, fewer than
        two distinct places); the message says what to change.
    """
    check = check_clusterable(places, features, 2)
    chosen = check.features
    if scaler not in SCALERS:
        raise ValueError(f"scaler={scaler!r} is not one of {tuple(SCALERS)}.")
    if scaler == "geographic" and not {places.lat_col, places.lon_col} <= set(chosen):
        raise ValueError(
            f"The geographic scaler needs both coordinate columns ('{places.lat_col}', "
            f"'{places.lon_col}') among the features; got {list(chosen)}."
        )
    values = places.frame[list(chosen)].to_numpy(dtype=np.float64)
    rows = np.flatnonzero(np.isfinite(values).all(axis=1))
    scaled = scale_features(
        values[rows],
        _scaler_names(chosen, places.lat_col, places.lon_col),
        scaler,
        location_weight=location_weight,
    )
    n_distinct = n_distinct_rows(scaled.train, at_most=K_MAX)
    k_max = min(K_MAX, rows.size - 1, n_distinct)
    if k_max < 2:
        raise PlacesError(
            f"After scaling ({SCALERS[scaler]}) the {rows.size:,} places are only {n_distinct} "
            "distinct point(s), so they cannot be split into 2 clusters. Choose another scaler "
            "or other features."
        )
    sweep = sweep_k(
        scaled.train,
        range(2, k_max + 1),
        random_state=random_state,
        order_key=places.frame[places.lat_col].to_numpy(dtype=np.float64)[rows],
        max_fit_rows=FIT_SAMPLE_ROWS,
        n_init=SAMPLE_N_INIT if rows.size > FIT_SAMPLE_ROWS else "auto",
    )
    rows.setflags(write=False)
    return PlacesModel(
        features=chosen,
        scaler=scaler,
        rows=rows,
        sweep=sweep,
        n_rows=places.n_rows,
        n_distinct=n_distinct,
        warning=scaled.warning,
    )


def labels_for(model: PlacesModel, k: int) -> np.ndarray:
    """Return the cluster id of every row of the file at k (-1: not clustered).

    Parameters
    ----------
    model : PlacesModel
        From :func:`fit_places`.
    k : int
        A k of the sweep.

    Returns
    -------
    np.ndarray
        int64, one id per row of ``PlacesData.frame``, read-only.
    """
    labels = np.full(model.n_rows, -1, dtype=np.int64)
    labels[model.rows] = model.sweep.labels_for(k)
    labels.setflags(write=False)
    return labels


# --------------------------------------------------------------------------- views


def numeric_values(places: PlacesData, column: str) -> np.ndarray:
    """Return a numeric column of the file as float64 (NaN where empty).

    Parameters
    ----------
    places : PlacesData
        The file.
    column : str
        One of ``places.numeric_columns``.

    Returns
    -------
    np.ndarray
        One value per row of ``places.frame``.
    """
    if column not in places.numeric_columns:
        raise ValueError(
            f"column={column!r} is not a numeric column; expected one of "
            f"{list(places.numeric_columns)}."
        )
    return places.frame[column].to_numpy(dtype=np.float64)


def places_profile(
    places: PlacesData,
    labels: np.ndarray,
    features: Sequence[str],
    n_clusters: int,
    value_column: str,
    *,
    value_summary: GroupSummary | None = None,
) -> pd.DataFrame:
    """The engine's per-cluster profile: size, share, feature means, quartiles of a column.

    Parameters
    ----------
    places : PlacesData
        The file.
    labels : np.ndarray
        Cluster id per row (-1: not clustered).
    features : sequence of str
        The clustered features.
    n_clusters : int
        k.
    value_column : str
        The numeric column summarised by median and quartiles.
    value_summary : GroupSummary, optional
        That column's summary per cluster, when the caller has it already.

    Returns
    -------
    pd.DataFrame
        ``clustering.cluster_profile``'s table without its machine-readable standout columns.
    """
    table = cluster_profile(
        places.frame,
        np.asarray(labels),
        list(features),
        value_column,
        standout_columns=list(places.numeric_columns),
        n_clusters=n_clusters,
        value_summary=value_summary,
    )
    return table.drop(columns=["standout_columns", "standout_z"])


def map_rows(n_rows: int, max_points: int = MAX_MAP_POINTS, seed: int = 0) -> np.ndarray:
    """Return the rows drawn on the map: all of them, or a fixed random sample of max_points.

    Parameters
    ----------
    n_rows : int
        Rows of the file.
    max_points : int
        Most points drawn.
    seed : int
        Seed of the sample.

    Returns
    -------
    np.ndarray
        Sorted row positions.
    """
    if max_points < 1:
        raise ValueError(f"max_points={max_points!r} is invalid; expected an integer >= 1.")
    if n_rows <= max_points:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, size=max_points, replace=False))


def lod_value_columns(places: PlacesData) -> tuple[str, ...]:
    """The numeric columns (not the coordinates) averaged per cell of the level-of-detail map.

    Parameters
    ----------
    places : PlacesData
        The file.

    Returns
    -------
    tuple of str
        At most :data:`MAX_LOD_VALUES`, in the file's order.
    """
    return places.feature_columns[:MAX_LOD_VALUES]


def places_level_of_detail(places: PlacesData, model: PlacesModel) -> LevelOfDetail:
    """The clustered places merged into cells per zoom, each k's majority cluster kept.

    Parameters
    ----------
    places : PlacesData
        The file.
    model : PlacesModel
        Its model (from :func:`fit_places`).

    Returns
    -------
    LevelOfDetail
        Over the clustered rows (the others have no cluster to colour a cell); the cells'
        values ``x0``, ``x1``, ... are the means of :func:`lod_value_columns`.
    """
    if model.n_rows != places.n_rows:
        raise ValueError(
            f"The model has {model.n_rows:,} rows but the file {places.n_rows:,}; expected "
            "the file the model was fitted on."
        )
    rows = model.rows
    frame = places.frame
    return level_of_detail(
        frame[places.lon_col].to_numpy(dtype=np.float64)[rows],
        frame[places.lat_col].to_numpy(dtype=np.float64)[rows],
        {k: model.sweep.labels_for(k) for k in model.sweep.k_values},
        {
            f"x{index}": frame[name].to_numpy(dtype=np.float64)[rows]
            for index, name in enumerate(lod_value_columns(places))
        },
    )
