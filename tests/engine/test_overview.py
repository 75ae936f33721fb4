"""Tests of components.engine.overview on a frame small enough to count by hand."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from components.engine.data import HousingData
from components.engine.dataset import Dataset, housing_dataset
from components.engine.overview import data_overview


def _toy_data() -> Dataset:
    frame = pd.DataFrame(
        {
            "latitude": [34.0, 35.0, 36.0, 37.0],
            "longitude": [-118.0, -119.0, -120.0, -121.0],
            "median_house_value": [500001.0, 100000.0, np.nan, 500001.0],
            "housing_median_age": [52.0, 10.0, 30.0, 20.0],
            "rooms_per_household": [np.nan, np.nan, 5.0, 4.0],
            "note": ["a", None, "c", "d"],
        }
    )
    return housing_dataset(HousingData(frame=frame, source="toy", notes=("one note",)), "toy")


def test_missing_table_counted_by_hand() -> None:
    overview = data_overview(_toy_data())
    assert overview.n_rows == 4
    assert overview.notes == ("one note",)
    missing = overview.missing.set_index("column")
    # value: 1 of 4 missing; age: none; rooms per household: 2 of 4 (derived); note: 1 of 4
    assert missing["missing"].to_dict() == {
        "latitude": 0,
        "longitude": 0,
        "median_house_value": 1,
        "housing_median_age": 0,
        "rooms_per_household": 2,
        "note": 1,
    }
    assert missing["share"].to_dict() == {
        "latitude": 0.0,
        "longitude": 0.0,
        "median_house_value": 0.25,
        "housing_median_age": 0.0,
        "rooms_per_household": 0.5,
        "note": 0.25,
    }
    assert missing["derived"].to_dict() == {
        "latitude": False,
        "longitude": False,
        "median_house_value": False,
        "housing_median_age": False,
        "rooms_per_household": True,
        "note": False,
    }


def test_capped_table_counted_by_hand() -> None:
    capped = data_overview(_toy_data()).capped
    # In catalogue order: the value cap 500001 holds 2 of 4 rows, the age cap 52 holds 1.
    assert capped["column"].tolist() == ["median_house_value", "housing_median_age"]
    assert capped["cap"].tolist() == [500001.0, 52.0]
    assert capped["rows at the cap"].tolist() == [2, 1]
    assert capped["share"].tolist() == [0.5, 0.25]


def test_empty_frame_has_zero_shares() -> None:
    data = _toy_data()
    frame = data.places.frame[["median_house_value"]].iloc[:0]
    overview = data_overview(replace(data, places=replace(data.places, frame=frame)))
    assert overview.n_rows == 0
    assert overview.missing["share"].tolist() == [0.0]
    assert overview.capped["rows at the cap"].tolist() == [0]
