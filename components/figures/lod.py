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
from components.figures.deck import POINT_RADIUS_M, colour_lookup_expression
from components.figures.palette import FILL_ALPHA

LOD_LAYER_ID = "points"


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


LEVELS_MANIFEST = "levels.json"


def levels_manifest(lod: LevelOfDetail) -> bytes:
    """What a :class:`ServedLevels` needs besides its URL, as JSON to keep beside the tiles."""
    return json.dumps(
        {"extent": list(lod.extent), "max_zoom": lod.max_zoom, "k_values": list(lod.k_values)}
    ).encode("utf-8")


def served_levels_of(manifest: bytes, url_template: str) -> ServedLevels:
    """The :class:`ServedLevels` of tiles at ``url_template``, from their manifest.

    Parameters
    ----------
    manifest : bytes
        From :func:`levels_manifest`.
    url_template : str
        The tiles' URL with ``{z}``, ``{x}`` and ``{y}``.

    Returns
    -------
    ServedLevels
        Raises ValueError when the manifest is not one of :func:`levels_manifest`.
    """
    try:
        fields = json.loads(manifest)
        west, south, east, north = (float(value) for value in fields["extent"])
        return ServedLevels(
            url_template=url_template,
            extent=(west, south, east, north),
            max_zoom=int(fields["max_zoom"]),
            k_values=tuple(int(k) for k in fields["k_values"]),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"The map's level manifest is not readable ({error}).") from error


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
    for level in lod.levels:
        # Each feature is written from a template, not json.dumps per feature (BENCHMARKS.md,
        # "Scale: one user's file of a million places"); names and numbers are the app's own,
        # so no escaping.
        names = [*map(id_property, lod.k_values), *map(share_property, lod.k_values), "n"]
        columns: list[list[object]] = [
            np.round(level.longitude, 4).tolist(),
            np.round(level.latitude, 4).tolist(),
            *level.ids.T.tolist(),
            *np.rint(level.shares.T * 100).astype(int).tolist(),
            level.count.tolist(),
        ]
        for name, column in level.values.items():
            if name in value_names:
                columns.append(
                    [f"{value:.3g}" if np.isfinite(value) else "null" for value in column.tolist()]
                )
                names.append(value_names[name])
        template = (
            '{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{},{}]}},'
            '"properties":{{' + ",".join(f'"{name}":{{}}' for name in names) + "}}}}"
        )
        features = [template.format(*cell) for cell in zip(*columns, strict=True)]
        x_range, y_range = tile_range(lod.extent, level.zoom)
        by_tile: dict[tuple[int, int], list[str]] = {(x, y): [] for x in x_range for y in y_range}
        for tile_x, tile_y, feature in zip(
            level.tile_x.tolist(), level.tile_y.tolist(), features, strict=True
        ):
            by_tile.setdefault((tile_x, tile_y), []).append(feature)
        for (x, y), tile in by_tile.items():
            files[f"{level.zoom}/{x}/{y}.json"] = ("[" + ",".join(tile) + "]").encode("utf-8")
    return files


def lod_layer(
    served: ServedLevels,
    n_clusters: int,
    *,
    layer_tag: str = "",
    point_radius_m: float = POINT_RADIUS_M,
) -> pdk.Layer:
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
    point_radius_m : float
        Radius of a dot in metres (drawn between 1.5 and 12 pixels).

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
        get_fill_color=colour_lookup_expression(
            n_clusters, FILL_ALPHA, value=f"properties.{id_property(n_clusters)}"
        ),
        get_point_radius=point_radius_m,
        point_radius_min_pixels=1.5,
        point_radius_max_pixels=12,
        update_triggers={"getFillColor": [n_clusters]},
    )
