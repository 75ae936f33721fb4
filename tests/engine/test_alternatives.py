"""Tests for components/engine/alternatives.py (its figures: tests/figures/test_alternatives.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import DBSCAN, KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.metrics.pairwise import haversine_distances

from components.engine.alternatives import comparison, geo_density
from components.engine.alternatives.comparison import (
    ALGORITHM_NAMES,
    _dbscan_eps,
    adjusted_rand_index,
    compare_algorithms,
    standardise,
    toy_dbscan_min_samples,
)
from components.engine.alternatives.gazetteer import Place, haversine_km
from components.engine.alternatives.geo_density import (
    DEFAULT_GEO_EPS_KM,
    DEFAULT_GEO_MIN_SAMPLES,
    density_clusters_geo,
    summarise_density,
)
from components.engine.alternatives.toy_shapes import BLOB_CENTRES, make_shapes
from components.engine.scaling import EARTH_RADIUS_KM, scale_features
from tests.toy_geography import KM_PER_DEGREE_LATITUDE, offset

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _ari_by_key(results):
    return {result.key: result.adjusted_rand_index for result in results}


@pytest.fixture(scope="module")
def circles_results():
    toy = make_shapes("circles", 500, 0.05, random_state=0)
    return toy, compare_algorithms(toy.X, toy.y_true, toy.n_clusters)


@pytest.fixture(scope="module")
def blobs_results():
    toy = make_shapes("blobs", 500, 0.05, random_state=0)
    return toy, compare_algorithms(toy.X, toy.y_true, toy.n_clusters)


# ------------------------------------------------------------------------- toy shapes


@pytest.mark.parametrize(("kind", "n_clusters"), [("moons", 2), ("circles", 2), ("blobs", 3)])
def test_make_shapes_sizes_and_groups(kind: str, n_clusters: int) -> None:
    toy = make_shapes(kind, 301, 0.1, random_state=3)
    assert toy.X.shape == (301, 2)
    assert toy.y_true.shape == (301,)
    assert toy.n_clusters == n_clusters
    assert set(np.unique(toy.y_true).tolist()) == set(range(n_clusters))
    # sklearn splits the points as evenly as possible between the groups
    counts = np.bincount(toy.y_true)
    assert counts.max() - counts.min() <= 1
    assert str(301) in toy.description


def test_make_shapes_is_deterministic_per_seed() -> None:
    first = make_shapes("moons", 200, 0.1, random_state=7)
    again = make_shapes("moons", 200, 0.1, random_state=7)
    other = make_shapes("moons", 200, 0.1, random_state=8)
    np.testing.assert_array_equal(first.X, again.X)
    assert not np.allclose(first.X, other.X)


def test_noise_free_moons_lie_on_their_half_circles() -> None:
    toy = make_shapes("moons", 100, 0.0)
    outer = toy.X[toy.y_true == 0]
    inner = toy.X[toy.y_true == 1]
    # make_moons: outer moon on the unit circle (upper half), inner moon on the unit
    # circle centred at (1, 0.5) (lower half)
    np.testing.assert_allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0)
    assert (outer[:, 1] >= -1e-12).all()
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1.0)
    assert (inner[:, 1] <= 0.5 + 1e-12).all()


def test_noise_free_circles_have_radii_one_and_a_half() -> None:
    toy = make_shapes("circles", 100, 0.0)
    radius = np.hypot(toy.X[:, 0], toy.X[:, 1])
    np.testing.assert_allclose(radius[toy.y_true == 0], 1.0)
    np.testing.assert_allclose(radius[toy.y_true == 1], 0.5)


def test_blobs_sit_on_their_fixed_centres_and_noise_widens_them() -> None:
    narrow = make_shapes("blobs", 3000, 0.0)
    wide = make_shapes("blobs", 3000, 0.5)
    for group, centre in enumerate(BLOB_CENTRES):
        members = narrow.X[narrow.y_true == group]
        np.testing.assert_allclose(members.mean(axis=0), centre, atol=0.1)
        # cluster_std = 0.5 + 2 * noise -> 0.5 at noise 0, 1.5 at noise 0.5
        assert members.std(axis=0) == pytest.approx([0.5, 0.5], abs=0.05)
        assert wide.X[wide.y_true == group].std(axis=0) == pytest.approx([1.5, 1.5], abs=0.12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "spirals"}, "kind='spirals'"),
        ({"n_samples": 19}, r"n_samples=19 is out of range; expected an integer in \[20, 5000\]"),
        ({"n_samples": 5001}, r"n_samples=5001 .*\[20, 5000\]"),
        ({"n_samples": 100.5}, r"n_samples=100.5 .*\[20, 5000\]"),
        ({"n_samples": True}, r"n_samples=True .*\[20, 5000\]"),
        ({"noise": -0.01}, r"noise=-0.01 is out of range; expected a number in \[0, 0.5\]"),
        ({"noise": 0.51}, r"noise=0.51 .*\[0, 0.5\]"),
        ({"noise": float("nan")}, r"noise=nan .*\[0, 0.5\]"),
        ({"noise": "0.1"}, r"noise='0.1' .*\[0, 0.5\]"),
        ({"random_state": -1}, r"random_state=-1 .*\[0, 4294967295\]"),
    ],
)
def test_make_shapes_validation_names_value_and_range(kwargs: dict, message: str) -> None:
    arguments = {"kind": "moons", "n_samples": 100, "noise": 0.1, **kwargs}
    with pytest.raises(ValueError, match=message):
        make_shapes(**arguments)


def test_make_shapes_accepts_range_edges() -> None:
    assert make_shapes("circles", 20, 0.0).X.shape == (20, 2)
    assert make_shapes("blobs", 5000, 0.5).X.shape == (5000, 2)


# ------------------------------------------------------------ scoring and eps choice


def test_standardise_matches_the_apps_standard_scaler() -> None:
    toy = make_shapes("blobs", 200, 0.2)
    app = scale_features(np.asarray(toy.X), ("x", "y"), "standard").train
    np.testing.assert_allclose(standardise(toy.X), app)
    np.testing.assert_allclose(standardise(toy.X).mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(standardise(toy.X).std(axis=0), 1.0)


def test_ari_counts_each_noise_point_as_its_own_cluster() -> None:
    truth = np.array([0, 0, 0, 1, 1, 1])
    labels = np.array([0, 0, 0, -1, -1, -1])
    # Treating noise as one label would score this a perfect 1.0; as singletons it is
    # the ARI of [0,0,0,1,2,3] against the truth.
    assert adjusted_rand_score(truth, labels) == 1.0
    expected = adjusted_rand_score(truth, [0, 0, 0, 1, 2, 3])
    assert adjusted_rand_index(truth, labels) == pytest.approx(expected)
    assert adjusted_rand_index(truth, labels) < 0.7
    assert adjusted_rand_index(truth, np.array([1, 1, 1, 0, 0, 0])) == 1.0


def test_dbscan_eps_on_a_hand_computed_line() -> None:
    # Points 0, 1, 3, 6, ..., 190: distance to the nearest other point = 1, 1, 2, 3, ..., 19.
    X = np.cumsum(np.arange(20.0)).reshape(-1, 1)
    # 93 % of 20 points: the 19th smallest distance, 18.
    assert _dbscan_eps(X, min_samples=2) == 18.0


def test_dbscan_eps_of_duplicate_points_is_the_smallest_positive_distance() -> None:
    X = np.array([[0.0]] * 19 + [[5.0]])
    assert _dbscan_eps(X, min_samples=2) == 5.0
    assert _dbscan_eps(np.zeros((20, 1)), min_samples=2) == 1e-9


def test_dbscan_eps_makes_the_stated_share_core_points() -> None:
    X_scaled = standardise(make_shapes("moons", 800, 0.08, random_state=2).X)
    min_samples = toy_dbscan_min_samples(800)
    assert min_samples == 16
    model = DBSCAN(eps=_dbscan_eps(X_scaled, min_samples), min_samples=min_samples).fit(X_scaled)
    core_share = model.core_sample_indices_.size / 800
    assert core_share == pytest.approx(0.93, abs=0.01)


def test_toy_dbscan_min_samples_rule() -> None:
    assert toy_dbscan_min_samples(20) == 5
    assert toy_dbscan_min_samples(500) == 10
    assert toy_dbscan_min_samples(5000) == 100


# --------------------------------------------------------------- algorithm comparison


def test_moons_kmeans_fails_where_density_and_single_linkage_succeed(moons_results) -> None:
    _, results = moons_results
    ari = _ari_by_key(results)
    assert ari["kmeans"] < 0.6  # measured 0.48
    assert ari["ward"] < 0.6  # 0.47
    assert ari["gmm"] < 0.6  # 0.51
    assert ari["dbscan"] > 0.9  # 0.99
    assert ari["hdbscan"] > 0.9  # 1.00
    assert ari["single"] > 0.9  # 1.00


def test_circles_centroid_methods_score_about_chance(circles_results) -> None:
    _, results = circles_results
    ari = _ari_by_key(results)
    # Both rings share the centre (0, 0), so any split by centroids is a chance split.
    for key in ("kmeans", "ward", "gmm"):
        assert abs(ari[key]) < 0.1, key
    for key in ("dbscan", "hdbscan", "single"):
        assert ari[key] > 0.9, key


def test_blobs_every_algorithm_recovers_the_groups(blobs_results) -> None:
    _, results = blobs_results
    ari = _ari_by_key(results)
    assert ari["kmeans"] > 0.9
    assert min(ari.values()) > 0.9


def test_heavy_noise_defeats_the_density_methods_too() -> None:
    toy = make_shapes("moons", 500, 0.2, random_state=0)
    results = compare_algorithms(toy.X, toy.y_true, 2)
    ari = _ari_by_key(results)
    # At noise 0.2 the moons touch: no radius separates them (documented limitation).
    assert ari["dbscan"] < 0.5
    assert ari["single"] < 0.5
    single = next(r for r in results if r.key == "single")
    assert "chained together" in single.note


def test_results_are_consistent_and_in_order(moons_results) -> None:
    toy, results = moons_results
    assert [r.key for r in results] == list(ALGORITHM_NAMES)
    for result in results:
        assert result.name == ALGORITHM_NAMES[result.key]
        assert result.labels.shape == toy.y_true.shape
        assert result.n_noise == int((result.labels == -1).sum())
        assert result.n_clusters_found == np.unique(result.labels[result.labels >= 0]).size
        assert result.adjusted_rand_index == pytest.approx(
            adjusted_rand_index(toy.y_true, result.labels)
        )
        assert result.fit_seconds >= 0
        assert f"ARI {result.adjusted_rand_index:.2f}" in result.note
        assert result.note.endswith(".")
        if result.key not in ("dbscan", "hdbscan"):
            assert result.n_noise == 0
            assert result.n_clusters_found == 2
    kmeans = results[0]
    assert "convex" in kmeans.note and "spherical" in kmeans.note
    dbscan = results[1]
    assert dbscan.parameters.startswith("eps=") and "min_samples=10" in dbscan.parameters


def test_kmeans_result_equals_sklearn_on_standardised_data(moons_results) -> None:
    toy, results = moons_results
    expected = KMeans(n_clusters=2, random_state=0, n_init="auto").fit_predict(
        (toy.X - toy.X.mean(axis=0)) / toy.X.std(axis=0)
    )
    assert adjusted_rand_score(expected, results[0].labels) == 1.0


def test_compare_algorithms_is_deterministic(moons_results) -> None:
    toy, results = moons_results
    again = compare_algorithms(toy.X, toy.y_true, toy.n_clusters)
    for first, second in zip(results, again, strict=True):
        np.testing.assert_array_equal(first.labels, second.labels)


def test_tiny_eps_makes_everything_noise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(comparison, "_dbscan_eps", lambda *_: 1e-6)
    toy = make_shapes("blobs", 200, 0.1)
    result = next(r for r in compare_algorithms(toy.X, toy.y_true, 3) if r.key == "dbscan")
    assert result.n_clusters_found == 0
    assert result.n_noise == 200
    assert result.adjusted_rand_index == pytest.approx(0.0, abs=1e-12)
    assert "no cluster" in result.note
    assert result.parameters.startswith("eps=1e-06 ")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"X": np.zeros(50)}, r"X has shape \(50,\); expected a 2-D array"),
        ({"X": np.zeros((19, 2)), "y_true": np.zeros(19)}, r"19 rows.*\[20, 5000\]"),
        ({"X": np.full((30, 2), np.nan)}, "NaN or infinite"),
        ({"y_true": np.zeros(29)}, r"y_true has shape \(29,\); expected \(30,\)"),
        ({"n_clusters": 1}, r"n_clusters=1 is out of range; expected an integer in \[2, 10\]"),
        ({"n_clusters": 11}, r"n_clusters=11 .*\[2, 10\]"),
    ],
)
def test_compare_algorithms_validation(change: dict, message: str) -> None:
    rng = np.random.default_rng(0)
    arguments = {"X": rng.normal(size=(30, 2)), "y_true": np.repeat([0, 1], 15), **change}
    with pytest.raises(ValueError, match=message):
        compare_algorithms(**arguments)


# --------------------------------------------------------------------- geo density


def test_haversine_km_hand_values() -> None:
    assert haversine_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(111.195, abs=1e-3)
    assert haversine_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(np.pi * EARTH_RADIUS_KM)
    # one degree of longitude at 60 N is cos(60) * 111.195 = 55.598 km along the
    # parallel; the great circle is a little shorter
    along_parallel = 0.5 * KM_PER_DEGREE_LATITUDE
    assert haversine_km(60.0, 10.0, 60.0, 11.0) == pytest.approx(along_parallel, abs=0.005)
    assert haversine_km(60.0, 10.0, 60.0, 11.0) < along_parallel
    a = np.radians([[34.05, -118.24]])
    b = np.radians([[37.77, -122.42]])
    expected = haversine_distances(a, b)[0, 0] * EARTH_RADIUS_KM
    assert haversine_km(34.05, -118.24, 37.77, -122.42) == pytest.approx(expected)
    assert 540 < expected < 570  # LA - SF is about 559 km


def test_dbscan_two_towns_and_an_isolated_point(two_towns) -> None:
    latitude, longitude = two_towns
    result = density_clusters_geo(latitude, longitude, "dbscan", eps_km=5, min_samples=3)
    assert result.n_clusters == 2
    # clusters numbered by size: town A (5 points) is 0, town B (4) is 1
    np.testing.assert_array_equal(result.labels, [0, 0, 0, 0, 0, 1, 1, 1, 1, -1])
    assert result.noise_share == pytest.approx(0.1)
    assert result.sample_size is None


def test_dbscan_min_samples_counts_the_point_itself(two_towns) -> None:
    latitude, longitude = two_towns
    # Town B has 4 points spanning 3 km: with eps 5 km each sees 4 points (itself included).
    four = density_clusters_geo(latitude, longitude, eps_km=5, min_samples=4)
    five = density_clusters_geo(latitude, longitude, eps_km=5, min_samples=5)
    assert four.n_clusters == 2
    assert five.n_clusters == 1 and five.noise_share == 0.5


def test_dbscan_eps_is_in_kilometres(two_towns) -> None:
    latitude, longitude = two_towns
    # Neighbours are 1 km apart: a 0.9 km radius links nobody, 1.1 km links the chains.
    assert density_clusters_geo(latitude, longitude, eps_km=0.9, min_samples=2).n_clusters == 0
    assert density_clusters_geo(latitude, longitude, eps_km=1.1, min_samples=2).n_clusters == 2
    # 100 km between the towns: 101 km merges them, 99 km does not; the isolated point
    # is ~155 km from both towns and stays noise
    wide = density_clusters_geo(latitude, longitude, eps_km=101, min_samples=2)
    assert wide.n_clusters == 1 and wide.noise_share == pytest.approx(0.1)
    assert density_clusters_geo(latitude, longitude, eps_km=99, min_samples=3).n_clusters == 2


def test_dbscan_duplicates_behave_like_separate_points() -> None:
    # Three copies of one place and one place 2 km away: with min_samples=3 the copies
    # alone make a core point, the neighbour joins as a border point.
    latitude = np.array([40.0, 40.0, 40.0, 40.0 + 2 / KM_PER_DEGREE_LATITUDE, 41.0])
    longitude = np.array([-120.0, -120.0, -120.0, -120.0, -120.0])
    result = density_clusters_geo(latitude, longitude, eps_km=3, min_samples=3)
    np.testing.assert_array_equal(result.labels, [0, 0, 0, 0, -1])
    expected = DBSCAN(
        eps=3 / EARTH_RADIUS_KM, min_samples=3, metric="haversine", algorithm="ball_tree"
    ).fit_predict(np.radians(np.column_stack([latitude, longitude])))
    np.testing.assert_array_equal(expected, [0, 0, 0, 0, -1])


def test_hdbscan_two_towns_without_subsampling() -> None:
    points = [offset(34.0, -118.0, north, east) for north in range(3) for east in range(4)]
    points += [offset(34.0, -118.0, 100 + north, east) for north in range(3) for east in range(3)]
    points.append(offset(34.0, -118.0, 50.0, 150.0))
    latitude, longitude = (np.array(v) for v in zip(*points, strict=True))
    result = density_clusters_geo(latitude, longitude, "hdbscan", min_samples=3)
    assert result.n_clusters == 2
    assert result.labels[-1] == -1
    assert set(result.labels[:12].tolist()) == {0}  # 12 points: larger, id 0
    assert set(result.labels[12:21].tolist()) == {1}
    assert result.sample_size is None


def test_hdbscan_subsample_labels_every_point(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(geo_density, "DEFAULT_HDBSCAN_MAX_POINTS", 150)
    rng = np.random.default_rng(1)
    north = np.concatenate([rng.normal(0, 3, 300), rng.normal(200, 3, 200)])
    east = rng.normal(0, 3, 500)
    latitude, longitude = offset(36.0, -120.0, north, east)
    result = density_clusters_geo(latitude, longitude, "hdbscan", min_samples=10)
    assert result.sample_size == 150
    assert result.n_clusters == 2
    truth = np.repeat([0, 1], [300, 200])
    clustered = result.labels >= 0
    assert clustered.mean() > 0.8
    assert adjusted_rand_score(truth[clustered], result.labels[clustered]) == 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "optics"}, "method='optics'"),
        ({"eps_km": 0}, r"eps_km=0 is out of range; expected a number in \(0, 500\]"),
        ({"eps_km": 500.5}, r"eps_km=500.5 .*\(0, 500\]"),
        ({"eps_km": float("inf")}, r"eps_km=inf .*\(0, 500\]"),
        ({"min_samples": 1}, r"min_samples=1 is out of range; expected an integer in \[2, 1000\]"),
        ({"min_samples": 1001}, r"min_samples=1001 .*\[2, 1000\]"),
        ({"latitude_deg": [91.0, 34.0]}, r"latitude_deg has 91.0; expected degrees in \[-90, 90\]"),
        ({"longitude_deg": [-118.0, 181.0]}, r"longitude_deg has 181.0.*\[-180, 180\]"),
        ({"longitude_deg": [-118.0]}, "same length"),
        ({"latitude_deg": [np.nan, 34.0]}, "NaN"),
    ],
)
def test_density_clusters_geo_validation(kwargs: dict, message: str) -> None:
    arguments = {"latitude_deg": [34.0, 34.1], "longitude_deg": [-118.0, -118.1], **kwargs}
    with pytest.raises(ValueError, match=message):
        density_clusters_geo(**arguments)


def test_eps_km_upper_edge_is_accepted() -> None:
    result = density_clusters_geo([34.0, 34.1, 34.2], [-118.0] * 3, eps_km=500, min_samples=3)
    assert result.n_clusters == 1


def test_summarise_density_on_the_toy_towns(two_towns) -> None:
    latitude, longitude = two_towns
    result = density_clusters_geo(latitude, longitude, eps_km=5, min_samples=3)
    values = np.arange(10, dtype=float)
    places = (Place("A-town", 34.0, -118.0), Place("B-town", 34.9, -118.0))
    summary = summarise_density(result.labels, latitude, longitude, values=values, places=places)
    assert summary["cluster"].tolist() == [0, 1, -1]
    assert summary["size"].tolist() == [5, 4, 1]
    assert summary["share"].tolist() == pytest.approx([0.5, 0.4, 0.1])
    # town A's centre: 2 km east of (34, -118); B's: 1.5 km east of 100 km north
    expected_a = offset(34.0, -118.0, 0.0, 2.0)
    expected_b = offset(34.0, -118.0, 100.0, 1.5)
    assert summary.loc[0, "centre_latitude"] == pytest.approx(expected_a[0], abs=1e-4)
    assert summary.loc[0, "centre_longitude"] == pytest.approx(expected_a[1], abs=1e-4)
    assert summary.loc[1, "centre_latitude"] == pytest.approx(expected_b[0], abs=1e-4)
    assert summary.loc[1, "centre_longitude"] == pytest.approx(expected_b[1], abs=1e-4)
    # distances from A's centre: 2, 1, 0, 1, 2 km -> median 1
    assert summary.loc[0, "radius_km"] == pytest.approx(1.0, abs=0.01)
    assert summary["nearest_place"].tolist()[:2] == ["A-town", "B-town"]
    assert summary.loc[0, "nearest_place_km"] == pytest.approx(2.0, abs=0.01)
    assert summary["median_median_house_value"].tolist() == [2.0, 6.5, 9.0]
    assert np.isnan(summary.loc[2, "centre_latitude"])
    without_values = summarise_density(result.labels, latitude, longitude)
    assert "median_median_house_value" not in without_values.columns


def test_summarise_density_validation(two_towns) -> None:
    latitude, longitude = two_towns
    with pytest.raises(ValueError, match=r"labels has shape \(3,\)"):
        summarise_density(np.array([0, 0, -1]), latitude, longitude)
    with pytest.raises(ValueError, match="below -1"):
        summarise_density(np.full(10, -2), latitude, longitude)
    with pytest.raises(ValueError, match=r"values has shape \(2,\)"):
        summarise_density(np.zeros(10, dtype=int), latitude, longitude, values=[1.0, 2.0])


# ------------------------------------------------------------------------ real data


@pytest.fixture(scope="module")
def real_dbscan(housing_frame: pd.DataFrame):
    return density_clusters_geo(housing_frame["latitude"], housing_frame["longitude"])


def _centre_near(summary: pd.DataFrame, latitude: float, longitude: float, km: float) -> bool:
    clusters = summary[summary["cluster"] >= 0]
    distances = haversine_km(
        clusters["centre_latitude"], clusters["centre_longitude"], latitude, longitude
    )
    return bool((distances < km).any())


def test_real_data_dbscan_finds_metro_areas_and_rural_noise(
    housing_frame: pd.DataFrame, real_dbscan
) -> None:
    result = real_dbscan
    assert result.labels.shape == (20_640,)
    assert (DEFAULT_GEO_EPS_KM, DEFAULT_GEO_MIN_SAMPLES) == (5.0, 20)
    assert result.n_clusters >= 3
    assert 0.02 < result.noise_share < 0.4  # measured 0.143
    summary = summarise_density(
        result.labels, housing_frame["latitude"], housing_frame["longitude"]
    )
    assert summary["size"].sum() == 20_640
    sizes = summary.loc[summary["cluster"] >= 0, "size"].to_numpy()
    assert np.all(np.diff(sizes) <= 0)  # ids by descending size
    assert summary.loc[0, "nearest_place"] == "Los Angeles"
    assert summary.loc[0, "share"] > 0.25  # the LA basin holds a third of block groups
    assert _centre_near(summary, 32.72, -117.16, 30)  # San Diego
    assert _centre_near(summary, 38.58, -121.49, 30)  # Sacramento
    assert _centre_near(summary, 37.77, -122.27, 40)  # Bay Area
    # noise lies away from the coastal metros: more of it is inland than of all rows
    noise = housing_frame.loc[result.labels == -1, "ocean_proximity"]
    assert (noise == "INLAND").mean() > 0.6  # measured 0.74, against 0.32 of all rows


def test_real_data_dbscan_matches_sklearn_on_every_row(
    housing_frame: pd.DataFrame, real_dbscan
) -> None:
    radians = np.radians(housing_frame[["latitude", "longitude"]].to_numpy())
    expected = DBSCAN(
        eps=5 / EARTH_RADIUS_KM, min_samples=20, metric="haversine", algorithm="ball_tree"
    ).fit_predict(radians)
    # Deduplicating with sample weights keeps core points and noise identical; only
    # which of two reachable clusters a border point joins may depend on visiting order.
    np.testing.assert_array_equal(expected == -1, real_dbscan.labels == -1)
    assert adjusted_rand_score(expected, real_dbscan.labels) > 0.999


@pytest.mark.slow
def test_real_data_hdbscan_subsampled(housing_frame: pd.DataFrame) -> None:
    result = density_clusters_geo(
        housing_frame["latitude"], housing_frame["longitude"], method="hdbscan"
    )
    assert result.sample_size == 5000
    assert result.labels.shape == (20_640,)
    assert result.n_clusters >= 3
    assert 0.02 < result.noise_share < 0.5  # measured 0.24
    summary = summarise_density(
        result.labels, housing_frame["latitude"], housing_frame["longitude"]
    )
    assert summary.loc[0, "nearest_place"] == "Los Angeles"
    assert _centre_near(summary, 32.72, -117.16, 30)


# ------------------------------------------------------------------------ no streamlit


@pytest.mark.slow
@pytest.mark.parametrize(
    "module", ["components.engine.alternatives", "components.figures.alternatives"]
)
def test_imports_without_streamlit(module: str) -> None:
    code = (
        "import sys, importlib\n"
        f"importlib.import_module({module!r})\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
