"""Command line: the k-sweep of a Parquet data set on a Dask cluster, written as a result folder.

Usage (from the project root, with ``requirements-distributed.txt`` installed)::

    python -m components.engine.distributed DATA --out RESULT [--features latitude longitude
        price] [--scaler standard] [--k-min 2 --k-max 15] [--scheduler tcp://HOST:8786]

``DATA`` is a Parquet file, a folder of them or a glob. Without ``--scheduler`` (or the
environment variable ``GEOCLUSTER_DASK_SCHEDULER``) a LocalCluster runs on this machine. The
last line printed is ``distributed n=... k=2..15 seconds=... out=...``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from components.engine.distributed.cluster import SCHEDULER_ENVIRONMENT_VARIABLE, dask_client
from components.engine.distributed.sweep import KMEANS_PARALLEL_ROUNDS, run_distributed_sweep
from components.engine.distributed_result import write_distributed_result
from components.engine.places import K_MAX
from components.engine.scaling import SCALERS

__all__ = ["main"]


def _parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line's options (of ``sys.argv[1:]`` when ``argv`` is None)."""
    parser = argparse.ArgumentParser(
        prog="python -m components.engine.distributed",
        description="k-means for k = 2..15 of a Parquet data set on a Dask cluster.",
    )
    parser.add_argument("source", help="Parquet file, folder of Parquet files, or glob")
    parser.add_argument("--out", required=True, help="result folder to write (or replace)")
    parser.add_argument(
        "--features",
        nargs="+",
        default=None,
        help="numeric columns to cluster on (default: the two coordinates)",
    )
    parser.add_argument("--scaler", default="standard", choices=tuple(SCALERS))
    parser.add_argument("--location-weight", type=float, default=1.0, help="geographic only")
    parser.add_argument("--latitude-column", default="latitude")
    parser.add_argument("--longitude-column", default="longitude")
    parser.add_argument("--k-min", type=int, default=2)
    parser.add_argument("--k-max", type=int, default=K_MAX)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--silhouette-sample-size", type=int, default=10_000)
    parser.add_argument("--silhouette-samples", type=int, default=3)
    parser.add_argument(
        "--cell-degrees", type=float, default=None, help="map grid size (default: automatic)"
    )
    parser.add_argument("--chunk-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--init-rounds",
        type=int,
        default=KMEANS_PARALLEL_ROUNDS,
        help="sampling rounds of the shared k-means|| start",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        help=f"Dask scheduler address (default: ${SCHEDULER_ENVIRONMENT_VARIABLE}, "
        "else a LocalCluster)",
    )
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers")
    parser.add_argument("--threads-per-worker", type=int, default=1, help="LocalCluster")
    parser.add_argument(
        "--memory-limit", default="auto", help="LocalCluster: per worker, e.g. 4GiB"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sweep and write the result folder.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 when the data or an option is unusable (the message says why).
    """
    options = _parse_arguments(argv)
    features = options.features or [options.latitude_column, options.longitude_column]
    if options.k_min > options.k_max:
        print(
            f"error: --k-min={options.k_min} is above --k-max={options.k_max}; "
            f"expected 2 <= k-min <= k-max <= {K_MAX}.",
            file=sys.stderr,
        )
        return 2
    try:
        with dask_client(
            options.scheduler,
            n_workers=options.workers,
            threads_per_worker=options.threads_per_worker,
            memory_limit=options.memory_limit,
        ) as client:
            result = run_distributed_sweep(
                options.source,
                client,
                features=features,
                scaler=options.scaler,
                location_weight=options.location_weight,
                k_values=range(options.k_min, options.k_max + 1),
                latitude_column=options.latitude_column,
                longitude_column=options.longitude_column,
                random_state=options.random_state,
                silhouette_sample_size=options.silhouette_sample_size,
                n_silhouette_samples=options.silhouette_samples,
                cell_degrees=options.cell_degrees,
                chunk_rows=options.chunk_rows,
                init_rounds=options.init_rounds,
            )
        written = write_distributed_result(result, options.out)
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    table = result.metrics()
    print(f"{result.n_rows} rows ({result.n_rows_dropped} left out), on {result.scheduler}")
    print(table.to_string(index=False, float_format=lambda value: f"{value:.4g}"))
    print(f"suggestion: {result.suggestion().message}")
    print(
        f"distributed n={result.n_rows} k={result.k_values[0]}..{result.k_values[-1]} "
        f"seconds={result.total_seconds:.1f} out={written}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
