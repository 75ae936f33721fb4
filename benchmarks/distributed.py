"""Benchmark: the distributed k-sweep on a LocalCluster at 1M, 4M and 16M rows; how time grows.

Usage (from the project root, with requirements-distributed.txt installed)::

    python benchmarks/distributed.py            # 1M, 4M and 16M rows, k = 2..15 (7 minutes on
                                                # 2 cores: run it alone on the machine)
    python benchmarks/distributed.py --quick    # a smoke test: 25k, 50k, 100k rows, k = 2..6
    python benchmarks/distributed.py --sizes 1000000 4000000   # chosen sizes, k = 2..15

For each size, a Parquet data set of places around 36 centres (latitude, longitude, price;
``components.engine.distributed.synthetic``) is written to a temporary folder (not timed), then
``run_distributed_sweep`` runs on one LocalCluster shared by all sizes (2 worker processes of
1 thread each, as the command's defaults) and is timed from reading the Parquet files to the
finished result (scaling, every k's k-means|| start and Lloyd's iterations, the two labelling
passes, the silhouette samples). The result is written and read back (not timed).

A warm-up sweep of 5,000 rows runs first (not timed), so numba's compilation of dask-ml's and
the silhouette's kernels does not land in the first size's time.

Reported per size: the wall time, its ratio to the smallest size's time measured in the same
run, the Lloyd iterations summed over k (they differ between data sets, so the wall time per
iteration is shown too: the whole run's time over them) and the growth exponent
``log(time ratio) / log(n ratio)`` (1 means time grows linearly with n; below 1, fixed costs
still weigh).

The last line printed is::

    distributed n=<n1>,<n2>,<n3> seconds=<t1>,<t2>,<t3> ratio=1.00,<r2>,<r3> exponent=<e>
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# This file's folder goes first on sys.path when it runs as a script, and its name would hide
# the dask.distributed package: the project root takes its place.
sys.path[:] = [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]
sys.path.insert(0, str(PROJECT_ROOT))

from components.engine.distributed.cluster import dask_client  # noqa: E402
from components.engine.distributed.sweep import run_distributed_sweep  # noqa: E402
from components.engine.distributed.synthetic import write_clustered_places  # noqa: E402
from components.engine.distributed_result import (  # noqa: E402
    read_distributed_result,
    write_distributed_result,
)

FULL_SIZES = (1_000_000, 4_000_000, 16_000_000)
QUICK_SIZES = (25_000, 50_000, 100_000)
FEATURES = ("latitude", "longitude", "price")
ROWS_PER_FILE = 1_000_000


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and k = 2..6")
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        help="rows of each data set, ascending (default 1M, 4M and 16M; --quick's are smaller)",
    )
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers")
    parser.add_argument("--threads", action="store_true", help="workers as threads of this process")
    return parser.parse_args()


def main() -> None:
    """Run the benchmark and print one line per size and the summary line."""
    arguments = _arguments()
    sizes = tuple(arguments.sizes or (QUICK_SIZES if arguments.quick else FULL_SIZES))
    k_values = range(2, 7) if arguments.quick else range(2, 16)
    chunk_rows = 10_000 if arguments.quick else 1_000_000
    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    seconds: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="geocluster-distributed-") as scratch,
        dask_client(n_workers=arguments.workers, processes=not arguments.threads) as client,
    ):
        # Warm-up, not timed: numba compiles dask-ml's and the silhouette's kernels on first use.
        warm_up = write_clustered_places(Path(scratch) / "warm-up", 5_000, n_files=1)
        run_distributed_sweep(str(warm_up), client, features=FEATURES, k_values=range(2, 4))
        for n_rows in sizes:
            folder = write_clustered_places(
                Path(scratch) / f"n{n_rows}", n_rows, n_files=max(1, n_rows // ROWS_PER_FILE)
            )
            start = time.perf_counter()
            result = run_distributed_sweep(
                str(folder), client, features=FEATURES, k_values=k_values, chunk_rows=chunk_rows
            )
            elapsed = time.perf_counter() - start
            seconds.append(elapsed)
            written = write_distributed_result(result, Path(scratch) / f"result{n_rows}")
            assert read_distributed_result(written).n_rows == n_rows
            iterations = int(result.n_iter.sum())
            print(
                f"n={n_rows} seconds={elapsed:.1f} ratio={elapsed / seconds[0]:.2f} "
                f"n_ratio={n_rows / sizes[0]:.0f} fit_s={result.fit_seconds.sum():.1f} "
                f"lloyd_iterations={iterations} wall_s_per_iteration={elapsed / iterations:.3f} "
                f"load={os.getloadavg()[0]:.1f}",
                flush=True,
            )
    exponent = math.log(seconds[-1] / seconds[0]) / math.log(sizes[-1] / sizes[0])
    print(
        f"distributed n={','.join(str(n) for n in sizes)} "
        f"seconds={','.join(f'{value:.1f}' for value in seconds)} "
        f"ratio={','.join(f'{value / seconds[0]:.2f}' for value in seconds)} "
        f"exponent={exponent:.2f}"
    )


if __name__ == "__main__":
    main()
