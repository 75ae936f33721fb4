"""The model's steps on any data: checked features, feasible k's, fits, and the views' inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

from components.engine import model, places
from components.engine.dataset import Dataset, places_dataset
from components.engine.row_labels import cluster_sizes, value_summary
from components.engine.scaling import scale_features
from components.engine.upload import PlacesError, read_places
from components.figures import charts
from components.figures.legend import legend_table
from components.figures.palette import NOT_CLUSTERED_COLOUR, PALETTE

GOOD_FILE = Path(__file__).resolve().parents[1] / "data" / "places_good.csv"


def _dataset(text: str | bytes, **kwargs: object) -> Dataset:
    content = text.encode("utf-8") if isinstance(text, str) else text
    return places_dataset(read_places(content, **kwargs), "places.csv", "0" * 64)  # type: ignore[arg-type]


def _fits(data: Dataset, features: tuple[str, ...], scaler: str = "standard", **kwargs: object):
    matrix = model.prepare(data, features, "exclude")
    scaled = scale_features(matrix.values, matrix.feature_names, scaler)
    latitude = data.places.frame["latitude"].to_numpy()[matrix.row_positions]
    return matrix, model.fit(scaled.train, latitude, random_state=0, n_init="auto", **kwargs)


@pytest.fixture(scope="module")
def good() -> Dataset:
    return _dataset(GOOD_FILE.read_bytes(), filename=GOOD_FILE.name)


def test_auto_starts_reach_the_best_of_ten_on_the_default_housing_settings() -> None:
    """One k-means++ start stops in a worse optimum at k = 5 than ten starts do."""
    import pandas as pd

    from tests.reference_data import housing_csv

    frame = pd.read_csv(housing_csv())
    X = StandardScaler().fit_transform(frame[["latitude", "longitude", "median_house_value"]])
    fits = model.fit(X, frame["latitude"].to_numpy(), random_state=0, n_init="auto")
    one_start = KMeans(n_clusters=5, random_state=0, n_init=1).fit(X).inertia_
    best_of_ten = KMeans(n_clusters=5, random_state=0, n_init=10).fit(X).inertia_
    assert best_of_ten < one_start * 0.98
    assert fits.inertia[5 - 2] == pytest.approx(best_of_ten, rel=1e-9)


def test_fit_matches_scikit_learn_on_standardised_features(good: Dataset) -> None:
    features = ("latitude", "longitude", "visitors")
    _, fits = _fits(good, features)
    assert fits.k_values == tuple(range(2, 12))  # 12 rows: k <= 11
    X = StandardScaler().fit_transform(good.places.frame[list(features)].to_numpy())
    for k in (2, 3, 5):
        # "auto" keeps the best of FULL_N_INIT starts, as scikit-learn's n_init does.
        reference = KMeans(n_clusters=k, random_state=0, n_init=model.FULL_N_INIT).fit(X)
        assert adjusted_rand_score(reference.labels_, fits.labels_for(k)) == pytest.approx(1.0)
        assert fits.inertia[k - 2] == pytest.approx(reference.inertia_, rel=1e-9)


def test_clusters_are_numbered_north_to_south_at_k2(good: Dataset) -> None:
    _, fits = _fits(good, ("latitude", "longitude"))
    labels = fits.labels_for(2)
    latitude = good.places.frame["latitude"].to_numpy()
    assert latitude[labels == 0].mean() > latitude[labels == 1].mean()  # Paris is north of Lyon
    assert set(labels[:6]) == {0} and set(labels[6:]) == {1}


def test_example_towns_are_found_by_location_kmeans() -> None:
    data = _dataset(places.example_places_csv(), filename=places.EXAMPLE_FILE_NAME)
    _, fits = _fits(data, ("latitude", "longitude"))
    assert fits.k_values[-1] == 15
    assert adjusted_rand_score(data.places.frame["town"], fits.labels_for(3)) == 1.0


def test_k_is_capped_by_rows() -> None:
    _, fits = _fits(_dataset("lat,lon,v\n1,1,1\n2,5,3\n3,2,8\n4,9,2\n5,4,6\n"), ("latitude",))
    assert fits.k_values == (2, 3, 4)


def test_k_is_capped_by_distinct_places() -> None:
    rows = "\n".join(["1,1", "1,1", "2,2", "2,2", "3,3", "3,3", "3,3", "4,4"])
    _, fits = _fits(_dataset("lat,lon\n" + rows + "\n"), ("latitude", "longitude"))
    assert fits.k_values == (2, 3, 4)


def test_too_few_rows_is_a_places_error() -> None:
    with pytest.raises(PlacesError, match="k-means needs at least 3 to form 2 clusters"):
        model.prepare(_dataset("lat,lon\n1,1\n2,2\n"), ("latitude", "longitude"), "exclude")


def test_constant_feature_is_a_places_error() -> None:
    with pytest.raises(PlacesError, match="same value of every chosen feature"):
        model.prepare(_dataset("lat,lon\n45,1\n45,2\n45,3\n"), ("latitude",), "exclude")


def test_scaling_that_merges_every_place_is_a_clear_error() -> None:
    # Row-wise L2 normalize maps (3,4), (6,8), (9,12) exactly to the same point (0.6, 0.8).
    data = _dataset("lat,lon\n3,4\n6,8\n9,12\n")
    with pytest.raises(ValueError, match="only 1 distinct point"):
        _fits(data, ("latitude", "longitude"), "normalize")


def test_geographic_scaler_uses_the_chosen_columns_not_their_names() -> None:
    # 'latitude' here is an ordinary feature; the chosen coordinates are 'y' and 'x'.
    text = "y,x,latitude\n45.1,5.1,0\n45.2,5.3,9\n45.9,6.1,1\n45.8,6.0,8\n45.0,5.2,5\n"
    data = _dataset(text, lat_col="y", lon_col="x")
    assert data.places.numeric_columns == ("latitude", "longitude", "latitude (file)")
    matrix, fits = _fits(data, ("latitude", "longitude", "latitude (file)"), "geographic")
    assert fits.k_values[-1] == 4
    np.testing.assert_array_equal(matrix.values[:, 0], [45.1, 45.2, 45.9, 45.8, 45.0])


def test_rows_with_an_empty_feature_are_not_clustered_or_filled() -> None:
    data = _dataset("lat,lon,v\n1,1,1\n2,5,\n3,2,8\n4,9,2\n5,4,6\n")
    left_out = model.prepare(data, ("latitude", "longitude", "v"), "exclude")
    assert left_out.row_positions.tolist() == [0, 2, 3, 4]
    filled = model.prepare(data, ("latitude", "longitude", "v"), "median")
    assert filled.row_positions.tolist() == [0, 1, 2, 3, 4]
    assert filled.values[1, 2] == pytest.approx(np.median([1, 8, 2, 6]))


def test_a_big_file_is_fitted_on_a_sample_with_more_starts() -> None:
    rng = np.random.default_rng(0)
    train = rng.normal(size=(model.FIT_SAMPLE_ROWS + 1, 2))
    fits = model.fit(train, train[:, 0], random_state=0, n_init="auto")
    assert fits.fit_rows == model.FIT_SAMPLE_ROWS
    assert fits.labels.shape == (14, model.FIT_SAMPLE_ROWS + 1)


def test_legend_table_hand_computed() -> None:
    labels = np.array([0, 0, 1, -1, 1, 1])
    values = np.array([1.0, 3.0, 10.0, 7.0, np.nan, 20.0])
    table = legend_table(cluster_sizes(labels, 2, value_summary(labels, 2, values)))
    assert list(table["cluster"]) == ["0", "1", "not clustered"]
    assert list(table["colour"]) == [PALETTE[0], PALETTE[1], NOT_CLUSTERED_COLOUR]
    assert list(table["rows"]) == [2, 3, 1]
    assert table["share"].iloc[:2].tolist() == pytest.approx([0.4, 0.6])
    assert table["median"].tolist() == [2.0, 15.0, 7.0]


def test_boxplot_per_cluster(good: Dataset) -> None:
    _, fits = _fits(good, ("latitude", "longitude"))
    labels = fits.labels_for(2)
    visitors = good.places.frame["visitors"].to_numpy()
    figure = charts.feature_boxplot(visitors, labels, 2, feature_label="visitors")
    assert [trace.marker.color for trace in figure.data] == list(PALETTE[:2])
    assert figure.data[0].median[0] == pytest.approx(np.median(visitors[:6]))
