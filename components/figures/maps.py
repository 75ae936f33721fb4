"""pydeck maps of clusters: map rows, served and inline maps, centroids, legend rows, places maps.

A user's places file gets its own rows (finer positions, its columns in the tooltip) and a map
framed on its extent; everything else is the housing map's code.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
import pydeck as pdk

from components.engine.places import MAX_MAP_POINTS, map_rows
from components.engine.upload import PlacesData
from components.figures.deck import (
    RAW_DATA_PREFIX,
    CompactDeck,
    base_map_deck,
    colour_lookup_expression,
    compact_numbers,
    coordinate_resolution,
    json_list_bytes,
    position_codes,
    view_state_for,
    view_state_of,
)
from components.figures.lod import ServedLevels, id_property, lod_layer, share_property
from components.figures.palette import (
    FILL_ALPHA,
    NOT_CLUSTERED_ALPHA,
    NOT_CLUSTERED_COLOUR,
    PALETTE,
    check_n_clusters,
    hex_to_rgb,
    label_colour,
)
from components.figures.text import deck_label, deck_text

# What the per-point arrays of the cluster map may take; the whole deck must stay
# under 600 KB, and layers, tooltip and centroids add a few KB.
MAP_PAYLOAD_BUDGET_BYTES = 560_000
POINT_RADIUS_M = 900
_CENTROID_RADIUS_PX = 11
_NOT_CLUSTERED_LABEL = "not clustered"
_TOOLTIP_TEXT_LIMIT = 40  # characters of a text value shown in a places map's tooltip
_TOOLTIP_TEXT_BUDGET = 150_000  # bytes the text column may add to a places map


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
    resolution = coordinate_resolution(lon, lat) if n_rows else 100
    lon_origin = float(np.floor(np.nanmin(lon))) if n_rows else 0.0
    lat_origin = float(np.floor(np.nanmin(lat))) if n_rows else 0.0
    x_codes = position_codes(lon, lon_origin, resolution)
    y_codes = position_codes(lat, lat_origin, resolution)
    values = [
        compact_numbers(np.asarray(median_house_value, dtype=float) / 1000.0, 3),
        compact_numbers(np.asarray(median_income, dtype=float) * 10.0, 3),
    ]
    # Budget: positions, a two-digit id, price and income, brackets; then extras in order.
    budget = (
        payload_budget_bytes
        - json_list_bytes(x_codes)
        - json_list_bytes(y_codes)
        - 3 * n_rows
        - sum(json_list_bytes(column) for column in values)
        - 2 * n_rows
    )
    tooltip_features: list[str] = []
    omitted: list[str] = []
    for label, column_values in extra.items():
        column = compact_numbers(column_values, 3)
        cost = json_list_bytes(column)
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
    map_style_url: str | None = None,
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
    map_style_url : str, optional
        URL of the served base map style (tiles with the outline); None: the deck
        draws the outline itself (see :func:`components.figures.deck.base_map_deck`).

    Returns
    -------
    ClusterMap
        The deck and which extra values the tooltip shows.
    """
    check_n_clusters(n_clusters)
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
        map_style_url=map_style_url,
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
    map_style_url: str | None = None,
    extra_layers: Sequence[pdk.Layer] = (),
) -> ClusterMap:
    """The cluster map: the outline, point layers (by id, in draw order) and the centroids.

    ``layer_data`` maps the layer ids "not-clustered", "points" and "test-points" to
    their ``data`` (a raw-data placeholder or a URL); missing ids are not drawn.
    """
    layer_id_suffix = layer_id_suffix or {}
    colour_of_cluster = colour_lookup_expression(n_clusters, FILL_ALPHA, field=label_field)
    # deck.gl does not compare accessor functions: without a trigger that changes
    # with k, a layer whose data did not change would keep its old colours.
    triggers = {"getFillColor": [n_clusters, label_field], "getLineColor": [n_clusters]}
    common = {
        "get_position": points.position_expression,
        "get_radius": POINT_RADIUS_M,
        "radius_min_pixels": 1.5,
        "radius_max_pixels": 12,
        "pickable": True,
        "auto_highlight": True,
        "update_triggers": triggers,
    }
    styles: dict[str, dict[str, object]] = {
        "not-clustered": {
            "get_fill_color": [*hex_to_rgb(NOT_CLUSTERED_COLOUR), NOT_CLUSTERED_ALPHA]
        },
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
    layers += extra_layers
    layers += centroid_layers(points.longitude, points.latitude, labels, n_clusters)
    deck = base_map_deck(layers, view_state, tooltip, map_style_url)
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
        check_n_clusters(n_clusters)
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
    map_style_url: str | None = None,
    levels: ServedLevels | None = None,
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
        Initial camera; default: framing ``points`` (:func:`view_state_for`).
    show_test : bool
        Include the served test-points layer (when ``served`` has one).
    map_style_url : str, optional
        URL of the served base map style (tiles with the outline); None: the deck
        draws the outline itself (see :func:`components.figures.deck.base_map_deck`).

    Returns
    -------
    ClusterMap
        The small deck whose rows the browser fetches, and the tooltip's extra values.
    """
    label_field = served.label_field(n_clusters)
    missing = sorted(set(served.layer_texts) - set(urls))
    if missing:
        raise ValueError(f"urls has no URL for the layers {missing}.")
    layer_data = {
        name: urls[name] for name in served.layer_texts if show_test or name != "test-points"
    }
    if levels is not None:
        if set(layer_data) != {"points"}:
            raise ValueError(
                f"levels draw the points layer alone; this map also has {sorted(layer_data)}."
            )
        return _cluster_map(
            points,
            {},
            np.asarray(labels, dtype=int),
            n_clusters,
            label_field=label_field,
            tooltip=lod_tooltip(n_clusters, points.tooltip_features),
            view_state=view_state or view_state_for(points.longitude, points.latitude),
            map_style_url=map_style_url,
            extra_layers=[
                lod_layer(
                    levels, n_clusters, layer_tag="@" + levels.url_template.split("/")[-4][:8]
                )
            ],
        )
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
        map_style_url=map_style_url,
    )


def lod_tooltip(
    n_clusters: int, extra_labels: Sequence[str] = (), *, rows_noun: str = "block groups"
) -> str:
    """The tooltip of the level-of-detail points: the cell's cluster, share and means.

    The extra values are the properties ``x0``, ``x1``, ... in the order of ``extra_labels``;
    the housing map's cells also carry the mean house value ``v`` and income ``i``.
    """
    lines = [
        f"Cluster {{{id_property(n_clusters)}}} "
        f"({{{share_property(n_clusters)}}}% of the {{n}} {rows_noun} here)"
    ]
    if rows_noun == "block groups":
        lines += ["Mean house value: ${v}k", "Mean income: ${i}k"]
    lines += [f"{label}: {{x{index}}}" for index, label in enumerate(extra_labels)]
    return "\n".join(lines)


def places_lod_map(
    levels: ServedLevels,
    places: PlacesData,
    labels: np.ndarray,
    n_clusters: int,
    *,
    value_columns: Sequence[str],
    map_style_url: str | None = None,
) -> ClusterMap:
    """The level-of-detail map of a big places file, framed on its extent.

    Parameters
    ----------
    levels : ServedLevels
        Where the browser finds the file's cells (see :mod:`components.figures.lod`).
    places : PlacesData
        The file (its extent frames the map).
    labels : numpy.ndarray
        Cluster id per row of the file at ``n_clusters`` (-1: not clustered); for the
        numbered centroids.
    n_clusters : int
        k, one of ``levels.k_values``.
    value_columns : sequence of str
        The file's columns whose cell means are the properties ``x0``, ``x1``, ...
    map_style_url : str, optional
        The served base map style; None: the deck draws the outline itself.

    Returns
    -------
    ClusterMap
        A deck of a few KB whatever the file's size; the tooltip names the columns.
    """
    ids = np.asarray(labels)
    if ids.shape != (places.n_rows,):
        raise ValueError(f"labels has shape {ids.shape}; expected ({places.n_rows},).")
    span = _span_degrees(places)
    view = view_state_of(places.extent)  # the places' frame, not California's
    value_labels = tuple(deck_label(name) for name in value_columns)
    layers = [
        lod_layer(
            levels,
            n_clusters,
            layer_tag="@" + levels.folder[:8],
            point_radius_m=_dot_radius_m(span),
        ),
        *centroid_layers(
            places.frame[places.lon_col].to_numpy(dtype=np.float64),
            places.frame[places.lat_col].to_numpy(dtype=np.float64),
            ids,
            n_clusters,
        ),
    ]
    tooltip = lod_tooltip(
        n_clusters, [f"{label} (mean)" for label in value_labels], rows_noun="places"
    )
    return ClusterMap(
        deck=base_map_deck(layers, view, tooltip, map_style_url),
        tooltip_features=value_labels,
        omitted_features=tuple(
            deck_label(name)
            for name in places.numeric_columns
            if name not in (places.lat_col, places.lon_col, *value_columns)
        ),
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
    check_n_clusters(n_clusters)
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
    return centre_layers(cluster_centroids(longitude, latitude, labels, n_clusters))


def centre_layers(centres: Sequence[tuple[float, float]]) -> list[pdk.Layer]:
    """Big numbered dots at given cluster centres, in the cluster's colour.

    Parameters
    ----------
    centres : sequence of (float, float)
        (longitude, latitude) of each cluster, item i = cluster id i; non-finite ones (an
        empty cluster) are skipped.

    Returns
    -------
    list of pydeck.Layer
        The dots ("centroids") and their numbers ("centroid-labels").
    """
    centroid_records = [
        {
            "position": [round(float(lon), 4), round(float(lat), 4)],
            "colour": [*hex_to_rgb(PALETTE[i]), 255],
            "text": str(i),
            "text_colour": [*hex_to_rgb(label_colour(PALETTE[i])), 255],
        }
        for i, (lon, lat) in enumerate(centres)
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


# ------------------------------------------------------------------ a places file


@dataclass(frozen=True)
class _PlacesMapPoints(MapPoints):
    """Map rows whose tooltip names the file's own columns (no house prices).

    ``rows`` are the file's rows drawn (all, or a sample), ``span_degrees`` the data's extent.
    """

    rows: np.ndarray = field(default_factory=lambda: np.arange(0))
    span_degrees: float = 1.0
    tooltip_lines: tuple[str, ...] = ()

    @property
    def tooltip_text(self) -> str:
        """The tooltip template; ``{i}`` is the i-th value of a point's array."""
        return "\n".join(self.tooltip_lines)


def _resolution_for(span_degrees: float) -> int:
    """Integer coding of positions: about 1/20,000 of the data's extent, 100 to 1,000,000 per °."""
    wanted = 20_000 / max(span_degrees, 1e-6)
    return int(min(max(10 ** math.ceil(math.log10(wanted)), 100), 1_000_000))


def _span_degrees(places: PlacesData) -> float:
    """The larger side of the places' extent, in degrees."""
    extent = places.extent
    return max(
        extent.max_latitude - extent.min_latitude, extent.max_longitude - extent.min_longitude
    )


def _dot_radius_m(span_degrees: float) -> float:
    """Dots sized to the data's extent (the housing map's 900 m suits a state, not a town)."""
    return float(np.clip(span_degrees * 111_000 / 700, 5, 5_000))


def places_map_points(places: PlacesData, *, max_points: int = MAX_MAP_POINTS) -> MapPoints:
    """Format the map's rows once per file (only the cluster id changes with k).

    Positions are coded finer than the housing map's 0.01 degree grid (which would merge the
    places of a town); the tooltip shows the file's numeric columns (as many as fit the map's
    payload budget) and its first text column (e.g. a name).

    Parameters
    ----------
    places : PlacesData
        The file.
    max_points : int
        Most points drawn (a fixed sample above it, see :func:`components.engine.places.map_rows`).

    Returns
    -------
    MapPoints
        The rows of :func:`map_rows`, ready for :func:`places_map`.
    """
    rows = map_rows(places.n_rows, max_points)
    frame = places.frame
    latitude = frame[places.lat_col].to_numpy(dtype=np.float64)[rows]
    longitude = frame[places.lon_col].to_numpy(dtype=np.float64)[rows]
    extra = {
        deck_label(name): frame[name].to_numpy(dtype=np.float64)[rows]
        for name in places.numeric_columns
        if name not in (places.lat_col, places.lon_col)
    }
    extent = places.extent
    span = _span_degrees(places)
    resolution = _resolution_for(span)
    lon_origin = math.floor(extent.min_longitude)
    lat_origin = math.floor(extent.min_latitude)
    x_codes = np.rint((longitude - lon_origin) * resolution).astype(np.int64).tolist()
    y_codes = np.rint((latitude - lat_origin) * resolution).astype(np.int64).tolist()
    head = tuple(f"[{x},{y}," for x, y in zip(x_codes, y_codes, strict=True))
    zeros = np.zeros(rows.size)  # the housing map's price and income slots, unused here
    # The finer positions cost more bytes than maps.map_points reckons with.
    budget = MAP_PAYLOAD_BUDGET_BYTES - max(sum(map(len, head)) - 8 * rows.size, 0)
    base = map_points(longitude, latitude, zeros, zeros, extra, payload_budget_bytes=max(budget, 0))
    tail = base.tail
    lines = ["Cluster {2}"]
    lines += [f"{label}: {{{5 + i}}}" for i, label in enumerate(base.tooltip_features)]
    if places.text_columns:
        name = places.text_columns[0]
        text = [
            json.dumps("" if pd.isna(value) else deck_text(str(value)[:_TOOLTIP_TEXT_LIMIT]))
            for value in frame[name].to_numpy()[rows]
        ]
        if sum(map(len, text)) + rows.size <= _TOOLTIP_TEXT_BUDGET:
            tail = tuple(
                end[:-1] + "," + value + "]" for end, value in zip(tail, text, strict=True)
            )
            lines.insert(1, f"{deck_label(name)}: {{{5 + len(base.tooltip_features)}}}")
    return _PlacesMapPoints(
        **{
            attribute.name: getattr(base, attribute.name)
            for attribute in fields(MapPoints)
            if attribute.name not in ("head", "tail", "position_expression")
        },
        head=head,
        tail=tail,
        position_expression=(
            f"[this[0] / {resolution} + {lon_origin:g}, this[1] / {resolution} + {lat_origin:g}]"
        ),
        rows=rows,
        span_degrees=span,
        tooltip_lines=tuple(lines),
    )


def places_map(
    places: PlacesData,
    labels: np.ndarray,
    n_clusters: int,
    *,
    points: MapPoints | None = None,
) -> ClusterMap:
    """The cluster map of the places, framed on their extent (not on California).

    Parameters
    ----------
    places : PlacesData
        The file.
    labels : np.ndarray
        Cluster id per row of the file (-1: not clustered, grey).
    n_clusters : int
        k.
    points : MapPoints, optional
        From :func:`places_map_points` (computed here when not given).

    Returns
    -------
    ClusterMap
        The deck; ``tooltip_features`` / ``omitted_features`` name the tooltip's columns.
    """
    ids = np.asarray(labels)
    if ids.shape != (places.n_rows,):
        raise ValueError(f"labels has shape {ids.shape}; expected ({places.n_rows},).")
    if points is None:
        points = places_map_points(places)
    if not isinstance(points, _PlacesMapPoints):
        raise ValueError("points must come from places_map_points.")
    result = cluster_map_from_points(
        points, ids[points.rows], n_clusters, view_state=view_state_of(places.extent)
    )
    radius_m = _dot_radius_m(points.span_degrees)
    for layer in result.deck.layers:
        if layer.id in ("points", "not-clustered"):
            layer.get_radius = radius_m
            layer.radius_min_pixels = 3 if points.rows.size <= 2_000 else 1.5
    return result
