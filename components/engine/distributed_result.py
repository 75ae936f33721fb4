"""The result of the distributed k-sweep, as written to disk and as the app reads it back.

Pure Python (numpy, pandas; no dask, no Streamlit): the app opens a result written on a
Dask cluster by ``python -m components.engine.distributed`` without needing dask itself.

A result is a small folder:

- ``manifest.json``: what was clustered (the Parquet source, the features, the scaler and its
  fitted parameters, the rows used and left out), where and how (scheduler, workers, engine,
  seconds), the map grid, and per k: inertia, sampled silhouette (mean over the samples, its
  spread and every sample's value), Calinski-Harabasz, Davies-Bouldin, Lloyd iterations, fit
  seconds, cluster sizes and centroids in scaled and in original units. NaN is written as null.
- ``cells.npz``: the map, aggregated per k on a latitude/longitude grid (square cells of
  ``cell_degrees`` degrees anchored at latitude -90, longitude -180): for every non-empty cell,
  its number of places, its majority cluster and how many of its places are in that cluster.

Cluster ids follow the app's colour-identity rule (see :mod:`components.engine.clustering`):
at the smallest k they are numbered by descending mean latitude; from one k to the next they
are matched by the Hungarian algorithm on the overlap of all rows, so a cluster keeps its id,
and its colour, as k moves.

Public functions: :func:`read_distributed_result`, :func:`write_distributed_result`, and the
grid helpers :func:`choose_cell_degrees`, :func:`cell_ids`, :func:`cell_centres`.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from components.engine.scaling import SCALERS
from components.engine.sweep.suggestions import KSuggestion, suggest_k
from components.engine.validation import PerK, check_float, check_int

__all__ = [
    "CELLS_FILE",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "GRID_CELL_DEGREES",
    "MANIFEST_FILE",
    "MAX_CELLS_ACROSS",
    "DistributedSweepResult",
    "cell_centres",
    "cell_ids",
    "cells_frame",
    "choose_cell_degrees",
    "read_distributed_result",
    "write_distributed_result",
]

FORMAT_NAME = "geocluster-distributed-sweep"
FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"
CELLS_FILE = "cells.npz"
# Grid sizes the automatic choice picks from (degrees of latitude and of longitude).
GRID_CELL_DEGREES = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
# The automatic grid has at most this many cells along the longer side of the data's extent,
# so a map has at most MAX_CELLS_ACROSS**2 cells whatever the number of places.
MAX_CELLS_ACROSS = 400
_CELL_DEGREES_RANGE = (1e-4, 10.0)  # the grid sizes a result may have
_CELL_COLUMNS = ("k", "cell", "count", "cluster", "cluster_count")
# The per-k metrics, in the order of DistributedSweepResult.metrics()'s columns.
_METRICS = (
    "inertia",
    "silhouette",
    "silhouette_spread",
    "calinski_harabasz",
    "davies_bouldin",
    "n_iter",
    "fit_seconds",
)
_CENTROIDS = ("centroids", "centroids_original", "initial_centroids")
# The manifest's single values, each stored under the name of the result's attribute, and
# their types.
_SCALARS: dict[str, Callable[[Any], Any]] = {
    "source": str,
    "scaler": str,
    "location_weight": float,
    "latitude_column": str,
    "longitude_column": str,
    "n_rows": int,
    "n_rows_dropped": int,
    "silhouette_sample_size": int,
    "engine": str,
    "scheduler": str,
    "n_workers": int,
}


# --------------------------------------------------------------------------- the map grid


def _grid_shape(cell_degrees: float) -> tuple[int, int]:
    """The globe's grid: its rows (of latitude) and columns (of longitude)."""
    return math.ceil(180.0 / cell_degrees - 1e-9), math.ceil(360.0 / cell_degrees - 1e-9)


def choose_cell_degrees(
    latitude_range: tuple[float, float], longitude_range: tuple[float, float]
) -> float:
    """Return the smallest grid size of :data:`GRID_CELL_DEGREES` that fits the extent.

    Parameters
    ----------
    latitude_range, longitude_range : tuple of float
        ``(min, max)`` of the places' latitudes and longitudes, in degrees.

    Returns
    -------
    float
        Cell size in degrees, with at most :data:`MAX_CELLS_ACROSS` cells along the longer side
        of the extent; the largest size when even it gives more cells.
    """
    span = max(
        float(latitude_range[1]) - float(latitude_range[0]),
        float(longitude_range[1]) - float(longitude_range[0]),
    )
    if not math.isfinite(span) or span < 0:
        raise ValueError(
            f"latitude_range={latitude_range!r} and longitude_range={longitude_range!r} are not "
            "(min, max) pairs of finite degrees with min <= max."
        )
    fitting = (size for size in GRID_CELL_DEGREES if span / size <= MAX_CELLS_ACROSS)
    return next(fitting, GRID_CELL_DEGREES[-1])


def cell_ids(latitude: np.ndarray, longitude: np.ndarray, cell_degrees: float) -> np.ndarray:
    """Return the grid cell of each place (row-major over the whole globe).

    Cell ``row * n_columns + column`` covers latitudes ``[-90 + row * d, -90 + (row + 1) * d)``
    and longitudes ``[-180 + column * d, -180 + (column + 1) * d)``, ``d = cell_degrees``;
    latitude 90 and longitude 180 fall in the last row and column.

    Parameters
    ----------
    latitude, longitude : numpy.ndarray
        Degrees, latitude in [-90, 90], longitude in [-180, 180]; same shape.
    cell_degrees : float
        Cell size in degrees, in [0.0001, 10].

    Returns
    -------
    numpy.ndarray
        int64 cell id per place.
    """
    size = check_float(cell_degrees, "cell_degrees", *_CELL_DEGREES_RANGE)
    lat = np.asarray(latitude, dtype=np.float64)
    lon = np.asarray(longitude, dtype=np.float64)
    if lat.shape != lon.shape:
        raise ValueError(
            f"latitude has shape {lat.shape} and longitude {lon.shape}; expected the same shape."
        )
    for name, degrees, limit in (("latitude", lat, 90), ("longitude", lon, 180)):
        if degrees.size and not (np.isfinite(degrees).all() and np.abs(degrees).max() <= limit):
            raise ValueError(
                f"{name} has values in [{np.nanmin(degrees)}, {np.nanmax(degrees)}] or "
                f"non-finite ones; expected finite degrees in [-{limit}, {limit}]."
            )
    n_rows, n_columns = _grid_shape(size)
    row = np.minimum(np.floor((lat + 90.0) / size).astype(np.int64), n_rows - 1)
    column = np.minimum(np.floor((lon + 180.0) / size).astype(np.int64), n_columns - 1)
    return row * n_columns + column


def cell_centres(cells: np.ndarray, cell_degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the latitude and longitude of the centre of each grid cell.

    Parameters
    ----------
    cells : numpy.ndarray
        Cell ids from :func:`cell_ids` with the same ``cell_degrees``.
    cell_degrees : float
        Cell size in degrees.

    Returns
    -------
    latitude, longitude : numpy.ndarray
        float64 degrees of each cell's centre.
    """
    size = check_float(cell_degrees, "cell_degrees", *_CELL_DEGREES_RANGE)
    ids = np.asarray(cells, dtype=np.int64)
    n_rows, n_columns = _grid_shape(size)
    if ids.size and (ids.min() < 0 or ids.max() >= n_rows * n_columns):
        raise ValueError(
            f"cells has ids in [{ids.min()}, {ids.max()}]; expected ids in "
            f"[0, {n_rows * n_columns - 1}] for cell_degrees={size}."
        )
    row, column = np.divmod(ids, n_columns)
    return -90.0 + (row + 0.5) * size, -180.0 + (column + 0.5) * size


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True, eq=False)
class DistributedSweepResult(PerK):
    """A k-sweep fitted on a Dask cluster: per-k metrics, centroids and an aggregated map.

    Arrays are indexed like ``k_values``. Cluster ids follow the app's colour-identity rule.

    Attributes
    ----------
    source : str
        The Parquet data set that was read (a folder, a file or a glob).
    features : tuple of str
        The columns clustered on, in the order of the centroids' columns.
    scaler : str
        The scaler, a key of :data:`components.engine.scaling.SCALERS`.
    location_weight : float
        The geographic scaler's weight (1.0 for the other scalers).
    latitude_column, longitude_column : str
        The coordinate columns the map cells are computed from.
    n_rows : int
        Rows clustered.
    n_rows_dropped : int
        Rows left out because a feature or a coordinate was missing.
    k_values : tuple of int
        The k's, ascending.
    centroids : tuple of numpy.ndarray
        Per k, shape ``(k, n_features)``, the fitted centres in scaled units; row i = id i.
    centroids_original : tuple of numpy.ndarray
        Per k, shape ``(k, n_features)``, each cluster's mean of the features in their original
        units (NaN for an empty cluster), as the app's cluster profile reports them.
    cluster_sizes : tuple of numpy.ndarray
        Per k, the number of rows of each cluster id (int64).
    initial_centroids : tuple of numpy.ndarray
        Per k, the k-means|| start (scaled units) that Lloyd's iterations began from, row i
        being the start of cluster id i: with it, the fit can be repeated on one machine.
    inertia : numpy.ndarray
        Sum of squared distances of the rows to their nearest centroid (scaled units).
    silhouette : numpy.ndarray
        Mean silhouette over the samples (each sample's silhouette is exact on its rows).
    silhouette_spread : numpy.ndarray
        Standard deviation (ddof=1) of the samples' silhouettes; NaN with one sample.
    silhouette_samples : numpy.ndarray
        Shape ``(n_samples, len(k_values))``: every sample's silhouette.
    silhouette_sample_size : int
        Rows in each silhouette sample.
    calinski_harabasz : numpy.ndarray
        Calinski-Harabasz index of the nearest-centroid labels (exact, higher is better).
    davies_bouldin : numpy.ndarray
        Davies-Bouldin index (lower is better), with each cluster's spread measured from its
        fitted centroid (the cluster mean once Lloyd's iterations have converged).
    n_iter : numpy.ndarray
        Lloyd iterations per k.
    fit_seconds : numpy.ndarray
        Wall time of each k's fit (initialisation and Lloyd's iterations).
    cell_degrees : float
        The map grid's cell size in degrees (see :func:`cell_ids`).
    cells : pandas.DataFrame
        One row per (k, non-empty cell): ``k``, ``cell`` (id), ``latitude`` and ``longitude``
        (the cell's centre), ``count`` (places), ``cluster`` (the majority cluster id; ties go
        to the lowest id) and ``share`` (the majority's share of the cell's places, in (0, 1]).
    scaler_parameters : dict of str to list of float
        The fitted scaler's parameters (e.g. ``center`` and ``scale`` per feature).
    random_state : int
        Seed of the initialisation and of the silhouette samples.
    engine : str
        What fitted the k-means (library and version, initialisation).
    scheduler : str
        Where it ran (the scheduler's address, or the local cluster's).
    n_workers : int
        Workers of the cluster.
    total_seconds : float
        Wall time of the whole run, reading included.
    """

    source: str
    features: tuple[str, ...]
    scaler: str
    location_weight: float
    latitude_column: str
    longitude_column: str
    n_rows: int
    n_rows_dropped: int
    k_values: tuple[int, ...]
    centroids: tuple[np.ndarray, ...]
    centroids_original: tuple[np.ndarray, ...]
    cluster_sizes: tuple[np.ndarray, ...]
    initial_centroids: tuple[np.ndarray, ...]
    inertia: np.ndarray
    silhouette: np.ndarray
    silhouette_spread: np.ndarray
    silhouette_samples: np.ndarray
    silhouette_sample_size: int
    calinski_harabasz: np.ndarray
    davies_bouldin: np.ndarray
    n_iter: np.ndarray
    fit_seconds: np.ndarray
    cell_degrees: float
    cells: pd.DataFrame
    scaler_parameters: dict[str, list[float]] = field(default_factory=dict)
    random_state: int = 0
    engine: str = ""
    scheduler: str = ""
    n_workers: int = 0
    total_seconds: float = float("nan")
    k_holder: ClassVar[str] = "the result"

    def centroids_for(self, k: int, *, original_units: bool = False) -> np.ndarray:
        """Return the centroids of ``k`` (row i = cluster id i).

        Parameters
        ----------
        k : int
            Number of clusters (one of ``k_values``).
        original_units : bool
            False: fitted centres in scaled units; True: each cluster's mean of the features in
            their original units.

        Returns
        -------
        numpy.ndarray
            Shape ``(k, n_features)``, columns in the order of ``features``.
        """
        index = self.index_of(k)
        return self.centroids_original[index] if original_units else self.centroids[index]

    def cells_for(self, k: int) -> pd.DataFrame:
        """Return the map cells of ``k``.

        Parameters
        ----------
        k : int
            Number of clusters (one of ``k_values``).

        Returns
        -------
        pandas.DataFrame
            Columns ``cell``, ``latitude``, ``longitude``, ``count``, ``cluster``, ``share``;
            one row per non-empty cell, ordered by cell id.
        """
        self.index_of(k)
        rows = self.cells[self.cells["k"] == k]
        return rows.drop(columns="k").reset_index(drop=True)

    def profile(self, k: int) -> pd.DataFrame:
        """Return one row per cluster of ``k``: id, size, share and centroid in original units.

        The first columns of :func:`components.engine.clustering.profiles_table`, which the
        app shows for a fit on one machine.

        Parameters
        ----------
        k : int
            One of ``k_values``.

        Returns
        -------
        pandas.DataFrame
            ``cluster``, ``size`` and ``share``, then the cluster's mean of each feature.
        """
        index = self.index_of(k)
        sizes = self.cluster_sizes[index]
        frame = pd.DataFrame({"cluster": np.arange(k), "size": sizes})
        frame["share"] = sizes / max(int(sizes.sum()), 1)
        for column, name in enumerate(self.features):
            frame[name] = self.centroids_original[index][:, column]
        return frame

    def metrics(self) -> pd.DataFrame:
        """Return the per-k metrics, one row per k.

        Returns
        -------
        pandas.DataFrame
            Columns ``k``, ``inertia``, ``silhouette``, ``silhouette_spread``,
            ``calinski_harabasz``, ``davies_bouldin``, ``n_iter``, ``fit_seconds``.
        """
        metrics = {name: getattr(self, name) for name in _METRICS}
        return pd.DataFrame({"k": np.asarray(self.k_values), **metrics})

    def suggestion(self) -> KSuggestion:
        """Return the k's suggested by the inertia knee, the silhouette and Calinski-Harabasz.

        Returns
        -------
        KSuggestion
            The same suggestion the app makes for a sweep on one machine.
        """
        return suggest_k(self.k_values, self.inertia, self.silhouette, self.calinski_harabasz)


# --------------------------------------------------------------------------- writing


def _numbers(values: Any) -> Any:
    """A number or nested lists of them as floats, NaN and infinities as None (not JSON)."""
    array = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(array), array, np.array(None)).tolist()


def _is_result_folder(path: Path) -> bool:
    try:
        manifest = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == FORMAT_NAME


def write_distributed_result(result: DistributedSweepResult, path: str | os.PathLike[str]) -> Path:
    """Write a result folder (``manifest.json`` and ``cells.npz``), replacing an older result.

    The folder is written beside ``path`` under a temporary name and then renamed, so a reader
    never sees half a result.

    Parameters
    ----------
    result : DistributedSweepResult
        What to write.
    path : str or os.PathLike
        The result folder; an existing folder is replaced only if it holds a result.

    Returns
    -------
    pathlib.Path
        The folder written.

    Raises
    ------
    ValueError
        When ``path`` exists and is not a result folder (nothing is overwritten).
    """
    target = Path(path)
    if target.exists() and not _is_result_folder(target):
        raise ValueError(
            f"{target} exists and is not a result folder (no {MANIFEST_FILE} of format "
            f"{FORMAT_NAME!r}); expected a new path or an earlier result to replace."
        )
    per_k = [
        {
            "k": int(k),
            **{name: _numbers(getattr(result, name)[index]) for name in _METRICS},
            "n_iter": int(result.n_iter[index]),  # an integer, in its place among the metrics
            "silhouette_samples": _numbers(result.silhouette_samples[:, index]),
            "sizes": [int(size) for size in result.cluster_sizes[index]],
            **{name: _numbers(getattr(result, name)[index]) for name in _CENTROIDS},
        }
        for index, k in enumerate(result.k_values)
    ]
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        **{name: kind(getattr(result, name)) for name, kind in _SCALARS.items()},
        "features": list(result.features),
        "random_state": int(result.random_state),
        "scaler_parameters": {
            name: _numbers(values) for name, values in result.scaler_parameters.items()
        },
        "grid": {"kind": "latitude/longitude", "cell_degrees": result.cell_degrees},
        "total_seconds": _numbers(result.total_seconds),
        "per_k": per_k,
    }
    cells = result.cells
    temporary = target.with_name(f".{target.name}.writing-{os.getpid()}")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    (temporary / MANIFEST_FILE).write_text(
        json.dumps(manifest, indent=1, allow_nan=False) + "\n", encoding="utf-8"
    )
    share_count = np.rint(cells["share"].to_numpy() * cells["count"].to_numpy())
    np.savez_compressed(
        temporary / CELLS_FILE,
        k=cells["k"].to_numpy(dtype=np.int16),
        cell=cells["cell"].to_numpy(dtype=np.int64),
        count=cells["count"].to_numpy(dtype=np.int64),
        cluster=cells["cluster"].to_numpy(dtype=np.int16),
        cluster_count=share_count.astype(np.int64),
    )
    if target.exists():
        shutil.rmtree(target)
    temporary.rename(target)
    return target


def cells_frame(
    k: np.ndarray,
    cells: np.ndarray,
    count: np.ndarray,
    cluster: np.ndarray,
    cluster_count: np.ndarray,
    cell_degrees: float,
) -> pd.DataFrame:
    """Build the :attr:`DistributedSweepResult.cells` frame from its stored columns.

    Parameters
    ----------
    k, cells, count, cluster, cluster_count : numpy.ndarray
        Per (k, cell): the k, the cell id, its places, its majority cluster and that
        cluster's places in the cell.
    cell_degrees : float
        The grid's cell size.

    Returns
    -------
    pandas.DataFrame
        Columns ``k``, ``cell``, ``latitude``, ``longitude``, ``count``, ``cluster``, ``share``.
    """
    latitude, longitude = cell_centres(cells, cell_degrees)
    counts = np.asarray(count, dtype=np.int64)
    return pd.DataFrame(
        {
            "k": np.asarray(k, dtype=np.int64),
            "cell": np.asarray(cells, dtype=np.int64),
            "latitude": latitude,
            "longitude": longitude,
            "count": counts,
            "cluster": np.asarray(cluster, dtype=np.int64),
            "share": np.asarray(cluster_count, dtype=np.float64) / np.maximum(counts, 1),
        }
    )


# --------------------------------------------------------------------------- reading


def read_distributed_result(path: str | os.PathLike[str]) -> DistributedSweepResult:
    """Open a result folder written by ``python -m components.engine.distributed``.

    The app can use it as a data source: per-k metrics for the elbow / silhouette chart and the
    Choose k table (:meth:`DistributedSweepResult.metrics`, ``suggestion``), cluster sizes and
    centroids for the legend and profiles (``profile``), and the aggregated map of each k
    (``cells_for``: one coloured cell per grid square, its majority cluster and share).

    Parameters
    ----------
    path : str or os.PathLike
        The result folder.

    Returns
    -------
    DistributedSweepResult
        The result, with the cells' centres computed from the grid.

    Raises
    ------
    FileNotFoundError
        When the folder or one of its two files is missing.
    ValueError
        When the files are not a result of a supported format version, or disagree with
        each other (the message names the value and what was expected).
    """
    folder = Path(path)
    manifest_path = folder / MANIFEST_FILE
    cells_path = folder / CELLS_FILE
    for required in (manifest_path, cells_path):
        if not required.is_file():
            raise FileNotFoundError(
                f"{required} does not exist; expected a result folder written by "
                "`python -m components.engine.distributed`."
            )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"{manifest_path} is not valid JSON ({error}).") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise ValueError(f"{manifest_path} has format={found!r}; expected {FORMAT_NAME!r}.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{manifest_path} has format_version={manifest.get('format_version')!r}; "
            f"this app reads version {FORMAT_VERSION}."
        )
    try:
        return _result_from(manifest, cells_path)
    except (KeyError, TypeError, IndexError) as error:
        raise ValueError(
            f"{folder} is an incomplete or damaged result ({type(error).__name__}: {error}); "
            "write it again with `python -m components.engine.distributed`."
        ) from error


def _cell_columns(cells_path: Path) -> dict[str, np.ndarray]:
    """The stored cell arrays; a file that is not an .npz of them raises ValueError naming it."""
    try:
        stored = np.load(cells_path, allow_pickle=False)
        if not isinstance(stored, np.lib.npyio.NpzFile):
            raise ValueError("one array, not an .npz archive of arrays")
        with stored:
            missing = [name for name in _CELL_COLUMNS if name not in stored.files]
            if missing:
                raise ValueError(f"lacks the arrays {missing}; expected {_CELL_COLUMNS}")
            return {name: stored[name] for name in _CELL_COLUMNS}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        # np.load reads any file it does not recognise as a pickle, which it refuses.
        reason = "not an .npz archive" if "pickle" in str(error) else str(error)
        raise ValueError(
            f"{cells_path} is not a readable cells file ({reason}); write the result again "
            "with `python -m components.engine.distributed`."
        ) from error


def _result_from(manifest: dict[str, Any], cells_path: Path) -> DistributedSweepResult:
    per_k = manifest["per_k"]
    k_values = tuple(int(entry["k"]) for entry in per_k)
    features = tuple(str(name) for name in manifest["features"])
    if not k_values or list(k_values) != sorted(set(k_values)):
        raise ValueError(f"per_k has k's {list(k_values)}; expected distinct ascending k's.")
    centroids, originals, starts = (
        tuple(np.asarray(entry[name], dtype=np.float64).reshape(entry["k"], -1) for entry in per_k)
        for name in _CENTROIDS
    )
    for k, *shapes in zip(k_values, centroids, originals, starts, strict=True):
        if any(array.shape != (k, len(features)) for array in shapes):
            raise ValueError(
                f"centroids of k={k} have shapes {[array.shape for array in shapes]}; "
                f"expected ({k}, {len(features)}) for features {list(features)}."
            )
    if manifest["scaler"] not in SCALERS:
        raise ValueError(
            f"scaler={manifest['scaler']!r} is unknown; expected one of {list(SCALERS)}."
        )
    # The app samples the result's rows with its seed.
    random_state = check_int(manifest["random_state"], "random_state", 0)
    cell_degrees = float(manifest["grid"]["cell_degrees"])
    columns = _cell_columns(cells_path)
    unknown = sorted(set(np.unique(columns["k"]).tolist()) - set(k_values))
    if unknown:
        raise ValueError(f"{cells_path} has cells for k={unknown}; expected k's in {k_values}.")
    ks, cell, count, cluster, cluster_count = columns.values()
    cells = cells_frame(ks, cell, count, cluster, cluster_count, cell_degrees)
    spread = [entry["silhouette_samples"] for entry in per_k]
    metrics: dict[str, Any] = {
        name: np.asarray(
            [entry[name] for entry in per_k], np.int64 if name == "n_iter" else np.float64
        )
        for name in _METRICS
    }
    return DistributedSweepResult(
        **{name: kind(manifest[name]) for name, kind in _SCALARS.items()},
        features=features,
        k_values=k_values,
        centroids=centroids,
        centroids_original=originals,
        cluster_sizes=tuple(np.asarray(entry["sizes"], np.int64) for entry in per_k),
        initial_centroids=starts,
        **metrics,
        silhouette_samples=np.asarray(spread, dtype=np.float64).T.reshape(-1, len(k_values)),
        cell_degrees=cell_degrees,
        cells=cells,
        scaler_parameters={
            str(name): np.asarray(values, dtype=np.float64).tolist()
            for name, values in manifest["scaler_parameters"].items()
        },
        random_state=random_state,
        total_seconds=float(np.asarray(manifest["total_seconds"], dtype=np.float64)),
    )
