"""Selecting places on a map by area: the places merged into markers, and a selection's rows.

Pure numpy. A plotly selection map draws every marker in the browser and sends back the
markers a box or lasso took, so a map of a million places cannot draw a million markers. The
places are merged into at most ``max_cells`` cells: every distinct position when they number
at most that (places at one position cannot be told apart by an area anyway), else the
finest square grid of longitude and latitude whose non-empty cells do. A marker stands for
its cell, and a selected marker selects every place inside its cell.

The grid's cells are ``2**(j / 4)`` degrees wide, counted from the places' west and south
edge. Smaller cells make more non-empty cells (nearly always: grids of different sizes do not
nest), so a bisection over ``j`` finds a fine size that fits; only sizes whose count was
checked are used, so the cells never pass the bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.engine.validation import check_int

__all__ = [
    "MAX_MARKERS",
    "PlaceCells",
    "Selection",
    "cell_majority",
    "place_cells",
    "select_cells",
]

# Most markers a selection map draws: plotly's WebGL scatter stays quick to draw, hover and
# select, and the figure's arrays stay small on the wire.
MAX_MARKERS = 20_000
# Cell widths tried, 2**(j / 4) degrees: from about 10 cm to wider than the whole world.
_STEPS_PER_DOUBLING = 4
_FINEST_STEP = -20 * _STEPS_PER_DOUBLING
_COARSEST_STEP = 9 * _STEPS_PER_DOUBLING


@dataclass(frozen=True)
class PlaceCells:
    """The places of a map merged into cells, one marker each.

    Attributes
    ----------
    cell_of_place : numpy.ndarray
        int64, one per place: its cell in [0, n_cells), or -1 for a place not drawn.
    longitude, latitude : numpy.ndarray
        The mean position of each cell's places, degrees.
    count : numpy.ndarray
        Places per cell (int64, >= 1).
    cell_size : float or None
        The grid's cell width in degrees; None when each cell is one distinct position.
    """

    cell_of_place: np.ndarray
    longitude: np.ndarray
    latitude: np.ndarray
    count: np.ndarray
    cell_size: float | None

    @property
    def n_cells(self) -> int:
        """How many cells (markers) there are."""
        return int(self.count.size)


@dataclass(frozen=True)
class Selection:
    """The places inside the selected cells.

    Attributes
    ----------
    rows : numpy.ndarray
        Positions of the selected places among all places, ascending (int64).
    counts : numpy.ndarray
        Selected places per cluster id 0 .. n_clusters - 1 (int64).
    """

    rows: np.ndarray
    counts: np.ndarray

    @property
    def n_rows(self) -> int:
        """How many places are selected."""
        return int(self.rows.size)


def _distinct_cells(keys: np.ndarray) -> tuple[np.ndarray, int]:
    """Each key's cell (its rank among the distinct keys) and the number of cells."""
    distinct, cell = np.unique(keys, return_inverse=True)
    return cell.reshape(-1).astype(np.int64), int(distinct.size)


def _cell_width(step: int) -> float:
    return float(2.0 ** (step / _STEPS_PER_DOUBLING))


def _grid_keys(longitude: np.ndarray, latitude: np.ndarray, step: int) -> np.ndarray:
    """One int64 key per place: its cell of the grid of ``_cell_width(step)`` degrees."""
    size = _cell_width(step)
    column = np.floor((longitude - longitude.min()) / size).astype(np.int64)
    row = np.floor((latitude - latitude.min()) / size).astype(np.int64)
    return column * (int(row.max()) + 1) + row


def place_cells(longitude: np.ndarray, latitude: np.ndarray, drawn: np.ndarray) -> PlaceCells:
    """Merge places into at most :data:`MAX_MARKERS` cells: distinct positions, else a grid.

    Parameters
    ----------
    longitude, latitude : numpy.ndarray
        Degrees, finite, one per place.
    drawn : numpy.ndarray of bool
        The places to put in cells (e.g. the clustered ones); the others get cell -1.

    Returns
    -------
    PlaceCells
        Each place's cell and each cell's mean position and count. The cells are every
        distinct position of the drawn places when they number at most ``MAX_MARKERS``; else
        the non-empty cells of a square grid of ``2**(j / 4)`` degrees (``j`` in [-80, 36]),
        the finest a bisection over ``j`` finds with at most ``MAX_MARKERS`` of them.
    """
    lon = np.asarray(longitude, dtype=float)
    lat = np.asarray(latitude, dtype=float)
    if lon.ndim != 1 or lon.shape != lat.shape:
        raise ValueError(
            f"longitude and latitude must be 1-d and of one length; got shapes {lon.shape} "
            f"and {lat.shape}."
        )
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise ValueError("longitude and latitude must be finite.")
    mask = np.asarray(drawn)
    if mask.dtype != bool or mask.shape != lon.shape:
        raise ValueError(f"drawn must hold one True or False per place ({lon.size}).")
    places = np.flatnonzero(mask)
    cell_of_place = np.full(lon.size, -1, dtype=np.int64)
    lon_drawn, lat_drawn = lon[places], lat[places]
    cell_size: float | None = None
    # Complex numbers sort by real then imaginary part: one sort finds the positions.
    cell, n_cells = _distinct_cells(lon_drawn + 1j * lat_drawn)
    if n_cells > MAX_MARKERS:
        # A fine grid that fits: the coarsest always does (one cell).
        fine, coarse = _FINEST_STEP, _COARSEST_STEP
        while coarse - fine > 1:
            middle = (fine + coarse) // 2
            if np.unique(_grid_keys(lon_drawn, lat_drawn, middle)).size <= MAX_MARKERS:
                coarse = middle
            else:
                fine = middle
        cell, n_cells = _distinct_cells(_grid_keys(lon_drawn, lat_drawn, coarse))
        cell_size = _cell_width(coarse)
    cell_of_place[places] = cell
    count = np.bincount(cell, minlength=n_cells)
    return PlaceCells(
        cell_of_place=cell_of_place,
        longitude=np.bincount(cell, lon_drawn, minlength=n_cells) / count,
        latitude=np.bincount(cell, lat_drawn, minlength=n_cells) / count,
        count=count.astype(np.int64),
        cell_size=cell_size,
    )


def _check_labels(cells: PlaceCells, labels: np.ndarray, n_clusters: int) -> np.ndarray:
    ids = np.asarray(labels)
    check_int(n_clusters, "n_clusters", 1, 15)
    if ids.shape != cells.cell_of_place.shape or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(
            f"labels must hold one integer cluster id per place ({cells.cell_of_place.size})."
        )
    if ids.size and (ids.min() < -1 or ids.max() >= n_clusters):
        raise ValueError(f"labels has ids outside [-1, {n_clusters - 1}].")
    return ids.astype(np.int64)


def cell_majority(
    cells: PlaceCells, labels: np.ndarray, n_clusters: int
) -> tuple[np.ndarray, np.ndarray]:
    """The most common cluster of each cell and its share of the cell's clustered places.

    Parameters
    ----------
    cells : PlaceCells
        From :func:`place_cells`.
    labels : numpy.ndarray
        Cluster id per place, in [0, n_clusters - 1], or -1 (not clustered: not counted).
    n_clusters : int
        k, in [1, 15].

    Returns
    -------
    ids : numpy.ndarray
        int64 per cell: the majority cluster (ties: the lowest id), -1 for a cell without a
        clustered place.
    shares : numpy.ndarray
        float per cell: that cluster's share of the cell's clustered places (0 for -1).
    """
    ids = _check_labels(cells, labels, n_clusters)
    counted = (cells.cell_of_place >= 0) & (ids >= 0)
    table = np.bincount(
        cells.cell_of_place[counted] * n_clusters + ids[counted],
        minlength=cells.n_cells * n_clusters,
    ).reshape(cells.n_cells, n_clusters)
    totals = table.sum(axis=1)
    majority = np.where(totals > 0, table.argmax(axis=1), -1).astype(np.int64)
    # An empty cell's maximum is 0: its share is 0 / 1.
    return majority, table.max(axis=1) / np.maximum(totals, 1)


def select_cells(
    cells: PlaceCells, cell_ids: np.ndarray, labels: np.ndarray, n_clusters: int
) -> Selection:
    """The places inside the selected cells, and how many of them each cluster holds.

    Parameters
    ----------
    cells : PlaceCells
        From :func:`place_cells`.
    cell_ids : array-like of int
        The selected cells (e.g. the markers a box or lasso took), each in
        [0, cells.n_cells); repeats count once.
    labels : numpy.ndarray
        Cluster id per place, in [0, n_clusters - 1] or -1.
    n_clusters : int
        k, in [1, 15].

    Returns
    -------
    Selection
        The positions of the places in those cells (ascending) and the count per cluster
        (places with id -1 are selected but in no cluster's count).
    """
    selected = np.asarray(cell_ids)
    if selected.size and (
        selected.ndim != 1
        or not np.issubdtype(selected.dtype, np.integer)
        or selected.min() < 0
        or selected.max() >= cells.n_cells
    ):
        raise ValueError(
            f"cell_ids must be integers in [0, {cells.n_cells - 1}], the cells of the map; "
            "select again on the map."
        )
    ids = _check_labels(cells, labels, n_clusters)
    rows = np.flatnonzero(np.isin(cells.cell_of_place, selected.astype(np.int64)))
    in_cluster = ids[rows]
    counts = np.bincount(in_cluster[in_cluster >= 0], minlength=n_clusters).astype(np.int64)
    return Selection(rows=rows.astype(np.int64), counts=counts)
