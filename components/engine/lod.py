"""Level of detail for maps of many points: per zoom, the points merged into small cells.

Pure numpy. A map at state zoom draws thousands of points on top of each other; in the
browser every point is an instance drawn on every redraw, and in software WebGL the redraw's
time grows with the instances (BENCHMARKS.md, "Browser"). Merged into cells of a couple of
pixels at each zoom, a map draws about as many points as it has distinct pixels, and the
finest zoom keeps every distinct position (full detail when the user zooms in). Each cell
keeps how many rows it holds and, for every k, its majority cluster and that cluster's share,
so colours stay those of the clusters.

The levels follow the Web Mercator tile scheme of web maps (256-pixel tiles, x east, y
south), so :mod:`components.figures.lod` can cut them into the tiles deck.gl's TileLayer
loads by zoom.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

TILE_SIZE_PX = 256
MERCATOR_MAX_LATITUDE = 85.0511287798
# Cells of this many pixels at each zoom below the finest: about the size of a point.
CELL_PX = 2
# The finest zoom is the largest whose tiles over the data's extent number at most this.
MAX_FINEST_TILES = 256
MAX_ZOOM = 14
# Most cells over all zooms: it bounds the tiles' bytes on the wire and the time to write
# them (BENCHMARKS.md, "Scale"). A million places stop a few zooms early.
MAX_CELLS = 400_000


def mercator_pixels(
    longitude: np.ndarray, latitude: np.ndarray, zoom: int
) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator pixel coordinates of the whole world at ``zoom`` (256 px tiles).

    Parameters
    ----------
    longitude, latitude : numpy.ndarray
        Degrees; latitudes are clipped to the Mercator limit (+-85.05).
    zoom : int
        The zoom level, >= 0.

    Returns
    -------
    tuple of numpy.ndarray
        x (east) and y (south) in pixels, in [0, 256 * 2**zoom].
    """
    world_px = TILE_SIZE_PX * 2.0**zoom
    phi = np.radians(np.clip(latitude, -MERCATOR_MAX_LATITUDE, MERCATOR_MAX_LATITUDE))
    x = (np.asarray(longitude, dtype=float) + 180.0) / 360.0 * world_px
    y = (1.0 - np.log(np.tan(phi) + 1.0 / np.cos(phi)) / np.pi) / 2.0 * world_px
    return x, y


def tile_range(extent: tuple[float, float, float, float], zoom: int) -> tuple[range, range]:
    """The x and y indices of the tiles at ``zoom`` covering (west, south, east, north)."""
    x, y = mercator_pixels(np.array([extent[0], extent[2]]), np.array([extent[3], extent[1]]), zoom)
    (x0, x1), (y0, y1) = (np.clip(v // TILE_SIZE_PX, 0, 2**zoom - 1).astype(int) for v in (x, y))
    return range(int(x0), int(x1) + 1), range(int(y0), int(y1) + 1)


@dataclass(frozen=True)
class DetailLevel:
    """The points of one zoom, merged into cells (or, at the finest zoom, by position).

    Attributes
    ----------
    zoom : int
        The zoom level.
    longitude, latitude : numpy.ndarray
        Mean position of each cell's rows, degrees.
    count : numpy.ndarray
        Rows per cell (int64, >= 1).
    ids : numpy.ndarray
        Shape (n_cells, n_k): the majority cluster id of each cell at each k (ties:
        the lowest id).
    shares : numpy.ndarray
        Shape (n_cells, n_k): the fraction of the cell's rows in that cluster, in (0, 1].
    values : Mapping[str, numpy.ndarray]
        The mean of each value column per cell (NaN where a cell has no value).
    tile_x, tile_y : numpy.ndarray
        The tile of each cell at this zoom.
    """

    zoom: int
    longitude: np.ndarray
    latitude: np.ndarray
    count: np.ndarray
    ids: np.ndarray
    shares: np.ndarray
    values: Mapping[str, np.ndarray]
    tile_x: np.ndarray
    tile_y: np.ndarray

    @property
    def n_cells(self) -> int:
        """How many cells (points drawn) this zoom has."""
        return int(self.count.size)


@dataclass(frozen=True)
class LevelOfDetail:
    """Every zoom's cells, from the whole world (0) to the finest (every position).

    Attributes
    ----------
    k_values : tuple of int
        The k's whose majority ids the cells carry (columns of ``ids`` and ``shares``).
    levels : tuple of DetailLevel
        One per zoom, 0 .. ``max_zoom``.
    extent : tuple of float
        (west, south, east, north) of the rows, degrees.
    max_zoom : int
        The finest zoom; its cells are the distinct positions (overzoomed beyond).
    """

    k_values: tuple[int, ...]
    levels: tuple[DetailLevel, ...]
    extent: tuple[float, float, float, float]
    max_zoom: int


def finest_zoom(extent: tuple[float, float, float, float], max_tiles: int) -> int:
    """The largest zoom (<= MAX_ZOOM) whose tiles over ``extent`` number at most ``max_tiles``."""
    for zoom in range(MAX_ZOOM):
        x_range, y_range = tile_range(extent, zoom + 1)
        if len(x_range) * len(y_range) > max_tiles:
            return zoom
    return MAX_ZOOM


@dataclass
class _Sums:
    """Per-cell sums of a level, from which its cells' means and majorities follow."""

    count: np.ndarray
    longitude: np.ndarray
    latitude: np.ndarray
    tables: list[np.ndarray]  # per k, (n_cells, k) rows per cluster
    values: dict[str, tuple[np.ndarray, np.ndarray]]  # per column: sum, finite count

    def reduced(self, cell_starts: np.ndarray) -> _Sums:
        """The sums of a coarser level whose cells are runs of these cells."""
        return _Sums(
            count=np.add.reduceat(self.count, cell_starts),
            longitude=np.add.reduceat(self.longitude, cell_starts),
            latitude=np.add.reduceat(self.latitude, cell_starts),
            tables=[np.add.reduceat(table, cell_starts, axis=0) for table in self.tables],
            values={
                name: (np.add.reduceat(total, cell_starts), np.add.reduceat(n, cell_starts))
                for name, (total, n) in self.values.items()
            },
        )

    def level(self, zoom: int) -> DetailLevel:
        """The cells of ``zoom``: mean positions and values, each k's majority and share."""
        mean_lon = self.longitude / self.count
        mean_lat = self.latitude / self.count
        ids = np.column_stack([table.argmax(axis=1) for table in self.tables]).astype(np.int64)
        shares = np.column_stack([table.max(axis=1) / self.count for table in self.tables])
        with np.errstate(invalid="ignore", divide="ignore"):
            values = {name: total / n for name, (total, n) in self.values.items()}
        x, y = mercator_pixels(mean_lon, mean_lat, zoom)
        last = 2**zoom - 1
        return DetailLevel(
            zoom=zoom,
            longitude=mean_lon,
            latitude=mean_lat,
            count=self.count,
            ids=ids,
            shares=shares,
            values=values,
            tile_x=np.clip(x // TILE_SIZE_PX, 0, last).astype(np.int64),
            tile_y=np.clip(y // TILE_SIZE_PX, 0, last).astype(np.int64),
        )


def _row_sums(
    order: np.ndarray,
    starts: np.ndarray,
    longitude: np.ndarray,
    latitude: np.ndarray,
    labels: np.ndarray,
    k_values: tuple[int, ...],
    values: Mapping[str, np.ndarray],
) -> _Sums:
    """Sum the rows into their cells, given the rows' sorted order and where each cell starts."""
    n_cells = starts.size
    cell_of_row = np.empty(order.size, dtype=np.int64)
    cell_of_row[order] = np.repeat(np.arange(n_cells), np.diff(np.append(starts, order.size)))
    value_sums = {}
    for name, column in values.items():
        finite = np.isfinite(column)
        value_sums[name] = (
            np.bincount(cell_of_row[finite], column[finite], minlength=n_cells),
            np.bincount(cell_of_row[finite], minlength=n_cells),
        )
    return _Sums(
        count=np.bincount(cell_of_row, minlength=n_cells),
        longitude=np.bincount(cell_of_row, longitude, minlength=n_cells),
        latitude=np.bincount(cell_of_row, latitude, minlength=n_cells),
        tables=[
            np.bincount(cell_of_row * k + labels[index], minlength=n_cells * k).reshape(n_cells, k)
            for index, k in enumerate(k_values)
        ],
        values=value_sums,
    )


def _spread_bits(values: np.ndarray) -> np.ndarray:
    """Put the bits of 32-bit integers on the even bits of 64-bit ones (for a Morton code)."""
    spread = values.astype(np.uint64)
    for shift, mask in (
        (16, 0x0000FFFF0000FFFF),
        (8, 0x00FF00FF00FF00FF),
        (4, 0x0F0F0F0F0F0F0F0F),
        (2, 0x3333333333333333),
        (1, 0x5555555555555555),
    ):
        spread = (spread | (spread << np.uint64(shift))) & np.uint64(mask)
    return spread


def _run_starts(*sorted_keys: np.ndarray) -> np.ndarray:
    """Positions where any of the sorted keys changes (the first row included)."""
    changed = np.zeros(sorted_keys[0].size, dtype=bool)
    changed[0] = True
    for keys in sorted_keys:
        changed[1:] |= keys[1:] != keys[:-1]
    return np.flatnonzero(changed)


def level_of_detail(
    longitude: np.ndarray,
    latitude: np.ndarray,
    labels_by_k: Mapping[int, np.ndarray],
    values: Mapping[str, np.ndarray] | None = None,
) -> LevelOfDetail:
    """Merge points into cells at every zoom, keeping each k's majority cluster.

    The rows are sorted once by the Morton code of their cell at the finest grid zoom (and
    then by position): a cell of a coarser zoom is a run of that order, so every zoom is
    merged in one linear pass.

    Parameters
    ----------
    longitude, latitude : numpy.ndarray
        Degrees, finite, one per row.
    labels_by_k : mapping of int to numpy.ndarray
        Cluster ids in [0, k - 1] per row, for each k in [1, 15].
    values : mapping of str to numpy.ndarray, optional
        Columns averaged per cell (e.g. the price for the tooltip); missing values (NaN)
        are left out of a cell's mean (NaN when a cell has none).

    Returns
    -------
    LevelOfDetail
        Zoom 0 .. finest; at the finest zoom a cell is a distinct position, unless
        :data:`MAX_CELLS` stopped the zooms before it (zoom 0 is always kept; the finest is
        then a grid of cells).
    """
    lon = np.asarray(longitude, dtype=float)
    lat = np.asarray(latitude, dtype=float)
    if lon.ndim != 1 or lon.shape != lat.shape or lon.size == 0:
        raise ValueError(
            f"longitude and latitude must be 1-d, non-empty and of one length; got shapes "
            f"{lon.shape} and {lat.shape}."
        )
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise ValueError("longitude and latitude must be finite.")
    k_values = tuple(sorted(int(k) for k in labels_by_k))
    if not k_values:
        raise ValueError("labels_by_k is empty; expected the labels of at least one k.")
    labels = np.empty((len(k_values), lon.size), dtype=np.int8)  # k <= 15
    for row, k in enumerate(k_values):
        column = np.asarray(labels_by_k[k])
        if not 1 <= k <= 15 or column.shape != lon.shape:
            raise ValueError(
                f"labels_by_k[{k}] must hold one id per row ({lon.size}) for k in [1, 15]."
            )
        if column.size and (column.min() < 0 or column.max() >= k):
            raise ValueError(f"labels_by_k[{k}] has ids outside [0, {k - 1}].")
        labels[row] = column
    columns = {name: np.asarray(column, dtype=float) for name, column in (values or {}).items()}
    for name, column in columns.items():
        if column.shape != lon.shape:
            raise ValueError(f"values[{name!r}] must hold one value per row ({lon.size}).")
    extent = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    tile_zoom = finest_zoom(extent, MAX_FINEST_TILES)
    grid_zoom = max(tile_zoom - 1, 0)
    x, y = mercator_pixels(lon, lat, grid_zoom)
    cells_across = TILE_SIZE_PX * 2**grid_zoom // CELL_PX
    cell_x, cell_y = (np.clip(v // CELL_PX, 0, cells_across - 1).astype(np.uint64) for v in (x, y))
    morton = _spread_bits(cell_x) | (_spread_bits(cell_y) << np.uint64(1))
    order = np.argsort(morton, kind="stable")
    sorted_morton = morton[order]
    # Which zooms fit the cell budget; a coarser zoom's cells are runs of the finer one's.
    grid_starts: list[np.ndarray] = []
    total_cells = 0
    for zoom in range(tile_zoom):
        starts = _run_starts(sorted_morton >> np.uint64(2 * (grid_zoom - zoom)))
        if grid_starts and total_cells + starts.size > MAX_CELLS:
            break
        grid_starts.append(starts)
        total_cells += starts.size
    levels: list[DetailLevel] = []
    if grid_starts:
        # From the finest grid zoom down, each zoom summed from the one above it.
        sums = _row_sums(order, grid_starts[-1], lon, lat, labels, k_values, columns)
        levels.append(sums.level(len(grid_starts) - 1))
        for zoom in range(len(grid_starts) - 2, -1, -1):
            sums = sums.reduced(np.searchsorted(grid_starts[zoom + 1], grid_starts[zoom]))
            levels.insert(0, sums.level(zoom))
    # Every distinct position, when every grid zoom fit and the rows surely fit as well
    # (sorting a million positions is the slow part, so it is not tried beyond that).
    if not levels or (len(grid_starts) == tile_zoom and total_cells + lon.size <= MAX_CELLS):
        exact_order = np.lexsort((lat, lon, morton))
        exact_starts = _run_starts(lon[exact_order], lat[exact_order])
        exact = _row_sums(exact_order, exact_starts, lon, lat, labels, k_values, columns)
        levels.append(exact.level(tile_zoom))
    return LevelOfDetail(
        k_values=k_values, levels=tuple(levels), extent=extent, max_zoom=levels[-1].zoom
    )
