"""Selecting places by area: places merged into markers, selected markers back to places."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from components.engine import selection
from components.engine.data import load_housing
from components.engine.selection import (
    MAX_MARKERS,
    cell_majority,
    place_cells,
    select_cells,
)
from tests.reference_data import HOUSING_CSV

# Five places: the first two share a position.
LON = np.array([-121.50, -121.50, -121.49, -121.48, -121.47])
LAT = np.array([38.58, 38.58, 38.58, 38.57, 38.56])
TOY = place_cells(LON, LAT, np.ones(len(LON), dtype=bool))
ZEROS = np.zeros(5, dtype=np.int64)


def test_distinct_positions_are_the_cells_when_they_fit() -> None:
    cells = place_cells(LON, LAT, np.ones(len(LON), dtype=bool))
    assert cells.cell_size is None
    # Ordered by longitude: the shared position is cell 0, then one cell per place.
    assert cells.cell_of_place.tolist() == [0, 0, 1, 2, 3]
    assert cells.count.tolist() == [2, 1, 1, 1]
    np.testing.assert_allclose(cells.longitude, [-121.50, -121.49, -121.48, -121.47])
    np.testing.assert_allclose(cells.latitude, [38.58, 38.58, 38.57, 38.56])


def test_selected_cells_select_the_places_inside_them() -> None:
    cells = place_cells(LON, LAT, np.ones(len(LON), dtype=bool))
    labels = np.array([0, 1, 1, 0, 1])
    selection = select_cells(cells, np.array([0, 3]), labels, 2)
    assert selection.rows.tolist() == [0, 1, 4]  # both places of cell 0, and cell 3's
    assert selection.counts.tolist() == [1, 2]
    assert selection.n_rows == 3
    # A repeated id counts once; no cell selects nothing.
    assert select_cells(cells, np.array([3, 3]), labels, 2).rows.tolist() == [4]
    nothing = select_cells(cells, np.array([], dtype=np.int64), labels, 2)
    assert nothing.n_rows == 0 and nothing.counts.tolist() == [0, 0]


def test_a_grid_when_the_positions_do_not_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two pairs of places 0.1 degrees apart, the pairs 10 degrees apart: in two cells, a
    # grid keeps each pair together (a coarser one would merge the pairs into one).
    lon = np.array([0.0, 0.1, 10.0, 10.1])
    lat = np.zeros(4)
    monkeypatch.setattr(selection, "MAX_MARKERS", 2)
    cells = place_cells(lon, lat, np.ones(len(lon), dtype=bool))
    assert cells.n_cells == 2
    assert cells.cell_size is not None and 0.1 < cells.cell_size <= 10.0
    assert cells.cell_of_place.tolist() == [0, 0, 1, 1]
    assert cells.count.tolist() == [2, 2]
    np.testing.assert_allclose(cells.longitude, [0.05, 10.05])


def test_grid_cells_are_the_squares_of_their_size(monkeypatch: pytest.MonkeyPatch) -> None:
    generator = np.random.default_rng(3)
    lon = generator.uniform(-5.0, 5.0, 5_000)
    lat = generator.uniform(40.0, 50.0, 5_000)
    monkeypatch.setattr(selection, "MAX_MARKERS", 300)
    cells = place_cells(lon, lat, np.ones(len(lon), dtype=bool))
    assert cells.cell_size is not None and cells.n_cells <= 300
    # The same partition as the squares of that size from the south-west corner.
    squares = np.floor((lon - lon.min()) / cells.cell_size) * 1e6 + np.floor(
        (lat - lat.min()) / cells.cell_size
    )
    _, expected = np.unique(squares, return_inverse=True)
    assert np.array_equal(cells.cell_of_place, expected)
    # A grid of the next finer size tried (2**(-1/4) smaller) would not fit.
    monkeypatch.setattr(selection, "MAX_MARKERS", cells.n_cells - 1)
    finer = place_cells(lon, lat, np.ones(len(lon), dtype=bool))
    assert finer.cell_size is not None and finer.cell_size > cells.cell_size


def test_selecting_every_cell_selects_every_drawn_place(monkeypatch: pytest.MonkeyPatch) -> None:
    generator = np.random.default_rng(0)
    lon = generator.normal(-120.0, 2.0, 3_000)
    lat = generator.normal(37.0, 2.0, 3_000)
    labels = generator.integers(-1, 4, 3_000)
    drawn = labels >= 0
    monkeypatch.setattr(selection, "MAX_MARKERS", 500)
    cells = place_cells(lon, lat, drawn)
    assert cells.n_cells <= 500
    assert (cells.cell_of_place[~drawn] == -1).all() and (cells.cell_of_place[drawn] >= 0).all()
    assert cells.count.sum() == drawn.sum()
    everything = select_cells(cells, np.arange(cells.n_cells), labels, 4)
    assert everything.rows.tolist() == np.flatnonzero(drawn).tolist()
    assert everything.counts.tolist() == np.bincount(labels[drawn], minlength=4).tolist()


def test_cell_majority_by_hand() -> None:
    cells = place_cells(LON, LAT, np.ones(len(LON), dtype=bool))
    # Cell 0 holds places 0 and 1: a tie of ids 2 and 1 goes to the lower id, at 50%.
    # Cell 1 holds one place without a cluster: no majority.
    ids, shares = cell_majority(cells, np.array([2, 1, -1, 0, 2]), 3)
    assert ids.tolist() == [1, -1, 0, 2]
    np.testing.assert_allclose(shares, [0.5, 0.0, 1.0, 1.0])


def test_a_million_places_stay_at_most_max_markers() -> None:
    generator = np.random.default_rng(1)
    lon = generator.uniform(-124.0, -114.0, 1_000_000)
    lat = generator.uniform(32.0, 42.0, 1_000_000)
    cells = place_cells(lon, lat, np.ones(len(lon), dtype=bool))
    assert cells.cell_size is not None
    # A square grid over a square of places: close to the bound, never past it.
    assert MAX_MARKERS // 2 < cells.n_cells <= MAX_MARKERS
    assert cells.count.sum() == 1_000_000 and (cells.cell_of_place >= 0).all()


def test_the_housing_positions_are_the_markers() -> None:
    frame = load_housing(HOUSING_CSV).frame
    cells = place_cells(
        frame["longitude"].to_numpy(),
        frame["latitude"].to_numpy(),
        np.ones(len(frame["longitude"].to_numpy()), dtype=bool),
    )
    positions = frame[["longitude", "latitude"]].drop_duplicates()
    assert cells.cell_size is None and cells.n_cells == len(positions) <= MAX_MARKERS
    assert cells.count.sum() == len(frame)
    # Each marker sits on its places' one position.
    first = pd.Series(np.arange(len(frame))).groupby(cells.cell_of_place).first().to_numpy()
    np.testing.assert_allclose(cells.longitude, frame["longitude"].to_numpy()[first], atol=1e-9)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: place_cells(LON, LAT[:3], np.ones(len(LON), dtype=bool)), "one length"),
        (lambda: place_cells(np.array([np.nan]), np.array([1.0]), np.array([True])), "finite"),
        (lambda: place_cells(LON, LAT, np.ones(5)), "drawn"),
        (lambda: select_cells(TOY, np.array([4]), ZEROS, 2), "[0, 3]"),
        (lambda: select_cells(TOY, np.array([-1]), ZEROS, 2), "[0, 3]"),
        (lambda: select_cells(TOY, np.array([0]), np.full(5, 2), 2), "[-1, 1]"),
        (lambda: cell_majority(TOY, np.zeros(4, int), 2), "one integer"),
        (lambda: cell_majority(TOY, ZEROS, 16), "n_clusters=16"),
    ],
)
def test_bad_arguments_say_what_is_expected(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
