"""A generated Parquet data set of places around a few dozen centres, for tests and benchmarks."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from components.engine.validation import check_float, check_int

__all__ = ["clustered_places", "write_clustered_places"]


def clustered_places(
    n_rows: int, *, n_centres: int = 36, seed: int = 0, spread_degrees: float = 0.15
) -> pd.DataFrame:
    """Return places scattered around ``n_centres`` centres in California's extent.

    Parameters
    ----------
    n_rows : int
        Places, >= 1.
    n_centres : int
        Centres, in [1, 1000]; each place picks one uniformly.
    seed : int
        Seed of the centres and the places.
    spread_degrees : float
        Standard deviation of a place around its centre, in degrees, in (0, 5].

    Returns
    -------
    pandas.DataFrame
        Columns ``latitude``, ``longitude`` (degrees), ``price`` (the centre's level plus
        noise) and ``centre`` (the index of the centre each place was drawn around).
    """
    rows = check_int(n_rows, "n_rows", 1)
    centres = check_int(n_centres, "n_centres", 1, 1000)
    spread = check_float(spread_degrees, "spread_degrees", 0.0, 5.0, low_open=True)
    rng = np.random.default_rng(seed)
    centre_rng = np.random.default_rng(12345)  # the same centres for every file of a data set
    latitude_of = centre_rng.uniform(33.0, 41.5, centres)
    longitude_of = centre_rng.uniform(-123.5, -114.5, centres)
    price_of = centre_rng.uniform(100.0, 900.0, centres)
    centre = rng.integers(0, centres, rows)
    return pd.DataFrame(
        {
            "latitude": latitude_of[centre] + rng.normal(0.0, spread, rows),
            "longitude": longitude_of[centre] + rng.normal(0.0, spread, rows),
            "price": price_of[centre] + rng.normal(0.0, 40.0, rows),
            "centre": centre.astype(np.int32),
        }
    )


def write_clustered_places(
    folder: str | os.PathLike[str],
    n_rows: int,
    *,
    n_files: int = 4,
    n_centres: int = 36,
    seed: int = 0,
) -> Path:
    """Write :func:`clustered_places` as a folder of Parquet files (one data set).

    Parameters
    ----------
    folder : str or os.PathLike
        Folder to create (parents too); files ``part-00000.parquet``, ... are written in it.
    n_rows : int
        Places in all, >= n_files.
    n_files : int
        Files, in [1, 10,000]; each holds about ``n_rows / n_files`` places.
    n_centres : int
        Centres shared by every file.
    seed : int
        Seed; file ``i`` uses ``seed + i``.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    files = check_int(n_files, "n_files", 1, 10_000)
    rows = check_int(n_rows, "n_rows", files)
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    bounds = np.linspace(0, rows, files + 1).astype(np.int64)
    for index in range(files):
        frame = clustered_places(
            int(bounds[index + 1] - bounds[index]), n_centres=n_centres, seed=seed + index
        )
        frame.to_parquet(target / f"part-{index:05d}.parquet", index=False)
    return target
