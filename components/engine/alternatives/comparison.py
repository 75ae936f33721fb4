"""k-means and five alternatives on the toy shapes, each scored against the true groups.

The adjusted Rand index (ARI) counts every noise point (label ``-1``) as its own singleton
cluster: counting all noise as one extra cluster would reward an algorithm that throws a whole
true group away as noise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import DBSCAN, HDBSCAN, AgglomerativeClustering, KMeans
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from components.engine.alternatives.toy_shapes import TOY_N_SAMPLES_RANGE
from components.engine.partitions import adjusted_rand
from components.engine.validation import check_float, check_int, check_random_state

COMPARE_N_CLUSTERS_RANGE = (2, 10)
# Toy DBSCAN / HDBSCAN rules, chosen by scoring candidate rules (Kneedle knee, several
# quantiles of the k-distance curve, several min_samples) on moons / circles / blobs with
# noise 0..0.1, n 100..2000 and 3 seeds: these recovered the true groups (ARI > 0.9) in
# the largest share of cases (BENCHMARKS.md, "Measured defaults"). No single eps works
# everywhere.
TOY_DBSCAN_MIN_SAMPLES = 5
TOY_DBSCAN_MIN_SAMPLES_SHARE = 0.02
TOY_DBSCAN_CORE_SHARE = 0.93
TOY_HDBSCAN_MIN_SAMPLES = 5
TOY_HDBSCAN_CLUSTER_SHARE = 0.05
ALGORITHM_NAMES: dict[str, str] = {
    "kmeans": "k-means",
    "dbscan": "DBSCAN",
    "hdbscan": "HDBSCAN",
    "single": "Agglomerative, single linkage",
    "ward": "Agglomerative, Ward",
    "gmm": "Gaussian mixture (full covariance)",
}


@dataclass(frozen=True)
class EpsSuggestion:
    """The DBSCAN radius read off the sorted k-distance curve.

    Attributes
    ----------
    eps : float
        Suggested radius (in the units of the data it was computed on).
    min_samples : int
        DBSCAN ``min_samples`` the curve was computed for. The point itself counts, as
        in DBSCAN, so the curve is the distance to the (min_samples-1)-th other point.
    k_distances : numpy.ndarray
        Each point's distance to that neighbour, sorted ascending (plot it).
    core_share : float
        Share of points whose k-distance is at most ``eps``, i.e. that are core points.
    eps_index : int
        Position of ``eps`` on the sorted curve (for marking it on a plot).
    """

    eps: float
    min_samples: int
    k_distances: np.ndarray
    core_share: float
    eps_index: int


@dataclass(frozen=True)
class AlgorithmResult:
    """One clustering algorithm's answer on a toy data set.

    Attributes
    ----------
    key : str
        Stable identifier: "kmeans", "dbscan", "hdbscan", "single", "ward", "gmm".
    name : str
        Display name, e.g. "Agglomerative, single linkage".
    labels : numpy.ndarray
        Cluster of each point; ``-1`` marks noise (DBSCAN and HDBSCAN only).
    adjusted_rand_index : float
        Agreement with the true groups (1 = identical, about 0 = chance); every
        noise point counts as its own singleton cluster.
    n_clusters_found : int
        Number of clusters, noise excluded.
    n_noise : int
        Number of points labelled noise.
    fit_seconds : float
        Wall-clock time of the fit (for DBSCAN including the choice of eps).
    parameters : str
        The parameters used, in words, e.g. "eps=0.21 (knee of the 5-NN distance curve)".
    note : str
        One sentence on what the algorithm found and why.
    """

    key: str
    name: str
    labels: np.ndarray
    adjusted_rand_index: float
    n_clusters_found: int
    n_noise: int
    fit_seconds: float
    parameters: str
    note: str


def standardise(X: np.ndarray) -> np.ndarray:
    """Z-score each column, exactly as the app's "standard" scaler does (StandardScaler).

    Parameters
    ----------
    X : numpy.ndarray
        Data, shape (n_samples, n_features).

    Returns
    -------
    numpy.ndarray
        Each column with mean 0 and standard deviation 1 (constant columns become 0).
    """
    return StandardScaler().fit_transform(np.asarray(X, dtype=np.float64))


def adjusted_rand_index(y_true: np.ndarray, labels: np.ndarray) -> float:
    """Adjusted Rand index with every noise point (label -1) as its own singleton cluster.

    Parameters
    ----------
    y_true : numpy.ndarray
        True groups.
    labels : numpy.ndarray
        Found clusters, ``-1`` = noise.

    Returns
    -------
    float
        ARI in [-0.5, 1]; 1 means the same partition.
    """
    scored = np.asarray(labels, dtype=np.int64).copy()
    noise = scored == -1
    if noise.any():
        start = scored.max() + 1
        scored[noise] = start + np.arange(int(noise.sum()))
    # The groups may have any ids; numbering them 0..m-1 keeps the contingency table small.
    _, groups = np.unique(np.asarray(y_true), return_inverse=True)
    return adjusted_rand(groups.reshape(-1), scored)


def toy_dbscan_min_samples(n_samples: int) -> int:
    """DBSCAN ``min_samples`` used on the toy shapes: 2 % of the points, at least 5.

    Parameters
    ----------
    n_samples : int
        Number of points.

    Returns
    -------
    int
        ``max(5, round(0.02 * n_samples))``.
    """
    return max(TOY_DBSCAN_MIN_SAMPLES, round(TOY_DBSCAN_MIN_SAMPLES_SHARE * n_samples))


def suggest_dbscan_eps(
    X_scaled: np.ndarray,
    min_samples: int | None = None,
    core_share: float = TOY_DBSCAN_CORE_SHARE,
) -> EpsSuggestion:
    """Choose DBSCAN's eps so that a given share of the points are core points.

    Each point's distance to its k-th nearest neighbour (k = ``min_samples``, the point
    itself included, as DBSCAN counts) is sorted; eps is the ``core_share`` quantile of
    that curve, so ``core_share`` of the points have ``min_samples`` points within eps
    and the sparsest ``1 - core_share`` are left to be border points or noise.

    Parameters
    ----------
    X_scaled : numpy.ndarray
        Standardised data, shape (n_samples, n_features), n_samples >= 3.
    min_samples : int or None, default=None
        DBSCAN ``min_samples``, in [2, n_samples - 1]; None = :func:`toy_dbscan_min_samples`.
    core_share : float, default=0.93
        In (0, 1].

    Returns
    -------
    EpsSuggestion
        The radius, the curve and where on it the radius lies.
    """
    X_scaled = np.asarray(X_scaled, dtype=np.float64)
    if X_scaled.ndim != 2 or X_scaled.shape[0] < 3:
        raise ValueError(
            f"X_scaled has shape {X_scaled.shape}; expected a 2-D array with at least 3 rows."
        )
    if min_samples is None:
        min_samples = min(toy_dbscan_min_samples(X_scaled.shape[0]), X_scaled.shape[0] - 1)
    min_samples = check_int(min_samples, "min_samples", 2, X_scaled.shape[0] - 1)
    core_share = check_float(core_share, "core_share", 0.0, 1.0, low_open=True)
    neighbours = NearestNeighbors(n_neighbors=min_samples).fit(X_scaled)
    # The query point is its own first neighbour (distance 0), matching DBSCAN's count.
    distances, _ = neighbours.kneighbors(X_scaled)
    k_distances = np.sort(distances[:, -1])
    eps_index = max(0, int(np.ceil(core_share * k_distances.size)) - 1)
    eps = float(k_distances[eps_index])
    if eps <= 0:
        # Many duplicate points: any positive radius keeps them core; take the smallest.
        positive = k_distances[k_distances > 0]
        eps = float(positive[0]) if positive.size else 1e-9
    k_distances.flags.writeable = False
    return EpsSuggestion(
        eps=eps,
        min_samples=min_samples,
        k_distances=k_distances,
        core_share=core_share,
        eps_index=eps_index,
    )


def _outcome_clause(n_clusters_found: int, n_true: int, ari: float, n_noise: int, n: int) -> str:
    if ari >= 0.9:
        return f"recovered the {n_true} true groups (ARI {ari:.2f})"
    if n_clusters_found <= 1:
        found = "no cluster" if n_clusters_found == 0 else "1 cluster"
        return f"found {found} where there are {n_true} groups (ARI {ari:.2f})"
    if n_noise > n / 2:
        return f"called {n_noise} of {n} points noise (ARI {ari:.2f})"
    if n_clusters_found > n_true:
        return f"broke the {n_true} groups into {n_clusters_found} pieces (ARI {ari:.2f})"
    return f"cut across the true groups (ARI {ari:.2f})"


def _largest_share(labels: np.ndarray) -> float:
    clustered = labels[labels >= 0]
    if clustered.size == 0:
        return 0.0
    return float(np.bincount(clustered).max() / labels.size)


def _note(key: str, labels: np.ndarray, n_true: int, ari: float, detail: str) -> str:
    """One honest sentence: what the algorithm found, then the reason."""
    n = labels.size
    n_found = int(np.unique(labels[labels >= 0]).size)
    n_noise = int((labels == -1).sum())
    outcome = _outcome_clause(n_found, n_true, ari, n_noise, n)
    good = ari >= 0.9
    if key == "kmeans":
        why = (
            "the groups are compact, round and of similar size, which is what k-means assumes"
            if good
            else "k-means assumes convex, roughly equal-size spherical clusters around "
            "centroids and splits the plane with straight boundaries, which cuts curved, "
            "nested or overlapping groups"
        )
    elif key == "dbscan":
        if good:
            why = f"dense regions connected within eps={detail} became clusters"
        elif n_found <= 1:
            why = f"at eps={detail} the gap between the groups is bridged by noisy points"
        elif n_found > n_true:
            why = f"eps={detail} is one radius for all clusters, too small for the sparser parts"
        else:
            why = f"at eps={detail} the density between the groups is not clearly lower"
    elif key == "hdbscan":
        why = (
            "it keeps the clusters that stay dense over a range of radii, without a fixed eps"
            if good
            else "at this noise level the density between the groups is not clearly lower "
            "than inside them"
        )
    elif key == "single":
        if good:
            why = "chains of nearest neighbours follow each shape"
        elif _largest_share(labels) > 0.9:
            why = "a few outlying points became their own clusters and the rest chained together"
        else:
            why = "noisy points bridge the groups, so the chains cross from one to the other"
    elif key == "ward":
        why = (
            "it merges the pair of clusters that least increases the within-cluster variance"
            if good
            else "it minimises within-cluster variance like k-means, so it also prefers "
            "compact, convex groups"
        )
    else:
        why = (
            "each group is well described by one Gaussian ellipse"
            if good
            else "it fits one Gaussian ellipse per cluster, and curved or nested groups "
            "are not ellipses"
        )
    return f"{ALGORITHM_NAMES[key]} {outcome}: {why}."


def _check_matrix(X: np.ndarray, y_true: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(X, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(
            f"X has shape {values.shape}; expected a 2-D array (n_samples, n_features)."
        )
    low, high = TOY_N_SAMPLES_RANGE
    if not low <= values.shape[0] <= high:
        raise ValueError(
            f"X has {values.shape[0]} rows; expected a number of rows in [{low}, {high}]."
        )
    if not np.isfinite(values).all():
        raise ValueError("X contains NaN or infinite values; expected finite numbers only.")
    truth = np.asarray(y_true)
    if truth.shape != (values.shape[0],):
        raise ValueError(
            f"y_true has shape {truth.shape}; expected ({values.shape[0]},) to match X."
        )
    return values, truth


def compare_algorithms(
    X: np.ndarray,
    y_true: np.ndarray,
    n_clusters: int = 2,
    random_state: int = 0,
    *,
    dbscan_eps: float | None = None,
    dbscan_min_samples: int | None = None,
    algorithms: Sequence[str] | None = None,
) -> list[AlgorithmResult]:
    """Cluster the same points with k-means and five alternatives and score each.

    X is first standardised with ``StandardScaler`` (z-score per column), as the app's
    default "standard" scaler does, so every algorithm sees the same scaled data.

    Algorithms (``key``: what it is):

    - ``kmeans``: ``KMeans(n_clusters, random_state, n_init="auto")``.
    - ``dbscan``: ``DBSCAN(eps, min_samples)`` with ``min_samples = max(5, 2 % of n)``
      and eps from :func:`suggest_dbscan_eps` (the radius at which 93 % of the points
      are core points), unless ``dbscan_eps`` / ``dbscan_min_samples`` are given.
    - ``hdbscan``: ``HDBSCAN(min_cluster_size=max(5, 5 % of n), min_samples=5)``.
    - ``single``: ``AgglomerativeClustering(n_clusters, linkage="single")``.
    - ``ward``: ``AgglomerativeClustering(n_clusters, linkage="ward")``.
    - ``gmm``: ``GaussianMixture(n_clusters, covariance_type="full", random_state)``.

    DBSCAN and HDBSCAN choose the number of clusters themselves and may mark noise (-1).

    Parameters
    ----------
    X : numpy.ndarray
        Points, shape (n_samples, n_features), n_samples in [20, 5000], finite.
    y_true : numpy.ndarray
        True group of each point (used only for scoring).
    n_clusters : int, default=2
        Number of clusters for the algorithms that need it, in [2, 10]; pass
        ``ToyData.n_clusters`` (3 for blobs).
    random_state : int, default=0
        Seed for k-means and the Gaussian mixture.
    dbscan_eps : float or None, default=None
        DBSCAN radius in standardised units, in (0, 10]; None = :func:`suggest_dbscan_eps`.
    dbscan_min_samples : int or None, default=None
        DBSCAN ``min_samples``, in [2, 100]; None = :func:`toy_dbscan_min_samples`.
    algorithms : sequence of str or None, default=None
        Subset of keys to run, in the given order; None = all six in the order above.

    Returns
    -------
    list of AlgorithmResult
        One result per algorithm, in the requested order.
    """
    values, truth = _check_matrix(X, y_true)
    n_clusters = check_int(n_clusters, "n_clusters", *COMPARE_N_CLUSTERS_RANGE)
    random_state = check_random_state(random_state)
    if dbscan_min_samples is not None:
        dbscan_min_samples = check_int(dbscan_min_samples, "dbscan_min_samples", 2, 100)
    if dbscan_eps is not None:
        dbscan_eps = check_float(dbscan_eps, "dbscan_eps", 0.0, 10.0, low_open=True)
    keys = list(ALGORITHM_NAMES) if algorithms is None else list(algorithms)
    unknown = [key for key in keys if key not in ALGORITHM_NAMES]
    if unknown or not keys or len(set(keys)) != len(keys):
        raise ValueError(
            f"algorithms={algorithms!r} is not valid; expected distinct keys from "
            f"{list(ALGORITHM_NAMES)}."
        )
    n_true = int(np.unique(truth).size)
    X_scaled = standardise(values)
    n_samples = X_scaled.shape[0]

    def fit_dbscan() -> tuple[np.ndarray, str]:
        min_samples = (
            toy_dbscan_min_samples(n_samples) if dbscan_min_samples is None else dbscan_min_samples
        )
        if dbscan_eps is None:
            suggestion = suggest_dbscan_eps(X_scaled, min(min_samples, n_samples - 1))
            eps = suggestion.eps
            how = f"{suggestion.core_share:.0%} of the points are core points"
        else:
            eps, how = dbscan_eps, "set by hand"
        labels = DBSCAN(eps=eps, min_samples=min_samples).fit_predict(X_scaled)
        return labels, f"eps={eps:.3g} ({how}), min_samples={min_samples}"

    def fit_hdbscan() -> tuple[np.ndarray, str]:
        min_cluster_size = max(5, round(TOY_HDBSCAN_CLUSTER_SHARE * n_samples))
        labels = HDBSCAN(
            min_cluster_size=min_cluster_size, min_samples=TOY_HDBSCAN_MIN_SAMPLES, copy=True
        ).fit_predict(X_scaled)
        return labels, f"min_cluster_size={min_cluster_size}, min_samples={TOY_HDBSCAN_MIN_SAMPLES}"

    fitters: dict[str, Callable[[], tuple[np.ndarray, str]]] = {
        "kmeans": lambda: (
            KMeans(n_clusters=n_clusters, random_state=random_state, n_init="auto").fit_predict(
                X_scaled
            ),
            f"n_clusters={n_clusters}",
        ),
        "dbscan": fit_dbscan,
        "hdbscan": fit_hdbscan,
        "single": lambda: (
            AgglomerativeClustering(n_clusters=n_clusters, linkage="single").fit_predict(X_scaled),
            f"n_clusters={n_clusters}",
        ),
        "ward": lambda: (
            AgglomerativeClustering(n_clusters=n_clusters, linkage="ward").fit_predict(X_scaled),
            f"n_clusters={n_clusters}",
        ),
        "gmm": lambda: (
            GaussianMixture(
                n_components=n_clusters, covariance_type="full", random_state=random_state
            ).fit_predict(X_scaled),
            f"n_components={n_clusters}, covariance_type=full",
        ),
    }

    results = []
    for key in keys:
        started = time.perf_counter()
        labels, parameters = fitters[key]()
        fit_seconds = time.perf_counter() - started
        labels = np.asarray(labels, dtype=np.int64)
        labels.flags.writeable = False
        ari = adjusted_rand_index(truth, labels)
        # The DBSCAN note quotes its radius: the first word of parameters is "eps=...".
        detail = parameters.split(" ")[0].removeprefix("eps=") if key == "dbscan" else ""
        results.append(
            AlgorithmResult(
                key=key,
                name=ALGORITHM_NAMES[key],
                labels=labels,
                adjusted_rand_index=ari,
                n_clusters_found=int(np.unique(labels[labels >= 0]).size),
                n_noise=int((labels == -1).sum()),
                fit_seconds=fit_seconds,
                parameters=parameters,
                note=_note(key, labels, n_true, ari, detail),
            )
        )
    return results
