"""The outline layer under every map: coasts and borders as thin light-grey lines.

With no network the base map's tiles never arrive, and the points would float on a
blank canvas; the outline (shipped with the app, see components/engine/outline.py)
shows where they are. With network the Carto tiles are drawn too; the outline then
sits on top of them, thin and light enough not to compete with the points.
"""

from __future__ import annotations

import functools
import json

import pydeck as pdk

from components.engine.outline import load_outline

OUTLINE_LAYER_ID = "outline"
OUTLINE_COLOUR = (150, 150, 150, 255)
OUTLINE_WIDTH_PX = 1


@functools.cache
def outline_rows() -> tuple[tuple[float, ...], ...]:
    """The shipped outline's paths as flat (lon0, lat0, lon1, lat1, ...) tuples, once."""
    return tuple(tuple(path.ravel().tolist()) for path in load_outline().paths)


@functools.cache
def outline_json() -> str:
    """The outline layer's rows as compact JSON text (the file served by URL), once."""
    return json.dumps([list(row) for row in outline_rows()], separators=(",", ":"))


def outline_layer(url: str | None = None) -> pdk.Layer:
    """A PathLayer of the shipped coasts and borders, not pickable, to put first (below).

    Parameters
    ----------
    url : str, optional
        Where the browser can load :func:`outline_json` (the browser fetches it once
        and caches it, so a re-sent map stays small). None: the paths go in the deck
        (about 60 KB).

    Returns
    -------
    pydeck.Layer
        The layer, id ``"outline"``. Each row is a flat list of longitude, latitude
        pairs (``positionFormat: "XY"``).
    """
    return pdk.Layer(
        "PathLayer",
        data=url if url is not None else [list(row) for row in outline_rows()],
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
