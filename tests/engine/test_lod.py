"""The level of detail: points merged into cells per zoom, each k's majority kept."""

from __future__ import annotations

import numpy as np
import pytest

from components.engine import lod
from components.engine.lod import (
    MAX_ZOOM,
    finest_zoom,
    level_of_detail,
    mercator_pixels,
    tile_range,
)

# Five rows near Sacramento: two share a position, the others are ~1 km apart.
LON = np.array([-121.50, -121.50, -121.49, -121.48, -121.47])
LAT = np.array([38.58, 38.58, 38.58, 38.57, 38.56])
LABELS = {2: np.array([0, 1, 1, 1, 0]), 3: np.array([2, 2, 0, 1, 1])}


def test_mercator_pixels_of_known_points() -> None:
    x, y = mercator_pixels(np.array([0.0, -180.0, 180.0]), np.array([0.0, 85.0511287798, 0.0]), 0)
    np.testing.assert_allclose(x, [128.0, 0.0, 256.0])
    np.testing.assert_allclose(y, [128.0, 0.0, 128.0], atol=1e-6)
    # One zoom level more doubles every coordinate.
    x1, y1 = mercator_pixels(LON, LAT, 1)
    x0, y0 = mercator_pixels(LON, LAT, 0)
    np.testing.assert_allclose(x1, 2 * x0)
    np.testing.assert_allclose(y1, 2 * y0)


def test_tile_range_and_finest_zoom() -> None:
    assert tile_range((-180.0, -85.0, 180.0, 85.0), 2) == (range(0, 4), range(0, 4))
    # A tiny extent fits one tile up to the deepest zoom allowed.
    assert finest_zoom((-121.5, 38.56, -121.47, 38.58), 1) <= MAX_ZOOM
    # California (about 10 x 9.5 degrees) at zoom 8 spans about 8 x 10 tiles.
    california = (-124.35, 32.54, -114.31, 41.95)
    zoom = finest_zoom(california, 256)
    x_range, y_range = tile_range(california, zoom)
    assert len(x_range) * len(y_range) <= 256
    x_next, y_next = tile_range(california, zoom + 1)
    assert len(x_next) * len(y_next) > 256


def test_cells_keep_counts_majorities_and_shares() -> None:
    lod = level_of_detail(LON, LAT, LABELS, {"price": np.array([1.0, 3.0, 5.0, np.nan, 9.0])})
    assert lod.k_values == (2, 3)
    assert lod.extent == (-121.5, 38.56, -121.47, 38.58)
    whole = lod.levels[0]  # at zoom 0 the five rows are in one cell
    assert whole.n_cells == 1 and whole.count.tolist() == [5]
    # k = 2: ids 0, 1, 1, 1, 0 -> id 1 holds 3 of 5. k = 3: 2, 2, 0, 1, 1 -> a tie of
    # 1 and 2 (2 rows each) goes to the lower id.
    assert whole.ids.tolist() == [[1, 1]]
    np.testing.assert_allclose(whole.shares, [[0.6, 0.4]])
    np.testing.assert_allclose(whole.values["price"], [4.5])  # NaN left out of the mean
    np.testing.assert_allclose(whole.longitude, [LON.mean()])
    finest = lod.levels[-1]
    assert finest.zoom == lod.max_zoom and len(lod.levels) == lod.max_zoom + 1
    # At the finest zoom a cell is a distinct position: the shared one has two rows.
    assert finest.n_cells == 4
    shared = int(np.flatnonzero(finest.count == 2)[0])
    assert finest.longitude[shared] == -121.50 and finest.latitude[shared] == 38.58
    assert finest.ids[shared].tolist() == [0, 2]  # ids 0/1 tie -> 0; ids 2/2 -> 2
    np.testing.assert_allclose(finest.shares[shared], [0.5, 1.0])
    # Every level holds every row once.
    assert all(level.count.sum() == 5 for level in lod.levels)


def test_cells_merge_more_as_the_zoom_falls() -> None:
    rng = np.random.default_rng(0)
    lon = rng.uniform(-124, -114, 5_000)
    lat = rng.uniform(33, 42, 5_000)
    labels = {4: rng.integers(0, 4, 5_000)}
    lod = level_of_detail(lon, lat, labels)
    counts = [level.n_cells for level in lod.levels]
    assert counts == sorted(counts) and counts[0] < 50 and counts[-1] == 5_000
    for level in lod.levels:  # each cell's tile is the tile of its position at that zoom
        x, y = mercator_pixels(level.longitude, level.latitude, level.zoom)
        np.testing.assert_array_equal(level.tile_x, x // 256)
        np.testing.assert_array_equal(level.tile_y, y // 256)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"longitude": LON[:3]}, r"of one length"),
        ({"latitude": np.where(LAT > 38.57, np.nan, LAT)}, r"must be finite"),
        ({"labels_by_k": {}}, r"labels_by_k is empty"),
        ({"labels_by_k": {2: np.array([0, 1, 2, 0, 0])}}, r"ids outside \[0, 1\]"),
        ({"labels_by_k": {16: np.zeros(5, int)}}, r"k in \[1, 15\]"),
        ({"values": {"v": np.ones(4)}}, r"values\['v'\] must hold one value per row \(5\)"),
    ],
)
def test_bad_input_names_the_value_and_the_range(arguments: dict, message: str) -> None:
    call = {"longitude": LON, "latitude": LAT, "labels_by_k": LABELS} | arguments
    with pytest.raises(ValueError, match=message):
        level_of_detail(**call)


def test_the_cell_budget_stops_the_zooms_and_keeps_every_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(1)
    lon = rng.uniform(-124, -114, 20_000)
    lat = rng.uniform(33, 42, 20_000)
    labels = {2: rng.integers(0, 2, 20_000), 5: rng.integers(0, 5, 20_000)}
    unbounded = level_of_detail(lon, lat, labels)
    assert unbounded.levels[-1].n_cells == 20_000  # every distinct position
    monkeypatch.setattr(lod, "MAX_CELLS", 8_000)
    bounded = level_of_detail(lon, lat, labels)
    assert bounded.max_zoom < unbounded.max_zoom
    assert sum(level.n_cells for level in bounded.levels) <= 8_000
    assert bounded.levels[-1].n_cells < 20_000  # the finest kept zoom is a grid of cells
    for fine, coarse in zip(bounded.levels, unbounded.levels, strict=False):
        # Same cells, counts and majorities as without the budget, zoom by zoom.
        assert fine.zoom == coarse.zoom
        np.testing.assert_array_equal(fine.count, coarse.count)
        np.testing.assert_array_equal(fine.ids, coarse.ids)
        assert fine.count.sum() == 20_000


def test_cells_agree_with_a_direct_count_per_cell() -> None:
    """Each cell's count and majority equal a plain groupby of the rows by pixel cell."""
    rng = np.random.default_rng(2)
    lon = rng.normal(-118.2, 0.5, 3_000)
    lat = rng.normal(34.0, 0.5, 3_000)
    labels = rng.integers(0, 3, 3_000)
    lod = level_of_detail(lon, lat, {3: labels})
    for level in lod.levels[:-1]:
        x, y = mercator_pixels(lon, lat, level.zoom)
        cells = {}
        for cell_x, cell_y, label in zip(x // 2, y // 2, labels, strict=True):
            cells.setdefault((cell_x, cell_y), []).append(label)
        assert level.n_cells == len(cells)
        expected = sorted(
            (len(members), np.bincount(members, minlength=3).argmax()) for members in cells.values()
        )
        got = sorted(zip(level.count.tolist(), level.ids[:, 0].tolist(), strict=True))
        assert got == expected
