"""Tests of components.engine.features: catalogue, derived ratios, missing-value handling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from components.engine.data import HOUSING_COLUMNS
from components.engine.features import (
    DEFAULT_FEATURES,
    FEATURE_CATALOGUE,
    add_derived_features,
    prepare_features,
)


def test_catalogue_covers_numeric_columns_and_ratios() -> None:
    numeric = set(HOUSING_COLUMNS) - {"ocean_proximity"}
    ratios = {"rooms_per_household", "bedrooms_per_room", "population_per_household"}
    assert set(FEATURE_CATALOGUE) == numeric | ratios
    assert all(FEATURE_CATALOGUE[name].ratio is not None for name in ratios)
    assert FEATURE_CATALOGUE["median_house_value"].cap == 500_001
    assert FEATURE_CATALOGUE["housing_median_age"].cap == 52
    assert "500,001" in FEATURE_CATALOGUE["median_house_value"].description
    assert set(DEFAULT_FEATURES) <= set(FEATURE_CATALOGUE)
    assert all(f.label and f.unit and f.description for f in FEATURE_CATALOGUE.values())


def test_derived_ratios_by_hand_and_zero_denominator_is_missing() -> None:
    frame = pd.DataFrame(
        {
            "total_rooms": [10.0, 6.0],
            "total_bedrooms": [2.0, np.nan],
            "population": [9.0, 4.0],
            "households": [3.0, 0.0],
        }
    )
    derived = add_derived_features(frame)
    assert derived["rooms_per_household"].tolist()[0] == pytest.approx(10 / 3)
    assert derived["bedrooms_per_room"].tolist()[0] == pytest.approx(0.2)
    assert derived["population_per_household"].tolist()[0] == pytest.approx(3.0)
    assert np.isnan(derived["rooms_per_household"].iloc[1])  # 6 / 0 -> missing, not inf
    assert np.isnan(derived["bedrooms_per_room"].iloc[1])
    assert "rooms_per_household" not in frame.columns  # input untouched


def test_exclude_keeps_positions_and_says_so(housing_frame: pd.DataFrame) -> None:
    frame = add_derived_features(housing_frame)
    matrix = prepare_features(frame, ["latitude", "total_bedrooms"])
    assert matrix.values.shape == (20_640 - 207, 2)
    assert (matrix.message or "").startswith("207 of 20,640 rows have no value for a chosen ")
    assert "(total_bedrooms: 207)" in (matrix.message or "")
    assert "not clustered" in (matrix.message or "")
    excluded = np.setdiff1d(np.arange(len(frame)), matrix.row_positions)
    assert frame["total_bedrooms"].iloc[excluded].isna().all()
    np.testing.assert_array_equal(
        matrix.values[:, 1], frame["total_bedrooms"].iloc[matrix.row_positions].to_numpy()
    )


def test_median_fill_uses_the_other_rows_median() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0, np.nan, 10.0], "b": [0.0, 0.0, 1.0, np.inf]})
    matrix = prepare_features(frame, ["a", "b"], missing="median")
    assert matrix.values.shape == (4, 2)
    assert matrix.values[2, 0] == pytest.approx(2.0)  # median of 1, 2, 10
    assert matrix.values[3, 1] == pytest.approx(0.0)  # median of 0, 0, 1
    assert (matrix.message or "").startswith("2 of 4 rows have no value")
    assert "median" in (matrix.message or "")


def test_nothing_missing_means_no_message() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    matrix = prepare_features(frame, ["a"])
    assert matrix.message is None
    np.testing.assert_array_equal(matrix.row_positions, [0, 1])


@pytest.mark.parametrize(
    ("features", "kwargs", "match"),
    [
        ([], {}, "choose at least one"),
        (["a", "a"], {}, "repeats"),
        (["zzz"], {}, "Unknown feature"),
        (["text"], {}, "not numeric"),
        (["a"], {"missing": "drop"}, "missing='drop'"),
        (["empty"], {}, "No row has a value"),
        (["empty"], {"missing": "median"}, "no values at all"),
    ],
)
def test_bad_arguments_name_the_problem(features: list[str], kwargs: dict, match: str) -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0], "text": ["x", "y"], "empty": [np.nan, np.nan]})
    with pytest.raises(ValueError, match=match):
        prepare_features(frame, features, **kwargs)
