"""The compact pydeck wire format shared by every map: the deck class, coordinates and views.

The cluster map is the heaviest thing the app sends to the browser, so points travel as
short JSON arrays (integer-coded position, cluster id, a few rounded numbers) and the deck is
serialised without pydeck's indentation; see :class:`CompactDeck`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import numpy as np
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from components.engine.extent import MapExtent, map_extent
from components.figures.outline import outline_layer
from components.figures.palette import PALETTE, check_n_clusters, hex_to_rgb
from components.figures.text import deck_text

__all__ = [
    "POINT_RADIUS_M",
    "RAW_DATA_PREFIX",
    "CompactDeck",
    "coded_positions",
    "colour_chain",
    "colour_lookup_expression",
    "compact_numbers",
    "point_layer",
    "view_state_for",
    "view_state_of",
]

POINT_RADIUS_M = 900  # a dot of a per-point map: about a block group at a state's zoom


class CompactDeck(pdk.Deck):
    """A pydeck Deck whose JSON has no indentation, computed once.

    pydeck indents its JSON by two spaces, which more than doubles the size of a
    map with many points; Streamlit sends whatever ``to_json`` returns. The deck is
    built once per view and never changed afterwards, so the text is memoised.

    A layer whose ``data`` is the placeholder ``"@@raw:<name>"`` gets the ready-made
    JSON array text ``raw_layer_data[name]`` instead (the cluster map assembles its
    points as text, which is much faster than building and encoding 20,000 lists).
    """

    _compact_json: str | None = None
    _raw_layer_data: Mapping[str, str] | None = None

    def set_raw_layer_data(self, raw_layer_data: Mapping[str, str]) -> None:
        """Give the JSON array text of the layers whose data is ``"@@raw:<name>"``."""
        self._raw_layer_data = dict(raw_layer_data)
        self._compact_json = None

    def to_json(self) -> str:
        """Return the deck as compact JSON (no spaces), memoised."""
        if self._compact_json is None:
            text = json.dumps(self, sort_keys=True, default=_deck_default, separators=(",", ":"))
            for name, raw in (self._raw_layer_data or {}).items():
                text = text.replace(json.dumps(RAW_DATA_PREFIX + name), raw, 1)
            self._compact_json = text
        return self._compact_json


RAW_DATA_PREFIX = "@@raw:"
_DECK_PRIVATE_KEYS = ("_compactJson", "_rawLayerData")


def _deck_default(value: object) -> object:
    """pydeck's serialiser, minus CompactDeck's own bookkeeping attributes."""
    result = default_serialize(value)
    if isinstance(value, CompactDeck) and isinstance(result, dict):
        for key in _DECK_PRIVATE_KEYS:
            result.pop(key, None)
    return result


def view_state_of(extent: MapExtent) -> pdk.ViewState:
    """Return the pydeck view of an extent: its centre and zoom, seen from straight above.

    Parameters
    ----------
    extent : MapExtent
        From :func:`components.engine.extent.map_extent`.

    Returns
    -------
    pydeck.ViewState
        No pitch, no bearing.
    """
    return pdk.ViewState(
        latitude=extent.centre_latitude,
        longitude=extent.centre_longitude,
        zoom=extent.zoom,
        pitch=0,
        bearing=0,
    )


def base_map_deck(
    layers: Sequence[pdk.Layer],
    view_state: pdk.ViewState,
    tooltip_text: str,
    map_style_url: str | None = None,
) -> CompactDeck:
    """A compact deck of ``layers`` over a light base map with the outline, and a text tooltip.

    Parameters
    ----------
    layers : sequence of pydeck.Layer
        Drawn in order (the first below).
    view_state : pydeck.ViewState
        The initial camera.
    tooltip_text : str
        deck.gl's tooltip template (``{0}``, ``{1}``, ... name a point's fields); made safe
        for deck.gl's JSON converter here (:func:`components.figures.text.deck_text`), so
        every map's tooltip is.
    map_style_url : str, optional
        The served base map style (Carto's tiles under the outline's tiles, see
        :func:`components.figures.outline.base_map_style`): the map library draws it
        in its own canvas, redrawn only when the camera moves. None: Carto's light
        style, and the outline as the deck's first layer (redrawn with the points).

    Returns
    -------
    CompactDeck
        The deck; every map of the app is built by this one function.
    """
    if map_style_url is None:
        layers, map_style_url = [outline_layer(), *layers], "light"
    return CompactDeck(
        layers=list(layers),
        initial_view_state=view_state,
        map_provider="carto",
        map_style=map_style_url,
        tooltip={"text": deck_text(tooltip_text)},
    )


def view_state_for(longitude: np.ndarray, latitude: np.ndarray) -> pdk.ViewState:
    """Return a view that frames the points, rounded so it is stable for one data set.

    The same data always gives the same view, so re-sending the map (e.g. when k
    changes) does not move the camera the user has panned.

    Parameters
    ----------
    longitude, latitude : numpy.ndarray
        Coordinates in degrees.

    Returns
    -------
    pydeck.ViewState
        Centre (middle of the points in Web Mercator) and the largest quarter zoom at
        which they fit with a margin on a map of the expected size on the page
        (:func:`components.engine.extent.map_extent`); the whole world when no point has
        both coordinates.
    """
    lon = np.asarray(longitude, dtype=float)
    lat = np.asarray(latitude, dtype=float)
    if not (np.isfinite(lon) & np.isfinite(lat)).any():
        return pdk.ViewState(latitude=0.0, longitude=0.0, zoom=1, pitch=0, bearing=0)
    return view_state_of(map_extent(lat, lon))


def compact_numbers(values: np.ndarray, significant: int = 3) -> list[float | int | str]:
    """Round to a few significant digits, integral values as ints, so the JSON stays short.

    Missing values become the text "n/a", which the tooltip shows as is.
    """
    array = np.asarray(values, dtype=float)
    finite = np.isfinite(array)
    magnitude = np.where(finite & (array != 0), np.abs(array), 1.0)
    digits = significant - 1 - np.floor(np.log10(magnitude)).astype(int)
    rounded = np.where(finite, array, 0.0)
    fine = digits >= 0
    # Dividing by a power of ten (not multiplying by its inverse) is correctly rounded,
    # so e.g. 83.252 -> 83.3 exactly as Python's round would print it.
    up = 10.0 ** digits[fine]
    rounded[fine] = np.rint(rounded[fine] * up) / up
    down = 10.0 ** (-digits[~fine])
    rounded[~fine] = np.rint(rounded[~fine] / down) * down
    integral = (rounded == np.rint(rounded)).tolist()
    return [
        (int(value) if whole else value) if ok else "n/a"
        for value, whole, ok in zip(rounded.tolist(), integral, finite.tolist(), strict=True)
    ]


def coded_positions(
    longitude: np.ndarray, latitude: np.ndarray
) -> tuple[np.ndarray, np.ndarray, str]:
    """Code finite coordinates as small integers, with the deck.gl accessor that decodes them.

    A code is ``(value - origin) * resolution``: the origin is the whole degree below the
    smallest value, the resolution 100 when the coordinates have at most two decimals (the
    census data), else 1000.

    Parameters
    ----------
    longitude, latitude : numpy.ndarray
        Degrees, finite.

    Returns
    -------
    x_codes, y_codes : numpy.ndarray of int
        One code per point.
    position : str
        The accessor of a row ``[x, y, ...]``, without pydeck's ``@@=`` prefix.
    """
    lon = np.asarray(longitude, dtype=float)
    lat = np.asarray(latitude, dtype=float)
    both = np.concatenate([lon, lat]) * 100
    resolution = 100 if np.allclose(both, np.rint(both), atol=1e-6) else 1000
    lon_origin = float(np.floor(lon.min())) if lon.size else 0.0
    lat_origin = float(np.floor(lat.min())) if lat.size else 0.0
    return (
        np.rint((lon - lon_origin) * resolution).astype(int),
        np.rint((lat - lat_origin) * resolution).astype(int),
        f"[this[0] / {resolution} + {lon_origin:g}, this[1] / {resolution} + {lat_origin:g}]",
    )


def point_layer(layer_id: str, data: object, position: str, fill_colour: object) -> pdk.Layer:
    """A layer of the points of a per-point map, each a dot of :data:`POINT_RADIUS_M`."""
    # A block group wide, kept between 1.5 and 12 pixels whatever the zoom, and highlighted
    # under the pointer (the tooltip names the point).
    return pdk.Layer(
        "ScatterplotLayer",
        data=data,
        id=layer_id,
        get_position=position,
        get_fill_color=fill_colour,
        get_radius=POINT_RADIUS_M,
        radius_min_pixels=1.5,
        radius_max_pixels=12,
        pickable=True,
        auto_highlight=True,
    )


def colour_chain(tests: Sequence[str], colours: Sequence[tuple[int, int, int]], alpha: int) -> str:
    """A deck.gl colour accessor: the colour of the first test that holds, else the last colour.

    A chain of conditionals, not a lookup in a list of colours: the expression parser of the
    deck.gl build in Streamlit does not index array literals.

    Parameters
    ----------
    tests : sequence of str
        One expression per colour but the last.
    colours : sequence of (int, int, int)
        RGB colours.
    alpha : int
        The colours' opacity, from 0 to 255.

    Returns
    -------
    str
        ``tests[0] ? [r,g,b,alpha] : tests[1] ? ... : [r,g,b,alpha]`` (pydeck adds ``@@=``).
    """
    rgba = [f"[{r},{g},{b},{alpha}]" for r, g, b in colours]
    chain = "".join(f"{test} ? {colour} : " for test, colour in zip(tests, rgba, strict=False))
    return chain + rgba[-1]


def colour_lookup_expression(
    n_clusters: int, alpha: int = 255, field: int = 2, *, value: str | None = None
) -> str:
    """A deck.gl accessor expression mapping the cluster id in ``this[field]`` to its colour.

    See :func:`colour_chain`.

    Parameters
    ----------
    n_clusters : int
        Number of clusters (ids 0 .. n_clusters - 1), in [1, 15].
    alpha : int
        Opacity in [0, 255].
    field : int
        Position of the cluster id in each row.
    value : str, optional
        An expression for the id instead of ``this[field]`` (e.g. ``"properties.k7"``
        for GeoJSON features).

    Returns
    -------
    str
        The expression, without pydeck's ``@@=`` prefix.
    """
    check_n_clusters(n_clusters)
    cluster_id = value if value is not None else f"this[{field}]"
    tests = [f"{cluster_id} == {cluster}" for cluster in range(n_clusters - 1)]
    return colour_chain(tests, [hex_to_rgb(colour) for colour in PALETTE[:n_clusters]], alpha)
