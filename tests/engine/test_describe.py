"""Tests for components.engine.describe: descriptions, price separation, train/test check."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.preprocessing import StandardScaler

from components.engine.clustering import assign_to_centroids, cluster_profiles, profiles_table
from components.engine.describe import (
    KM_PER_DEGREE,
    compass_direction,
    describe_clusters,
    descriptions_table,
    price_separation,
    relative_phrase,
    train_test_price_check,
)
from components.engine.scaling import scale_features
from components.engine.sweep.run import fit_sweep

# --------------------------------------------------------------------------- wording


@pytest.mark.parametrize(
    ("north", "east", "expected"),
    [
        (100.0, 0.0, "north"),
        (0.0, -100.0, "west"),
        (70.0, 70.0, "north-east"),
        (-70.0, -70.0, "south-west"),
        (-100.0, 10.0, "south"),
        (40.0, -120.0, "west"),  # 18.4 degrees off west (< 22.5): still west
        (60.0, -90.0, "north-west"),
        (3.0, 3.0, "central"),
    ],
)
def test_compass_direction(north: float, east: float, expected: str) -> None:
    assert compass_direction(north, east, dead_zone_km=10.0) == expected


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [(1.35, "35% above"), (0.8, "20% below"), (1.02, "about the same as"), (2.4, "140% above")],
)
def test_relative_phrase(ratio: float, expected: str) -> None:
    assert relative_phrase(ratio) == expected


def test_relative_phrase_of_nan() -> None:
    assert relative_phrase(float("nan")) == "not comparable to"


# --------------------------------------------------------------------------- describe_clusters


def _toy_frame() -> tuple[pd.DataFrame, np.ndarray]:
    # Cluster 0 at 40N, cluster 1 at 30N, cluster 2 at 35N; all on 120W. Median latitude 35.
    frame = pd.DataFrame(
        {
            "latitude": [40.0, 40.0, 30.0, 30.0, 35.0, 35.0],
            "longitude": [-120.0, -120.0, -120.0, -120.0, -119.0, -121.0],
            "median_house_value": [
                300_000.0,
                400_000.0,
                100_000.0,
                100_000.0,
                200_000.0,
                200_000.0,
            ],
            "median_income": [6.0, 8.0, 2.0, 2.0, 4.0, 4.0],
            "ocean_proximity": ["NEAR BAY", "NEAR BAY", "INLAND", "<1H OCEAN", "INLAND", "INLAND"],
        }
    )
    return frame, np.array([0, 0, 1, 1, 2, 2])


def test_describe_toy_clusters_by_hand() -> None:
    frame, labels = _toy_frame()
    result = describe_clusters(frame, labels, ["latitude", "longitude", "median_house_value"])
    assert [d.cluster for d in result] == [0, 1, 2]
    north, south, middle = result
    assert north.direction == "north" and south.direction == "south"
    assert middle.direction == "central"
    assert north.distance_km == pytest.approx(5 * KM_PER_DEGREE)
    assert north.spread_north_south_km == pytest.approx(0.0)
    # Cluster 2 spans 119W..121W: std 1 degree of longitude at 35N.
    expected_ew = KM_PER_DEGREE * math.cos(math.radians(35.0))
    assert middle.spread_east_west_km == pytest.approx(expected_ew)
    # Overall median value 200,000; cluster 0 median 350,000 -> ratio 1.75.
    assert north.value_median == 350_000.0
    assert north.value_ratio == pytest.approx(1.75)
    assert south.income_ratio == pytest.approx(0.5)
    assert south.category_shares == {"INLAND": 0.5, "<1H OCEAN": 0.5}
    assert north.top_category == "NEAR BAY"
    assert north.size == 2 and north.share == pytest.approx(1 / 3)
    assert north.centroid["median_house_value"] == 350_000.0
    assert "lies north of the centre" in north.summary
    assert "75% above the overall median ($200,000)" in north.summary
    assert "$70,000" in north.summary  # income 7.0 = 70,000 USD
    assert "near the bay (100%)" in north.summary
    assert "50% below" in south.summary
    assert "around the centre" in middle.summary


def test_descriptions_table_has_one_row_per_cluster() -> None:
    frame, labels = _toy_frame()
    table = descriptions_table(describe_clusters(frame, labels, ["median_house_value"]))
    assert list(table["cluster"]) == [0, 1, 2]
    assert list(table["direction"]) == ["north", "south", "central"]
    assert table.loc[0, "value_ratio"] == pytest.approx(1.75)
    assert table.loc[0, "top_category"] == "NEAR BAY"
    assert table.loc[0, "top_category_share"] == 1.0
    assert table.loc[1, "summary"].startswith("Cluster 1 (2 places")


def test_standouts_leave_coordinates_out_and_name_the_feature() -> None:
    frame, labels = _toy_frame()
    frame["population"] = [100.0, 100.0, 100.0, 100.0, 5000.0, 5000.0]
    result = describe_clusters(frame, labels, ["latitude", "longitude"])
    names = {name for d in result for name, _ in d.standouts}
    assert "latitude" not in names and "longitude" not in names
    assert result[2].standouts[0][0] == "population"
    assert result[2].standouts[0][1] > 1.0
    assert "high population" in result[2].summary


def test_unclustered_rows_are_ignored_but_count_for_the_centre() -> None:
    frame, labels = _toy_frame()
    labels = labels.copy()
    labels[4:] = -1
    result = describe_clusters(frame, labels, ["median_house_value"])
    assert len(result) == 2
    assert sum(d.size for d in result) == 4
    assert result[0].share == pytest.approx(0.5)
    # Overall medians come from clustered rows: values (300k, 400k, 100k, 100k) -> 200k.
    assert result[0].value_ratio == pytest.approx(1.75)
    assert result[0].direction == "north"  # the centre is still 35N


def test_user_frame_without_coordinates_or_categories() -> None:
    frame = pd.DataFrame({"score": [1.0, 2.0, 10.0, 11.0], "name": ["a", "b", "c", "d"]})
    result = describe_clusters(frame, np.array([0, 0, 1, 1]), ["score"])
    assert result[1].direction is None and result[1].distance_km is None
    assert result[1].category_shares is None and result[1].value_median is None
    assert result[1].centroid == {"score": 10.5}
    assert "lies" not in result[1].summary
    assert result[1].summary.startswith("Cluster 1 (2 places, 50% of those clustered).")
    assert "high score" in result[1].summary


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.array([0, 1]), r"labels has shape \(2,\); expected one id per frame row \(6,\)"),
        (np.full(6, -1), "no clustered row"),
        (np.zeros(6), "integer cluster ids"),
    ],
)
def test_describe_rejects_bad_labels(labels: np.ndarray, message: str) -> None:
    frame, _ = _toy_frame()
    with pytest.raises(ValueError, match=message):
        describe_clusters(frame, labels, ["latitude"])


def test_describe_rejects_unknown_features() -> None:
    frame, labels = _toy_frame()
    with pytest.raises(ValueError, match="not columns of frame"):
        describe_clusters(frame, labels, ["elevation"])


def test_describe_real_data_agrees_with_the_engine_profile(housing_frame: pd.DataFrame) -> None:
    features = ["latitude", "longitude", "median_house_value"]
    X = StandardScaler().fit_transform(housing_frame[features].to_numpy())
    labels = fit_sweep(X, [6]).labels[0]
    result = describe_clusters(housing_frame, labels, features)
    assert sum(d.size for d in result) == len(housing_frame)
    medians = housing_frame.groupby(labels)["median_house_value"].median()
    overall = housing_frame["median_house_value"].median()
    for description in result:
        assert description.value_median == pytest.approx(medians[description.cluster])
        assert description.value_ratio == pytest.approx(medians[description.cluster] / overall)
        assert sum(description.category_shares.values()) == pytest.approx(1.0)
        assert description.direction in {
            "central",
            "north",
            "north-east",
            "east",
            "south-east",
            "south",
            "south-west",
            "west",
            "north-west",
        }
    profile = profiles_table(cluster_profiles(housing_frame, labels, features), features)
    np.testing.assert_allclose(
        [d.centroid["latitude"] for d in result], profile["latitude"].to_numpy()
    )
    # The most northern cluster (id 0: ids are numbered by descending latitude) is not "south".
    assert "south" not in (result[0].direction or "")


# --------------------------------------------------------------------------- price_separation


def test_eta_squared_by_hand() -> None:
    values = np.array([1.0, 2.0, 3.0, 7.0, 8.0, 9.0])
    labels = np.array([0, 0, 0, 1, 1, 1])
    result = price_separation(values, labels)
    # Total SS around 5: 16+9+4+4+9+16 = 58; between: 3*9 + 3*9 = 54.
    assert result.eta_squared == pytest.approx(54 / 58)
    expected = stats.kruskal(values[:3], values[3:])
    assert result.kruskal_h == pytest.approx(expected.statistic)
    assert result.p_value == pytest.approx(expected.pvalue)
    assert result.sentence.startswith("The clusters explain 93% of the variation")
    assert f"p = {expected.pvalue:.3f}" in result.sentence


def test_eta_squared_ignores_unclustered_and_missing_rows() -> None:
    values = np.array([1.0, 2.0, 3.0, 7.0, 8.0, 9.0, 100.0, np.nan])
    labels = np.array([0, 0, 0, 1, 1, 1, -1, 0])
    result = price_separation(values, labels)
    assert result.eta_squared == pytest.approx(54 / 58)
    assert result.n_rows == 6 and result.n_clusters == 2


def test_eta_squared_equals_r_squared_of_cluster_dummies(housing_frame: pd.DataFrame) -> None:
    features = ["latitude", "longitude", "median_house_value"]
    X = StandardScaler().fit_transform(housing_frame[features].to_numpy())
    labels = fit_sweep(X, [5]).labels[0]
    values = housing_frame["median_house_value"].to_numpy()
    result = price_separation(values, labels)
    dummies = np.eye(5)[labels]
    coefficients, *_ = np.linalg.lstsq(dummies, values, rcond=None)
    residual = values - dummies @ coefficients
    r_squared = 1 - (residual @ residual) / ((values - values.mean()) ** 2).sum()
    assert result.eta_squared == pytest.approx(r_squared, rel=1e-9)
    assert result.p_value < 1e-300
    assert "Kruskal-Wallis p < 1e-300" in result.sentence


def test_constant_values_have_no_variation_to_explain() -> None:
    result = price_separation(np.ones(6), np.array([0, 0, 0, 1, 1, 1]))
    assert math.isnan(result.eta_squared)
    assert "no variation" in result.sentence


def test_price_separation_needs_two_clusters() -> None:
    with pytest.raises(ValueError, match="at least 2 non-empty clusters"):
        price_separation(np.arange(4.0), np.zeros(4, dtype=int))


def test_price_separation_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="same length"):
        price_separation(np.arange(4.0), np.array([0, 1]))


# --------------------------------------------------------------------------- train/test check


def test_train_test_check_by_hand() -> None:
    train_values = np.array([100.0] * 20 + [100.0] * 20 + [50.0] * 5)
    train_labels = np.array([0] * 20 + [1] * 20 + [2] * 5)
    test_values = np.array([105.0] * 20 + [120.0] * 20 + [50.0] * 3)
    test_labels = np.array([0] * 20 + [1] * 20 + [2] * 3)
    result = train_test_price_check(train_values, train_labels, test_values, test_labels)
    by_id = {check.cluster: check for check in result.clusters}
    assert by_id[0].holds is True and by_id[0].median_change == pytest.approx(0.05)
    assert by_id[1].holds is False and by_id[1].median_change == pytest.approx(0.20)
    assert by_id[2].holds is None  # only 3 test rows
    assert by_id[0].iqr_train == 0.0 and by_id[0].n_test == 20
    assert by_id[1].ks_statistic == pytest.approx(1.0)
    assert not result.all_hold
    assert "holds in 1 of 2 judged clusters" in result.verdict
    assert "cluster 1 (+20%)" in result.verdict
    assert "Not judged (fewer than 10 test rows): cluster(s) 2." in result.verdict
    table = result.table()
    assert list(table["cluster"]) == [0, 1, 2]
    assert "median_change" in table.columns


def test_train_test_check_all_hold() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(100, 5, 400)
    labels = np.repeat([0, 1], 200)
    values[labels == 1] += 100
    result = train_test_price_check(values[::2], labels[::2], values[1::2], labels[1::2])
    assert result.all_hold
    assert "holds on the test rows: in all 2 judged clusters" in result.verdict


def test_train_test_check_on_the_tutorial_split(housing_frame: pd.DataFrame) -> None:
    features = ["latitude", "longitude", "median_house_value"]
    scaled = scale_features(housing_frame[features].to_numpy(), features, test_size=0.2)
    fit = fit_sweep(scaled.train, [4])
    test_labels = assign_to_centroids(scaled.test, fit.centroids[0])
    values = housing_frame["median_house_value"].to_numpy()
    result = train_test_price_check(
        values[scaled.train_rows], fit.labels[0], values[scaled.test_rows], test_labels
    )
    assert len(result.clusters) == 4
    assert sum(c.n_test for c in result.clusters) == len(scaled.test_rows)
    # A random 80/20 split of 20,640 rows: each cluster's median moves by a few percent at most.
    assert result.all_hold
    assert max(abs(c.median_change) for c in result.clusters) < 0.10


def test_train_test_check_needs_rows() -> None:
    with pytest.raises(ValueError, match="expected both > 0"):
        train_test_price_check(np.arange(3.0), np.zeros(3, int), np.array([]), np.array([], int))
