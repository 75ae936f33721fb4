"""When k-means fails: toy shapes, other clustering algorithms and density clusters on a map.

Pure Python (no Streamlit). Two parts:

1. Toy shapes (two moons, two rings, three blobs) clustered by k-means and five
   alternatives, each scored against the true groups with the adjusted Rand index.
   K-means assumes convex, roughly equal-size, spherical clusters around centroids;
   the moons and rings break that assumption, the blobs satisfy it.
2. Density clustering of the housing block groups by location (DBSCAN or HDBSCAN
   with the great-circle "haversine" distance), which finds metro areas of any shape
   and marks thinly populated places as noise instead of forcing them into a cluster.

Conventions shared by every function here:

- Cluster labels are integers; noise is ``-1``. Density clusters are renumbered by
  descending size (0 = largest) so a palette indexed by label is stable.
- The adjusted Rand index (ARI) counts every noise point as its own singleton
  cluster. Counting all noise as one extra cluster would reward an algorithm that
  throws a whole true group away as noise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.cluster import DBSCAN, HDBSCAN, AgglomerativeClustering, KMeans
from sklearn.datasets import make_blobs, make_circles, make_moons
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import BallTree, NearestNeighbors
from sklearn.preprocessing import StandardScaler

from components.engine.clustering import adjusted_rand
from components.engine.scaling import EARTH_RADIUS_KM

# RANDOM_STATE_RANGE is re-exported: the page's seed widget reads it from here.
from components.engine.validation import RANDOM_STATE_RANGE as RANDOM_STATE_RANGE
from components.engine.validation import check_float, check_int, check_random_state

ToyKind = Literal["moons", "circles", "blobs"]
GeoMethod = Literal["dbscan", "hdbscan"]

TOY_KINDS: tuple[str, ...] = ("moons", "circles", "blobs")
TOY_N_SAMPLES_RANGE = (20, 5000)
TOY_NOISE_RANGE = (0.0, 0.5)
COMPARE_N_CLUSTERS_RANGE = (2, 10)
# The blobs' true centres form a near-equilateral triangle 6 units apart; their spread
# grows with the noise slider so k-means' success there can also be eroded on purpose.
BLOB_CENTRES: tuple[tuple[float, float], ...] = ((0.0, 0.0), (6.0, 0.0), (3.0, 5.0))
BLOB_BASE_STD = 0.5
BLOB_STD_PER_NOISE = 2.0
CIRCLES_FACTOR = 0.5

# Toy DBSCAN / HDBSCAN rules, chosen by scoring candidate rules (Kneedle knee, several
# quantiles of the k-distance curve, several min_samples) on moons / circles / blobs with
# noise 0..0.1, n 100..2000 and 3 seeds: these recovered the true groups (ARI > 0.9) in
# the largest share of cases (83 % for DBSCAN). No single eps works everywhere.
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

GEO_METHODS: tuple[str, ...] = ("dbscan", "hdbscan")
GEO_EPS_KM_RANGE = (0.0, 500.0)  # open at 0, closed at 500
GEO_MIN_SAMPLES_RANGE = (2, 1000)
# Defaults measured on the 20,640 block groups (2 shared cores): 5 km and 20 block
# groups give 55 areas in 0.3-0.6 s; the largest are Los Angeles, the Bay Area, San
# Diego, Sacramento, the Inland Empire and Fresno, and 14 % of block groups (thinly
# settled places) are noise. 3 km splits the Bay Area in two; 8 km merges the Inland Empire
# (Riverside / San Bernardino) into Los Angeles.
DEFAULT_GEO_EPS_KM = 5.0
DEFAULT_GEO_MIN_SAMPLES = 20
# Full HDBSCAN with haversine takes 15-22 s on 20,640 points on 2 shared cores; a
# fixed-seed sample of 5,000 takes ~1.5 s including the label transfer, after which
# every other point takes its nearest sampled neighbour's label.
DEFAULT_HDBSCAN_MAX_POINTS = 5000
HDBSCAN_MAX_POINTS_RANGE = (100, 100_000)


@dataclass(frozen=True)
class Place:
    """A named reference place used to describe where a density cluster is."""

    name: str
    latitude: float
    longitude: float


# Approximate city-centre coordinates (degrees), used only to name clusters.
CALIFORNIA_PLACES: tuple[Place, ...] = (
    Place("Los Angeles", 34.05, -118.24),
    Place("Long Beach", 33.77, -118.19),
    Place("Santa Ana", 33.75, -117.87),
    Place("Riverside", 33.95, -117.40),
    Place("San Bernardino", 34.11, -117.29),
    Place("Lancaster", 34.70, -118.14),
    Place("Oxnard", 34.20, -119.18),
    Place("Santa Barbara", 34.42, -119.70),
    Place("Palm Springs", 33.83, -116.55),
    Place("San Diego", 32.72, -117.16),
    Place("San Francisco", 37.77, -122.42),
    Place("Oakland", 37.80, -122.27),
    Place("San Jose", 37.34, -121.89),
    Place("Santa Rosa", 38.44, -122.71),
    Place("Vallejo", 38.10, -122.26),
    Place("Santa Cruz", 36.97, -122.03),
    Place("Salinas", 36.68, -121.66),
    Place("Sacramento", 38.58, -121.49),
    Place("Stockton", 37.96, -121.29),
    Place("Modesto", 37.64, -120.99),
    Place("Merced", 37.30, -120.48),
    Place("Fresno", 36.74, -119.79),
    Place("Visalia", 36.33, -119.29),
    Place("Bakersfield", 35.37, -119.02),
    Place("San Luis Obispo", 35.28, -120.66),
    Place("Chico", 39.73, -121.84),
    Place("Redding", 40.59, -122.39),
    Place("Eureka", 40.80, -124.16),
)


# ----------------------------------------------------------------------------- toy shapes


@dataclass(frozen=True)
class ToyData:
    """A two-dimensional toy data set with known groups.

    Attributes
    ----------
    X : numpy.ndarray
        Point coordinates, shape (n_samples, 2), unscaled (plot these).
    y_true : numpy.ndarray
        True group of each point, integers 0..n_clusters-1.
    kind : str
        "moons", "circles" or "blobs".
    n_samples, noise, random_state :
        The arguments the data were generated with.
    n_clusters : int
        Number of true groups (2 for moons and circles, 3 for blobs); pass it to
        :func:`compare_algorithms`.
    description : str
        One sentence describing the shapes, for a caption.
    """

    X: np.ndarray
    y_true: np.ndarray
    kind: str
    n_samples: int
    noise: float
    random_state: int
    n_clusters: int
    description: str


def make_shapes(kind: ToyKind, n_samples: int, noise: float, random_state: int = 0) -> ToyData:
    """Generate a toy data set on which k-means fails (moons, circles) or works (blobs).

    Parameters
    ----------
    kind : {"moons", "circles", "blobs"}
        ``moons``: two interleaving half circles (``sklearn.datasets.make_moons``).
        ``circles``: a small ring inside a large one (``make_circles``, ``factor=0.5``).
        ``blobs``: three round Gaussian blobs with fixed centres (``make_blobs``).
    n_samples : int
        Number of points, in [20, 5000].
    noise : float
        In [0, 0.5]. For moons and circles the standard deviation of Gaussian noise
        added to each point; for blobs the spread is ``cluster_std = 0.5 + 2 * noise``.
    random_state : int, default=0
        Seed, in [0, 2**32 - 1]; the same seed gives the same points.

    Returns
    -------
    ToyData
        Points, true groups and a caption.
    """
    if kind not in TOY_KINDS:
        raise ValueError(f"kind={kind!r} is not supported; expected one of {list(TOY_KINDS)}.")
    n_samples = check_int(n_samples, "n_samples", *TOY_N_SAMPLES_RANGE)
    noise = check_float(noise, "noise", *TOY_NOISE_RANGE)
    random_state = check_random_state(random_state)

    if kind == "moons":
        X, y_true = make_moons(n_samples=n_samples, noise=noise, random_state=random_state)
        n_clusters = 2
        description = (
            f"Two interleaving half circles ({n_samples} points, noise {noise:g}): "
            "each group is curved, so no straight boundary separates them."
        )
    elif kind == "circles":
        X, y_true = make_circles(
            n_samples=n_samples, noise=noise, factor=CIRCLES_FACTOR, random_state=random_state
        )
        n_clusters = 2
        description = (
            f"A small ring inside a large one ({n_samples} points, noise {noise:g}): "
            "both rings share the same centre, so centroids cannot tell them apart."
        )
    else:
        cluster_std = BLOB_BASE_STD + BLOB_STD_PER_NOISE * noise
        X, y_true = make_blobs(
            n_samples=n_samples,
            centers=np.asarray(BLOB_CENTRES),
            cluster_std=cluster_std,
            random_state=random_state,
        )
        n_clusters = len(BLOB_CENTRES)
        description = (
            f"Three round blobs of similar size ({n_samples} points, spread {cluster_std:g}): "
            "the case k-means is built for."
        )
    X = np.ascontiguousarray(X, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=np.int64)
    X.flags.writeable = False
    y_true.flags.writeable = False
    return ToyData(
        X=X,
        y_true=y_true,
        kind=kind,
        n_samples=n_samples,
        noise=noise,
        random_state=random_state,
        n_clusters=n_clusters,
        description=description,
    )


# ------------------------------------------------------------------- algorithm comparison


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


# ------------------------------------------------------------------ density on the map


@dataclass(frozen=True)
class GeoDensityResult:
    """Density clusters of places on the globe.

    Attributes
    ----------
    labels : numpy.ndarray
        Cluster of each input point, ``-1`` = noise; clusters numbered by descending
        size (0 = largest).
    n_clusters : int
        Number of clusters, noise excluded.
    n_noise : int
        Number of noise points.
    noise_share : float
        ``n_noise / n_points``.
    eps_km : float or None
        DBSCAN radius in km (None for HDBSCAN, which does not use one).
    min_samples : int
        Points (the point itself included) needed within eps for a core point
        (HDBSCAN: its ``min_samples`` and ``min_cluster_size``).
    method : str
        "dbscan" or "hdbscan".
    fit_seconds : float
        Wall-clock time of the clustering (including deduplication / label transfer).
    n_unique_locations : int
        Number of distinct (latitude, longitude) pairs.
    sample_size : int or None
        HDBSCAN only: number of points it was fitted on when subsampled, else None.
    note : str
        Plain-language summary for the page.
    """

    labels: np.ndarray
    n_clusters: int
    n_noise: int
    noise_share: float
    eps_km: float | None
    min_samples: int
    method: str
    fit_seconds: float
    n_unique_locations: int
    sample_size: int | None
    note: str


def _check_coordinates(
    latitude_deg: Sequence[float] | np.ndarray, longitude_deg: Sequence[float] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    latitude = np.asarray(latitude_deg, dtype=np.float64)
    longitude = np.asarray(longitude_deg, dtype=np.float64)
    if latitude.ndim != 1 or longitude.shape != latitude.shape:
        raise ValueError(
            f"latitude_deg has shape {latitude.shape} and longitude_deg {longitude.shape}; "
            "expected two 1-D arrays of the same length."
        )
    if latitude.size < 2:
        raise ValueError(f"Got {latitude.size} points; expected at least 2.")
    if not (np.isfinite(latitude).all() and np.isfinite(longitude).all()):
        raise ValueError("latitude_deg / longitude_deg contain NaN or infinite values.")
    if np.abs(latitude).max() > 90:
        raise ValueError(
            f"latitude_deg has {float(latitude[np.argmax(np.abs(latitude))])!r}; expected degrees "
            "in [-90, 90]."
        )
    if np.abs(longitude).max() > 180:
        raise ValueError(
            f"longitude_deg has {float(longitude[np.argmax(np.abs(longitude))])!r}; "
            "expected degrees in [-180, 180]."
        )
    return latitude, longitude


def _order_by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0..m-1 by descending size (ties: first appearance); keep -1."""
    ordered = np.full(labels.shape, -1, dtype=np.int64)
    clustered = labels >= 0
    if not clustered.any():
        return ordered
    ids, first, counts = np.unique(labels[clustered], return_index=True, return_counts=True)
    rank = np.lexsort((first, -counts))
    new_id = np.empty(ids.size, dtype=np.int64)
    new_id[rank] = np.arange(ids.size)
    ordered[clustered] = new_id[np.searchsorted(ids, labels[clustered])]
    return ordered


def _dbscan_haversine(
    radians: np.ndarray, eps_km: float, min_samples: int
) -> tuple[np.ndarray, int]:
    # Identical coordinates are fitted once with their count as sample weight. DBSCAN
    # then sees the same neighbourhood weights, so core points and noise are unchanged,
    # but the neighbour lists (memory ~ pairs within eps) shrink.
    unique, inverse, counts = np.unique(radians, axis=0, return_inverse=True, return_counts=True)
    model = DBSCAN(
        eps=eps_km / EARTH_RADIUS_KM,
        min_samples=min_samples,
        metric="haversine",
        algorithm="ball_tree",
    )
    unique_labels = model.fit_predict(unique, sample_weight=counts)
    return unique_labels[inverse.ravel()], int(unique.shape[0])


def _hdbscan_haversine(
    radians: np.ndarray,
    min_samples: int,
    min_cluster_size: int,
    max_points: int | None,
    random_state: int,
) -> tuple[np.ndarray, int | None]:
    n_points = radians.shape[0]
    model = HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        metric="haversine",
        algorithm="ball_tree",
        copy=True,
    )
    if max_points is None or n_points <= max_points:
        return model.fit_predict(radians), None
    rng = np.random.default_rng(random_state)
    sample_rows = np.sort(rng.choice(n_points, size=max_points, replace=False))
    sample_labels = model.fit_predict(radians[sample_rows])
    # HDBSCAN has no predict(); each other point takes the label (or noise) of its
    # nearest sampled point on the sphere.
    tree = BallTree(radians[sample_rows], metric="haversine")
    _, nearest = tree.query(radians, k=1)
    labels = sample_labels[nearest[:, 0]]
    labels[sample_rows] = sample_labels
    return labels, max_points


def density_clusters_geo(
    latitude_deg: Sequence[float] | np.ndarray,
    longitude_deg: Sequence[float] | np.ndarray,
    method: GeoMethod = "dbscan",
    eps_km: float = DEFAULT_GEO_EPS_KM,
    min_samples: int = DEFAULT_GEO_MIN_SAMPLES,
    *,
    min_cluster_size: int | None = None,
    hdbscan_max_points: int | None = DEFAULT_HDBSCAN_MAX_POINTS,
    random_state: int = 0,
    places: Sequence[Place] = CALIFORNIA_PLACES,
) -> GeoDensityResult:
    """Find dense areas of places by great-circle distance; thinly populated places are noise.

    Coordinates are converted to radians and clustered with the haversine metric on a
    ball tree (``algorithm="ball_tree"``); a radius of ``eps_km`` kilometres is
    ``eps_km / 6371.0088`` radians.

    ``dbscan``: a point with at least ``min_samples`` points (itself included) within
    ``eps_km`` is a core point; core points within eps of each other form a cluster,
    points within eps of a core point join it, the rest are noise. Identical
    coordinates are fitted once with their count as ``sample_weight`` (the housing
    data have 12,590 distinct locations for 20,640 rows), which gives the same core
    points and noise as fitting every row. On the 20,640 block groups with the
    defaults this takes about 0.3-0.6 s on 2 cores. Memory grows with the number of
    pairs within eps (about 1.5 GB at eps_km=500 on the housing data).

    ``hdbscan``: no radius; clusters are the groups that stay dense over a range of
    radii (``min_cluster_size`` defaults to ``min_samples``; ``eps_km`` is ignored).
    HDBSCAN cannot use sample weights and takes 15-22 s on all 20,640 points, so above
    ``hdbscan_max_points`` it is fitted on a fixed-seed random sample of that many
    points and every other point takes the label of its nearest sampled point
    (``min_samples`` / ``min_cluster_size`` then count sampled points).

    Parameters
    ----------
    latitude_deg, longitude_deg : array-like of float
        Coordinates in degrees, same length (at least 2), latitude in [-90, 90],
        longitude in [-180, 180].
    method : {"dbscan", "hdbscan"}, default="dbscan"
        Algorithm.
    eps_km : float, default=5.0
        DBSCAN radius in kilometres, in (0, 500].
    min_samples : int, default=20
        In [2, 1000]; see above.
    min_cluster_size : int or None, default=None
        HDBSCAN smallest cluster, in [2, 1000]; None = ``min_samples``.
    hdbscan_max_points : int or None, default=5000
        HDBSCAN sample size above which it subsamples, in [100, 100000]; None = never.
    random_state : int, default=0
        Seed of the HDBSCAN sample.
    places : sequence of Place, default=CALIFORNIA_PLACES
        Named places used in the note to say where the largest cluster is.

    Returns
    -------
    GeoDensityResult
        Labels (noise = -1, clusters by descending size) and counts.
    """
    if method not in GEO_METHODS:
        raise ValueError(
            f"method={method!r} is not supported; expected one of {list(GEO_METHODS)}."
        )
    eps_km = check_float(eps_km, "eps_km", *GEO_EPS_KM_RANGE, low_open=True)
    min_samples = check_int(min_samples, "min_samples", *GEO_MIN_SAMPLES_RANGE)
    if min_cluster_size is not None:
        min_cluster_size = check_int(min_cluster_size, "min_cluster_size", *GEO_MIN_SAMPLES_RANGE)
    if hdbscan_max_points is not None:
        hdbscan_max_points = check_int(
            hdbscan_max_points, "hdbscan_max_points", *HDBSCAN_MAX_POINTS_RANGE
        )
    random_state = check_random_state(random_state)
    latitude, longitude = _check_coordinates(latitude_deg, longitude_deg)
    radians = np.radians(np.column_stack([latitude, longitude]))
    n_unique_locations = int(np.unique(radians, axis=0).shape[0])

    started = time.perf_counter()
    sample_size: int | None = None
    if method == "dbscan":
        raw_labels, _ = _dbscan_haversine(radians, eps_km, min_samples)
    else:
        raw_labels, sample_size = _hdbscan_haversine(
            radians,
            min_samples,
            min_samples if min_cluster_size is None else min_cluster_size,
            hdbscan_max_points,
            random_state,
        )
    labels = _order_by_size(np.asarray(raw_labels, dtype=np.int64))
    fit_seconds = time.perf_counter() - started
    labels.flags.writeable = False

    n_points = labels.size
    n_noise = int((labels == -1).sum())
    n_clusters = int(labels.max() + 1) if (labels >= 0).any() else 0
    noise_share = n_noise / n_points
    if method == "dbscan":
        how = f"DBSCAN (haversine, eps {eps_km:g} km, min_samples {min_samples})"
        noise_reason = f"fewer than {min_samples} places within {eps_km:g} km"
    else:
        sampled = f", fitted on {sample_size:,} sampled points" if sample_size else ""
        how = f"HDBSCAN (haversine, min_samples {min_samples}{sampled})"
        noise_reason = "not inside any area that stays dense"
    if n_clusters:
        largest = labels == 0
        centre_lat, centre_lon = _spherical_mean(latitude[largest], longitude[largest])
        where = _nearest_place_phrase(centre_lat, centre_lon, places)
        largest_text = f"; the largest holds {largest.mean():.0%} of the points{where}"
    else:
        largest_text = ""
    note = (
        f"{how} found {n_clusters} dense area{'s' if n_clusters != 1 else ''}{largest_text}; "
        f"{noise_share:.0%} of the points are noise ({noise_reason})."
    )
    return GeoDensityResult(
        labels=labels,
        n_clusters=n_clusters,
        n_noise=n_noise,
        noise_share=noise_share,
        eps_km=eps_km if method == "dbscan" else None,
        min_samples=min_samples,
        method=method,
        fit_seconds=fit_seconds,
        n_unique_locations=n_unique_locations,
        sample_size=sample_size,
        note=note,
    )


def haversine_km(
    latitude_deg: np.ndarray | float,
    longitude_deg: np.ndarray | float,
    other_latitude_deg: np.ndarray | float,
    other_longitude_deg: np.ndarray | float,
) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (broadcasts).

    Parameters
    ----------
    latitude_deg, longitude_deg : array-like or float
        First point(s).
    other_latitude_deg, other_longitude_deg : array-like or float
        Second point(s).

    Returns
    -------
    numpy.ndarray
        Distances in kilometres (mean Earth radius 6371.0088 km).
    """
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(value, dtype=np.float64))
        for value in (latitude_deg, longitude_deg, other_latitude_deg, other_longitude_deg)
    )
    half = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(half, 0.0, 1.0)))


def _spherical_mean(latitude: np.ndarray, longitude: np.ndarray) -> tuple[float, float]:
    """Centre of points on the sphere (mean unit vector), robust at the antimeridian."""
    lat = np.radians(latitude)
    lon = np.radians(longitude)
    x = np.mean(np.cos(lat) * np.cos(lon))
    y = np.mean(np.cos(lat) * np.sin(lon))
    z = np.mean(np.sin(lat))
    return float(np.degrees(np.arctan2(z, np.hypot(x, y)))), float(np.degrees(np.arctan2(y, x)))


def _nearest_place(
    latitude: float, longitude: float, places: Sequence[Place]
) -> tuple[str, float] | None:
    if not places:
        return None
    distances = haversine_km(
        latitude,
        longitude,
        np.array([place.latitude for place in places]),
        np.array([place.longitude for place in places]),
    )
    best = int(np.argmin(distances))
    return places[best].name, float(distances[best])


def _nearest_place_phrase(latitude: float, longitude: float, places: Sequence[Place]) -> str:
    nearest = _nearest_place(latitude, longitude, places)
    if nearest is None:
        return ""
    return f" (centre {nearest[1]:.0f} km from {nearest[0]})"


def summarise_density(
    labels: np.ndarray,
    latitude_deg: Sequence[float] | np.ndarray,
    longitude_deg: Sequence[float] | np.ndarray,
    *,
    values: Sequence[float] | np.ndarray | None = None,
    value_name: str = "median_house_value",
    places: Sequence[Place] = CALIFORNIA_PLACES,
    include_noise: bool = True,
) -> pd.DataFrame:
    """Size, centre and extent of each density cluster, one row per cluster.

    Parameters
    ----------
    labels : numpy.ndarray
        Cluster of each point, ``-1`` = noise (e.g. ``GeoDensityResult.labels``).
    latitude_deg, longitude_deg : array-like of float
        Coordinates in degrees, same length as ``labels``.
    values : array-like of float or None, default=None
        Optional value per point (e.g. median_house_value); adds its median per cluster.
    value_name : str, default="median_house_value"
        Name of that column (prefixed with ``median_``).
    places : sequence of Place, default=CALIFORNIA_PLACES
        Reference places; adds the nearest one to each centre. Empty = no such columns.
    include_noise : bool, default=True
        Append a row for noise (cluster -1; centre and extent are NaN).

    Returns
    -------
    pandas.DataFrame
        Columns: cluster, size, share, centre_latitude, centre_longitude, radius_km
        (median distance of the points from the centre), extent_km (90th percentile
        of that distance), nearest_place, nearest_place_km, [median_<value_name>].
        Sorted by cluster id (descending size for results of this module), noise last.
    """
    latitude, longitude = _check_coordinates(latitude_deg, longitude_deg)
    cluster_labels = np.asarray(labels)
    if cluster_labels.shape != latitude.shape or not np.issubdtype(
        cluster_labels.dtype, np.integer
    ):
        raise ValueError(
            f"labels has shape {cluster_labels.shape} and dtype {cluster_labels.dtype}; "
            f"expected integers of shape {latitude.shape}."
        )
    if (cluster_labels < -1).any():
        raise ValueError("labels contain values below -1; expected -1 (noise) or cluster ids >= 0.")
    point_values = None
    if values is not None:
        point_values = np.asarray(values, dtype=np.float64)
        if point_values.shape != latitude.shape:
            raise ValueError(
                f"values has shape {point_values.shape}; expected {latitude.shape} to match labels."
            )
    n_points = latitude.size
    rows = []
    cluster_ids = [int(c) for c in np.unique(cluster_labels) if c >= 0]
    if include_noise and (cluster_labels == -1).any():
        cluster_ids.append(-1)
    for cluster in cluster_ids:
        members = cluster_labels == cluster
        row: dict[str, object] = {
            "cluster": cluster,
            "size": int(members.sum()),
            "share": float(members.sum() / n_points),
        }
        if cluster >= 0:
            centre_lat, centre_lon = _spherical_mean(latitude[members], longitude[members])
            distances = haversine_km(latitude[members], longitude[members], centre_lat, centre_lon)
            row.update(
                centre_latitude=centre_lat,
                centre_longitude=centre_lon,
                radius_km=float(np.median(distances)),
                extent_km=float(np.quantile(distances, 0.9)),
            )
            nearest = _nearest_place(centre_lat, centre_lon, places)
        else:
            row.update(
                centre_latitude=np.nan,
                centre_longitude=np.nan,
                radius_km=np.nan,
                extent_km=np.nan,
            )
            nearest = None
        if places:
            row["nearest_place"] = nearest[0] if nearest else None
            row["nearest_place_km"] = nearest[1] if nearest else np.nan
        if point_values is not None:
            row[f"median_{value_name}"] = float(np.nanmedian(point_values[members]))
        rows.append(row)
    columns = [
        "cluster",
        "size",
        "share",
        "centre_latitude",
        "centre_longitude",
        "radius_km",
        "extent_km",
    ]
    if places:
        columns += ["nearest_place", "nearest_place_km"]
    if point_values is not None:
        columns.append(f"median_{value_name}")
    return pd.DataFrame(rows, columns=columns)
