"""Exact silhouettes of many clusterings of the same rows at once; CH and Davies-Bouldin.

Identical rows in the same cell are merged with a weight, which is exact: their mutual distance
is 0 but they still count in ``n_own - 1``. Distances are computed directly in float64 (not
through the ``|x|^2 - 2xy + |y|^2`` expansion scikit-learn uses), so the result is at least as
accurate as ``sklearn.metrics.silhouette_score``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from components.engine.sweep.kernels import (
    NUMBA_AVAILABLE,
    cell_distance_sums,
    resolve_use_numba,
    silhouettes_from_sums,
)
from components.engine.validation import validate_matrix

# Above this size the sweep's n x n_cells sums are not held at once (one pass per k instead).
_SUMS_BUDGET_BYTES = 256 * 2**20


@dataclass(frozen=True)
class _Cells:
    """Merged rows sorted by cell (see module docstring)."""

    points: np.ndarray  # (m, p) distinct (cell, row) pairs sorted by cell
    weights: np.ndarray  # (m,) multiplicity of each merged row
    cell_of_point: np.ndarray  # (m,)
    cell_start: np.ndarray  # (n_cells + 1,)
    cell_labels: np.ndarray  # (n_cells, n_k) label of each cell for each k
    point_of_row: np.ndarray  # (n,) index into points of each input row


def _build_cells(X: np.ndarray, label_matrix: np.ndarray) -> _Cells:
    """Group rows into cells (same label for every k) and merge identical rows within a cell."""
    n_samples = X.shape[0]
    cell_of_row = np.zeros(n_samples, dtype=np.int64)
    for labels in label_matrix:
        # Refine the partition one k at a time; re-densifying keeps the combined key small.
        combined = cell_of_row * (int(labels.max()) + 1) + labels
        _, cell_of_row = np.unique(combined, return_inverse=True)
        cell_of_row = cell_of_row.reshape(-1).astype(np.int64, copy=False)
    n_cells = int(cell_of_row.max()) + 1
    first_row = np.full(n_cells, n_samples, dtype=np.int64)
    np.minimum.at(first_row, cell_of_row, np.arange(n_samples))
    cell_labels = np.ascontiguousarray(label_matrix[:, first_row].T, dtype=np.int64)

    # Sort by cell, then by coordinates, so identical rows of a cell are adjacent.
    keys = [X[:, feature] for feature in range(X.shape[1] - 1, -1, -1)]
    order = np.lexsort([*keys, cell_of_row])
    sorted_points = X[order]
    sorted_cells = cell_of_row[order]
    new_point = np.ones(n_samples, dtype=bool)
    new_point[1:] = (sorted_cells[1:] != sorted_cells[:-1]) | np.any(
        sorted_points[1:] != sorted_points[:-1], axis=1
    )
    point_of_sorted = np.cumsum(new_point) - 1
    starts = np.flatnonzero(new_point)
    weights = np.diff(np.append(starts, n_samples)).astype(np.float64)
    point_of_row = np.empty(n_samples, dtype=np.int64)
    point_of_row[order] = point_of_sorted
    cell_of_point = sorted_cells[starts]
    return _Cells(
        points=np.ascontiguousarray(sorted_points[starts]),
        weights=weights,
        cell_of_point=cell_of_point,
        cell_start=np.searchsorted(cell_of_point, np.arange(n_cells + 1)),
        cell_labels=cell_labels,
        point_of_row=point_of_row,
    )


def _silhouettes_for_cells(
    cells: _Cells, k_values: Sequence[int], use_numba: bool | None
) -> np.ndarray:
    """Silhouette of every merged point for every k, shape (n_points, n_k)."""
    sums = cell_distance_sums(cells.points, cells.weights, cells.cell_start, use_numba=use_numba)
    ks = np.asarray(k_values, dtype=np.int64)
    sizes = np.zeros((ks.size, int(ks.max())), dtype=np.float64)
    for k_index, n_clusters in enumerate(ks):
        own = cells.cell_labels[cells.cell_of_point, k_index]
        sizes[k_index, :n_clusters] = np.bincount(own, weights=cells.weights, minlength=n_clusters)
    return silhouettes_from_sums(
        sums, cells.cell_of_point, cells.cell_labels, ks, sizes, resolve_use_numba(use_numba)
    )


def mean_silhouettes(
    X: np.ndarray, label_matrix: np.ndarray, k_values: Sequence[int], use_numba: bool | None
) -> tuple[np.ndarray, int]:
    """Exact mean silhouette for every row of ``label_matrix``, and the number of cells."""
    cells = _build_cells(X, label_matrix)
    n_cells = int(cells.cell_labels.shape[0])
    if len(k_values) > 1 and cells.points.shape[0] * n_cells * 8 > _SUMS_BUDGET_BYTES:
        # Too many cells to hold every row's per-cell sums: one pass per k (k cells) instead.
        means = np.array(
            [
                mean_silhouettes(X, label_matrix[index : index + 1], [k], use_numba)[0][0]
                for index, k in enumerate(k_values)
            ]
        )
        return means, n_cells
    values = _silhouettes_for_cells(cells, k_values, use_numba)
    return (cells.weights @ values) / cells.weights.sum(), n_cells


def _validate_labels(labels: object, n_samples: int) -> tuple[np.ndarray, int]:
    array = np.asarray(labels)
    if array.shape != (n_samples,):
        raise ValueError(f"labels has shape {array.shape}; expected ({n_samples},) like X's rows.")
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"labels must hold integer cluster ids; got dtype {array.dtype}.")
    _, dense = np.unique(array, return_inverse=True)
    dense = dense.reshape(-1).astype(np.int64)
    n_clusters = int(dense.max()) + 1
    if not 2 <= n_clusters <= n_samples - 1:
        raise ValueError(
            f"labels has {n_clusters} distinct clusters; expected a number in "
            f"[2, {n_samples - 1}] for a silhouette."
        )
    return dense, n_clusters


def silhouette_values(
    X: np.ndarray, labels: np.ndarray, *, use_numba: bool | None = None
) -> np.ndarray:
    """Exact per-point silhouette (euclidean), like ``sklearn.metrics.silhouette_samples``.

    Computed tile by tile without an ``n x n`` matrix.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data in the space that was clustered.
    labels : array-like of int, shape (n_samples,)
        Cluster of each row (any integer ids, 2 to n_samples-1 distinct).
    use_numba : bool, optional
        Force or avoid the compiled loop; default: numba when available.

    Returns
    -------
    np.ndarray
        float64 silhouette per row in ``[-1, 1]``; 0 for rows in singleton clusters.
    """
    data = validate_matrix(X)
    dense, n_clusters = _validate_labels(labels, data.shape[0])
    cells = _build_cells(data, dense[None, :])
    values = _silhouettes_for_cells(cells, [n_clusters], use_numba)
    return values[cells.point_of_row, 0]


def calinski_harabasz_davies_bouldin(
    X: np.ndarray, labels: np.ndarray, n_clusters: int
) -> tuple[float, float]:
    """Calinski-Harabasz and Davies-Bouldin indices, computed as scikit-learn does, in O(n p).

    Parameters
    ----------
    X : np.ndarray of shape (n_samples, n_features)
        Validated data.
    labels : np.ndarray of int, shape (n_samples,)
        Cluster ids ``0 .. n_clusters-1``, every id used.
    n_clusters : int
        Number of clusters.

    Returns
    -------
    tuple[float, float]
        ``(calinski_harabasz, davies_bouldin)``; equal to ``sklearn.metrics`` up to rounding.
    """
    sizes = np.bincount(labels, minlength=n_clusters).astype(np.float64)
    centroids = sums_by_label(X, labels, n_clusters) / sizes[:, None]
    deviation = X - centroids[labels]
    squared = np.einsum("ij,ij->i", deviation, deviation)
    intra = np.bincount(labels, weights=np.sqrt(squared), minlength=n_clusters) / sizes
    return indices_from_cluster_statistics(
        sizes, centroids, X.mean(axis=0), float(squared.sum()), intra
    )


def sums_by_label(rows: np.ndarray, labels: np.ndarray, n_clusters: int) -> np.ndarray:
    """Per cluster id ``0 .. n_clusters-1``, the sum of its rows (one column per feature)."""
    return np.column_stack(
        [np.bincount(labels, weights=column, minlength=n_clusters) for column in rows.T]
    )


def indices_from_cluster_statistics(
    sizes: np.ndarray,
    centroids: np.ndarray,
    overall_mean: np.ndarray,
    within: float,
    intra: np.ndarray,
) -> tuple[float, float]:
    """Calinski-Harabasz and Davies-Bouldin from per-cluster statistics (no rows needed).

    What :func:`calinski_harabasz_davies_bouldin` computes after its pass over the rows; a
    caller that sums the statistics over chunks (the distributed sweep) gets the same indices.

    Parameters
    ----------
    sizes : np.ndarray of shape (n_clusters,)
        Rows per cluster, every one > 0.
    centroids : np.ndarray of shape (n_clusters, n_features)
        Each cluster's mean.
    overall_mean : np.ndarray of shape (n_features,)
        Mean of all rows.
    within : float
        Sum of squared distances of the rows to their cluster's mean.
    intra : np.ndarray of shape (n_clusters,)
        Mean distance (not squared) of each cluster's rows to its mean.

    Returns
    -------
    tuple[float, float]
        ``(calinski_harabasz, davies_bouldin)``.
    """
    n_samples = float(np.sum(sizes))
    n_clusters = int(np.size(sizes))
    spread = centroids - overall_mean
    between = float(np.sum(sizes * np.einsum("ij,ij->i", spread, spread)))
    if within == 0.0:
        calinski_harabasz = 1.0
    else:
        calinski_harabasz = between * (n_samples - n_clusters) / (within * (n_clusters - 1.0))

    gaps = centroids[:, None, :] - centroids[None, :, :]
    centroid_distances = np.sqrt(np.einsum("ijk,ijk->ij", gaps, gaps))
    if np.allclose(intra, 0) or np.allclose(centroid_distances, 0):
        return calinski_harabasz, 0.0
    centroid_distances[centroid_distances == 0] = np.inf
    ratios = (intra[:, None] + intra[None, :]) / centroid_distances
    davies_bouldin = float(np.mean(np.max(ratios, axis=1)))
    return calinski_harabasz, davies_bouldin


def warm_up() -> float:
    """Compile (or load from numba's disk cache) the kernels; return the seconds it took.

    Returns
    -------
    float
        Wall time of the first calls (near 0 when already compiled in this process).
    """
    start = time.perf_counter()
    if NUMBA_AVAILABLE:
        for n_features in (1, 2, 3):
            points = np.arange(4.0 * n_features).reshape(4, n_features) ** 2
            silhouette_values(points, np.array([0, 0, 1, 1]))
    return time.perf_counter() - start
