"""Tests of components.engine.scaling, including the tutorial's normalize and split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import preprocessing
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.model_selection import train_test_split

from components.engine.scaling import SCALERS, scale_features


def test_standard_is_z_score_by_hand() -> None:
    values = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 40.0]])
    scaled = scale_features(values, ["a", "b"], "standard")
    std_a = np.sqrt(((1 - 3) ** 2 + 0 + (5 - 3) ** 2) / 3)
    np.testing.assert_allclose(scaled.train[:, 0], [-2 / std_a, 0, 2 / std_a])
    assert scaled.test is None and scaled.warning is None
    np.testing.assert_array_equal(scaled.train_rows, [0, 1, 2])


def test_minmax_and_robust_by_hand() -> None:
    values = np.array([[0.0], [5.0], [10.0], [100.0]])
    minmax = scale_features(values, ["a"], "minmax").train[:, 0]
    np.testing.assert_allclose(minmax, [0, 0.05, 0.1, 1])
    # median 7.5, IQR = 32.5 - 3.75 = 28.75
    robust = scale_features(values, ["a"], "robust").train[:, 0]
    np.testing.assert_allclose(robust, (values[:, 0] - 7.5) / 28.75)


def test_normalize_scales_each_row_to_unit_length_not_features() -> None:
    values = np.array([[3.0, 4.0], [30.0, 40.0], [1.0, 0.0]])
    scaled = scale_features(values, ["latitude", "longitude"], "normalize")
    np.testing.assert_allclose(np.linalg.norm(scaled.train, axis=1), 1.0)
    # Rows 0 and 1 differ tenfold yet become the same point: only direction is kept.
    np.testing.assert_allclose(scaled.train[0], scaled.train[1])
    assert "ROW" in (scaled.warning or "")


def test_geographic_keeps_map_shape_and_weights_location() -> None:
    rng = np.random.default_rng(0)
    latitude = rng.uniform(33, 41, 200)
    longitude = rng.uniform(-124, -115, 200)
    price = rng.uniform(1e5, 5e5, 200)
    values = np.column_stack([latitude, longitude, price])
    names = ["latitude", "longitude", "median_house_value"]
    scaled = scale_features(values, names, "geographic").train
    # One common factor: the ratio of north-south to east-west distance is the km ratio.
    cos_lat = np.cos(np.radians(latitude.mean()))
    i, j = 0, 1
    km_ratio = abs(latitude[i] - latitude[j]) / abs((longitude[i] - longitude[j]) * cos_lat)
    assert abs(scaled[i, 0] - scaled[j, 0]) / abs(scaled[i, 1] - scaled[j, 1]) == pytest.approx(
        km_ratio
    )
    assert (scaled[:, :2].var(axis=0).sum()) == pytest.approx(2.0)  # like two z-scores
    np.testing.assert_allclose(scaled[:, 2], (price - price.mean()) / price.std())
    doubled = scale_features(values, names, "geographic", location_weight=2.0).train
    np.testing.assert_allclose(doubled[:, :2], 2 * scaled[:, :2])
    np.testing.assert_allclose(doubled[:, 2], scaled[:, 2])


def test_split_fits_on_train_only() -> None:
    values = np.arange(30, dtype=float).reshape(-1, 1)
    scaled = scale_features(values, ["a"], "standard", test_size=0.33, random_state=0)
    assert scaled.test is not None and scaled.test_rows is not None
    assert len(scaled.train_rows) + len(scaled.test_rows) == 30
    train = values[scaled.train_rows, 0]
    np.testing.assert_allclose(scaled.train[:, 0].mean(), 0, atol=1e-12)
    expected_test = (values[scaled.test_rows, 0] - train.mean()) / train.std()
    np.testing.assert_allclose(scaled.test[:, 0], expected_test)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"scaler": "zscore"}, "scaler='zscore'"),
        ({"location_weight": 11.0}, r"location_weight=11.0 is out of range \[0.0, 10.0\]"),
        ({"test_size": 1.5}, r"test_size=1.5 is out of range"),
        ({"scaler": "geographic"}, "needs both latitude and longitude"),
    ],
)
def test_bad_arguments_name_the_value_and_range(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        scale_features(np.ones((4, 2)), ["a", "b"], **kwargs)


def test_rejects_nan_and_shape_mismatch() -> None:
    with pytest.raises(ValueError, match="NaN"):
        scale_features(np.array([[np.nan, 1.0]]), ["a", "b"])
    with pytest.raises(ValueError, match="shape"):
        scale_features(np.ones((3, 3)), ["a", "b"])


def test_every_scaler_runs_on_real_data(housing_frame: pd.DataFrame) -> None:
    names = ["latitude", "longitude", "median_house_value"]
    values = housing_frame[names].to_numpy(dtype=float)
    for scaler in SCALERS:
        scaled = scale_features(values, names, scaler)
        assert scaled.train.shape == values.shape
        assert np.all(np.isfinite(scaled.train))


@pytest.mark.slow
def test_tutorial_reproduction(housing_frame: pd.DataFrame) -> None:
    """Row-L2 normalize on the tutorial's training split gives sklearn's own numbers."""
    # The tutorial's way, verbatim in spirit.
    X_train, _, _, _ = train_test_split(
        housing_frame[["latitude", "longitude"]],
        housing_frame[["median_house_value"]],
        test_size=0.33,
        random_state=0,
    )
    X_train_norm = preprocessing.normalize(X_train)
    reference = KMeans(n_clusters=3, random_state=0, n_init="auto").fit(X_train_norm)
    reference_silhouette = silhouette_score(X_train_norm, reference.labels_, metric="euclidean")
    # Ours.
    values = housing_frame[["latitude", "longitude"]].to_numpy(dtype=float)
    ours = scale_features(values, ["latitude", "longitude"], "normalize", test_size=0.33)
    np.testing.assert_array_equal(ours.train, X_train_norm)
    np.testing.assert_array_equal(ours.train_rows, X_train.index.to_numpy())
    model = KMeans(n_clusters=3, random_state=0, n_init="auto").fit(ours.train)
    assert model.inertia_ == reference.inertia_
    assert silhouette_score(ours.train, model.labels_) == reference_silhouette
