"""The level-of-detail layer and its tiles (GeoJSON features per zoom)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from components.engine.lod import level_of_detail, tile_range
from components.figures.deck import CompactDeck
from components.figures.lod import ServedLevels, lod_layer, tile_files
from components.figures.palette import PALETTE, hex_to_rgb

LON = np.array([-121.50, -121.50, -121.49, -118.25])
LAT = np.array([38.58, 38.58, 38.58, 34.05])
LABELS = {2: np.array([0, 1, 1, 0]), 3: np.array([2, 2, 0, 1])}


def test_every_tile_of_the_extent_exists_and_holds_its_cells() -> None:
    lod = level_of_detail(LON, LAT, LABELS, {"price": np.array([100.0, 300.0, 200.0, 500.0])})
    files = tile_files(lod, {"price": "v"})
    for level in lod.levels:
        x_range, y_range = tile_range(lod.extent, level.zoom)
        names = {name for name in files if name.startswith(f"{level.zoom}/")}
        assert names == {f"{level.zoom}/{x}/{y}.json" for x in x_range for y in y_range}
        features = [f for name in names for f in json.loads(files[name])]
        assert sum(f["properties"]["n"] for f in features) == 4  # every row once
    finest = [
        feature
        for name, text in files.items()
        if name.startswith(f"{lod.max_zoom}/")
        for feature in json.loads(text)
    ]
    shared = next(f for f in finest if f["properties"]["n"] == 2)
    assert shared["geometry"] == {"type": "Point", "coordinates": [-121.5, 38.58]}
    # ids 0/1 at k = 2 tie (lowest wins, 50 %); both rows are id 2 at k = 3.
    assert shared["properties"] | {} == {
        "k2": 0,
        "k3": 2,
        "p2": 50,
        "p3": 100,
        "n": 2,
        "v": 200.0,
    }


def test_the_layer_reads_the_id_of_k_and_asks_for_no_tile_beyond_the_finest() -> None:
    served = ServedLevels(
        url_template="app/static/lod/abc123/{z}/{x}/{y}.json",
        extent=(-121.5, 34.05, -118.25, 38.58),
        max_zoom=9,
        k_values=(2, 3),
    )
    assert served.folder == "abc123"
    spec = json.loads(CompactDeck(layers=[lod_layer(served, 3, layer_tag="@abc")]).to_json())
    layer = spec["layers"][0]
    assert layer["@@type"] == "TileLayer" and layer["id"] == "points@abc"
    assert layer["data"] == served.url_template
    assert layer["maxZoom"] == 9 and layer["extent"] == list(served.extent)
    expression = layer["getFillColor"]
    assert expression.startswith("@@=properties.k3 == 0 ? ")
    for cluster in range(3):
        assert str(list(hex_to_rgb(PALETTE[cluster]))).replace(" ", "")[:-1] in expression
    assert layer["updateTriggers"] == {"getFillColor": [3]}
    assert layer["pickable"] is True
    with pytest.raises(ValueError, match=r"n_clusters=4 is out of range"):
        lod_layer(served, 4)
