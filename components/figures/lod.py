"""The level-of-detail map layer: a deck.gl TileLayer over served GeoJSON tiles.

Each tile holds the cells of :mod:`components.engine.lod` at its zoom: merged points at
low zoom, every distinct position at the finest (deck.gl overzooms it beyond). The
browser loads the tiles of the view's zoom only, and a k change sends a new colour
expression reading another property of the same features: no tile is loaded again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pydeck as pdk

from components.engine.lod import LevelOfDetail, tile_range
from components.figures.deck import colour_lookup_expression
from components.figures.palette import FILL_ALPHA

LOD_LAYER_ID = "points"
LOD_POINT_RADIUS_M = 900


def id_property(n_clusters: int) -> str:
    """The feature property holding the cluster id at ``n_clusters`` (e.g. ``"k7"``)."""
    return f"k{n_clusters}"


def share_property(n_clusters: int) -> str:
    """The property holding that cluster's share of the cell's rows, in percent."""
    return f"p{n_clusters}"


@dataclass(frozen=True)
class ServedLevels:
    """Where the browser finds the tiles of a :class:`LevelOfDetail`, and their extent.

    Attributes
    ----------
    url_template : str
        The tiles' URL with ``{z}``, ``{x}`` and ``{y}``.
    extent : tuple of float
        (west, south, east, north): deck.gl asks for no tile outside it.
    max_zoom : int
        The finest tiles' zoom.
    k_values : tuple of int
        The k's the features carry.
    """

    url_template: str
    extent: tuple[float, float, float, float]
    max_zoom: int
    k_values: tuple[int, ...]

    @property
    def folder(self) -> str:
        """The name of the tiles' folder (the part of the URL before ``{z}/{x}/{y}``)."""
        return self.url_template.rsplit("/", 4)[-4]


def tile_files(lod: LevelOfDetail, value_names: dict[str, str]) -> dict[str, bytes]:
    """Every tile of every zoom as GeoJSON feature lists, ``"<z>/<x>/<y>.json"``.

    A tile of the extent without cells is an empty list: deck.gl asks for every tile
    of the extent, and a missing one is an error in the browser.

    Parameters
    ----------
    lod : LevelOfDetail
        From :func:`components.engine.lod.level_of_detail`.
    value_names : dict of str to str
        Property name for each of ``lod``'s value columns (e.g. ``{"price_k": "v"}``);
        values are written with 3 significant digits.

    Returns
    -------
    dict of str to bytes
        The files (UTF-8 JSON).
    """
    files: dict[str, bytes] = {}
    id_names = [id_property(k) for k in lod.k_values]
    share_names = [share_property(k) for k in lod.k_values]
    for level in lod.levels:
        by_tile: dict[tuple[int, int], list[str]] = {}
        shares = np.rint(level.shares * 100).astype(int).tolist()
        ids = level.ids.tolist()
        value_columns = {
            value_names[name]: [
                float(f"{value:.3g}") if np.isfinite(value) else None for value in column.tolist()
            ]
            for name, column in level.values.items()
            if name in value_names
        }
        for cell in range(level.n_cells):
            properties: dict[str, object] = dict(zip(id_names, ids[cell], strict=True))
            properties.update(zip(share_names, shares[cell], strict=True))
            properties["n"] = int(level.count[cell])
            for name, column in value_columns.items():
                properties[name] = column[cell]
            feature = {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(float(level.longitude[cell]), 4),
                        round(float(level.latitude[cell]), 4),
                    ],
                },
                "properties": properties,
            }
            key = (int(level.tile_x[cell]), int(level.tile_y[cell]))
            by_tile.setdefault(key, []).append(json.dumps(feature, separators=(",", ":")))
        x_range, y_range = tile_range(lod.extent, level.zoom)
        keys = {(x, y) for x in x_range for y in y_range} | set(by_tile)
        for x, y in keys:
            text = "[" + ",".join(by_tile.get((x, y), [])) + "]"
            files[f"{level.zoom}/{x}/{y}.json"] = text.encode("utf-8")
    return files


def lod_layer(served: ServedLevels, n_clusters: int, *, layer_tag: str = "") -> pdk.Layer:
    """The TileLayer drawing the cells of k = ``n_clusters`` in their cluster's colour.

    Parameters
    ----------
    served : ServedLevels
        Where the tiles are.
    n_clusters : int
        The k shown, one of ``served.k_values``.
    layer_tag : str
        Appended to the layer id (a new set of tiles gets a new layer, so deck.gl does
        not draw the old tiles in the new colours first).

    Returns
    -------
    pydeck.Layer
        Pickable; the deck's tooltip reads ``k<k>``, ``p<k>``, ``n`` and the value names.
    """
    if n_clusters not in served.k_values:
        raise ValueError(
            f"n_clusters={n_clusters} is out of range; the tiles carry ids for k in "
            f"[{served.k_values[0]}, {served.k_values[-1]}]."
        )
    colour = colour_lookup_expression(
        n_clusters, FILL_ALPHA, value=f"properties.{id_property(n_clusters)}"
    )
    return pdk.Layer(
        "TileLayer",
        data=served.url_template,
        id=LOD_LAYER_ID + layer_tag,
        min_zoom=0,
        max_zoom=served.max_zoom,
        extent=list(served.extent),
        tile_size=256,
        pickable=True,
        auto_highlight=True,
        stroked=False,
        filled=True,
        get_fill_color=colour,
        get_point_radius=LOD_POINT_RADIUS_M,
        point_radius_min_pixels=1.5,
        point_radius_max_pixels=12,
        update_triggers={"getFillColor": [n_clusters]},
    )
