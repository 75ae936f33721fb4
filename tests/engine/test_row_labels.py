"""Tests of components.engine.row_labels on rows small enough to label by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from components.engine.row_labels import (
    FitRows,
    cluster_sizes,
    fit_rows,
    label_every_row,
    train_test_check,
    value_summary,
)
from components.engine.scaling import ScaledFeatures


def _scaled(train_rows: list[int], test_rows: list[int] | None) -> ScaledFeatures:
    return ScaledFeatures(
        train=np.zeros((len(train_rows), 1)),
        test=None if test_rows is None else np.zeros((len(test_rows), 1)),
        train_rows=np.array(train_rows),
        test_rows=None if test_rows is None else np.array(test_rows),
        scaler="standard",
    )


def test_fit_rows_maps_matrix_rows_to_frame_positions() -> None:
    # Matrix rows 0..3 are frame rows 0, 2, 3, 5 (frame rows 1 and 4 had a missing value).
    rows = fit_rows(np.array([0, 2, 3, 5]), _scaled([3, 0], [1, 2]))
    assert rows.train.tolist() == [5, 0]
    assert rows.test is not None
    assert rows.test.tolist() == [2, 3]
    assert not rows.train.flags.writeable


def test_fit_rows_without_split_has_no_test_rows() -> None:
    rows = fit_rows(np.array([0, 2, 3, 5]), _scaled([0, 1, 2, 3], None))
    assert rows.train.tolist() == [0, 2, 3, 5]
    assert rows.test is None


def test_label_every_row_puts_test_rows_at_their_nearest_centroid() -> None:
    rows = FitRows(train=np.array([5, 0]), test=np.array([2, 3]))
    centroids = np.array([[0.0], [10.0]])
    # Test point 1.0 is nearest centre 0, test point 9.0 nearest centre 1.
    result = label_every_row(6, rows, np.array([1, 0]), centroids, np.array([[1.0], [9.0]]))
    assert result.labels.tolist() == [0, -1, 0, 1, -1, 1]
    assert result.is_test is not None
    assert result.is_test.tolist() == [False, False, True, True, False, False]
    assert not result.labels.flags.writeable
    assert not result.is_test.flags.writeable


def test_label_every_row_without_split() -> None:
    rows = FitRows(train=np.array([0, 2]), test=None)
    result = label_every_row(3, rows, np.array([1, 0]), np.array([[0.0], [1.0]]), None)
    assert result.labels.tolist() == [1, -1, 0]
    assert result.is_test is None


def test_cluster_sizes_counted_by_hand() -> None:
    labels = np.array([0, 0, 1, -1, 0, -1])
    values = np.array([1.0, 3.0, 7.0, 4.0, np.nan, 6.0])
    table = cluster_sizes(labels, 3, value_summary(labels, 3, values))
    assert table.columns.tolist() == ["cluster", "rows", "share", "median"]
    assert table["cluster"].tolist() == ["0", "1", "2", "not clustered"]
    assert table["rows"].tolist() == [3, 1, 0, 2]
    # Shares are of the 4 clustered rows; the NaN value of cluster 0 is ignored.
    assert table["share"].tolist()[:3] == [0.75, 0.25, 0.0]
    assert math.isnan(table["share"].iloc[3])
    medians = table["median"].tolist()
    assert medians[0] == 2.0 and medians[1] == 7.0 and medians[3] == 5.0
    assert math.isnan(medians[2])


def test_cluster_sizes_without_unclustered_rows_has_k_rows() -> None:
    labels = np.array([1, 0])
    table = cluster_sizes(labels, 2, value_summary(labels, 2, np.array([2.0, 4.0])))
    assert table["cluster"].tolist() == ["0", "1"]
    assert table["median"].tolist() == [4.0, 2.0]


def test_train_test_check_compares_the_right_rows() -> None:
    # Frame rows 0-3 are train rows (medians 100 and 300), rows 4-6 test rows (medians 110
    # and 300); the frame row between them (-1) was not clustered and is left out.
    values = np.array([100.0, 100.0, 300.0, 300.0, 120.0, 100.0, 300.0, 999.0])
    labels = np.array([0, 0, 1, 1, 0, 0, 1, -1])
    rows = FitRows(train=np.array([0, 1, 2, 3]), test=np.array([4, 5, 6]))
    check = train_test_check(values, labels, rows)
    assert check is not None
    by_cluster = {cluster.cluster: cluster for cluster in check.clusters}
    assert (by_cluster[0].n_train, by_cluster[0].n_test) == (2, 2)
    assert (by_cluster[1].n_train, by_cluster[1].n_test) == (2, 1)
    assert by_cluster[0].median_train == 100.0 and by_cluster[0].median_test == 110.0
    assert by_cluster[1].median_train == 300.0 and by_cluster[1].median_test == 300.0


def test_train_test_check_without_split_is_none() -> None:
    rows = FitRows(train=np.array([0]), test=None)
    assert train_test_check(np.array([1.0]), np.array([0]), rows) is None


def test_label_every_row_rejects_mismatched_labels() -> None:
    rows = FitRows(train=np.array([0, 1]), test=None)
    with pytest.raises(ValueError):
        label_every_row(2, rows, np.array([0, 1, 1]), np.zeros((2, 1)), None)
