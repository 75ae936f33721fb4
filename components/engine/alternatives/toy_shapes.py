"""Toy shapes (two moons, two rings, three blobs) with their true groups.

K-means assumes convex, roughly equal-size, spherical clusters around centroids; the moons
and rings break that assumption, the blobs satisfy it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from sklearn.datasets import make_blobs, make_circles, make_moons

from components.engine.validation import check_float, check_int, check_random_state

ToyKind = Literal["moons", "circles", "blobs"]
TOY_KINDS: tuple[str, ...] = ("moons", "circles", "blobs")
TOY_N_SAMPLES_RANGE = (20, 5000)
TOY_NOISE_RANGE = (0.0, 0.5)
# The blobs' true centres form a near-equilateral triangle 6 units apart; their spread
# grows with the noise slider so k-means' success there can also be eroded on purpose.
BLOB_CENTRES: tuple[tuple[float, float], ...] = ((0.0, 0.0), (6.0, 0.0), (3.0, 5.0))
BLOB_BASE_STD = 0.5
BLOB_STD_PER_NOISE = 2.0
CIRCLES_FACTOR = 0.5


@dataclass(frozen=True)
class ToyData:
    """A two-dimensional toy data set with known groups.

    Attributes
    ----------
    X : numpy.ndarray
        Point coordinates, shape (n_samples, 2), unscaled (plot these).
    y_true : numpy.ndarray
        True group of each point, integers 0..n_clusters-1.
    n_clusters : int
        Number of true groups (2 for moons and circles, 3 for blobs); pass it to
        :func:`components.engine.alternatives.comparison.compare_algorithms`.
    description : str
        One sentence describing the shapes, for a caption.
    """

    X: np.ndarray
    y_true: np.ndarray
    n_clusters: int
    description: str


def make_shapes(kind: ToyKind, n_samples: int, noise: float, random_state: int = 0) -> ToyData:
    """Generate a toy data set on which k-means fails (moons, circles) or works (blobs).

    Parameters
    ----------
    kind : {"moons", "circles", "blobs"}
        ``moons``: two interleaving half circles (``sklearn.datasets.make_moons``).
        ``circles``: a small ring inside a large one (``make_circles``, ``factor=0.5``).
        ``blobs``: three round Gaussian blobs with fixed centres (``make_blobs``).
    n_samples : int
        Number of points, in [20, 5000].
    noise : float
        In [0, 0.5]. For moons and circles the standard deviation of Gaussian noise
        added to each point; for blobs the spread is ``cluster_std = 0.5 + 2 * noise``.
    random_state : int, default=0
        Seed, in [0, 2**32 - 1]; the same seed gives the same points.

    Returns
    -------
    ToyData
        Points, true groups and a caption.
    """
    if kind not in TOY_KINDS:
        raise ValueError(f"kind={kind!r} is not supported; expected one of {list(TOY_KINDS)}.")
    n_samples = check_int(n_samples, "n_samples", *TOY_N_SAMPLES_RANGE)
    noise = check_float(noise, "noise", *TOY_NOISE_RANGE)
    random_state = check_random_state(random_state)

    if kind == "moons":
        X, y_true = make_moons(n_samples=n_samples, noise=noise, random_state=random_state)
        description = (
            f"Two interleaving half circles ({n_samples} points, noise {noise:g}): "
            "each group is curved, so no straight boundary separates them."
        )
    elif kind == "circles":
        X, y_true = make_circles(
            n_samples=n_samples, noise=noise, factor=CIRCLES_FACTOR, random_state=random_state
        )
        description = (
            f"A small ring inside a large one ({n_samples} points, noise {noise:g}): "
            "both rings share the same centre, so centroids cannot tell them apart."
        )
    else:
        cluster_std = BLOB_BASE_STD + BLOB_STD_PER_NOISE * noise
        X, y_true = make_blobs(
            n_samples=n_samples,
            centers=np.asarray(BLOB_CENTRES),
            cluster_std=cluster_std,
            random_state=random_state,
        )
        description = (
            f"Three round blobs of similar size ({n_samples} points, spread {cluster_std:g}): "
            "the case k-means is built for."
        )
    X = np.ascontiguousarray(X, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=np.int64)
    X.flags.writeable = False
    y_true.flags.writeable = False
    # At least 20 points give every group some: the groups are 0 .. max.
    return ToyData(X=X, y_true=y_true, n_clusters=int(y_true.max()) + 1, description=description)
