"""Fast exact k-sweep: k-means for every k, with exact silhouette, CH, DB and a k suggestion.

How the exact silhouette stays cheap
------------------------------------
Pairwise distances do not depend on ``k``. Rows that share their label for *every* k of the sweep
form a "cell" (about 200 on the housing data), so each row's distances to the members of each
cell are summed once (``n x n_cells`` float64); for each k, a row's summed distance to cluster
``j`` is the sum over the cells inside ``j``. The per-cell sums come from compiled numba loops
(serial, releasing the GIL) over 512-row tiles of the rows sorted by cell, four rows of a cell at
a time; each distance is computed once and added to both rows' sums. The rows are cut into a few
parts per CPU and Python threads take pairs of parts whose rows no other thread is writing, so
the work is balanced dynamically and no ``n x n`` matrix is ever held. Identical rows in the
same cell are merged with a weight, which is exact: their mutual distance is 0 but they still
count in ``n_own - 1``. Distances are computed directly in float64 (not through the
``|x|^2 - 2xy + |y|^2`` expansion scikit-learn uses), so the result is at least as accurate as
``sklearn.metrics.silhouette_score``. Without numba the same sums are computed with numpy
(exact, and much slower).

Per-point values
----------------
The sweep does not keep its ``n x n_cells`` sums in the result,
so the result stays small enough to cache and pickle. :func:`silhouette_values_for` recomputes the
per-point silhouettes for one k in one compiled pass (``k`` cells; about the cost of the sweep's
silhouette step).

Large data
----------
Above ``exact_limit`` rows the silhouette is computed on a fixed-seed sample of ``sample_size``
rows shared by every k (the same sample ``sklearn.metrics.silhouette_score(..., sample_size,
random_state)`` draws), in one pass with the same cell trick; two more samples give the spread
(standard deviation) that is reported beside it.

Numba compiles the kernels on their first call in a fresh process (see BENCHMARKS.md) and caches the
machine code on disk (``cache=True``; numba falls back to a per-user cache folder when the package
folder is read-only, or set ``NUMBA_CACHE_DIR``). :func:`warm_up` triggers that compilation.

Stable ids: see :mod:`components.engine.clustering` (colour-identity rule).
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Integral
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from threadpoolctl import ThreadpoolController

from components.engine.clustering import (
    KMeansResult,
    _fit_validated,
    _match_new_id_of_old,
    as_order_key,
    n_distinct_rows,
)
from components.engine.validation import (
    NInit,
    check_int,
    check_n_init,
    check_random_state,
    validate_k_values,
    validate_matrix,
)

__all__ = [
    "NUMBA_AVAILABLE",
    "KSuggestion",
    "SweepResult",
    "calinski_harabasz_davies_bouldin",
    "cell_distance_sums",
    "silhouette_values",
    "silhouette_values_for",
    "suggest_k",
    "sweep_k",
    "warm_up",
]

_TILE = 512  # rows per tile of the compiled loop: 3 x 512 float64 coordinates stay in L1
# Above this size the sweep's n x n_cells sums are not held at once (one pass per k instead).
_SUMS_BUDGET_BYTES = 256 * 2**20


def _cell_distance_sums_numpy(
    points: np.ndarray, weights: np.ndarray, cell_start: np.ndarray
) -> np.ndarray:
    """Numpy version of the per-cell distance sums (exact, much slower than numba)."""
    n_points = points.shape[0]
    out = np.empty((n_points, cell_start.size - 1), dtype=np.float64)
    block = max(1, 2_000_000 // max(n_points, 1))  # about 16 MB of distances per block
    for start in range(0, n_points, block):
        rows = points[start : start + block]
        squared = np.zeros((rows.shape[0], n_points), dtype=np.float64)
        for feature in range(points.shape[1]):
            diff = rows[:, feature, None] - points[None, :, feature]
            squared += diff * diff
        distances = np.sqrt(squared) * weights[None, :]
        out[start : start + block] = np.add.reduceat(distances, cell_start[:-1], axis=1)
    return out


@contextmanager
def _single_thread_blas() -> Iterator[None]:
    """Run BLAS on one thread: a second OpenBLAS thread touches ~50 MB of its own buffers."""
    with ThreadpoolController().limit(limits=1, user_api="blas"):
        yield


def _silhouettes_from_sums(
    sums: np.ndarray,
    cell_of_point: np.ndarray,
    cell_labels: np.ndarray,
    k_values: np.ndarray,
    sizes: np.ndarray,
    use_numba: bool,
) -> np.ndarray:
    """Per-point silhouettes for every k from the per-cell sums, shape (n_points, n_k).

    One matrix product turns the per-cell sums into per-cluster sums for every k at once
    (``sums @ membership``, membership = one column per (k, cluster)); the rest is elementwise.
    """
    n_points, n_cells = sums.shape
    offsets = np.concatenate([[0], np.cumsum(k_values)])
    membership = np.zeros((n_cells, int(offsets[-1])), dtype=np.float64)
    for k_index in range(k_values.size):
        membership[np.arange(n_cells), offsets[k_index] + cell_labels[:, k_index]] = 1.0
    out = np.empty((n_points, k_values.size), dtype=np.float64)
    chunk = 4096  # rows per product: keeps the (rows, sum of k) block at a few MB
    with _single_thread_blas():
        for start in range(0, n_points, chunk):
            stop = min(n_points, start + chunk)
            cluster_sums = sums[start:stop] @ membership
            own_labels = np.ascontiguousarray(cell_labels[cell_of_point[start:stop]])
            if use_numba and _finish_silhouettes_kernel is not None:
                out[start:stop] = _finish_silhouettes_kernel(
                    cluster_sums, own_labels, sizes, offsets, k_values
                )
            else:
                out[start:stop] = _finish_silhouettes_numpy(
                    cluster_sums, own_labels, sizes, offsets, k_values
                )
    return out


def _finish_silhouettes_numpy(
    all_cluster_sums: np.ndarray,
    own_labels: np.ndarray,
    sizes: np.ndarray,
    offsets: np.ndarray,
    k_values: np.ndarray,
) -> np.ndarray:
    """Numpy version of the compiled finish: s = (b - a) / max(a, b) per row and k."""
    n_points = all_cluster_sums.shape[0]
    out = np.empty((n_points, k_values.size), dtype=np.float64)
    rows = np.arange(n_points)
    for k_index, n_clusters in enumerate(k_values):
        cluster_sums = all_cluster_sums[:, offsets[k_index] : offsets[k_index + 1]]
        own = own_labels[:, k_index]
        cluster_sizes = sizes[k_index, :n_clusters]
        with np.errstate(divide="ignore", invalid="ignore"):
            intra = cluster_sums[rows, own] / (cluster_sizes[own] - 1.0)
            mean_to_cluster = cluster_sums / cluster_sizes[None, :]
            mean_to_cluster[:, cluster_sizes <= 0] = np.inf  # absent from a sample
            mean_to_cluster[rows, own] = np.inf
            inter = mean_to_cluster.min(axis=1)
            values = (inter - intra) / np.maximum(intra, inter)
        values[cluster_sizes[own] <= 1] = 0.0  # scikit-learn's value for singleton clusters
        out[:, k_index] = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    return out


try:
    from numba import njit

    NUMBA_AVAILABLE = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    NUMBA_AVAILABLE = False

# The kernels below are plain Python; when numba is present they are compiled (lazily, on the
# first call) and the names *_kernel point at the compiled versions. They are module-level
# functions, not closures, so that numba's on-disk cache can find them again in a new process.


def _fill_distances_impl(
    coords_t: np.ndarray, i: int, j0: int, j1: int, distance: np.ndarray
) -> None:  # pragma: no cover - compiled
    # distance[jj] = ||x_i - x_(j0+jj)||, with a fixed-width loop for p <= 3 so it vectorises.
    n_features = coords_t.shape[0]
    width = j1 - j0
    if n_features == 3:
        a0 = coords_t[0, i]
        a1 = coords_t[1, i]
        a2 = coords_t[2, i]
        r0 = coords_t[0, j0:j1]
        r1 = coords_t[1, j0:j1]
        r2 = coords_t[2, j0:j1]
        for jj in range(width):
            d0 = a0 - r0[jj]
            d1 = a1 - r1[jj]
            d2 = a2 - r2[jj]
            distance[jj] = np.sqrt(d0 * d0 + d1 * d1 + d2 * d2)
    elif n_features == 2:
        a0 = coords_t[0, i]
        a1 = coords_t[1, i]
        r0 = coords_t[0, j0:j1]
        r1 = coords_t[1, j0:j1]
        for jj in range(width):
            d0 = a0 - r0[jj]
            d1 = a1 - r1[jj]
            distance[jj] = np.sqrt(d0 * d0 + d1 * d1)
    else:
        for jj in range(width):
            distance[jj] = 0.0
        for feature in range(n_features):
            value = coords_t[feature, i]
            row = coords_t[feature, j0:j1]
            for jj in range(width):
                diff = value - row[jj]
                distance[jj] += diff * diff
        for jj in range(width):
            distance[jj] = np.sqrt(distance[jj])


def _four_rows_impl(
    coords_t: np.ndarray,
    weights: np.ndarray,
    i: int,
    j0: int,
    j1: int,
    diagonal: bool,
    distance: np.ndarray,
    column_sums: np.ndarray,
) -> None:  # pragma: no cover - compiled
    # Rows i..i+3 (same cell, p == 3) against columns j0..j1 in one pass: the column loads are
    # shared, and distance[q, jj] = w_j * d(i+q, j) feeds four independent run sums below.
    width = j1 - j0
    r0 = coords_t[0, j0:j1]
    r1 = coords_t[1, j0:j1]
    r2 = coords_t[2, j0:j1]
    w = weights[j0:j1]
    a0 = coords_t[0, i]
    a1 = coords_t[1, i]
    a2 = coords_t[2, i]
    b0 = coords_t[0, i + 1]
    b1 = coords_t[1, i + 1]
    b2 = coords_t[2, i + 1]
    c0 = coords_t[0, i + 2]
    c1 = coords_t[1, i + 2]
    c2 = coords_t[2, i + 2]
    e0 = coords_t[0, i + 3]
    e1 = coords_t[1, i + 3]
    e2 = coords_t[2, i + 3]
    wa = weights[i]
    wb = weights[i + 1]
    wc = weights[i + 2]
    we = weights[i + 3]
    da = distance[0]
    db = distance[1]
    dc = distance[2]
    dd = distance[3]
    for jj in range(width):
        x0 = r0[jj]
        x1 = r1[jj]
        x2 = r2[jj]
        t0 = a0 - x0
        t1 = a1 - x1
        t2 = a2 - x2
        u = np.sqrt(t0 * t0 + t1 * t1 + t2 * t2)
        t0 = b0 - x0
        t1 = b1 - x1
        t2 = b2 - x2
        v = np.sqrt(t0 * t0 + t1 * t1 + t2 * t2)
        t0 = c0 - x0
        t1 = c1 - x1
        t2 = c2 - x2
        y = np.sqrt(t0 * t0 + t1 * t1 + t2 * t2)
        t0 = e0 - x0
        t1 = e1 - x1
        t2 = e2 - x2
        z = np.sqrt(t0 * t0 + t1 * t1 + t2 * t2)
        if not diagonal:
            column_sums[jj] += (u * wa + v * wb) + (y * wc + z * we)
        wx = w[jj]
        da[jj] = u * wx
        db[jj] = v * wx
        dc[jj] = y * wx
        dd[jj] = z * wx


def _tile_impl(
    coords_t: np.ndarray,
    weights: np.ndarray,
    cell_of_point: np.ndarray,
    cell_start: np.ndarray,
    sums: np.ndarray,
    i0: int,
    i1: int,
    j0: int,
    j1: int,
    diagonal: bool,
    distance: np.ndarray,
    column_sums: np.ndarray,
) -> None:  # pragma: no cover - compiled
    # Rows i in [i0, i1) get sums[i, cell(j)] += w_j d_ij; off the diagonal the columns
    # j in [j0, j1) also get sums[j, cell(i)] += w_i d_ij, so each distance is computed once.
    # distance is a (4, tile) buffer.
    width = j1 - j0
    w = weights[j0:j1]
    four_rows = coords_t.shape[0] == 3
    for jj in range(width):
        column_sums[jj] = 0.0
    current = cell_of_point[i0]
    i = i0
    while i < i1:
        cell_i = cell_of_point[i]
        if not diagonal and cell_i != current:
            for jj in range(width):
                sums[j0 + jj, current] += column_sums[jj]
                column_sums[jj] = 0.0
            current = cell_i
        if four_rows and i + 3 < i1 and cell_of_point[i + 3] == cell_i:
            # Rows are sorted by cell, so i..i+3 share cell_i.
            _four_rows_kernel(coords_t, weights, i, j0, j1, diagonal, distance, column_sums)
            da = distance[0]
            db = distance[1]
            dc = distance[2]
            dd = distance[3]
            j = j0
            while j < j1:
                cell = cell_of_point[j]
                end = min(cell_start[cell + 1], j1)
                sa = 0.0
                sb = 0.0
                sc = 0.0
                sd = 0.0
                for t in range(j - j0, end - j0):
                    sa += da[t]
                    sb += db[t]
                    sc += dc[t]
                    sd += dd[t]
                sums[i, cell] += sa
                sums[i + 1, cell] += sb
                sums[i + 2, cell] += sc
                sums[i + 3, cell] += sd
                j = end
            i += 4
            continue
        row = distance[0]
        _fill_distances_kernel(coords_t, i, j0, j1, row)
        if not diagonal:
            w_i = weights[i]
            for jj in range(width):
                column_sums[jj] += row[jj] * w_i
        for jj in range(width):
            row[jj] *= w[jj]
        j = j0
        while j < j1:
            cell = cell_of_point[j]
            end = min(cell_start[cell + 1], j1)
            # Four partial sums keep the adds pipelined without fastmath.
            s0 = 0.0
            s1 = 0.0
            s2 = 0.0
            s3 = 0.0
            t = j - j0
            stop = end - j0
            while t + 4 <= stop:
                s0 += row[t]
                s1 += row[t + 1]
                s2 += row[t + 2]
                s3 += row[t + 3]
                t += 4
            while t < stop:
                s0 += row[t]
                t += 1
            sums[i, cell] += (s0 + s1) + (s2 + s3)
            j = end
        i += 1
    if not diagonal:
        for jj in range(width):
            sums[j0 + jj, current] += column_sums[jj]


def _part_pair_impl(
    coords_t: np.ndarray,
    weights: np.ndarray,
    cell_of_point: np.ndarray,
    cell_start: np.ndarray,
    sums: np.ndarray,
    a0: int,
    a1: int,
    b0: int,
    b1: int,
    tile: int,
) -> None:  # pragma: no cover - compiled
    # One task of the symmetric pass: rows [a0, a1) against rows [b0, b1) (a0 == b0: the part
    # against itself, upper triangle of tiles). Writes only the rows of the two parts, so tasks
    # on disjoint parts can run at the same time.
    distance = np.empty((4, tile), dtype=np.float64)
    column_sums = np.empty(tile, dtype=np.float64)
    same_part = a0 == b0
    for i0 in range(a0, a1, tile):
        i1 = min(a1, i0 + tile)
        if same_part:
            _tile_kernel(
                coords_t, weights, cell_of_point, cell_start, sums,
                i0, i1, i0, i1, True, distance, column_sums,
            )  # fmt: skip
            first = i1
        else:
            first = b0
        for j0 in range(first, b1, tile):
            _tile_kernel(
                coords_t, weights, cell_of_point, cell_start, sums,
                i0, i1, j0, min(b1, j0 + tile), False, distance, column_sums,
            )  # fmt: skip


def _finish_silhouettes_impl(
    all_cluster_sums: np.ndarray,
    own_labels: np.ndarray,
    sizes: np.ndarray,
    offsets: np.ndarray,
    k_values: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    # s = (b - a) / max(a, b) per point and k, from the summed distances to each cluster.
    n_points = all_cluster_sums.shape[0]
    n_k = k_values.size
    out = np.empty((n_points, n_k), dtype=np.float64)
    for u in range(n_points):
        for k_index in range(n_k):
            start = offsets[k_index]
            own = own_labels[u, k_index]
            n_own = sizes[k_index, own]
            if n_own <= 1.0:
                out[u, k_index] = 0.0  # scikit-learn's value for singleton clusters
                continue
            intra = all_cluster_sums[u, start + own] / (n_own - 1.0)
            inter = np.inf
            for j in range(k_values[k_index]):
                if j != own and sizes[k_index, j] > 0.0:  # size 0: absent from a sample
                    inter = min(inter, all_cluster_sums[u, start + j] / sizes[k_index, j])
            larger = max(intra, inter)
            if larger > 0.0 and np.isfinite(larger):
                out[u, k_index] = (inter - intra) / larger
            else:
                out[u, k_index] = 0.0
    return out


_fill_distances_kernel: Any = _fill_distances_impl
_four_rows_kernel: Any = _four_rows_impl
_tile_kernel: Any = _tile_impl
_part_pair_kernel: Any = None
_finish_silhouettes_kernel: Any = None
if NUMBA_AVAILABLE:
    # Serial kernels that release the GIL; Python threads schedule them (see _run_part_pairs),
    # which balances the work dynamically when other processes share the cores.
    _fill_distances_kernel = njit(nogil=True, fastmath=False)(_fill_distances_impl)
    _four_rows_kernel = njit(nogil=True, fastmath=False)(_four_rows_impl)
    _tile_kernel = njit(nogil=True, fastmath=False)(_tile_impl)
    try:
        _part_pair_kernel = njit(nogil=True, cache=True, fastmath=False)(_part_pair_impl)
        _finish_silhouettes_kernel = njit(nogil=True, cache=True, fastmath=False)(
            _finish_silhouettes_impl
        )
    except RuntimeError:  # pragma: no cover - no writable cache folder anywhere
        _part_pair_kernel = njit(nogil=True, cache=False, fastmath=False)(_part_pair_impl)
        _finish_silhouettes_kernel = njit(nogil=True, cache=False, fastmath=False)(
            _finish_silhouettes_impl
        )


def _thread_count() -> int:
    """Threads for the compiled passes: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _run_part_pairs(run: Callable[[int, int], None], n_parts: int, n_threads: int) -> None:
    """Call ``run(p, q)`` for every pair of parts p <= q, never two calls sharing a part at once.

    Each worker takes the first pending pair whose two parts are free, so the work is balanced
    dynamically (no rounds, no barriers) and no two threads write the same rows.
    """
    pending = [(p, q) for p in range(n_parts) for q in range(p + 1, n_parts)]
    pending += [(p, p) for p in range(n_parts)]  # the half-size diagonal tasks last
    busy = [False] * n_parts
    errors: list[BaseException] = []
    condition = threading.Condition()

    def worker() -> None:
        while True:
            with condition:
                while True:
                    if errors or not pending:
                        return
                    index = next(
                        (i for i, (p, q) in enumerate(pending) if not busy[p] and not busy[q]),
                        None,
                    )
                    if index is not None:
                        break
                    condition.wait()
                first, second = pending.pop(index)
                busy[first] = busy[second] = True
            try:
                run(first, second)
            except BaseException as error:  # re-raised in the calling thread below
                with condition:
                    errors.append(error)
            finally:
                with condition:
                    busy[first] = busy[second] = False
                    condition.notify_all()

    workers = [threading.Thread(target=worker) for _ in range(max(1, n_threads) - 1)]
    for thread in workers:
        thread.start()
    worker()  # the calling thread works too
    for thread in workers:
        thread.join()
    if errors:
        raise errors[0]


def _resolve_use_numba(use_numba: bool | None) -> bool:
    if use_numba is None:
        return NUMBA_AVAILABLE
    if use_numba and not NUMBA_AVAILABLE:
        raise ValueError("use_numba=True but numba is not installed; expected False or None.")
    return bool(use_numba)


def cell_distance_sums(
    points: np.ndarray,
    weights: np.ndarray,
    cell_start: np.ndarray,
    *,
    use_numba: bool | None = None,
) -> np.ndarray:
    """Sum each row's weighted euclidean distances to the rows of each cell.

    Parameters
    ----------
    points : np.ndarray of shape (n_points, p)
        Rows sorted by cell: cell ``c`` is ``points[cell_start[c]:cell_start[c + 1]]``.
    weights : np.ndarray of shape (n_points,)
        Multiplicity of each row (1 unless identical rows were merged).
    cell_start : np.ndarray of shape (n_cells + 1,)
        Cell boundaries, starting at 0 and ending at ``n_points``; no cell may be empty.
    use_numba : bool, optional
        Force (True) or avoid (False) the compiled loop; default: numba when available.

    Returns
    -------
    np.ndarray
        float64 array ``sums[i, c] = sum_(j in c) weights[j] * ||points[i] - points[j]||``,
        shape ``(n_points, n_cells)``.
    """
    coords = np.ascontiguousarray(points, dtype=np.float64)
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    cell_start = np.ascontiguousarray(cell_start, dtype=np.int64)
    if _resolve_use_numba(use_numba) and _part_pair_kernel is not None:
        n_points = coords.shape[0]
        cell_of_point = np.repeat(
            np.arange(cell_start.size - 1, dtype=np.int64), np.diff(cell_start)
        )
        coords_t = np.ascontiguousarray(coords.T)
        sums = np.zeros((n_points, cell_start.size - 1), dtype=np.float64)
        n_threads = _thread_count()
        # Four parts per thread: enough free pairs for every thread at almost any moment.
        n_parts = max(1, min(4 * n_threads, (n_points + _TILE - 1) // _TILE))
        bounds = np.linspace(0, n_points, n_parts + 1).astype(np.int64)

        def run(first: int, second: int) -> None:
            _part_pair_kernel(
                coords_t, weights, cell_of_point, cell_start, sums,
                bounds[first], bounds[first + 1], bounds[second], bounds[second + 1], _TILE,
            )  # fmt: skip

        _run_part_pairs(run, n_parts, n_threads)
        return sums
    return _cell_distance_sums_numpy(coords, weights, cell_start)


def warm_up() -> float:
    """Compile (or load from numba's disk cache) the kernels; return the seconds it took.

    Returns
    -------
    float
        Wall time of the first calls (near 0 when already compiled in this process).
    """
    start = time.perf_counter()
    if NUMBA_AVAILABLE:
        for n_features in (1, 2, 3):
            points = np.arange(4.0 * n_features).reshape(4, n_features) ** 2
            silhouette_values(points, np.array([0, 0, 1, 1]))
    return time.perf_counter() - start


@dataclass(frozen=True)
class _Cells:
    """Merged rows sorted by cell (see module docstring)."""

    points: np.ndarray  # (m, p) distinct (cell, row) pairs sorted by cell
    weights: np.ndarray  # (m,) multiplicity of each merged row
    cell_of_point: np.ndarray  # (m,)
    cell_start: np.ndarray  # (n_cells + 1,)
    cell_labels: np.ndarray  # (n_cells, n_k) label of each cell for each k
    point_of_row: np.ndarray  # (n,) index into points of each input row


def _build_cells(X: np.ndarray, label_matrix: np.ndarray) -> _Cells:
    """Group rows into cells (same label for every k) and merge identical rows within a cell."""
    n_samples = X.shape[0]
    cell_of_row = np.zeros(n_samples, dtype=np.int64)
    for labels in label_matrix:
        # Refine the partition one k at a time; re-densifying keeps the combined key small.
        combined = cell_of_row * (int(labels.max()) + 1) + labels
        _, cell_of_row = np.unique(combined, return_inverse=True)
        cell_of_row = cell_of_row.reshape(-1).astype(np.int64, copy=False)
    n_cells = int(cell_of_row.max()) + 1
    first_row = np.full(n_cells, n_samples, dtype=np.int64)
    np.minimum.at(first_row, cell_of_row, np.arange(n_samples))
    cell_labels = np.ascontiguousarray(label_matrix[:, first_row].T, dtype=np.int64)

    # Sort by cell, then by coordinates, so identical rows of a cell are adjacent.
    keys = [X[:, feature] for feature in range(X.shape[1] - 1, -1, -1)]
    order = np.lexsort([*keys, cell_of_row])
    sorted_points = X[order]
    sorted_cells = cell_of_row[order]
    new_point = np.ones(n_samples, dtype=bool)
    new_point[1:] = (sorted_cells[1:] != sorted_cells[:-1]) | np.any(
        sorted_points[1:] != sorted_points[:-1], axis=1
    )
    point_of_sorted = np.cumsum(new_point) - 1
    starts = np.flatnonzero(new_point)
    weights = np.diff(np.append(starts, n_samples)).astype(np.float64)
    point_of_row = np.empty(n_samples, dtype=np.int64)
    point_of_row[order] = point_of_sorted
    cell_of_point = sorted_cells[starts]
    cell_start = np.zeros(n_cells + 1, dtype=np.int64)
    cell_start[1:] = np.cumsum(np.bincount(cell_of_point, minlength=n_cells))
    return _Cells(
        points=np.ascontiguousarray(sorted_points[starts]),
        weights=weights,
        cell_of_point=cell_of_point,
        cell_start=cell_start,
        cell_labels=cell_labels,
        point_of_row=point_of_row,
    )


def _silhouettes_for_cells(
    cells: _Cells, k_values: Sequence[int], use_numba: bool | None
) -> np.ndarray:
    """Silhouette of every merged point for every k, shape (n_points, n_k)."""
    sums = cell_distance_sums(cells.points, cells.weights, cells.cell_start, use_numba=use_numba)
    ks = np.asarray(k_values, dtype=np.int64)
    sizes = np.zeros((ks.size, int(ks.max())), dtype=np.float64)
    for k_index, n_clusters in enumerate(ks):
        own = cells.cell_labels[cells.cell_of_point, k_index]
        sizes[k_index, :n_clusters] = np.bincount(own, weights=cells.weights, minlength=n_clusters)
    return _silhouettes_from_sums(
        sums, cells.cell_of_point, cells.cell_labels, ks, sizes, _resolve_use_numba(use_numba)
    )


def _mean_silhouettes(
    X: np.ndarray, label_matrix: np.ndarray, k_values: Sequence[int], use_numba: bool | None
) -> tuple[np.ndarray, int]:
    """Exact mean silhouette for every row of ``label_matrix``, and the number of cells."""
    cells = _build_cells(X, label_matrix)
    n_cells = int(cells.cell_labels.shape[0])
    if len(k_values) > 1 and cells.points.shape[0] * n_cells * 8 > _SUMS_BUDGET_BYTES:
        # Too many cells to hold every row's per-cell sums: one pass per k (k cells) instead.
        means = np.array(
            [
                _mean_silhouettes(X, label_matrix[index : index + 1], [k], use_numba)[0][0]
                for index, k in enumerate(k_values)
            ]
        )
        return means, n_cells
    values = _silhouettes_for_cells(cells, k_values, use_numba)
    return (cells.weights @ values) / cells.weights.sum(), n_cells


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

    Computed tile by tile without an ``n x n`` matrix.

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
    values = _silhouettes_for_cells(cells, [n_clusters], use_numba)
    return values[cells.point_of_row, 0]


def calinski_harabasz_davies_bouldin(
    X: np.ndarray, labels: np.ndarray, n_clusters: int
) -> tuple[float, float]:
    """Calinski-Harabasz and Davies-Bouldin indices, computed as scikit-learn does, in O(n p).

    Parameters
    ----------
    X : np.ndarray of shape (n_samples, n_features)
        Validated data.
    labels : np.ndarray of int, shape (n_samples,)
        Cluster ids ``0 .. n_clusters-1``, every id used.
    n_clusters : int
        Number of clusters.

    Returns
    -------
    tuple[float, float]
        ``(calinski_harabasz, davies_bouldin)``; equal to ``sklearn.metrics`` up to rounding.
    """
    n_samples, n_features = X.shape
    sizes = np.bincount(labels, minlength=n_clusters).astype(np.float64)
    centroids = np.empty((n_clusters, n_features), dtype=np.float64)
    for feature in range(n_features):
        centroids[:, feature] = (
            np.bincount(labels, weights=X[:, feature], minlength=n_clusters) / sizes
        )
    deviation = X - centroids[labels]
    squared = np.einsum("ij,ij->i", deviation, deviation)
    within = float(squared.sum())
    spread = centroids - X.mean(axis=0)
    between = float(np.sum(sizes * np.einsum("ij,ij->i", spread, spread)))
    if within == 0.0:
        calinski_harabasz = 1.0
    else:
        calinski_harabasz = between * (n_samples - n_clusters) / (within * (n_clusters - 1.0))

    intra = np.bincount(labels, weights=np.sqrt(squared), minlength=n_clusters) / sizes
    gaps = centroids[:, None, :] - centroids[None, :, :]
    centroid_distances = np.sqrt(np.einsum("ijk,ijk->ij", gaps, gaps))
    if np.allclose(intra, 0) or np.allclose(centroid_distances, 0):
        return calinski_harabasz, 0.0
    centroid_distances[centroid_distances == 0] = np.inf
    ratios = (intra[:, None] + intra[None, :]) / centroid_distances
    davies_bouldin = float(np.mean(np.max(ratios, axis=1)))
    return calinski_harabasz, davies_bouldin


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
    details = (
        f"{knee_text}; the silhouette (higher is better) is highest at k={best_sil} "
        f"({sil_value:.3f}); Calinski-Harabasz (higher is better) is highest at k={best_ch}."
    )
    agree = knee is not None and knee == best_sil == best_ch
    if agree:
        message = f"All three criteria agree on k={knee}: {details}"
    elif knee is None and best_sil == best_ch:
        message = f"Silhouette and Calinski-Harabasz agree on k={best_sil}, but {knee_text}."
    else:
        candidates = sorted({k for k in (knee, best_sil, best_ch) if k is not None})
        listed = ", ".join(f"k={k}" for k in candidates)
        message = (
            f"The criteria disagree ({listed}): {details} Choose by what the map should show: "
            "fewer, broader regions or more, finer ones."
        )
    return KSuggestion(
        knee=knee,
        best_silhouette=best_sil,
        best_calinski_harabasz=best_ch,
        agree=agree,
        message=message,
    )


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
        Distinct k's in any order (the result lists them ascending), each in
        ``[2, min(n_samples - 1, n_distinct_rows)]`` (default 2..15).
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
    ks = validate_k_values(k_values, n_samples, n_distinct, sort=True)
    init_count = check_n_init(n_init)
    seed = check_random_state(random_state)
    limit = check_int(exact_limit, "exact_limit", 2)
    n_sample = check_int(sample_size, "sample_size", 2)
    n_spread = check_int(n_silhouette_samples, "n_silhouette_samples", 1)
    key = as_order_key(order_key, data)
    default_jobs = min(2, os.cpu_count() or 1)
    jobs = default_jobs if n_jobs is None else check_int(n_jobs, "n_jobs", 1)

    fits = _fit_all(data, ks, seed, init_count, key, jobs)
    label_matrix, centroids = _stable_labels(fits, key)

    silhouette_start = time.perf_counter()
    spread: np.ndarray | None = None
    method: Literal["exact", "sampled"]
    used_sample: int | None = None
    if n_samples <= limit:
        method = "exact"
        silhouette, n_cells = _mean_silhouettes(data, label_matrix, ks, use_numba)
    else:
        method = "sampled"
        used_sample = min(n_sample, n_samples)
        per_sample = []
        for offset in range(n_spread):
            # Same rows as silhouette_score(X, labels, sample_size=..., random_state=seed).
            rows = np.random.RandomState(seed + offset).permutation(n_samples)[:used_sample]
            means, cells_in_sample = _mean_silhouettes(
                data[rows], label_matrix[:, rows], ks, use_numba
            )
            per_sample.append(means)
            if offset == 0:
                n_cells = cells_in_sample
        silhouette = per_sample[0]
        spread = np.std(np.vstack(per_sample), axis=0, ddof=1) if n_spread > 1 else None
    silhouette_seconds = time.perf_counter() - silhouette_start

    inertia = np.array([fit.inertia for fit in fits])
    indices = [
        calinski_harabasz_davies_bouldin(data, labels, k)
        for labels, k in zip(label_matrix, ks, strict=True)
    ]
    ch = np.array([pair[0] for pair in indices])
    db = np.array([pair[1] for pair in indices])
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
