"""Caches of the Explore page: the value map (pydeck) and the histograms."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from components.figures import charts
from components.figures import value_map as figures_value_map
from components.ui.cache.base_map import map_style_url
from components.ui.cache.data import column_values, dataset
from components.ui.cache.views import map_view
from components.ui.keys import DataSource


@st.cache_resource(show_spinner=False, max_entries=8)
def value_map(source: DataSource, column: str) -> figures_value_map.ValueMap:
    """Map of a column by location (continuous colour scale), its deck JSON computed once."""
    result = figures_value_map.value_map_deck(
        column_values(source, "longitude"),
        column_values(source, "latitude"),
        column_values(source, column),
        value_label=dataset(source).label(column),
        view_state=map_view(source),
        map_style_url=map_style_url(),
        rows_noun=dataset(source).place_word,
    )
    result.deck.to_json()  # computed once here, not on every rerun
    return result


@st.cache_resource(show_spinner=False, max_entries=16)
def histogram(source: DataSource, column: str) -> go.Figure:
    """Histogram of a column with its census cap marked (where it has one)."""
    data = dataset(source)
    return charts.histogram_figure(
        column_values(source, column), value_label=data.label(column), cap=data.cap(column)
    )
