"""Tests of components.figures.legend: the engine's cluster sizes with the map's colours."""

from __future__ import annotations

import numpy as np

from components.engine.row_labels import cluster_sizes, value_summary
from components.figures.legend import legend_table
from components.figures.palette import NOT_CLUSTERED_COLOUR, PALETTE


def test_legend_colours_follow_the_clusters() -> None:
    labels = np.array([1, -1, 0, 1])
    sizes = cluster_sizes(labels, 2, value_summary(labels, 2, np.array([3.0, 9.0, 1.0, 5.0])))
    table = legend_table(sizes)
    assert table.columns.tolist() == ["colour", "cluster", "rows", "share", "median"]
    assert table["colour"].tolist() == [PALETTE[0], PALETTE[1], NOT_CLUSTERED_COLOUR]
    assert table["cluster"].tolist() == ["0", "1", "not clustered"]
    # Cluster 1 holds 2 of the 3 clustered rows, median of 3 and 5; the lone -1 row costs 9.
    assert table["rows"].tolist() == [1, 2, 1]
    assert table["share"].tolist()[:2] == [1 / 3, 2 / 3]
    assert table["median"].tolist() == [1.0, 4.0, 9.0]
    assert "colour" not in sizes.columns  # the engine's table is not changed
