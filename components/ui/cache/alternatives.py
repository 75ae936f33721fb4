"""Caches of the "When k-means fails" page: toy shapes and density clusters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.engine.alternatives.comparison import AlgorithmResult, compare_algorithms
from components.engine.alternatives.gazetteer import CALIFORNIA_PLACES
from components.engine.alternatives.geo_density import (
    DEFAULT_GEO_EPS_KM,
    GeoDensityResult,
    GeoMethod,
    density_clusters_geo,
    summarise_density,
)
from components.engine.alternatives.toy_shapes import ToyData, ToyKind, make_shapes
from components.engine.dataset import LOCATION
from components.figures import alternatives as figures_alternatives
from components.figures import charts, deck, palette
from components.ui.cache.base_map import map_style_url
from components.ui.cache.data import column_values, dataset
from components.ui.cache.model import row_labels
from components.ui.cache.views import map_view
from components.ui.keys import DataSource, ModelKey

# Rows the density methods are fitted on at most: a fixed-seed sample above it (the page
# says so), since DBSCAN's neighbourhoods grow with the rows (BENCHMARKS.md, "Scale").
DENSITY_MAX_ROWS = 50_000


@dataclass(frozen=True)
class ToyComparison:
    """A toy data set and every algorithm's answer on it (numpy only, never changed)."""

    toy: ToyData
    results: tuple[AlgorithmResult, ...]


@st.cache_resource(show_spinner="Clustering the shapes with six algorithms…", max_entries=32)
def toy_comparison(kind: ToyKind, n_samples: int, noise: float, seed: int) -> ToyComparison:
    """Generate a toy shape and cluster it with k-means and the five alternatives."""
    toy = make_shapes(kind, n_samples, noise, seed)
    return ToyComparison(toy, tuple(compare_algorithms(toy.X, toy.y_true, toy.n_clusters, seed)))


@st.cache_resource(show_spinner=False, max_entries=32)
def toy_grid_figure(kind: ToyKind, n_samples: int, noise: float, seed: int) -> go.Figure:
    """Panels of the toy points coloured by the true groups and by each algorithm."""
    comparison = toy_comparison(kind, n_samples, noise, seed)
    return figures_alternatives.shapes_grid_figure(comparison.toy, comparison.results)


@st.cache_data(show_spinner=False, max_entries=32)
def toy_table(kind: ToyKind, n_samples: int, noise: float, seed: int) -> pd.DataFrame:
    """ARI, clusters found, noise, fit time and note of each algorithm on the toy shape."""
    return figures_alternatives.comparison_table(
        toy_comparison(kind, n_samples, noise, seed).results
    )


def location_key(source: DataSource) -> ModelKey:
    """The model of k-means on latitude and longitude alone, standardised, seed 0."""
    return ModelKey(
        source=source,
        features=LOCATION,
        missing="exclude",
        scaler="standard",
        location_weight=1.0,
        split=False,
        random_state=0,
        n_init="auto",
    )


@dataclass(frozen=True)
class LocatedRows:
    """The rows the density methods see: every row, or a fixed sample (numpy only).

    Attributes
    ----------
    rows : numpy.ndarray
        Their positions in the data.
    latitude, longitude, values : numpy.ndarray
        Their coordinates and the data's value column.
    n_rows : int
        Rows of the data.
    """

    rows: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    values: np.ndarray
    n_rows: int

    @property
    def sampled(self) -> bool:
        """Whether these are a sample of the data's rows."""
        return self.rows.size < self.n_rows


@st.cache_resource(show_spinner=False, max_entries=4)
def located_rows(source: DataSource) -> LocatedRows:
    """The rows the density methods see, as read-only arrays."""
    latitude = column_values(source, "latitude")
    n_rows = latitude.size
    rows = np.arange(n_rows)
    if n_rows > DENSITY_MAX_ROWS:
        rows = np.sort(np.random.default_rng(0).choice(n_rows, DENSITY_MAX_ROWS, replace=False))
    return LocatedRows(
        rows=rows,
        latitude=latitude[rows],
        longitude=column_values(source, "longitude")[rows],
        values=column_values(source, dataset(source).value_column)[rows],
        n_rows=n_rows,
    )


@st.cache_resource(show_spinner="Finding dense areas…", max_entries=16)
def density_areas(
    source: DataSource, method: GeoMethod, eps_km: float | None, min_samples: int
) -> GeoDensityResult:
    """DBSCAN or HDBSCAN of the located rows with the haversine metric."""
    rows = located_rows(source)
    return density_clusters_geo(
        rows.latitude,
        rows.longitude,
        method,
        DEFAULT_GEO_EPS_KM if eps_km is None else eps_km,
        min_samples,
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def density_map(
    source: DataSource, method: GeoMethod, eps_km: float | None, min_samples: int
) -> deck.CompactDeck:
    """Map of the dense areas (noise grey), its JSON already computed."""
    rows = located_rows(source)
    map_deck = figures_alternatives.density_map_deck(
        rows.longitude,
        rows.latitude,
        density_areas(source, method, eps_km, min_samples).labels,
        rows.values,
        value_label=dataset(source).label(dataset(source).value_column),
        view_state=map_view(source),
        map_style_url=map_style_url(),
    )
    map_deck.to_json()  # computed once here, not on every rerun
    return map_deck


def _area_table(source: DataSource, labels: np.ndarray, **names: Any) -> pd.DataFrame:
    """Size, extent, nearest place and median value of each cluster of the located rows."""
    rows = located_rows(source)
    summary = summarise_density(
        labels,
        rows.latitude,
        rows.longitude,
        values=rows.values,
        value_name="value",
        places=tuple(CALIFORNIA_PLACES) if dataset(source).is_census else (),
    )
    return figures_alternatives.area_table(summary, **names)


@st.cache_data(show_spinner=False, max_entries=16)
def density_summary(
    source: DataSource, method: GeoMethod, eps_km: float | None, min_samples: int
) -> pd.DataFrame:
    """Size, extent, nearest place and median value of each dense area, noise last."""
    return _area_table(source, density_areas(source, method, eps_km, min_samples).labels)


def location_labels(source: DataSource, n_clusters: int) -> np.ndarray:
    """The location-only k-means labels of the located rows (the sweep's, stable in k)."""
    return row_labels(location_key(source), n_clusters).labels[located_rows(source).rows]


@st.cache_data(show_spinner=False, max_entries=16)
def location_kmeans_summary(source: DataSource, n_clusters: int) -> pd.DataFrame:
    """Size, extent, nearest place and median value of each location-only k-means cluster."""
    return _area_table(
        source,
        location_labels(source, n_clusters),
        name_of=charts.cluster_name,
        colour_of=palette.cluster_colour,
    )
