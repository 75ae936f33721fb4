"""Tests for components.engine.places (example, columns, model) and the views of a places file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from components.engine import places, upload
from components.engine.upload import PlacesData, read_places

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GOOD_FILE = PROJECT_ROOT / "tests" / "data" / "places_good.csv"


def _read(text: str, **kwargs: object) -> PlacesData:
    return read_places(text.encode("utf-8"), **kwargs)


@pytest.fixture(scope="module")
def example() -> PlacesData:
    return read_places(places.example_places_csv(), filename=places.EXAMPLE_FILE_NAME)


@pytest.fixture(scope="module")
def good() -> PlacesData:
    return read_places(GOOD_FILE.read_bytes(), filename=GOOD_FILE.name)


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


def test_example_is_deterministic_and_reads_cleanly(example: PlacesData) -> None:
    assert places.example_places_csv() == places.example_places_csv()
    assert example.n_rows == sum(town[3] for town in places.EXAMPLE_TOWNS) == 320
    assert (example.lat_col, example.lon_col) == ("latitude", "longitude")
    assert example.feature_columns == ("rent_per_m2", "floor_area_m2")
    assert example.frame.columns.drop(list(example.numeric_columns)).tolist() == ["name", "town"]
    assert example.notes == ()
    # Every place lies near its town (within 0.2 degrees, > 6 sd of the spread).
    centres = {town: (lat, lon) for town, lat, lon, *_ in places.EXAMPLE_TOWNS}
    frame = example.frame
    for town, (lat, lon) in centres.items():
        rows = frame[frame["town"] == town]
        assert (rows["latitude"] - lat).abs().max() < 0.2
        assert (rows["longitude"] - lon).abs().max() < 0.2


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


def test_column_names_respect_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upload, "MAX_UPLOAD_BYTES", 5)
    assert places.column_names(b"lat,lon\n1,2\n") == ()


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
