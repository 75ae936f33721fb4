"""Time the exact per-point silhouettes of the Choose k page on the real data.

Run from the project root:

    GEOCLUSTER_DATA=../shared/data/housing.csv python benchmarks/silhouette_points.py
    python benchmarks/silhouette_points.py --quick    # a smoke test: 4,000 rows

The data: ``$GEOCLUSTER_DATA``, else ``../shared/data/housing.csv``, else the shipped
``data/housing.csv.gz`` (the same rows); ``--quick`` keeps a random 4,000 of its rows (seed 0).
Sweeps k = 2..15 on the default features (standard scaler, rows with a missing value
excluded), compiles the silhouette loop on a few rows, then times
:func:`components.engine.sweep.silhouette_points.silhouette_points` on every fitted row at a
few k's, against scikit-learn's ``silhouette_samples`` on the same rows in the same run
(the baseline), and checks that both agree. The last line is machine-readable:

    silhouette_points rows=<n> median_s=<s> sklearn_median_s=<s> speedup=<x> max_abs_err=<e>
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import silhouette_samples

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from components.engine.data import load_housing  # noqa: E402
from components.engine.features import DEFAULT_FEATURES, prepare_features  # noqa: E402
from components.engine.scaling import scale_features  # noqa: E402
from components.engine.sweep.run import sweep_k  # noqa: E402
from components.engine.sweep.silhouette_points import silhouette_points  # noqa: E402

DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "data" / "housing.csv"
K_VALUES = (2, 5, 10, 15)
QUICK_ROWS = 4_000


def main() -> None:
    """Print one line per timed k, then the summary line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke test: a random {QUICK_ROWS:,} rows"
    )
    arguments = parser.parse_args()
    path = os.environ.get("GEOCLUSTER_DATA") or str(DEFAULT_DATA)
    # None: the engine reads the shipped copy of the same data.
    frame = load_housing(path if Path(path).is_file() else None).frame
    if arguments.quick:
        frame = frame.sample(n=QUICK_ROWS, random_state=0).reset_index(drop=True)
    matrix = prepare_features(frame, DEFAULT_FEATURES, missing="exclude")
    scaled = scale_features(matrix.values, matrix.feature_names, "standard")
    result = sweep_k(scaled.train, range(2, 16), random_state=0)
    silhouette_points(scaled.train[:100], result.labels_for(5)[:100], np.arange(100))
    seconds, baseline_seconds, errors = [], [], []
    for k in K_VALUES:
        labels = result.labels_for(k)
        start = time.perf_counter()
        points = silhouette_points(scaled.train, labels, matrix.row_positions)
        seconds.append(time.perf_counter() - start)
        start = time.perf_counter()
        expected = silhouette_samples(scaled.train, labels)
        baseline_seconds.append(time.perf_counter() - start)
        errors.append(float(np.max(np.abs(points.values - expected))))
        print(
            f"k={k} rows={points.n_fit_rows} seconds={seconds[-1]:.2f} "
            f"sklearn_seconds={baseline_seconds[-1]:.2f} max_abs_err={errors[-1]:.1e}"
        )
    median, baseline = statistics.median(seconds), statistics.median(baseline_seconds)
    print(
        f"silhouette_points rows={scaled.train.shape[0]} median_s={median:.2f} "
        f"sklearn_median_s={baseline:.2f} speedup={baseline / median:.1f} "
        f"max_abs_err={max(errors):.1e}"
    )


if __name__ == "__main__":
    main()
