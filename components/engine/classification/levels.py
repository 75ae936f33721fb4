"""Two nested levels of a classification: many fine k-means clusters, joined into a few groups.

Pure Python (no Streamlit). As in the US geodemographic classification: k-means with many
clusters first, then Ward's method on their centres, each centre weighted by its cluster's
size, so that every fine cluster lies wholly inside one coarse group. Groups are numbered from
the north (group 1 has the highest mean latitude) and fine clusters are named by their group and
a letter ("2b"), also from the north.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans

from components.engine.classification.regions import cut_tree, sample_rows
from components.engine.clustering import n_distinct_rows, nearest_centroids, order_by_means
from components.engine.validation import check_int, check_random_state, validate_matrix

__all__ = ["MAX_FINE", "SAMPLE_ROWS", "Levels", "fit_levels", "ward_merges"]

MAX_FINE = 100  # the Ward step compares every pair of fine clusters at every merge
SAMPLE_ROWS = 100_000  # k-means is fitted on a sample this large; the other rows are assigned


@dataclass(frozen=True)
class Levels:
    """A fine and a coarse level of clusters; every fine cluster lies in one coarse group.

    Attributes
    ----------
    fine_labels : np.ndarray
        Fine cluster id per row, int64, shape (n_samples,). Ids run through the groups in
        order (group 1's clusters first), so ``fine_names[fine_labels]`` names each row.
    coarse_of_fine : np.ndarray
        Coarse group id of each fine cluster, int64, shape (n_fine,), non-decreasing.
    coarse_labels : np.ndarray
        Coarse group id per row: ``coarse_of_fine[fine_labels]``.
    fine_centroids : np.ndarray
        Mean of each fine cluster's rows in the scaled space, shape (n_fine, n_features).
    fine_sizes : np.ndarray
        Rows per fine cluster, int64, shape (n_fine,).
    merges : np.ndarray
        The whole Ward merge of the fine clusters down to one group as a scipy linkage matrix,
        shape (n_fine - 1, 4): the two joined ids (leaves are fine ids, the cluster made by row
        ``i`` is ``n_fine + i``), the height and the number of fine clusters under it. The
        height is scipy's Ward distance ``sqrt(2 * increase in the within sum of squares)``,
        so ``scipy.cluster.hierarchy.dendrogram(merges)`` draws it. The first
        ``n_fine - n_coarse`` rows make the coarse groups.
    fine_names : tuple[str, ...]
        Name of each fine cluster: its group number (from 1) and a letter, "1a", "1b", "2a"...
    """

    fine_labels: np.ndarray
    coarse_of_fine: np.ndarray
    coarse_labels: np.ndarray
    fine_centroids: np.ndarray
    fine_sizes: np.ndarray
    merges: np.ndarray
    fine_names: tuple[str, ...]

    @property
    def n_coarse(self) -> int:
        """Number of coarse groups."""
        return int(self.coarse_of_fine.max()) + 1


def ward_merges(centres: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Merge weighted centres greedily by Ward's cost down to one group (validated input).

    Joining clusters a and b raises the within-cluster sum of squares by exactly
    ``n_a * n_b / (n_a + n_b) * ||c_a - c_b||^2``, whatever the rows inside them; each step
    joins the pair for which that increase is smallest (ties: the lowest pair of ids).

    Parameters
    ----------
    centres : np.ndarray
        Centres, shape (m, n_features), m >= 2.
    sizes : np.ndarray
        Positive weight (number of rows) of each centre, shape (m,).

    Returns
    -------
    np.ndarray
        scipy linkage matrix, shape (m - 1, 4); heights are ``sqrt(2 * increase)``.
    """
    count = centres.shape[0]
    # Slots 0..m-1 hold the current clusters; a merge overwrites the lower slot and retires
    # the higher one, so the cost matrix never grows.
    means = centres.astype(np.float64, copy=True)
    weights = sizes.astype(np.float64, copy=True)
    slot_id = np.arange(count)
    leaves = np.ones(count)
    alive = np.ones(count, dtype=bool)

    def costs_to(slot: int) -> np.ndarray:
        squared = np.sum((means - means[slot]) ** 2, axis=1)
        return weights * weights[slot] / (weights + weights[slot]) * squared

    cost = np.vstack([costs_to(slot) for slot in range(count)])
    np.fill_diagonal(cost, np.inf)
    merges = np.empty((count - 1, 4))
    for step in range(count - 1):
        # The cost matrix is symmetric: its first minimum in row order has low < high.
        low, high = (int(index) for index in np.unravel_index(int(np.argmin(cost)), cost.shape))
        ids = sorted((slot_id[low], slot_id[high]))
        merges[step] = (ids[0], ids[1], np.sqrt(2.0 * cost[low, high]), leaves[low] + leaves[high])
        total = weights[low] + weights[high]
        means[low] = (weights[low] * means[low] + weights[high] * means[high]) / total
        weights[low] = total
        leaves[low] += leaves[high]
        slot_id[low] = count + step
        alive[high] = False
        row = np.where(alive, costs_to(low), np.inf)
        row[low] = np.inf
        cost[low], cost[:, low] = row, row
        cost[high], cost[:, high] = np.inf, np.inf
    return merges


def _fit_fine(scaled: np.ndarray, n_fine: int, random_state: int, n_init: int) -> np.ndarray:
    """K-means centres, fitted on a seeded sample when there are more than SAMPLE_ROWS rows."""
    rows = scaled[sample_rows(np.random.default_rng(random_state), scaled.shape[0], SAMPLE_ROWS)]
    model = KMeans(n_clusters=n_fine, init="k-means++", n_init=n_init, random_state=random_state)
    return np.asarray(model.fit(rows).cluster_centers_, dtype=np.float64)


def fit_levels(
    scaled: np.ndarray,
    n_fine: int,
    n_coarse: int,
    *,
    random_state: int = 0,
    n_init: int = 5,
    latitude: np.ndarray,
) -> Levels:
    """Fit ``n_fine`` k-means clusters, then join their centres by weighted Ward into groups.

    Parameters
    ----------
    scaled : array-like of shape (n_samples, n_features)
        Scaled, finite rows.
    n_fine : int
        Number of fine clusters, in ``[3, 100]`` and at most the number of distinct rows.
    n_coarse : int
        Number of coarse groups, in ``[2, n_fine - 1]``.
    random_state : int
        Seed of the k-means++ starts and of the sample (more than 100,000 rows).
    n_init : int
        Number of k-means++ starts (>= 1); the one with the lowest inertia is kept.
    latitude : array-like of float, shape (n_samples,)
        Latitude of each row: groups, and fine clusters within a group, are numbered by
        descending mean latitude.

    Returns
    -------
    Levels
        Fine and coarse labels, the merge tree and the fine clusters' names.
    """
    data = validate_matrix(scaled, name="scaled")
    n_fine = check_int(n_fine, "n_fine", 3, MAX_FINE)
    n_distinct = n_distinct_rows(data, at_most=MAX_FINE)
    if n_distinct < 3:
        raise ValueError(
            f"scaled has {n_distinct} distinct places; two levels need at least 3 (2 groups of "
            "fine clusters)."
        )
    if n_fine > n_distinct:
        raise ValueError(
            f"a fine k of {n_fine} is above the {n_distinct} distinct places; choose at most "
            f"{n_distinct}."
        )
    n_coarse = check_int(n_coarse, "n_coarse", 2, n_fine - 1)
    n_init = check_int(n_init, "n_init", 1)
    seed = check_random_state(random_state)
    north = np.asarray(latitude, dtype=np.float64)
    if north.shape != (data.shape[0],) or not np.isfinite(north).all():
        raise ValueError(
            f"latitude has shape {north.shape}; expected one finite latitude per row of scaled "
            f"({data.shape[0]},)."
        )

    raw_labels = nearest_centroids(data, _fit_fine(data, n_fine, seed, n_init))[0]
    return _levels_of(data, raw_labels, north, n_fine, n_coarse)


def fit_levels_for_every_k(
    scaled: np.ndarray,
    n_fine: int,
    k_values: Sequence[int],
    *,
    random_state: int = 0,
    n_init: int = 5,
    latitude: np.ndarray,
) -> dict[int, Levels]:
    """:func:`fit_levels` for several numbers of coarse groups, fitting k-means once.

    Parameters
    ----------
    scaled, n_fine, random_state, n_init, latitude
        As for :func:`fit_levels`.
    k_values : sequence of int
        Numbers of coarse groups; those not below ``n_fine`` are left out.

    Returns
    -------
    dict of int to Levels
        The levels of each k kept; the fine clusters are the same in all.
    """
    kept = [int(k) for k in k_values if 2 <= int(k) < n_fine]
    if not kept:
        raise ValueError(f"k_values={list(k_values)!r}: none is in [2, {n_fine - 1}].")
    first = fit_levels(
        scaled, n_fine, kept[0], random_state=random_state, n_init=n_init, latitude=latitude
    )
    data = np.asarray(scaled, dtype=np.float64)
    north = np.asarray(latitude, dtype=np.float64)
    return {
        k: first if k == kept[0] else _levels_of(data, first.fine_labels, north, n_fine, k)
        for k in kept
    }


def _levels_of(
    data: np.ndarray, raw_labels: np.ndarray, north: np.ndarray, n_fine: int, n_coarse: int
) -> Levels:
    """The levels of given fine labels: weighted Ward on their means, then the numbering."""
    sizes = np.bincount(raw_labels, minlength=n_fine)
    # The means of the rows each centre holds (k-means stops within a tolerance, and a sample's
    # centres are not the means of all rows): with them, every Ward cost is exactly the rise in
    # the within sum of squares of the rows.
    sums = [np.bincount(raw_labels, weights=column, minlength=n_fine) for column in data.T]
    centres = np.stack(sums, axis=1) / np.maximum(sizes, 1)[:, None]
    latitude_sums = np.bincount(raw_labels, weights=north, minlength=n_fine)
    # Ward needs positive weights; k-means never leaves a centre without rows of its own.
    merges = ward_merges(centres, np.maximum(sizes, 1))
    raw_groups = cut_tree(merges[:, :2].astype(np.int64), n_fine, [n_coarse])[n_coarse]

    group_latitude = np.bincount(raw_groups, weights=latitude_sums) / np.bincount(
        raw_groups, weights=sizes
    )
    coarse_of_raw = order_by_means(group_latitude)[raw_groups]
    fine_latitude = latitude_sums / np.maximum(sizes, 1)
    raw_in_order = np.lexsort((-fine_latitude, coarse_of_raw))
    new_of_raw = np.argsort(raw_in_order)  # the inverse permutation

    relabelled = merges.copy()
    new_of_node = np.concatenate([new_of_raw, np.arange(n_fine, 2 * n_fine - 1)])
    relabelled[:, :2] = np.sort(new_of_node[merges[:, :2].astype(np.int64)], axis=1)

    coarse_of_fine = coarse_of_raw[raw_in_order].astype(np.int64)
    fine_labels = new_of_raw[raw_labels]
    names = []
    for fine, group in enumerate(coarse_of_fine):
        position = fine - int(np.searchsorted(coarse_of_fine, group))
        names.append(f"{group + 1}{_letters(position)}")
    return Levels(
        fine_labels=fine_labels,
        coarse_of_fine=coarse_of_fine,
        coarse_labels=coarse_of_fine[fine_labels],
        fine_centroids=centres[raw_in_order],
        fine_sizes=sizes[raw_in_order].astype(np.int64),
        merges=relabelled,
        fine_names=tuple(names),
    )


def _letters(position: int) -> str:
    """Letters for a position in a group: a to z, then aa, ab... (up to 99 fine clusters)."""
    first, second = divmod(position, len(string.ascii_lowercase))
    return (string.ascii_lowercase[first - 1] if first else "") + string.ascii_lowercase[second]
