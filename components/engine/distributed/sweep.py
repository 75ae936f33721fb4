"""The k-sweep on a Dask cluster: dask-ml's KMeans for every k, then the app's ids and metrics.

Steps (each a few passes over the persisted rows, none holding them on this machine):

1. Read the Parquet columns (:mod:`.read`) and scale them as the app does (:mod:`.scale`).
2. One k-means|| candidate set for every k (:mod:`.start`: 5 rounds, oversampling twice the
   largest k, candidates weighted by their nearest rows); per k, scikit-learn's k-means++ on
   the weighted candidates gives the start, and dask-ml's ``KMeans`` runs Lloyd's iterations
   from it on all rows (4 k's at a time). scikit-learn's tolerance is relative to the data's
   variance; it is passed to dask-ml as ``tol * mean variance``.
   dask-ml's own ``inertia_`` and ``labels_`` are not used (its ``inertia_`` is a sum of
   unsquared distances when the last iteration moved the centres by more than 1e-7).
3. One pass labels every row for every k (nearest centroid, ties to the lowest id, as
   :func:`components.engine.clustering.assign_to_centroids`) and sums per chunk: cluster sizes,
   sums of the scaled and original features and of latitude, squared distances, the overlap
   of consecutive k's, and the map cells' counts per cluster. The sums are merged in a tree.
4. Stable ids as in the app: each k's clusters are first ordered by descending mean latitude
   (:func:`~components.engine.clustering.order_by_means`), then matched to the previous k by
   the Hungarian algorithm on their overlap over all rows
   (:func:`~components.engine.partitions.match_overlap`).
5. A second pass sums each cluster's distances to its mean, so Calinski-Harabasz and
   Davies-Bouldin are exact (``sweep.metrics.indices_from_cluster_statistics``).
6. The silhouette of several random samples of rows (exact on each sample, with the app's
   :func:`~components.engine.sweep.metrics.mean_silhouettes`): their mean and spread.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import dask
import dask.array as da
import dask_ml
import numpy as np
from dask import delayed
from dask_ml.cluster import KMeans
from distributed import Client

from components.engine.clustering import assign_to_centroids, map_largest_first, order_by_means
from components.engine.distributed.cluster import describe_client
from components.engine.distributed.read import read_parquet_columns
from components.engine.distributed.scale import (
    ColumnMoments,
    column_moments,
    fit_chunk_scaler,
)
from components.engine.distributed.start import kmeans_parallel_candidates, start_for
from components.engine.distributed_result import (
    DistributedSweepResult,
    cell_ids,
    cells_frame,
    choose_cell_degrees,
)
from components.engine.partitions import match_overlap
from components.engine.places import K_MAX
from components.engine.sweep.metrics import (
    indices_from_cluster_statistics,
    mean_silhouettes,
    sums_by_label,
)
from components.engine.validation import check_int, check_random_state, validate_k_values

__all__ = ["KMEANS_TOLERANCE", "run_distributed_sweep"]

KMEANS_TOLERANCE = 1e-4  # scikit-learn's default tol, relative to the mean feature variance
# Sampling rounds of the shared k-means|| start (components.engine.distributed.start).
KMEANS_PARALLEL_ROUNDS = 5
# Fits run at a time: a fit waits on the scheduler between its passes, so a few at once
# keep the workers busy.
CONCURRENT_FITS = 4
_MERGE_FAN_IN = 8


@dataclass
class _ChunkSums:
    """Per-k sums over some rows (one chunk, or several merged)."""

    counts: list[np.ndarray]
    scaled_sums: list[np.ndarray]
    original_sums: list[np.ndarray]
    latitude_sums: list[np.ndarray]
    squared_distance_sums: list[np.ndarray]
    overlaps: list[np.ndarray]
    cells: list[tuple[np.ndarray, np.ndarray]]  # the codes ``cell * k + label`` and their rows


def _sum_chunk(
    scaled: np.ndarray,
    values: np.ndarray,
    centroids: list[np.ndarray],
    feature_columns: list[int],
    latitude_column: int,
    longitude_column: int,
    cell_degrees: float,
) -> _ChunkSums:
    """Label one chunk's rows for every k and sum what the result needs."""
    latitude = values[:, latitude_column]
    cells = cell_ids(latitude, values[:, longitude_column], cell_degrees)
    originals = values[:, feature_columns]
    sums = _ChunkSums([], [], [], [], [], [], [])
    # The first k's overlap is with one cluster holding every row (unused).
    previous = np.zeros(scaled.shape[0], dtype=np.int64)
    k_previous = 1
    for centres in centroids:
        k = centres.shape[0]
        labels = assign_to_centroids(scaled, centres)
        deviation = scaled - centres[labels]
        squared = np.einsum("ij,ij->i", deviation, deviation)
        sums.counts.append(np.bincount(labels, minlength=k))
        sums.scaled_sums.append(sums_by_label(scaled, labels, k))
        sums.original_sums.append(sums_by_label(originals, labels, k))
        sums.latitude_sums.append(np.bincount(labels, weights=latitude, minlength=k))
        sums.squared_distance_sums.append(np.bincount(labels, weights=squared, minlength=k))
        overlap = np.bincount(previous * k + labels, minlength=k_previous * k)
        sums.overlaps.append(overlap.reshape(k_previous, k))
        codes, counts = np.unique(cells * k + labels, return_counts=True)
        sums.cells.append((codes, counts.astype(np.int64)))
        previous, k_previous = labels, k
    return sums


def _add_per_k(*parts: list[np.ndarray]) -> list[np.ndarray]:
    """Per k, the sum of the parts' arrays."""
    return [functools.reduce(np.add, arrays) for arrays in zip(*parts, strict=True)]


def _merge_sums(*parts: _ChunkSums) -> _ChunkSums:
    added = {
        field.name: _add_per_k(*(getattr(part, field.name) for part in parts))
        for field in fields(_ChunkSums)
        if field.name != "cells"
    }
    cells = []
    for per_part in zip(*(part.cells for part in parts), strict=True):
        codes, counts = map(np.concatenate, zip(*per_part, strict=True))
        unique, inverse = np.unique(codes, return_inverse=True)
        summed = np.bincount(inverse.reshape(-1), weights=counts, minlength=unique.size)
        cells.append((unique, np.rint(summed).astype(np.int64)))
    return _ChunkSums(**added, cells=cells)


def _spread_chunk(
    scaled: np.ndarray, centroids: list[np.ndarray], means: list[np.ndarray]
) -> list[np.ndarray]:
    """Per k: each cluster's sum of distances (not squared) and squared distances to its mean."""
    spread = []
    for centres, centre_means in zip(centroids, means, strict=True):
        k = centres.shape[0]
        labels = assign_to_centroids(scaled, centres)
        deviation = scaled - centre_means[labels]
        squared = np.einsum("ij,ij->i", deviation, deviation)
        spread.append(sums_by_label(np.column_stack([np.sqrt(squared), squared]), labels, k).T)
    return spread


def _sum_blocks(
    sum_chunk: Callable[..., Any],
    merge: Callable[..., Any],
    blocks: list[da.Array],
    *arguments: Any,
) -> Any:
    """``sum_chunk`` of each chunk of ``blocks`` on the workers, merged in a tree of fan-in 8."""
    level = [
        delayed(sum_chunk)(*chunk, *arguments)
        for chunk in zip(*(array.to_delayed().ravel() for array in blocks), strict=True)
    ]
    while len(level) > 1:
        level = [
            delayed(merge)(*level[start : start + _MERGE_FAN_IN])
            for start in range(0, len(level), _MERGE_FAN_IN)
        ]
    (merged,) = dask.compute(level[0])
    return merged


def _stable_ids(sums: _ChunkSums) -> list[np.ndarray]:
    """Per k, ``stable_id_of_raw``: the app's colour-identity rule on the summed tables."""
    stable: list[np.ndarray] = []
    for index, counts in enumerate(sums.counts):
        with np.errstate(invalid="ignore", divide="ignore"):
            latitude_means = sums.latitude_sums[index] / counts
        ordered_of_raw = order_by_means(latitude_means)
        if index == 0:
            stable.append(ordered_of_raw)
            continue
        raw_overlap = sums.overlaps[index]
        overlap = np.zeros_like(raw_overlap)
        overlap[np.ix_(stable[-1], ordered_of_raw)] = raw_overlap
        ordered_means = np.empty_like(latitude_means)
        ordered_means[ordered_of_raw] = latitude_means
        stable.append(match_overlap(overlap, ordered_means)[ordered_of_raw])
    return stable


def _in_stable_order(
    per_k: Iterable[np.ndarray], stable: list[np.ndarray]
) -> tuple[np.ndarray, ...]:
    """Per k, the rows (one per raw cluster id) moved to the rows of their stable ids."""
    return tuple(
        rows[np.argsort(stable_of_raw)] for rows, stable_of_raw in zip(per_k, stable, strict=True)
    )


def _majority_cells(
    cell_codes: tuple[np.ndarray, np.ndarray], k: int, stable_of_raw: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Per non-empty cell: the k, the cell, its places, majority (stable) cluster and its places."""
    codes, counts = cell_codes
    cells, raw = np.divmod(codes, k)
    clusters = stable_of_raw[raw]
    order = np.lexsort((clusters, -counts, cells))
    cells, clusters, counts = cells[order], clusters[order], counts[order]
    first = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]])
    totals = np.add.reduceat(counts, first)
    return np.full(first.size, k), cells[first], totals, clusters[first], counts[first]


def _silhouettes(
    scaled: da.Array,
    raw_centroids: list[np.ndarray],
    stable: list[np.ndarray],
    k_values: tuple[int, ...],
    sample_size: int,
    n_samples: int,
    random_state: int,
) -> np.ndarray:
    """Shape ``(n_samples, n_k)``: each random sample's exact mean silhouette per k."""
    n_rows = int(scaled.shape[0])
    size = min(sample_size, n_rows)
    positions = [
        np.sort(np.random.default_rng(random_state + offset).choice(n_rows, size, replace=False))
        for offset in range(n_samples)
    ]
    samples = dask.compute(*[scaled[rows] for rows in positions])
    per_sample = []
    for rows in samples:
        label_matrix = np.vstack(
            [
                stable_of_raw[assign_to_centroids(rows, centres)]
                for centres, stable_of_raw in zip(raw_centroids, stable, strict=True)
            ]
        )
        means, _ = mean_silhouettes(rows, label_matrix, k_values, None)
        per_sample.append(means)
    return np.vstack(per_sample)


def _fit(
    scaled: da.Array, start: np.ndarray, tolerance: float, random_state: int, max_iter: int
) -> tuple[np.ndarray, np.ndarray, int, float]:
    """dask-ml's KMeans (Lloyd's iterations) from a start: (start, centres, iterations, seconds)."""
    start_time = time.perf_counter()
    model = KMeans(
        n_clusters=start.shape[0],
        init=start,
        max_iter=max_iter,
        tol=tolerance,
        random_state=random_state,
    ).fit(scaled)
    centres = np.asarray(model.cluster_centers_, dtype=np.float64)
    return start, centres, int(model.n_iter_), time.perf_counter() - start_time


def run_distributed_sweep(
    source: str,
    client: Client,
    *,
    features: Sequence[str] = ("latitude", "longitude"),
    scaler: str = "standard",
    location_weight: float = 1.0,
    k_values: Iterable[int] = range(2, K_MAX + 1),
    latitude_column: str = "latitude",
    longitude_column: str = "longitude",
    random_state: int = 0,
    silhouette_sample_size: int = 10_000,
    n_silhouette_samples: int = 3,
    cell_degrees: float | None = None,
    chunk_rows: int = 1_000_000,
    max_iter: int = 300,
    init_rounds: int = KMEANS_PARALLEL_ROUNDS,
) -> DistributedSweepResult:
    """Fit k-means for every k on a Parquet data set, on a Dask cluster, as the app would.

    Parameters
    ----------
    source : str
        A Parquet file, a folder of them or a glob (read by dask.dataframe on the workers).
    client : distributed.Client
        The cluster to run on (see :func:`~components.engine.distributed.cluster.dask_client`).
    features : sequence of str
        Numeric columns to cluster on (default: the two coordinates).
    scaler : str
        One of :data:`components.engine.scaling.SCALERS` (default ``standard``).
    location_weight : float
        Geographic scaler only: the weight of the location block, in [0, 10].
    k_values : iterable of int
        Distinct k's, each in [2, 15] (the palette's colours) and below the number of rows.
    latitude_column, longitude_column : str
        The coordinates (degrees) the map cells and the cluster order are computed from.
    random_state : int
        Seed of the k-means|| starts and of the silhouette samples.
    silhouette_sample_size : int
        Rows per silhouette sample, in [100, 50,000] (default 10,000, as in the app).
    n_silhouette_samples : int
        Samples, in [1, 20]; their spread is reported (default 3, as in the app).
    cell_degrees : float, optional
        The map grid's cell size in degrees, in [0.0001, 10]; default: the smallest of
        ``GRID_CELL_DEGREES`` with at most 400 cells across the data's extent.
    chunk_rows : int
        Rows per chunk of the persisted arrays, >= 1,000.
    max_iter : int
        Most Lloyd iterations per k, in [1, 10,000].
    init_rounds : int
        Sampling rounds of the shared k-means|| start, in [1, 50] (default 5).

    Returns
    -------
    DistributedSweepResult
        Metrics, centroids, sizes and map cells per k (write it with
        :func:`~components.engine.distributed_result.write_distributed_result`).

    Raises
    ------
    FileNotFoundError
        When ``source`` does not exist.
    ValueError
        On a bad parameter, a missing or non-numeric column, coordinates out of range, or
        too few rows for the k's; every message names the value and what is accepted.
    """
    started = time.perf_counter()
    names = tuple(dict.fromkeys(features))
    if not names:
        raise ValueError("features is empty; expected at least one column name.")
    requested = list(k_values)
    too_large = [k for k in requested if isinstance(k, int) and k > K_MAX]
    if too_large:
        raise ValueError(
            f"k_values contains {too_large}; expected integers in [2, {K_MAX}] "
            f"(the palette has {K_MAX} colours)."
        )
    seed = check_random_state(random_state, 2**31 - 100)
    sample_size = check_int(silhouette_sample_size, "silhouette_sample_size", 100, 50_000)
    n_samples = check_int(n_silhouette_samples, "n_silhouette_samples", 1, 20)
    iterations = check_int(max_iter, "max_iter", 1, 10_000)
    rounds = check_int(init_rounds, "init_rounds", 1, 50)
    columns = tuple(dict.fromkeys((*names, latitude_column, longitude_column)))
    feature_columns = [columns.index(name) for name in names]
    latitude_index, longitude_index = map(columns.index, (latitude_column, longitude_column))

    with dask.config.set(scheduler=client):
        data = read_parquet_columns(source, columns, chunk_rows=chunk_rows)
        ks = validate_k_values(requested, data.n_rows, None, sort=True)
        moments = column_moments(data.values)
        _check_coordinates(moments, latitude_index, longitude_index, columns)
        grid = (
            choose_cell_degrees(
                (moments.minimum[latitude_index], moments.maximum[latitude_index]),
                (moments.minimum[longitude_index], moments.maximum[longitude_index]),
            )
            if cell_degrees is None
            else cell_degrees
        )
        cell_ids(np.zeros(1), np.zeros(1), grid)  # checks cell_degrees before the long work
        feature_values = data.values[:, feature_columns]
        fitted = fit_chunk_scaler(
            feature_values,
            names,
            scaler,
            ColumnMoments(
                **{name: value[feature_columns] for name, value in vars(moments).items()}
            ),
            location_weight=location_weight,
            latitude_column=latitude_column,
            longitude_column=longitude_column,
        )
        scaled = feature_values.map_blocks(fitted, dtype=np.float64).persist()
        tolerance = KMEANS_TOLERANCE * float(scaled.var(axis=0).mean().compute())

        candidates = kmeans_parallel_candidates(
            scaled, oversampling=2.0 * max(ks), rounds=rounds, random_state=seed
        )
        fits = map_largest_first(
            lambda k: _fit(scaled, start_for(candidates, k, seed), tolerance, seed, iterations),
            ks,
            int,
            CONCURRENT_FITS,
            one_thread_each=False,
        )
        starts, raw_centroids, n_iter, fit_seconds = zip(*fits, strict=True)
        sums: _ChunkSums = _sum_blocks(
            _sum_chunk,
            _merge_sums,
            [scaled, data.values],
            raw_centroids,
            feature_columns,
            latitude_index,
            longitude_index,
            grid,
        )
        stable = _stable_ids(sums)
        means = list(map(_cluster_means, sums.scaled_sums, sums.counts))
        finite_means = [np.nan_to_num(centre_means) for centre_means in means]
        spread = _sum_blocks(_spread_chunk, _add_per_k, [scaled], raw_centroids, finite_means)
        silhouettes = _silhouettes(scaled, raw_centroids, stable, ks, sample_size, n_samples, seed)
        where, n_workers = describe_client(client)

    overall_mean = sums.scaled_sums[0].sum(axis=0) / data.n_rows
    indices = [
        _indices(counts, centre_means, distances, overall_mean)
        for counts, centre_means, distances in zip(sums.counts, means, spread, strict=True)
    ]
    calinski_harabasz, davies_bouldin = np.array(indices).T
    cell_columns = map(_majority_cells, sums.cells, ks, stable)
    k_column, cell, count, cluster, cluster_count = map(
        np.concatenate, zip(*cell_columns, strict=True)
    )
    return DistributedSweepResult(
        source=source,
        features=names,
        scaler=fitted.scaler,
        location_weight=float(location_weight) if fitted.scaler == "geographic" else 1.0,
        latitude_column=latitude_column,
        longitude_column=longitude_column,
        n_rows=data.n_rows,
        n_rows_dropped=data.n_rows_dropped,
        k_values=ks,
        centroids=_in_stable_order(raw_centroids, stable),
        centroids_original=_in_stable_order(
            map(_cluster_means, sums.original_sums, sums.counts), stable
        ),
        cluster_sizes=_in_stable_order((counts.astype(np.int64) for counts in sums.counts), stable),
        initial_centroids=_in_stable_order(starts, stable),
        inertia=np.array([float(squared.sum()) for squared in sums.squared_distance_sums]),
        silhouette=silhouettes.mean(axis=0),
        silhouette_spread=(
            np.std(silhouettes, axis=0, ddof=1)
            if silhouettes.shape[0] > 1
            else np.full(len(ks), np.nan)
        ),
        silhouette_samples=silhouettes,
        silhouette_sample_size=min(sample_size, data.n_rows),
        calinski_harabasz=calinski_harabasz,
        davies_bouldin=davies_bouldin,
        n_iter=np.array(n_iter, dtype=np.int64),
        fit_seconds=np.array(fit_seconds),
        cell_degrees=grid,
        cells=cells_frame(k_column, cell, count, cluster, cluster_count, grid),
        scaler_parameters=fitted.parameters(),
        random_state=seed,
        engine=(
            f"dask-ml {dask_ml.__version__} KMeans (Lloyd's iterations) from a shared "
            f"k-means|| start ({candidates.rounds} rounds, oversampling {2 * max(ks)}, "
            f"{candidates.centres.shape[0]} weighted candidates, 10 starts per k); "
            f"dask {dask.__version__}"
        ),
        scheduler=where,
        n_workers=n_workers,
        total_seconds=time.perf_counter() - started,
    )


def _check_coordinates(
    moments: ColumnMoments, latitude_index: int, longitude_index: int, columns: tuple[str, ...]
) -> None:
    for index, low, high in ((latitude_index, -90.0, 90.0), (longitude_index, -180.0, 180.0)):
        smallest, largest = moments.minimum[index], moments.maximum[index]
        if smallest < low or largest > high:
            raise ValueError(
                f"column {columns[index]!r} has values in [{smallest:g}, {largest:g}]; expected "
                f"degrees in [{low:g}, {high:g}]."
            )


def _cluster_means(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts[:, None]


def _indices(
    counts: np.ndarray, means: np.ndarray, spread: np.ndarray, overall_mean: np.ndarray
) -> tuple[float, float]:
    used = counts > 0
    sizes = counts[used].astype(np.float64)
    return indices_from_cluster_statistics(
        sizes, means[used], overall_mean, float(spread[1].sum()), spread[0][used] / sizes
    )
