"""Caches of the "Your own places" page, keyed by the file's sha256 and the settings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.engine import places, upload
from components.figures import charts, maps
from components.ui.cache.views import suggestions_of
from components.ui.keys import PlacesKey


@st.cache_data(show_spinner=False, max_entries=8)
def places_columns(digest: str, _content: bytes) -> tuple[str, ...]:
    """Column names of an uploaded places file; empty when it is not CSV text.

    Parameters
    ----------
    digest : str
        sha256 of the bytes (the cache key).
    _content : bytes
        The file's bytes (not hashed).

    Returns
    -------
    tuple of str
        The names as the reader gives them.
    """
    del digest  # the cache key only
    return places.column_names(_content)


@st.cache_data(show_spinner="Reading your file…", max_entries=8)
def places_data(
    digest: str, file_name: str, lat_col: str | None, lon_col: str | None, _content: bytes
) -> upload.PlacesData:
    """Validate and read an uploaded places file (a copy per call).

    Parameters
    ----------
    digest : str
        sha256 of the bytes (the cache key).
    file_name : str
        The uploaded file's name (its extension is checked).
    lat_col, lon_col : str or None
        Coordinate columns chosen by the user; None: found by name.
    _content : bytes
        The file's bytes (not hashed).

    Returns
    -------
    PlacesData
        The validated rows; raises ``PlacesError`` naming the problem otherwise.
    """
    del digest  # the cache key only
    return upload.read_places_csv(_content, filename=file_name, lat_col=lat_col, lon_col=lon_col)


@st.cache_resource(show_spinner="Fitting k-means for every k…", max_entries=16)
def places_model(key: PlacesKey, _places: upload.PlacesData) -> places.PlacesModel:
    """k-means of the places for every feasible k (the fast exact sweep).

    Parameters
    ----------
    key : PlacesKey
        The model.
    _places : PlacesData
        The file ``key`` describes (not hashed).

    Returns
    -------
    places.PlacesModel
        The sweep over k in [2, k_max]; raises ``PlacesError`` when the features cannot be
        clustered.
    """
    return places.fit_places(
        _places,
        key.features,
        key.scaler,
        location_weight=key.location_weight,
        random_state=key.random_state,
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def places_labels(key: PlacesKey, k: int, _places: upload.PlacesData) -> np.ndarray:
    """Cluster id of every row of the file at k (-1: not clustered), read-only."""
    return places.labels_for(places_model(key, _places), k)


@st.cache_resource(show_spinner=False, max_entries=8)
def places_map_points(
    digest: str, lat_col: str, lon_col: str, _places: upload.PlacesData
) -> maps.MapPoints:
    """The map's rows of a file formatted once (only the cluster id changes with k)."""
    del digest, lat_col, lon_col  # the cache key only
    return places.places_map_points(_places)


@st.cache_resource(show_spinner=False, max_entries=32)
def places_map(key: PlacesKey, k: int, _places: upload.PlacesData) -> maps.ClusterMap:
    """The cluster map of the places at k, framed on their extent, its JSON already computed."""
    result = places.places_map(
        _places,
        places_labels(key, k, _places),
        k,
        points=places_map_points(key.digest, key.lat_col, key.lon_col, _places),
    )
    result.deck.to_json()  # computed once here, not on every rerun
    return result


@st.cache_data(show_spinner=False, max_entries=64)
def places_legend(key: PlacesKey, k: int, column: str, _places: upload.PlacesData) -> pd.DataFrame:
    """Legend rows at k: colour, cluster, rows, share and the median of a column."""
    return places.legend_table(
        places_labels(key, k, _places), k, _places.frame[column].to_numpy(dtype=np.float64)
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def places_box(key: PlacesKey, k: int, column: str, _places: upload.PlacesData) -> go.Figure:
    """Box plot of a numeric column per cluster at k."""
    return places.places_boxplot(_places, places_labels(key, k, _places), k, column)


@st.cache_resource(show_spinner=False, max_entries=16)
def _places_elbow_base(key: PlacesKey, _places: upload.PlacesData) -> dict:
    result = places_model(key, _places).sweep
    return charts.elbow_chart_base(
        result.k_values,
        result.inertia,
        result.silhouette,
        suggestions=suggestions_of(result),
        silhouette_title="Silhouette",
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def places_elbow(key: PlacesKey, k: int, _places: upload.PlacesData) -> go.Figure:
    """Inertia and silhouette across the file's k's with k and the suggestions marked."""
    return charts.mark_current_k(_places_elbow_base(key, _places), k)


@st.cache_data(show_spinner=False, max_entries=64)
def places_profile(key: PlacesKey, k: int, column: str, _places: upload.PlacesData) -> pd.DataFrame:
    """Per-cluster profile at k: size, share, feature means, quartiles of a column."""
    return places.places_profile(_places, places_labels(key, k, _places), key.features, k, column)


@st.cache_data(show_spinner=False, max_entries=4)
def places_rows_csv(key: PlacesKey, k: int, _places: upload.PlacesData) -> bytes:
    """The file's rows with their cluster at k, as spreadsheet-safe CSV (-1: not clustered)."""
    return upload.labelled_rows_csv(_places.frame, places_labels(key, k, _places))


@st.cache_data(show_spinner=False, max_entries=4)
def places_rows_geojson(key: PlacesKey, k: int, _places: upload.PlacesData) -> bytes:
    """The file's rows with their cluster at k, as a GeoJSON FeatureCollection of Points."""
    return upload.labelled_rows_geojson(
        _places.frame, places_labels(key, k, _places), _places.lat_col, _places.lon_col
    )
