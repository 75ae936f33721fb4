"""Tests for components.engine.projected: the systems named for coordinates in metres."""

from __future__ import annotations

import numpy as np
import pytest

from components.engine.messages import Code
from components.engine.projected import SYSTEMS, likely_systems, projected_advice

# Real places in their national system and in Web Mercator, converted with pyproj (once,
# outside the tests: the app does not depend on it).
TRUTH: tuple[tuple[str, str, float, float], ...] = (
    ("London", "EPSG:27700", 530029, 180380),
    ("London", "EPSG:3857", -14227, 6711542),
    ("Edinburgh", "EPSG:27700", 325897, 674001),
    ("Paris", "EPSG:2154", 652469, 6862035),
    ("Paris", "EPSG:3857", 261846, 6250564),
    ("Marseille", "EPSG:2154", 892390, 6247035),
    ("Amsterdam", "EPSG:28992", 122097, 486745),
    ("Brussels", "EPSG:31370", 148799, 171100),
    ("Zurich", "EPSG:2056", 2683304, 1247926),
    ("Dublin", "EPSG:2157", 715827, 734698),
    ("Stockholm", "EPSG:3006", 674572, 6580743),
    ("Wellington", "EPSG:2193", 1748736, 5427916),
    ("Wellington", "EPSG:3857", 19455998, -5054693),
    ("Denver", "EPSG:5070", -762409, 1893844),
    ("Sydney", "EPSG:3577", 1760982, -3828749),
    ("Berlin", "EPSG:326ZZ", 391779, 5820072),  # UTM zone 33 north
)


@pytest.mark.parametrize(("place", "code", "x", "y"), TRUTH, ids=[f"{t[0]}-{t[1]}" for t in TRUTH])
def test_the_system_of_real_places_is_among_those_named(
    place: str, code: str, x: float, y: float
) -> None:
    eastings = np.array([x, x + 2_000.0, x - 1_500.0])
    northings = np.array([y, y + 1_000.0, y - 2_500.0])
    named = [system.code for system in likely_systems(eastings, northings)]
    assert code in named, (place, named)
    assert len(named) <= 4


def test_the_most_telling_system_comes_first_and_web_mercator_last() -> None:
    named = likely_systems(np.array([652469.0, 653000.0]), np.array([6862035.0, 6863000.0]))
    assert [system.code for system in named] == [
        "EPSG:3006",  # Sweden's range is smaller than France's, and holds Paris's numbers
        "EPSG:2154",
        "EPSG:326ZZ",
        "EPSG:3857",
    ]
    assert likely_systems(np.array([5e7]), np.array([5e7])) == ()  # nothing holds 50,000 km


def test_metres_no_system_holds_are_told_where_to_find_it() -> None:
    said = projected_advice(np.array([5e7, 5.1e7]), np.array([5e7, 5.1e7]), "lat", "lon")
    assert "Their range fits none of the common systems." in said
    assert "the .prj file beside a shapefile" in said
    assert "(with your system's EPSG number in place of NNNN)" in said
    assert 'source = "EPSG:NNNN"' in said


def test_every_range_is_a_range() -> None:
    for system in SYSTEMS:
        assert system.eastings[0] < system.eastings[1]
        assert system.northings[0] < system.northings[1]
    assert len({system.code for system in SYSTEMS}) == len(SYSTEMS)


def test_the_advice_is_text_with_the_codes_and_a_python_block() -> None:
    said = projected_advice(
        np.array([180380.0, 181000.0]), np.array([530029.0, 531000.0]), "north", "east"
    )
    code = [part for part in said.parts if isinstance(part, Code)]
    block = next(part for part in code if part.is_block)
    assert block.language == "python"
    assert "places['east'], places['north']" in block.text
    assert "EPSG:27700" in {part.text for part in code}
    assert "X field 'east', Y field 'north'" in said and "GEOMETRY to AS_XY" in said
    assert said.endswith(block.text)  # the snippet closes the message


@pytest.mark.parametrize("name", ["a'b", "x`y", "[link](http://x)", "new\nline"])
def test_a_column_name_that_is_not_plain_stays_out_of_the_snippet(name: str) -> None:
    said = projected_advice(np.array([6e6, 6.1e6]), np.array([4e5, 4.1e5]), name, "lon")
    block = next(part for part in said.parts if isinstance(part, Code) and part.is_block)
    assert name not in block.text and "EASTING COLUMN" in block.text
    assert "with your two column names in place of the capitals" in said


def test_a_parquet_file_and_a_semicolon_file_get_their_own_reading() -> None:
    x, y = np.array([6e5, 6.1e5]), np.array([5e6, 5.1e6])
    parquet = projected_advice(y, x, "lat", "lon", delimiter="")
    assert 'pd.read_parquet("places.parquet")' in parquet
    assert "In QGIS, from a CSV of the table:" in parquet
    semicolon = projected_advice(y, x, "lat", "lon", delimiter=";")
    assert "pd.read_csv(\"places.csv\", sep=';')" in semicolon
