"""Tests for components.engine.sweep.silhouette: the per-cluster silhouette table."""

from __future__ import annotations

import numpy as np
import pytest

from components.engine.sweep.silhouette import silhouette_cluster_table


def test_silhouette_cluster_table_by_hand() -> None:
    values = np.array([0.9, -0.1, 0.05, 0.4, 0.6, 0.2])
    labels = np.array([0, 0, 0, 2, 2, -1])  # the -1 row is left out
    table = silhouette_cluster_table(values, labels)
    assert list(table["cluster"]) == [0, 2]
    assert list(table["rows"]) == [3, 2]
    assert table["mean_silhouette"].tolist() == pytest.approx([0.85 / 3, 0.5])
    assert table["share_negative"].tolist() == pytest.approx([1 / 3, 0.0])
    assert table["share_border"].tolist() == pytest.approx([2 / 3, 0.0])
