"""Tests of the shipped coast and border outline: the file, its loader, its layer, its maps."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit import config

from components.engine.extent import map_extent
from components.engine.outline import (
    MAX_OUTLINE_BYTES,
    OUTLINE_PATH,
    load_outline,
    parse_outline,
)
from components.figures import maps, value_map
from components.figures.alternatives import density_map_deck
from components.figures.deck import CompactDeck
from components.figures.outline import (
    DETAIL_BOX,
    DETAIL_ZOOMS,
    OFFLINE_STYLE_FILE,
    OUTLINE_COLOUR,
    OUTLINE_LAYER_ID,
    STYLE_FILE,
    TILE_SIZE_PX,
    WORLD_MAX_ZOOM,
    base_map_files,
    base_map_style,
    empty_tile,
    outline_layer,
    outline_tiles,
)
from components.figures.silhouette import silhouette_map_deck
from components.ui.cache import base_map

from .toy_map import LEVELS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LON = np.array([-122.0, -121.0, -118.0, -117.0, -120.0])
LAT = np.array([38.0, 37.0, 34.0, 33.0, 36.5])
STYLE_URL = "app/static/outline/b/style.json"


def _near(outline_paths: tuple[np.ndarray, ...], lon: float, lat: float, within: float) -> bool:
    """Whether some vertex of the outline lies within ``within`` degrees of (lon, lat)."""
    stacked = np.concatenate(outline_paths)
    return bool((np.abs(stacked - [lon, lat]).max(axis=1) <= within).any())


# ------------------------------------------------------------------ the file and its loader


def test_shipped_outline_is_small_valid_and_covers_california_and_the_world() -> None:
    size = OUTLINE_PATH.stat().st_size
    assert 20_000 < size <= 70_000  # "a few tens of KB", under the loader's limit
    assert size <= MAX_OUTLINE_BYTES
    outline = load_outline()
    assert "Census" in outline.source and "Natural Earth" in outline.source
    stacked = np.concatenate(outline.paths)
    assert 2_000 < len(stacked) < 8_000
    assert all(path.ndim == 2 and path.shape[1] == 2 and len(path) >= 2 for path in outline.paths)
    west, south = stacked.min(axis=0)
    east, north = stacked.max(axis=0)
    # The world without Antarctica.
    assert -180 <= west < -170 and 170 < east <= 180
    assert -60 < south < -50 and 80 < north < 84
    # California's coast, its borders with Oregon (42 N) and Nevada (120 W), and Mexico.
    assert _near(outline.paths, -124.2, 41.0, 0.3)  # the north coast
    assert _near(outline.paths, -122.5, 37.8, 0.2)  # the Golden Gate
    assert _near(outline.paths, -117.1, 32.6, 0.2)  # the coast at the Mexican border
    # Straight borders have vertices only where they turn: the corners of California,
    # Oregon and Nevada, the bend at Lake Tahoe, and the Colorado River at Arizona.
    assert _near(outline.paths, -120.0, 42.0, 0.05)
    assert _near(outline.paths, -120.0, 39.0, 0.05)
    assert _near(outline.paths, -114.6, 35.0, 0.1)
    # No segment jumps across the map (paths are split at the antimeridian).
    assert max(np.abs(np.diff(path[:, 0])).max() for path in outline.paths) < 90


def test_loader_reads_the_file_once_and_shares_read_only_arrays() -> None:
    assert load_outline() is load_outline()
    with pytest.raises(ValueError, match="read-only"):
        load_outline().paths[0][0, 0] = 0.0


def test_loader_reads_a_given_file(tmp_path: Path) -> None:
    path = tmp_path / "outline.json"
    path.write_text(json.dumps({"source": "test", "paths": [[0, 0, 1, 1, 2, 0]]}), "utf-8")
    outline = load_outline(path)
    assert outline.source == "test"
    np.testing.assert_array_equal(outline.paths[0], [[0, 0], [1, 1], [2, 0]])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "JSON object"),
        ('{"source": "s"}', "JSON object"),
        ('{"paths": [[0, 0, 1, 1]]}', "source"),
        ('{"source": "s", "paths": []}', "no paths"),
        ('{"source": "s", "paths": [[0, 0, 1]]}', "Path 0"),
        ('{"source": "s", "paths": [[0, 0]]}', "Path 0"),
        ('{"source": "s", "paths": [[0, 0, 1, 1], "x"]}', "Path 1"),
        ('{"source": "s", "paths": [[0, 0, NaN, 1]]}', "Path 0"),
        ('{"source": "s", "paths": [[0, 0, true, 1]]}', "Path 0"),
        ('{"source": "s", "paths": [[0, 0, 181, 1]]}', "outside"),
        ('{"source": "s", "paths": [[0, 0, 1, -91]]}', "outside"),
    ],
)
def test_loader_rejects_malformed_outlines(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_outline(text)


def test_loader_rejects_an_outline_too_large_to_send() -> None:
    flat = ",".join(["-120.12,35.12"] * (MAX_OUTLINE_BYTES // 10))
    with pytest.raises(ValueError, match="bytes; at most"):
        parse_outline(f'{{"source": "s", "paths": [[{flat}]]}}')


# ------------------------------------------------------------------ the layer


def test_outline_layer_is_a_thin_grey_path_layer_that_is_not_pickable() -> None:
    spec = json.loads(CompactDeck(layers=[outline_layer()]).to_json())["layers"][0]
    assert spec["@@type"] == "PathLayer"
    assert spec["id"] == OUTLINE_LAYER_ID
    assert spec["pickable"] is False
    assert spec["getPath"] == "@@=-"  # each row is a path
    assert spec["positionFormat"] == "XY"  # flat lon, lat pairs
    assert spec["getColor"] == list(OUTLINE_COLOUR)
    assert max(OUTLINE_COLOUR[:3]) - min(OUTLINE_COLOUR[:3]) == 0  # a neutral grey
    assert spec["widthUnits"] == "pixels" and spec["getWidth"] == 1
    # Inline, the rows are the shipped paths.
    assert len(spec["data"]) == len(load_outline().paths)
    assert spec["data"][0] == list(load_outline().paths[0].ravel())


def test_outline_tiles_draw_the_coast_where_it_is_and_nothing_elsewhere() -> None:
    tiles = outline_tiles()
    assert (0, 0, 0) in tiles  # the whole world at zoom 0
    zooms = {zoom for zoom, _, _ in tiles}
    assert zooms == set(range(WORLD_MAX_ZOOM + 1)) | set(DETAIL_ZOOMS)
    # Every tile the map may ask for exists: the world at zooms 0-4 and the detail box.
    assert sum(zoom <= WORLD_MAX_ZOOM for zoom, _, _ in tiles) == sum(
        4**zoom for zoom in range(WORLD_MAX_ZOOM + 1)
    )
    # San Francisco (-122.42, 37.77) lies in tile (40, 98) at zoom 8; the open Pacific
    # off the coast (-135, 30: tile (4, 13) at zoom 5) has no line: an empty tile.
    assert tiles[(5, 4, 13)] == empty_tile()
    assert tiles[(8, 40, 98)] != empty_tile()
    assert np.asarray(Image.open(io.BytesIO(empty_tile())).getchannel("A")).max() == 0
    image = Image.open(io.BytesIO(tiles[(8, 40, 98)]))
    assert image.size == (TILE_SIZE_PX, TILE_SIZE_PX) and image.mode == "LA"
    grey, alpha = (np.asarray(channel) for channel in image.split())
    drawn = alpha > 0
    assert 50 < drawn.sum() < TILE_SIZE_PX**2 // 4  # thin lines, not a filled tile
    # One neutral grey (off by one where the reduction blends the edges), alpha-blended.
    assert (np.abs(grey[drawn].astype(int) - OUTLINE_COLOUR[0]) <= 2).all()
    # Detail tiles only inside the detail box (at zoom 8 about 11 x 13 tiles).
    assert sum(zoom == 8 for zoom, _, _ in tiles) <= 11 * 13


def test_base_map_style_puts_the_outline_tiles_over_carto() -> None:
    style = base_map_style("app/static/outline/b/{z}/{x}/{y}.png")
    assert style["version"] == 8
    layer_ids = [layer["id"] for layer in style["layers"]]
    assert layer_ids == ["background", "carto", "outline-world", "outline-detail"]
    sources = style["sources"]
    assert sources["carto"]["tiles"][0].startswith("https://a.basemaps.cartocdn.com/light_all/")
    assert sources["outline-world"]["maxzoom"] == WORLD_MAX_ZOOM
    assert sources["outline-detail"]["bounds"] == list(DETAIL_BOX)
    files = base_map_files("app/static/outline/b/")
    assert json.loads(files[STYLE_FILE])["sources"]["outline-world"]["tiles"] == [
        "app/static/outline/b/{z}/{x}/{y}.png"
    ]
    assert len(files) == len(outline_tiles()) + 2  # the tiles and two styles


def test_base_map_is_served_once_from_its_own_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base_map, "STATIC_DIR", tmp_path / "static")
    monkeypatch.setattr(base_map, "carto_reachable", lambda: True)
    before = config.get_option("server.enableStaticServing")
    base_map.base_map_job.clear()
    try:
        config.set_option("server.enableStaticServing", True)
        url = base_map.map_style_url()
        assert url is not None and url.startswith("app/static/outline/base-")
        assert url.endswith("/" + STYLE_FILE)
        written = tmp_path / "static" / url.removeprefix("app/static/")
        style = json.loads(written.read_text(encoding="utf-8"))
        template = style["sources"]["outline-world"]["tiles"][0]
        tile = tmp_path / "static" / template.removeprefix("app/static/").format(z=0, x=0, y=0)
        assert tile.read_bytes() == outline_tiles()[(0, 0, 0)]
        stamp = written.stat().st_mtime_ns
        base_map.base_map_job.clear()  # as a new server process
        assert base_map.map_style_url() == url  # a content name: the same URL every time
        assert written.stat().st_mtime_ns == stamp  # not written again
        # Without network, the style without Carto's tiles (each would fail and log).
        monkeypatch.setattr(base_map, "carto_reachable", lambda: False)
        offline = base_map.map_style_url()
        assert offline == url.removesuffix(STYLE_FILE) + OFFLINE_STYLE_FILE
        offline_style = json.loads(written.with_name(OFFLINE_STYLE_FILE).read_text("utf-8"))
        assert "carto" not in offline_style["sources"]
        config.set_option("server.enableStaticServing", False)
        base_map.base_map_job.clear()
        assert base_map.map_style_url() is None
    finally:
        config.set_option("server.enableStaticServing", before)
        base_map.base_map_job.clear()


def test_outline_is_in_the_deck_when_the_static_folder_cannot_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setattr(base_map, "STATIC_DIR", blocker / "static")
    before = config.get_option("server.enableStaticServing")
    base_map.base_map_job.clear()
    try:
        config.set_option("server.enableStaticServing", True)
        assert base_map.map_style_url() is None
    finally:
        config.set_option("server.enableStaticServing", before)
        base_map.base_map_job.clear()


# ------------------------------------------------------------------ every map has it


def _decks() -> dict[str, CompactDeck]:
    labels = np.array([0, 0, 1, 1, 1])
    return {
        "cluster map (served base map)": maps.lod_map(
            LEVELS, LON, LAT, labels, 2, extent=map_extent(LAT, LON), value_labels=(),
            map_style_url=STYLE_URL,
        ).deck,
        "cluster map": maps.lod_map(
            LEVELS, LON, LAT, labels, 2, extent=map_extent(LAT, LON), value_labels=()
        ).deck,
        "density map": density_map_deck(LON, LAT, np.array([0, 0, -1, 1, 1]), np.full(5, 1e5)),
        "silhouette map": silhouette_map_deck(LON, LAT, np.linspace(-0.5, 0.5, 5), labels, 2),
        "value map": value_map.value_map_deck(LON, LAT, np.arange(5.0), value_label="v").deck,
    }  # fmt: skip


def test_every_map_draws_the_outline_first_below_its_points() -> None:
    for name, deck in _decks().items():
        layers = json.loads(deck.to_json())["layers"]
        ids = [layer["id"] for layer in layers]
        if name == "cluster map (served base map)":
            # The served style draws it (tiles in the base map's canvas), not the deck.
            assert OUTLINE_LAYER_ID not in ids, (name, ids)
            assert json.loads(deck.to_json())["mapStyle"] == STYLE_URL
            continue
        assert ids[0] == OUTLINE_LAYER_ID, (name, ids)
        assert ids.count(OUTLINE_LAYER_ID) == 1, (name, ids)
        assert layers[0]["pickable"] is False, name
        # The Carto base map stays: with network its tiles are drawn too.
        assert json.loads(deck.to_json())["mapStyle"].startswith("https://basemaps.cartocdn.com/")


def test_a_served_base_map_keeps_the_served_cluster_map_small() -> None:
    decks = _decks()
    served = decks["cluster map (served base map)"].to_json()
    inline = decks["cluster map"].to_json()
    assert len(served) < 5_000
    # Without the served style the outline costs its paths' JSON, once per deck.
    assert len(inline) > len(json.dumps(outline_layer().data, separators=(",", ":")))
