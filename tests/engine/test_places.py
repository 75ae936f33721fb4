"""Tests for components.engine.places (example, columns, model) and the views of a places file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

from components.engine import places
from components.engine.row_labels import cluster_sizes
from components.engine.upload import PlacesError, read_places_csv
from components.figures import charts, maps
from components.figures.legend import legend_table
from components.figures.palette import NOT_CLUSTERED_COLOUR, PALETTE

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GOOD_FILE = PROJECT_ROOT / "tests" / "data" / "places_good.csv"


def _read(text: str, **kwargs: object) -> places.PlacesData:
    return read_places_csv(text.encode("utf-8"), **kwargs)


@pytest.fixture(scope="module")
def example() -> places.PlacesData:
    return read_places_csv(places.example_places_csv(), filename=places.EXAMPLE_FILE_NAME)


@pytest.fixture(scope="module")
def good() -> places.PlacesData:
    return read_places_csv(GOOD_FILE.read_bytes(), filename=GOOD_FILE.name)


@pytest.mark.slow
def test_module_imports_without_streamlit() -> None:
    code = (
        "import sys, components.engine.places\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


# --------------------------------------------------------------------------- example


def test_example_is_deterministic_and_reads_cleanly(example: places.PlacesData) -> None:
    assert places.example_places_csv() == places.example_places_csv()
    assert places.example_places_csv(seed=1) != places.example_places_csv()
    assert example.n_rows == sum(town[3] for town in places.EXAMPLE_TOWNS) == 320
    assert (example.lat_col, example.lon_col) == ("latitude", "longitude")
    assert example.feature_columns == ("rent_per_m2", "floor_area_m2")
    assert example.text_columns == ("name", "town")
    assert example.notes == ()
    # Every place lies near its town (within 0.2 degrees, > 6 sd of the spread).
    centres = {town: (lat, lon) for town, lat, lon, *_ in places.EXAMPLE_TOWNS}
    frame = example.frame
    for town, (lat, lon) in centres.items():
        rows = frame[frame["town"] == town]
        assert (rows["latitude"] - lat).abs().max() < 0.2
        assert (rows["longitude"] - lon).abs().max() < 0.2


def test_example_towns_are_found_by_location_kmeans(example: places.PlacesData) -> None:
    model = places.fit_places(example, ("latitude", "longitude"))
    labels = places.labels_for(model, 3)
    assert adjusted_rand_score(example.frame["town"], labels) == 1.0


# --------------------------------------------------------------------------- columns


def test_column_names_match_the_reader() -> None:
    text = " lat ;lon;a;a ;price\n1,5;2;x;y;3\n"  # semicolons, names to strip and to number
    names = places.column_names(text.encode())
    assert names == tuple(_read(text).frame.columns)
    assert names == ("lat", "lon", "a", "a.1", "price")


@pytest.mark.parametrize(
    "data",
    [b"", b"PK\x03\x04zip", "caf\u00e9,lat\n".encode("latin-1"), b"a,b\n\x00\x00"],
    ids=["empty", "zip", "latin-1", "nul"],
)
def test_column_names_of_unreadable_files_are_empty(data: bytes) -> None:
    assert places.column_names(data) == ()


def test_column_names_respect_the_size_limit() -> None:
    assert places.column_names(b"lat,lon\n1,2\n", max_bytes=5) == ()


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["name", "Latitude", "LON"], ("Latitude", "LON")),
        (["y", "x", "lat", "lng"], ("lat", "lng")),  # preferred names first
        (["north", "east"], (None, None)),
        (["lat", "east"], ("lat", None)),
    ],
)
def test_detect_coordinates(columns: list[str], expected: tuple[str | None, str | None]) -> None:
    assert places.detect_coordinates(columns) == expected


def test_default_features_and_value_column(good: places.PlacesData) -> None:
    assert places.default_features(good) == ("lat", "lng", "visitors")
    assert places.default_value_column(good) == "visitors"
    location_only = _read("lat,lon,name\n1,2,a\n3,4,b\n5,7,c\n")
    assert places.default_features(location_only) == ("lat", "lon")
    assert places.default_value_column(location_only) == "lat"


# --------------------------------------------------------------------------- model


def test_fit_matches_scikit_learn_on_standardised_features(good: places.PlacesData) -> None:
    features = ("lat", "lng", "visitors")
    model = places.fit_places(good, features, random_state=0)
    assert model.features == features
    assert model.sweep.k_values == tuple(range(2, 12))  # 12 rows: k <= 11
    X = StandardScaler().fit_transform(good.frame[list(features)].to_numpy())
    for k in (2, 3, 5):
        reference = KMeans(n_clusters=k, random_state=0, n_init="auto").fit(X)
        ours = places.labels_for(model, k)
        assert adjusted_rand_score(reference.labels_, ours) == pytest.approx(1.0)
        assert model.sweep.inertia[k - 2] == pytest.approx(reference.inertia_, rel=1e-9)


def test_clusters_are_numbered_north_to_south_at_k2(good: places.PlacesData) -> None:
    model = places.fit_places(good, ("lat", "lng"))
    labels = places.labels_for(model, 2)
    latitude = good.frame["lat"].to_numpy()
    assert latitude[labels == 0].mean() > latitude[labels == 1].mean()  # Paris is north of Lyon
    assert set(labels[:6]) == {0} and set(labels[6:]) == {1}


def test_k_is_capped_by_rows_and_explained() -> None:
    data = _read("lat,lon,v\n1,1,1\n2,5,3\n3,2,8\n4,9,2\n5,4,6\n")
    model = places.fit_places(data, ("lat", "lon", "v"))
    assert model.k_max == 4
    assert model.sweep.k_values == (2, 3, 4)
    assert model.k_limit_note == (
        "k goes up to 4 for this file: it has 5 rows to cluster and k must be below that."
    )


def test_k_is_capped_by_distinct_places() -> None:
    rows = "\n".join(["1,1", "1,1", "2,2", "2,2", "3,3", "3,3", "3,3", "4,4"])
    data = _read("lat,lon\n" + rows + "\n")
    model = places.fit_places(data, ("lat", "lon"))
    assert model.k_max == 4
    assert model.n_distinct == 4
    assert "only 4 distinct places" in (model.k_limit_note or "")


def test_no_note_when_k_reaches_15(example: places.PlacesData) -> None:
    model = places.fit_places(example, ("latitude", "longitude"))
    assert model.k_max == 15 and model.k_limit_note is None


def test_too_few_rows_is_a_places_error() -> None:
    data = _read("lat,lon\n1,1\n2,2\n")
    with pytest.raises(PlacesError, match="k-means needs at least 3 to form 2 clusters"):
        places.fit_places(data, ("lat", "lon"))


def test_constant_feature_is_a_places_error() -> None:
    data = _read("lat,lon\n45,1\n45,2\n45,3\n")
    with pytest.raises(PlacesError, match="lat have the same value in every row"):
        places.fit_places(data, ("lat", "lon"))


def test_scaling_that_merges_every_place_is_a_places_error() -> None:
    # Row-wise L2 normalize maps (3,4), (6,8), (9,12) exactly to the same point (0.6, 0.8).
    data = _read("lat,lon\n3,4\n6,8\n9,12\n")
    with pytest.raises(PlacesError, match="only 1 distinct point"):
        places.fit_places(data, ("lat", "lon"), "normalize")


def test_geographic_scaler_needs_both_coordinates(good: places.PlacesData) -> None:
    with pytest.raises(ValueError, match="needs both coordinate columns"):
        places.fit_places(good, ("lat", "visitors"), "geographic")
    with pytest.raises(ValueError, match="scaler='bogus' is not one of"):
        places.fit_places(good, ("lat", "lng"), "bogus")


def test_geographic_scaler_uses_the_chosen_columns_not_their_names() -> None:
    # 'latitude' here is an ordinary feature; the chosen coordinates are 'y' and 'x'.
    text = "y,x,latitude\n45.1,5.1,0\n45.2,5.3,9\n45.9,6.1,1\n45.8,6.0,8\n45.0,5.2,5\n"
    data = _read(text, lat_col="y", lon_col="x")
    model = places.fit_places(data, ("y", "x", "latitude"), "geographic")
    assert model.scaler == "geographic" and model.k_max == 4
    assert places._scaler_names(("y", "x", "latitude"), "y", "x") == (
        "latitude",
        "longitude",
        "feature_3",
    )


def test_rows_with_an_empty_feature_are_not_clustered() -> None:
    data = _read("lat,lon,v\n1,1,1\n2,5,\n3,2,8\n4,9,2\n5,4,6\n")
    model = places.fit_places(data, ("lat", "lon", "v"))
    labels = places.labels_for(model, 2)
    assert labels[1] == -1 and (labels[[0, 2, 3, 4]] >= 0).all()
    assert model.n_clustered == 4 and model.n_rows == 5
    assert not labels.flags.writeable


# --------------------------------------------------------------------------- views


def test_legend_table_hand_computed() -> None:
    labels = np.array([0, 0, 1, -1, 1, 1])
    values = np.array([1.0, 3.0, 10.0, 7.0, np.nan, 20.0])
    table = legend_table(cluster_sizes(labels, 2, values))
    assert list(table["cluster"]) == ["0", "1", "not clustered"]
    assert list(table["colour"]) == [PALETTE[0], PALETTE[1], NOT_CLUSTERED_COLOUR]
    assert list(table["rows"]) == [2, 3, 1]
    assert table["share"].iloc[:2].tolist() == pytest.approx([0.4, 0.6])
    assert table["median"].tolist() == [2.0, 15.0, 7.0]


def test_boxplot_and_profile(good: places.PlacesData) -> None:
    model = places.fit_places(good, ("lat", "lng"))
    labels = places.labels_for(model, 2)
    figure = charts.feature_boxplot(
        places.numeric_values(good, "visitors"), labels, 2, feature_label="visitors"
    )
    assert [trace.marker.color for trace in figure.data] == list(PALETTE[:2])
    paris = good.frame["visitors"].iloc[:6]
    assert figure.data[0].median[0] == pytest.approx(paris.median())
    with pytest.raises(ValueError, match="'name' is not a numeric column"):
        places.numeric_values(good, "name")
    profile = places.places_profile(good, labels, ("lat", "lng"), 2, "rating")
    assert list(profile["size"]) == [6, 6]
    assert profile.loc[0, "lat"] == pytest.approx(good.frame["lat"].iloc[:6].mean())
    assert profile.loc[1, "value_median"] == pytest.approx(good.frame["rating"].iloc[6:].median())
    assert "standout_z" not in profile.columns


def _decoded_positions(spec: dict, layer_id: str) -> np.ndarray:
    layer = next(item for item in spec["layers"] if item["id"] == layer_id)
    expression = layer["getPosition"].removeprefix("@@=")
    # "[this[0] / R + LON0, this[1] / R + LAT0]"
    parts = expression.strip("[]").split(", ")
    scale = [float(part.split(" / ")[1].split(" + ")[0]) for part in parts]
    origin = [float(part.split(" + ")[1]) for part in parts]
    data = np.array([[row[0], row[1]] for row in layer["data"]], dtype=float)
    return data / np.array(scale) + np.array(origin)


def test_map_is_framed_on_the_data_with_precise_positions(example: places.PlacesData) -> None:
    model = places.fit_places(example, ("latitude", "longitude"))
    labels = places.labels_for(model, 3)
    result = maps.places_map(example, labels, 3)
    spec = json.loads(result.deck.to_json())
    view = spec["initialViewState"]
    assert view["latitude"] == pytest.approx(example.extent.centre_latitude)
    assert view["longitude"] == pytest.approx(example.extent.centre_longitude)
    assert 45.1 < view["latitude"] < 46.0 and 5.5 < view["longitude"] < 6.3  # the Alps
    assert view["zoom"] == example.extent.zoom >= 7
    positions = _decoded_positions(spec, "points")
    frame = example.frame
    expected = frame[["longitude", "latitude"]].to_numpy()
    # 5-decimal input is kept to 1e-5 degrees (about a metre), not the housing map's 0.01.
    assert np.abs(positions - expected).max() < 1e-5 + 1e-9
    points = next(item for item in spec["layers"] if item["id"] == "points")
    assert [row[2] for row in points["data"]] == labels.tolist()
    assert points["radiusMinPixels"] == 3
    tooltip = result.deck._tooltip["text"]
    assert tooltip.splitlines() == [
        "Cluster {2}",
        "name: {7}",
        "rent_per_m2: {5}",
        "floor_area_m2: {6}",
    ]
    first = points["data"][0]
    assert first[5] == frame["rent_per_m2"].iloc[0] and first[7] == frame["name"].iloc[0]


def test_map_tooltip_text_is_escaped_and_braces_neutralised() -> None:
    text = 'lat,lon,{v},name\n1,1,1,"say ""hi"" </script>"\n2,2,2,b\n3,4,3,c\n'
    data = _read(text)
    result = maps.places_map(data, np.array([0, 1, 1]), 2)
    spec = json.loads(result.deck.to_json())  # valid JSON despite the quotes
    points = next(item for item in spec["layers"] if item["id"] == "points")
    assert points["data"][0][-1] == 'say "hi" </script>'
    assert "(v): {5}" in result.deck._tooltip["text"]


def test_map_samples_big_files(good: places.PlacesData) -> None:
    rows = places.map_rows(100, max_points=10)
    assert rows.size == 10 and np.all(np.diff(rows) > 0)
    assert np.array_equal(rows, places.map_rows(100, max_points=10))
    assert np.array_equal(places.map_rows(7, max_points=10), np.arange(7))
    points = maps.places_map_points(good, max_points=5)
    assert len(points.head) == 5
    with pytest.raises(ValueError, match="max_points=0"):
        places.map_rows(5, max_points=0)


def test_map_marks_rows_not_clustered_grey() -> None:
    data = _read("lat,lon,v\n1,1,1\n2,5,\n3,2,8\n4,9,2\n")
    result = maps.places_map(data, np.array([0, -1, 1, 1]), 2)
    spec = json.loads(result.deck.to_json())
    grey = next(item for item in spec["layers"] if item["id"] == "not-clustered")
    assert len(grey["data"]) == 1 and grey["data"][0][2] == "not clustered"
    with pytest.raises(ValueError, match="expected \\(4,\\)"):
        maps.places_map(data, np.array([0, 1]), 2)
