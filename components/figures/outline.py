"""The outline layer under every map: coasts and borders as thin light-grey lines.

With no network the base map's tiles never arrive, and the points would float on a
blank canvas; the outline (shipped with the app, see components/engine/outline.py)
shows where they are. With network the Carto tiles are drawn too; the outline then
sits on top of them, thin and light enough not to compete with the points.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np
import plotly.graph_objects as go
import pydeck as pdk
from PIL import Image, ImageDraw

from components.engine.lod import TILE_SIZE_PX, mercator_pixels, tile_range
from components.engine.outline import load_outline

OUTLINE_LAYER_ID = "outline"
OUTLINE_COLOUR = (150, 150, 150, 255)
OUTLINE_WIDTH_PX = 1


@functools.cache
def outline_rows() -> tuple[tuple[float, ...], ...]:
    """The shipped outline's paths as flat (lon0, lat0, lon1, lat1, ...) tuples, once."""
    return tuple(tuple(path.ravel().tolist()) for path in load_outline().paths)


def outline_layer() -> pdk.Layer:
    """A PathLayer of the shipped coasts and borders, not pickable, to put first (below).

    Used when the base map style cannot be served (:func:`base_map_style` draws the
    same lines as tiles); the paths go in the deck itself.

    Returns
    -------
    pydeck.Layer
        The layer, id ``"outline"``. Each row is a flat list of longitude, latitude
        pairs (``positionFormat: "XY"``).
    """
    return pdk.Layer(
        "PathLayer",
        data=[list(row) for row in outline_rows()],
        id=OUTLINE_LAYER_ID,
        # pydeck sends text as a deck.gl expression ("@@=" + text): "-" is the row
        # itself (each row is a path), and quoted text is a string constant.
        get_path="-",
        position_format="'XY'",
        get_color=list(OUTLINE_COLOUR),
        get_width=OUTLINE_WIDTH_PX,
        width_units="'pixels'",
        width_min_pixels=OUTLINE_WIDTH_PX,
        pickable=False,
    )


# ------------------------------------------------------------ base map tiles
#
# Drawn by deck.gl, the outline is redrawn with the points on every change (a k change
# too), which in software WebGL is a large part of each redraw (BENCHMARKS.md, the
# section on the outline as base-map tiles). As raster tiles of the base map's style it
# is drawn by the map library in its own canvas, which redraws only when the camera
# moves, and it gains a level of detail for free (finer tiles when zoomed in).

# Every path down to this zoom (the world at zoom 4 is 16 x 16 tiles) ...
WORLD_MAX_ZOOM = 4
# ... and finer tiles over California and its neighbours, where the housing maps look.
DETAIL_BOX = (-126.0, 30.0, -112.0, 44.0)  # west, south, east, north (degrees)
DETAIL_ZOOMS = (5, 6, 7, 8)
_SUPERSAMPLE = 2  # drawn at twice the size, then reduced: smooth one-pixel lines
# Carto's light raster tiles: the same look as its "positron" vector style, and a raster
# source can sit under the outline in one style.
CARTO_TILE_URLS = tuple(
    f"https://{host}.basemaps.cartocdn.com/light_all/{{z}}/{{x}}/{{y}}.png" for host in "abcd"
)
CARTO_ATTRIBUTION = "© OpenStreetMap contributors © CARTO"
# Part of the served folder's name: change it when the drawing of the tiles changes.
OUTLINE_TILES_VERSION = "3"
STYLE_FILE = "style.json"  # with Carto's tiles
OFFLINE_STYLE_FILE = "style-offline.json"  # the outline alone
TileKey = tuple[int, int, int]  # zoom, x, y (XYZ scheme: y grows southwards)


def _draw_tile(pixel_paths: Sequence[np.ndarray], x: int, y: int) -> bytes:
    """PNG bytes of tile (x, y) of paths in that zoom's pixels."""
    size = TILE_SIZE_PX * _SUPERSAMPLE
    origin = np.array([x * TILE_SIZE_PX, y * TILE_SIZE_PX], dtype=float)
    image = Image.new("LA", (size, size), (0, 0))
    draw = ImageDraw.Draw(image)
    for path in pixel_paths:
        local = ((path - origin) * _SUPERSAMPLE).tolist()
        draw.line(list(map(tuple, local)), fill=(OUTLINE_COLOUR[0], 255), width=_SUPERSAMPLE)
    buffer = io.BytesIO()
    image.resize((TILE_SIZE_PX, TILE_SIZE_PX), Image.Resampling.BOX).save(buffer, format="PNG")
    return buffer.getvalue()


@functools.cache
def empty_tile() -> bytes:
    """A fully transparent 256-pixel PNG tile (a tile drawn without a line is the same)."""
    return _draw_tile([], 0, 0)


@functools.cache
def outline_tiles() -> Mapping[TileKey, bytes]:
    """The shipped outline as 256-pixel PNG tiles (Web Mercator, XYZ), drawn once.

    Zoom 0 to :data:`WORLD_MAX_ZOOM` cover the world; :data:`DETAIL_ZOOMS` cover
    :data:`DETAIL_BOX`. A tile without any line is :func:`empty_tile` (every tile the
    map may ask for exists: a missing one is an error logged in the browser).

    Returns
    -------
    Mapping of (zoom, x, y) to bytes
        PNG bytes (grey and alpha) per tile.
    """
    paths = load_outline().paths
    plan = [(zoom, (-180.0, -90.0, 180.0, 90.0)) for zoom in range(WORLD_MAX_ZOOM + 1)]
    plan += [(zoom, DETAIL_BOX) for zoom in DETAIL_ZOOMS]
    tiles: dict[TileKey, bytes] = {}
    margin = 1.0  # pixels: a line's edge may reach into the next tile
    for zoom, box in plan:
        pixel_paths = [
            np.column_stack(mercator_pixels(path[:, 0], path[:, 1], zoom)) for path in paths
        ]
        low = np.array([path.min(axis=0) for path in pixel_paths]) - margin
        high = np.array([path.max(axis=0) for path in pixel_paths]) + margin
        x_range, y_range = tile_range(box, zoom)
        for x in x_range:
            for y in y_range:
                tile_low = np.array([x, y]) * TILE_SIZE_PX
                inside = ((high >= tile_low) & (low <= tile_low + TILE_SIZE_PX)).all(axis=1)
                near = [pixel_paths[i] for i in np.flatnonzero(inside)]
                tiles[(zoom, x, y)] = _draw_tile(near, x, y) if near else empty_tile()
    return MappingProxyType(tiles)


def base_map_style(tile_url_template: str, *, with_carto: bool = True) -> dict[str, object]:
    """A map style: the outline's tiles, over Carto's light raster tiles when online.

    Parameters
    ----------
    tile_url_template : str
        URL of the outline tiles with ``{z}``, ``{x}`` and ``{y}`` (e.g. relative to the page).
    with_carto : bool
        Include Carto's tiles. Without network each of their requests fails (and the
        map library logs an error per tile), so the offline style leaves them out.

    Returns
    -------
    dict
        A Mapbox/MapLibre style (version 8), as JSON-ready values.
    """
    world_source = {
        "type": "raster",
        "tiles": [tile_url_template],
        "tileSize": TILE_SIZE_PX,
        "maxzoom": WORLD_MAX_ZOOM,
    }
    detail_source = {
        **world_source,
        "minzoom": DETAIL_ZOOMS[0],
        "maxzoom": DETAIL_ZOOMS[-1],
        "bounds": list(DETAIL_BOX),
    }
    carto_source = {
        "type": "raster",
        "tiles": list(CARTO_TILE_URLS),
        "tileSize": TILE_SIZE_PX,
        "attribution": CARTO_ATTRIBUTION,
    }
    return {
        "version": 8,
        "name": "geocluster light with outline",
        "sources": {
            **({"carto": carto_source} if with_carto else {}),
            "outline-world": world_source,
            "outline-detail": detail_source,
        },
        "layers": [
            {"id": "background", "type": "background", "paint": {"background-color": "#ffffff"}},
            *([{"id": "carto", "type": "raster", "source": "carto"}] if with_carto else []),
            {"id": "outline-world", "type": "raster", "source": "outline-world"},
            {
                "id": "outline-detail",
                "type": "raster",
                "source": "outline-detail",
                "minzoom": DETAIL_ZOOMS[0],
            },
        ],
    }


def base_map_files(url_prefix: str) -> dict[str, bytes]:
    """The files of the served base map: the style and every outline tile.

    Parameters
    ----------
    url_prefix : str
        URL of the folder the files are served from, ending with "/".

    Returns
    -------
    dict of str to bytes
        :data:`STYLE_FILE`, :data:`OFFLINE_STYLE_FILE` and ``"<z>/<x>/<y>.png"`` per tile.
    """
    if not url_prefix.endswith("/"):
        raise ValueError(f"url_prefix={url_prefix!r} must end with '/'.")
    template = url_prefix + "{z}/{x}/{y}.png"
    files = {
        name: json.dumps(
            base_map_style(template, with_carto=with_carto), separators=(",", ":")
        ).encode("utf-8")
        for name, with_carto in ((STYLE_FILE, True), (OFFLINE_STYLE_FILE, False))
    }
    files.update({f"{z}/{x}/{y}.png": png for (z, x, y), png in outline_tiles().items()})
    return files


def base_map_name() -> str:
    """A name for the served base map folder that changes when its content would."""
    paths = json.dumps([list(row) for row in outline_rows()], separators=(",", ":"))
    digest = hashlib.sha256((paths + OUTLINE_TILES_VERSION).encode("utf-8"))
    return "base-" + digest.hexdigest()[:16]


def outline_trace(
    box: tuple[float, float, float, float], width: float = 1.0, name: str = "coasts and borders"
) -> go.Scattergl:
    """The shipped coasts and borders that cross a box, as one plotly line trace.

    Parameters
    ----------
    box : tuple of float
        (west, south, east, north) in degrees.
    width : float
        Line width in pixels.
    name : str
        The trace's name.

    Returns
    -------
    plotly.graph_objects.Scattergl
        One grey line trace, its paths separated by gaps, that no hover reaches.
    """
    west, south, east, north = box
    xs: list[float] = []
    ys: list[float] = []
    for path in load_outline().paths:
        low, high = path.min(axis=0), path.max(axis=0)
        if high[0] < west or low[0] > east or high[1] < south or low[1] > north:
            continue
        xs += [*path[:, 0].tolist(), math.nan]
        ys += [*path[:, 1].tolist(), math.nan]
    red, green, blue, _ = OUTLINE_COLOUR
    return go.Scattergl(
        x=np.asarray(xs, dtype=np.float32),
        y=np.asarray(ys, dtype=np.float32),
        mode="lines",
        line={"color": f"rgb({red},{green},{blue})", "width": width},
        hoverinfo="skip",
        showlegend=False,
        name=name,
    )
