"""Caches of a distributed result: the folder read once, its per-k map and metrics chart.

A result is keyed by its data source (the folder's path and its manifest's modification
time), so a result written again by the command is read again.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from components.engine.distributed_result import DistributedSweepResult, read_distributed_result
from components.figures import insight as figures_insight
from components.figures.cells import CellMap, cell_map_deck
from components.ui.cache.base_map import map_style_url
from components.ui.keys import DataSource


@st.cache_data(show_spinner="Opening the result…", max_entries=4)
def result(source: DataSource) -> DistributedSweepResult:
    """Read a result folder (cached; a copy per call: it holds the cells' frame).

    Parameters
    ----------
    source : DataSource
        A "distributed" source (:func:`components.ui.source.result_source`).

    Returns
    -------
    DistributedSweepResult
        The result.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`components.engine.distributed_result.read_distributed_result` (not cached).
    """
    return read_distributed_result(source.name)


@st.cache_resource(show_spinner=False, max_entries=4)
def problem(source: DataSource) -> Exception | None:
    """Why a result folder cannot be read, or None when it can (asked once per version).

    The sidebar and every page ask this on each run; only the verdict is kept here, not a
    copy of the result. The read is :func:`result`'s, so the folder is read once for both.

    Parameters
    ----------
    source : DataSource
        A "distributed" source.

    Returns
    -------
    Exception or None
        The reader's ``OSError`` or ``ValueError`` (its message says what is wrong).
    """
    try:
        result(source)
    except (OSError, ValueError) as error:
        return error.with_traceback(None)
    return None


@st.cache_resource(show_spinner=False, max_entries=32)
def cell_map(source: DataSource, k: int) -> CellMap:
    """The map of k's grid cells, coloured by majority cluster, with the clusters' centres.

    The centres are drawn when the coordinates were among the features clustered on.
    """
    opened = result(source)
    centres: list[tuple[float, float]] = []
    if {opened.latitude_column, opened.longitude_column} <= set(opened.features):
        means = opened.centroids_for(k, original_units=True)
        lat = opened.features.index(opened.latitude_column)
        lon = opened.features.index(opened.longitude_column)
        centres = [(float(row[lon]), float(row[lat])) for row in means]
    built = cell_map_deck(
        opened.cells_for(k),
        k,
        opened.cell_degrees,
        centres=centres,
        map_style_url=map_style_url(),
    )
    built.deck.to_json()  # computed once here, not on every rerun
    return built


@st.cache_resource(show_spinner=False, max_entries=32)
def metrics_figure(source: DataSource, k: int) -> go.Figure:
    """The result's metrics across k side by side, the silhouette's spread as error bars."""
    opened = result(source)
    metrics = {str(name): column.to_numpy() for name, column in opened.metrics().items()}
    return figures_insight.metrics_panels(metrics, current_k=k, knee=opened.suggestion().knee)
