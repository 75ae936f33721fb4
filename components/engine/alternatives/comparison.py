"""k-means and five alternatives on the toy shapes, each scored against the true groups.

The adjusted Rand index (ARI) counts every noise point (label ``-1``) as its own singleton
cluster: counting all noise as one extra cluster would reward an algorithm that throws a whole
true group away as noise.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.cluster import DBSCAN, HDBSCAN, AgglomerativeClustering, KMeans
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from components.engine.alternatives.toy_shapes import TOY_N_SAMPLES_RANGE
from components.engine.partitions import adjusted_rand
from components.engine.validation import check_int, check_random_state

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
    scored[noise] = scored.max(initial=-1) + 1 + np.arange(int(noise.sum()))
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


def _dbscan_eps(X_scaled: np.ndarray, min_samples: int) -> float:
    """DBSCAN's eps: the radius at which ``TOY_DBSCAN_CORE_SHARE`` of the points are core points.

    Each point's distance to its k-th nearest neighbour (k = ``min_samples``, the point itself
    included, as DBSCAN counts) is sorted; eps is the ``TOY_DBSCAN_CORE_SHARE`` quantile of that
    curve, so that share of the points have ``min_samples`` points within eps and the sparsest
    rest are left to be border points or noise.
    """
    # The query point is its own first neighbour (distance 0), matching DBSCAN's count.
    distances = NearestNeighbors(n_neighbors=min_samples).fit(X_scaled).kneighbors(X_scaled)[0]
    k_distances = np.sort(distances[:, -1])
    eps = float(k_distances[max(0, int(np.ceil(TOY_DBSCAN_CORE_SHARE * k_distances.size)) - 1)])
    if eps > 0:
        return eps
    # Many duplicate points: any positive radius keeps them core; take the smallest.
    positive = k_distances[k_distances > 0]
    return float(positive[0]) if positive.size else 1e-9


# Why an algorithm recovered the groups or did not, for those with one reason each way.
_WHY: dict[str, tuple[str, str]] = {
    "kmeans": (
        "the groups are compact, round and of similar size, which is what k-means assumes",
        "k-means assumes convex, roughly equal-size spherical clusters around centroids and "
        "splits the plane with straight boundaries, which cuts curved, nested or overlapping "
        "groups",
    ),
    "hdbscan": (
        "it keeps the clusters that stay dense over a range of radii, without a fixed eps",
        "at this noise level the density between the groups is not clearly lower than inside them",
    ),
    "ward": (
        "it merges the pair of clusters that least increases the within-cluster variance",
        "it minimises within-cluster variance like k-means, so it also prefers compact, convex "
        "groups",
    ),
    "gmm": (
        "each group is well described by one Gaussian ellipse",
        "it fits one Gaussian ellipse per cluster, and curved or nested groups are not ellipses",
    ),
}


def _note(
    key: str, labels: np.ndarray, n_found: int, n_noise: int, n_true: int, ari: float, eps: str
) -> str:
    """One honest sentence: what the algorithm found, then the reason."""
    good = ari >= 0.9
    if good:
        outcome = f"recovered the {n_true} true groups"
    elif n_found <= 1:
        found = "no cluster" if n_found == 0 else "1 cluster"
        outcome = f"found {found} where there are {n_true} groups"
    elif n_noise > labels.size / 2:
        outcome = f"called {n_noise} of {labels.size} points noise"
    elif n_found > n_true:
        outcome = f"broke the {n_true} groups into {n_found} pieces"
    else:
        outcome = "cut across the true groups"
    if key in _WHY:
        why = _WHY[key][0 if good else 1]
    elif key == "dbscan":
        if good:
            why = f"dense regions connected within eps={eps} became clusters"
        elif n_found <= 1:
            why = f"at eps={eps} the gap between the groups is bridged by noisy points"
        elif n_found > n_true:
            why = f"eps={eps} is one radius for all clusters, too small for the sparser parts"
        else:
            why = f"at eps={eps} the density between the groups is not clearly lower"
    elif good:
        why = "chains of nearest neighbours follow each shape"
    elif np.bincount(labels).max() / labels.size > 0.9:
        why = "a few outlying points became their own clusters and the rest chained together"
    else:
        why = "noisy points bridge the groups, so the chains cross from one to the other"
    return f"{ALGORITHM_NAMES[key]} {outcome} (ARI {ari:.2f}): {why}."


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
) -> list[AlgorithmResult]:
    """Cluster the same points with k-means and five alternatives and score each.

    X is first standardised with ``StandardScaler`` (z-score per column), as the app's
    default "standard" scaler does, so every algorithm sees the same scaled data.

    Algorithms (``key``: what it is):

    - ``kmeans``: ``KMeans(n_clusters, random_state, n_init="auto")``.
    - ``dbscan``: ``DBSCAN(eps, min_samples)`` with ``min_samples = max(5, 2 % of n)``
      and eps from the k-distance curve (the radius at which 93 % of the points
      are core points).
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

    Returns
    -------
    list of AlgorithmResult
        One result per algorithm, in the order above.
    """
    values, truth = _check_matrix(X, y_true)
    n_clusters = check_int(n_clusters, "n_clusters", *COMPARE_N_CLUSTERS_RANGE)
    random_state = check_random_state(random_state)
    n_true = int(np.unique(truth).size)
    X_scaled = standardise(values)
    n_samples = X_scaled.shape[0]

    def model_of(key: str) -> tuple[Any, str]:
        """The estimator of ``key`` and its parameters in words (DBSCAN's eps computed here)."""
        by_k = f"n_clusters={n_clusters}"
        if key == "kmeans":
            return KMeans(n_clusters=n_clusters, random_state=random_state, n_init="auto"), by_k
        if key in ("single", "ward"):
            return AgglomerativeClustering(n_clusters=n_clusters, linkage=key), by_k
        if key == "gmm":
            gmm = GaussianMixture(
                n_components=n_clusters, covariance_type="full", random_state=random_state
            )
            return gmm, f"n_components={n_clusters}, covariance_type=full"
        if key == "hdbscan":
            size = max(5, round(TOY_HDBSCAN_CLUSTER_SHARE * n_samples))
            hdbscan = HDBSCAN(min_cluster_size=size, min_samples=TOY_HDBSCAN_MIN_SAMPLES, copy=True)
            return hdbscan, f"min_cluster_size={size}, min_samples={TOY_HDBSCAN_MIN_SAMPLES}"
        min_samples = toy_dbscan_min_samples(n_samples)
        eps = _dbscan_eps(X_scaled, min(min_samples, n_samples - 1))
        how = f"{TOY_DBSCAN_CORE_SHARE:.0%} of the points are core points"
        dbscan = DBSCAN(eps=eps, min_samples=min_samples)
        return dbscan, f"eps={eps:.3g} ({how}), min_samples={min_samples}"

    results = []
    for key in ALGORITHM_NAMES:
        started = time.perf_counter()
        model, parameters = model_of(key)
        labels = np.asarray(model.fit_predict(X_scaled), dtype=np.int64)
        fit_seconds = time.perf_counter() - started
        labels.flags.writeable = False
        ari = adjusted_rand_index(truth, labels)
        n_found = int(np.unique(labels[labels >= 0]).size)
        n_noise = int((labels == -1).sum())
        # The DBSCAN note quotes its radius: the first word of parameters is "eps=...".
        eps = parameters.split(" ")[0].removeprefix("eps=")
        results.append(
            AlgorithmResult(
                key=key,
                name=ALGORITHM_NAMES[key],
                labels=labels,
                adjusted_rand_index=ari,
                n_clusters_found=n_found,
                n_noise=n_noise,
                fit_seconds=fit_seconds,
                parameters=parameters,
                note=_note(key, labels, n_found, n_noise, n_true, ari, eps),
            )
        )
    return results
