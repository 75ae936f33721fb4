"""Tests of components.engine.data: locating, reading and validating the housing CSV."""

from __future__ import annotations

import gzip
import hashlib
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from components.engine import data as data_module
from components.engine.data import (
    DATA_SHA256,
    HOUSING_COLUMNS,
    SHIPPED_DATA_PATH,
    DataUnavailableError,
    DataValidationError,
    load_housing,
    locate_data,
    read_data_bytes,
    validate_frame,
)


@pytest.fixture(autouse=True)
def no_data_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts with GEOCLUSTER_DATA unset."""
    monkeypatch.delenv("GEOCLUSTER_DATA", raising=False)


def test_real_file_checksum_matches_the_published_one(housing_path: Path) -> None:
    assert hashlib.sha256(housing_path.read_bytes()).hexdigest() == DATA_SHA256


def test_the_shipped_file_is_the_published_data_compressed() -> None:
    assert SHIPPED_DATA_PATH == data_module.PROJECT_ROOT / "data" / "housing.csv.gz"
    raw = SHIPPED_DATA_PATH.read_bytes()
    assert len(raw) < 500 * 1024  # pre-commit's check-added-large-files limit
    assert hashlib.sha256(gzip.decompress(raw)).hexdigest() == DATA_SHA256


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any attempt to open a network connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


@pytest.mark.usefixtures("no_network")
def test_the_shipped_file_loads_offline_by_default(housing_path: Path) -> None:
    data = load_housing()
    assert data.source == str(SHIPPED_DATA_PATH)
    assert data.frame.shape[0] == 20_640
    assert data.notes[0].startswith("207 row(s) have no value for total_bedrooms;")
    pd.testing.assert_frame_equal(data.frame, load_housing(housing_path).frame)


def _shipped_copy(folder: Path, content: bytes) -> Path:
    path = folder / "housing.csv.gz"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda raw: raw[: len(raw) // 2], "not a readable gzip file"),  # cut short
        (lambda raw: b"not gzip at all" + raw, "not a readable gzip file"),  # bad header
        (lambda raw: raw[:-8] + bytes(8), "not a readable gzip file"),  # CRC and size wrong
    ],
    ids=["truncated", "bad-header", "bad-crc"],
)
def test_a_damaged_shipped_file_says_which_file_and_what_to_do(
    tmp_path: Path,
    damage: Callable[[bytes], bytes],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shipped = _shipped_copy(tmp_path, damage(SHIPPED_DATA_PATH.read_bytes()))
    monkeypatch.setattr(data_module, "SHIPPED_DATA_PATH", shipped)
    with pytest.raises(DataValidationError, match=expected) as info:
        load_housing()
    message = str(info.value)
    assert "The data file housing.csv.gz is not a readable gzip file" in message
    assert str(shipped.parent) not in message  # no server path reaches a visitor
    assert "git checkout" in message and "GEOCLUSTER_DATA" in message


def test_a_shipped_file_with_other_contents_fails_its_checksum(
    tmp_path: Path, housing_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = housing_path.read_bytes().splitlines(keepends=True)
    one_row_fewer = gzip.compress(b"".join(lines[:-1]), compresslevel=1)
    monkeypatch.setattr(data_module, "SHIPPED_DATA_PATH", _shipped_copy(tmp_path, one_row_fewer))
    with pytest.raises(DataValidationError, match="sha256") as info:
        load_housing()
    assert DATA_SHA256 in str(info.value) and "housing.csv.gz" in str(info.value)
    assert str(tmp_path) not in str(info.value)


def test_a_named_gz_file_is_read_without_the_checksum(tmp_path: Path, housing_path: Path):
    """A user's own compressed copy may differ from the published file; only the shipped
    file is held to the published checksum."""
    lines = housing_path.read_bytes().splitlines(keepends=True)
    own = tmp_path / "mine.csv.gz"
    own.write_bytes(gzip.compress(b"".join(lines[:101])))
    assert len(load_housing(own).frame) == 100
    assert read_data_bytes(own) == b"".join(lines[:101])


def test_a_missing_shipped_file_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data_module, "SHIPPED_DATA_PATH", tmp_path / "housing.csv.gz")
    with pytest.raises(DataUnavailableError, match="is missing") as info:
        load_housing()
    assert "GEOCLUSTER_DATA" in str(info.value) and "upload" in str(info.value)


def test_geocluster_data_wins_over_the_shipped_file(
    tmp_path: Path, housing_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = housing_path.read_text(encoding="utf-8").splitlines(keepends=True)
    own = tmp_path / "own.csv"
    own.write_text("".join(lines[:51]), encoding="utf-8")
    monkeypatch.setenv("GEOCLUSTER_DATA", str(own))
    data = load_housing()
    assert data.source == str(own) and len(data.frame) == 50


def test_lookup_order_explicit_then_env_then_shipped(
    tmp_path: Path, housing_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert locate_data() == SHIPPED_DATA_PATH
    shipped = tmp_path / "shipped.csv.gz"
    shipped.write_text("x")
    monkeypatch.setattr(data_module, "SHIPPED_DATA_PATH", shipped)
    assert locate_data() == shipped
    monkeypatch.setenv("GEOCLUSTER_DATA", str(housing_path))
    assert locate_data() == housing_path
    explicit = tmp_path / "explicit.csv"
    explicit.write_text("x")
    assert locate_data(explicit) == explicit
    # A blank variable counts as unset.
    monkeypatch.setenv("GEOCLUSTER_DATA", "  ")
    assert locate_data() == shipped


def test_a_named_path_that_does_not_exist_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(DataUnavailableError, match="does not exist"):
        locate_data(tmp_path / "nope.csv")
    monkeypatch.setenv("GEOCLUSTER_DATA", str(tmp_path / "nope.csv"))
    with pytest.raises(DataUnavailableError, match="GEOCLUSTER_DATA points to"):
        locate_data()


def test_real_data_loads_with_report(housing_path: Path) -> None:
    data = load_housing(housing_path)
    assert data.frame.shape[0] == 20_640
    assert set(HOUSING_COLUMNS) <= set(data.frame.columns)
    assert {"rooms_per_household", "bedrooms_per_room", "population_per_household"} <= set(
        data.frame.columns
    )
    notes = " ".join(data.notes)
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
    notes = validate_frame(_toy_frame())
    assert notes[0].startswith("1 row(s) have no value for total_bedrooms;")
    assert any("500,001" in note for note in notes)
    assert any("52 years" in note for note in notes)


def test_validate_rejects_empty_frame() -> None:
    with pytest.raises(DataValidationError, match="no rows"):
        validate_frame(_toy_frame().iloc[:0])


def _read(folder: Path, raw: bytes) -> None:
    path = folder / "housing.csv"
    path.write_bytes(raw)
    load_housing(path)


def test_read_rejects_non_utf8_and_non_csv(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="not UTF-8 text: line 2 has a character at"):
        _read(tmp_path, "latitude\n\xe9t\xe9".encode("latin-1"))
    with pytest.raises(DataValidationError, match="Missing required column"):
        _read(tmp_path, b"just some words\nnot a table\n")
    with pytest.raises(DataValidationError, match="The file is empty: it has no header row"):
        _read(tmp_path, b"")
    with pytest.raises(DataValidationError, match="it looks like a PNG image"):
        _read(tmp_path, b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)


def test_read_refuses_rows_longer_than_the_header(tmp_path: Path, housing_path: Path) -> None:
    lines = housing_path.read_bytes().splitlines(keepends=True)
    shifted = lines[0] + b"".join(line.rstrip(b"\r\n") + b",\n" for line in lines[1:50])
    with pytest.raises(DataValidationError) as info:  # not read shifted by one column
        _read(tmp_path, shifted)
    assert str(info.value).startswith("Line 2 of the file (data row 1) has 11 values, but the")
    ragged = lines[0] + lines[1] + lines[2].rstrip(b"\r\n") + b",1,2\n"
    with pytest.raises(
        DataValidationError, match=r"^Line 3 of the file \(data row 2\) has 12 values"
    ):
        _read(tmp_path, ragged)


# ------------------------------------------------------------------ faults of the data file


def test_geocluster_data_pointing_at_a_directory_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "housing_folder"
    folder.mkdir()
    monkeypatch.setenv("GEOCLUSTER_DATA", str(folder))
    with pytest.raises(DataUnavailableError) as info:
        locate_data()
    message = str(info.value)
    assert "GEOCLUSTER_DATA points to housing_folder, which is a directory, not a file" in message
    assert "does not exist" not in message and str(tmp_path) not in message
    with pytest.raises(DataUnavailableError, match="The data file housing_folder is a directory"):
        locate_data(folder)


def test_a_pipe_is_not_a_regular_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = tmp_path / "housing.csv"
    os.mkfifo(pipe)  # opening it would block: it must never be opened
    monkeypatch.setenv("GEOCLUSTER_DATA", str(pipe))
    with pytest.raises(DataUnavailableError, match=r"housing\.csv, which is not a regular file"):
        locate_data()


def test_unreadable_message_names_the_file_and_the_fix_without_the_path(tmp_path: Path) -> None:
    path = tmp_path / "secret" / "housing.csv"
    error = PermissionError(13, "Permission denied", str(path))
    message = data_module.unreadable_message(path, error)
    assert message.startswith("The data file housing.csv cannot be read: permission denied.")
    assert "chmod a+r housing.csv" in message and "GEOCLUSTER_DATA" in message
    assert str(tmp_path) not in message and "Errno" not in message
    assert "data/housing.csv.gz" in message  # the shipped file, relative to the project
    failed = OSError(5, "Input/output error")
    other = data_module.unreadable_message(path, failed)
    assert "cannot be read: Input/output error." in other


def test_a_file_that_cannot_be_read_raises_the_clear_message(
    tmp_path: Path, housing_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "locked.csv"
    own.write_bytes(housing_path.read_bytes())
    monkeypatch.setenv("GEOCLUSTER_DATA", str(own))
    if os.geteuid() != 0:  # root reads any file: then only the simulated refusal below runs
        own.chmod(0)
        with pytest.raises(DataUnavailableError, match=r"locked\.csv cannot be read: permission"):
            load_housing()
        own.chmod(0o644)

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(DataUnavailableError) as info:
        load_housing()
    assert "locked.csv cannot be read: permission denied" in str(info.value)
    assert info.value.__cause__ is None and str(tmp_path) not in str(info.value)


def test_a_gzip_bomb_is_unpacked_no_further_than_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data_module, "MAX_CSV_BYTES", 1024)
    bomb = tmp_path / "housing.csv.gz"
    bomb.write_bytes(gzip.compress(b"0" * 10_000_000))  # 10 MB in about 10 KB
    with pytest.raises(DataValidationError, match=r"the limit is 1,024 bytes"):
        read_data_bytes(bomb)


def test_a_one_line_housing_upload_is_refused_before_parsing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def refuse(*args: object, **kwargs: object) -> pd.DataFrame:
        raise AssertionError("pd.read_csv ran on a file the limits should have refused")

    monkeypatch.setattr(data_module.pd, "read_csv", refuse)
    with pytest.raises(DataValidationError, match=r"The first line \(the header\).*5\.0 MB long"):
        _read(tmp_path, b"a," * (5 * 1024 * 1024 // 2))


def test_a_file_other_than_the_published_one_is_named_with_its_row_count(
    tmp_path: Path, housing_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = housing_path.read_bytes().splitlines(keepends=True)
    cut = tmp_path / "housing_cut.csv"
    cut.write_bytes(b"".join(lines[:1001]))  # cut off mid-file, 1,000 rows
    monkeypatch.setenv("GEOCLUSTER_DATA", str(cut))
    own = load_housing()
    note = data_module.published_note(own.sha256, len(own.frame), "housing_cut.csv")
    assert note is not None
    assert "(housing_cut.csv) is not the published California housing data set" in note
    assert "1,000 rows against the published 20,640" in note
    monkeypatch.setenv("GEOCLUSTER_DATA", str(housing_path))
    published = load_housing()
    assert published.sha256 == DATA_SHA256
    assert data_module.published_note(published.sha256, 20_640, "housing.csv") is None
    assert data_module.published_note("", 5, "unknown") is None
