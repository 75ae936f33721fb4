"""Per-cluster summaries of a column with one sort: quartiles, Tukey fences, mean, count.

The legend's medians, the box plot's boxes and the profile's quartiles all summarise one
column per cluster. Masking the rows of each cluster and calling ``np.percentile`` costs
k passes over the rows and a partition each; at a million places that was most of a k
change. Here the finite values are sorted once by (cluster, value), and every cluster's
quantiles are read off its run of the sorted values.
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


def _quantile(runs: np.ndarray, starts: np.ndarray, counts: np.ndarray, q: float) -> np.ndarray:
    """The q-quantile of each run of sorted values (runs of at least one value)."""
    position = q * (counts - 1)
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, counts - 1)
    low = runs[starts + below]
    high = runs[starts + above]
    return low + (high - low) * (position - below)


def group_summary(values: np.ndarray, labels: np.ndarray, n_groups: int) -> GroupSummary:
    """Summarise the finite values of each group id ``0 .. n_groups - 1`` with one sort.

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
    kept_values = numbers[keep]
    kept_ids = ids[keep].astype(np.int16 if groups <= 32_767 else np.int64)
    # Sorted by value, then (a stable radix sort of small ints) by group: each group's
    # values are a sorted run.
    by_value = np.argsort(kept_values)
    order = by_value[np.argsort(kept_ids[by_value], kind="stable")]
    runs = kept_values[order]
    counts = np.bincount(kept_ids, minlength=groups).astype(np.int64)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    sums = np.bincount(kept_ids, weights=kept_values, minlength=groups)
    summary = {name: np.full(groups, np.nan) for name in ("q1", "median", "q3", "lower", "upper")}
    filled = counts > 0
    if filled.any():
        run_starts, run_counts = starts[filled], counts[filled]
        q1 = _quantile(runs, run_starts, run_counts, 0.25)
        q3 = _quantile(runs, run_starts, run_counts, 0.75)
        summary["q1"][filled] = q1
        summary["median"][filled] = _quantile(runs, run_starts, run_counts, 0.5)
        summary["q3"][filled] = q3
        reach = 1.5 * (q3 - q1)
        lower_index = np.empty(run_starts.size, dtype=np.int64)
        upper_index = np.empty(run_starts.size, dtype=np.int64)
        for index, (start, count) in enumerate(zip(run_starts, run_counts, strict=True)):
            run = runs[start : start + count]
            lower_index[index] = start + np.searchsorted(run, q1[index] - reach[index], "left")
            upper_index[index] = start + np.searchsorted(run, q3[index] + reach[index], "right") - 1
        summary["lower"][filled] = runs[lower_index]
        summary["upper"][filled] = runs[upper_index]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(filled, sums / np.maximum(counts, 1), np.nan)
    return GroupSummary(
        n=counts,
        q1=summary["q1"],
        median=summary["median"],
        q3=summary["q3"],
        lower_fence=summary["lower"],
        upper_fence=summary["upper"],
        mean=mean,
    )
