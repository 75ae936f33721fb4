"""The fast exact k-sweep: k-means for every k, with exact silhouette, CH, DB and the k suggestions.

The sweep does not keep its ``n x n_cells`` distance sums in the result, so the result stays
small enough to cache and pickle;
:func:`components.engine.sweep.silhouette_points.silhouette_points` recomputes the per-point
silhouettes of one k in one compiled pass.

Large data: above ``exact_limit`` rows the silhouette is computed on a fixed-seed sample of
``sample_size`` rows shared by every k (the same sample ``sklearn.metrics.silhouette_score(...,
sample_size, random_state)`` draws); two more samples give the spread reported beside it.

Stable ids: see :mod:`components.engine.clustering` (colour-identity rule).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from components.engine.clustering import (
    KMeansResult,
    _fit_validated,
    as_order_key,
    map_largest_first,
    n_distinct_rows,
    nearest_centroids,
)
from components.engine.partitions import _match_new_id_of_old
from components.engine.sweep.metrics import (
    calinski_harabasz_davies_bouldin,
    mean_silhouettes,
)
from components.engine.sweep.suggestions import KSuggestion, suggest_k
from components.engine.validation import (
    NInit,
    PerK,
    check_int,
    check_n_init,
    check_random_state,
    validate_k_values,
    validate_matrix,
)


@dataclass(frozen=True)
class SweepFits(PerK):
    """The k-means fits of a sweep, before any score: enough to draw every k's clusters.

    Attributes
    ----------
    k_values : tuple[int, ...]
        The k's, ascending.
    labels : np.ndarray
        int64, shape ``(len(k_values), n_samples)``; stable ids (colour-identity rule),
        the same as the complete sweep's.
    centroids : tuple[np.ndarray, ...]
        Per k, shape ``(k, n_features)`` in scaled space; row i = id i.
    inertia, fit_seconds : np.ndarray
        One float per k.
    n_iter : np.ndarray
        Lloyd iterations per k.
    random_state : int
        The seed of every fit (the silhouette sample uses it too).
    total_seconds : float
        Wall time of the fits (of the whole sweep in a :class:`SweepResult`).
    fit_rows : int
        Rows k-means was fitted on: all of them, or the sample of ``max_fit_rows``.
    """

    k_values: tuple[int, ...]
    labels: np.ndarray
    centroids: tuple[np.ndarray, ...]
    inertia: np.ndarray
    fit_seconds: np.ndarray
    n_iter: np.ndarray
    random_state: int
    total_seconds: float
    fit_rows: int

    def labels_for(self, k: int) -> np.ndarray:
        """Return the stable cluster ids for ``k``.

        Parameters
        ----------
        k : int
            Number of clusters (must be in ``k_values``).

        Returns
        -------
        np.ndarray
            int64 ids, shape ``(n_samples,)``.
        """
        return self.labels[self.index_of(k)]

    def centroids_for(self, k: int) -> np.ndarray:
        """Return the centroids of one of the sweep's k's, in scaled space.

        Parameters
        ----------
        k : int
            Number of clusters, one of ``k_values``.

        Returns
        -------
        np.ndarray
            Shape ``(k, n_features)``: row i is the centre of cluster id i.
        """
        return self.centroids[self.index_of(k)]


@dataclass(frozen=True)
class SweepResult(SweepFits):
    """Everything the sweep computed: the fits (:class:`SweepFits`) and their scores, per k.

    Attributes
    ----------
    silhouette, calinski_harabasz, davies_bouldin : np.ndarray
        One float per k. Silhouette higher is better, CH higher is better, DB lower is better.
    silhouette_method : {'exact', 'sampled'}
        'sampled' when ``n_samples > exact_limit``.
    silhouette_sample_size : int or None
        Rows in the silhouette sample (None when exact).
    silhouette_spread : np.ndarray or None
        Per k, standard deviation (ddof=1) of the silhouette over the samples (None when exact).
    suggestion : KSuggestion
        The k suggested by knee, silhouette and Calinski-Harabasz.
    silhouette_seconds : float
        Wall time of the silhouette step (all k together).
    n_cells : int
        Number of cells (rows sharing their label for every k) used by the silhouette step.
    """

    silhouette: np.ndarray
    calinski_harabasz: np.ndarray
    davies_bouldin: np.ndarray
    silhouette_method: Literal["exact", "sampled"]
    silhouette_sample_size: int | None
    silhouette_spread: np.ndarray | None
    suggestion: KSuggestion
    silhouette_seconds: float
    n_cells: int

    def metrics(self) -> dict[str, np.ndarray]:
        """Return the per-k metrics as a column dict (handy for ``pd.DataFrame(...)``).

        Returns
        -------
        dict[str, np.ndarray]
            Keys k, inertia, silhouette, calinski_harabasz, davies_bouldin, fit_seconds.
        """
        return {
            "k": np.asarray(self.k_values),
            "inertia": self.inertia,
            "silhouette": self.silhouette,
            "calinski_harabasz": self.calinski_harabasz,
            "davies_bouldin": self.davies_bouldin,
            "fit_seconds": self.fit_seconds,
        }


def _fit_all(
    X: np.ndarray,
    k_values: tuple[int, ...],
    random_state: int,
    n_init: NInit,
    key: np.ndarray,
    n_jobs: int,
    assign_to: np.ndarray | None = None,
) -> list[KMeansResult]:
    """Fit every k; with n_jobs > 1, n_jobs fits at a time with one OpenMP thread each.

    With ``assign_to`` (all the rows, when ``X`` is a sample of them), each fit then labels
    those rows by their nearest centroid, in the same worker.
    """

    def fit_and_assign(k: int) -> KMeansResult:
        fit = _fit_validated(X, k, random_state, n_init, key)
        if assign_to is None:
            return fit
        labels, inertia = nearest_centroids(assign_to, fit.centroids)
        return replace(fit, labels=labels, inertia=inertia)

    if n_jobs <= 1:
        return [fit_and_assign(k) for k in k_values]
    return map_largest_first(fit_and_assign, k_values, int, n_jobs)


def _stable_labels(
    fits: list[KMeansResult], key: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Apply the colour-identity rule across consecutive k's."""
    n_samples = fits[0].labels.size
    # The smallest type that holds every id: a sweep holds a label per row and k.
    dtype = np.int8 if fits[-1].n_clusters <= np.iinfo(np.int8).max else np.int64
    label_matrix = np.empty((len(fits), n_samples), dtype=dtype)
    centroids: list[np.ndarray] = []
    previous: np.ndarray | None = None
    for index, fit in enumerate(fits):
        new_id_of_old = (
            np.arange(fit.n_clusters)  # the first fit is already ordered by descending key mean
            if previous is None
            else _match_new_id_of_old(previous, fit.labels, fit.n_clusters, key)
        )
        labels = new_id_of_old[fit.labels]
        label_matrix[index] = labels
        centroids.append(fit.centroids[np.argsort(new_id_of_old)])
        previous = labels
    return label_matrix, tuple(centroids)


def fit_sweep(
    X: np.ndarray,
    k_values: Iterable[int] = range(2, 16),
    *,
    random_state: int = 0,
    n_init: NInit = "auto",
    order_key: Any = None,
    max_fit_rows: int | None = None,
) -> SweepFits:
    """Fit k-means for every k and number the clusters stably: the sweep's first step.

    The fits are fast and the scores (:func:`score_sweep`) take longer, so a page can draw
    the clusters first (BENCHMARKS.md, the section on painting first).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Scaled, finite data.
    k_values : iterable of int
        Distinct k's in any order (listed ascending), each in
        ``[2, min(n_samples - 1, n_distinct_rows)]`` (default 2..15).
    random_state : int
        Seed of every fit.
    n_init : 'auto' or int
        scikit-learn's ``n_init`` ('auto' = 1 run for k-means++).
    order_key : None, int or array-like
        What numbers the clusters at the smallest k (see ``clustering.as_order_key``).
    max_fit_rows : int, optional
        Above this many rows (>= 2), k-means is fitted on a fixed-seed random sample of
        this many rows, and every row then gets its nearest centroid (the inertia is that
        of all rows). None: fit on every row.

    Returns
    -------
    SweepFits
        Per-k labels (stable ids), centroids, inertia and fit times.
    """
    start = time.perf_counter()
    data = validate_matrix(X)
    n_samples = data.shape[0]
    ks = validate_k_values(k_values, n_samples, sort=True)
    # k only needs as many distinct rows as the largest k: counting stops there.
    validate_k_values(ks, n_samples, n_distinct_rows(data, at_most=ks[-1]), sort=True)
    fit_limit = None if max_fit_rows is None else check_int(max_fit_rows, "max_fit_rows", 2)
    init_count = check_n_init(n_init)
    seed = check_random_state(random_state)
    key = as_order_key(order_key, data)
    jobs = min(2, os.cpu_count() or 1)  # fits at a time, each with one OpenMP thread
    if fit_limit is not None and n_samples > fit_limit:
        # A fixed-seed uniform sample: its centroids are within sampling error of the full
        # fit's (the inertia lost is measured in benchmarks/scale.py), at a fraction of the
        # time; every row then gets its nearest centroid, as KMeans.predict would give.
        sample = np.sort(np.random.default_rng(seed).choice(n_samples, fit_limit, replace=False))
        fits = _fit_all(data[sample], ks, seed, init_count, key[sample], jobs, assign_to=data)
    else:
        fits = _fit_all(data, ks, seed, init_count, key, jobs)
    label_matrix, centroids = _stable_labels(fits, key)
    return SweepFits(
        k_values=ks,
        labels=label_matrix,
        centroids=centroids,
        inertia=np.array([fit.inertia for fit in fits]),
        fit_seconds=np.array([fit.fit_seconds for fit in fits]),
        n_iter=np.array([fit.n_iter for fit in fits], dtype=np.int64),
        random_state=seed,
        total_seconds=time.perf_counter() - start,
        fit_rows=min(n_samples, fit_limit or n_samples),
    )


def score_sweep(
    X: np.ndarray,
    fits: SweepFits,
    *,
    exact_limit: int = 50_000,
    sample_size: int = 10_000,
    n_silhouette_samples: int = 3,
    use_numba: bool | None = None,
) -> SweepResult:
    """Score the fits of every k (silhouette, CH, DB) and suggest k: the sweep's second step.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The data the fits were made on.
    fits : SweepFits
        From :func:`fit_sweep` on ``X``.
    exact_limit : int
        Largest ``n_samples`` for which the silhouette is exact (default 50,000).
    sample_size : int
        Rows in the silhouette sample above ``exact_limit`` (default 10,000).
    n_silhouette_samples : int
        Samples used for the spread when sampling (default 3; the first one gives the value).
    use_numba : bool, optional
        Force or avoid the compiled silhouette loop; default: numba when available.

    Returns
    -------
    SweepResult
        The fits with their scores and the k suggestion.
    """
    start = time.perf_counter()
    data = validate_matrix(X)
    n_samples = data.shape[0]
    if fits.labels.shape[1] != n_samples:
        raise ValueError(
            f"X has {n_samples} rows but the fits have {fits.labels.shape[1]}; expected the "
            "X they were fitted on."
        )
    limit = check_int(exact_limit, "exact_limit", 2)
    n_sample = check_int(sample_size, "sample_size", 2)
    n_spread = check_int(n_silhouette_samples, "n_silhouette_samples", 1)
    ks, label_matrix, seed = fits.k_values, fits.labels, fits.random_state

    silhouette_start = time.perf_counter()
    used_sample: int | None = None
    samples: list[Any] = [slice(None)]  # exact: every row
    if n_samples > limit:
        used_sample = min(n_sample, n_samples)
        # Same rows as silhouette_score(X, labels, sample_size=..., random_state=seed).
        samples = [
            np.random.RandomState(seed + offset).permutation(n_samples)[:used_sample]
            for offset in range(n_spread)
        ]
    per_sample = [
        mean_silhouettes(data[rows], label_matrix[:, rows], ks, use_numba) for rows in samples
    ]
    silhouette, n_cells = per_sample[0]  # the first sample's cells
    spread = (
        np.std([means for means, _ in per_sample], axis=0, ddof=1) if len(samples) > 1 else None
    )
    silhouette_seconds = time.perf_counter() - silhouette_start

    indices = [
        calinski_harabasz_davies_bouldin(data, labels, k)
        for labels, k in zip(label_matrix, ks, strict=True)
    ]
    ch, db = np.array(indices).T
    suggestion = suggest_k(ks, fits.inertia, silhouette, ch)
    return SweepResult(
        **(vars(fits) | {"total_seconds": fits.total_seconds + time.perf_counter() - start}),
        silhouette=silhouette,
        calinski_harabasz=ch,
        davies_bouldin=db,
        silhouette_method="exact" if used_sample is None else "sampled",
        silhouette_sample_size=used_sample,
        silhouette_spread=spread,
        suggestion=suggestion,
        silhouette_seconds=silhouette_seconds,
        n_cells=n_cells,
    )


def sweep_k(
    X: np.ndarray,
    k_values: Iterable[int] = range(2, 16),
    *,
    random_state: int = 0,
    n_init: NInit = "auto",
    exact_limit: int = 50_000,
    sample_size: int = 10_000,
    order_key: Any = None,
) -> SweepResult:
    """Fit k-means for every k and compute inertia, silhouette, CH, DB and a k suggestion.

    :func:`fit_sweep` then :func:`score_sweep` (with their defaults for the other
    parameters); see them for the parameters.

    Returns
    -------
    SweepResult
        Per-k labels (stable ids), centroids, metrics, fit times and the suggestion.
    """
    fits = fit_sweep(X, k_values, random_state=random_state, n_init=n_init, order_key=order_key)
    return score_sweep(X, fits, exact_limit=exact_limit, sample_size=sample_size)
