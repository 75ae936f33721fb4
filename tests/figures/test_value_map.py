"""Tests of components.figures.value_map: Explore's pydeck map of a value."""

from __future__ import annotations

import json

import numpy as np

from components.figures import value_map


def test_value_map_is_a_pydeck_map_on_a_continuous_scale_over_the_outline() -> None:
    lon = np.array([-122.0, -118.0, -120.0, -121.0])
    lat = np.array([38.0, 34.0, 36.0, 37.0])
    values = np.array([100_000.0, 500_001.0, np.nan, 250_000.0])
    result = value_map.value_map_deck(lon, lat, values, value_label="Median house value")
    spec = json.loads(result.deck.to_json())
    assert [layer["id"] for layer in spec["layers"]] == ["outline", "values"]
    points = spec["layers"][1]
    assert points["@@type"] == "ScatterplotLayer" and points["pickable"] is True
    # One row per block group with a value, its value (3 significant digits) third.
    assert sorted(row[2] for row in points["data"]) == [100_000, 250_000, 500_000]
    assert result.deck._tooltip == {"text": "Median house value: {2}"}
    assert spec["mapStyle"].startswith("https://basemaps.cartocdn.com/")
    assert "viridis" in result.caption and "1 place without a value" in result.caption


def test_value_colours_run_low_to_high_on_viridis() -> None:
    colours = value_map.scale_colours()
    assert len(colours) == value_map.VALUE_MAP_LEVELS
    assert colours[0] == (69, 6, 89) and colours[-1][0] > 240  # dark purple .. yellow
    expression = value_map.value_colour_expression(0.0, 32.0)
    # Steps at 1, 2, ..., 31: below the first the first colour, from the last one the last.
    assert expression.startswith("this[2] < 1 ? [69,6,89,")
    assert expression.endswith(f"[{','.join(map(str, colours[-1]))},200]")
    assert expression.count("?") == value_map.VALUE_MAP_LEVELS - 1
