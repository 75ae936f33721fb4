"""Tests of components.engine.data: locating, downloading, validating the housing CSV."""

from __future__ import annotations

import functools
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from components.engine.data import (
    DATA_SHA256,
    HOUSING_COLUMNS,
    DataUnavailableError,
    DataValidationError,
    download_data,
    load_housing,
    locate_data,
    read_housing_csv,
    sha256_of,
    validate_frame,
)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
        return


@pytest.fixture(scope="module")
def served_folder(tmp_path_factory: pytest.TempPathFactory, housing_path: Path) -> Path:
    """A folder holding the real file and a copy with one byte changed."""
    folder = tmp_path_factory.mktemp("served")
    raw = housing_path.read_bytes()
    (folder / "housing.csv").write_bytes(raw)
    corrupted = bytearray(raw)
    corrupted[1000] = ord("9") if corrupted[1000] != ord("9") else ord("8")
    (folder / "corrupted.csv").write_bytes(bytes(corrupted))
    return folder


@pytest.fixture(scope="module")
def local_server(served_folder: Path) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving ``served_folder``."""
    handler = functools.partial(_QuietHandler, directory=str(served_folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _closed_port_url() -> str:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/housing.csv"


def test_real_file_checksum_matches_the_published_one(housing_path: Path) -> None:
    assert sha256_of(housing_path) == DATA_SHA256


def test_download_writes_verified_bytes(local_server: str, tmp_path: Path, housing_path: Path):
    destination = tmp_path / "data" / "housing.csv"
    seen: list[tuple[int, int | None]] = []
    result = download_data(
        destination, url=f"{local_server}/housing.csv", progress=lambda d, t: seen.append((d, t))
    )
    assert result == destination
    assert destination.read_bytes() == housing_path.read_bytes()
    assert seen[-1] == (housing_path.stat().st_size, housing_path.stat().st_size)
    assert [p.name for p in destination.parent.iterdir()] == ["housing.csv"]


def test_corrupted_download_leaves_no_file(local_server: str, tmp_path: Path) -> None:
    destination = tmp_path / "housing.csv"
    with pytest.raises(DataUnavailableError, match="sha256") as info:
        download_data(destination, url=f"{local_server}/corrupted.csv")
    assert "GEOCLUSTER_DATA" in str(info.value)  # says how to place the file by hand
    assert list(tmp_path.iterdir()) == []


def test_missing_url_and_network_failure_are_clear(local_server: str, tmp_path: Path) -> None:
    with pytest.raises(DataUnavailableError, match="Could not download"):
        download_data(tmp_path / "housing.csv", url=f"{local_server}/absent.csv")
    with pytest.raises(DataUnavailableError, match="by hand"):
        download_data(tmp_path / "housing.csv", url=_closed_port_url(), timeout=5)
    assert list(tmp_path.iterdir()) == []


def test_load_downloads_once_then_reads_the_cache(local_server: str, tmp_path: Path) -> None:
    cache = tmp_path / "housing.csv"
    first = load_housing(environ={}, default_path=cache, url=f"{local_server}/housing.csv")
    assert first.downloaded and cache.is_file()
    second = load_housing(environ={}, default_path=cache, url="http://127.0.0.1:9/unused")
    assert not second.downloaded
    assert second.source == str(cache)
    assert len(second.frame) == 20_640


def test_load_without_data_and_downloads_off_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DataUnavailableError, match="GEOCLUSTER_DATA"):
        load_housing(environ={"GEOCLUSTER_DATA_URL": "off"}, default_path=tmp_path / "h.csv")
    with pytest.raises(DataUnavailableError, match="downloading is off"):
        load_housing(allow_download=False, environ={}, default_path=tmp_path / "h.csv")


def test_lookup_order_explicit_then_env_then_default(tmp_path: Path, housing_path: Path):
    default = tmp_path / "default.csv"
    default.write_text("x")
    assert locate_data(environ={}, default_path=default) == default
    assert locate_data(environ={"GEOCLUSTER_DATA": str(housing_path)}, default_path=default) == (
        housing_path
    )
    explicit = tmp_path / "explicit.csv"
    explicit.write_text("x")
    environ = {"GEOCLUSTER_DATA": str(housing_path)}
    assert locate_data(explicit, environ=environ, default_path=default) == explicit
    assert locate_data(environ={}, default_path=tmp_path / "none.csv") is None


def test_a_named_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataUnavailableError, match="does not exist"):
        locate_data(tmp_path / "nope.csv", environ={})
    with pytest.raises(DataUnavailableError, match="GEOCLUSTER_DATA points to"):
        locate_data(environ={"GEOCLUSTER_DATA": str(tmp_path / "nope.csv")})


def test_real_data_loads_with_report(housing_path: Path) -> None:
    data = load_housing(housing_path, environ={})
    assert data.frame.shape[0] == 20_640
    assert set(HOUSING_COLUMNS) <= set(data.frame.columns)
    assert {"rooms_per_household", "bedrooms_per_room", "population_per_household"} <= set(
        data.frame.columns
    )
    assert data.report.missing_by_column == {"total_bedrooms": 207}
    notes = " ".join(data.report.notes)
    assert "207" in notes and "500,001" in notes and "52" in notes
    # Nothing dropped: the 207 rows are still there, with their empty value.
    assert int(data.frame["total_bedrooms"].isna().sum()) == 207


def _toy_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "longitude": [-122.2, -118.3],
            "latitude": [37.8, 34.1],
            "housing_median_age": [41, 52],
            "total_rooms": [880, 1000],
            "total_bedrooms": [129, np.nan],
            "population": [322, 400],
            "households": [126, 150],
            "median_income": [8.3, 3.0],
            "median_house_value": [452600, 500001],
            "ocean_proximity": ["NEAR BAY", "<1H OCEAN"],
        }
    )


def test_validate_names_missing_columns() -> None:
    frame = _toy_frame().drop(columns=["median_income", "latitude"])
    with pytest.raises(DataValidationError, match=r"latitude, median_income"):
        validate_frame(frame)


def test_validate_rejects_text_in_numeric_column() -> None:
    frame = _toy_frame()
    frame["median_income"] = ["8.3", "three"]
    with pytest.raises(DataValidationError, match="median_income must be numeric"):
        validate_frame(frame)


@pytest.mark.parametrize(
    ("column", "value", "bound"),
    [("latitude", 91.0, r"\[-90, 90\]"), ("longitude", -181.0, r"\[-180, 180\]")],
)
def test_validate_rejects_coordinates_out_of_range(column: str, value: float, bound: str) -> None:
    frame = _toy_frame()
    frame.loc[0, column] = value
    with pytest.raises(DataValidationError, match=bound):
        validate_frame(frame)


def test_validate_counts_missing_and_caps() -> None:
    report = validate_frame(_toy_frame())
    assert report.n_rows == 2
    assert report.missing_by_column == {"total_bedrooms": 1}
    assert any("500,001" in note for note in report.notes)
    assert any("52 years" in note for note in report.notes)


def test_validate_rejects_empty_frame() -> None:
    with pytest.raises(DataValidationError, match="no rows"):
        validate_frame(_toy_frame().iloc[:0])


def test_read_rejects_non_utf8_and_non_csv() -> None:
    with pytest.raises(DataValidationError, match="not UTF-8"):
        read_housing_csv(io.BytesIO("latitude\n\xe9t\xe9".encode("latin-1")))
    with pytest.raises(DataValidationError, match="Missing required column"):
        read_housing_csv(io.BytesIO(b"just some words\nnot a table\n"))
    with pytest.raises(DataValidationError, match="could not be read as CSV"):
        read_housing_csv(io.BytesIO(b""))


def test_read_accepts_an_uploaded_copy(housing_path: Path) -> None:
    frame = read_housing_csv(io.BytesIO(housing_path.read_bytes()))
    assert len(frame) == 20_640
