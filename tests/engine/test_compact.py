"""Tests of components.engine.compact: float32 only where lossless, small labels, sizes."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from components.engine.compact import (
    compact_frame,
    compact_places,
    deep_nbytes,
    exact_float64,
    exact_float64_frame,
    float32_keeps_values,
)
from components.engine.export import labelled_rows_csv, labelled_rows_geojson
from components.engine.upload import read_places


def _places_csv(n_rows: int, seed: int = 0) -> bytes:
    """Places with coordinates of 6 decimals and features of at most six digits."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "name": [f"place {i}" for i in range(n_rows)],
            "latitude": np.round(rng.normal(45.5, 0.5, n_rows), 6),
            "longitude": np.round(rng.normal(5.9, 0.6, n_rows), 6),
            "price": np.round(rng.uniform(100, 9_999, n_rows), 1),  # <= 5 digits
            "rooms": rng.integers(1, 8, n_rows),
            "ratio": rng.uniform(0, 1, n_rows),  # 16 digits: stays float64
        }
    )
    return frame.to_csv(index=False).encode("utf-8")


@pytest.mark.parametrize("exponent", range(-12, 15))
def test_six_digit_decimals_survive_float32_at_every_magnitude(exponent: int) -> None:
    digits = np.random.default_rng(exponent + 100).integers(100_000, 1_000_000, 20_000)
    text = [f"{d}e{exponent - 5}" for d in digits]
    values = np.array([float(t) for t in text])  # what a reader parses
    for signed in (values, -values):
        assert float32_keeps_values(signed)
        assert np.array_equal(exact_float64(signed.astype(np.float32)), signed)


def test_float32_is_refused_where_it_would_change_a_value() -> None:
    assert not float32_keeps_values(np.array([1.0, 1_234_567.0]))  # 7 digits
    assert not float32_keeps_values(np.array([45.123456]))  # 8 digits
    assert not float32_keeps_values(np.array([0.1, 1.0 / 3.0]))
    assert not float32_keeps_values(np.array([1e39]))  # beyond float32
    assert not float32_keeps_values(np.array([1e-40]))  # float32 subnormal
    assert float32_keeps_values(np.array([0.0, -0.0, np.nan, 3.2, 1e-5, 999_999.0, 1e6]))
    assert float32_keeps_values(np.array([], dtype=np.float64))


def test_exact_float64_gives_the_text_back_not_the_binary_widening() -> None:
    narrow = np.array([3.2, 0.1, 1234.5, np.nan, 0.0, -7.25], dtype=np.float32)
    assert narrow.astype(np.float64)[0] != 3.2
    wide = exact_float64(narrow)
    assert wide.dtype == np.float64
    np.testing.assert_array_equal(wide, [3.2, 0.1, 1234.5, np.nan, 0.0, -7.25])


def test_compact_frame_narrows_lossless_columns_and_keeps_the_rest() -> None:
    frame = pd.DataFrame(
        {
            "lat": [45.1885, 45.2],
            "price": [3.2, 1234.5],
            "ratio": [1.0 / 3.0, 0.5],
            "name": ["a", "b"],
            "count": [1, 2],
        }
    )
    compacted = compact_frame(frame, keep=("lat",))
    assert compacted["lat"].dtype == np.float64  # kept, although lossless
    assert compacted["price"].dtype == np.float32
    assert compacted["ratio"].dtype == np.float64
    assert compacted["name"].tolist() == ["a", "b"]
    assert compacted["count"].dtype == frame["count"].dtype  # only floats are narrowed
    assert list(compacted.columns) == list(frame.columns)
    assert frame["price"].dtype == np.float64  # the input is not changed
    back = exact_float64_frame(compacted)
    pd.testing.assert_frame_equal(back, frame)


def test_compact_places_keeps_coordinates_float64_and_downloads_unchanged() -> None:
    data = read_places(_places_csv(500), filename="p.csv")
    compacted = compact_places(data)
    frame = compacted.frame
    assert frame["latitude"].dtype == np.float64 and frame["longitude"].dtype == np.float64
    assert frame["price"].dtype == np.float32 and frame["rooms"].dtype == np.float32
    assert frame["ratio"].dtype == np.float64
    assert deep_nbytes(frame) < deep_nbytes(data.frame)
    labels = np.arange(data.n_rows) % 3
    # The downloads say what the file said, to the last digit.
    assert labelled_rows_csv(frame, labels) == labelled_rows_csv(data.frame, labels)
    original = json.loads(
        labelled_rows_geojson(data.frame, labels, data.lat_col, data.lon_col).decode("utf-8")
    )
    widened = json.loads(
        labelled_rows_geojson(
            exact_float64_frame(frame), labels, data.lat_col, data.lon_col
        ).decode("utf-8")
    )
    assert widened == original
    # The reader's view of the file is unchanged otherwise.
    assert compacted.numeric_columns == data.numeric_columns
    assert compacted.extent == data.extent
    pd.testing.assert_frame_equal(
        exact_float64_frame(frame), data.frame, check_dtype=False, check_exact=True
    )


def test_deep_nbytes_counts_what_a_value_holds_once() -> None:
    array = np.zeros(1_000, dtype=np.float64)
    view = array[:10]
    assert deep_nbytes(array) == 8_000
    assert deep_nbytes((array, view, array)) == 8_000  # a view is its base, counted once
    assert deep_nbytes({"a": b"12345", "b": "abc"}) == 8
    frame = pd.DataFrame({"x": np.zeros(100)})
    assert deep_nbytes(frame) >= 800
    assert deep_nbytes(object()) == 0
    data = read_places(io.BytesIO(_places_csv(50)).getvalue(), filename="p.csv")
    assert deep_nbytes(data) >= deep_nbytes(data.frame)
