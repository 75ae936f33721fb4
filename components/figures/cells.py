"""The map of a distributed result: its grid cells, coloured by their majority cluster.

A result written by ``python -m components.engine.distributed`` holds, per k, the places
counted on a latitude/longitude grid (:mod:`components.engine.distributed_result`). Each
non-empty cell is drawn as one dot at the cell's centre, about the cell's size, in the colour
of its majority cluster (cluster ``i`` in ``PALETTE[i]`` as on every map of the app, so a
cluster keeps its colour as k moves); the tooltip gives the cluster, its share of the cell and
the cell's number of places.

Rows travel as short arrays ``[column, row, cluster, places, share_percent]``: the cell's grid
column and row counted from the first non-empty one (decoded in the browser), the places as a
number below 1,000 and as text with thousands separators from 1,000 on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pydeck as pdk

from components.figures.deck import (
    RAW_DATA_PREFIX,
    CompactDeck,
    base_map_deck,
    colour_lookup_expression,
    view_state_for,
)
from components.figures.maps import centre_layers
from components.figures.palette import FILL_ALPHA, check_n_clusters

__all__ = ["CELL_LAYER_ID", "CELL_TOOLTIP", "MAX_MAP_CELLS", "CellMap", "cell_map_deck"]

CELL_LAYER_ID = "cells"
# Most cells sent to the browser, so the map stays small; a result's grid has at most
# 400 x 400 cells, so only a dense, wide data set reaches it. The busiest cells are kept.
MAX_MAP_CELLS = 70_000
_METRES_PER_DEGREE = 111_320.0
_CELL_COLUMNS = ("latitude", "longitude", "count", "cluster", "share")
# "Cluster 3 (83% of the 1,204 places here)", from the row fields {2} (cluster), {3} (places)
# and {4} (the majority's share in percent).
CELL_TOOLTIP = "Cluster {2} ({4}% of the {3} places here)"


@dataclass(frozen=True)
class CellMap:
    """The map of one k's cells, and how many cells it leaves out.

    Attributes
    ----------
    deck : CompactDeck
        The map: the cells, then the clusters' numbered centres when the result has them.
    n_cells_omitted : int
        Cells left out (the ones with the fewest places) to keep the map under
        ``MAX_MAP_CELLS``; 0 almost always.
    places_omitted : int
        Places in the cells left out.
    """

    deck: CompactDeck
    n_cells_omitted: int
    places_omitted: int


def cell_map_deck(
    cells: pd.DataFrame,
    n_clusters: int,
    cell_degrees: float,
    *,
    centres: Sequence[tuple[float, float]] = (),
    map_style_url: str | None = None,
) -> CellMap:
    """Build the map of one k's grid cells, each in its majority cluster's colour.

    Parameters
    ----------
    cells : pandas.DataFrame
        :meth:`components.engine.distributed_result.DistributedSweepResult.cells_for` of k:
        columns ``latitude``, ``longitude`` (the cell's centre), ``count``, ``cluster`` (in
        [0, k)) and ``share`` (in (0, 1]).
    n_clusters : int
        k, in [1, 15].
    cell_degrees : float
        The grid's cell size in degrees (the dots are about that big).
    centres : sequence of (float, float)
        Each cluster's (longitude, latitude), item i = cluster i, drawn as numbered dots;
        non-finite ones (an empty cluster) are skipped. Empty: no centres drawn.
    map_style_url : str, optional
        The served base map style (see :func:`components.figures.deck.base_map_deck`).

    Returns
    -------
    CellMap
        The deck and what it left out: at most ``MAX_MAP_CELLS`` cells are drawn, the ones
        with the most places.

    Raises
    ------
    ValueError
        When a column is missing, a cluster id is outside [0, k), a count is below 1, or
        ``cell_degrees`` is not positive.
    """
    check_n_clusters(n_clusters)
    missing = [name for name in _CELL_COLUMNS if name not in cells]
    if missing:
        raise ValueError(f"cells lacks the columns {missing}; expected {list(_CELL_COLUMNS)}.")
    if not (math.isfinite(cell_degrees) and cell_degrees > 0):
        raise ValueError(f"cell_degrees={cell_degrees!r} is invalid; expected a positive number.")
    cluster = cells["cluster"].to_numpy(dtype=np.int64)
    count = cells["count"].to_numpy(dtype=np.int64)
    if cluster.size and (cluster.min() < 0 or cluster.max() >= n_clusters):
        raise ValueError(
            f"cells has cluster ids in [{cluster.min()}, {cluster.max()}]; expected ids in "
            f"[0, {n_clusters - 1}] for k={n_clusters}."
        )
    if count.size and count.min() < 1:
        raise ValueError(f"cells has a count of {count.min()}; expected at least 1 per cell.")
    kept = np.sort(np.argsort(-count, kind="stable")[:MAX_MAP_CELLS])
    latitude = cells["latitude"].to_numpy(dtype=np.float64)[kept]
    longitude = cells["longitude"].to_numpy(dtype=np.float64)[kept]
    share = np.clip(np.rint(cells["share"].to_numpy(dtype=np.float64)[kept] * 100), 1, 100)
    # Cell centres sit on the grid: column and row numbers from the first cell, exactly.
    lon_origin = float(longitude.min()) if kept.size else 0.0
    lat_origin = float(latitude.min()) if kept.size else 0.0
    # Places as JSON: a bare number below 1,000, else a text with thousands separators.
    places = [f"{n}" if n < 1_000 else f'"{n:,}"' for n in count[kept].tolist()]
    raw = ",".join(
        f"[{x},{y},{c},{n},{s}]"
        for x, y, c, n, s in zip(
            np.rint((longitude - lon_origin) / cell_degrees).astype(np.int64).tolist(),
            np.rint((latitude - lat_origin) / cell_degrees).astype(np.int64).tolist(),
            cluster[kept].tolist(),
            places,
            share.astype(np.int64).tolist(),
            strict=True,
        )
    )
    cell_layer = pdk.Layer(
        "ScatterplotLayer",
        data=RAW_DATA_PREFIX + CELL_LAYER_ID,
        id=CELL_LAYER_ID,
        get_position=(
            f"[{lon_origin!r} + this[0] * {cell_degrees!r}, "
            f"{lat_origin!r} + this[1] * {cell_degrees!r}]"
        ),
        get_fill_color=colour_lookup_expression(n_clusters, FILL_ALPHA, field=2),
        get_radius=cell_degrees * _METRES_PER_DEGREE / 2,
        radius_min_pixels=1.5,
        stroked=False,
        pickable=True,
        auto_highlight=True,
        update_triggers={"getFillColor": [n_clusters]},
    )
    layers = [cell_layer, *centre_layers(centres[:n_clusters])] if centres else [cell_layer]
    deck = base_map_deck(
        layers, view_state_for(longitude, latitude), CELL_TOOLTIP, map_style_url=map_style_url
    )
    deck.set_raw_layer_data({CELL_LAYER_ID: f"[{raw}]"})
    return CellMap(
        deck=deck,
        n_cells_omitted=int(count.size - kept.size),
        places_omitted=int(count.sum() - count[kept].sum()),
    )
