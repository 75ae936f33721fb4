"""Tests of the downloads: the spreadsheet-safe CSV export and the labelled rows."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pandas as pd
import pytest

from components.engine.export import (
    labelled_rows_csv,
    labelled_rows_geojson,
    neutralise_cell,
    to_safe_csv,
)
from components.engine.upload import read_places

GOOD = (
    b"name,latitude,longitude,price\nA,34.05,-118.24,100\nB,37.77,-122.42,250\nC,32.72,-117.16,90\n"
)


@pytest.mark.parametrize("risky", ["=1+1", "+1", "-2", "@SUM(A1)", "\t=1", "\r=1"])
def test_risky_text_gets_an_apostrophe(risky: str) -> None:
    assert neutralise_cell(risky) == "'" + risky


@pytest.mark.parametrize("harmless", ["NEAR BAY", "", "a=b", "1-2", " =1"])
def test_harmless_text_is_unchanged(harmless: str) -> None:
    assert neutralise_cell(harmless) == harmless


def test_non_text_values_are_unchanged() -> None:
    assert neutralise_cell(-3) == -3
    assert neutralise_cell(None) is None


def test_to_safe_csv_neutralises_text_and_keeps_numbers() -> None:
    frame = pd.DataFrame(
        {
            "cluster": [0, 1, -1],
            "value": [-1.5, 2.0, np.nan],
            "ocean_proximity": ['=HYPERLINK("x")', "INLAND", "@cmd"],
            "category": pd.Categorical(["-a", "b", "-a"]),
            "=evil": [1, 2, 3],
        }
    )
    text = to_safe_csv(frame).decode("utf-8")
    back = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert list(back.columns) == ["cluster", "value", "ocean_proximity", "category", "'=evil"]
    assert list(back["cluster"]) == [0, 1, -1]
    assert text.splitlines()[1].startswith("0,-1.5,")
    assert list(back["ocean_proximity"]) == ['\'=HYPERLINK("x")', "INLAND", "'@cmd"]
    assert list(back["category"]) == ["'-a", "b", "'-a"]
    # The input frame is not changed.
    assert frame["ocean_proximity"].iloc[0] == '=HYPERLINK("x")'


def test_carriage_return_inside_a_cell_cannot_start_a_new_row() -> None:
    frame = pd.DataFrame({"name": ["x\r=cmd|' /C calc'!A0", "\r=1+1"], "value": [1, -2]})
    text = to_safe_csv(frame).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 3  # header + 2 rows: the "\r" stayed inside its quoted cell
    assert rows[1][0] == "x\r=cmd|' /C calc'!A0"
    assert rows[2] == ["'\r=1+1", "-2"]
    assert not any(row[0].startswith("=") for row in rows)


# --------------------------------------------------------------------------- downloads


def test_csv_download_neutralises_formula_text_and_keeps_numbers() -> None:
    frame = pd.DataFrame(
        {
            "note": ["=1+1", "+A", "-2", "@x", "\tfoo", "\rbar", "plain"],
            "delta": [-1.5, -2.0, 3.0, -4.0, 5.0, -6.0, 0.0],
        }
    )
    payload = labelled_rows_csv(frame, np.arange(7) % 2)
    rows = list(csv.reader(io.StringIO(payload.decode("utf-8"), newline="")))
    assert rows[0] == ["note", "delta", "cluster"]
    assert [row[0] for row in rows[1:]] == [
        "'=1+1",
        "'+A",
        "'-2",
        "'@x",
        "'\tfoo",
        "'\rbar",
        "plain",
    ]
    assert [row[1] for row in rows[1:]] == ["-1.5", "-2.0", "3.0", "-4.0", "5.0", "-6.0", "0.0"]
    assert [row[2] for row in rows[1:]] == ["0", "1", "0", "1", "0", "1", "0"]
    back = pd.read_csv(io.BytesIO(payload))
    assert back["delta"].dtype == np.float64 and back["delta"].min() == -6.0


def test_csv_download_quotes_a_carriage_return_so_no_row_starts_with_a_formula() -> None:
    frame = pd.DataFrame({"note": ["\r=HYPERLINK(1)", "a\r\n=2", "ok"], "v": [1.0, 2.0, 3.0]})
    payload = labelled_rows_csv(frame, np.zeros(3, dtype=int))
    rows = list(csv.reader(io.StringIO(payload.decode("utf-8"), newline="")))
    assert len(rows) == 4  # header + 3: the line breaks stay inside quoted cells
    assert [row[0] for row in rows[1:]] == ["'\r=HYPERLINK(1)", "a\r\n=2", "ok"]
    assert not any(row[0].startswith("=") for row in rows)
    assert b'"\'\r=HYPERLINK(1)"' in payload


def test_csv_download_neutralises_column_names() -> None:
    frame = pd.DataFrame({"=SUM(A1)": ["x"], "v": [1]})
    header = labelled_rows_csv(frame, np.array([0])).decode("utf-8").split("\r\n")[0]
    assert header == "'=SUM(A1),v,cluster"


def test_csv_download_does_not_overwrite_a_cluster_column() -> None:
    frame = pd.DataFrame({"cluster": ["mine", "yours"], "v": [1, 2]})
    back = pd.read_csv(io.BytesIO(labelled_rows_csv(frame, np.array([1, -1]))))
    assert back["cluster"].tolist() == ["mine", "yours"]
    assert back["cluster_2"].tolist() == [1, -1]


def test_downloads_reject_misaligned_labels() -> None:
    with pytest.raises(ValueError, match=r"expected one id per frame row \(2,\)"):
        labelled_rows_csv(pd.DataFrame({"v": [1, 2]}), np.array([0]))


def test_geojson_round_trip() -> None:
    places = read_places(GOOD + b"D,36.0,-119.0,\n")
    payload = labelled_rows_geojson(places.frame, np.array([0, 1, 0, -1]), "latitude", "longitude")
    collection = json.loads(payload)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 4
    first = collection["features"][0]
    assert first["type"] == "Feature"
    assert first["geometry"] == {"type": "Point", "coordinates": [-118.24, 34.05]}
    assert first["properties"] == {
        "name": "A",
        "latitude": 34.05,
        "longitude": -118.24,
        "price": 100.0,
        "cluster": 0,
    }
    last = collection["features"][3]["properties"]
    assert last["price"] is None  # NaN -> null
    assert last["cluster"] == -1


def test_geojson_is_strict_json_and_handles_missing_coordinates() -> None:
    frame = pd.DataFrame(
        {
            "lat": [34.0, np.nan],
            "lon": [-118.0, -119.0],
            "big": [np.inf, 1.0],
            "count": np.array([1, 2], dtype=np.int64),
            "flag": [True, False],
            "label": ["=cmd", None],
        }
    )
    payload = labelled_rows_geojson(frame, np.array([0, 1]), "lat", "lon")
    assert b"NaN" not in payload and b"Infinity" not in payload
    features = json.loads(payload)["features"]
    assert features[1]["geometry"] is None
    assert features[0]["properties"]["big"] is None
    assert features[0]["properties"]["count"] == 1
    assert features[0]["properties"]["flag"] is True
    assert features[1]["properties"]["label"] is None
    assert math.isnan(frame["lat"].iloc[1])  # the input frame is not changed


def test_geojson_rejects_unknown_coordinate_columns() -> None:
    with pytest.raises(ValueError, match="'lat' is not a column of frame"):
        labelled_rows_geojson(pd.DataFrame({"y": [1.0]}), np.array([0]), "lat", "lon")
