"""Caches of the data: the housing file or an upload, its overview and its columns."""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path

import numpy as np
import streamlit as st

from components.engine import overview
from components.engine.data import HousingData, load_housing, read_housing_csv, validate_frame
from components.engine.overview import DataOverview
from components.ui.cache import uploads
from components.ui.keys import SOURCE_FILE, SOURCE_UPLOAD, DataSource

_LOGGER = logging.getLogger(__name__)


def remember_upload(content: bytes, file_name: str) -> DataSource:
    """Keep an uploaded CSV for this session and return its data source.

    The bytes are held in the upload budget (:mod:`components.ui.cache.uploads`): this
    session's previous upload goes, and this one goes when the session ends.

    Parameters
    ----------
    content : bytes
        The file's bytes.
    file_name : str
        The name the user's file had (shown back to them).

    Returns
    -------
    DataSource
        An "upload" source keyed by the bytes' sha256.
    """
    digest = hashlib.sha256(content).hexdigest()
    uploads.hold_file("housing", digest, bytes(content))
    return DataSource(kind=SOURCE_UPLOAD, name=digest, label=f"your upload {file_name}")


@st.cache_data(show_spinner=False, max_entries=4)
def _housing_from_file(path: str, version: int) -> HousingData:
    del version  # part of the cache key only: a changed file is read again
    return load_housing(path)


# Process-wide, not session-scoped: a deferred download (pages/clusters.py) reads it from a
# worker thread, where a session-scoped cache cannot be read. Bounded by entries and bytes.
@st.cache_data(show_spinner=False, max_entries=2, max_size="256MB")
def _housing_from_upload(digest: str) -> HousingData:
    content = uploads.file_bytes("housing", digest)
    if content is None:
        raise KeyError(f"The upload {digest[:12]}… is no longer held; upload the file again.")
    frame = read_housing_csv(io.BytesIO(content))
    return HousingData(frame=frame, source="upload", report=validate_frame(frame))


def housing(source: DataSource) -> HousingData:
    """Return the validated housing data of a source (cached; a copy per call).

    Parameters
    ----------
    source : DataSource
        A file or an upload.

    Returns
    -------
    HousingData
        Frame with derived columns, source and validation report.
    """
    if source.kind == SOURCE_UPLOAD:
        return _housing_from_upload(source.name)
    return _housing_from_file(source.name, source.version)


def file_source(path: Path) -> DataSource:
    """Return the data source of a CSV on disk.

    Parameters
    ----------
    path : Path
        An existing file.

    Returns
    -------
    DataSource
        Keyed by path and modification time.
    """
    return DataSource(
        kind=SOURCE_FILE, name=str(path), version=path.stat().st_mtime_ns, label=str(path)
    )


@st.cache_data(show_spinner=False, max_entries=4)
def data_overview(source: DataSource) -> DataOverview:
    """Missing values and census caps of the data, for the Explore page."""
    return overview.data_overview(housing(source))


@st.cache_resource(show_spinner=False, max_entries=64)
def column_values(source: DataSource, column: str) -> np.ndarray:
    """One column of the data as a read-only float array (NaN where missing)."""
    frame = housing(source).frame
    values = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
    values.setflags(write=False)
    return values


def row_count(source: DataSource) -> int:
    """Number of rows of the data."""
    return len(column_values(source, "latitude"))
