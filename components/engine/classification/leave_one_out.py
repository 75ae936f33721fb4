"""How much does each variable shape the clusters? Refit k-means without it and compare.

Pure Python (no Streamlit). For each variable (or group of columns that leave together,
such as latitude and longitude as "location"), k-means is refitted on the scaled matrix
without its columns and the new clusters are compared with the current ones:

- ``adjusted_rand``: the adjusted Rand index of the new labels against the current ones
  (1 = the same clusters, about 0 = no better than chance): a low value means the
  variable carries much of the clustering.
- ``silhouette``: the silhouette of the new clusters in the reduced space, and
  ``silhouette_change``, it minus the current clusters' silhouette in the full space,
  both on the same seeded sample of rows.

Large data: each refit is fitted on at most :data:`MAX_FIT_ROWS` rows drawn with the seed
and then assigns every row to its nearest centroid, so one refit per variable stays quick
on a million rows. With fewer rows the fit uses every row in order, as a plain
``KMeans(...).fit`` does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from threadpoolctl import ThreadpoolController

from components.engine.classification.regions import sample_rows

MAX_FIT_ROWS = 20_000
SILHOUETTE_ROWS = 5_000  # rows the silhouettes are measured on; all rows when fewer


def _silhouette(values: np.ndarray, labels: np.ndarray) -> float:
    """The silhouette, or NaN when the rows hold one cluster or only one row per cluster."""
    n_labels = np.unique(labels).size
    if not 2 <= n_labels <= labels.size - 1:
        return float("nan")
    return float(silhouette_score(values, labels))


def leave_one_variable_out(
    scaled: np.ndarray,
    groups: Sequence[tuple[str, Sequence[int]]],
    labels: np.ndarray,
    n_clusters: int,
    *,
    random_state: int,
) -> pd.DataFrame:
    """Refit k-means without each variable and measure how the clusters change.

    Parameters
    ----------
    scaled : numpy.ndarray
        The scaled matrix k-means was fitted on, finite, of shape (n_rows, n_columns).
    groups : sequence of (str, sequence of int)
        At least 2 variables: each a name and its column numbers in ``scaled``; columns
        that leave together (latitude and longitude) form one group. Groups do not share
        columns.
    labels : numpy.ndarray
        The current cluster of each row.
    n_clusters : int
        The number of clusters, in [2, n_rows - 1].
    random_state : int
        Seed of the row samples and of each refit's k-means++ start.

    Returns
    -------
    pandas.DataFrame
        One row per group, columns ``variable``, ``adjusted_rand``, ``silhouette`` and
        ``silhouette_change``, sorted by ``adjusted_rand`` ascending (the variable whose
        removal changes the clusters most first; ties in the given order). A silhouette is
        NaN when the sample (:data:`SILHOUETTE_ROWS` rows) holds fewer than 2 clusters.

    Raises
    ------
    ValueError
        On fewer than 2 groups, an empty or repeated group, a column number out of range or
        in two groups, labels of another length, ``n_clusters`` out of range, or non-finite
        values.
    """
    matrix = np.asarray(scaled, dtype=np.float64)
    current = np.asarray(labels)
    if matrix.ndim != 2 or matrix.shape[0] == 0:
        raise ValueError(f"scaled has shape {matrix.shape}; expected (n_rows, n_columns).")
    n_rows, n_columns = matrix.shape
    if not np.isfinite(matrix).all():
        raise ValueError("scaled holds missing or infinite values; expected the scaled matrix.")
    if current.shape != (n_rows,):
        raise ValueError(f"labels has shape {current.shape}; expected ({n_rows},), one per row.")
    if len(groups) < 2:
        raise ValueError(
            f"Leaving a variable out needs at least 2 variables; got {len(groups)}, and "
            "without its only variable nothing is left to cluster."
        )
    names = [name for name, _ in groups]
    if len(set(names)) != len(names):
        raise ValueError(f"Variables {names} repeat a name; expected distinct names.")
    seen: set[int] = set()
    for name, columns in groups:
        if len(columns) == 0:
            raise ValueError(f"Variable {name!r} has no columns; expected at least one.")
        for column in columns:
            if not 0 <= column < n_columns:
                raise ValueError(
                    f"Column {column} of variable {name!r} is out of range [0, {n_columns - 1}]."
                )
            if column in seen:
                raise ValueError(f"Column {column} of variable {name!r} is in another variable.")
            seen.add(column)
    if not 2 <= n_clusters <= n_rows - 1:
        raise ValueError(f"n_clusters={n_clusters!r} is out of range [2, {n_rows - 1}].")

    generator = np.random.default_rng(random_state)
    fit_rows = sample_rows(generator, n_rows, MAX_FIT_ROWS)
    silhouette_rows = sample_rows(generator, n_rows, SILHOUETTE_ROWS)
    rows = []
    # One OpenMP/BLAS thread, as in components.engine.stability: on these small fits
    # scikit-learn's threads cost more than they gain, most of all on a shared machine.
    with ThreadpoolController().limit(limits=1):
        current_silhouette = _silhouette(matrix[silhouette_rows], current[silhouette_rows])
        for name, columns in groups:
            reduced = np.delete(matrix, list(columns), axis=1)
            kmeans = KMeans(n_clusters, init="k-means++", n_init=1, random_state=random_state)
            refitted = kmeans.fit(reduced[fit_rows]).predict(reduced)
            silhouette = _silhouette(reduced[silhouette_rows], refitted[silhouette_rows])
            agreement = float(adjusted_rand_score(current, refitted))
            rows.append((name, agreement, silhouette, silhouette - current_silhouette))
    table = pd.DataFrame(
        rows, columns=["variable", "adjusted_rand", "silhouette", "silhouette_change"]
    )
    return table.sort_values("adjusted_rand", kind="stable").reset_index(drop=True)
