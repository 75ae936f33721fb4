"""A small distributed-sweep result, computed with scikit-learn on one machine and written
with the app's own writer, for the AppTests of a result opened as a data source.

The fits are real (scikit-learn's KMeans on 3,000 places around 36 centres), so the metrics,
the suggestion, the cluster sizes and the map cells agree with each other as the command's do.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from components.engine.distributed.synthetic import clustered_places
from components.engine.distributed_result import (
    DistributedSweepResult,
    cell_ids,
    cells_frame,
    write_distributed_result,
)

FEATURES = ("latitude", "longitude", "price")
K_VALUES = (2, 3, 4, 5)
N_ROWS = 3_000
CELL_DEGREES = 0.5
N_SILHOUETTE_SAMPLES = 3
SILHOUETTE_SAMPLE_SIZE = 500


def _majority_cells(cells: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """Per cell: its places, its majority cluster (lowest id on a tie) and that cluster's places."""
    counts = pd.crosstab(cells, labels)
    return pd.DataFrame(
        {
            "cell": counts.index.to_numpy(dtype=np.int64),
            "count": counts.sum(axis=1).to_numpy(dtype=np.int64),
            "cluster": counts.to_numpy().argmax(axis=1),
            "cluster_count": counts.to_numpy().max(axis=1),
        }
    )


def toy_result(source: str = "toy/places-*.parquet") -> DistributedSweepResult:
    """The k = 2..5 sweep of 3,000 synthetic places, as the distributed command writes it.

    Parameters
    ----------
    source : str
        What the result says it read.

    Returns
    -------
    DistributedSweepResult
        Real fits and metrics; cells on a 0.5 degree grid.
    """
    frame = clustered_places(N_ROWS, seed=4)
    values = frame[list(FEATURES)].to_numpy(dtype=np.float64)
    centre, scale = values.mean(axis=0), values.std(axis=0)
    scaled = (values - centre) / scale
    cells = cell_ids(frame["latitude"].to_numpy(), frame["longitude"].to_numpy(), CELL_DEGREES)
    rng = np.random.default_rng(0)
    samples = [
        rng.choice(N_ROWS, SILHOUETTE_SAMPLE_SIZE, replace=False)
        for _ in range(N_SILHOUETTE_SAMPLES)
    ]
    per_k: dict[str, list] = {name: [] for name in ("fit", "labels", "cells", "silhouettes")}
    for k in K_VALUES:
        fit = KMeans(n_clusters=k, n_init=1, random_state=0).fit(scaled)
        per_k["fit"].append(fit)
        per_k["labels"].append(fit.labels_)
        per_k["cells"].append(_majority_cells(cells, fit.labels_).assign(k=k))
        per_k["silhouettes"].append(
            [silhouette_score(scaled[rows], fit.labels_[rows]) for rows in samples]
        )
    table = pd.concat(per_k["cells"], ignore_index=True)
    silhouettes = np.asarray(per_k["silhouettes"]).T  # (samples, k's)
    return DistributedSweepResult(
        source=source,
        features=FEATURES,
        scaler="standard",
        location_weight=1.0,
        latitude_column="latitude",
        longitude_column="longitude",
        n_rows=N_ROWS,
        n_rows_dropped=0,
        k_values=K_VALUES,
        centroids=tuple(fit.cluster_centers_ for fit in per_k["fit"]),
        centroids_original=tuple(
            np.vstack([values[labels == i].mean(axis=0) for i in range(k)])
            for k, labels in zip(K_VALUES, per_k["labels"], strict=True)
        ),
        cluster_sizes=tuple(
            np.bincount(labels, minlength=k)
            for k, labels in zip(K_VALUES, per_k["labels"], strict=True)
        ),
        initial_centroids=tuple(fit.cluster_centers_ for fit in per_k["fit"]),
        inertia=np.array([fit.inertia_ for fit in per_k["fit"]]),
        silhouette=silhouettes.mean(axis=0),
        silhouette_spread=silhouettes.std(axis=0, ddof=1),
        silhouette_samples=silhouettes,
        silhouette_sample_size=SILHOUETTE_SAMPLE_SIZE,
        calinski_harabasz=np.array(
            [calinski_harabasz_score(scaled, labels) for labels in per_k["labels"]]
        ),
        davies_bouldin=np.array(
            [davies_bouldin_score(scaled, labels) for labels in per_k["labels"]]
        ),
        n_iter=np.array([fit.n_iter_ for fit in per_k["fit"]]),
        fit_seconds=np.full(len(K_VALUES), 0.1),
        cell_degrees=CELL_DEGREES,
        cells=cells_frame(
            table["k"].to_numpy(),
            table["cell"].to_numpy(),
            table["count"].to_numpy(),
            table["cluster"].to_numpy(),
            table["cluster_count"].to_numpy(),
            CELL_DEGREES,
        ),
        scaler_parameters={"center": centre.tolist(), "scale": scale.tolist()},
        random_state=0,
        engine="scikit-learn KMeans (test)",
        scheduler="LocalCluster (2 threads)",
        n_workers=2,
        total_seconds=3.0,
    )


def write_toy_result(folder: Path, source: str = "toy/places-*.parquet") -> Path:
    """Write :func:`toy_result` to ``folder`` with the app's writer and return the folder."""
    return write_distributed_result(toy_result(source), folder)


def write_toy_source(folder: Path) -> Path:
    """Write the places :func:`toy_result` clustered as a folder of 3 Parquet files.

    Row groups of 250 rows: a sample of the folder reads some of its 12 groups.
    """
    folder.mkdir(parents=True)
    frame = clustered_places(N_ROWS, seed=4)
    for index, part in enumerate(np.array_split(np.arange(N_ROWS), 3)):
        frame.iloc[part].to_parquet(
            folder / f"part-{index}.parquet", index=False, row_group_size=250
        )
    return folder
