"""Benchmark: what "auto" starts cost the sweep and what they buy, on the housing data.

Usage (from the project root)::

    python benchmarks/starts.py [path/to/housing.csv]
    python benchmarks/starts.py --quick    # a smoke test: 2,000 rows

The default settings (latitude, longitude, median_house_value, standardised; k = 2..15).
The baseline is the tutorial's single k-means++ start (``n_init=1``), fitted by the same
sweep in the same run; "auto" keeps the best of ``engine.model.FULL_N_INIT`` starts. For
each, the sweep's fit time (median of 3 warm runs) and its inertia's gap to scikit-learn's
best of 10 starts (``KMeans(k, n_init=10, random_state=0)``), in percent: the largest gap over
k and the gap at k = 5.

The last line printed is::

    starts n=<n> one_start_s=<s> auto_s=<s> ratio=<x> one_start_gap_max_pct=<%>
    auto_gap_max_pct=<%> one_start_gap_k5_pct=<%>
(on one line).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

from sweep import data_path, load_scaled  # noqa: E402

from components.engine import model  # noqa: E402  (needs the project on sys.path)

QUICK_ROWS = 2_000


def _fit_seconds_and_gaps(
    scaled: np.ndarray, latitude: np.ndarray, n_init: int | str, best: dict[int, float]
) -> tuple[float, dict[int, float]]:
    seconds = []
    for _ in range(3):
        started = time.perf_counter()
        fits = model.fit(scaled, latitude, random_state=0, n_init=n_init)  # type: ignore[arg-type]
        seconds.append(time.perf_counter() - started)
    gaps = {k: 100 * (fits.inertia[k - 2] - best[k]) / best[k] for k in fits.k_values}
    return statistics.median(seconds), gaps


def main() -> None:
    """Measure the sweep with one start and with "auto", against the best of 10 starts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", help="the housing CSV")
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke test: a random {QUICK_ROWS:,} rows"
    )
    arguments = parser.parse_args()
    scaled = load_scaled(data_path(arguments.csv), QUICK_ROWS if arguments.quick else None)
    latitude = scaled[:, 0]  # standardised latitude orders clusters as latitude does
    best = {
        k: float(KMeans(k, n_init=10, random_state=0).fit(scaled).inertia_)
        for k in model.feasible_k_values(scaled)
    }
    model.fit(scaled, latitude, random_state=0, n_init=1)  # warm: imports and threads
    one_s, one_gaps = _fit_seconds_and_gaps(scaled, latitude, 1, best)
    auto_s, auto_gaps = _fit_seconds_and_gaps(scaled, latitude, "auto", best)
    print(
        f"starts n={scaled.shape[0]} one_start_s={one_s:.3f} auto_s={auto_s:.3f} "
        f"ratio={auto_s / one_s:.1f} one_start_gap_max_pct={max(one_gaps.values()):.2f} "
        f"auto_gap_max_pct={max(auto_gaps.values()):.2f} "
        f"one_start_gap_k5_pct={one_gaps.get(5, float('nan')):.2f}"
    )


if __name__ == "__main__":
    main()
