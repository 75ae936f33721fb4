"""Tests of components.engine.sweep.silhouette_points on points with hand-known silhouettes."""

from __future__ import annotations

import numpy as np
import pytest

from components.engine.sweep import silhouette_points as module
from components.engine.sweep.silhouette_points import silhouette_points


def test_exact_silhouettes_by_hand() -> None:
    # Clusters {0, 1} and {4, 5} on a line. Point 0: a = 1, b = (4 + 5) / 2 = 4.5, so
    # s = 1 - 1 / 4.5 = 7/9; point 1: a = 1, b = (3 + 4) / 2 = 3.5, s = 1 - 1 / 3.5 = 5/7;
    # points 4 and 5 mirror points 1 and 0.
    X = np.array([[0.0], [1.0], [4.0], [5.0]])
    points = silhouette_points(X, np.array([0, 0, 1, 1]), np.array([10, 11, 13, 14]))
    np.testing.assert_allclose(points.values, [7 / 9, 5 / 7, 5 / 7, 7 / 9])
    assert points.rows.tolist() == [10, 11, 13, 14]
    assert points.labels.tolist() == [0, 0, 1, 1]
    assert points.n_fit_rows == 4
    assert not points.sampled
    assert not any(array.flags.writeable for array in (points.values, points.rows, points.labels))


def test_sample_above_the_limit_among_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    # Three points at 0 (cluster 0) and three at 10 (cluster 1): in any sample a point whose
    # cluster has another sampled member has a = 0 and b = 10, so s = 1; a lone point has 0.
    X = np.array([[0.0]] * 3 + [[10.0]] * 3)
    labels = np.array([0, 0, 0, 1, 1, 1])
    monkeypatch.setattr(module, "SILHOUETTE_POINT_LIMIT", 5)
    monkeypatch.setattr(module, "SILHOUETTE_SAMPLE_SIZE", 4)
    points = silhouette_points(X, labels, np.arange(100, 106))
    assert points.sampled
    assert points.n_fit_rows == 6
    assert len(points.values) == 4
    assert points.rows.tolist() == sorted(points.rows.tolist())
    assert set(points.rows.tolist()) <= set(range(100, 106))
    assert points.labels.tolist() == [0 if row < 103 else 1 for row in points.rows]
    counts = {cluster: points.labels.tolist().count(cluster) for cluster in (0, 1)}
    expected = [0.0 if counts[cluster] == 1 else 1.0 for cluster in points.labels]
    np.testing.assert_allclose(points.values, expected)


def test_sample_is_the_same_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "SILHOUETTE_POINT_LIMIT", 8)
    monkeypatch.setattr(module, "SILHOUETTE_SAMPLE_SIZE", 6)
    X = np.arange(12.0).reshape(-1, 1)
    labels = np.array([0] * 6 + [1] * 6)
    first = silhouette_points(X, labels, np.arange(12))
    second = silhouette_points(X, labels, np.arange(12))
    assert first.rows.tolist() == second.rows.tolist()


def test_mismatched_lengths_are_rejected() -> None:
    with pytest.raises(ValueError, match="one of each per row"):
        silhouette_points(np.zeros((3, 1)), np.array([0, 1]), np.arange(3))
