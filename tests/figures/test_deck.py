"""Tests for components.figures.deck: colour lookup, compact JSON, raw layer data, the view."""

from __future__ import annotations

import json

import numpy as np

from components.figures import deck as deck_format
from components.figures.maps import cluster_map_deck
from components.figures.palette import PALETTE, hex_to_rgb

from .toy_map import toy_rows


def test_colour_lookup_expression_is_a_conditional_chain() -> None:
    assert deck_format.colour_lookup_expression(1) == "[0,114,178,255]"
    assert deck_format.colour_lookup_expression(3, 100) == (
        "this[2] == 0 ? [0,114,178,100] : this[2] == 1 ? [230,159,0,100] : [0,158,115,100]"
    )
    expression = deck_format.colour_lookup_expression(15)
    assert expression.count("?") == 14
    assert expression.endswith(f"[{','.join(map(str, hex_to_rgb(PALETTE[14])))},255]")


def test_compact_json_is_unindented_and_memoised() -> None:
    deck = cluster_map_deck(toy_rows(), 2).deck
    text = deck.to_json()
    assert "\n" not in text and '": ' not in text and '", ' not in text
    assert deck.to_json() is text
    assert json.loads(text)["mapStyle"].startswith("https://basemaps.cartocdn.com/")


def test_raw_layer_data_is_spliced_in_and_bookkeeping_stays_out() -> None:
    text = cluster_map_deck(toy_rows(), 2).deck.to_json()
    assert "@@raw:" not in text
    assert "rawLayerData" not in text and "compactJson" not in text
    spec = json.loads(text)
    # The outline is drawn first (below), then the not-clustered and clustered rows.
    assert spec["layers"][0]["id"] == "outline"
    assert [len(layer["data"]) for layer in spec["layers"][1:3]] == [1, 4]


def test_view_state_is_stable_and_frames_the_points() -> None:
    rows = toy_rows()
    first = deck_format.view_state_for(rows.longitude, rows.latitude)
    second = deck_format.view_state_for(rows.longitude.copy(), rows.latitude.copy())
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
    assert np.radians(5.0) * scale <= 0.9 * deck_format.MAP_WIDTH_PX
    mercator_span = np.log(np.tan(np.pi / 4 + np.radians(38) / 2)) - np.log(
        np.tan(np.pi / 4 + np.radians(33) / 2)
    )
    assert mercator_span * scale <= 0.9 * deck_format.MAP_HEIGHT_PX
    assert mercator_span * scale * 2**0.25 > 0.9 * deck_format.MAP_HEIGHT_PX  # the largest such
