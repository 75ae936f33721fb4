"""Tests of components.engine.clustering: k-means, stable ids, partition comparison, profiles."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

from components.engine.clustering import (
    adjusted_rand,
    align_to_truth,
    assign_to_centroids,
    cluster_profile,
    cluster_profiles,
    contingency_table,
    fit_kmeans,
    match_labels,
    match_overlap,
    order_by_key,
    order_by_means,
)

FEATURES = ["latitude", "longitude", "median_house_value"]


@pytest.fixture(scope="module")
def housing_scaled(housing_frame: pd.DataFrame) -> np.ndarray:
    return StandardScaler().fit_transform(housing_frame[FEATURES].to_numpy(dtype=np.float64))


def _same_partition(first: np.ndarray, second: np.ndarray) -> bool:
    """True when the two labelings are equal up to a renaming of ids."""
    pairs = set(zip(first.tolist(), second.tolist(), strict=True))
    return len(pairs) == len(set(first.tolist())) == len(set(second.tolist()))


# --- fit_kmeans -------------------------------------------------------------------------------


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
        ours = fit_kmeans(housing_scaled, k, random_state=0)
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


@pytest.mark.parametrize(
    ("n_clusters", "pattern"),
    [
        (1, r"n_clusters=1 is out of range; expected an integer in \[2, 4\]"),
        (5, r"n_clusters=5 is out of range; expected an integer in \[2, 4\]"),
        (2.5, r"n_clusters=2.5 is not an integer; expected an integer in \[2, 4\]"),
        (True, r"n_clusters=True is not an integer"),
    ],
)
def test_fit_kmeans_rejects_bad_n_clusters(n_clusters: object, pattern: str) -> None:
    X = np.arange(10.0).reshape(5, 2)
    with pytest.raises(ValueError, match=pattern):
        fit_kmeans(X, n_clusters)  # type: ignore[arg-type]


def test_fit_kmeans_rejects_fewer_rows_than_clusters() -> None:
    with pytest.raises(ValueError, match=r"n_clusters=4 is out of range; expected .*\[2, 2\]"):
        fit_kmeans(np.array([[0.0], [1.0], [2.0]]), 4)


def test_fit_kmeans_rejects_constant_data() -> None:
    with pytest.raises(ValueError, match=r"n_clusters=2 cannot be used.*1 distinct"):
        fit_kmeans(np.ones((10, 2)), 2)


def test_fit_kmeans_caps_k_at_distinct_rows() -> None:
    X = np.array([[0.0], [0.0], [1.0], [1.0], [2.0], [2.0]])
    with pytest.raises(ValueError, match=r"n_clusters=4 is out of range.*\[2, 3\].*3 distinct"):
        fit_kmeans(X, 4)
    assert fit_kmeans(X, 3).inertia == pytest.approx(0.0)


def test_fit_kmeans_rejects_nan_and_bad_shapes() -> None:
    X = np.arange(12.0).reshape(6, 2)
    X[3, 1] = np.nan
    with pytest.raises(
        ValueError, match=r"NaN or infinite values in 1 row\(s\) \(first at row 3\)"
    ):
        fit_kmeans(X, 2)
    with pytest.raises(ValueError, match="must be 2-D"):
        fit_kmeans(np.arange(6.0), 2)
    with pytest.raises(ValueError, match="n_init=0 is invalid"):
        fit_kmeans(np.arange(12.0).reshape(6, 2), 2, n_init=0)
    with pytest.raises(ValueError, match=r"order_key=5 is out of range; expected .*\[0, 1\]"):
        fit_kmeans(np.arange(12.0).reshape(6, 2), 2, order_key=5)


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


# --- match_labels -----------------------------------------------------------------------------


def test_match_labels_toy_keeps_ids_and_gives_new_cluster_next_id() -> None:
    previous = np.array([0, 0, 0, 1, 1, 1])
    new = np.array([1, 1, 2, 0, 0, 0])
    # new 1 overlaps old 0 most, new 0 is old 1, new 2 is the newcomer -> id 2.
    np.testing.assert_array_equal(match_labels(previous, new, 3), [0, 0, 2, 1, 1, 1])


def test_match_labels_is_invariant_to_renaming_the_new_ids() -> None:
    rng = np.random.default_rng(0)
    previous = rng.integers(0, 4, size=200)
    new = np.where(rng.random(200) < 0.8, previous, rng.integers(0, 5, size=200))
    matched = match_labels(previous, new, 5)
    renamed = np.array([3, 0, 4, 1, 2])[new]
    np.testing.assert_array_equal(match_labels(previous, renamed, 5), matched)
    # Kept clusters keep their id: the diagonal holds the 80 % that did not move.
    for j in range(4):
        assert np.mean(matched[previous == j] == j) > 0.6


def test_match_labels_maximises_total_overlap_by_brute_force() -> None:
    rng = np.random.default_rng(5)
    previous = rng.integers(0, 4, size=300)
    new = rng.integers(0, 5, size=300)
    matched = match_labels(previous, new, 5)
    overlap = np.zeros((4, 5), dtype=int)
    np.add.at(overlap, (previous, new), 1)
    best = max(
        sum(overlap[old, col] for old, col in enumerate(assignment))
        for assignment in itertools.permutations(range(5), 4)
    )
    assert sum(np.sum((previous == j) & (matched == j)) for j in range(4)) == best
    assert set(matched.tolist()) == set(range(5))


def test_match_labels_with_fewer_clusters_compacts_ids() -> None:
    previous = np.array([0, 0, 1, 1, 2, 2])
    new = np.array([0, 0, 1, 1, 1, 1])  # old 1 and old 2 merged
    np.testing.assert_array_equal(match_labels(previous, new, 2), [0, 0, 1, 1, 1, 1])


def test_match_labels_validation() -> None:
    with pytest.raises(ValueError, match="previous_labels has 2 rows but labels has 3"):
        match_labels(np.array([0, 1]), np.array([0, 1, 1]), 2)
    with pytest.raises(ValueError, match=r"labels contains id 3; expected ids in \[0, 1\]"):
        match_labels(np.array([0, 1, 0]), np.array([0, 3, 1]), 2)


@pytest.mark.parametrize(("n_previous", "n_new"), [(3, 5), (4, 4), (5, 3)])
def test_match_overlap_on_the_table_equals_match_labels(n_previous: int, n_new: int) -> None:
    rng = np.random.default_rng(n_previous * 10 + n_new)
    previous = rng.integers(0, n_previous, size=400)
    new = np.where(rng.random(400) < 0.7, previous % n_new, rng.integers(0, n_new, size=400))
    key = rng.normal(size=400)
    means = np.bincount(new, weights=key, minlength=n_new) / np.bincount(new, minlength=n_new)
    table = contingency_table(previous, new, n_previous, n_new)
    np.testing.assert_array_equal(
        match_overlap(table, means)[new], match_labels(previous, new, n_new, order_key=key)
    )


def test_match_overlap_validation() -> None:
    with pytest.raises(ValueError, match=r"overlap has shape \(3,\)"):
        match_overlap(np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="negative or non-finite counts"):
        match_overlap(np.array([[1, -2], [0, 4]]))
    with pytest.raises(ValueError, match=r"unmatched_rank has shape \(3,\); expected \(2,\)"):
        match_overlap(np.array([[1, 2], [0, 4]]), np.zeros(3))


def test_order_by_means_ranks_descending_with_empty_clusters_last() -> None:
    np.testing.assert_array_equal(order_by_means(np.array([1.0, np.nan, 3.0, 1.0])), [1, 3, 0, 2])
    labels = np.array([0, 0, 1, 2, 2, 2])
    key = np.array([5.0, 7.0, 9.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(order_by_key(labels, key, 3), order_by_means(np.array([6, 9, 2])))


# --- cluster_profile --------------------------------------------------------------------------


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


def test_cluster_profile_toy_hand_computed(toy_frame: pd.DataFrame) -> None:
    labels = np.array([1, 1, 0, 0, 0, -1])  # the last row was not clustered
    profile = cluster_profile(toy_frame, labels, ["latitude", "longitude"])
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


def test_cluster_profile_validation(toy_frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"labels has shape \(2,\); expected one id per frame"):
        cluster_profile(toy_frame, np.array([0, 1]), ["latitude"])
    with pytest.raises(ValueError, match=r"features \['nope'\] are not columns"):
        cluster_profile(toy_frame, np.zeros(6, dtype=int), ["nope"])


# --- contingency table and adjusted Rand index -------------------------------------------------


def test_contingency_table_counts_pairs_by_hand() -> None:
    table = contingency_table(np.array([0, 0, 1, 1, 1]), np.array([1, 0, 0, 0, 2]))
    assert table.tolist() == [[1, 1, 0], [2, 0, 1]]


def test_contingency_table_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="same length"):
        contingency_table(np.array([0, 1]), np.array([0, 1, 1]))


def test_adjusted_rand_hand_computed() -> None:
    # Table [[2, 0], [1, 1]]: pairs in cells 1, rows 1 + 1 = 2, cols 3 + 0 = 3, total 6.
    # expected = 2 * 3 / 6 = 1, max = 2.5 -> ARI = (1 - 1) / (2.5 - 1) = 0.
    assert adjusted_rand(np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1])) == pytest.approx(0.0)
    assert adjusted_rand(np.array([0, 0, 1, 1]), np.array([1, 1, 0, 0])) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(5))
def test_adjusted_rand_matches_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 4, 500)
    b = np.where(rng.uniform(size=500) < 0.7, a, rng.integers(0, 6, 500))
    assert adjusted_rand(a, b) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)


def test_adjusted_rand_trivial_partitions_match_scikit_learn() -> None:
    one = np.zeros(6, dtype=int)
    singletons = np.arange(6)
    assert adjusted_rand(one, one) == adjusted_rand_score(one, one) == 1.0
    assert adjusted_rand(singletons, singletons) == adjusted_rand_score(singletons, singletons)
    assert adjusted_rand(one, singletons) == pytest.approx(adjusted_rand_score(one, singletons))


# --- align_to_truth ---------------------------------------------------------------------------


def test_align_to_truth_hand_example() -> None:
    labels = np.array([1, 1, 0, 0, -1, 2, 2, 2])
    truth = np.array([0, 0, 1, 1, 1, 1, 1, 1])
    # cluster 2 overlaps group 1 most (3 points), cluster 1 overlaps group 0;
    # cluster 0 is left over and gets the next free id 2
    np.testing.assert_array_equal(align_to_truth(labels, truth), [0, 0, 2, 2, -1, 1, 1, 1])
    np.testing.assert_array_equal(align_to_truth(np.full(3, -1), np.zeros(3)), [-1, -1, -1])


def test_align_to_truth_breaks_ties_as_before() -> None:
    # Clusters 0 and 2 each hold one point of group 2 (group 1 only has a noise point), so
    # {0 -> 2, 2 -> 1} and {0 -> 1, 2 -> 2} overlap equally. With the clusters on the rows of the
    # table, the layout align_to_truth has always used, cluster 0 takes group 2.
    np.testing.assert_array_equal(
        align_to_truth(np.array([2, -1, 0]), np.array([2, 1, 2])), [1, -1, 2]
    )
