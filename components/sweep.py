"""Fast exact k-sweep: k-means for every k, with exact silhouette, CH, DB and a k suggestion.

How the exact silhouette stays cheap
------------------------------------
Pairwise distances do not depend on ``k``. Rows that share their label for *every* k of the sweep
form a "cell" (a few hundred on the housing data), so for each row we sum its distances to the
members of each cell once (``n x n_cells`` float64, computed in row blocks by a compiled numba
loop; no ``n x n`` matrix is ever held). For each k, a row's summed distance to cluster ``j`` is the
sum over the cells inside ``j`` (a tiny ``n_cells x k`` one-hot product). Identical rows in the same
cell are merged with a weight, which is exact: their mutual distance is 0 but they still count in
``n_own - 1``. Distances are computed directly in float64 (not via the ``|x|^2 - 2xy + |y|^2``
expansion), so the result is at least as accurate as ``sklearn.metrics.silhouette_score``.

Per-point values
----------------
The sweep does not keep its ``n x n_cells`` sums (tens of MB) in the result, so the result stays
small enough to cache and pickle. Per-point silhouettes for one k are recomputed by
:func:`silhouette_values_for` (one compiled pass over the distances with ``k`` cells, about as
fast as the sweep's silhouette step).

Large data
----------
Above ``exact_limit`` rows the silhouette is computed on a fixed-seed sample of ``sample_size``
rows shared by every k (the same sample ``sklearn.metrics.silhouette_score(..., sample_size,
random_state)`` draws), plus two more samples to report the spread (standard deviation).

Stable ids: see :mod:`components.clustering` (colour-identity rule).
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from numbers import Integral
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score
from threadpoolctl import ThreadpoolController

from components.clustering import (
    KMeansResult,
    NInit,
    _fit_validated,
    _match_new_id_of_old,
    _validate_n_init,
    _validate_random_state,
    as_order_key,
    n_distinct_rows,
    validate_matrix,
    validate_n_clusters,
)

__all__ = [
    "NUMBA_AVAILABLE",
    "KSuggestion",
    "SweepResult",
    "cell_distance_sums",
    "silhouette_values",
    "silhouette_values_for",
    "suggest_k",
    "sweep_k",
    "warm_up",
]


def _ensure_numba_cache_dir() -> None:
    """Point numba's on-disk cache at a writable folder if the package folder is read-only."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__")
    try:
        os.makedirs(here, exist_ok=True)
        writable = os.access(here, os.W_OK)
    except OSError:
        writable = False
    if not writable:
        fallback = os.path.join(os.path.expanduser("~"), ".cache", "geocluster-numba")
        try:
            os.makedirs(fallback, exist_ok=True)
        except OSError:
            fallback = os.path.join("/tmp", "geocluster-numba")
        os.environ["NUMBA_CACHE_DIR"] = fallback


_ensure_numba_cache_dir()

try:
    from numba import njit, prange

    NUMBA_AVAILABLE = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    NUMBA_AVAILABLE = False


def _cell_distance_sums_numpy(
    query: np.ndarray, reference: np.ndarray, weights: np.ndarray, cell_start: np.ndarray
) -> np.ndarray:
    """Numpy version of the per-cell distance sums (exact, ~10x slower than numba)."""
    n_query = query.shape[0]
    n_reference = reference.shape[0]
    out = np.empty((n_query, cell_start.size - 1), dtype=np.float64)
    block = max(1, 2_000_000 // max(n_reference, 1))  # ~16 MB of distances per block
    for start in range(0, n_query, block):
        rows = query[start : start + block]
        squared = np.zeros((rows.shape[0], n_reference), dtype=np.float64)
        for feature in range(query.shape[1]):
            diff = rows[:, feature, None] - reference[None, :, feature]
            squared += diff * diff
        distances = np.sqrt(squared) * weights[None, :]
        out[start : start + block] = np.add.reduceat(distances, cell_start[:-1], axis=1)
    return out


if NUMBA_AVAILABLE:

    @njit(parallel=True, cache=True, fastmath=False)
    def _cell_distance_sums_numba(
        query: np.ndarray, reference_t: np.ndarray, weights: np.ndarray, cell_start: np.ndarray
    ) -> np.ndarray:  # pragma: no cover - compiled
        n_query = query.shape[0]
        n_features = query.shape[1]
        n_reference = reference_t.shape[1]
        n_cells = cell_start.size - 1
        out = np.empty((n_query, n_cells), dtype=np.float64)
        block = 32
        n_blocks = (n_query + block - 1) // block
        for block_index in prange(n_blocks):
            distance = np.empty(n_reference, dtype=np.float64)
            stop = min(n_query, (block_index + 1) * block)
            for i in range(block_index * block, stop):
                for j in range(n_reference):
                    distance[j] = 0.0
                for f in range(n_features):
                    value = query[i, f]
                    for j in range(n_reference):
                        diff = value - reference_t[f, j]
                        distance[j] += diff * diff
                for j in range(n_reference):
                    distance[j] = np.sqrt(distance[j]) * weights[j]
                for c in range(n_cells):
                    # Four partial sums keep the adds pipelined without fastmath.
                    acc0 = 0.0
                    acc1 = 0.0
                    acc2 = 0.0
                    acc3 = 0.0
                    j = cell_start[c]
                    end = cell_start[c + 1]
                    while j + 4 <= end:
                        acc0 += distance[j]
                        acc1 += distance[j + 1]
                        acc2 += distance[j + 2]
                        acc3 += distance[j + 3]
                        j += 4
                    while j < end:
                        acc0 += distance[j]
                        j += 1
                    out[i, c] = (acc0 + acc1) + (acc2 + acc3)
        return out


def cell_distance_sums(
    query: np.ndarray,
    reference: np.ndarray,
    weights: np.ndarray,
    cell_start: np.ndarray,
    *,
    use_numba: bool | None = None,
) -> np.ndarray:
    """Sum each query row's weighted euclidean distances to the reference rows of each cell.

    Parameters
    ----------
    query : np.ndarray of shape (n_query, p)
        Rows whose sums are wanted.
    reference : np.ndarray of shape (n_reference, p)
        Rows sorted by cell: cell ``c`` is ``reference[cell_start[c]:cell_start[c + 1]]``.
    weights : np.ndarray of shape (n_reference,)
        Multiplicity of each reference row.
    cell_start : np.ndarray of shape (n_cells + 1,)
        Cell boundaries, starting at 0 and ending at ``n_reference``.
    use_numba : bool, optional
        Force (True) or avoid (False) the compiled loop; default: numba when available.

    Returns
    -------
    np.ndarray
        float64 array of shape ``(n_query, n_cells)``.
    """
    query = np.ascontiguousarray(query, dtype=np.float64)
    reference = np.ascontiguousarray(reference, dtype=np.float64)
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    cell_start = np.ascontiguousarray(cell_start, dtype=np.int64)
    if use_numba is None:
        use_numba = NUMBA_AVAILABLE
    if use_numba and not NUMBA_AVAILABLE:
        raise ValueError("use_numba=True but numba is not installed; expected False or None.")
    if use_numba:
        return _cell_distance_sums_numba(
            query, np.ascontiguousarray(reference.T), weights, cell_start
        )
    return _cell_distance_sums_numpy(query, reference, weights, cell_start)


def warm_up() -> float:
    """Compile (or load from cache) the numba kernel; return the seconds it took."""
    start = time.perf_counter()
    if NUMBA_AVAILABLE:
        points = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
        cell_distance_sums(points, points, np.ones(3), np.array([0, 1, 3]))
    return time.perf_counter() - start


@dataclass(frozen=True)
class _Cells:
    """Merged rows sorted by cell (see module docstring)."""

    points: np.ndarray  # (m, p) distinct (cell, row) pairs sorted by cell
    weights: np.ndarray  # (m,) multiplicity
    cell_of_point: np.ndarray  # (m,)
    cell_start: np.ndarray  # (n_cells + 1,)
    cell_labels: np.ndarray  # (n_cells, K) label of each cell for each k
    point_of_row: np.ndarray  # (n,) index into points of each input row


def _build_cells(X: np.ndarray, label_matrix: np.ndarray) -> _Cells:
    """Group rows into cells (same label for every k) and merge identical rows within a cell."""
    cell_labels, cell_of_row = np.unique(label_matrix.T, axis=0, return_inverse=True)
    cell_of_row = cell_of_row.reshape(-1)
    keyed = np.column_stack([cell_of_row.astype(np.float64), X])
    unique_keyed, point_of_row, counts = np.unique(
        keyed, axis=0, return_inverse=True, return_counts=True
    )
    cell_of_point = unique_keyed[:, 0].astype(np.int64)
    n_cells = cell_labels.shape[0]
    cell_start = np.zeros(n_cells + 1, dtype=np.int64)
    cell_start[1:] = np.cumsum(np.bincount(cell_of_point, minlength=n_cells))
    return _Cells(
        points=np.ascontiguousarray(unique_keyed[:, 1:]),
        weights=counts.astype(np.float64),
        cell_of_point=cell_of_point,
        cell_start=cell_start,
        cell_labels=np.asarray(cell_labels, dtype=np.int64),
        point_of_row=point_of_row.reshape(-1),
    )


def _silhouette_from_sums(
    sums: np.ndarray, cells: _Cells, k_index: int, n_clusters: int
) -> np.ndarray:
    """Per-point silhouette (one value per merged point) for one k of the cell table."""
    cell_cluster = cells.cell_labels[:, k_index]
    membership = np.zeros((cell_cluster.size, n_clusters), dtype=np.float64)
    membership[np.arange(cell_cluster.size), cell_cluster] = 1.0
    cluster_sums = sums @ membership  # (m, k): summed distance of each point to each cluster
    own = cell_cluster[cells.cell_of_point]
    sizes = np.bincount(own, weights=cells.weights, minlength=n_clusters)
    rows = np.arange(own.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        intra = cluster_sums[rows, own] / (sizes[own] - 1.0)
        mean_to_cluster = cluster_sums / sizes[None, :]
        mean_to_cluster[rows, own] = np.inf
        inter = mean_to_cluster.min(axis=1)
        values = (inter - intra) / np.maximum(intra, inter)
    values[sizes[own] <= 1] = 0.0  # scikit-learn's convention for singleton clusters
    return np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)


def _silhouettes_all_k(
    X: np.ndarray, label_matrix: np.ndarray, n_clusters: Sequence[int], use_numba: bool | None
) -> np.ndarray:
    """Exact mean silhouette of every row of ``label_matrix`` (shape (K, n)) on ``X``."""
    cells = _build_cells(X, label_matrix)
    sums = cell_distance_sums(
        cells.points, cells.points, cells.weights, cells.cell_start, use_numba=use_numba
    )
    means = np.empty(len(n_clusters), dtype=np.float64)
    total = cells.weights.sum()
    for k_index, k in enumerate(n_clusters):
        values = _silhouette_from_sums(sums, cells, k_index, k)
        means[k_index] = float(values @ cells.weights) / total
    return means


def _validate_labels(labels: object, n_samples: int) -> tuple[np.ndarray, int]:
    array = np.asarray(labels)
    if array.shape != (n_samples,):
        raise ValueError(f"labels has shape {array.shape}; expected ({n_samples},) like X's rows.")
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"labels must hold integer cluster ids; got dtype {array.dtype}.")
    _, dense = np.unique(array, return_inverse=True)
    dense = dense.reshape(-1).astype(np.int64)
    n_clusters = int(dense.max()) + 1
    if not 2 <= n_clusters <= n_samples - 1:
        raise ValueError(
            f"labels has {n_clusters} distinct clusters; expected a number in "
            f"[2, {n_samples - 1}] for a silhouette."
        )
    return dense, n_clusters


def silhouette_values(
    X: np.ndarray, labels: np.ndarray, *, use_numba: bool | None = None
) -> np.ndarray:
    """Exact per-point silhouette (euclidean), like ``sklearn.metrics.silhouette_samples``.

    Computed in row blocks without an ``n x n`` matrix.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data in the space that was clustered.
    labels : array-like of int, shape (n_samples,)
        Cluster of each row (any integer ids, 2 to n_samples-1 distinct).
    use_numba : bool, optional
        Force or avoid the compiled loop; default: numba when available.

    Returns
    -------
    np.ndarray
        float64 silhouette per row in ``[-1, 1]``; 0 for rows in singleton clusters.
    """
    data = validate_matrix(X)
    dense, n_clusters = _validate_labels(labels, data.shape[0])
    cells = _build_cells(data, dense[None, :])
    sums = cell_distance_sums(
        cells.points, cells.points, cells.weights, cells.cell_start, use_numba=use_numba
    )
    per_point = _silhouette_from_sums(sums, cells, 0, n_clusters)
    return per_point[cells.point_of_row]


@dataclass(frozen=True)
class KSuggestion:
    """Which k the three criteria point to.

    Attributes
    ----------
    knee : int or None
        Knee (elbow) of the inertia curve by ``kneed.KneeLocator``; None if there is none.
    best_silhouette : int
        k with the highest silhouette (higher is better).
    best_calinski_harabasz : int
        k with the highest Calinski-Harabasz index (higher is better).
    agree : bool
        True when all three point to the same k.
    message : str
        Plain-language summary, saying when the criteria disagree.
    """

    knee: int | None
    best_silhouette: int
    best_calinski_harabasz: int
    agree: bool
    message: str


@dataclass(frozen=True)
class SweepResult:
    """Everything the sweep computed, one entry per k (arrays are indexed like ``k_values``).

    Attributes
    ----------
    k_values : tuple[int, ...]
        The k's, ascending.
    labels : np.ndarray
        int64, shape ``(len(k_values), n_samples)``; stable ids (colour-identity rule).
    centroids : tuple[np.ndarray, ...]
        Per k, shape ``(k, n_features)`` in scaled space; row i = id i.
    inertia, silhouette, calinski_harabasz, davies_bouldin, fit_seconds : np.ndarray
        One float per k. Silhouette higher is better, CH higher is better, DB lower is better.
    n_iter : np.ndarray
        Lloyd iterations per k.
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
    total_seconds : float
        Wall time of the whole sweep.
    n_cells : int
        Number of cells (rows sharing their label for every k) used by the silhouette step.
    """

    k_values: tuple[int, ...]
    labels: np.ndarray
    centroids: tuple[np.ndarray, ...]
    inertia: np.ndarray
    silhouette: np.ndarray
    calinski_harabasz: np.ndarray
    davies_bouldin: np.ndarray
    fit_seconds: np.ndarray
    silhouette_method: Literal["exact", "sampled"]
    silhouette_sample_size: int | None
    silhouette_spread: np.ndarray | None
    suggestion: KSuggestion
    n_iter: np.ndarray
    silhouette_seconds: float
    total_seconds: float
    n_cells: int

    def index_of(self, k: int) -> int:
        """Return the position of ``k`` in ``k_values`` (ValueError naming the range if absent).

        Parameters
        ----------
        k : int
            Number of clusters.

        Returns
        -------
        int
            Index into the per-k arrays.
        """
        if isinstance(k, Integral) and not isinstance(k, bool) and int(k) in self.k_values:
            return self.k_values.index(int(k))
        raise ValueError(
            f"k={k!r} is not in the sweep; expected one of {list(self.k_values)} "
            f"(range [{self.k_values[0]}, {self.k_values[-1]}])."
        )

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
        """Return the centroids for ``k`` (row i = cluster id i, scaled space).

        Parameters
        ----------
        k : int
            Number of clusters (must be in ``k_values``).

        Returns
        -------
        np.ndarray
            Shape ``(k, n_features)``.
        """
        return self.centroids[self.index_of(k)]

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


def silhouette_values_for(
    sweep: SweepResult, X: np.ndarray, k: int, *, use_numba: bool | None = None
) -> np.ndarray:
    """Exact per-point silhouette for one k of a sweep (recomputed in one compiled pass).

    Parameters
    ----------
    sweep : SweepResult
        A result of :func:`sweep_k` on ``X``.
    X : array-like of shape (n_samples, n_features)
        The same scaled data the sweep was run on.
    k : int
        Number of clusters (must be in ``sweep.k_values``).
    use_numba : bool, optional
        Force or avoid the compiled loop.

    Returns
    -------
    np.ndarray
        float64 silhouette per row.
    """
    labels = sweep.labels_for(k)
    data = validate_matrix(X)
    if data.shape[0] != labels.size:
        raise ValueError(
            f"X has {data.shape[0]} rows but the sweep has {labels.size}; expected the same X."
        )
    return silhouette_values(data, labels, use_numba=use_numba)


def _argmax_first(values: np.ndarray) -> int:
    finite = np.where(np.isfinite(values), values, -np.inf)
    return int(np.argmax(finite))


def suggest_k(
    k_values: Sequence[int],
    inertia: ArrayLike,
    silhouette: ArrayLike,
    calinski_harabasz: ArrayLike,
) -> KSuggestion:
    """Suggest k from the inertia knee, the best silhouette and the best Calinski-Harabasz.

    Parameters
    ----------
    k_values : sequence of int
        Ascending k's.
    inertia, silhouette, calinski_harabasz : array-like of float
        One value per k.

    Returns
    -------
    KSuggestion
        The three suggestions, whether they agree, and a plain-language message.
    """
    ks = [int(k) for k in k_values]
    inertia_array = np.asarray(inertia, dtype=np.float64)
    silhouette_array = np.asarray(silhouette, dtype=np.float64)
    ch_array = np.asarray(calinski_harabasz, dtype=np.float64)
    if not (len(ks) == inertia_array.size == silhouette_array.size == ch_array.size) or not ks:
        raise ValueError(
            "k_values, inertia, silhouette and calinski_harabasz must have the same "
            "non-zero length."
        )
    knee: int | None = None
    if len(ks) >= 3:
        from kneed import KneeLocator  # imported lazily: only the suggestion needs it

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # kneed warns when it finds no knee
            locator = KneeLocator(ks, inertia_array, curve="convex", direction="decreasing")
        if locator.knee is not None:
            knee = int(locator.knee)
    best_sil = ks[_argmax_first(silhouette_array)]
    best_ch = ks[_argmax_first(ch_array)]
    sil_value = silhouette_array[ks.index(best_sil)]
    knee_text = (
        f"the inertia curve bends (knee) at k={knee}"
        if knee is not None
        else "the inertia curve has no clear knee in range"
    )
    parts = (
        f"{knee_text}; the silhouette is highest at k={best_sil} ({sil_value:.3f}); "
        f"Calinski-Harabasz is highest at k={best_ch}."
    )
    agree = knee is not None and knee == best_sil == best_ch
    if agree:
        message = f"All three criteria agree on k={knee}: {parts}"
    else:
        distinct = sorted({k for k in (knee, best_sil, best_ch) if k is not None})
        if len(distinct) == 1 and knee is None:
            message = f"Silhouette and Calinski-Harabasz agree on k={best_sil}, but {knee_text}."
        else:
            listed = ", ".join(f"k={k}" for k in distinct)
            message = (
                f"The criteria disagree ({listed}): {parts[0].upper()}{parts[1:]} "
                "Pick among them by what the map should show: fewer, broader regions or more, "
                "finer ones."
            )
    return KSuggestion(
        knee=knee,
        best_silhouette=best_sil,
        best_calinski_harabasz=best_ch,
        agree=agree,
        message=message[0].upper() + message[1:],
    )


def _validate_k_values(k_values: Iterable[int], n_samples: int, n_distinct: int) -> tuple[int, ...]:
    try:
        requested = list(k_values)
    except TypeError as error:
        raise ValueError(
            f"k_values={k_values!r} is not a sequence of integers; expected e.g. range(2, 16)."
        ) from error
    if not requested:
        raise ValueError("k_values is empty; expected at least one integer k.")
    checked = [validate_n_clusters(k, n_samples, n_distinct) for k in requested]
    if len(set(checked)) != len(checked):
        raise ValueError(f"k_values={requested} contains duplicates; expected distinct k's.")
    return tuple(sorted(checked))


def _positive_int(value: object, name: str, lower: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or int(value) < lower:
        raise ValueError(f"{name}={value!r} is invalid; expected an integer >= {lower}.")
    return int(value)


def _fit_all(
    X: np.ndarray,
    k_values: tuple[int, ...],
    random_state: int,
    n_init: NInit,
    key: np.ndarray,
    n_jobs: int,
) -> list[KMeansResult]:
    """Fit every k; with n_jobs > 1, one OpenMP thread per fit and n_jobs fits at a time."""
    if n_jobs <= 1:
        return [_fit_validated(X, k, random_state, n_init, key) for k in k_values]
    controller = ThreadpoolController()

    def fit_one(k: int) -> KMeansResult:
        # OpenMP's thread count is per calling thread, so it is limited inside the worker.
        with controller.limit(limits=1, user_api="openmp"):
            return _fit_validated(X, k, random_state, n_init, key)

    # BLAS limits are process-wide; holding them here keeps scikit-learn's own nested
    # limit/restore calls from racing between the workers.
    with controller.limit(limits=1, user_api="blas"), ThreadPoolExecutor(n_jobs) as executor:
        # Largest k first: they take longest, so the two workers finish together.
        order = sorted(k_values, reverse=True)
        fitted = dict(zip(order, executor.map(fit_one, order), strict=True))
    return [fitted[k] for k in k_values]


def _stable_labels(
    fits: list[KMeansResult], key: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Apply the colour-identity rule across consecutive k's."""
    n_samples = fits[0].labels.size
    label_matrix = np.empty((len(fits), n_samples), dtype=np.int64)
    centroids: list[np.ndarray] = []
    previous: np.ndarray | None = None
    for index, fit in enumerate(fits):
        if previous is None:
            labels = fit.labels  # already ordered by descending key mean
            centres = fit.centroids
        else:
            new_id_of_old = _match_new_id_of_old(previous, fit.labels, fit.n_clusters, key)
            labels = new_id_of_old[fit.labels]
            centres = np.empty_like(fit.centroids)
            centres[new_id_of_old] = fit.centroids
        label_matrix[index] = labels
        centroids.append(centres)
        previous = labels
    return label_matrix, tuple(centroids)


def sweep_k(
    X: np.ndarray,
    k_values: Iterable[int] = range(2, 16),
    *,
    random_state: int = 0,
    n_init: NInit = "auto",
    exact_limit: int = 50_000,
    sample_size: int = 10_000,
    order_key: Any = None,
    n_silhouette_samples: int = 3,
    n_jobs: int | None = None,
    use_numba: bool | None = None,
) -> SweepResult:
    """Fit k-means for every k and compute inertia, silhouette, CH, DB and a k suggestion.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Scaled, finite data.
    k_values : iterable of int
        Distinct k's, each in ``[2, min(n_samples - 1, n_distinct_rows)]`` (default 2..15).
    random_state : int
        Seed of every fit and of the silhouette sample.
    n_init : 'auto' or int
        scikit-learn's ``n_init`` ('auto' = 1 run for k-means++).
    exact_limit : int
        Largest ``n_samples`` for which the silhouette is exact (default 50,000).
    sample_size : int
        Rows in the silhouette sample above ``exact_limit`` (default 10,000).
    order_key : None, int or array-like
        What numbers the clusters at the smallest k (see ``clustering.as_order_key``).
    n_silhouette_samples : int
        Samples used for the spread when sampling (default 3; the first one gives the value).
    n_jobs : int, optional
        Fits run at a time, each with one OpenMP thread; default ``min(2, cpu count)``.
        1 runs the fits one after another with scikit-learn's default threading.
    use_numba : bool, optional
        Force or avoid the compiled silhouette loop; default: numba when available.

    Returns
    -------
    SweepResult
        Per-k labels (stable ids), centroids, metrics, fit times and the suggestion.
    """
    start = time.perf_counter()
    data = validate_matrix(X)
    n_samples = data.shape[0]
    n_distinct = n_distinct_rows(data)
    ks = _validate_k_values(k_values, n_samples, n_distinct)
    init_count = _validate_n_init(n_init)
    seed = _validate_random_state(random_state)
    limit = _positive_int(exact_limit, "exact_limit", 2)
    n_sample = _positive_int(sample_size, "sample_size", 2)
    n_spread = _positive_int(n_silhouette_samples, "n_silhouette_samples", 1)
    key = as_order_key(order_key, data)
    default_jobs = min(2, os.cpu_count() or 1)
    jobs = default_jobs if n_jobs is None else _positive_int(n_jobs, "n_jobs", 1)

    fits = _fit_all(data, ks, seed, init_count, key, jobs)
    label_matrix, centroids = _stable_labels(fits, key)

    silhouette_start = time.perf_counter()
    spread: np.ndarray | None = None
    method: Literal["exact", "sampled"]
    if n_samples <= limit:
        method = "exact"
        used_sample: int | None = None
        silhouette = _silhouettes_all_k(data, label_matrix, ks, use_numba)
        n_cells = int(np.unique(label_matrix.T, axis=0).shape[0])
    else:
        method = "sampled"
        used_sample = min(n_sample, n_samples)
        per_sample = []
        for offset in range(n_spread):
            rows = np.random.RandomState(seed + offset).permutation(n_samples)[:used_sample]
            per_sample.append(_silhouettes_all_k(data[rows], label_matrix[:, rows], ks, use_numba))
        silhouette = per_sample[0]
        spread = np.std(np.vstack(per_sample), axis=0, ddof=1) if n_spread > 1 else None
        n_cells = int(np.unique(label_matrix.T, axis=0).shape[0])
    silhouette_seconds = time.perf_counter() - silhouette_start

    inertia = np.array([fit.inertia for fit in fits])
    ch = np.array([calinski_harabasz_score(data, labels) for labels in label_matrix])
    db = np.array([davies_bouldin_score(data, labels) for labels in label_matrix])
    suggestion = suggest_k(ks, inertia, silhouette, ch)
    return SweepResult(
        k_values=ks,
        labels=label_matrix,
        centroids=centroids,
        inertia=inertia,
        silhouette=silhouette,
        calinski_harabasz=ch,
        davies_bouldin=db,
        fit_seconds=np.array([fit.fit_seconds for fit in fits]),
        silhouette_method=method,
        silhouette_sample_size=used_sample,
        silhouette_spread=spread,
        suggestion=suggestion,
        n_iter=np.array([fit.n_iter for fit in fits], dtype=np.int64),
        silhouette_seconds=silhouette_seconds,
        total_seconds=time.perf_counter() - start,
        n_cells=n_cells,
    )
