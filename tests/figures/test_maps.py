"""Tests for components.figures.maps: the cluster map, inline and served."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pydeck as pdk
import pytest

from components.figures import deck as deck_format
from components.figures import maps
from components.figures.maps import MapRows, cluster_map_deck
from components.figures.palette import PALETTE, hex_to_rgb

from .toy_map import toy_rows


def _layer(deck: pdk.Deck, layer_id: str) -> dict:
    spec = json.loads(deck.to_json())
    return next(layer for layer in spec["layers"] if layer["id"] == layer_id)


def _decode(expression: str, point: list) -> list[float]:
    """Evaluate the position expression '[this[0] / r + a, this[1] / r + b]' for a point."""
    body = expression.removeprefix("@@=").strip("[]")
    x_part, y_part = body.split(",")
    values = []
    for part, code in ((x_part, point[0]), (y_part, point[1])):
        _, rest = part.split("/")
        resolution, origin = rest.split("+")
        values.append(code / float(resolution) + float(origin))
    return values


# ---------------------------------------------------------------- cluster map


def test_cluster_map_layers_points_and_colours() -> None:
    result = cluster_map_deck(toy_rows(), 2)
    deck = result.deck
    points = _layer(deck, "points")
    assert len(points["data"]) == 4
    assert [point[2] for point in points["data"]] == [0, 0, 1, 1]
    assert points["getFillColor"] == "@@=" + deck_format.colour_lookup_expression(2, 190)
    grey = _layer(deck, "not-clustered")
    assert len(grey["data"]) == 1 and grey["data"][0][2] == "not clustered"
    # Positions decode back to the coordinates (two decimals -> exact to 1e-9).
    expected = [(-122, 38), (-121, 37), (-118, 34), (-117, 33)]
    for point, (lon, lat) in zip(points["data"], expected, strict=True):
        decoded = _decode(points["getPosition"], point)
        assert decoded == pytest.approx([lon, lat], abs=1e-9)
    # Prices in $k to three significant digits (358.5 rounds half to even), incomes in $k.
    assert [point[3] for point in points["data"]] == [453, 358, 100, 500]
    assert [point[4] for point in points["data"]] == [83.3, 83, 25, 30]
    assert "test-points" not in [layer["id"] for layer in json.loads(deck.to_json())["layers"]]


def test_cluster_map_centroids_are_mean_positions_and_labelled() -> None:
    deck = cluster_map_deck(toy_rows(), 2).deck
    centroids = _layer(deck, "centroids")["data"]
    assert [c["position"] for c in centroids] == [[-121.5, 37.5], [-117.5, 33.5]]
    assert [c["colour"][:3] for c in centroids] == [list(hex_to_rgb(c)) for c in PALETTE[:2]]
    assert [c["text_colour"][:3] for c in centroids] == [[255, 255, 255], [0, 0, 0]]
    assert [label["text"] for label in _layer(deck, "centroid-labels")["data"]] == ["0", "1"]


def test_cluster_map_tooltip_names_array_positions() -> None:
    rows = toy_rows(extra={"Median house age": np.array([41.0, 21.0, 52.0, 10.0, np.nan])})
    result = cluster_map_deck(rows, 2)
    tooltip = result.deck._tooltip["text"]
    assert tooltip.splitlines() == [
        "Cluster {2}",
        "Median house value: ${3}k",
        "Median income: ${4}k",
        "Median house age: {5}",
    ]
    assert result.tooltip_features == ("Median house age",)
    assert _layer(result.deck, "not-clustered")["data"][0][5] == "n/a"


def test_cluster_map_test_rows_are_rings_and_can_be_hidden() -> None:
    is_test = np.array([False, True, False, True, False])
    deck = cluster_map_deck(toy_rows(is_test=is_test), 2).deck
    rings = _layer(deck, "test-points")
    assert rings["filled"] is False and rings["stroked"] is True
    assert [point[2] for point in rings["data"]] == [0, 1]
    assert len(_layer(deck, "points")["data"]) == 2
    hidden = cluster_map_deck(toy_rows(is_test=is_test), 2, show_test=False).deck
    assert "test-points" not in [layer["id"] for layer in json.loads(hidden.to_json())["layers"]]


def test_cluster_map_drops_tooltip_values_over_budget() -> None:
    rows = toy_rows(extra={"A": np.arange(5.0), "B": np.arange(5.0)})
    result = cluster_map_deck(rows, 2, payload_budget_bytes=0)
    assert result.tooltip_features == ()
    assert result.omitted_features == ("A", "B")


def test_cluster_map_validates_its_input() -> None:
    with pytest.raises(ValueError, match=r"labels lie in \[-1, 2\]"):
        cluster_map_deck(toy_rows(labels=np.array([0, 1, 2, 0, -1])), 2)
    with pytest.raises(ValueError, match=r"n_clusters=16 is out of range"):
        cluster_map_deck(toy_rows(), 16)
    with pytest.raises(ValueError, match=r"latitude has 3 rows; expected 5"):
        cluster_map_deck(toy_rows(latitude=np.zeros(3)), 2)


def test_one_formatting_serves_every_k() -> None:
    rows = toy_rows()
    points = maps.map_points(
        rows.longitude, rows.latitude, rows.median_house_value, rows.median_income, {}
    )
    two = maps.cluster_map_from_points(points, np.array([0, 0, 1, 1, -1]), 2).deck
    three = maps.cluster_map_from_points(points, np.array([0, 2, 1, 1, -1]), 3).deck
    two_points = _layer(two, "points")["data"]
    three_points = _layer(three, "points")["data"]
    assert [p[2] for p in three_points] == [0, 2, 1, 1]
    # Everything but the cluster id is the same text.
    assert [p[:2] + p[3:] for p in two_points] == [p[:2] + p[3:] for p in three_points]
    assert two_points == _layer(cluster_map_deck(rows, 2).deck, "points")["data"]
    with pytest.raises(ValueError, match=r"labels has shape \(4,\)"):
        maps.cluster_map_from_points(points, np.array([0, 0, 1, 1]), 2)


def test_cluster_map_payload_on_real_data_is_under_600_kb(housing_frame: pd.DataFrame) -> None:
    """Worst realistic case: k = 15, a test split, three extra tooltip values."""
    rng = np.random.default_rng(0)
    n_rows = len(housing_frame)
    rows = MapRows(
        longitude=housing_frame["longitude"].to_numpy(),
        latitude=housing_frame["latitude"].to_numpy(),
        labels=rng.integers(0, 15, n_rows),
        median_house_value=housing_frame["median_house_value"].to_numpy(),
        median_income=housing_frame["median_income"].to_numpy(),
        extra={
            "Median house age": housing_frame["housing_median_age"].to_numpy(),
            "Rooms per household": (
                housing_frame["total_rooms"] / housing_frame["households"]
            ).to_numpy(),
            "Population": housing_frame["population"].to_numpy(),
        },
        is_test=rng.random(n_rows) < 0.33,
    )
    result = cluster_map_deck(rows, 15)
    size = len(result.deck.to_json().encode("utf-8"))
    assert size < 600 * 1024
    spec = json.loads(result.deck.to_json())
    n_points = sum(len(layer["data"]) for layer in spec["layers"] if "points" in layer["id"])
    assert n_points == n_rows
    assert result.tooltip_features  # at least one extra value fits


# ------------------------------------------------------------ served cluster map


def _toy_points() -> maps.MapPoints:
    rows = toy_rows(extra={"Median house age": np.array([41.0, 21.0, 52.0, 10.0, np.nan])})
    return maps.map_points(
        rows.longitude, rows.latitude, rows.median_house_value, rows.median_income, rows.extra
    )


_TOY_LABELS_BY_K = {
    2: np.array([0, 0, 1, 1, -1]),
    3: np.array([0, 2, 1, 1, -1]),
    4: np.array([0, 2, 1, 3, -1]),
}


def test_served_points_carry_every_k_and_match_the_inline_rows() -> None:
    points = _toy_points()
    is_test = np.array([False, True, False, False, False])
    served = maps.served_points(points, _TOY_LABELS_BY_K, is_test)
    assert served.k_values == (2, 3, 4)
    assert [served.label_field(k) for k in (2, 3, 4)] == [2, 3, 4]
    assert served.value_field == 5
    rows = json.loads(served.layer_texts["points"])
    assert [row[2:5] for row in rows] == [[0, 0, 0], [1, 1, 1], [1, 1, 3]]
    assert json.loads(served.layer_texts["test-points"])[0][2:5] == [0, 2, 2]
    grey = json.loads(served.layer_texts["not-clustered"])
    assert grey[0][2:5] == ["not clustered"] * 3 and grey[0][7] == "n/a"
    # Apart from the ids, a served row is the inline row of cluster_map_from_points.
    inline = _layer(maps.cluster_map_from_points(points, _TOY_LABELS_BY_K[3], 3).deck, "points")
    inline_rows = inline["data"]
    served_rows = rows + json.loads(served.layer_texts["test-points"])
    by_position = {(row[0], row[1]): row for row in served_rows}
    for row in inline_rows:
        twin = by_position[(row[0], row[1])]
        assert twin[served.label_field(3)] == row[2]
        assert twin[served.value_field : served.count_field] == row[3:]
        assert twin[served.count_field] == 1 and served.count_field == len(twin) - 1


def test_served_points_skip_empty_layers_and_validate() -> None:
    points = _toy_points()
    labels = {k: np.where(v < 0, 0, v) for k, v in _TOY_LABELS_BY_K.items()}
    served = maps.served_points(points, labels)
    assert set(served.layer_texts) == {"points"}
    with pytest.raises(ValueError, match="consecutive"):
        maps.served_points(points, {2: labels[2], 4: labels[4]})
    with pytest.raises(ValueError, match=r"k's out of range: \[2\]"):
        maps.served_points(points, {2: np.array([0, 0, 2, 1, 0]), 3: labels[3]})
    with pytest.raises(ValueError, match="same rows at every k"):
        maps.served_points(points, {2: labels[2], 3: _TOY_LABELS_BY_K[3]})
    with pytest.raises(ValueError, match="expected 5, one per row"):
        maps.served_points(points, {2: labels[2][:4]})
    with pytest.raises(ValueError, match=r"n_clusters=5 is out of range"):
        served.label_field(5)


STYLE_URL = "app/static/outline/b/style.json"


def test_served_cluster_map_is_small_and_reads_the_field_of_k() -> None:
    points = _toy_points()
    served = maps.served_points(
        points, _TOY_LABELS_BY_K, np.array([False, True, False, False, False])
    )
    urls = {name: f"app/static/maps/{name}.json" for name in served.layer_texts}
    maps_by_k = {
        k: maps.cluster_map_served(
            points,
            served,
            urls,
            _TOY_LABELS_BY_K[k],
            k,
            map_style_url=STYLE_URL,
        )
        for k in (2, 4)
    }
    for k, result in maps_by_k.items():
        spec = json.loads(result.deck.to_json())
        by_id = {layer["id"].split("@")[0]: layer for layer in spec["layers"]}
        # Each served layer's id carries its file's version, so new rows get a new layer.
        assert {layer["id"] for layer in spec["layers"]} >= {
            "points@points",
            "test-points@test-poi",
        }
        assert by_id["points"]["data"] == "app/static/maps/points.json"
        assert by_id["points"]["getFillColor"] == "@@=" + deck_format.colour_lookup_expression(
            k, 190, field=k
        )
        assert by_id["test-points"]["getLineColor"] == by_id["points"]["getFillColor"]
        # Without a trigger that changes with k deck.gl would keep the old colours.
        assert by_id["points"]["updateTriggers"]["getFillColor"] == [k, k]
        assert [c["text"] for c in by_id["centroid-labels"]["data"]] == [str(i) for i in range(k)]
        assert result.deck._tooltip["text"].splitlines() == [
            f"Cluster {{{k}}}",
            "Median house value: ${5}k",
            "Median income: ${6}k",
            "Median house age: {7}",
            "Block groups at this point: {8}",
        ]
        assert len(result.deck.to_json()) < 5_000
    hidden = maps.cluster_map_served(points, served, urls, _TOY_LABELS_BY_K[2], 2, show_test=False)
    assert "test-points" not in [
        layer["id"].split("@")[0] for layer in json.loads(hidden.deck.to_json())["layers"]
    ]
    with pytest.raises(ValueError, match=r"no URL for the layers \['test-points'\]"):
        maps.cluster_map_served(
            points, served, {"points": "a", "not-clustered": "b"}, _TOY_LABELS_BY_K[2], 2
        )


def test_served_points_send_a_shared_position_once_with_its_count() -> None:
    rows = toy_rows(
        longitude=np.array([-122.0, -122.0, -118.0, -122.0, -120.0]),
        latitude=np.array([38.0, 38.0, 34.0, 38.0, 36.5]),
    )
    points = maps.map_points(
        rows.longitude, rows.latitude, rows.median_house_value, rows.median_income, {}
    )
    labels = {2: np.array([0, 1, 1, 1, 0]), 3: np.array([0, 2, 1, 1, 0])}
    served = maps.served_points(points, labels, np.array([False, False, False, True, False]))
    train = json.loads(served.layer_texts["points"])
    # Rows 0 and 1 share a position: row 1 (drawn on top) is sent, counting 2.
    assert [(row[2], row[3], row[served.count_field]) for row in train] == [
        (1, 2, 2),
        (1, 1, 1),
        (0, 0, 1),
    ]
    assert train[0][served.value_field] == 358  # row 1's price, in $k
    # Test rows are counted in their own layer.
    test = json.loads(served.layer_texts["test-points"])
    assert [row[served.count_field] for row in test] == [1]
    total = sum(
        row[served.count_field] for text in served.layer_texts.values() for row in json.loads(text)
    )
    assert total == 5
