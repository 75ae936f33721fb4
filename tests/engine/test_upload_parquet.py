"""Tests for the Parquet path of components.engine.upload: toy files written by pyarrow here.

The bad-file cases (corrupt, cut off, nested columns, no rows, over each limit) are in the
hostile catalogue (``tests/hostile/catalogue.py``); these check the values read, that a
table gives the same ``PlacesData`` as CSV and as Parquet, and the limits' edges.
"""

from __future__ import annotations

import datetime
import decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from components.engine import csv_limits, parquet_limits, places, upload
from components.engine.upload import (
    MAX_UPLOAD_BYTES,
    PlacesError,
    limits_text,
    read_places,
)
from tests.hostile.catalogue import parquet_bytes

CSV = (
    b"name,latitude,longitude,price,rooms,flag\n"
    b"A,45.19,5.72,3.2,2,x\n"
    b"B,45.57,5.92,,3,x\n"
    b"C,45.90,6.13,4.1,,x\n"
    b"D,,5.70,3.0,4,x\n"
    b"E,46.01,6.20,NA,5,x\n"
)


def _error(data: bytes, **kwargs: object) -> str:
    with pytest.raises(PlacesError) as info:
        read_places(data, **kwargs)
    return str(info.value)


def test_types_are_read_as_numbers_or_text_with_hand_checked_values() -> None:
    table = pa.table(
        {
            "lat": pa.array([45.5, 46.25, None, 44.0], pa.float32()),
            "lon": pa.array([decimal.Decimal("5.75"), decimal.Decimal("6.5"), None, None]),
            "rooms": pa.array([1, None, 3, 4], pa.int16()),
            "big": pa.array([2**40, 7, 9, 11], pa.uint64()),
            "town": pa.array(["Grenoble", "Annecy", None, "Lyon"]).dictionary_encode(),
            "code": pa.array([38, 74, 38, 69], pa.int32()).dictionary_encode(),
            "open": pa.array([True, False, None, True]),
            "since": pa.array([datetime.date(2020, 1, 2)] * 4),
        }
    )
    data = read_places(parquet_bytes(table), filename="toy.parquet")
    assert (data.lat_col, data.lon_col) == ("lat", "lon")
    assert data.is_parquet and data.delimiter == ""
    assert data.n_rows == 2  # rows 3 and 4 lack a longitude
    assert "(data rows 3, 4)" in data.notes[0]
    frame = data.frame
    assert frame["lat"].tolist() == [45.5, 46.25]  # float32 values exact in float64
    assert frame["lon"].tolist() == [5.75, 6.5]  # decimals
    assert frame["rooms"].isna().tolist() == [False, True] and frame["rooms"][0] == 1.0
    assert frame["big"].tolist() == [float(2**40), 7.0]
    assert frame["code"].tolist() == [38.0, 74.0]  # dictionary-encoded integers: numbers
    assert frame["town"].tolist() == ["Grenoble", "Annecy"]  # dictionary-encoded text
    assert frame["open"].tolist() == ["true", "false"]  # booleans as their text
    assert frame["since"].tolist() == ["2020-01-02", "2020-01-02"]
    assert data.numeric_columns == ("lat", "lon", "rooms", "big", "code")
    assert frame.columns.drop(list(data.numeric_columns)).tolist() == ["town", "open", "since"]
    assert data.notes[-1].startswith("Column(s) rooms have a single value")  # 1 and a null
    assert data.feature_columns == ("big", "code")
    assert data.coercions == ()
    assert data.extent.min_latitude == 45.5 and data.extent.max_longitude == 6.5


def test_the_same_table_as_csv_and_as_parquet_gives_the_same_places() -> None:
    as_csv = read_places(CSV, filename="toy.csv")
    parquet_table = pa.table(
        {
            "name": ["A", "B", "C", "D", "E"],
            "latitude": [45.19, 45.57, 45.90, None, 46.01],
            "longitude": [5.72, 5.92, 6.13, 5.70, 6.20],
            "price": ["3.2", "", "4.1", "3.0", "NA"],  # text, as a spreadsheet export has it
            "rooms": pa.array([2, 3, None, 4, 5], pa.int64()),
            "flag": ["x"] * 5,
        }
    )
    as_parquet = read_places(parquet_bytes(parquet_table), filename="toy.parquet")
    pd.testing.assert_frame_equal(as_parquet.frame, as_csv.frame)
    price = as_parquet.frame["price"].to_numpy()  # hand-checked: rows 1, 2, 3 and 5 kept
    assert price[[0, 2]].tolist() == [3.2, 4.1] and np.isnan(price[[1, 3]]).all()
    assert as_parquet.frame["rooms"].tolist()[:2] == [2.0, 3.0]
    for field in (
        "lat_col",
        "lon_col",
        "numeric_columns",
        "feature_columns",
        "notes",
        "coercions",
    ):
        assert getattr(as_parquet, field) == getattr(as_csv, field), field
    assert "(data rows 4)" in as_parquet.notes[0]
    assert "Column 'price': 1 cell(s) read as missing ('NA' x1)." in [
        coercion.message for coercion in as_parquet.coercions
    ]
    assert as_csv.delimiter == "," and not as_csv.is_parquet


def test_names_are_cleaned_as_for_a_csv_and_chosen_coordinates_are_used() -> None:
    # Repeated and padded names: " a" and "a" collide once stripped, numbered like pandas.
    columns = [" a", "a", "Y ", "X"]
    table = pa.Table.from_arrays([pa.array([1.0, 2.0, 3.0])] * 2 + [
        pa.array([45.0, 46.0, 47.0]), pa.array([5.0, 6.0, 7.5])
    ], names=columns)  # fmt: skip
    data = read_places(parquet_bytes(table), filename="names.pq")
    assert list(data.frame.columns) == ["a", "a.1", "Y", "X"]
    assert (data.lat_col, data.lon_col) == ("Y", "X")
    assert places.column_names(parquet_bytes(table)) == ("a", "a.1", "Y", "X")
    chosen = read_places(parquet_bytes(table), lat_col="X", lon_col="Y")  # by magic bytes
    assert (chosen.lat_col, chosen.lon_col) == ("X", "Y")
    assert "The chosen latitude column 'nope' is not in the file" in _error(
        parquet_bytes(table), lat_col="nope"
    )


def test_parquet_is_chosen_by_extension_or_magic_bytes() -> None:
    good = parquet_bytes({"lat": [45.0, 46.0], "lon": [5.0, 6.0]})
    assert parquet_limits.is_parquet(good) and parquet_limits.is_parquet(b"x", "A.PARQUET")
    assert not parquet_limits.is_parquet(CSV, "toy.csv")
    assert read_places(good, filename="export.csv").n_rows == 2  # PAR1 wins over the name
    assert read_places(good).n_rows == 2  # no name: the magic bytes


def test_a_row_group_over_the_byte_limit_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    sink = pa.BufferOutputStream()
    small = pa.table({"lat": np.full(10, 45.0), "lon": np.full(10, 5.0)})
    big = pa.table({"lat": np.full(20_000, 45.0), "lon": np.full(20_000, 5.0)})  # 320 KB
    options = {"compression": "zstd", "use_dictionary": False}
    with pq.ParquetWriter(sink, small.schema, **options) as writer:
        writer.write_table(small)
        writer.write_table(big)
    data = sink.getvalue().to_pybytes()
    sizes = [
        pq.ParquetFile(pa.BufferReader(data)).metadata.row_group(i).total_byte_size
        for i in range(2)
    ]
    limit = len(data) + 1  # the file itself is within it; its second row group is not
    assert sizes[0] <= limit < sizes[1]
    monkeypatch.setattr(upload, "MAX_UPLOAD_BYTES", limit)
    monkeypatch.setattr(parquet_limits, "MAX_CSV_BYTES", limit)
    message = _error(data)
    assert f"Row group 2 of the file holds {sizes[1]:,} bytes once uncompressed" in message
    assert f"at most {limit:,} bytes are accepted" in message


def test_the_file_size_limit_applies_to_parquet_too(monkeypatch: pytest.MonkeyPatch) -> None:
    good = parquet_bytes({"lat": [45.0, 46.0], "lon": [5.0, 6.0]})
    monkeypatch.setattr(upload, "MAX_UPLOAD_BYTES", 100)
    message = _error(good, filename="p.parquet")
    assert f"The file is {len(good):,} bytes; the limit is 100 bytes" in message


def test_limits_are_one_set_of_constants_and_said_from_them() -> None:
    assert MAX_UPLOAD_BYTES == csv_limits.MAX_CSV_BYTES == 100 * 1024 * 1024
    assert csv_limits.MAX_DATA_ROWS == 2_000_000 and csv_limits.MAX_CELLS == 12_000_000
    assert limits_text() == (
        "CSV or Parquet, up to 100 MB, 2,000,000 rows, 1,000 columns and 12,000,000 cells"
    )


def test_corrupted_bytes_give_a_places_error_or_a_read_never_another_exception() -> None:
    rng = np.random.default_rng(3)
    table = pa.table(
        {
            "name": [f"p{i}" for i in range(300)],
            "lat": rng.uniform(40, 50, 300),
            "lon": rng.uniform(0, 10, 300),
            "v": rng.integers(0, 100, 300),
            "town": pa.array(["a", "b", "c"] * 100).dictionary_encode(),
        }
    )
    good = parquet_bytes(table)
    outcomes = {"read": 0, "refused": 0}
    for _ in range(300):  # a few bytes overwritten anywhere, sometimes cut off too
        data = bytearray(good)
        for at in rng.integers(0, len(data), int(rng.choice([1, 2, 4, 16]))):
            data[at] = int(rng.integers(0, 256))
        if rng.random() < 0.2:
            data = data[: int(rng.integers(0, len(data)))]
        try:
            read_places(bytes(data), filename="f.parquet")
            outcomes["read"] += 1
        except PlacesError:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 0 and outcomes["read"] > 0  # both paths were taken
