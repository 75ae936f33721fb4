"""The selection map: a plotly WebGL scatter of the places' cells that a box or lasso selects.

Plain longitude / latitude axes (the latitude axis stretched by 1 / cos(mean latitude), so
distances look right near the data) need no map tiles, so the map works offline; the app's
shipped coasts and borders are drawn under the markers as thin grey lines. Each marker is a
cell of :func:`components.engine.selection.place_cells`, in the colour of its most common
cluster and sized by its places; its ``customdata`` row starts with the cell's id, which is
what a selection event gives back.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from components.engine.selection import PlaceCells
from components.figures.outline import outline_trace
from components.figures.palette import NOT_CLUSTERED_COLOUR, PALETTE, check_n_clusters
from components.figures.text import plotly_text

__all__ = ["MARKERS_TRACE", "selection_figure"]

MARKERS_TRACE = 1  # the outline is trace 0, under the markers
HEIGHT_PX = 520
_MIN_SIZE_PX = 4.0
_MAX_SIZE_PX = 16.0
_MARGIN = 0.04  # of the data's span, around it


def _colourscale(n_clusters: int) -> list[list[float | str]]:
    """A stepped colourscale of ids -1 .. k - 1 (cmin -1.5, cmax k - 0.5): -1 grey, i PALETTE[i]."""
    colours = (NOT_CLUSTERED_COLOUR, *PALETTE[:n_clusters])
    return [
        [(index + step) / len(colours), colour]
        for index, colour in enumerate(colours)
        for step in (0, 1)
    ]


def selection_figure(
    cells: PlaceCells,
    clusters: np.ndarray,
    shares: np.ndarray,
    n_clusters: int,
    *,
    longitude_label: str = "Longitude",
    latitude_label: str = "Latitude",
    place_word: str = "places",
) -> go.Figure:
    """A map of the cells that a drag selects (box by default, lasso from the mode bar).

    Parameters
    ----------
    cells : PlaceCells
        The places merged into cells (one marker each).
    clusters : numpy.ndarray
        Each cell's majority cluster id in [0, n_clusters - 1] (-1: drawn grey).
    shares : numpy.ndarray
        That cluster's share of the cell, in [0, 1].
    n_clusters : int
        k, in [1, 15].
    longitude_label, latitude_label : str
        The axis titles (the file's own names of the coordinates; shown as plain text).
    place_word : str
        What a place is called, in the plural, for the hover text.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0 the outline, trace :data:`MARKERS_TRACE` the cells: ``customdata`` rows
        ``[cell id, places, cluster, share in percent]``; ``dragmode`` is "select".
    """
    check_n_clusters(n_clusters)
    ids = np.asarray(clusters, dtype=np.int64)
    if ids.shape != (cells.n_cells,) or np.asarray(shares).shape != (cells.n_cells,):
        raise ValueError(
            f"clusters and shares must hold one value per cell ({cells.n_cells}); got shapes "
            f"{ids.shape} and {np.asarray(shares).shape}."
        )
    if ids.size and (ids.min() < -1 or ids.max() >= n_clusters):
        raise ValueError(f"clusters has ids outside [-1, {n_clusters - 1}].")
    if cells.n_cells:
        west, east = float(cells.longitude.min()), float(cells.longitude.max())
        south, north = float(cells.latitude.min()), float(cells.latitude.max())
    else:
        west, south, east, north = -180.0, -60.0, 180.0, 85.0
    pad = _MARGIN * max(east - west, north - south, 0.01)
    box = (west - pad, south - pad, east + pad, north + pad)
    # Sized by the places in the cell, on a log scale (a cell may hold thousands).
    largest = max(float(cells.count.max()) if cells.n_cells else 1.0, 2.0)
    sizes = _MIN_SIZE_PX + (_MAX_SIZE_PX - _MIN_SIZE_PX) * np.log(cells.count) / np.log(largest)
    # Single precision (about a metre) and whole pixels: the figure's arrays travel as
    # binary, and half as many bytes draw the same map.
    customdata = np.column_stack(
        [
            np.arange(cells.n_cells),
            cells.count,
            ids,
            np.rint(100 * np.asarray(shares, dtype=float)),
        ]
    ).astype(np.int64)
    markers = go.Scattergl(
        x=cells.longitude.astype(np.float32),
        y=cells.latitude.astype(np.float32),
        mode="markers",
        customdata=customdata,
        marker={
            "color": ids,
            "colorscale": _colourscale(n_clusters),
            "cmin": -1.5,
            "cmax": n_clusters - 0.5,
            "size": np.rint(sizes).astype(np.uint8),
            "opacity": 0.8,
            "line": {"width": 0},
        },
        hovertemplate=(
            "Cluster %{customdata[2]}: %{customdata[3]}% of the %{customdata[1]:,} "
            f"{plotly_text(place_word)} here<extra></extra>"
        ),
        showlegend=False,
        name="places",
    )
    figure = go.Figure([outline_trace(box, width=0.7, name="outline"), markers])
    plain = {"showgrid": False, "zeroline": False, "constrain": "domain"}
    figure.update_layout(
        height=HEIGHT_PX,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        dragmode="select",
        plot_bgcolor="white",
        xaxis={"title": {"text": plotly_text(longitude_label)}, "range": [box[0], box[2]], **plain},
        yaxis={
            "title": {"text": plotly_text(latitude_label)},
            "range": [box[1], box[3]],
            "scaleanchor": "x",
            # A degree of latitude is 1 / cos(latitude) degrees of longitude long.
            "scaleratio": 1 / max(math.cos(math.radians((south + north) / 2)), 0.1),
            **plain,
        },
    )
    return figure
