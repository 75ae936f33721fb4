"""One table of places for every page: the census data and a file of places alike."""

from __future__ import annotations

import pandas as pd
import pytest

from components.engine import places
from components.engine.data import HousingData
from components.engine.dataset import housing_dataset, places_dataset, with_start
from components.engine.upload import read_places


def test_a_file_s_chosen_coordinates_are_named_latitude_and_longitude() -> None:
    text = "site,lat,lng,latitude,price\nA,45.7,4.8,3,10\nB,45.8,4.9,4,12\nC,45.6,4.7,5,9\n"
    read = read_places(text.encode(), filename="lyon.csv", lat_col="lat", lon_col="lng")
    data = places_dataset(read, "lyon.csv", "ab" * 32)
    frame = data.places.frame
    assert list(frame.columns) == ["site", "latitude", "longitude", "latitude (file)", "price"]
    assert frame["latitude"].tolist() == [45.7, 45.8, 45.6]
    # The file's own names come back for labels and downloads.
    assert data.label("latitude") == "lat" and data.label("longitude") == "lng"
    assert data.label("latitude (file)") == "latitude" and data.label("price") == "price"
    assert data.default_features == ("latitude", "longitude", "latitude (file)")
    assert data.value_column == "latitude (file)"
    assert not data.is_census and not data.has_split and data.place_word == "places"
    assert data.income_column is None and data.category_column is None


def test_a_location_only_file_starts_on_location() -> None:
    read = read_places(b"lat,lon,name\n1,2,a\n3,4,b\n5,7,c\n", filename="x.csv")
    data = places_dataset(read, "x.csv", "0" * 64)
    assert data.default_features == ("latitude", "longitude")
    assert data.value_column == "latitude"


def test_the_example_keeps_its_names() -> None:
    read = read_places(places.example_places_csv(), filename=places.EXAMPLE_FILE_NAME)
    data = places_dataset(read, places.EXAMPLE_FILE_NAME, "0" * 64)
    assert data.original_names == {}
    assert data.default_features == ("latitude", "longitude", "rent_per_m2")


def test_the_census_data_is_described_by_its_catalogue() -> None:
    frame = pd.DataFrame(
        {
            "longitude": [-122.2, -118.3],
            "latitude": [37.9, 34.1],
            "median_house_value": [452600.0, 500001.0],
            "ocean_proximity": ["NEAR BAY", "<1H OCEAN"],
        }
    )
    housing = HousingData(frame=frame, source="x", notes=(), sha256="ab")
    data = housing_dataset(housing, "California housing")
    assert data.is_census and data.has_split and data.place_word == "block groups"
    assert data.numeric_columns == ("latitude", "longitude", "median_house_value")
    assert data.places.frame.columns.drop(list(data.numeric_columns)).tolist() == [
        "ocean_proximity"
    ]
    assert data.category_column == "ocean_proximity"
    assert data.label("median_house_value") == "Median house value"
    assert data.cap("median_house_value") == 500_001.0 and data.unit("median_house_value") == "USD"
    assert data.value_column == "median_house_value"


@pytest.mark.parametrize("column", ["latitude", "longitude"])
def test_a_column_named_like_a_coordinate_never_overwrites_the_chosen_one(column: str) -> None:
    text = f"y,x,{column},{column} (file)\n1,2,3,4\n5,6,7,8\n9,10,11,12\n"
    read = read_places(text.encode(), filename="x.csv", lat_col="y", lon_col="x")
    data = places_dataset(read, "x.csv", "0" * 64)
    assert data.places.frame[column].tolist() == (
        [1.0, 5.0, 9.0] if column == "latitude" else [2.0, 6.0, 10.0]
    )
    assert data.label(f"{column} (file 2)") == column


def test_a_start_of_features_by_the_files_names_and_a_scaler() -> None:
    read = read_places(
        b"lat,lon,latitude,price,rooms\n45.1,5.1,1,1,3\n45.2,5.2,2,2,4\n45.3,5.4,3,4,2\n",
        lat_col="lat",
        lon_col="lon",
    )
    started = with_start(
        places_dataset(read, "f.csv", ""),
        ("lon", "rooms", "latitude", "absent", "rooms"),
        scaler="geographic",
        location_weight=2.0,
        sampled_from=30,
    )
    # The file's "lon" is the longitude; its unchosen "latitude" column was renamed.
    assert started.default_features == ("longitude", "rooms", "latitude (file)")
    assert started.value_column == "rooms"
    assert (started.default_scaler, started.default_location_weight) == ("geographic", 2.0)
    assert started.sampled_from == 30
    # No usable feature: the data's own start.
    kept = with_start(
        places_dataset(read, "f.csv", ""), ("absent",), scaler="robust", location_weight=1.0
    )
    assert kept.default_features == places_dataset(read, "f.csv", "").default_features
    assert (kept.default_scaler, kept.sampled_from) == ("robust", 0)
