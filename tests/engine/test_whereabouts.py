"""Tests of components/engine/whereabouts.py: the countries a file's places fall in, and the sea.

The places are hand-checked: cities on every inhabited continent, a point far out in the
Atlantic, files with latitude and longitude swapped, the housing data and the example file.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from components.engine import whereabouts
from components.engine.places import example_places_csv
from components.engine.upload import read_places
from components.engine.whereabouts import (
    COUNTRIES_PATH,
    MAX_COUNTRIES_BYTES,
    PlaceCounts,
    Whereabouts,
    load_countries,
    locate_places,
    parse_countries,
    whereabouts_sentence,
)

CITIES = {
    # name: (latitude, longitude, country)
    "Paris": (48.8566, 2.3522, "France"),
    "Tokyo": (35.6762, 139.6503, "Japan"),
    "Nairobi": (-1.2864, 36.8172, "Kenya"),
    "Sao Paulo": (-23.5505, -46.6333, "Brazil"),
    "Sydney": (-33.8688, 151.2093, "Australia"),
    "New York": (40.7128, -74.0060, "United States of America"),
    # An enclave: Lesotho is a hole in South Africa's polygon.
    "Maseru": (-29.3151, 27.4869, "Lesotho"),
    # Islands too small for the coarsest Natural Earth countries.
    "Singapore": (1.2903, 103.8520, "Singapore"),
    "Valletta": (35.8989, 14.5146, "Malta"),
    # On the antimeridian's other side.
    "Suva": (-18.1416, 178.4419, "Fiji"),
}


def _grid(
    south: float, north: float, west: float, east: float, rows: int, columns: int
) -> tuple[np.ndarray, np.ndarray]:
    """Latitudes and longitudes of a rows x columns grid spanning the box, corners included."""
    lat, lon = np.meshgrid(np.linspace(south, north, rows), np.linspace(west, east, columns))
    return lat.ravel(), lon.ravel()


def _names(counts: PlaceCounts) -> list[str]:
    return [name for name, _ in counts.countries]


# --------------------------------------------------------------------------- single places


@pytest.mark.parametrize("city", CITIES)
def test_a_city_is_in_its_country(city: str) -> None:
    latitude, longitude, country = CITIES[city]
    result = locate_places([latitude], [longitude])
    assert result.current == PlaceCounts(countries=((country, 1),), n_sea=0)
    assert not result.warn_sea
    assert not result.offer_swap


def test_mid_atlantic_is_in_the_sea() -> None:
    result = locate_places([30.0], [-40.0])
    assert result.current == PlaceCounts(countries=(), n_sea=1)
    assert result.warn_sea
    assert whereabouts_sentence(result) == "1 in the sea"


def test_a_place_near_the_coast_counts_as_on_land() -> None:
    """The polygons are simplified: 10 km off the coast is the country, 110 km is the sea."""
    # Ocean Beach, San Francisco, is at longitude -122.51; a degree of longitude is 88 km here.
    near = locate_places([37.76], [-122.62]).current
    far = locate_places([37.76], [-123.76]).current
    assert near == PlaceCounts(countries=(("United States of America", 1),), n_sea=0)
    assert far == PlaceCounts(countries=(), n_sea=1)


def test_longitudes_beyond_90_cannot_be_swapped() -> None:
    result = locate_places([35.68], [139.65])
    assert result.swapped is None
    with pytest.raises(ValueError, match="swapped=True"):
        whereabouts_sentence(result, swapped=True)


# --------------------------------------------------------------------------- files


def test_swapped_french_alps_name_somalia_not_france() -> None:
    """Swapped, the Alps are on land in Ethiopia and Somalia: no sea warning, but the names say it.

    The Ethiopia-Somalia border of Natural Earth runs from about (4.9 N, 44.9 E) to (6.2 N,
    46.2 E) here, so most of the box lies on Ethiopia's side.
    """
    lat, lon = _grid(45.14, 45.93, 5.68, 6.18, rows=6, columns=10)
    result = locate_places(lon, lat)  # the columns swapped
    names = _names(result.current)
    assert "Somalia" in names
    assert "Ethiopia" in names
    assert "France" not in names
    assert result.current.n_sea == 0
    assert result.n_checked == 60
    assert not result.warn_sea
    assert not result.offer_swap  # on land both ways: the country names are the signal
    assert result.swapped == PlaceCounts(countries=(("France", 60),), n_sea=0)
    sentence = whereabouts_sentence(result)
    assert sentence.startswith(f"{result.current.countries[0][1]} in Ethiopia, ")
    assert "in Somalia" in sentence


def test_housing_data_is_in_the_united_states(housing_frame: pd.DataFrame) -> None:
    result = locate_places(housing_frame["latitude"], housing_frame["longitude"])
    assert result.current.countries[0] == ("United States of America", result.n_checked)
    assert result.current.n_sea == 0
    assert not result.warn_sea
    assert not result.offer_swap
    assert result.swapped is None  # longitudes near -120 cannot be latitudes
    assert result.n_places == len(housing_frame)


def test_example_file_is_in_france() -> None:
    places = read_places(example_places_csv())
    result = locate_places(places.frame[places.lat_col], places.frame[places.lon_col])
    assert result.current == PlaceCounts(countries=(("France", places.n_rows),), n_sea=0)
    assert not result.sampled
    assert not result.warn_sea
    assert not result.offer_swap
    assert whereabouts_sentence(result) == f"{places.n_rows} in France"


@pytest.mark.parametrize(
    ("latitude", "longitude", "country"),
    [
        (48.86, 2.35, "France"),  # swapped: the Indian Ocean
        (40.42, -3.70, "Spain"),  # swapped: the Indian Ocean off Kenya
        (6.52, 3.38, "Nigeria"),  # Lagos, swapped: the Gulf of Guinea
        (-34.60, -58.38, "Argentina"),  # Buenos Aires, swapped: the South Atlantic
        (59.91, 10.75, "Norway"),  # Oslo, swapped: the Arabian Sea
    ],
)
def test_places_swapped_into_the_sea_get_the_swap_offer(
    latitude: float, longitude: float, country: str
) -> None:
    rng = np.random.default_rng(0)
    lat = latitude + rng.normal(0, 0.05, 50)
    lon = longitude + rng.normal(0, 0.05, 50)
    result = locate_places(lon, lat)  # the columns swapped
    assert result.current.n_sea == 50
    assert result.warn_sea
    assert result.offer_swap
    assert result.swapped is not None
    assert result.swapped.countries[0][0] == country
    assert result.swapped.mostly_land


def test_places_in_the_sea_both_ways_get_the_warning_only() -> None:
    lat, lon = _grid(-20.0, -10.0, -30.0, -20.0, rows=5, columns=5)  # the South Atlantic
    result = locate_places(lat, lon)
    assert result.warn_sea
    assert not result.offer_swap  # swapped, they are in the Atlantic too
    assert result.swapped is not None and result.swapped.mostly_sea


def test_half_in_the_sea_is_not_most() -> None:
    result = locate_places([48.86, 30.0], [2.35, -40.0])
    assert result.current.n_sea == 1
    assert not result.warn_sea


def test_missing_coordinates_are_left_out() -> None:
    result = locate_places([48.86, np.nan, 35.68, 1.0], [2.35, 3.0, np.nan, np.nan])
    assert result.n_places == 1
    assert result.current.countries == (("France", 1),)


# --------------------------------------------------------------------------- sampling


def test_sampling_above_max_points_is_deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    lat = rng.uniform(-60, 70, 5_000)
    lon = rng.uniform(-180, 180, 5_000)
    monkeypatch.setattr(whereabouts, "MAX_POINTS", 1_000)
    first = locate_places(lat, lon)
    again = locate_places(lat, lon)
    assert first == again
    assert first.sampled
    assert first.n_checked == 1_000
    assert first.n_places == 5_000
    assert whereabouts_sentence(first).endswith(" (a fixed sample of 1,000 of the 5,000 places)")
    monkeypatch.setattr(whereabouts, "MAX_POINTS", 5_000)
    assert not locate_places(lat, lon).sampled


def test_the_sample_is_of_the_complete_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    lat = np.r_[np.full(100, 48.86), np.full(1_000, np.nan)]
    lon = np.full(1_100, 2.35)
    monkeypatch.setattr(whereabouts, "MAX_POINTS", 50)
    result = locate_places(lat, lon)
    assert result.n_places == 100
    assert result.current.countries == (("France", 50),)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        ([1.0, 2.0], [1.0], r"latitude has 2 values and longitude 1; expected one of each"),
        ([np.nan, np.nan], [1.0, 2.0], r"No place has both a latitude and a longitude"),
        ([], [], r"No place has both a latitude and a longitude \(of 0 rows\)"),
        ([1.0, np.inf], [1.0, 2.0], r"latitude\[1\]=inf is out of range; expected numbers in "),
        ([1.0], [-np.inf], r"longitude\[0\]=-inf is out of range; expected numbers in \[-180, "),
        ([95.0], [1.0], r"latitude\[0\]=95.0 is out of range; expected numbers in \[-90, 90\]"),
        ([1.0], [200.0], r"longitude\[0\]=200.0 is out of range"),
        ([[1.0, 2.0]], [[1.0, 2.0]], r"latitude must be 1-D, one value per place; got ndim=2"),
        (["north"], [1.0], r"latitude must be numbers"),
    ],
)
def test_bad_coordinates_are_rejected(latitude: object, longitude: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        locate_places(latitude, longitude)


# --------------------------------------------------------------------------- sentence


def _result(countries: tuple[tuple[str, int], ...], n_sea: int) -> Whereabouts:
    counts = PlaceCounts(countries=countries, n_sea=n_sea)
    return Whereabouts(current=counts, swapped=None, n_places=counts.n_checked, sampled=False)


def test_sentence_reads_like_the_issue() -> None:
    result = _result((("Somalia", 58), ("Ethiopia", 2)), 0)
    assert whereabouts_sentence(result) == "58 in Somalia, 2 in Ethiopia"


def test_sentence_counts_the_other_countries_and_the_sea() -> None:
    countries = (("France", 1200), ("Italy", 30), ("Spain", 8), ("Monaco", 2), ("Andorra", 1))
    assert whereabouts_sentence(_result(countries, 4)) == (
        "1,200 in France, 30 in Italy, 8 in Spain, 3 in 2 other countries, 4 in the sea"
    )
    assert whereabouts_sentence(_result(countries[:4], 0)) == (
        "1,200 in France, 30 in Italy, 8 in Spain, 2 in 1 other country"
    )


def test_counts_are_sorted_most_first_then_by_name() -> None:
    lat = [48.86, 48.86, 41.9, 40.42]  # Paris twice, Rome, Madrid
    lon = [2.35, 2.35, 12.5, -3.70]
    assert locate_places(lat, lon).current.countries == (
        ("France", 2),
        ("Italy", 1),
        ("Spain", 1),
    )


# --------------------------------------------------------------------------- the file


def test_shipped_countries_file() -> None:
    size = COUNTRIES_PATH.stat().st_size
    assert size <= MAX_COUNTRIES_BYTES
    countries = load_countries()
    assert load_countries() is countries  # read once
    assert len(countries.names) == len(set(countries.names)) == 241
    assert {"France", "Somalia", "Ethiopia", "Antarctica"} <= set(countries.names)
    assert "Natural Earth" in json.loads(COUNTRIES_PATH.read_text(encoding="utf-8"))["source"]
    assert not countries.x0.flags.writeable


def _document(**changes: object) -> str:
    document: dict[str, object] = {
        "source": "test",
        "decimals": 1,
        "countries": [{"name": "Square", "rings": [[0, 0, 10, 0, 0, 10, -10, 0]]}],
    }
    document.update(changes)
    return json.dumps(document)


def test_parse_countries_decodes_a_delta_encoded_ring() -> None:
    countries = parse_countries(_document())
    assert countries.names == ("Square",)
    np.testing.assert_allclose(countries.x0, [0.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(countries.y0, [0.0, 0.0, 1.0, 1.0])
    np.testing.assert_allclose(countries.x1, [1.0, 1.0, 0.0, 0.0])  # closed back to the start


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (" " * (MAX_COUNTRIES_BYTES + 1), "bytes; at most"),
        ("[]", 'with a "countries" list'),
        (_document(source=""), 'name its "source"'),
        (_document(decimals=9), '"decimals" must be an integer in'),
        (_document(countries=[]), "has no countries"),
        (_document(countries=[{"name": "", "rings": [[0, 0, 1, 0, 0, 1]]}]), 'have a "name"'),
        (_document(countries=[{"name": "A", "rings": [[0, 0, 1, 0]]}]), "at least 3 "),
        (_document(countries=[{"name": "A", "rings": [[0, 0, 1, 0, 0, 1]]}] * 2), "named twice"),
        (
            _document(countries=[{"name": "A", "rings": [[0, 0, 1, 0, 0, 1.5]]}]),
            "pairs of Integral numbers",
        ),
        (_document(countries=[{"name": "A", "rings": [[1801, 0, 1, 0, 0, 1]]}]), "outside"),
    ],
)
def test_parse_countries_rejects_a_bad_file(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_countries(text)
