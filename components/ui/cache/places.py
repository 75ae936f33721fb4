"""Caches of a user's places file: its columns, its rows and its model.

The per-k views (map, legend, box plot, elbow chart, profile, CSV) are the Clusters page's
caches of :mod:`components.ui.cache.views`, called with the file's rows.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from components.engine import places, upload
from components.ui.keys import ModelKey


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
def places_model(key: ModelKey, _places: upload.PlacesData) -> places.PlacesModel:
    """k-means of the places for every feasible k (the fast exact sweep).

    Parameters
    ----------
    key : ModelKey
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
def places_labels(key: ModelKey, k: int, _places: upload.PlacesData) -> np.ndarray:
    """Cluster id of every row of the file at k (-1: not clustered), read-only."""
    return places.labels_for(places_model(key, _places), k)


@st.cache_data(show_spinner=False, max_entries=4)
def places_rows_geojson(key: ModelKey, k: int, _places: upload.PlacesData) -> bytes:
    """The file's rows with their cluster at k, as a GeoJSON FeatureCollection of Points."""
    return upload.labelled_rows_geojson(
        _places.frame, places_labels(key, k, _places), _places.lat_col, _places.lon_col
    )
