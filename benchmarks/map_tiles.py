"""The level-of-detail tiles deck.gl loads for a deck's first view (not a benchmark).

Shared by benchmarks/rerun.py (the Clusters page's map) and benchmarks/scale.py (a places
map): both size what the browser fetches for a map, and a TileLayer's ``data`` is a URL
template, not a file. The tiles are those of the view's zoom (rounded, as deck.gl picks
them) that cover a ``MAP_WIDTH_PX`` x ``MAP_HEIGHT_PX`` map centred on the first view,
within the layer's extent (deck.gl asks for no tile outside it).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from components.engine import lod  # noqa: E402

# Wider and taller than the app's map column, so the count errs towards more tiles.
MAP_WIDTH_PX, MAP_HEIGHT_PX = 1_000, 650


def view_tiles(
    deck: dict[str, Any], tile_layer: dict[str, Any] | None = None
) -> tuple[str, list[tuple[int, int, int]]]:
    """The tile URL template and the (zoom, x, y) tiles deck.gl loads for the first view.

    Parameters
    ----------
    deck : dict
        The deck's JSON, parsed (``initialViewState`` and ``layers``).
    tile_layer : dict, optional
        The TileLayer to size; default the deck's first one.

    Returns
    -------
    tuple of str and list
        ``("", [])`` when the deck has no TileLayer (every point is in the deck itself).
    """
    view = deck["initialViewState"]
    if tile_layer is None:
        tile_layer = next(
            (layer for layer in deck["layers"] if layer["@@type"] == "TileLayer"), None
        )
    if tile_layer is None:
        return "", []
    zoom = min(max(round(view["zoom"]), 0), int(tile_layer["maxZoom"]))
    scale = 2.0 ** (zoom - view["zoom"])  # pixels of the tile zoom per screen pixel
    x, y = lod.mercator_pixels(np.array([view["longitude"]]), np.array([view["latitude"]]), zoom)
    half_w, half_h = MAP_WIDTH_PX * scale / 2, MAP_HEIGHT_PX * scale / 2
    last = 2**zoom - 1
    x0, x1 = (int(np.clip((x[0] + d) // 256, 0, last)) for d in (-half_w, half_w))
    y0, y1 = (int(np.clip((y[0] + d) // 256, 0, last)) for d in (-half_h, half_h))
    west, south, east, north = tile_layer["extent"]
    x_range, y_range = lod.tile_range((west, south, east, north), zoom)
    tiles = [
        (zoom, tx, ty)
        for tx in range(max(x0, x_range.start), min(x1, x_range.stop - 1) + 1)
        for ty in range(max(y0, y_range.start), min(y1, y_range.stop - 1) + 1)
    ]
    return tile_layer["data"], tiles


def tile_url(template: str, tile: tuple[int, int, int]) -> str:
    """``template`` with ``{z}``, ``{x}`` and ``{y}`` replaced by ``tile``'s indices."""
    zoom, x, y = tile
    return template.replace("{z}", str(zoom)).replace("{x}", str(x)).replace("{y}", str(y))
