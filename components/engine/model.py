"""The model's steps for any data: the checked feature matrix, the feasible k's, the fits.

Pure numpy / pandas / scikit-learn; :mod:`components.ui.cache.model` caches each step per
data source and settings.
"""

from __future__ import annotations

import numpy as np

from components.engine.clusterable import check_clusterable
from components.engine.clustering import NInit, n_distinct_rows
from components.engine.dataset import Dataset
from components.engine.features import FeatureMatrix, prepare_features
from components.engine.sweep.run import SweepFits, fit_sweep

K_RANGE: tuple[int, int] = (2, 15)
# Above this many rows k-means is fitted on a fixed-seed sample and every row then gets
# its nearest centre (BENCHMARKS.md, "Scale").
FIT_SAMPLE_ROWS = 100_000
# Starts "auto" keeps the best of: one k-means++ start can stop in a poor local optimum, and
# the sweep stays fast with ten on the full data, three on the sample (BENCHMARKS.md,
# "Several starts").
FULL_N_INIT = 10
SAMPLE_N_INIT = 3


def prepare(data: Dataset, features: tuple[str, ...], missing: str) -> FeatureMatrix:
    """The feature matrix of the chosen columns, checked for k-means.

    Parameters
    ----------
    data : Dataset
        The data.
    features : tuple of str
        Numeric columns of the data.
    missing : {"exclude", "median"}
        What happens to rows with an empty feature.

    Returns
    -------
    FeatureMatrix
        Raises ``PlacesError`` saying what to change when the features cannot be clustered
        (none chosen, not numeric, constant, too few rows).
    """
    check_clusterable(data.places, features, K_RANGE[0], missing=missing, label_of=data.label)
    return prepare_features(data.places.frame, features, missing=missing)


def feasible_k_values(train: np.ndarray) -> range:
    """The k's of a sweep: 2 to 15, fewer for data with few rows or few distinct rows.

    Parameters
    ----------
    train : np.ndarray
        The scaled rows k-means is fitted on.

    Returns
    -------
    range
        From 2 to ``min(15, rows - 1, distinct rows)``; raises ``ValueError`` naming what
        to change when not even 2 clusters can be formed.
    """
    low, high = K_RANGE
    n_rows = train.shape[0]
    n_distinct = n_distinct_rows(train, at_most=high)
    k_max = min(high, n_rows - 1, n_distinct)
    if k_max < low:
        raise ValueError(
            f"After scaling, the {n_rows:,} rows are only {n_distinct} distinct point(s), so "
            "they cannot be split into 2 clusters. Choose another scaler or other features."
        )
    return range(low, k_max + 1)


def auto_n_init(sampled: bool) -> int:
    """The starts "auto" means: :data:`SAMPLE_N_INIT` on a sampled fit, else :data:`FULL_N_INIT`."""
    return SAMPLE_N_INIT if sampled else FULL_N_INIT


def fit(train: np.ndarray, order_key: np.ndarray, *, random_state: int, n_init: NInit) -> SweepFits:
    """k-means for every feasible k, ids north to south at the smallest k and stable after.

    Parameters
    ----------
    train : np.ndarray
        The scaled rows.
    order_key : np.ndarray
        Latitude of each row (numbers the clusters north to south).
    random_state : int
        Seed.
    n_init : "auto" or int
        Starts per k, the best kept; "auto" means :data:`FULL_N_INIT`, or
        :data:`SAMPLE_N_INIT` on a sampled fit.

    Returns
    -------
    SweepFits
        Fitted on a fixed sample of :data:`FIT_SAMPLE_ROWS` rows above that size, every
        row labelled.
    """
    return fit_sweep(
        train,
        feasible_k_values(train),
        random_state=random_state,
        n_init=auto_n_init(train.shape[0] > FIT_SAMPLE_ROWS) if n_init == "auto" else n_init,
        order_key=order_key,
        max_fit_rows=FIT_SAMPLE_ROWS,
    )
