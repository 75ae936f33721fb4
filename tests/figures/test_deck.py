"""Tests for components.figures.deck: colour lookup, compact JSON, raw layer data, the view."""

from __future__ import annotations

import json

import numpy as np

from components.engine.extent import MAP_HEIGHT_PX, MAP_WIDTH_PX
from components.figures import deck as deck_format
from components.figures.palette import PALETTE, hex_to_rgb
from components.figures.silhouette import silhouette_map_deck

from .toy_map import LATITUDE, LONGITUDE, toy_map


def test_colour_lookup_expression_is_a_conditional_chain() -> None:
    assert deck_format.colour_lookup_expression(1) == "[0,114,178,255]"
    assert deck_format.colour_lookup_expression(3, 100) == (
        "this[2] == 0 ? [0,114,178,100] : this[2] == 1 ? [230,159,0,100] : [0,158,115,100]"
    )
    expression = deck_format.colour_lookup_expression(15)
    assert expression.count("?") == 14
    assert expression.endswith(f"[{','.join(map(str, hex_to_rgb(PALETTE[14])))},255]")


def test_compact_json_is_unindented_and_memoised() -> None:
    deck = toy_map().deck
    text = deck.to_json()
    assert "\n" not in text and '": ' not in text and '", ' not in text
    assert deck.to_json() is text
    assert json.loads(text)["mapStyle"].startswith("https://basemaps.cartocdn.com/")


def test_raw_layer_data_is_spliced_in_and_bookkeeping_stays_out() -> None:
    silhouettes = np.linspace(-0.5, 0.5, 5)
    labels = np.array([0, 0, 1, 1, 1])
    text = silhouette_map_deck(LONGITUDE, LATITUDE, silhouettes, labels, 2).to_json()
    assert "@@raw:" not in text
    assert "rawLayerData" not in text and "compactJson" not in text
    spec = json.loads(text)
    # The outline is drawn first (below), then the points, spliced in as a JSON list.
    assert spec["layers"][0]["id"] == "outline"
    assert spec["layers"][1]["id"] == "silhouette-points"
    assert len(spec["layers"][1]["data"]) == 5


def test_view_state_is_stable_and_frames_the_points() -> None:
    first = deck_format.view_state_for(LONGITUDE, LATITUDE)
    second = deck_format.view_state_for(LONGITUDE.copy(), LATITUDE.copy())
    assert (first.latitude, first.longitude, first.zoom) == (
        second.latitude,
        second.longitude,
        second.zoom,
    )
    assert first.longitude == -119.5
    # The centre is the middle in Web Mercator: a little north of the mean latitude.
    assert 35.5 < first.latitude < 35.8
    assert first.zoom * 4 == int(first.zoom * 4)
    # At that zoom the points fit in the map (deck.gl: 512 px per 2 pi at zoom 0).
    scale = 512 * 2**first.zoom / (2 * np.pi)
    assert np.radians(5.0) * scale <= 0.9 * MAP_WIDTH_PX
    mercator_span = np.log(np.tan(np.pi / 4 + np.radians(38) / 2)) - np.log(
        np.tan(np.pi / 4 + np.radians(33) / 2)
    )
    assert mercator_span * scale <= 0.9 * MAP_HEIGHT_PX
    assert mercator_span * scale * 2**0.25 > 0.9 * MAP_HEIGHT_PX  # the largest such
