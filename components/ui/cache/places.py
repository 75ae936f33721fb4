"""Caches of a user's places file: its columns, its rows and its model.

The rows and the model are this session's, held in the upload budget of
:mod:`components.ui.cache.uploads` (released when the session ends, evicted under memory
pressure), compacted (:mod:`components.engine.compact`: float32 columns where lossless,
int8 labels). The per-k views (map, legend, box plot, elbow chart, profile) are the
Clusters page's caches of :mod:`components.ui.cache.views`, called with the file's rows;
the per-k labels and the downloads, a file's size each, are session-scoped.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from components.engine import compact, parquet_limits, places, upload
from components.ui.cache.uploads import held
from components.ui.keys import ModelKey

# Memory a job briefly needs (BENCHMARKS.md, "Measured defaults": reading a 1M-row CSV
# took about 11 times its bytes, fitting about 600 bytes per row).
_READ_BYTES_PER_BYTE = 11
_FIT_BYTES_PER_ROW = 600
# A Parquet file's bytes are compressed, so its size says little about the read: a file of
# repeated values is tiny and decodes to as much as any other. Its footer does: reading
# (and compacting) 1M rows took +196 MB for latitude, longitude and a value (17 MB, 65 bytes
# a cell) and +396 MB with two short text columns more (19 MB, 80 bytes a cell); 200,000
# rows with a 500-character text column took +719 MB (33 MB; 104 MB uncompressed, 7 bytes
# per uncompressed byte). Peak RSS above the start, getrusage; components/engine/csv_limits.py.
_PARQUET_READ_BYTES_PER_CELL = 85
_PARQUET_READ_BYTES_PER_UNCOMPRESSED_BYTE = 8


def _read_work_bytes(content: bytes) -> int:
    """Memory reading a file briefly needs: per byte for a CSV, from the footer for Parquet.

    A file the reader refuses before reading (over a limit, corrupt) needs none.
    """
    if len(content) > upload.MAX_UPLOAD_BYTES:
        return 0
    if not parquet_limits.is_parquet(content):
        return _READ_BYTES_PER_BYTE * len(content)
    try:
        shape = parquet_limits.check_parquet_limits(content)
    except ValueError:
        return 0
    return max(
        _PARQUET_READ_BYTES_PER_CELL * shape.n_rows * len(shape.names),
        _PARQUET_READ_BYTES_PER_UNCOMPRESSED_BYTE * shape.uncompressed_bytes,
    )


@st.cache_data(show_spinner=False, max_entries=8)
def places_columns(digest: str, _content: bytes) -> tuple[str, ...]:
    """Column names of an uploaded places file (CSV or Parquet); empty when it cannot be read.

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


def places_data(
    digest: str, file_name: str, lat_col: str | None, lon_col: str | None, content: bytes
) -> upload.PlacesData:
    """Validate and read an uploaded places file, held for this session (read-only).

    Parameters
    ----------
    digest : str
        sha256 of the bytes.
    file_name : str
        The uploaded file's name (its extension is checked).
    lat_col, lon_col : str or None
        Coordinate columns chosen by the user; None: found by name.
    content : bytes
        The file's bytes.

    Returns
    -------
    PlacesData
        The validated rows, compacted; raises ``PlacesError`` naming the problem otherwise
        (kept too, so a bad file is not read again at every rerun).
    """
    return held(
        ("places data", digest, file_name, lat_col, lon_col),
        ("places", digest),
        lambda: compact.compact_places(
            upload.read_places(content, filename=file_name, lat_col=lat_col, lon_col=lon_col)
        ),
        spinner="Reading your file…",
        work_bytes=_read_work_bytes(content),
        keep=1,
        errors=(upload.PlacesError,),
    )


def places_model(key: ModelKey, _places: upload.PlacesData) -> places.PlacesModel:
    """k-means of the places for every feasible k (the fast exact sweep), held for this session.

    Parameters
    ----------
    key : ModelKey
        The model.
    _places : PlacesData
        The file ``key`` describes.

    Returns
    -------
    places.PlacesModel
        The sweep over k in [2, k_max], labels as int8; raises ``PlacesError`` when the
        features cannot be clustered. A session keeps its two latest models.
    """
    return held(
        ("places model", key),
        ("places", key.source.name),
        lambda: compact.compact_model(
            places.fit_places(
                _places,
                key.features,
                key.scaler,
                location_weight=key.location_weight,
                random_state=key.random_state,
            )
        ),
        spinner="Fitting k-means for every k…",
        work_bytes=_FIT_BYTES_PER_ROW * _places.n_rows,
        keep=2,
        errors=(upload.PlacesError,),
    )


@st.cache_resource(show_spinner=False, max_entries=4, scope="session")
def places_labels(key: ModelKey, k: int, _places: upload.PlacesData) -> np.ndarray:
    """Cluster id of every row of the file at k (-1: not clustered), read-only."""
    return places.labels_for(places_model(key, _places), k)


# The downloads are built when the user clicks, outside the session's script thread (where a
# session-scoped cache cannot be read), from the labels the page passes; not cached: a
# file-sized result kept process-wide is what issue 11 removed.


def places_rows_csv(places_data: upload.PlacesData, labels: np.ndarray) -> bytes:
    """The file's rows with their cluster, as spreadsheet-safe CSV bytes."""
    return upload.labelled_rows_csv(places_data.frame, labels)


def places_rows_geojson(places_data: upload.PlacesData, labels: np.ndarray) -> bytes:
    """The file's rows with their cluster, as a GeoJSON FeatureCollection of Points."""
    return upload.labelled_rows_geojson(
        compact.exact_float64_frame(places_data.frame),
        labels,
        places_data.lat_col,
        places_data.lon_col,
    )
