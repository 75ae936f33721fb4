"""Benchmark: contiguous regions (Ward on a neighbour graph) against k-means, on the housing data.

Usage (from the project root)::

    python benchmarks/regions.py [path/to/housing.csv]
    python benchmarks/regions.py --quick              # a smoke test: 2,000 rows
    python benchmarks/regions.py --rows 200000        # the housing rows resampled to 200,000
    python benchmarks/regions.py --rows 100000 --max-rows 100000   # Ward on every row

Data path: as ``benchmarks/sweep.py`` (the argument, ``$GEOCLUSTER_DATA``,
``../shared/data/housing.csv``, the shipped ``data/housing.csv.gz``). Features: the app's
defaults (latitude, longitude, median_house_value), standardised (scikit-learn's
``StandardScaler``); k = the app's default, 5. ``--quick`` keeps a random 2,000 rows (seed 0).
``--rows N`` draws N rows with replacement (seed 0) and jitters them with normal noise: a
row's latitude and longitude by half its distance (in degrees) to its 8th nearest row, so the
copies fill the gaps between neighbouring rows instead of clumping into islands of their own,
and the other features by 5% of their standard deviation.

- baseline: ``KMeans(n_clusters=5, n_init=1, random_state=0).fit`` on the scaled features.
- regions: ``components.engine.classification.regions.fit_regions`` on the same scaled
  features with the defaults (8 neighbours, location weight 1; above ``--max-rows``, default
  ``MAX_REGION_ROWS``, Ward is fitted on a sample, the other rows take their nearest
  sampled place's region, and pieces of a region cut off from it in the graph of every row
  join a neighbouring region; the time includes that graph and those rounds).

Both are timed as the median of 3 runs (one run with ``--rows``). Both clusterings are then
checked on the same neighbour graph (8 nearest neighbours, every row): ``*_fragmented``
counts the clusters whose places are not all joined within the cluster, and ``wcss_ratio``
is the regions' within-cluster sum of squares over k-means' on the scaled features (the
price of contiguity). With ``--rows``, the fit's peak resident memory is printed too (Linux
``VmHWM``, reset through ``/proc/self/clear_refs`` before the fit).

The last line printed is::

    regions n=<n> seconds=<s> kmeans_fragmented=<int> regions_fragmented=<int> wcss_ratio=<x>
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

from sweep import _reset_peak, _status_kib, data_path, machine_description  # noqa: E402

from components.engine.classification.regions import (  # noqa: E402
    MAX_REGION_ROWS,
    fit_regions,
    fragmented_clusters,
    neighbour_graph,
    within_cluster_sum_of_squares,
)
from components.engine.features import DEFAULT_FEATURES  # noqa: E402
from components.ui.url_state import DEFAULT_K  # noqa: E402

QUICK_ROWS = 2_000
LOCATION_JITTER = 0.5  # of the distance to the 8th nearest row
OTHER_JITTER = 0.05  # of each other feature's standard deviation

Result = TypeVar("Result")


def load_features(path: Path, rows: int | None, resample: bool) -> np.ndarray:
    """The default features of the CSV: all rows, a random ``rows``, or ``rows`` resampled."""
    frame = pd.read_csv(path)
    values = frame[list(DEFAULT_FEATURES)].to_numpy(dtype=np.float64)
    if rows is None:
        return values
    rng = np.random.default_rng(0)
    if not resample:
        return values[np.sort(rng.choice(len(values), size=rows, replace=False))]
    drawn = rng.integers(0, len(values), size=rows)
    location = [DEFAULT_FEATURES.index("latitude"), DEFAULT_FEATURES.index("longitude")]
    spacing = NearestNeighbors(n_neighbors=8).fit(values[:, location]).kneighbors()[0][:, -1]
    spread = np.tile(OTHER_JITTER * values.std(axis=0), (rows, 1))
    spread[:, location] = LOCATION_JITTER * spacing[drawn, None]
    return values[drawn] + rng.normal(size=spread.shape) * spread


def timed(run: Callable[[], Result], repeats: int) -> tuple[float, Result]:
    """Median wall time of ``repeats`` runs, and the last run's result."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def main() -> None:
    """Fit k-means and the regions, compare them on one graph, print the summary line last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", help="path to housing.csv")
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke test: a random {QUICK_ROWS:,} rows"
    )
    parser.add_argument("--rows", type=int, help="resample the rows (with jitter) to this many")
    parser.add_argument(
        "--max-rows",
        type=int,
        default=MAX_REGION_ROWS,
        help=f"most rows Ward is fitted on (default {MAX_REGION_ROWS:,})",
    )
    arguments = parser.parse_args()
    path = data_path(arguments.data)
    rows = QUICK_ROWS if arguments.quick else arguments.rows
    values = load_features(path, rows, resample=arguments.rows is not None)
    scaled = StandardScaler().fit_transform(values)
    latitude = values[:, DEFAULT_FEATURES.index("latitude")]
    longitude = values[:, DEFAULT_FEATURES.index("longitude")]
    n_rows = len(values)
    repeats = 1 if arguments.rows is not None else 3
    print(f"machine: {machine_description()}")
    print(
        f"data: {path} n={n_rows} features={','.join(DEFAULT_FEATURES)} (standardised) "
        f"k={DEFAULT_K}" + (" (resampled with jitter)" if arguments.rows is not None else "")
    )

    kmeans_seconds, kmeans = timed(
        lambda: KMeans(n_clusters=DEFAULT_K, n_init=1, random_state=0).fit(scaled), repeats
    )
    print(f"kmeans: KMeans(n_init=1, random_state=0).fit {kmeans_seconds:.3f} s")

    rss_before = _status_kib("VmRSS")
    peak_known = _reset_peak() and _status_kib("VmHWM") is not None
    regions_seconds, regions = timed(
        lambda: fit_regions(scaled, latitude, longitude, [DEFAULT_K], max_rows=arguments.max_rows)[
            DEFAULT_K
        ],
        repeats,
    )
    peak = _status_kib("VmHWM")
    print(
        f"regions: fit_regions {regions_seconds:.3f} s ({regions_seconds / kmeans_seconds:.0f}x "
        f"k-means); Ward fitted on {regions.sampled_rows} of {regions.n_rows} rows, "
        f"{regions.n_neighbors} neighbours, the graph in {regions.n_components} group(s)"
    )
    if arguments.rows is not None:
        if peak_known and peak is not None and rss_before is not None:
            print(
                f"memory: peak RSS {peak / 1024:.0f} MB during the fit, "
                f"{(peak - rss_before) / 1024:.0f} MB above the RSS before it"
            )
        else:
            print("memory: peak RSS unavailable (needs Linux /proc/self/clear_refs)")

    start = time.perf_counter()
    graph = neighbour_graph(latitude, longitude, regions.n_neighbors)
    graph_seconds = time.perf_counter() - start
    kmeans_fragmented = fragmented_clusters(kmeans.labels_, graph)
    regions_fragmented = fragmented_clusters(regions.labels, graph)
    kmeans_wcss = within_cluster_sum_of_squares(scaled, kmeans.labels_)
    regions_wcss = within_cluster_sum_of_squares(scaled, regions.labels)
    print(
        f"graph: {regions.n_neighbors} nearest neighbours of {n_rows} rows in "
        f"{graph_seconds:.2f} s; fragmented clusters: k-means {kmeans_fragmented} of "
        f"{DEFAULT_K}, regions {regions_fragmented}; "
        f"WCSS k-means {kmeans_wcss:.1f}, regions {regions_wcss:.1f}"
    )
    print(
        f"sizes: k-means {np.bincount(kmeans.labels_).tolist()}, "
        f"regions {np.bincount(regions.labels).tolist()}"
    )
    print(
        f"regions n={n_rows} seconds={regions_seconds:.2f} kmeans_fragmented={kmeans_fragmented} "
        f"regions_fragmented={regions_fragmented} wcss_ratio={regions_wcss / kmeans_wcss:.3f}"
    )


if __name__ == "__main__":
    main()
