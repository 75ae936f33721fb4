"""The k-means|| start of every k at once (Bahmani et al., "Scalable K-Means++", VLDB 2012).

One set of candidate centres serves every k of the sweep:

1. one random row; then ``rounds`` rounds, each sampling every row independently with
   probability ``oversampling * d^2 / cost`` (``d`` its distance to the nearest candidate so
   far, ``cost`` the sum of ``d^2``). Each row's ``d^2`` is kept on the cluster and updated with
   the new candidates only, so a round costs one pass against about ``oversampling`` centres;
2. each candidate weighted by the rows nearest to it (one pass);
3. per k, scikit-learn's k-means++ and Lloyd (10 starts) on the weighted candidates: the start
   that dask-ml's ``KMeans`` refines on all rows.

dask-ml's own k-means|| (``init="k-means||"``) runs steps 1-3 for each k separately, computes
every row's distances to all candidates so far in every round (its cost grows with the square
of the rounds, and a chunk of a million rows holds a million x several hundred distances), and
reclusters the candidates without their weights (step 2). The same sampling, once, with the
weights, is cheaper by about the number of k's and closer to the paper.
"""

from __future__ import annotations

from dataclasses import dataclass

import dask
import dask.array as da
import numpy as np
from dask import delayed
from sklearn.cluster import KMeans

from components.engine.clustering import assign_to_centroids

__all__ = ["CandidateCentres", "kmeans_parallel_candidates", "start_for"]


@dataclass(frozen=True)
class CandidateCentres:
    """The weighted candidate centres of k-means||.

    Attributes
    ----------
    centres : numpy.ndarray
        Shape ``(n_candidates, n_features)``, rows of the data (scaled units).
    weights : numpy.ndarray
        Rows nearest to each candidate (int64); they sum to the number of rows.
    rounds : int
        Sampling rounds run.
    """

    centres: np.ndarray
    weights: np.ndarray
    rounds: int


def _squared_distance_to_nearest(block: np.ndarray, centres: np.ndarray) -> np.ndarray:
    nearest = assign_to_centroids(block, centres)
    deviation = block - centres[nearest]
    return np.einsum("ij,ij->i", deviation, deviation)


def _sample_rows(block: np.ndarray, squared: np.ndarray, threshold: float, seed: int) -> np.ndarray:
    """Rows of one chunk drawn with probability ``min(1, squared * threshold)``."""
    draws = np.random.default_rng(seed).random(squared.shape[0])
    return block[draws < squared * threshold]


def _nearest_counts(block: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return np.bincount(assign_to_centroids(block, centres), minlength=centres.shape[0])


def kmeans_parallel_candidates(
    scaled: da.Array, *, oversampling: float, rounds: int, random_state: int
) -> CandidateCentres:
    """Sample k-means|| candidates from every row and weight them.

    Parameters
    ----------
    scaled : dask.array.Array
        Shape ``(n_rows, n_features)``, the scaled rows (persisted: every round reads them).
    oversampling : float
        Candidates expected per round (the paper's ``l``; use about twice the largest k).
    rounds : int
        Sampling rounds (the paper finds about 5 enough with ``l`` = 2k; dask-ml's default,
        ``log(initial cost)``, is about 15 at a million rows).
    random_state : int
        Seed of the first row and of the draws.

    Returns
    -------
    CandidateCentres
        The candidates (duplicates removed) and their weights.
    """
    rng = np.random.default_rng(random_state)
    n_rows = int(scaled.shape[0])
    (first,) = dask.compute(scaled[int(rng.integers(n_rows))])
    centres = np.asarray(first, dtype=np.float64).reshape(1, -1)
    squared = da.map_blocks(
        _squared_distance_to_nearest, scaled, centres, drop_axis=1, dtype=np.float64
    ).persist()
    blocks = scaled.to_delayed().ravel()
    for _ in range(rounds):
        cost = float(squared.sum().compute())
        if cost <= 0.0:
            break  # every row is a candidate already
        seeds = rng.integers(0, 2**63 - 1, len(blocks))
        picked = [
            delayed(_sample_rows)(block, distances, oversampling / cost, int(seed))
            for block, distances, seed in zip(
                blocks, squared.to_delayed().ravel(), seeds, strict=True
            )
        ]
        new = np.vstack(dask.compute(*picked))
        if new.shape[0] == 0:
            continue
        centres = np.vstack([centres, new])
        squared = da.minimum(
            squared,
            da.map_blocks(_squared_distance_to_nearest, scaled, new, drop_axis=1, dtype=np.float64),
        ).persist()
    centres = np.unique(centres, axis=0)
    counts = [delayed(_nearest_counts)(block, centres) for block in blocks]
    weights = np.sum(dask.compute(*counts), axis=0).astype(np.int64)
    return CandidateCentres(centres=centres, weights=weights, rounds=rounds)


def start_for(candidates: CandidateCentres, k: int, random_state: int) -> np.ndarray:
    """Return the k-means|| start of ``k``: weighted k-means on the candidates (10 starts).

    Parameters
    ----------
    candidates : CandidateCentres
        From :func:`kmeans_parallel_candidates`.
    k : int
        Number of clusters, at most the number of candidates.
    random_state : int
        Seed of scikit-learn's k-means++.

    Returns
    -------
    numpy.ndarray
        Shape ``(k, n_features)``.

    Raises
    ------
    ValueError
        When there are fewer candidates than ``k`` (the message says how many).
    """
    used = candidates.weights > 0
    if int(used.sum()) < k:
        raise ValueError(
            f"k={k} is out of range for {int(used.sum())} distinct candidate centres; expected "
            "k <= the distinct rows of the data (raise the oversampling or the rounds)."
        )
    model = KMeans(n_clusters=k, init="k-means++", n_init=10, random_state=random_state)
    model.fit(candidates.centres[used], sample_weight=candidates.weights[used])
    return np.asarray(model.cluster_centers_, dtype=np.float64)
