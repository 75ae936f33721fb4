"""Caches of the "When k-means fails" page: toy shapes and density clusters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.engine.alternatives.comparison import AlgorithmResult, compare_algorithms
from components.engine.alternatives.geo_density import (
    DEFAULT_GEO_EPS_KM,
    GeoDensityResult,
    GeoMethod,
    density_clusters_geo,
    summarise_density,
)
from components.engine.alternatives.toy_shapes import ToyData, ToyKind, make_shapes
from components.engine.clustering import (
    KMeansResult,
    fit_kmeans,
)
from components.figures import alternatives as figures_alternatives
from components.figures import charts, deck, maps, palette
from components.ui.cache.base_map import map_style_url
from components.ui.cache.data import column_values
from components.ui.cache.model import prepared, scaled
from components.ui.cache.views import map_view
from components.ui.keys import DataSource, ModelKey

LOCATION_COLUMNS: tuple[str, str] = ("latitude", "longitude")


@dataclass(frozen=True)
class ToyComparison:
    """A toy data set and every algorithm's answer on it (numpy only, never changed)."""

    toy: ToyData
    results: tuple[AlgorithmResult, ...]


@st.cache_resource(show_spinner="Clustering the shapes with six algorithms…", max_entries=32)
def toy_comparison(kind: ToyKind, n_samples: int, noise: float, seed: int) -> ToyComparison:
    """Generate a toy shape and cluster it with k-means and the five alternatives."""
    toy = make_shapes(kind, n_samples, noise, seed)
    results = compare_algorithms(toy.X, toy.y_true, toy.n_clusters, seed)
    return ToyComparison(toy=toy, results=tuple(results))


@st.cache_resource(show_spinner=False, max_entries=32)
def toy_grid_figure(kind: ToyKind, n_samples: int, noise: float, seed: int) -> go.Figure:
    """Panels of the toy points coloured by the true groups and by each algorithm."""
    comparison = toy_comparison(kind, n_samples, noise, seed)
    return figures_alternatives.shapes_grid_figure(
        comparison.toy,
        comparison.results,
        panel_height_px=figures_alternatives.panel_height_for(comparison.toy),
    )


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
        features=LOCATION_COLUMNS,
        missing="exclude",
        scaler="standard",
        location_weight=1.0,
        split=False,
        random_state=0,
        n_init="auto",
    )


@dataclass(frozen=True)
class LocatedRows:
    """Coordinates and prices of the rows that have a location (numpy only)."""

    latitude: np.ndarray
    longitude: np.ndarray
    median_house_value: np.ndarray
    median_income: np.ndarray


@st.cache_resource(show_spinner=False, max_entries=4)
def located_rows(source: DataSource) -> LocatedRows:
    """The rows with finite latitude and longitude, as read-only arrays."""
    rows = prepared(source, LOCATION_COLUMNS, "exclude").row_positions
    return LocatedRows(
        latitude=column_values(source, "latitude")[rows],
        longitude=column_values(source, "longitude")[rows],
        median_house_value=column_values(source, "median_house_value")[rows],
        median_income=column_values(source, "median_income")[rows],
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
        rows.median_house_value,
        view_state=map_view(source),
        map_style_url=map_style_url(),
    )
    map_deck.to_json()  # computed once here, not on every rerun
    return map_deck


@st.cache_data(show_spinner=False, max_entries=16)
def density_summary(
    source: DataSource, method: GeoMethod, eps_km: float | None, min_samples: int
) -> pd.DataFrame:
    """Size, extent, nearest place and median price of each dense area, noise last."""
    rows = located_rows(source)
    summary = summarise_density(
        density_areas(source, method, eps_km, min_samples).labels,
        rows.latitude,
        rows.longitude,
        values=rows.median_house_value,
    )
    return figures_alternatives.area_table(summary)


@st.cache_resource(show_spinner="Fitting k-means on the locations…", max_entries=16)
def location_kmeans(source: DataSource, n_clusters: int) -> KMeansResult:
    """k-means on standardised latitude and longitude, clusters numbered north to south."""
    return fit_kmeans(
        scaled(location_key(source)).train,
        n_clusters,
        random_state=0,
        order_key=located_rows(source).latitude,
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def location_kmeans_map(source: DataSource, n_clusters: int) -> maps.ClusterMap:
    """The dashboard's cluster map of the location-only k-means, its JSON already computed."""
    rows = located_rows(source)
    result = maps.cluster_map_deck(
        maps.MapRows(
            longitude=rows.longitude,
            latitude=rows.latitude,
            labels=location_kmeans(source, n_clusters).labels,
            median_house_value=rows.median_house_value,
            median_income=rows.median_income,
            extra={},
        ),
        n_clusters,
        view_state=map_view(source),
        show_test=False,
    )
    result.deck.to_json()  # computed once here, not on every rerun
    return result


@st.cache_data(show_spinner=False, max_entries=16)
def location_kmeans_summary(source: DataSource, n_clusters: int) -> pd.DataFrame:
    """Size, extent, nearest place and median price of each location-only k-means cluster."""
    rows = located_rows(source)
    summary = summarise_density(
        np.asarray(location_kmeans(source, n_clusters).labels),
        rows.latitude,
        rows.longitude,
        values=rows.median_house_value,
    )
    return figures_alternatives.area_table(
        summary, name_of=charts.cluster_name, colour_of=palette.cluster_colour
    )
