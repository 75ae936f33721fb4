"""K-means fitting with stable, colour-safe cluster ids, and cluster profiles.

Colour-identity rule
--------------------
A cluster's id is its colour: the app draws cluster ``j`` with ``palette[j]`` on every page.
Ids are therefore assigned deterministically and kept stable when the number of clusters moves:

1. For a single fit (:func:`_fit_validated`) clusters are numbered by *descending* mean of an
   ``order_key`` over their members (default: the first column of ``X``; with latitude first this
   numbers clusters north to south). Ties keep scikit-learn's order.
2. When ``k`` grows (see :func:`components.engine.partitions.match_labels` and
   :func:`components.engine.sweep.run.sweep_k`), the clusters of the new fit are matched to those
   of the previous ``k`` by the Hungarian algorithm on their overlap (number of shared rows), so
   a cluster that persists keeps its id and its colour. The cluster(s) without a partner get the
   next free ids ``k_prev, k_prev + 1, ...`` (by descending ``order_key`` mean when there are
   several).

Centroids are always returned with row ``i`` = cluster id ``i``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from numbers import Integral
from typing import TypeVar

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from threadpoolctl import ThreadpoolController

from components.engine.grouped import GroupSummary, group_summary
from components.engine.validation import (
    NInit,
    validate_frame_labels,
    validate_matrix,
)

__all__ = [
    "ClusterProfile",
    "KMeansResult",
    "as_order_key",
    "assign_to_centroids",
    "cluster_profiles",
    "map_largest_first",
    "n_distinct_rows",
    "order_by_key",
    "order_by_means",
    "profiles_table",
]

N_STANDOUTS = 3  # standing-out columns reported per cluster


@dataclass(frozen=True)
class KMeansResult:
    """One k-means fit with deterministic cluster ids.

    Attributes
    ----------
    n_clusters : int
        Number of clusters ``k``.
    labels : np.ndarray
        Cluster id (``0 .. k-1``) of each row of ``X``, int64, shape ``(n_samples,)``.
    centroids : np.ndarray
        Cluster centres in the (scaled) space of ``X``, shape ``(k, n_features)``; row ``i`` is
        the centre of cluster id ``i``.
    inertia : float
        Sum of squared distances of the rows to their centroid (scikit-learn's ``inertia_``).
    n_iter : int
        Lloyd iterations run by the best initialisation.
    fit_seconds : float
        Wall time of the fit.
    """

    n_clusters: int
    labels: np.ndarray
    centroids: np.ndarray
    inertia: float
    n_iter: int
    fit_seconds: float


@dataclass(frozen=True)
class ClusterProfile:
    """Summary of one cluster in original units (one row of :func:`profiles_table`).

    Attributes
    ----------
    cluster : int
        Cluster id (= colour index).
    size : int
        Number of rows in the cluster.
    share : float
        ``size`` divided by the number of clustered rows.
    centroid : dict[str, float]
        Mean of each chosen feature over the cluster, in the feature's original units.
    value_median, value_q1, value_q3 : float
        Median and quartiles of the value column (NaN when the frame has no such column).
    standouts : tuple[tuple[str, float], ...]
        Up to three ``(column, z)`` pairs, largest ``|z|`` first, where
        ``z = (cluster mean - overall mean) / overall std``.
    """

    cluster: int
    size: int
    share: float
    centroid: dict[str, float]
    value_median: float
    value_q1: float
    value_q3: float
    standouts: tuple[tuple[str, float], ...]


def n_distinct_rows(X: np.ndarray, at_most: int | None = None) -> int:
    """Return the number of distinct rows of a 2-D array (or ``at_most``, if fewer).

    Parameters
    ----------
    X : np.ndarray
        2-D array.
    at_most : int, optional
        Stop counting at this many (a positive integer): callers that only compare the count with k
        need no more, and a million rows with as many distinct ones are then not sorted.

    Returns
    -------
    int
        Number of distinct rows, or ``at_most`` when there are at least that many.
    """
    # The first rows usually hold enough distinct ones; count all only when they do not.
    if at_most is not None and np.unique(X[: 64 * at_most], axis=0).shape[0] >= at_most:
        return at_most
    n_distinct = int(np.unique(X, axis=0).shape[0])
    return n_distinct if at_most is None else min(n_distinct, at_most)


def as_order_key(order_key: object, X: np.ndarray) -> np.ndarray:
    """Resolve ``order_key`` to one float per row of ``X``.

    Parameters
    ----------
    order_key : None, int or array-like
        ``None`` -> first column of ``X``; an int -> that column of ``X``; an array of length
        ``n_samples`` -> used as is.
    X : np.ndarray
        Data matrix.

    Returns
    -------
    np.ndarray
        float64 array of shape ``(n_samples,)``.
    """
    n_samples, n_features = X.shape
    if order_key is None:
        return X[:, 0]
    if isinstance(order_key, Integral) and not isinstance(order_key, bool):
        column = int(order_key)
        if not 0 <= column < n_features:
            raise ValueError(
                f"order_key={column} is out of range; expected a column index in "
                f"[0, {n_features - 1}] or an array of length {n_samples}."
            )
        return X[:, column]
    key = np.asarray(order_key, dtype=np.float64)
    if key.shape != (n_samples,):
        raise ValueError(
            f"order_key has shape {key.shape}; expected None, a column index or an array of "
            f"shape ({n_samples},)."
        )
    if not np.isfinite(key).all():
        raise ValueError("order_key contains NaN or infinite values; expected finite numbers.")
    return key


def _cluster_means(column: np.ndarray, ids: np.ndarray, n_clusters: int) -> np.ndarray:
    """The mean of each cluster's finite values (NaN for a cluster without any)."""
    finite = np.isfinite(column)
    sums = np.bincount(ids[finite], weights=column[finite], minlength=n_clusters)
    counts = np.bincount(ids[finite], minlength=n_clusters)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts


def order_by_key(labels: np.ndarray, key: np.ndarray, n_clusters: int) -> np.ndarray:
    """Return ``new_id_of_old``: ids ranked by descending mean of ``key`` (ties: old id order).

    Parameters
    ----------
    labels : np.ndarray
        Cluster ids ``0 .. n_clusters-1``.
    key : np.ndarray
        One value per row.
    n_clusters : int
        Number of clusters.

    Returns
    -------
    np.ndarray
        ``new_id_of_old[old] = new``; relabel with ``new_id_of_old[labels]``.
    """
    return order_by_means(_cluster_means(key, labels, n_clusters))


def order_by_means(means: np.ndarray) -> np.ndarray:
    """Return ``new_id_of_old`` ranking clusters by descending mean (NaN last, ties: id order).

    The table form of :func:`order_by_key`, for callers that hold each cluster's mean of the
    order key but not the rows (the distributed sweep computes it as a reduction).

    Parameters
    ----------
    means : np.ndarray
        One mean of the order key per cluster id; NaN for an empty cluster.

    Returns
    -------
    np.ndarray
        ``new_id_of_old[old] = new``.
    """
    # Empty clusters (NaN mean) go last; stable sort keeps scikit-learn's order on ties.
    ranked = np.asarray(means, dtype=np.float64)
    old_in_new_order = np.argsort(-np.where(np.isnan(ranked), -np.inf, ranked), kind="stable")
    return np.argsort(old_in_new_order).astype(np.int64)  # the inverse permutation


def _fit_validated(
    X: np.ndarray, n_clusters: int, random_state: int, n_init: NInit, key: np.ndarray
) -> KMeansResult:
    """Fit k-means (k-means++ init) and number the clusters by descending ``key`` mean.

    The inputs are validated by the caller (the sweep, which validates once).
    """
    start = time.perf_counter()
    model = KMeans(
        n_clusters=n_clusters, init="k-means++", n_init=n_init, random_state=random_state
    ).fit(X)
    seconds = time.perf_counter() - start
    raw_labels = np.asarray(model.labels_, dtype=np.int64)
    new_id_of_old = order_by_key(raw_labels, key, n_clusters)
    centroids = np.empty_like(model.cluster_centers_)
    centroids[new_id_of_old] = model.cluster_centers_
    return KMeansResult(
        n_clusters=n_clusters,
        labels=new_id_of_old[raw_labels],
        centroids=centroids,
        inertia=float(model.inertia_),
        n_iter=int(model.n_iter_),
        fit_seconds=seconds,
    )


Item = TypeVar("Item")
Fitted = TypeVar("Fitted")


def map_largest_first(
    function: Callable[[Item], Fitted],
    items: Sequence[Item],
    size: Callable[[Item], int],
    n_jobs: int,
    *,
    one_thread_each: bool = True,
) -> list[Fitted]:
    """Return ``[function(item) for item in items]``, computed ``n_jobs`` at a time in threads.

    The largest items start first: they take longest, so the workers finish together.

    Parameters
    ----------
    function : callable
        What to compute for each item (a fit).
    items : sequence
        The items, in the order of the result.
    size : callable
        An item's size (e.g. its k).
    n_jobs : int
        Threads, >= 1.
    one_thread_each : bool
        Run each call with one OpenMP and one BLAS thread (scikit-learn's fits, whose own
        threads would compete with the other workers'); False for calls that wait on a cluster.

    Returns
    -------
    list
        The results, in the order of ``items``.
    """
    controller = ThreadpoolController() if one_thread_each else None

    def run(item: Item) -> Fitted:
        # OpenMP's thread count is per calling thread, so it is limited inside the worker.
        with nullcontext() if controller is None else controller.limit(limits=1, user_api="openmp"):
            return function(item)

    order = sorted(range(len(items)), key=lambda index: -size(items[index]))
    # BLAS limits are process-wide; holding them here keeps scikit-learn's own nested
    # limit/restore calls from racing between the workers.
    blas = nullcontext() if controller is None else controller.limit(limits=1, user_api="blas")
    with blas, ThreadPoolExecutor(n_jobs) as executor:
        done = dict(zip(order, executor.map(run, [items[index] for index in order]), strict=True))
    return [done[index] for index in range(len(items))]


def assign_to_centroids(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Return the id of the nearest centroid of each row (same as ``KMeans.predict``).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Points in the same scaled space as the centroids.
    centroids : array-like of shape (k, n_features)
        Row ``i`` is the centre of cluster ``i``.

    Returns
    -------
    np.ndarray
        int64 ids, shape ``(n_samples,)``; ties go to the lowest id.
    """
    data = validate_matrix(X, min_rows=1)
    centres = validate_matrix(centroids, name="centroids", min_rows=1)
    if centres.shape[1] != data.shape[1]:
        raise ValueError(
            f"centroids have {centres.shape[1]} features but X has {data.shape[1]}; "
            "expected the same number."
        )
    return nearest_centroids(data, centres)[0]


def nearest_centroids(data: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, float]:
    """Each row's nearest centre and the sum of squared distances to it (validated input)."""
    labels = np.empty(data.shape[0], dtype=np.int64)
    centre_norms = np.einsum("ij,ij->i", centres, centres)
    total = 0.0
    chunk = 65_536  # bounds the (chunk, k) distance block
    for start in range(0, data.shape[0], chunk):
        block = data[start : start + chunk]
        # Squared distance up to the row's own norm, which does not change the argmin.
        scores = centre_norms[None, :] - 2.0 * (block @ centres.T)
        nearest = np.argmin(scores, axis=1)
        labels[start : start + chunk] = nearest
        row_norms = np.einsum("ij,ij->i", block, block)
        total += float(np.sum(row_norms + scores[np.arange(nearest.size), nearest]))
    return labels, max(total, 0.0)


def cluster_profiles(
    frame: pd.DataFrame,
    labels: np.ndarray,
    features: Sequence[str],
    value_column: str = "median_house_value",
    *,
    standout_columns: Sequence[str] | None = None,
    n_clusters: int | None = None,
    value_summary: GroupSummary | None = None,
) -> tuple[ClusterProfile, ...]:
    """Describe each cluster in original units: size, share, centroid, value, standouts.

    Parameters
    ----------
    frame : pd.DataFrame
        The rows that were clustered (original units), aligned with ``labels`` by position.
    labels : array-like of int, shape (len(frame),)
        Cluster id per row; a negative id marks a row left out of the clustering.
    features : sequence of str
        The chosen features; their cluster means are reported in original units.
    value_column : str
        Column summarised by median and quartiles (default ``median_house_value``).
    standout_columns : sequence of str, optional
        Columns considered for "stands out"; default: every numeric column of ``frame``.
    n_clusters : int, optional
        Report ids ``0 .. n_clusters-1`` even if some are empty; default ``max(labels) + 1``.
    value_summary : GroupSummary, optional
        ``value_column``'s summary per cluster id, when the caller has it already (e.g.
        from the legend's :func:`components.engine.grouped.group_summary`).

    Returns
    -------
    tuple[ClusterProfile, ...]
        One profile per cluster id ``0 .. n_clusters-1``; standouts largest ``|z|`` first,
        ``z`` = (cluster mean - overall mean) / overall std (population std over the
        clustered rows).
    """
    ids = validate_frame_labels(frame, labels)
    feature_names = list(features)
    missing = [name for name in feature_names if name not in frame.columns]
    if missing:
        raise ValueError(
            f"features {missing} are not columns of frame; expected some of {list(frame.columns)}."
        )
    if standout_columns is None:
        standout_names = [
            name for name in frame.columns if pd.api.types.is_numeric_dtype(frame[name])
        ]
    else:
        standout_names = list(standout_columns)
        absent = [name for name in standout_names if name not in frame.columns]
        if absent:
            raise ValueError(f"standout_columns {absent} are not columns of frame.")

    clustered = ids >= 0  # negative ids mark rows that were not clustered
    every_row = bool(clustered.all())  # then no column is copied through the mask
    ids_used = (ids if every_row else ids[clustered]).astype(np.int64, copy=False)
    count = int(ids_used.max()) + 1 if ids_used.size else 0
    if n_clusters is not None:
        if n_clusters < count:
            raise ValueError(
                f"n_clusters={n_clusters} is smaller than the largest id + 1 ({count})."
            )
        count = int(n_clusters)
    # Column by column in numpy: at a million rows, pandas' masks and group-bys per
    # cluster would be most of a k change.
    sizes = np.bincount(ids_used, minlength=count)
    means: dict[str, np.ndarray] = {}
    overall_mean: dict[str, float] = {}
    overall_std: dict[str, float] = {}
    for name in dict.fromkeys([*standout_names, *feature_names]):
        series = frame[name]
        column = (
            series.to_numpy(dtype=np.float64)
            if pd.api.types.is_numeric_dtype(series)
            else pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
        )
        if not every_row:
            column = column[clustered]
        finite = np.isfinite(column)
        if finite.all():  # the common case: no copy of the finite values
            values = column
            with np.errstate(invalid="ignore", divide="ignore"):
                means[name] = np.bincount(ids_used, weights=column, minlength=count) / sizes
        else:
            values = column[finite]
            means[name] = _cluster_means(column, ids_used, count)
        if values.size:  # population std over the clustered rows: the z of the standouts
            overall_mean[name] = float(values.mean())
            overall_std[name] = float(np.sqrt(np.mean((values - overall_mean[name]) ** 2)))
        else:
            overall_mean[name] = overall_std[name] = float("nan")
    n_used = max(int(clustered.sum()), 1)
    if value_summary is None and value_column in frame.columns:
        value_summary = group_summary(
            pd.to_numeric(frame[value_column], errors="coerce").to_numpy(dtype=np.float64),
            np.where(clustered, ids, -1),
            max(count, 1),
        )
    if value_summary is None:  # no value column: its median and quartiles are NaN
        value_summary = GroupSummary(sizes, *[np.full(count, np.nan)] * 6)

    # An empty cluster's means are NaN (0 / 0): its centroid is NaN and it has no standouts.
    profiles = []
    for cluster in range(count):
        z_scores = {
            name: (means[name][cluster] - overall_mean[name]) / overall_std[name]
            for name in standout_names
            if overall_std[name] > 0
            and np.isfinite(means[name][cluster])
            and np.isfinite(overall_mean[name])
        }
        top = sorted(z_scores, key=lambda name: -abs(z_scores[name]))[:N_STANDOUTS]
        profiles.append(
            ClusterProfile(
                cluster=cluster,
                size=int(sizes[cluster]),
                share=int(sizes[cluster]) / n_used,
                centroid={name: float(means[name][cluster]) for name in feature_names},
                value_median=float(value_summary.median[cluster]),
                value_q1=float(value_summary.q1[cluster]),
                value_q3=float(value_summary.q3[cluster]),
                standouts=tuple((str(name), float(z_scores[name])) for name in top),
            )
        )
    return tuple(profiles)


def profiles_table(profiles: Sequence[ClusterProfile], features: Sequence[str]) -> pd.DataFrame:
    """Return the profiles as a table: one row per cluster id, as the pages show it.

    Parameters
    ----------
    profiles : sequence of ClusterProfile
        From :func:`cluster_profiles`.
    features : sequence of str
        The features of the profiles' centroids, in the order of their columns.

    Returns
    -------
    pd.DataFrame
        Columns, in order:

        - ``cluster`` (int): cluster id = colour index.
        - ``size`` (int), ``share`` (float in [0, 1]).
        - one column per feature (named as the feature, or ``"<name> (mean)"`` when the
          name is one of the table's own columns, e.g. a file's ``size``): cluster mean in
          original units.
        - ``value_median``, ``value_q1``, ``value_q3``: median / quartiles of the value
          column (NaN when absent).
        - ``standouts``: text such as ``"median_income +1.8 sd, latitude -1.2 sd"``.
        - ``standout_columns`` (tuple of str) and ``standout_z`` (tuple of float): the same
          standouts as data, largest ``|z|`` first.
    """
    table = pd.DataFrame(
        [
            {name: value for name, value in vars(profile).items() if name != "centroid"}
            | {
                "standouts": ", ".join(f"{name} {z:+.1f} sd" for name, z in profile.standouts),
                "standout_columns": tuple(name for name, _ in profile.standouts),
                "standout_z": tuple(z for _, z in profile.standouts),
            }
            for profile in profiles
        ]
    )
    means = pd.DataFrame([profile.centroid for profile in profiles], columns=list(features))
    means.columns = [f"{name} (mean)" if name in table.columns else name for name in features]
    # The means go after the first three columns: cluster, size and share.
    return pd.concat([table.iloc[:, :3], means, table.iloc[:, 3:]], axis=1)
