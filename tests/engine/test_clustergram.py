"""Tests for components.engine.clustergram: the flows between the clusters of consecutive k's."""

from __future__ import annotations

import numpy as np
import pytest

from components.engine.clustergram import clustergram
from components.engine.sweep.run import sweep_k


def test_clustergram_flows_by_hand() -> None:
    labels = np.array([[0, 0, 0, 1, 1], [0, 0, 2, 1, 1]])
    data = clustergram(labels, (2, 3))
    assert data.node_k.tolist() == [2, 2, 3, 3, 3]
    assert data.node_cluster.tolist() == [0, 1, 0, 1, 2]
    assert data.node_size.tolist() == [3, 2, 2, 2, 1]
    flows = set(
        zip(
            data.link_source.tolist(),
            data.link_target.tolist(),
            data.link_value.tolist(),
            strict=True,
        )
    )
    assert flows == {(0, 2, 2), (0, 4, 1), (1, 3, 2)}
    row = data.flows.query("cluster_from == 0 and cluster_to == 2").iloc[0]
    assert row["rows"] == 1 and row["share_of_source"] == pytest.approx(1 / 3)
    assert data.node_label[4] == "k=3 · cluster 2"


def test_clustergram_conserves_rows_on_a_real_sweep() -> None:
    rng = np.random.default_rng(1)  # uniform points in a disc: no preferred split
    radius, angle = np.sqrt(rng.uniform(0, 1, 400)), rng.uniform(0, 2 * np.pi, 400)
    sweep = sweep_k(np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]), range(2, 7))
    data = clustergram(sweep.labels, sweep.k_values)
    for k in sweep.k_values[:-1]:
        outgoing = data.link_value[data.node_k[data.link_source] == k].sum()
        assert outgoing == 400
    # Stable ids: most rows of a cluster keep its id (and colour) as k grows.
    kept = data.flows.query("cluster_from == cluster_to")["rows"].sum()
    assert kept > data.flows["rows"].sum() / 2


@pytest.mark.parametrize(
    ("labels", "k_values", "message"),
    [
        (np.zeros((2, 4), dtype=int), (2,), "expected \\(1, n_samples\\)"),
        (np.array([[0, 1], [0, 3]]), (2, 3), r"ids in \[0, 3\]; expected ids in \[0, 2\]"),
        (np.array([[0, 1], [0, 1]]), (3, 2), "not strictly ascending"),
        (np.zeros((1, 3)), (2,), "integer ids"),
    ],
)
def test_clustergram_validates(labels: np.ndarray, k_values: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        clustergram(labels, k_values)
