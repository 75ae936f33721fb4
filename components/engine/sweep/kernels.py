"""The compiled per-cell distance sums behind the exact silhouette, and their numpy fallback.

Pairwise distances do not depend on k. Rows that share their label for every k of the sweep
form a "cell", so each row's distances to the members of each cell are summed once; for each k
a row's summed distance to cluster ``j`` is the sum over the cells inside ``j``. The sums come
from compiled numba loops (serial, releasing the GIL) over 512-row tiles, four rows of a cell at
a time, each distance computed once and added to both rows' sums. Python threads take pairs of
row parts no other thread is writing, so the work is balanced dynamically and no ``n x n``
matrix is ever held. Without numba the same sums are computed with numpy (exact, slower).

Numba compiles the kernels on their first call in a fresh process and caches the machine code
on disk (``cache=True``; set ``NUMBA_CACHE_DIR`` where the package folder is read-only).
:func:`components.engine.sweep.metrics.warm_up` triggers that compilation.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from scipy.spatial.distance import cdist
from threadpoolctl import ThreadpoolController

_TILE = 512  # rows per tile of the compiled loop: 3 x 512 float64 coordinates stay in L1


def _cell_distance_sums_numpy(
    points: np.ndarray, weights: np.ndarray, cell_start: np.ndarray
) -> np.ndarray:
    """Numpy version of the per-cell distance sums (exact, much slower than numba)."""
    n_points = points.shape[0]
    out = np.empty((n_points, cell_start.size - 1), dtype=np.float64)
    block = max(1, 2_000_000 // max(n_points, 1))  # about 16 MB of distances per block
    for start in range(0, n_points, block):
        distances = cdist(points[start : start + block], points) * weights[None, :]
        out[start : start + block] = np.add.reduceat(distances, cell_start[:-1], axis=1)
    return out


@contextmanager
def _single_thread_blas() -> Iterator[None]:
    """Run BLAS on one thread: a second OpenBLAS thread has large buffers of its own.

    Their size is in BENCHMARKS.md, "Sweep".
    """
    with ThreadpoolController().limit(limits=1, user_api="blas"):
        yield


def silhouettes_from_sums(
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
    compiled = use_numba and _finish_silhouettes_kernel is not None
    finish = _finish_silhouettes_kernel if compiled else _finish_silhouettes_numpy
    chunk = 4096  # rows per product: keeps the (rows, sum of k) block at a few MB
    with _single_thread_blas():
        for start in range(0, n_points, chunk):
            stop = min(n_points, start + chunk)
            cluster_sums = sums[start:stop] @ membership
            own_labels = np.ascontiguousarray(cell_labels[cell_of_point[start:stop]])
            out[start:stop] = finish(cluster_sums, own_labels, sizes, offsets, k_values)
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


def _norm3_impl(t0: float, t1: float, t2: float) -> float:  # pragma: no cover - compiled
    return np.sqrt(t0 * t0 + t1 * t1 + t2 * t2)


def _run_sum_impl(row: np.ndarray, start: int, stop: int) -> float:  # pragma: no cover - compiled
    # Four partial sums keep the adds pipelined without fastmath.
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    t = start
    while t + 4 <= stop:
        s0 += row[t]
        s1 += row[t + 1]
        s2 += row[t + 2]
        s3 += row[t + 3]
        t += 4
    while t < stop:
        s0 += row[t]
        t += 1
    return (s0 + s1) + (s2 + s3)


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
            distance[jj] = _norm3_kernel(a0 - r0[jj], a1 - r1[jj], a2 - r2[jj])
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
            # Rows are sorted by cell, so i..i+3 share cell_i. Rows i..i+3 against columns
            # j0..j1 in one pass share the column loads; da..dd[jj] = w_j * d(i+q, j) feed
            # four independent run sums.
            r0 = coords_t[0, j0:j1]
            r1 = coords_t[1, j0:j1]
            r2 = coords_t[2, j0:j1]
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
                u = _norm3_kernel(a0 - x0, a1 - x1, a2 - x2)
                v = _norm3_kernel(b0 - x0, b1 - x1, b2 - x2)
                y = _norm3_kernel(c0 - x0, c1 - x1, c2 - x2)
                z = _norm3_kernel(e0 - x0, e1 - x1, e2 - x2)
                if not diagonal:
                    column_sums[jj] += (u * wa + v * wb) + (y * wc + z * we)
                wx = w[jj]
                da[jj] = u * wx
                db[jj] = v * wx
                dc[jj] = y * wx
                dd[jj] = z * wx
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
            end = min(cell_start[cell_of_point[j] + 1], j1)
            sums[i, cell_of_point[j]] += _run_sum_kernel(row, j - j0, end - j0)
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


_norm3_kernel: Any = _norm3_impl
_run_sum_kernel: Any = _run_sum_impl
_fill_distances_kernel: Any = _fill_distances_impl
_tile_kernel: Any = _tile_impl
_part_pair_kernel: Any = None
_finish_silhouettes_kernel: Any = None


if NUMBA_AVAILABLE:
    # Serial kernels that release the GIL; Python threads schedule them (see _run_part_pairs),
    # which balances the work dynamically when other processes share the cores.
    # Inlined into its callers' loops, so the four distances of a pass stay in registers.
    _norm3_kernel = njit(inline="always", fastmath=False)(_norm3_impl)
    _run_sum_kernel = njit(inline="always", fastmath=False)(_run_sum_impl)
    _fill_distances_kernel = njit(nogil=True, fastmath=False)(_fill_distances_impl)
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


def resolve_use_numba(use_numba: bool | None) -> bool:
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
    if resolve_use_numba(use_numba) and _part_pair_kernel is not None:
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
