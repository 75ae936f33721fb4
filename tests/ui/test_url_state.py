"""Tests of the URL state parsing (pure, no server)."""

from __future__ import annotations

import pytest

from components.engine.features import DEFAULT_FEATURES
from components.ui.url_state import (
    ClusterSettings,
    k_from_chart_points,
    parse_query_params,
    to_query_params,
)


def test_empty_query_gives_defaults_without_notices() -> None:
    settings, notices = parse_query_params({})
    assert settings == ClusterSettings()
    assert settings.n_clusters == 5 and settings.features == DEFAULT_FEATURES
    assert notices == ()


def test_valid_values_are_read() -> None:
    settings, notices = parse_query_params(
        {
            "k": "7",
            "features": "latitude,longitude,median_income",
            "scaler": "geographic",
            "weight": "2.5",
            "seed": "42",
            "n_init": "10",
            "split": "1",
            "missing": "median",
            "value": "median_income",
            "utm_source": "mail",  # unknown names are ignored silently
        }
    )
    assert notices == ()
    assert settings == ClusterSettings(
        n_clusters=7,
        features=("latitude", "longitude", "median_income"),
        scaler="geographic",
        location_weight=2.5,
        random_state=42,
        n_init=10,
        split=True,
        missing="median",
        value_column="median_income",
    )


def test_round_trip() -> None:
    settings = ClusterSettings(
        n_clusters=12,
        features=("median_income", "latitude", "longitude"),
        scaler="geographic",
        location_weight=0.3,
        random_state=7,
        n_init="auto",
        split=True,
        missing="median",
        value_column="housing_median_age",
    )
    assert parse_query_params(to_query_params(settings)) == (settings, ())
    plain = ClusterSettings()
    assert "weight" not in to_query_params(plain)
    assert parse_query_params(to_query_params(plain)) == (plain, ())


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"k": "abc"}, "k='abc'"),
        ({"k": "99"}, "k='99'"),
        ({"k": "1"}, "[2, 15]"),
        ({"k": "5.5"}, "k='5.5'"),
        ({"scaler": "quantum"}, "scaler='quantum'"),
        ({"weight": "-1"}, "weight='-1'"),
        ({"weight": "nan"}, "weight='nan'"),
        ({"seed": "-3"}, "seed='-3'"),
        ({"n_init": "3"}, "n_init='3'"),
        ({"split": "maybe"}, "split='maybe'"),
        ({"missing": "drop"}, "missing='drop'"),
        ({"value": "bogus"}, "value='bogus'"),
    ],
)
def test_bad_values_fall_back_to_defaults_with_a_notice(
    query: dict[str, str], fragment: str
) -> None:
    settings, notices = parse_query_params(query)
    assert settings == ClusterSettings()
    assert len(notices) == 1
    assert fragment in notices[0]
    assert "from the link" in notices[0]


def test_k_as_float_integer_and_repeated_values() -> None:
    assert parse_query_params({"k": "7.0"})[0].n_clusters == 7
    # A repeated parameter: the last value wins.
    assert parse_query_params({"k": ["3", "9"]})[0].n_clusters == 9


def test_unknown_features_are_dropped_and_reported() -> None:
    settings, notices = parse_query_params({"features": "latitude,bogus,longitude,latitude"})
    assert settings.features == ("latitude", "longitude")
    assert len(notices) == 1 and "'bogus'" in notices[0]


def test_features_may_be_repeated_parameters() -> None:
    settings, notices = parse_query_params({"features": ["median_income", "latitude"]})
    assert settings.features == ("median_income", "latitude")
    assert notices == ()


def test_no_valid_feature_gives_the_defaults() -> None:
    settings, notices = parse_query_params({"features": "bogus"})
    assert settings.features == DEFAULT_FEATURES
    assert len(notices) == 2
    assert "default features" in notices[1]


def test_geographic_scaler_without_location_falls_back() -> None:
    settings, notices = parse_query_params({"scaler": "geographic", "features": "median_income"})
    assert settings.scaler == "standard"
    assert settings.features == ("median_income",)
    assert len(notices) == 1 and "latitude and longitude" in notices[0]


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ([{"x": 7, "y": 0.4}], 7),
        ([{"x": 7.0}], 7),
        ([{"x": "9"}], 9),
        ([{"y": 1.0}, {"x": 3}], 3),
        ([{"x": 99}], None),
        ([{"x": True}], None),
        ([{"x": "abc"}], None),
        ([], None),
    ],
)
def test_k_from_chart_points(points: list[dict[str, object]], expected: int | None) -> None:
    assert k_from_chart_points(points) == expected
