"""Caches of the model: features, scaling, the k-sweep and every row's label at k."""

from __future__ import annotations

import streamlit as st

from components.engine import row_labels as row_labels_engine
from components.engine.features import FeatureMatrix, prepare_features
from components.engine.row_labels import FitRows, RowLabels
from components.engine.scaling import ScaledFeatures, scale_features
from components.engine.sweep.run import SweepResult, sweep_k
from components.ui.cache.data import column_values, housing, row_count
from components.ui.keys import DataSource, ModelKey
from components.ui.url_state import K_RANGE, SPLIT_RANDOM_STATE, TEST_SIZE


@st.cache_resource(show_spinner=False, max_entries=16)
def prepared(source: DataSource, features: tuple[str, ...], missing: str) -> FeatureMatrix:
    """The feature matrix (rows with missing values excluded or filled)."""
    return prepare_features(housing(source).frame, features, missing=missing)


@st.cache_resource(show_spinner=False, max_entries=16)
def scaled(key: ModelKey) -> ScaledFeatures:
    """The scaled matrix (split into train and test when asked)."""
    matrix = prepared(key.source, key.features, key.missing)
    return scale_features(
        matrix.values,
        matrix.feature_names,
        key.scaler,
        location_weight=key.location_weight,
        test_size=TEST_SIZE if key.split else None,
        random_state=SPLIT_RANDOM_STATE,
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def fit_rows(key: ModelKey) -> FitRows:
    """Data-frame positions of the rows k-means is fitted on and of the test rows."""
    return row_labels_engine.fit_rows(
        prepared(key.source, key.features, key.missing).row_positions, scaled(key)
    )


@st.cache_resource(show_spinner="Fitting k-means for every k from 2 to 15…", max_entries=16)
def sweep(key: ModelKey) -> SweepResult:
    """k-means for every k in [2, 15] on the (train) rows, ids north to south and stable in k."""
    latitude = column_values(key.source, "latitude")
    low, high = K_RANGE
    return sweep_k(
        scaled(key).train,
        range(low, high + 1),
        random_state=key.random_state,
        n_init=key.n_init,
        order_key=latitude[fit_rows(key).train],
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def row_labels(key: ModelKey, k: int) -> RowLabels:
    """Labels for every data row at k: train rows from the sweep, test rows by nearest centroid."""
    result = sweep(key)
    return row_labels_engine.label_every_row(
        row_count(key.source),
        fit_rows(key),
        result.labels_for(k),
        result.centroids_for(k),
        scaled(key).test,
    )
