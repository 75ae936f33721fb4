"""Caches of the model: features, scaling, the k-sweep and every row's label at k."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from components.engine.clustering import (
    assign_to_centroids,
)
from components.engine.features import FeatureMatrix, prepare_features
from components.engine.scaling import ScaledFeatures, scale_features
from components.engine.sweep import SweepResult, sweep_k
from components.ui.cache.data import column_values, housing
from components.ui.keys import DataSource, ModelKey
from components.ui.url_state import K_RANGE, SPLIT_RANDOM_STATE, TEST_SIZE


@st.cache_resource(show_spinner=False, max_entries=16)
def prepared(source: DataSource, features: tuple[str, ...], missing: str) -> FeatureMatrix:
    """The feature matrix (rows with missing values excluded or filled).

    Parameters
    ----------
    source : DataSource
        The data.
    features : tuple of str
        Chosen features.
    missing : str
        "exclude" or "median".

    Returns
    -------
    FeatureMatrix
        Values, the rows used and the account of missing values.
    """
    return prepare_features(housing(source).frame, features, missing=missing)


@st.cache_resource(show_spinner=False, max_entries=16)
def scaled(key: ModelKey) -> ScaledFeatures:
    """The scaled matrix (split into train and test when asked).

    Parameters
    ----------
    key : ModelKey
        The model.

    Returns
    -------
    ScaledFeatures
        Scaled rows; row numbers index ``prepared(...).values``.
    """
    matrix = prepared(key.source, key.features, key.missing)
    return scale_features(
        matrix.values,
        matrix.feature_names,
        key.scaler,
        location_weight=key.location_weight,
        test_size=TEST_SIZE if key.split else None,
        random_state=SPLIT_RANDOM_STATE,
    )


def frame_rows_of_train(key: ModelKey) -> np.ndarray:
    matrix = prepared(key.source, key.features, key.missing)
    return matrix.row_positions[scaled(key).train_rows]


@st.cache_resource(show_spinner="Fitting k-means for every k from 2 to 15…", max_entries=16)
def sweep(key: ModelKey) -> SweepResult:
    """k-means for every k in [2, 15] on the (train) rows, with the quality metrics.

    Cluster ids are numbered north to south at k = 2 and then kept stable as k grows.

    Parameters
    ----------
    key : ModelKey
        The model.

    Returns
    -------
    SweepResult
        Labels and centroids of every k, inertia, silhouette, CH, DB, suggestion.
    """
    latitude = column_values(key.source, "latitude")
    low, high = K_RANGE
    return sweep_k(
        scaled(key).train,
        range(low, high + 1),
        random_state=key.random_state,
        n_init=key.n_init,
        order_key=latitude[frame_rows_of_train(key)],
    )


@dataclass(frozen=True)
class RowLabels:
    """Cluster id of every row of the data (-1: not clustered) and which rows are test rows."""

    labels: np.ndarray
    is_test: np.ndarray | None


@st.cache_resource(show_spinner=False, max_entries=64)
def row_labels(key: ModelKey, k: int) -> RowLabels:
    """Labels for every data row at k: train rows from the sweep, test rows by nearest centroid.

    Parameters
    ----------
    key : ModelKey
        The model.
    k : int
        Number of clusters.

    Returns
    -------
    RowLabels
        Labels aligned with the data frame's rows.
    """
    result = sweep(key)
    scaled_rows = scaled(key)
    matrix = prepared(key.source, key.features, key.missing)
    n_rows = len(column_values(key.source, "latitude"))
    labels = np.full(n_rows, -1, dtype=np.int64)
    labels[matrix.row_positions[scaled_rows.train_rows]] = result.labels_for(k)
    is_test = None
    if scaled_rows.test is not None and scaled_rows.test_rows is not None:
        test_positions = matrix.row_positions[scaled_rows.test_rows]
        labels[test_positions] = assign_to_centroids(scaled_rows.test, result.centroids_for(k))
        is_test = np.zeros(n_rows, dtype=bool)
        is_test[test_positions] = True
        is_test.setflags(write=False)
    labels.setflags(write=False)
    return RowLabels(labels=labels, is_test=is_test)
