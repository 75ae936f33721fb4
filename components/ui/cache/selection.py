"""Caches of the selection map: the places' cells per model, the figure per (model, k)."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from components.engine import selection
from components.engine.dataset import LATITUDE, LONGITUDE
from components.figures import selection as selection_figures
from components.ui.cache.data import column_values, dataset
from components.ui.cache.model import k_values, row_labels
from components.ui.cache.storage import per_source
from components.ui.keys import ModelKey


@per_source(max_entries=16, keep=2)
def place_cells(key: ModelKey) -> selection.PlaceCells:
    """The clustered places of a model merged into the selection map's cells (any k)."""
    # The rows without a cluster are the same at every k (a chosen feature is missing).
    clustered = row_labels(key, k_values(key)[0]).labels >= 0
    return selection.place_cells(
        column_values(key.source, LONGITUDE), column_values(key.source, LATITUDE), clustered
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def selection_figure(key: ModelKey, k: int) -> go.Figure:
    """The selection map at k: each cell in its most common cluster's colour."""
    cells = place_cells(key)
    clusters, shares = selection.cell_majority(cells, row_labels(key, k).labels, k)
    data = dataset(key.source)
    return selection_figures.selection_figure(
        cells,
        clusters,
        shares,
        k,
        longitude_label=data.label(LONGITUDE),
        latitude_label=data.label(LATITUDE),
        place_word=data.place_word,
    )
