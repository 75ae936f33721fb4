"""Clustergrams: how the rows move between clusters as k grows, the data of a Sankey diagram.

Pure Python (no Streamlit). Read with stable ids (``SweepResult.labels``), a flow from
cluster ``i`` at one k to cluster ``i`` at the next is a cluster that stays.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.engine.partitions import contingency_table
from components.engine.validation import check_int

__all__ = ["ClustergramData", "clustergram"]


@dataclass(frozen=True)
class ClustergramData:
    """Flows of rows between the clusters of consecutive k's, the data of a Sankey diagram.

    Nodes are ``(k, cluster)`` pairs in the order of ``k_values`` then cluster id; links go from
    a node of one k to a node of the next k in ``k_values``.

    Attributes
    ----------
    k_values : tuple[int, ...]
        The k's, ascending.
    node_k, node_cluster : np.ndarray
        k and cluster id of each node (int64).
    node_size : np.ndarray
        Rows in each node.
    node_label : tuple[str, ...]
        "k=3 · cluster 1" per node.
    link_source, link_target : np.ndarray
        Node indices of each flow (int64); only non-empty flows are listed.
    link_value : np.ndarray
        Rows moving along each flow.
    flows : pd.DataFrame
        One row per flow: k_from, cluster_from, k_to, cluster_to, rows, share_of_source.
    """

    k_values: tuple[int, ...]
    node_k: np.ndarray
    node_cluster: np.ndarray
    node_size: np.ndarray
    node_label: tuple[str, ...]
    link_source: np.ndarray
    link_target: np.ndarray
    link_value: np.ndarray
    flows: pd.DataFrame


def clustergram(sweep_labels: np.ndarray, k_values: Sequence[int]) -> ClustergramData:
    """Count how rows move between clusters as k grows ("who moves where"), for a Sankey.

    Parameters
    ----------
    sweep_labels : array-like of int, shape (len(k_values), n_samples)
        Cluster ids per k (e.g. ``SweepResult.labels``, whose ids stay stable across k).
    k_values : sequence of int
        The k of each row of ``sweep_labels``, ascending.

    Returns
    -------
    ClustergramData
        Nodes (k, cluster) with their sizes, and the non-empty flows between consecutive k.
    """
    labels = np.asarray(sweep_labels)
    ks = [check_int(k, "k_values entry", 1) for k in k_values]
    if labels.ndim != 2 or labels.shape[0] != len(ks):
        raise ValueError(
            f"sweep_labels has shape {labels.shape}; expected ({len(ks)}, n_samples), one row "
            "per k of k_values."
        )
    if not ks:
        raise ValueError("k_values is empty; expected at least one k.")
    if labels.shape[1] == 0:
        raise ValueError("sweep_labels has no rows; expected at least one clustered row.")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"sweep_labels must hold integer ids; got dtype {labels.dtype}.")
    if any(b <= a for a, b in itertools.pairwise(ks)):
        raise ValueError(f"k_values={ks} is not strictly ascending; expected ascending k's.")
    for row, k in zip(labels, ks, strict=True):
        if row.min() < 0 or row.max() >= k:
            raise ValueError(
                f"sweep_labels for k={k} has ids in [{int(row.min())}, {int(row.max())}]; "
                f"expected ids in [0, {k - 1}]."
            )

    offsets = np.concatenate([[0], np.cumsum(ks)])
    node_k = np.repeat(ks, ks).astype(np.int64)
    node_cluster = np.concatenate([np.arange(k) for k in ks]).astype(np.int64)
    node_size = np.concatenate(
        [np.bincount(row, minlength=k) for row, k in zip(labels, ks, strict=True)]
    ).astype(np.int64)
    links = [np.empty((3, 0), dtype=np.int64)]  # per pair of k's: source, target, rows
    records = []
    for index, (k_from, k_to) in enumerate(itertools.pairwise(ks)):
        table = contingency_table(labels[index], labels[index + 1], k_from, k_to)
        from_ids, to_ids = np.nonzero(table)
        counts = table[from_ids, to_ids]
        links.append(np.vstack([offsets[index] + from_ids, offsets[index + 1] + to_ids, counts]))
        source_sizes = table.sum(axis=1)
        for a, b, count in zip(from_ids, to_ids, counts, strict=True):
            records.append(
                (k_from, int(a), k_to, int(b), int(count), float(count / source_sizes[a]))
            )
    link_source, link_target, link_value = np.concatenate(links, axis=1).astype(np.int64)
    flows = pd.DataFrame(
        records,
        columns=["k_from", "cluster_from", "k_to", "cluster_to", "rows", "share_of_source"],
    )
    return ClustergramData(
        k_values=tuple(ks),
        node_k=node_k,
        node_cluster=node_cluster,
        node_size=node_size,
        node_label=tuple(f"k={k} · cluster {c}" for k, c in zip(node_k, node_cluster, strict=True)),
        link_source=link_source,
        link_target=link_target,
        link_value=link_value,
        flows=flows,
    )
