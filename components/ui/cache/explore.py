"""Caches of the Explore page: the value map and the histograms."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from components.engine.features import FEATURE_CATALOGUE
from components.figures import charts
from components.ui.cache.data import column_values
from components.ui.cache.views import map_view
from components.ui.keys import DataSource


@st.cache_resource(show_spinner=False, max_entries=8)
def value_map(source: DataSource, column: str) -> go.Figure:
    """Map of a column by location (continuous colour scale)."""
    view = map_view(source)
    described = FEATURE_CATALOGUE.get(column)
    return charts.value_map_figure(
        column_values(source, "longitude"),
        column_values(source, "latitude"),
        column_values(source, column),
        value_label=described.label if described else column,
        center=(view.longitude, view.latitude),
        zoom=max(float(view.zoom) - 0.4, 1.0),
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def histogram(source: DataSource, column: str) -> go.Figure:
    """Histogram of a column with its census cap marked."""
    described = FEATURE_CATALOGUE.get(column)
    return charts.histogram_figure(
        column_values(source, column),
        value_label=described.label if described else column,
        cap=described.cap if described else None,
    )
