"""Tests for components.engine.clusterable: whether k clusters fit the chosen features."""

from __future__ import annotations

import pytest

from components.engine.clusterable import check_clusterable
from components.engine.upload import PlacesError, read_places


def _places() -> object:
    return read_places(b"lat,lon,size,flat\n34,-118,1,7\n35,-119,2,7\n36,-120,,7\n37,-121,4,7\n")


def _clusterable_error(places: object, features: list[str], k: int) -> str:
    with pytest.raises(PlacesError) as info:
        check_clusterable(places, features, k)
    return str(info.value)


def test_fewer_rows_than_k() -> None:
    message = _clusterable_error(_places(), ["lat", "size"], 3)
    assert message == (
        "Only 3 of the 4 places have a value for every chosen feature ('size' is empty in 1); "
        "k-means needs at least 4 to form 3 clusters. Choose k = 2 or fewer, or leave out "
        "'size' or fill in its empty cells, or add places to the file."
    )


@pytest.mark.parametrize("n_rows", [1, 2])
def test_one_or_two_places_are_told_that_k_means_needs_three(n_rows: int) -> None:
    places = read_places(b"lat,lon,v\n" + b"".join(b"4%d,5,%d\n" % (i, i) for i in range(n_rows)))
    message = _clusterable_error(places, ["lat", "lon", "v"], 2)
    place = "place" if n_rows == 1 else "places"
    assert message == (
        f"The file has {n_rows} {place} with coordinates; k-means needs at least 3 to form 2 "
        "clusters (2 clusters is the fewest). Add places to the file."
    )
    # Advice that cannot be followed: no k below 2, and fewer features do not add rows.
    assert "at most 1" not in message and "fewer features" not in message


def test_a_feature_empty_in_some_rows_is_named_when_leaving_it_out_helps() -> None:
    places = read_places(b"lat,lon,v\n45,5,1\n46,6,\n47,7,\n")
    message = _clusterable_error(places, ["lat", "lon", "v"], 2)
    assert message == (
        "Only 1 of the 3 places has a value for every chosen feature ('v' is empty in 2); "
        "k-means needs at least 3 to form 2 clusters. Leave out 'v' or fill in its empty "
        "cells, or add places to the file."
    )


def test_constant_feature_is_named() -> None:
    with pytest.raises(PlacesError, match="Feature\\(s\\) flat have the same value in every row"):
        check_clusterable(_places(), ["lat", "flat"], 2)


def test_too_few_distinct_places() -> None:
    places = read_places(b"lat,lon\n34,-118\n34,-118\n34,-118\n35,-119\n")
    message = _clusterable_error(places, ["lat", "lon"], 3)
    assert message.startswith("The places are only 2 distinct points on the chosen features")
    assert "Choose k = 2 or fewer" in message


def test_unknown_feature_and_bad_k() -> None:
    with pytest.raises(PlacesError, match="not numeric columns of the file; choose from lat, lon"):
        check_clusterable(_places(), ["colour"], 2)
    with pytest.raises(PlacesError, match="k=1 is invalid"):
        check_clusterable(_places(), ["lat"], 1)
    with pytest.raises(PlacesError, match="No feature is chosen"):
        check_clusterable(_places(), [], 2)


def test_clusterable_accepts_rows_left_out_and_a_repeated_feature() -> None:
    check_clusterable(_places(), ["lat", "lon", "size", "size"], 2)  # 3 usable rows fit k = 2
