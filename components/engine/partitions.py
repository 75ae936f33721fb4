"""Comparing two partitions of the same rows: overlap, Hungarian matching and the ARI.

:func:`contingency_table` counts the rows shared by each pair of clusters. It is the overlap
that the Hungarian matching maximises, so that a cluster keeps its id (and colour) from one
partition to the next (:func:`match_labels`, :func:`match_overlap`, :func:`align_to_truth`;
the colour-identity rule of :mod:`components.engine.clustering`), and the table the adjusted
Rand index is computed from (:func:`adjusted_rand`).

Pure numpy and scipy (no Streamlit).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from components.engine.clustering import _cluster_means
from components.engine.validation import check_int, validate_cluster_ids


def match_labels(
    previous_labels: np.ndarray,
    labels: np.ndarray,
    n_clusters: int,
    *,
    order_key: np.ndarray | None = None,
) -> np.ndarray:
    """Rename ``labels`` so clusters that overlap most with a previous cluster keep its id.

    Uses the Hungarian algorithm (``scipy.optimize.linear_sum_assignment``) on the contingency
    table ``overlap[old, new]`` = number of rows in old cluster ``old`` and new cluster ``new``,
    maximising the total overlap. New clusters without a partner get the next free ids
    ``n_previous, n_previous + 1, ...`` in order of descending ``order_key`` mean (default: their
    original order). When there are fewer new clusters than previous ones, the matched ids are
    compacted to ``0 .. n_clusters-1`` keeping their relative order.

    Parameters
    ----------
    previous_labels : array-like of int, shape (n_samples,)
        Ids of the previous clustering, ``0 .. n_previous-1``.
    labels : array-like of int, shape (n_samples,)
        Ids of the new clustering, ``0 .. n_clusters-1``.
    n_clusters : int
        Number of clusters in ``labels``.
    order_key : array-like, optional
        One value per row, used to order the ids of unmatched new clusters.

    Returns
    -------
    np.ndarray
        int64 relabelled ids, shape ``(n_samples,)``.
    """
    previous = validate_cluster_ids(previous_labels, "previous_labels")
    current = validate_cluster_ids(labels, "labels")
    if previous.shape != current.shape:
        raise ValueError(
            f"previous_labels has {previous.size} rows but labels has {current.size}; "
            "expected the same rows."
        )
    count = check_int(n_clusters, "n_clusters", 1)
    if current.size and current.max() >= count:
        raise ValueError(
            f"labels contains id {int(current.max())}; expected ids in [0, {count - 1}]."
        )
    return _match_new_id_of_old(previous, current, count, order_key)[current]


def _match_new_id_of_old(
    previous: np.ndarray, current: np.ndarray, n_clusters: int, order_key: np.ndarray | None
) -> np.ndarray:
    """Return ``new_id_of_old`` for :func:`match_labels` (no validation)."""
    n_previous = int(previous.max()) + 1 if previous.size else 0
    overlap = _contingency(previous, current, n_previous, n_clusters)
    if order_key is None:
        return _match_overlap(overlap, None)
    order = np.asarray(order_key, dtype=np.float64)
    return _match_overlap(overlap, _cluster_means(order, current, n_clusters))


def match_overlap(overlap: np.ndarray, unmatched_rank: np.ndarray | None = None) -> np.ndarray:
    """Return ``new_id_of_old`` for new clusters from their overlap with the previous ones.

    The table form of :func:`match_labels` (same Hungarian matching, same ids for unmatched
    clusters, same compaction when there are fewer new clusters), for callers that hold the
    overlap counts but not the rows: the distributed sweep sums them over the data's chunks.

    Parameters
    ----------
    overlap : array-like of int >= 0, shape (n_previous, n_clusters)
        ``overlap[old, new]`` = rows in previous cluster ``old`` and new cluster ``new``
        (:func:`contingency_table` of the two partitions).
    unmatched_rank : array-like of float, shape (n_clusters,), optional
        One value per new cluster (e.g. its mean of the order key); unmatched new clusters
        get the next free ids by descending value (NaN last); default: their id order.

    Returns
    -------
    np.ndarray
        ``new_id_of_old[new] = stable id``; relabel with ``new_id_of_old[labels]``.
    """
    table = np.asarray(overlap)
    if table.ndim != 2 or 0 in table.shape or not np.issubdtype(table.dtype, np.number):
        raise ValueError(
            f"overlap has shape {table.shape} and dtype {table.dtype}; expected a 2-D table of "
            "counts, shape (n_previous >= 1, n_clusters >= 1)."
        )
    if not (np.isfinite(table).all() and (table >= 0).all()):
        raise ValueError("overlap contains negative or non-finite counts; expected counts >= 0.")
    rank = None
    if unmatched_rank is not None:
        rank = np.asarray(unmatched_rank, dtype=np.float64)
        if rank.shape != (table.shape[1],):
            raise ValueError(
                f"unmatched_rank has shape {rank.shape}; expected ({table.shape[1]},), one "
                "value per new cluster."
            )
    return _match_overlap(table, rank)


def _match_overlap(overlap: np.ndarray, unmatched_rank: np.ndarray | None) -> np.ndarray:
    """:func:`match_overlap` on a validated table."""
    n_previous, n_clusters = overlap.shape
    new_id_of_old = _hungarian_from_overlap(overlap, unmatched_rank)
    if n_clusters < n_previous:
        # Fewer clusters than before: keep relative order of the surviving ids, no gaps.
        new_id_of_old = np.argsort(np.argsort(new_id_of_old, kind="stable"), kind="stable")
    return new_id_of_old


def _hungarian_from_overlap(
    overlap: np.ndarray, unmatched_rank: np.ndarray | None, *, current_on_rows: bool = False
) -> np.ndarray:
    """Give each current cluster the reference id it overlaps most (Hungarian, no validation).

    ``overlap`` has the reference clusters on its rows, or the current ones with
    ``current_on_rows``. Current clusters left without a partner get ``n_reference,
    n_reference + 1, ...`` by descending ``unmatched_rank`` (one value per current cluster;
    NaN last; ties and None keep the id order).
    """
    if current_on_rows:
        n_current, n_reference = overlap.shape
        matched_current, matched_reference = linear_sum_assignment(overlap, maximize=True)
    else:
        n_reference, n_current = overlap.shape
        matched_reference, matched_current = linear_sum_assignment(overlap, maximize=True)
    new_id_of_old = np.full(n_current, -1, dtype=np.int64)
    new_id_of_old[matched_current] = matched_reference
    unmatched = np.flatnonzero(new_id_of_old < 0)
    if unmatched.size:
        if unmatched_rank is not None:
            ranks = np.where(
                np.isnan(unmatched_rank[unmatched]), -np.inf, unmatched_rank[unmatched]
            )
            unmatched = unmatched[np.argsort(-ranks, kind="stable")]
        new_id_of_old[unmatched] = n_reference + np.arange(unmatched.size)
    return new_id_of_old


def align_to_truth(labels: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """Renumber clusters so each takes the id of the true group it overlaps most.

    The same Hungarian matching as :func:`match_labels`, with the true groups as the previous
    partition; clusters left over (more clusters than groups) get the next free ids after the
    largest group id, largest cluster first. Unlike :func:`match_labels` the ids are not
    compacted: an id means a true group. Noise (-1) stays -1.

    Parameters
    ----------
    labels : numpy.ndarray
        Found clusters, -1 = noise.
    y_true : numpy.ndarray
        True groups, integers >= 0.

    Returns
    -------
    numpy.ndarray
        Renumbered labels (same partition).
    """
    found = np.asarray(labels, dtype=np.int64)
    truth = np.asarray(y_true, dtype=np.int64)
    aligned = np.full(found.shape, -1, dtype=np.int64)
    clustered = found >= 0
    if not clustered.any():
        return aligned
    cluster_ids, cluster_index = np.unique(found[clustered], return_inverse=True)
    group_ids, group_index = np.unique(truth, return_inverse=True)
    sizes = np.bincount(cluster_index, minlength=cluster_ids.size).astype(np.float64)
    # The found clusters on the table's rows: the solver breaks ties between equally good
    # matchings by the layout, so a fixed layout fixes the colours of tied overlaps (k-means
    # cutting a ring in two halves).
    overlap = _contingency(
        cluster_index, group_index.reshape(-1)[clustered], cluster_ids.size, group_ids.size
    )
    matched = _hungarian_from_overlap(overlap, sizes, current_on_rows=True)
    # Matched clusters take their group's id; the leftovers count on from the largest group id.
    target_of_index = np.concatenate(
        [group_ids, int(group_ids.max()) + 1 + np.arange(cluster_ids.size)]
    )
    aligned[clustered] = target_of_index[matched][cluster_index]
    return aligned


def _contingency(labels_a: np.ndarray, labels_b: np.ndarray, n_a: int, n_b: int) -> np.ndarray:
    """The ``(n_a, n_b)`` table of shared rows of two validated int64 partitions."""
    return np.bincount(labels_a * n_b + labels_b, minlength=n_a * n_b).reshape(n_a, n_b)


def contingency_table(
    labels_a: np.ndarray, labels_b: np.ndarray, n_a: int | None = None, n_b: int | None = None
) -> np.ndarray:
    """Count the rows in each (cluster of ``labels_a``, cluster of ``labels_b``) pair.

    Parameters
    ----------
    labels_a, labels_b : array-like of int >= 0, shape (n_samples,)
        Two partitions of the same rows.
    n_a, n_b : int, optional
        Number of clusters of each; default ``max + 1``.

    Returns
    -------
    np.ndarray
        int64 table of shape ``(n_a, n_b)``.
    """
    a = np.asarray(labels_a, dtype=np.int64)
    b = np.asarray(labels_b, dtype=np.int64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(
            f"labels_a has shape {a.shape} and labels_b {b.shape}; expected two 1-D arrays of "
            "the same length."
        )
    if a.size and (a.min() < 0 or b.min() < 0):
        raise ValueError("labels contain a negative id; expected cluster ids >= 0.")
    rows = int(n_a) if n_a is not None else (int(a.max()) + 1 if a.size else 0)
    cols = int(n_b) if n_b is not None else (int(b.max()) + 1 if b.size else 0)
    if a.size and (a.max() >= rows or b.max() >= cols):
        raise ValueError(f"labels exceed the table size ({rows}, {cols}); check n_a / n_b.")
    return _contingency(a, b, rows, cols)


def _pairs(counts: np.ndarray) -> float:
    values = counts.astype(np.float64)
    return float((values * (values - 1.0)).sum() / 2.0)


def adjusted_rand(labels_a: np.ndarray, labels_b: np.ndarray) -> float:
    """Adjusted Rand index of two partitions (same value as ``sklearn.metrics``' function).

    Computed from a ``bincount`` contingency table, which is much faster than scikit-learn's
    version (BENCHMARKS.md, "Measured defaults"); the stability analysis computes a few hundred
    of them.

    Parameters
    ----------
    labels_a, labels_b : array-like of int >= 0, shape (n_samples,)
        Two partitions of the same rows.

    Returns
    -------
    float
        ARI in ``[-0.5, 1]``; 1 means identical partitions up to renaming.
    """
    table = contingency_table(labels_a, labels_b)
    n = float(table.sum())
    total_pairs = n * (n - 1.0) / 2.0
    sum_rows = _pairs(table.sum(axis=1))
    sum_cols = _pairs(table.sum(axis=0))
    if total_pairs == 0.0:
        return 1.0
    expected = sum_rows * sum_cols / total_pairs
    maximum = (sum_rows + sum_cols) / 2.0
    if maximum == expected:
        # Both partitions trivial (one cluster, or all singletons): scikit-learn returns 1.
        return 1.0
    return (_pairs(table) - expected) / (maximum - expected)
