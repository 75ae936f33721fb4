"""Per-point silhouettes of a clustering, exact up to a size and on a fixed sample above it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.engine.sweep.metrics import silhouette_values

# Above this many fitted rows the per-point silhouettes are those of a sample (the exact
# pass grows with the square of the rows; BENCHMARKS.md has its time on the housing data).
SILHOUETTE_POINT_LIMIT = 50_000

SILHOUETTE_SAMPLE_SIZE = 20_000


@dataclass(frozen=True)
class SilhouettePoints:
    """Per-point silhouettes of the fitted (train) rows at one k (read-only arrays).

    Attributes
    ----------
    values : numpy.ndarray
        Silhouette of each point, in [-1, 1].
    rows : numpy.ndarray
        Position of each point in the data frame.
    labels : numpy.ndarray
        Cluster id of each point.
    n_fit_rows : int
        Rows k-means was fitted on.
    sampled : bool
        True when the values are those of a random sample of the fitted rows.
    """

    values: np.ndarray
    rows: np.ndarray
    labels: np.ndarray
    n_fit_rows: int
    sampled: bool


def silhouette_points(
    X: np.ndarray, labels: np.ndarray, frame_rows: np.ndarray
) -> SilhouettePoints:
    """Exact silhouette of every fitted row, or of a fixed random sample among themselves.

    Up to :data:`SILHOUETTE_POINT_LIMIT` rows every row's silhouette is computed; above it,
    those of a sample of :data:`SILHOUETTE_SAMPLE_SIZE` rows (seed 0, in row order), among
    themselves.

    Parameters
    ----------
    X : numpy.ndarray
        The scaled rows k-means was fitted on, shape (n_rows, n_features).
    labels : numpy.ndarray
        Cluster id of each row of ``X``.
    frame_rows : numpy.ndarray
        Data-frame position of each row of ``X``.

    Returns
    -------
    SilhouettePoints
        Values, frame rows and labels of the points (read-only copies).
    """
    n_fit_rows = int(X.shape[0])
    if len(labels) != n_fit_rows or len(frame_rows) != n_fit_rows:
        raise ValueError(
            f"X has {n_fit_rows} rows but there are {len(labels)} labels and "
            f"{len(frame_rows)} frame rows; expected one of each per row."
        )
    sampled = n_fit_rows > SILHOUETTE_POINT_LIMIT
    if sampled:
        rng = np.random.default_rng(0)
        chosen = np.sort(rng.choice(n_fit_rows, SILHOUETTE_SAMPLE_SIZE, replace=False))
        X, labels, frame_rows = X[chosen], labels[chosen], frame_rows[chosen]
    values = silhouette_values(X, labels)
    arrays = (values, np.array(frame_rows), np.array(labels))
    for array in arrays:
        array.setflags(write=False)
    return SilhouettePoints(*arrays, n_fit_rows=n_fit_rows, sampled=sampled)
