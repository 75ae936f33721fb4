"""The selection map: cells as markers with their ids, cluster colours, plain-text labels."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from components.engine.outline import load_outline
from components.engine.selection import place_cells
from components.figures.palette import NOT_CLUSTERED_COLOUR, PALETTE
from components.figures.selection import MARKERS_TRACE, selection_figure

# Four places in California, the first two at one position: three cells.
LON = np.array([-122.4, -122.4, -118.2, -117.2])
LAT = np.array([37.8, 37.8, 34.1, 32.7])
CELLS = place_cells(LON, LAT, np.ones(len(LON), dtype=bool))
CLUSTERS = np.array([2, 0, -1])
SHARES = np.array([0.5, 1.0, 0.0])


def test_markers_carry_their_cell_and_its_places() -> None:
    figure = selection_figure(CELLS, CLUSTERS, SHARES, 3)
    markers = figure.data[MARKERS_TRACE]
    customdata = np.asarray(markers.customdata)
    # [cell id, places, majority cluster, its share in percent]
    assert customdata.tolist() == [[0, 2, 2, 50], [1, 1, 0, 100], [2, 1, -1, 0]]
    np.testing.assert_allclose(markers.x, CELLS.longitude, atol=1e-5)
    np.testing.assert_allclose(markers.y, CELLS.latitude, atol=1e-5)
    # The cell of two places is drawn larger than a cell of one.
    sizes = np.asarray(markers.marker.size)
    assert sizes[0] > sizes[1] == sizes[2]
    assert figure.layout.dragmode == "select"


def _scale_colour(marker: Any, value: float) -> str:
    """The colour plotly gives ``value`` on the marker's colourscale (between cmin and cmax)."""
    position = (value - marker.cmin) / (marker.cmax - marker.cmin)
    scale = [(float(start), colour) for start, colour in marker.colorscale]
    below = [colour for start, colour in scale if start <= position]
    above = [colour for start, colour in scale if start >= position]
    assert below[-1] == above[0], "the value sits between two colours"
    return below[-1]


def test_each_cluster_gets_its_palette_colour() -> None:
    marker = selection_figure(CELLS, CLUSTERS, SHARES, 3).data[MARKERS_TRACE].marker
    assert np.asarray(marker.color).tolist() == [2, 0, -1]
    assert [_scale_colour(marker, cluster) for cluster in (-1, 0, 1, 2)] == [
        NOT_CLUSTERED_COLOUR,
        *PALETTE[:3],
    ]


def test_user_column_names_are_plain_text() -> None:
    layout = selection_figure(
        CELLS, CLUSTERS, SHARES, 3, longitude_label="<b>lng</b>", latitude_label="lat & <i>"
    ).layout
    assert layout.xaxis.title.text == "&lt;b&gt;lng&lt;/b&gt;"
    assert layout.yaxis.title.text == "lat &amp; &lt;i&gt;"


def test_axes_keep_distances_and_the_outline_is_clipped() -> None:
    figure = selection_figure(CELLS, CLUSTERS, SHARES, 3)
    south, north = figure.layout.yaxis.range
    assert figure.layout.yaxis.scaleanchor == "x"
    stretch = 1 / math.cos(math.radians((south + north) / 2))
    assert figure.layout.yaxis.scaleratio == pytest.approx(stretch)
    west, east = figure.layout.xaxis.range
    assert west < LON.min() and east > LON.max()
    outline = figure.data[0]
    assert outline.mode == "lines" and outline.hoverinfo == "skip"
    drawn = sum(value is not None for value in outline.x)
    # California's coast and borders, not the world's.
    assert 0 < drawn < sum(len(path) for path in load_outline().paths)


def test_mismatched_cells_are_refused() -> None:
    with pytest.raises(ValueError, match="one value per cell"):
        selection_figure(CELLS, CLUSTERS[:2], SHARES, 3)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        selection_figure(CELLS, CLUSTERS, SHARES, 2)
