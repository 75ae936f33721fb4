"""The cluster map: every labelling reaches the browser as level-of-detail tiles.

One path for every data source and size: the rows are merged per zoom into cells
(:mod:`components.engine.lod`), served as tiles (:mod:`components.figures.lod`), and drawn
with each k's majority cluster's colour; the clusters' centres are numbered dots on top.
A k change sends a new colour rule reading another property of the same tiles.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pydeck as pdk

from components.engine.extent import MapExtent
from components.figures.deck import CompactDeck, base_map_deck, view_state_of
from components.figures.lod import ServedLevels, id_property, lod_layer, share_property
from components.figures.palette import PALETTE, hex_to_rgb, label_colour
from components.figures.text import deck_label

_CENTROID_RADIUS_PX = 11


@dataclass(frozen=True)
class ClusterMap:
    """The cluster map and what its tooltip leaves out.

    Attributes
    ----------
    deck : CompactDeck
        The map.
    omitted_features : tuple of str
        Labels left out of the tooltip to keep the tiles small.
    """

    deck: CompactDeck
    omitted_features: tuple[str, ...]


def _dot_radius_m(extent: MapExtent) -> float:
    """Dots sized to the larger side of the data's extent (900 m suits a state, not a town)."""
    span_degrees = max(
        extent.max_latitude - extent.min_latitude, extent.max_longitude - extent.min_longitude
    )
    return float(np.clip(span_degrees * 111_000 / 700, 5, 5_000))


def lod_map(
    levels: ServedLevels,
    longitude: np.ndarray,
    latitude: np.ndarray,
    labels: np.ndarray,
    n_clusters: int,
    *,
    extent: MapExtent,
    value_labels: Sequence[str],
    omitted_labels: Sequence[str] = (),
    rows_noun: str = "places",
    map_style_url: str | None = None,
) -> ClusterMap:
    """The cluster map at k: served cells in their cluster's colour, centres numbered.

    Parameters
    ----------
    levels : ServedLevels
        Where the browser finds the cells (see :mod:`components.figures.lod`).
    longitude, latitude : numpy.ndarray
        Degrees, one per row of the data (for the centres).
    labels : numpy.ndarray
        Cluster id per row at ``n_clusters`` (negative: not clustered).
    n_clusters : int
        k, one of ``levels.k_values``.
    extent : MapExtent
        The data's extent (frames the map).
    value_labels : sequence of str
        Labels of the cells' mean values ``x0``, ``x1``, ... (data text: made safe here).
    omitted_labels : sequence of str
        Labels of the columns not in the tooltip (said under the map).
    rows_noun : str
        What a row is called in the tooltip.
    map_style_url : str, optional
        The served base map style; None: the deck draws the outline itself.

    Returns
    -------
    ClusterMap
        A deck of a few KB whatever the data's size. Its tooltip gives the cell's cluster,
        that cluster's share of the cell's rows and the cell's mean values.
    """
    ids = np.asarray(labels)
    if ids.shape != np.shape(longitude) or ids.shape != np.shape(latitude):
        raise ValueError(
            f"labels has shape {ids.shape}; expected the coordinates' {np.shape(longitude)}."
        )
    layers = [
        lod_layer(
            levels,
            n_clusters,
            layer_tag="@" + levels.folder[:8],
            point_radius_m=_dot_radius_m(extent),
        ),
        *centre_layers(cluster_centroids(longitude, latitude, ids, n_clusters)),
    ]
    lines = [
        f"Cluster {{{id_property(n_clusters)}}} "
        f"({{{share_property(n_clusters)}}}% of the {{n}} {rows_noun} here)",
        *(f"{deck_label(name)} (mean): {{x{index}}}" for index, name in enumerate(value_labels)),
    ]
    return ClusterMap(
        deck=base_map_deck(layers, view_state_of(extent), "\n".join(lines), map_style_url),
        omitted_features=tuple(deck_label(label) for label in omitted_labels),
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
    keep = np.asarray(labels) >= 0
    ids = np.asarray(labels, dtype=int)[keep]
    counts = np.bincount(ids, minlength=n_clusters)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_lon, mean_lat = (
            np.bincount(ids, weights=np.asarray(degrees)[keep], minlength=n_clusters) / counts
            for degrees in (longitude, latitude)
        )
    return [(float(a), float(b)) for a, b in zip(mean_lon, mean_lat, strict=True)]


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
