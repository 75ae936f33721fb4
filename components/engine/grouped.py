"""Per-cluster summaries of a column in one pass: quartiles, Tukey fences, mean, count.

The legend's medians, the box plot's boxes and the profile's quartiles all summarise one
column per cluster. Masking the rows of each cluster costs k passes over all the rows; at
a million places that would be most of a k change. Here the values are grouped by cluster in
one linear pass (a radix sort of the ids), and each cluster's run is summarised alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.engine.validation import check_int

__all__ = ["GroupSummary", "group_summary"]


@dataclass(frozen=True)
class GroupSummary:
    """Summary of the finite values of each group (NaN where a group has none).

    Attributes
    ----------
    n : numpy.ndarray
        Finite values per group (int64).
    q1, median, q3 : numpy.ndarray
        Quartiles, linearly interpolated (``np.percentile``'s default method).
    lower_fence, upper_fence : numpy.ndarray
        The smallest value >= q1 - 1.5 IQR and the largest <= q3 + 1.5 IQR (the box
        plot's whiskers).
    mean : numpy.ndarray
        Arithmetic mean.
    """

    n: np.ndarray
    q1: np.ndarray
    median: np.ndarray
    q3: np.ndarray
    lower_fence: np.ndarray
    upper_fence: np.ndarray
    mean: np.ndarray


def group_summary(values: np.ndarray, labels: np.ndarray, n_groups: int) -> GroupSummary:
    """Summarise the finite values of each group id ``0 .. n_groups - 1`` in one pass.

    Parameters
    ----------
    values : numpy.ndarray
        One number per row; NaN and infinities are left out.
    labels : numpy.ndarray
        Group id per row, of the same length; ids outside ``[0, n_groups)`` (such as -1,
        not clustered) are left out.
    n_groups : int
        Number of groups, >= 1.

    Returns
    -------
    GroupSummary
        One entry per group, NaN (and n = 0) for a group without a finite value.
    """
    numbers = np.asarray(values, dtype=np.float64)
    ids = np.asarray(labels)
    if numbers.ndim != 1 or numbers.shape != ids.shape:
        raise ValueError(
            f"values and labels must be 1-d and of one length; got shapes {numbers.shape} "
            f"and {ids.shape}."
        )
    groups = check_int(n_groups, "n_groups", 1)
    keep = np.isfinite(numbers) & (ids >= 0) & (ids < groups)
    kept_ids = ids[keep].astype(np.int16 if groups <= 32_767 else np.int64)
    # A stable sort of small ints is a radix sort: each group's values become one run
    # in linear time; each run is then partitioned (no full sort by value).
    runs = numbers[keep][np.argsort(kept_ids, kind="stable")]
    counts = np.bincount(kept_ids, minlength=groups).astype(np.int64)
    ends = np.cumsum(counts)
    stats = np.full((6, groups), np.nan)  # q1, median, q3, lower and upper fence, mean
    for group in np.flatnonzero(counts):
        run = runs[ends[group] - counts[group] : ends[group]]
        # In place (``runs`` is this function's own copy): np.percentile's linear rule,
        # on the order statistics one partition puts in place.
        positions = np.array([0.25, 0.5, 0.75]) * (run.size - 1)
        below = np.floor(positions).astype(np.int64)
        above = np.minimum(below + 1, run.size - 1)
        run.partition(np.unique(np.concatenate([below, above])))
        q1, median, q3 = run[below] + (run[above] - run[below]) * (positions - below)
        reach = 1.5 * (q3 - q1)
        lower, upper = run[run >= q1 - reach].min(), run[run <= q3 + reach].max()
        stats[:, group] = (q1, median, q3, lower, upper, run.mean())
    return GroupSummary(counts, *stats)


def sums_of_squares(values: np.ndarray, ids: np.ndarray) -> tuple[float, float, int]:
    """Split the variation of values into its between-cluster part (validated input).

    Parameters
    ----------
    values : np.ndarray
        Finite float values, shape (n,), n >= 1.
    ids : np.ndarray
        Cluster id of each value (any integers).

    Returns
    -------
    between : float
        Sum over clusters of size x (cluster mean - overall mean) squared.
    total : float
        Sum of (value - overall mean) squared; eta squared is ``between / total``.
    n_groups : int
        Number of distinct ids.
    """
    _, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
    grand_mean = values.mean()
    means = np.bincount(inverse, weights=values) / counts
    between = float(np.sum(counts * (means - grand_mean) ** 2))
    total = float(np.sum((values - grand_mean) ** 2))
    return between, total, int(counts.size)
