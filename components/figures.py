"""Plotly figures and pydeck maps for the dashboard, built from plain arrays.

Pure Python (no Streamlit): every builder takes numbers and returns a figure, so the
figures are tested without a server and the pages stay thin. Cluster ``i`` is always
drawn in ``PALETTE[i]``; the engine keeps cluster ids stable as k changes, so a
cluster keeps its colour when the k slider moves.

The cluster map is the heaviest thing the app sends to the browser (one point per
block group), so :func:`cluster_map_deck` packs each point as a short JSON array
(integer-coded position, cluster id, a few rounded numbers) and serialises the deck
without pydeck's indentation; see :class:`CompactDeck`.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import pydeck as pdk
from plotly.subplots import make_subplots
from pydeck.bindings.json_tools import default_serialize

# Okabe-Ito (colour-blind safe, in its usual order) followed by seven colours of
# Paul Tol's "muted" scheme chosen to differ from the first eight; cluster i uses
# PALETTE[i], so the order matters and must never change.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#882255",
    "#332288",
    "#999933",
    "#CC6677",
    "#117733",
    "#DDCC77",
    "#AA4499",
)
NOT_CLUSTERED_COLOUR = "#BBBBBB"
MAX_CLUSTERS = len(PALETTE)
MEDIAN_HOUSE_VALUE_CAP = 500_001.0
CONTINUOUS_COLOURSCALE = "Viridis"  # perceptually uniform and colour-blind safe

MAP_HEIGHT_PX = 560
MAP_WIDTH_PX = 760  # the map column at a common laptop width
# What the per-point arrays of the cluster map may take; the whole deck must stay
# under 600 KB, and layers, tooltip and centroids add a few KB.
MAP_PAYLOAD_BUDGET_BYTES = 560_000
_POINT_RADIUS_M = 900
_CENTROID_RADIUS_PX = 11
# Cluster ids are looked up in this per-cluster colour table on the browser side,
# so each point carries a one- or two-digit id instead of an RGB triple.
_FILL_ALPHA = 190
_NOT_CLUSTERED_LABEL = "not clustered"


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """Convert ``#RRGGBB`` to an (r, g, b) tuple of ints.

    Parameters
    ----------
    colour : str
        A colour like ``"#0072B2"``.

    Returns
    -------
    tuple of int
        Red, green and blue in [0, 255].
    """
    text = colour.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"colour={colour!r} is not of the form '#RRGGBB'.")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def cluster_colour(cluster: int) -> str:
    """Return the hex colour of a cluster id (grey for -1, not clustered).

    Parameters
    ----------
    cluster : int
        Cluster id in [0, 14], or -1.

    Returns
    -------
    str
        ``#RRGGBB``.
    """
    if cluster == -1:
        return NOT_CLUSTERED_COLOUR
    if not 0 <= cluster < MAX_CLUSTERS:
        raise ValueError(
            f"cluster={cluster!r} is out of range; expected -1 or [0, {MAX_CLUSTERS - 1}]."
        )
    return PALETTE[cluster]


def _relative_luminance(colour: str) -> float:
    channels = []
    for value in hex_to_rgb(colour):
        fraction = value / 255
        channels.append(
            fraction / 12.92 if fraction <= 0.04045 else ((fraction + 0.055) / 1.055) ** 2.4
        )
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def label_colour(background: str) -> str:
    """Black or white, whichever contrasts more with the background (WCAG contrast ratio).

    Parameters
    ----------
    background : str
        ``#RRGGBB``.

    Returns
    -------
    str
        ``"#000000"`` or ``"#FFFFFF"``.
    """
    luminance = _relative_luminance(background)
    contrast_with_white = 1.05 / (luminance + 0.05)
    contrast_with_black = (luminance + 0.05) / 0.05
    return "#000000" if contrast_with_black > contrast_with_white else "#FFFFFF"


def _check_n_clusters(n_clusters: int) -> None:
    if not isinstance(n_clusters, (int, np.integer)) or not 1 <= n_clusters <= MAX_CLUSTERS:
        raise ValueError(
            f"n_clusters={n_clusters!r} is out of range; "
            f"expected an integer in [1, {MAX_CLUSTERS}]."
        )


def _rgba(colour: str, alpha: float = 1.0) -> str:
    red, green, blue = hex_to_rgb(colour)
    return f"rgba({red},{green},{blue},{alpha:g})"


# --------------------------------------------------------------------------- map


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


def _mercator_y(latitude_deg: np.ndarray) -> np.ndarray:
    latitude = np.radians(np.clip(latitude_deg, -85.0, 85.0))
    return np.log(np.tan(np.pi / 4 + latitude / 2))


def view_state_for(
    longitude: np.ndarray,
    latitude: np.ndarray,
    *,
    width_px: int = MAP_WIDTH_PX,
    height_px: int = MAP_HEIGHT_PX,
) -> pdk.ViewState:
    """Return a view that frames the points, rounded so it is stable for one data set.

    The same data always gives the same view, so re-sending the map (e.g. when k
    changes) does not move the camera the user has panned.

    Parameters
    ----------
    longitude, latitude : numpy.ndarray
        Coordinates in degrees.
    width_px, height_px : int
        The map's expected size on the page.

    Returns
    -------
    pydeck.ViewState
        Centre (middle of the points in Web Mercator) and the largest quarter zoom
        at which they fit with a margin.
    """
    lon = np.asarray(longitude, dtype=float)
    lat = np.asarray(latitude, dtype=float)
    finite = np.isfinite(lon) & np.isfinite(lat)
    if not finite.any():
        return pdk.ViewState(latitude=0.0, longitude=0.0, zoom=1, pitch=0, bearing=0)
    lon, lat = lon[finite], lat[finite]
    lon_span = max(math.radians(float(lon.max() - lon.min())), 1e-4)
    y_low, y_high = _mercator_y(np.array([lat.min(), lat.max()]))
    y_span = max(float(y_high - y_low), 1e-4)
    # deck.gl's world is 512 px wide at zoom 0, i.e. 512 / (2 pi) px per radian.
    pixels_per_radian = min(0.9 * width_px / lon_span, 0.9 * height_px / y_span)
    zoom = float(np.clip(math.log2(pixels_per_radian * 2 * math.pi / 512), 1.0, 14.0))
    centre_y = (y_low + y_high) / 2
    centre_latitude = math.degrees(2 * math.atan(math.exp(centre_y)) - math.pi / 2)
    return pdk.ViewState(
        latitude=round(centre_latitude, 2),
        longitude=round(float((lon.max() + lon.min()) / 2), 2),
        zoom=math.floor(zoom * 4) / 4,
        pitch=0,
        bearing=0,
    )


def _compact_numbers(values: np.ndarray, significant: int = 3) -> list[float | int | str]:
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
    finite_list = finite.tolist()
    return [
        (int(value) if whole else value) if ok else "n/a"
        for value, whole, ok in zip(rounded.tolist(), integral, finite_list, strict=True)
    ]


def _position_codes(values: np.ndarray, origin: float, resolution: int) -> list[int]:
    """Code coordinates as small integers: (value - origin) * resolution."""
    return np.rint((np.asarray(values, dtype=float) - origin) * resolution).astype(int).tolist()


def _coordinate_resolution(longitude: np.ndarray, latitude: np.ndarray) -> int:
    """Return 100 when coordinates have at most two decimals (the census data), else 1000."""
    both = np.concatenate([longitude, latitude])
    both = both[np.isfinite(both)]
    on_grid = np.allclose(both * 100, np.rint(both * 100), atol=1e-6)
    return 100 if on_grid else 1000


@dataclass(frozen=True)
class MapRows:
    """Per-row values the cluster map shows, aligned with the data frame's rows.

    Attributes
    ----------
    longitude, latitude : numpy.ndarray
        Coordinates in degrees.
    labels : numpy.ndarray
        Cluster id per row, -1 where the row was not clustered.
    median_house_value : numpy.ndarray
        USD.
    median_income : numpy.ndarray
        Tens of thousands of USD (the census unit).
    extra : Mapping[str, numpy.ndarray]
        Further values for the tooltip, by human label, in display order.
    is_test : numpy.ndarray or None
        True for held-out test rows (drawn as rings), None when there is no split.
    """

    longitude: np.ndarray
    latitude: np.ndarray
    labels: np.ndarray
    median_house_value: np.ndarray
    median_income: np.ndarray
    extra: Mapping[str, np.ndarray]
    is_test: np.ndarray | None = None


@dataclass(frozen=True)
class ClusterMap:
    """The cluster map and what its tooltip shows.

    Attributes
    ----------
    deck : CompactDeck
        The map.
    tooltip_features : tuple of str
        Labels of the extra values in the tooltip.
    omitted_features : tuple of str
        Labels left out of the tooltip to keep the map small.
    """

    deck: CompactDeck
    tooltip_features: tuple[str, ...]
    omitted_features: tuple[str, ...]


def colour_lookup_expression(n_clusters: int, alpha: int = 255, field: int = 2) -> str:
    """A deck.gl accessor expression mapping the cluster id in ``this[field]`` to its colour.

    Written as a chain of conditionals (``this[2] == 0 ? [r, g, b, a] : ...``): the
    expression parser of the deck.gl build in Streamlit does not index array literals.

    Parameters
    ----------
    n_clusters : int
        Number of clusters (ids 0 .. n_clusters - 1), in [1, 15].
    alpha : int
        Opacity in [0, 255].
    field : int
        Position of the cluster id in each row.

    Returns
    -------
    str
        The expression, without pydeck's ``@@=`` prefix.
    """
    _check_n_clusters(n_clusters)
    colours = [f"[{r},{g},{b},{alpha}]" for r, g, b in map(hex_to_rgb, PALETTE[:n_clusters])]
    expression = colours[-1]
    for cluster in range(n_clusters - 2, -1, -1):
        expression = f"this[{field}] == {cluster} ? {colours[cluster]} : {expression}"
    return expression


def _json_list_bytes(values: list) -> int:
    """Bytes the values take inside compact JSON row arrays (each value plus a comma).

    ``str`` of an int or float is its JSON text; text values add two quotes.
    """
    n_text = sum(isinstance(value, str) for value in values)
    return sum(map(len, map(str, values))) + 2 * n_text + len(values)


@dataclass(frozen=True)
class MapPoints:
    """The part of the cluster map that does not depend on k: each row's JSON text.

    Row ``i`` is sent as ``head[i] + <cluster id> + tail[i]``, i.e.
    ``[x,y,cluster,price_k,income_k,*extra]``; only the cluster id changes with k.

    Attributes
    ----------
    head, tail : tuple of str
        Text before and after the cluster id, per row.
    longitude, latitude : numpy.ndarray
        Coordinates in degrees (for the centroids and the view).
    position_expression : str
        deck.gl accessor decoding the integer-coded position.
    tooltip_features, omitted_features : tuple of str
        Extra values in the tooltip, and those left out to stay within the budget.
    """

    head: tuple[str, ...]
    tail: tuple[str, ...]
    longitude: np.ndarray
    latitude: np.ndarray
    position_expression: str
    tooltip_features: tuple[str, ...]
    omitted_features: tuple[str, ...]

    @property
    def tooltip_text(self) -> str:
        """The tooltip template; ``{i}`` is the i-th value of a point's array."""
        return self.tooltip_template(label_field=2, value_field=3)

    def tooltip_template(self, label_field: int, value_field: int) -> str:
        """The tooltip template for rows with the cluster id at ``label_field``.

        Price, income and the extra values follow from ``value_field`` on.
        """
        lines = [
            f"Cluster {{{label_field}}}",
            f"Median house value: ${{{value_field}}}k",
            f"Median income: ${{{value_field + 1}}}k",
        ]
        lines += [
            f"{label}: {{{value_field + 2 + i}}}" for i, label in enumerate(self.tooltip_features)
        ]
        return "\n".join(lines)


def map_points(
    longitude: np.ndarray,
    latitude: np.ndarray,
    median_house_value: np.ndarray,
    median_income: np.ndarray,
    extra: Mapping[str, np.ndarray],
    *,
    payload_budget_bytes: int = MAP_PAYLOAD_BUDGET_BYTES,
) -> MapPoints:
    """Format every row of the cluster map once, leaving a gap for the cluster id.

    Parameters
    ----------
    longitude, latitude : numpy.ndarray
        Coordinates in degrees.
    median_house_value : numpy.ndarray
        USD (sent in thousands, three significant digits).
    median_income : numpy.ndarray
        Tens of thousands of USD (sent in thousands of USD).
    extra : mapping of str to numpy.ndarray
        Further tooltip values by label, in display order; added while the
        payload stays within ``payload_budget_bytes``.
    payload_budget_bytes : int
        Size the per-point arrays may take.

    Returns
    -------
    MapPoints
        The formatted rows.
    """
    lon = np.asarray(longitude, dtype=float)
    lat = np.asarray(latitude, dtype=float)
    n_rows = lon.shape[0]
    for name, given in (
        ("latitude", lat),
        ("median_house_value", median_house_value),
        ("median_income", median_income),
        *extra.items(),
    ):
        if np.asarray(given).shape[0] != n_rows:
            raise ValueError(f"{name} has {np.asarray(given).shape[0]} rows; expected {n_rows}.")
    resolution = _coordinate_resolution(lon, lat) if n_rows else 100
    lon_origin = float(np.floor(np.nanmin(lon))) if n_rows else 0.0
    lat_origin = float(np.floor(np.nanmin(lat))) if n_rows else 0.0
    x_codes = _position_codes(lon, lon_origin, resolution)
    y_codes = _position_codes(lat, lat_origin, resolution)
    values = [
        _compact_numbers(np.asarray(median_house_value, dtype=float) / 1000.0, 3),
        _compact_numbers(np.asarray(median_income, dtype=float) * 10.0, 3),
    ]
    # Budget: positions, a two-digit id, price and income, brackets; then extras in order.
    budget = (
        payload_budget_bytes
        - _json_list_bytes(x_codes)
        - _json_list_bytes(y_codes)
        - 3 * n_rows
        - sum(_json_list_bytes(column) for column in values)
        - 2 * n_rows
    )
    tooltip_features: list[str] = []
    omitted: list[str] = []
    for label, column_values in extra.items():
        column = _compact_numbers(column_values, 3)
        cost = _json_list_bytes(column)
        if cost <= budget:
            values.append(column)
            tooltip_features.append(label)
            budget -= cost
        else:
            omitted.append(label)
    encoded = [[json.dumps(value) for value in column] for column in values]
    head = tuple(f"[{x},{y}," for x, y in zip(x_codes, y_codes, strict=True))
    tail = tuple("," + ",".join(row) + "]" for row in zip(*encoded, strict=True))
    position = f"[this[0] / {resolution} + {lon_origin:g}, this[1] / {resolution} + {lat_origin:g}]"
    return MapPoints(
        head=head,
        tail=tail,
        longitude=lon,
        latitude=lat,
        position_expression=position,
        tooltip_features=tuple(tooltip_features),
        omitted_features=tuple(omitted),
    )


def _rows_text(
    points: MapPoints, rows: np.ndarray, label_text: Sequence[str], labels: np.ndarray
) -> str:
    head, tail = points.head, points.tail
    ids = labels[rows].tolist()
    return (
        "["
        + ",".join(
            head[row] + label_text[cluster] + tail[row]
            for row, cluster in zip(rows.tolist(), ids, strict=True)
        )
        + "]"
    )


def cluster_map_from_points(
    points: MapPoints,
    labels: np.ndarray,
    n_clusters: int,
    *,
    is_test: np.ndarray | None = None,
    view_state: pdk.ViewState | None = None,
    show_test: bool = True,
) -> ClusterMap:
    """Assemble the cluster map for one k from the pre-formatted rows.

    Parameters
    ----------
    points : MapPoints
        From :func:`map_points`.
    labels : numpy.ndarray
        Cluster id per row, -1 where the row was not clustered.
    n_clusters : int
        Number of clusters, in [1, 15]; labels must lie in [-1, n_clusters).
    is_test : numpy.ndarray, optional
        True for test rows (drawn as rings).
    view_state : pydeck.ViewState, optional
        Initial camera; default :func:`view_state_for` of the rows.
    show_test : bool
        Draw the test rows (when there are any).

    Returns
    -------
    ClusterMap
        The deck and which extra values the tooltip shows.
    """
    _check_n_clusters(n_clusters)
    labels = np.asarray(labels, dtype=int)
    n_rows = len(points.head)
    if labels.shape != (n_rows,):
        raise ValueError(f"labels has shape {labels.shape}; expected ({n_rows},), one per row.")
    if n_rows and (labels.min() < -1 or labels.max() >= n_clusters):
        raise ValueError(
            f"labels lie in [{labels.min()}, {labels.max()}]; expected [-1, {n_clusters - 1}]."
        )
    if view_state is None:
        view_state = view_state_for(points.longitude, points.latitude)
    test_mask = np.zeros(n_rows, dtype=bool) if is_test is None else np.asarray(is_test, bool)
    clustered = labels >= 0
    # Index n_clusters is never used by a clustered row; -1 (not clustered) maps to the
    # last entry, the text label.
    label_text = [str(cluster) for cluster in range(n_clusters)] + [
        json.dumps(_NOT_CLUSTERED_LABEL)
    ]
    raw = {
        "not-clustered": _rows_text(points, np.flatnonzero(~clustered), label_text, labels),
        "points": _rows_text(points, np.flatnonzero(clustered & ~test_mask), label_text, labels),
    }
    has_test_rows = show_test and bool((clustered & test_mask).any())
    if has_test_rows:
        raw["test-points"] = _rows_text(
            points, np.flatnonzero(clustered & test_mask), label_text, labels
        )
    result = _cluster_map(
        points,
        {name: RAW_DATA_PREFIX + name for name in raw},
        labels,
        n_clusters,
        label_field=2,
        tooltip=points.tooltip_text,
        view_state=view_state,
    )
    result.deck.set_raw_layer_data(raw)
    return result


def _cluster_map(
    points: MapPoints,
    layer_data: Mapping[str, str],
    labels: np.ndarray,
    n_clusters: int,
    *,
    label_field: int,
    tooltip: str,
    view_state: pdk.ViewState,
    layer_id_suffix: Mapping[str, str] | None = None,
) -> ClusterMap:
    """The cluster map: point layers (by id, in draw order) and the centroids.

    ``layer_data`` maps the layer ids "not-clustered", "points" and "test-points" to
    their ``data`` (a raw-data placeholder or a URL); missing ids are not drawn.
    """
    layer_id_suffix = layer_id_suffix or {}
    colour_of_cluster = colour_lookup_expression(n_clusters, _FILL_ALPHA, field=label_field)
    # deck.gl does not compare accessor functions: without a trigger that changes
    # with k, a layer whose data did not change would keep its old colours.
    triggers = {"getFillColor": [n_clusters, label_field], "getLineColor": [n_clusters]}
    common = {
        "get_position": points.position_expression,
        "get_radius": _POINT_RADIUS_M,
        "radius_min_pixels": 1.5,
        "radius_max_pixels": 12,
        "pickable": True,
        "auto_highlight": True,
        "update_triggers": triggers,
    }
    styles: dict[str, dict[str, object]] = {
        "not-clustered": {"get_fill_color": [*hex_to_rgb(NOT_CLUSTERED_COLOUR), 150]},
        "points": {"get_fill_color": colour_of_cluster},
        "test-points": {
            "filled": False,
            "stroked": True,
            "get_line_color": colour_of_cluster,
            "line_width_min_pixels": 1.5,
        },
    }
    layers = [
        pdk.Layer(
            "ScatterplotLayer",
            data=layer_data[name],
            id=name + layer_id_suffix.get(name, ""),
            **style,
            **common,
        )
        for name, style in styles.items()
        if name in layer_data
    ]
    layers += centroid_layers(points.longitude, points.latitude, labels, n_clusters)
    deck = CompactDeck(
        layers=layers,
        initial_view_state=view_state,
        map_provider="carto",
        map_style="light",
        tooltip={"text": tooltip},
    )
    return ClusterMap(
        deck=deck,
        tooltip_features=points.tooltip_features,
        omitted_features=points.omitted_features,
    )


@dataclass(frozen=True)
class ServedPoints:
    """The cluster map's rows with their cluster id at every k, as JSON to serve by URL.

    The browser fetches each layer's rows once per data set and features; a k change
    then only sends a new colour expression reading another field of the same rows.
    A row is ``[x, y, id at k_values[0], ..., id at k_values[-1], price_k, income_k,
    *extra, n_here]`` (the not-clustered rows carry the text "not clustered" as ids).
    Data rows at the same position would be drawn on top of each other, so each
    position is sent once per layer, as its last row, with ``n_here`` the number of
    rows there (12,590 points for the 20,640 census rows).

    Attributes
    ----------
    layer_texts : Mapping[str, str]
        JSON array text per layer id ("not-clustered", "points", "test-points"); only
        layers that have rows.
    k_values : tuple of int
        The k's whose ids the rows carry, ascending and consecutive.
    n_extra : int
        Number of extra tooltip values per row.
    """

    layer_texts: Mapping[str, str]
    k_values: tuple[int, ...]
    n_extra: int = 0

    def label_field(self, n_clusters: int) -> int:
        """Position of the cluster id at ``n_clusters`` in each row."""
        if n_clusters not in self.k_values:
            raise ValueError(
                f"n_clusters={n_clusters} is out of range; the rows carry ids for "
                f"k in [{self.k_values[0]}, {self.k_values[-1]}]."
            )
        return 2 + n_clusters - self.k_values[0]

    @property
    def value_field(self) -> int:
        """Position of the price in each row (income and the extra values follow)."""
        return 2 + len(self.k_values)

    @property
    def count_field(self) -> int:
        """Position of how many data rows share the point's position (the last field)."""
        return self.value_field + 2 + self.n_extra


def served_points(
    points: MapPoints, labels_by_k: Mapping[int, np.ndarray], is_test: np.ndarray | None = None
) -> ServedPoints:
    """Format the map's rows with every k's cluster ids, once per data set and features.

    Parameters
    ----------
    points : MapPoints
        From :func:`map_points`.
    labels_by_k : mapping of int to numpy.ndarray
        Cluster ids per row for each k (consecutive k's, each in [1, 15]); -1 where a
        row was not clustered, which must be the same rows at every k.
    is_test : numpy.ndarray, optional
        True for test rows (their own layer, drawn as rings).

    Returns
    -------
    ServedPoints
        The rows' JSON text per layer.
    """
    k_values = tuple(sorted(labels_by_k))
    if not k_values or k_values != tuple(range(k_values[0], k_values[-1] + 1)):
        raise ValueError(f"labels_by_k has k's {k_values}; expected consecutive k's.")
    for n_clusters in k_values:
        _check_n_clusters(n_clusters)
    n_rows = len(points.head)
    table = np.column_stack([np.asarray(labels_by_k[k], dtype=int) for k in k_values])
    if table.shape[0] != n_rows:
        raise ValueError(f"labels have {table.shape[0]} rows; expected {n_rows}, one per row.")
    clustered = table[:, 0] >= 0
    bad = [k for k, column in zip(k_values, table.T, strict=True) if column.max(initial=-1) >= k]
    if bad or not ((table >= 0) == clustered[:, None]).all():
        raise ValueError(
            "labels must lie in [0, k - 1] for each k, with -1 on the same rows at every k; "
            f"k's out of range: {bad}."
        )
    test_mask = np.zeros(n_rows, dtype=bool) if is_test is None else np.asarray(is_test, bool)
    not_clustered_ids = ",".join([json.dumps(_NOT_CLUSTERED_LABEL)] * len(k_values))
    ids_text = [",".join(row) for row in table.astype(str).tolist()]
    head, tail = points.head, points.tail

    def rows_text(rows: np.ndarray, fixed_ids: str | None = None) -> str:
        # Rows at the same position are drawn exactly on top of each other, so only the
        # last (the one on top) is sent, with how many share its position: 12,590
        # points instead of 20,640 for the census data, and the tooltip says so.
        on_top: dict[str, int] = {}
        sharing: dict[str, int] = {}
        for row in rows.tolist():
            on_top[head[row]] = row
            sharing[head[row]] = sharing.get(head[row], 0) + 1
        return (
            "["
            + ",".join(
                head[row] + (fixed_ids or ids_text[row]) + tail[row][:-1] + f",{sharing[key]}]"
                for key, row in sorted(on_top.items(), key=lambda item: item[1])
            )
            + "]"
        )

    selections = {
        "not-clustered": (np.flatnonzero(~clustered), not_clustered_ids),
        "points": (np.flatnonzero(clustered & ~test_mask), None),
        "test-points": (np.flatnonzero(clustered & test_mask), None),
    }
    layer_texts = {
        name: rows_text(rows, fixed_ids)
        for name, (rows, fixed_ids) in selections.items()
        if rows.size
    }
    return ServedPoints(
        layer_texts=layer_texts, k_values=k_values, n_extra=len(points.tooltip_features)
    )


def cluster_map_served(
    points: MapPoints,
    served: ServedPoints,
    urls: Mapping[str, str],
    labels: np.ndarray,
    n_clusters: int,
    *,
    view_state: pdk.ViewState | None = None,
    show_test: bool = True,
) -> ClusterMap:
    """The cluster map at one k, its points loaded by the browser from ``urls``.

    The deck is a few KB: the layers name their rows' URLs, the colour expression
    reads the id of this k, and only the centroids are sent inline.

    Parameters
    ----------
    points : MapPoints
        From :func:`map_points` (positions and tooltip contents).
    served : ServedPoints
        From :func:`served_points`.
    urls : mapping of str to str
        URL of each layer's rows (the layers of ``served.layer_texts``).
    labels : numpy.ndarray
        Cluster id per row at ``n_clusters`` (for the centroids).
    n_clusters : int
        Number of clusters, one of ``served.k_values``.
    view_state : pydeck.ViewState, optional
        Initial camera; default :func:`view_state_for` of the rows.
    show_test : bool
        Draw the test rows (when there are any).

    Returns
    -------
    ClusterMap
        The deck and which extra values the tooltip shows.
    """
    label_field = served.label_field(n_clusters)
    missing = sorted(set(served.layer_texts) - set(urls))
    if missing:
        raise ValueError(f"urls has no URL for the layers {missing}.")
    layer_data = {
        name: urls[name] for name in served.layer_texts if show_test or name != "test-points"
    }
    return _cluster_map(
        points,
        layer_data,
        np.asarray(labels, dtype=int),
        n_clusters,
        label_field=label_field,
        tooltip=points.tooltip_template(label_field, served.value_field)
        + f"\nBlock groups at this point: {{{served.count_field}}}",
        view_state=view_state or view_state_for(points.longitude, points.latitude),
        # A new file gets a new layer: deck.gl would otherwise redraw the old rows in the
        # new colours first (a second full draw) while the new rows load.
        # The tag is the file name's start: the served names are content hashes.
        layer_id_suffix={
            name: "@" + urls[name].rsplit("/", 1)[-1].split(".", 1)[0][:8] for name in layer_data
        },
    )


def cluster_map_deck(
    rows: MapRows,
    n_clusters: int,
    *,
    view_state: pdk.ViewState | None = None,
    show_test: bool = True,
    payload_budget_bytes: int = MAP_PAYLOAD_BUDGET_BYTES,
) -> ClusterMap:
    """Build the cluster map: one point per row, centroids labelled, a tooltip.

    Each point is sent as ``[x, y, cluster, price_k, income_k, *extra]`` where x, y
    are integer-coded positions decoded in the browser; the tooltip refers to the
    array positions. Test rows (if any) are drawn as rings in their cluster's
    colour; rows that were not clustered (missing values) in grey. Equivalent to
    :func:`map_points` followed by :func:`cluster_map_from_points`.

    Parameters
    ----------
    rows : MapRows
        Values per row.
    n_clusters : int
        Number of clusters, in [1, 15]; labels must lie in [-1, n_clusters).
    view_state : pydeck.ViewState, optional
        Initial camera; default :func:`view_state_for` of the rows. Keep it the
        same across calls so the browser does not reset the camera.
    show_test : bool
        Draw the test rows (when there are any).
    payload_budget_bytes : int
        Size the point arrays may take; the extra tooltip values are added in
        order while they fit, the rest are named in ``omitted_features``.

    Returns
    -------
    ClusterMap
        The deck (Carto base map, no token needed) and which extra values the
        tooltip shows.
    """
    _check_n_clusters(n_clusters)
    labels = np.asarray(rows.labels, dtype=int)
    if np.asarray(rows.longitude).shape[0] != labels.shape[0]:
        raise ValueError(
            f"rows.longitude has a different length than rows.labels ({labels.shape[0]})."
        )
    points = map_points(
        rows.longitude,
        rows.latitude,
        rows.median_house_value,
        rows.median_income,
        rows.extra,
        payload_budget_bytes=payload_budget_bytes,
    )
    return cluster_map_from_points(
        points,
        labels,
        n_clusters,
        is_test=rows.is_test,
        view_state=view_state,
        show_test=show_test,
    )


def cluster_centroids(
    longitude: np.ndarray, latitude: np.ndarray, labels: np.ndarray, n_clusters: int
) -> list[tuple[float, float]]:
    """Return the mean (longitude, latitude) of each cluster's rows; NaN for an empty one.

    Parameters
    ----------
    longitude, latitude : numpy.ndarray
        Coordinates in degrees.
    labels : numpy.ndarray
        Cluster id per row (-1 rows are ignored).
    n_clusters : int
        Number of clusters.

    Returns
    -------
    list of (float, float)
        One (longitude, latitude) per cluster id.
    """
    labels = np.asarray(labels, dtype=int)
    keep = labels >= 0
    counts = np.bincount(labels[keep], minlength=n_clusters).astype(float)
    sums_lon = np.bincount(labels[keep], weights=np.asarray(longitude)[keep], minlength=n_clusters)
    sums_lat = np.bincount(labels[keep], weights=np.asarray(latitude)[keep], minlength=n_clusters)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_lon = sums_lon / counts
        mean_lat = sums_lat / counts
    return [(float(a), float(b)) for a, b in zip(mean_lon, mean_lat, strict=True)]


# ------------------------------------------------------------------- box plots


@dataclass(frozen=True)
class BoxStats:
    """Five-number summary of one group, as Tukey's box plot draws it.

    Attributes
    ----------
    n : int
        Number of finite values.
    q1, median, q3 : float
        Quartiles (linear interpolation, as numpy).
    lower_fence, upper_fence : float
        Whisker ends: the most extreme values within 1.5 IQR of the box.
    mean : float
        Arithmetic mean.
    """

    n: int
    q1: float
    median: float
    q3: float
    lower_fence: float
    upper_fence: float
    mean: float


def box_stats(values: np.ndarray) -> BoxStats | None:
    """Summarise values for a box plot (None when there is no finite value).

    Parameters
    ----------
    values : numpy.ndarray
        The group's values.

    Returns
    -------
    BoxStats or None
        The summary.
    """
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return None
    q1, median, q3 = np.percentile(finite, [25, 50, 75])
    reach = 1.5 * (q3 - q1)
    lower = finite[finite >= q1 - reach].min()
    upper = finite[finite <= q3 + reach].max()
    return BoxStats(
        n=int(finite.size),
        q1=float(q1),
        median=float(median),
        q3=float(q3),
        lower_fence=float(lower),
        upper_fence=float(upper),
        mean=float(finite.mean()),
    )


def cluster_name(cluster: int) -> str:
    """Return the axis label of a cluster id."""
    return f"Cluster {cluster}"


def feature_boxplot(
    values: np.ndarray,
    labels: np.ndarray,
    n_clusters: int,
    *,
    feature_label: str,
    cap: float | None = None,
    is_test: np.ndarray | None = None,
) -> go.Figure:
    """Box plot of a feature per cluster, in the map's colours and order.

    Boxes are drawn from precomputed quartiles and fences, so the figure carries
    a handful of numbers per cluster instead of every row.

    Parameters
    ----------
    values : numpy.ndarray
        The feature per row.
    labels : numpy.ndarray
        Cluster id per row (-1 rows are left out).
    n_clusters : int
        Number of clusters, in [1, 15].
    feature_label : str
        Axis title.
    cap : float, optional
        A census top-code to mark with a dashed line (e.g. 500,001 USD).
    is_test : numpy.ndarray, optional
        True for test rows: then each cluster gets a train box and a test box.

    Returns
    -------
    plotly.graph_objects.Figure
        One box trace per cluster (two per cluster with a split).
    """
    _check_n_clusters(n_clusters)
    values = np.asarray(values, dtype=float)
    labels = np.asarray(labels, dtype=int)
    if values.shape != labels.shape:
        raise ValueError(f"values has shape {values.shape} but labels has {labels.shape}.")
    groups: list[tuple[str, np.ndarray | None]] = [("", None)]
    if is_test is not None:
        test_mask = np.asarray(is_test, dtype=bool)
        groups = [("train", ~test_mask), ("test", test_mask)]
    traces: list[dict] = []
    for cluster in range(n_clusters):
        for group_name, mask in groups:
            selected = labels == cluster if mask is None else (labels == cluster) & mask
            stats = box_stats(values[selected])
            if stats is None:
                continue
            colour = PALETTE[cluster]
            name = cluster_name(cluster) + (f" ({group_name})" if group_name else "")
            trace = {
                "type": "box",
                "x": [cluster_name(cluster)],
                "q1": [stats.q1],
                "median": [stats.median],
                "q3": [stats.q3],
                "lowerfence": [stats.lower_fence],
                "upperfence": [stats.upper_fence],
                "mean": [stats.mean],
                "name": name,
                "marker": {"color": colour},
                "line": {"color": colour},
                "fillcolor": _rgba(colour, 0.15 if group_name == "test" else 0.55),
                "showlegend": False,
                "hovertemplate": (
                    f"{name}<br>n = {stats.n:,}<br>median %{{median:,.4g}}"
                    "<br>q1 %{q1:,.4g} · q3 %{q3:,.4g}<extra></extra>"
                ),
            }
            if group_name:
                trace["offsetgroup"] = group_name
                trace["legendgroup"] = group_name
            traces.append(trace)
    layout: dict = {
        "boxmode": "group" if is_test is not None else "overlay",
        "yaxis": {"title": {"text": feature_label}},
        "xaxis": {
            "categoryorder": "array",
            "categoryarray": [cluster_name(i) for i in range(n_clusters)],
        },
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "height": 360,
    }
    if cap is not None:
        layout["shapes"] = [
            {
                "type": "line",
                "name": "census cap",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": cap,
                "y1": cap,
                "line": {"color": "#444444", "dash": "dash", "width": 1.5},
            }
        ]
        layout["annotations"] = [
            {
                "text": f"census cap {cap:,.0f}",
                "xref": "paper",
                "x": 0,
                "xanchor": "left",
                "yref": "y",
                "y": cap,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11, "color": "#444444"},
            }
        ]
    # Built from plain dicts without re-validation: this runs on every new k, and the
    # tests validate the same structure with plotly's validators.
    return go.Figure({"data": traces, "layout": layout}, _validate=False)


# ---------------------------------------------------------------- elbow chart


@dataclass(frozen=True)
class SuggestedK:
    """One named suggestion for k, for :func:`elbow_chart`."""

    name: str
    k: int


def elbow_chart_base(
    k_values: Sequence[int],
    inertia: Sequence[float],
    silhouette: Sequence[float],
    *,
    suggestions: Sequence[SuggestedK] = (),
    silhouette_title: str = "Silhouette",
) -> dict:
    """The elbow chart without the current-k mark, as a plain figure dict.

    Built once per sweep; :func:`mark_current_k` adds the k-dependent part cheaply.

    Parameters
    ----------
    k_values : sequence of int
        The k's of the sweep.
    inertia, silhouette : sequence of float
        One value per k.
    suggestions : sequence of SuggestedK
        Named k's (knee, best silhouette, best Calinski-Harabasz) marked by dotted
        lines with their names; names of suggestions on the same k are joined.
    silhouette_title : str
        Axis title of the lower panel (e.g. noting a sampled silhouette).

    Returns
    -------
    dict
        A validated plotly figure dict.
    """
    ks = [int(k) for k in k_values]
    if not (len(ks) == len(inertia) == len(silhouette)) or not ks:
        raise ValueError(
            f"k_values, inertia and silhouette must be non-empty and of one length; got "
            f"{len(ks)}, {len(inertia)}, {len(silhouette)}."
        )
    figure = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.5, 0.5]
    )
    line_colour = "#444444"
    for row, (name, values) in enumerate((("Inertia", inertia), (silhouette_title, silhouette)), 1):
        figure.add_trace(
            go.Scatter(
                x=ks,
                y=[float(v) for v in values],
                mode="lines+markers",
                name=name,
                line={"color": line_colour},
                marker={"size": 9, "color": line_colour},
                hovertemplate=f"k = %{{x}}<br>{name} %{{y:,.4g}}<extra>click to show</extra>",
                showlegend=False,
            ),
            row=row,
            col=1,
        )
        figure.update_yaxes(title_text=name, row=row, col=1)
    by_k: dict[int, list[str]] = {}
    for suggestion in suggestions:
        by_k.setdefault(int(suggestion.k), []).append(suggestion.name)
    middle = (min(ks) + max(ks)) / 2
    shapes = []
    annotations = []
    previous_k: int | None = None
    level = 0
    for k, names in sorted(by_k.items()):
        # Labels of nearby k's are stacked so they do not overlap.
        level = level + 1 if previous_k is not None and k - previous_k <= 3 else 0
        previous_k = k
        shapes.append(
            {
                "type": "line",
                "name": "suggested k",
                "xref": "x",
                "x0": k,
                "x1": k,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"color": PALETTE[5], "dash": "dot", "width": 1.5},
            }
        )
        annotations.append(
            {
                "text": f"{' & '.join(names)} (k={k})",
                "xref": "x",
                "x": k,
                "xanchor": "left" if k <= middle else "right",
                "yref": "paper",
                "y": 1.0,
                "yanchor": "bottom",
                "yshift": 2 + 15 * (level % 3),
                "showarrow": False,
                "font": {"size": 11, "color": PALETTE[5]},
            }
        )
    figure.update_layout(shapes=shapes, annotations=[*figure.layout.annotations, *annotations])
    figure.update_xaxes(title_text="k (number of clusters)", dtick=1, row=2, col=1)
    figure.update_layout(
        height=440,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        clickmode="event+select",
        dragmode=False,
        hovermode="closest",
    )
    return figure.to_dict()


def mark_current_k(base: dict, current_k: int) -> go.Figure:
    """Return a copy of an elbow chart with the current k marked (line and rings).

    Parameters
    ----------
    base : dict
        From :func:`elbow_chart_base` (not changed).
    current_k : int
        The k shown on the page; marked when it is one of the chart's k's.

    Returns
    -------
    plotly.graph_objects.Figure
        The figure (the base was validated when built, so it is not validated again).
    """
    figure_dict = copy.deepcopy(base)
    curves = figure_dict["data"][:2]
    ring = {"size": 17, "color": "rgba(0,0,0,0)", "line": {"color": PALETTE[0], "width": 3}}
    for curve in curves:
        ks = [int(k) for k in curve["x"]]
        if current_k not in ks:
            continue
        figure_dict["data"].append(
            {
                "type": "scatter",
                "x": [current_k],
                "y": [curve["y"][ks.index(current_k)]],
                "mode": "markers",
                "name": f"current k = {current_k}",
                "marker": ring,
                "hoverinfo": "skip",
                "showlegend": False,
                "xaxis": curve.get("xaxis", "x"),
                "yaxis": curve.get("yaxis", "y"),
            }
        )
    shapes = list(figure_dict["layout"].get("shapes", ()))
    shapes.append(
        {
            "type": "line",
            "x0": current_k,
            "x1": current_k,
            "xref": "x",
            "y0": 0,
            "y1": 1,
            "yref": "paper",
            "line": {"color": PALETTE[0], "width": 2},
            "name": "current k",
        }
    )
    figure_dict["layout"]["shapes"] = shapes
    return go.Figure(figure_dict, _validate=False)


def elbow_chart(
    k_values: Sequence[int],
    inertia: Sequence[float],
    silhouette: Sequence[float],
    *,
    current_k: int,
    suggestions: Sequence[SuggestedK] = (),
    silhouette_title: str = "Silhouette",
) -> go.Figure:
    """Inertia and silhouette across k, current k and suggested k's marked.

    Points on both curves are clickable (selection mode "points"): their x is a k.

    Parameters
    ----------
    k_values : sequence of int
        The k's of the sweep.
    inertia, silhouette : sequence of float
        One value per k.
    current_k : int
        The k shown on the page (marked by a solid line and rings).
    suggestions : sequence of SuggestedK
        Named k's marked by dotted lines with their names.
    silhouette_title : str
        Axis title of the lower panel.

    Returns
    -------
    plotly.graph_objects.Figure
        Two panels sharing the k axis.
    """
    base = elbow_chart_base(
        k_values,
        inertia,
        silhouette,
        suggestions=suggestions,
        silhouette_title=silhouette_title,
    )
    return mark_current_k(base, current_k)


# ------------------------------------------------------------ explore figures


def value_map_figure(
    longitude: np.ndarray,
    latitude: np.ndarray,
    values: np.ndarray,
    *,
    value_label: str,
    center: tuple[float, float] | None = None,
    zoom: float = 4.6,
) -> go.Figure:
    """Map of a value by location with a continuous, colour-blind safe colour scale.

    Coordinates and values are sent as float32 arrays (plotly encodes numpy arrays
    in binary), which keeps 20,640 points small.

    Parameters
    ----------
    longitude, latitude, values : numpy.ndarray
        One entry per row.
    value_label : str
        Colour bar title.
    center : (longitude, latitude), optional
        Map centre; default the middle of the points.
    zoom : float
        Initial zoom.

    Returns
    -------
    plotly.graph_objects.Figure
        A ``Scattermap`` on Carto's light base map.
    """
    lon = np.asarray(longitude, dtype=np.float32)
    lat = np.asarray(latitude, dtype=np.float32)
    colour = np.asarray(values, dtype=np.float32)
    if not (lon.shape == lat.shape == colour.shape):
        raise ValueError("longitude, latitude and values must have one shape.")
    if center is None:
        center = (
            float((np.nanmax(lon) + np.nanmin(lon)) / 2),
            float((np.nanmax(lat) + np.nanmin(lat)) / 2),
        )
    figure = go.Figure(
        go.Scattermap(
            lon=lon,
            lat=lat,
            mode="markers",
            marker={
                "size": 4,
                "color": colour,
                "colorscale": CONTINUOUS_COLOURSCALE,
                "opacity": 0.8,
                "colorbar": {"title": {"text": value_label}},
            },
            hovertemplate=f"{value_label}: %{{marker.color:,.4g}}<extra></extra>",
        )
    )
    figure.update_layout(
        map={
            "style": "carto-positron",
            "center": {"lon": center[0], "lat": center[1]},
            "zoom": zoom,
        },
        height=MAP_HEIGHT_PX,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
    )
    return figure


def histogram_figure(
    values: np.ndarray, *, value_label: str, cap: float | None = None, bins: int = 50
) -> go.Figure:
    """Histogram from precomputed bins, with the census cap and its row count marked.

    Parameters
    ----------
    values : numpy.ndarray
        The column (missing values are left out).
    value_label : str
        Axis title.
    cap : float, optional
        A top-code to mark; the number of rows at or above it is shown.
    bins : int
        Number of equal-width bins.

    Returns
    -------
    plotly.graph_objects.Figure
        A bar chart of counts.
    """
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if bins < 1:
        raise ValueError(f"bins={bins!r} must be a positive integer.")
    counts, edges = np.histogram(finite, bins=bins) if finite.size else (np.zeros(0), np.zeros(1))
    centres = (edges[:-1] + edges[1:]) / 2
    widths = np.diff(edges)
    figure = go.Figure(
        go.Bar(
            x=centres.tolist(),
            y=counts.tolist(),
            width=widths.tolist(),
            marker_color=PALETTE[0],
            hovertemplate="%{x:,.4g}: %{y:,} rows<extra></extra>",
            name=value_label,
        )
    )
    if cap is not None:
        n_capped = int((finite >= cap).sum())
        figure.add_vline(
            x=cap,
            line_dash="dash",
            line_color=PALETTE[5],
            annotation_text=f"cap {cap:,.0f}: {n_capped:,} rows",
            annotation_position="top left",
        )
    figure.update_layout(
        xaxis_title=value_label,
        yaxis_title="rows",
        bargap=0,
        height=340,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
    )
    return figure


def centroid_layers(
    longitude: np.ndarray, latitude: np.ndarray, labels: np.ndarray, n_clusters: int
) -> list[pdk.Layer]:
    """Big numbered dots at each cluster's mean position, in the cluster's colour.

    Parameters
    ----------
    longitude, latitude : numpy.ndarray
        Degrees, one per row.
    labels : numpy.ndarray
        Cluster id per row (negative: not clustered).
    n_clusters : int
        Number of clusters; ids 0..n_clusters-1.

    Returns
    -------
    list of pydeck.Layer
        The dots ("centroids") and their numbers ("centroid-labels").
    """
    centroid_records = [
        {
            "position": [round(lon, 4), round(lat, 4)],
            "colour": [*hex_to_rgb(PALETTE[i]), 255],
            "text": str(i),
            "text_colour": [*hex_to_rgb(label_colour(PALETTE[i])), 255],
        }
        for i, (lon, lat) in enumerate(cluster_centroids(longitude, latitude, labels, n_clusters))
        if math.isfinite(lon) and math.isfinite(lat)
    ]
    return numbered_dot_layers(
        centroid_records,
        dot_id="centroids",
        label_id="centroid-labels",
        radius_px=_CENTROID_RADIUS_PX,
        text_size=15,
    )


def numbered_dot_layers(
    records: Sequence[Mapping[str, object]],
    *,
    dot_id: str,
    label_id: str,
    radius_px: float,
    text_size: float,
) -> list[pdk.Layer]:
    """Fixed-size dots with a white rim and a number on top (cluster centres, areas).

    Parameters
    ----------
    records : sequence of mappings
        One per dot: "position" ([lon, lat]), "colour" and "text_colour" (RGBA lists)
        and "text" (the number).
    dot_id, label_id : str
        Layer ids of the dots and of their numbers.
    radius_px : float
        Dot radius in pixels, at every zoom.
    text_size : float
        Number size in pixels.

    Returns
    -------
    list of pydeck.Layer
        The dots, then the numbers.
    """
    return [
        pdk.Layer(
            "ScatterplotLayer",
            data=records,
            id=dot_id,
            get_position="position",
            get_fill_color="colour",
            get_line_color=[255, 255, 255, 255],
            stroked=True,
            line_width_min_pixels=2.5,
            get_radius=1,
            radius_min_pixels=radius_px,
            radius_max_pixels=radius_px,
            pickable=False,
        ),
        pdk.Layer(
            "TextLayer",
            data=records,
            id=label_id,
            get_position="position",
            get_text="text",
            get_size=text_size,
            get_color="text_colour",
            font_weight=700,
            get_text_anchor="'middle'",
            get_alignment_baseline="'center'",
            pickable=False,
        ),
    ]
