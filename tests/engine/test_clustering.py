"""Tests of components.engine.clustering: k-means, stable ids, profiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

from components.engine.clustering import (
    KMeansResult,
    NInit,
    _fit_validated,
    as_order_key,
    assign_to_centroids,
    cluster_profiles,
    order_by_key,
    order_by_means,
    profiles_table,
)

FEATURES = ["latitude", "longitude", "median_house_value"]


@pytest.fixture(scope="module")
def housing_scaled(housing_frame: pd.DataFrame) -> np.ndarray:
    return StandardScaler().fit_transform(housing_frame[FEATURES].to_numpy(dtype=np.float64))


def _same_partition(first: np.ndarray, second: np.ndarray) -> bool:
    """True when the two labelings are equal up to a renaming of ids."""
    pairs = set(zip(first.tolist(), second.tolist(), strict=True))
    return len(pairs) == len(set(first.tolist())) == len(set(second.tolist()))


# --- fitting ----------------------------------------------------------------------------------


def fit_kmeans(
    X: np.ndarray, n_clusters: int, *, n_init: NInit = "auto", order_key: object = None
) -> KMeansResult:
    """One fit as the sweep makes it, ids numbered by descending mean of the order key."""
    return _fit_validated(X, n_clusters, 0, n_init, as_order_key(order_key, X))


def test_fit_kmeans_toy_line_has_hand_computed_inertia_and_order() -> None:
    # Two obvious groups on a line: {0, 1} and {4, 5}; centroids 0.5 and 4.5, inertia 4 * 0.25.
    X = np.array([[0.0], [1.0], [4.0], [5.0]])
    result = fit_kmeans(X, 2, n_init=10)
    assert result.inertia == pytest.approx(1.0)
    # Descending mean of the first column: the group at 4.5 gets id 0.
    np.testing.assert_array_equal(result.labels, [1, 1, 0, 0])
    np.testing.assert_allclose(result.centroids, [[4.5], [0.5]])
    assert result.n_clusters == 2
    assert result.fit_seconds >= 0.0
    assert result.n_iter >= 1


def test_fit_kmeans_orders_ids_by_descending_order_key_mean() -> None:
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 9.0], [5.0, 0.0], [10.0, 5.0]])
    X = np.vstack([rng.normal(centre, 0.3, size=(30, 2)) for centre in centres])
    by_first = fit_kmeans(X, 3, order_key=None)
    first_means = [X[by_first.labels == j, 0].mean() for j in range(3)]
    assert first_means == sorted(first_means, reverse=True)
    by_second = fit_kmeans(X, 3, order_key=1)
    second_means = [X[by_second.labels == j, 1].mean() for j in range(3)]
    assert second_means == sorted(second_means, reverse=True)
    custom = fit_kmeans(X, 3, order_key=-X[:, 0])
    custom_means = [X[custom.labels == j, 0].mean() for j in range(3)]
    assert custom_means == sorted(custom_means)
    # Centroid row i is the centre of cluster id i.
    for j in range(3):
        np.testing.assert_allclose(by_second.centroids[j], X[by_second.labels == j].mean(axis=0))


@pytest.mark.slow
def test_fit_kmeans_matches_plain_kmeans_on_real_data(housing_scaled: np.ndarray) -> None:
    for k in (2, 7, 15):
        ours = fit_kmeans(housing_scaled, k)
        plain = KMeans(n_clusters=k, init="k-means++", n_init="auto", random_state=0).fit(
            housing_scaled
        )
        assert _same_partition(ours.labels, plain.labels_)
        assert ours.inertia == pytest.approx(plain.inertia_, rel=1e-12)
        # Same centres, re-ordered to ids.
        for j in range(k):
            source = plain.labels_[np.flatnonzero(ours.labels == j)[0]]
            np.testing.assert_allclose(ours.centroids[j], plain.cluster_centers_[source])


def test_fit_kmeans_is_invariant_to_duplicating_the_data_set() -> None:
    # Every row twice: same clusters (k-means objective doubles).
    X = np.array([[0.0, 0.0], [0.2, 0.1], [5.0, 5.0], [5.1, 4.9], [9.0, 0.0], [9.2, 0.3]])
    once = fit_kmeans(X, 3, n_init=10)
    twice = fit_kmeans(np.vstack([X, X]), 3, n_init=10)
    np.testing.assert_array_equal(twice.labels[:6], once.labels)
    np.testing.assert_array_equal(twice.labels[6:], once.labels)
    assert twice.inertia == pytest.approx(2 * once.inertia)


def test_order_key_must_name_a_column_or_hold_one_value_per_row() -> None:
    X = np.arange(12.0).reshape(6, 2)
    with pytest.raises(ValueError, match=r"order_key=5 is out of range; expected .*\[0, 1\]"):
        as_order_key(5, X)
    with pytest.raises(ValueError, match=r"order_key has shape \(2,\)"):
        as_order_key(np.ones(2), X)


# --- assign_to_centroids ------------------------------------------------------------------------


def test_assign_to_centroids_equals_kmeans_predict(housing_scaled: np.ndarray) -> None:
    model = KMeans(n_clusters=6, n_init="auto", random_state=1).fit(housing_scaled)
    assigned = assign_to_centroids(housing_scaled, model.cluster_centers_)
    np.testing.assert_array_equal(assigned, model.predict(housing_scaled))


def test_assign_to_centroids_toy_and_validation() -> None:
    centroids = np.array([[0.0, 0.0], [10.0, 0.0]])
    points = np.array([[1.0, 1.0], [9.0, -1.0], [4.9, 0.0]])
    np.testing.assert_array_equal(assign_to_centroids(points, centroids), [0, 1, 0])
    with pytest.raises(ValueError, match="centroids have 1 features but X has 2"):
        assign_to_centroids(points, np.array([[0.0], [1.0]]))


def test_order_by_means_ranks_descending_with_empty_clusters_last() -> None:
    np.testing.assert_array_equal(order_by_means(np.array([1.0, np.nan, 3.0, 1.0])), [1, 3, 0, 2])
    labels = np.array([0, 0, 1, 2, 2, 2])
    key = np.array([5.0, 7.0, 9.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(order_by_key(labels, key, 3), order_by_means(np.array([6, 9, 2])))


# --- cluster_profiles -------------------------------------------------------------------------


@pytest.fixture()
def toy_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "latitude": [34.0, 34.0, 38.0, 38.0, 38.0, 50.0],
            "longitude": [-118.0, -118.0, -122.0, -122.0, -122.0, 0.0],
            "median_income": [2.0, 4.0, 8.0, 8.0, 8.0, 99.0],
            "median_house_value": [100.0, 200.0, 300.0, 400.0, 500.0, 9.0],
        }
    )


def test_cluster_profiles_table_toy_hand_computed(toy_frame: pd.DataFrame) -> None:
    labels = np.array([1, 1, 0, 0, 0, -1])  # the last row was not clustered
    features = ["latitude", "longitude"]
    profile = profiles_table(cluster_profiles(toy_frame, labels, features), features)
    assert list(profile.columns) == [
        "cluster",
        "size",
        "share",
        "latitude",
        "longitude",
        "value_median",
        "value_q1",
        "value_q3",
        "standouts",
        "standout_columns",
        "standout_z",
    ]
    assert profile["cluster"].tolist() == [0, 1]
    assert profile["size"].tolist() == [3, 2]
    assert profile["share"].tolist() == pytest.approx([0.6, 0.4])
    assert profile["latitude"].tolist() == pytest.approx([38.0, 34.0])
    assert profile["longitude"].tolist() == pytest.approx([-122.0, -118.0])
    assert profile["value_median"].tolist() == pytest.approx([400.0, 150.0])
    assert profile["value_q1"].tolist() == pytest.approx([350.0, 125.0])
    assert profile["value_q3"].tolist() == pytest.approx([450.0, 175.0])
    # Overall over the 5 clustered rows: latitude mean 36.4, population std 1.959592;
    # cluster 0 latitude z = (38 - 36.4) / 1.959592 = 0.8165.
    columns = profile.loc[0, "standout_columns"]
    z_values = dict(zip(columns, profile.loc[0, "standout_z"], strict=True))
    assert z_values["latitude"] == pytest.approx(1.6 / np.std([34, 34, 38, 38, 38]))
    assert len(columns) == 3
    assert "latitude +0.8 sd" in profile.loc[0, "standouts"]


def test_cluster_profiles_dataclasses_and_missing_value_column(toy_frame: pd.DataFrame) -> None:
    frame = toy_frame.drop(columns="median_house_value")
    profiles = cluster_profiles(
        frame, np.array([0, 0, 1, 1, 1, 1]), ["median_income"], standout_columns=["latitude"]
    )
    assert [profile.size for profile in profiles] == [2, 4]
    assert profiles[1].centroid == {"median_income": pytest.approx((8 * 3 + 99) / 4)}
    assert np.isnan(profiles[0].value_median)
    assert [name for name, _ in profiles[0].standouts] == ["latitude"]


def test_cluster_profiles_validation(toy_frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"labels has shape \(2,\); expected one id per frame"):
        cluster_profiles(toy_frame, np.array([0, 1]), ["latitude"])
    with pytest.raises(ValueError, match=r"features \['nope'\] are not columns"):
        cluster_profiles(toy_frame, np.zeros(6, dtype=int), ["nope"])


def test_cluster_profiles_match_pandas_with_and_without_gaps() -> None:
    # Every row clustered and every value finite (the path without copies), then a missing
    # value and rows left out: the same means and standout z's as pandas computes.
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.normal(size=300), "b": rng.gamma(2.0, size=300)})
    labels = rng.integers(0, 4, 300)
    gappy = frame.copy()
    gappy.loc[[5, 17], "a"] = np.nan
    gap_labels = labels.copy()
    gap_labels[[9, 40]] = -1
    for data, ids in ((frame, labels), (gappy, gap_labels)):
        kept = data[ids >= 0]
        expected = kept.groupby(ids[ids >= 0]).mean()
        z = (expected - kept.mean()) / kept.std(ddof=0)
        profiles = cluster_profiles(data, ids, ["a", "b"], "b", n_clusters=4)
        for profile in profiles:
            assert profile.size == int((ids == profile.cluster).sum())
            for name in ("a", "b"):
                assert profile.centroid[name] == pytest.approx(expected.loc[profile.cluster, name])
                assert dict(profile.standouts)[name] == pytest.approx(z.loc[profile.cluster, name])
