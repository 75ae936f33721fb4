"""Every data row's cluster at one k: train rows from the fit, test rows by nearest centre.

k-means is fitted on the rows that have every chosen feature (and, with a split, only on
the training part of them). The pages speak of the data frame's rows, so this module maps
the fitted rows back to frame positions and says what the labels add up to per cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.engine.clustering import assign_to_centroids
from components.engine.describe import PriceCheckResult, train_test_price_check
from components.engine.grouped import GroupSummary, group_summary
from components.engine.scaling import ScaledFeatures

NOT_CLUSTERED = "not clustered"


@dataclass(frozen=True)
class FitRows:
    """Data-frame positions of the rows k-means was fitted on and of the test rows.

    Attributes
    ----------
    train : numpy.ndarray
        Frame position of each row of ``ScaledFeatures.train``, in that order.
    test : numpy.ndarray or None
        Frame position of each row of ``ScaledFeatures.test``; None without a split.
    """

    train: np.ndarray
    test: np.ndarray | None


@dataclass(frozen=True)
class RowLabels:
    """Cluster id of every row of the data (-1: not clustered) and which rows are test rows.

    Attributes
    ----------
    labels : numpy.ndarray
        int64 cluster id per frame row, read-only.
    is_test : numpy.ndarray or None
        True for the test rows, read-only; None without a split.
    """

    labels: np.ndarray
    is_test: np.ndarray | None


def _read_only(values: np.ndarray) -> np.ndarray:
    """The array itself, made read-only: the cached results share it."""
    values.setflags(write=False)
    return values


def fit_rows(row_positions: np.ndarray, scaled: ScaledFeatures) -> FitRows:
    """Map the scaled train and test rows back to positions in the data frame.

    Parameters
    ----------
    row_positions : numpy.ndarray
        Frame position of each row of the feature matrix (``FeatureMatrix.row_positions``).
    scaled : ScaledFeatures
        The scaled matrix; its ``train_rows`` and ``test_rows`` index ``row_positions``.

    Returns
    -------
    FitRows
        Frame positions of the train rows and of the test rows (None without a split),
        as read-only arrays.
    """
    positions = np.asarray(row_positions)
    test = None if scaled.test_rows is None else _read_only(positions[scaled.test_rows])
    return FitRows(train=_read_only(positions[scaled.train_rows]), test=test)


def label_every_row(
    n_rows: int,
    rows: FitRows,
    train_labels: np.ndarray,
    centroids: np.ndarray,
    test_points: np.ndarray | None,
) -> RowLabels:
    """Label every frame row: train rows as fitted, test rows by their nearest centroid.

    Parameters
    ----------
    n_rows : int
        Rows of the data frame.
    rows : FitRows
        Where the train and test rows are in the frame.
    train_labels : numpy.ndarray
        Cluster id of each train row, in the order of ``rows.train``.
    centroids : numpy.ndarray
        Row ``i`` is the centre of cluster ``i``, in the scaled space.
    test_points : numpy.ndarray or None
        The scaled test rows, in the order of ``rows.test``; None without a split.

    Returns
    -------
    RowLabels
        Labels in the sweep's integer type (-1 for rows that were not clustered) and the
        test-row mask (None unless there are both test points and test positions); both
        read-only.
    """
    labels = np.full(n_rows, -1, dtype=np.result_type(train_labels.dtype, np.int8))
    labels[rows.train] = train_labels
    is_test = None
    if test_points is not None and rows.test is not None:
        labels[rows.test] = assign_to_centroids(test_points, centroids)
        is_test = np.zeros(n_rows, dtype=bool)
        is_test[rows.test] = True
        is_test.setflags(write=False)
    return RowLabels(labels=_read_only(labels), is_test=is_test)


def value_summary(labels: np.ndarray, n_clusters: int, values: np.ndarray) -> GroupSummary:
    """A column's summary per cluster ``0 .. k-1``, then one more group: the rows not clustered.

    Parameters
    ----------
    labels : numpy.ndarray
        Cluster id per row (negative: not clustered).
    n_clusters : int
        k.
    values : numpy.ndarray
        The column, one value per row (NaN and infinities ignored).

    Returns
    -------
    GroupSummary
        ``n_clusters + 1`` groups; the legend, the box plot and the profile all read it.
    """
    ids = np.asarray(labels)
    return group_summary(values, np.where(ids >= 0, ids, n_clusters), n_clusters + 1)


def cluster_sizes(labels: np.ndarray, n_clusters: int, summary: GroupSummary) -> pd.DataFrame:
    """Rows, share and the median of a column per cluster, then the rows not clustered.

    Parameters
    ----------
    labels : numpy.ndarray
        Cluster id per row (negative: not clustered).
    n_clusters : int
        k; clusters ``0 .. k-1`` each get a row, empty ones too.
    summary : GroupSummary
        :func:`value_summary` of these labels and the column summarised.

    Returns
    -------
    pandas.DataFrame
        Columns cluster (str), rows, share (of the clustered rows) and median (NaN for an
        empty cluster); a last row "not clustered" (share NaN) when any label is negative.
    """
    ids = np.asarray(labels)
    sizes = np.bincount(ids[ids >= 0].astype(np.int64), minlength=n_clusters)
    n_unclustered = ids.size - int(sizes.sum())
    # The rows not clustered are one more group after the clusters, shown when there are any.
    groups = n_clusters + 1 if n_unclustered else n_clusters
    return pd.DataFrame(
        {
            "cluster": [*map(str, range(n_clusters)), NOT_CLUSTERED][:groups],
            "rows": np.append(sizes, n_unclustered)[:groups],
            "share": np.append(sizes / max(int(sizes.sum()), 1), np.nan)[:groups],
            "median": summary.median[:groups],
        }
    )


def train_test_check(
    values: np.ndarray, labels: np.ndarray, rows: FitRows
) -> PriceCheckResult | None:
    """Compare a column's per-cluster medians on the train rows with those on the test rows.

    Parameters
    ----------
    values : numpy.ndarray
        The column, one value per frame row.
    labels : numpy.ndarray
        Cluster id per frame row (from :func:`label_every_row`).
    rows : FitRows
        Where the train and test rows are.

    Returns
    -------
    PriceCheckResult or None
        The check of :func:`~components.engine.describe.train_test_price_check`; None
        without a split.
    """
    if rows.test is None:
        return None
    return train_test_price_check(
        values[rows.train], labels[rows.train], values[rows.test], labels[rows.test]
    )
