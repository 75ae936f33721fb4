"""Caches of the data: the housing file or an upload, its overview and its columns."""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from components.engine.data import HousingData, load_housing, read_housing_csv, validate_frame
from components.engine.features import FEATURE_CATALOGUE
from components.ui.keys import SOURCE_FILE, SOURCE_UPLOAD, DataSource

_LOGGER = logging.getLogger(__name__)


_MAX_UPLOADS = 4


@st.cache_resource(show_spinner=False)
def _upload_store() -> dict[str, bytes]:
    """Uploaded CSV bytes by sha256, so cached loaders can re-read an upload by its key."""
    return {}


def remember_upload(content: bytes, file_name: str) -> DataSource:
    """Keep an uploaded CSV and return its data source.

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
    store = _upload_store()
    store[digest] = content
    while len(store) > _MAX_UPLOADS:
        store.pop(next(iter(store)))
    return DataSource(kind=SOURCE_UPLOAD, name=digest, label=f"your upload {file_name}")


@st.cache_data(show_spinner=False, max_entries=4)
def _housing_from_file(path: str, version: int) -> HousingData:
    del version  # part of the cache key only: a changed file is read again
    return load_housing(path)


@st.cache_data(show_spinner=False, max_entries=_MAX_UPLOADS)
def _housing_from_upload(digest: str) -> HousingData:
    content = _upload_store().get(digest)
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


@dataclass(frozen=True)
class DataOverview:
    """Small facts about the data for the Explore page (no frame, cheap to copy)."""

    n_rows: int
    notes: tuple[str, ...]
    missing: pd.DataFrame
    capped: pd.DataFrame


@st.cache_data(show_spinner=False, max_entries=4)
def data_overview(source: DataSource) -> DataOverview:
    """Missing values and census caps of the data, for the Explore page.

    Parameters
    ----------
    source : DataSource
        The data.

    Returns
    -------
    DataOverview
        Row count, notes, a missing-values table and a capped-values table.
    """
    data = housing(source)
    frame = data.frame
    rows = []
    for name in frame.columns:
        n_missing = int(frame[name].isna().sum())
        rows.append(
            {
                "column": name,
                "missing": n_missing,
                "share": n_missing / max(len(frame), 1),
                "derived": bool(FEATURE_CATALOGUE[name].derived)
                if name in FEATURE_CATALOGUE
                else False,
            }
        )
    capped_rows = []
    for feature in FEATURE_CATALOGUE.values():
        if feature.cap is None or feature.name not in frame.columns:
            continue
        n_capped = int((frame[feature.name] >= feature.cap).sum())
        capped_rows.append(
            {
                "column": feature.name,
                "cap": feature.cap,
                "rows at the cap": n_capped,
                "share": n_capped / max(len(frame), 1),
            }
        )
    return DataOverview(
        n_rows=len(frame),
        notes=data.report.notes,
        missing=pd.DataFrame(rows),
        capped=pd.DataFrame(capped_rows),
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def column_values(source: DataSource, column: str) -> np.ndarray:
    """One column of the data as a read-only float array (NaN where missing).

    Parameters
    ----------
    source : DataSource
        The data.
    column : str
        A numeric column.

    Returns
    -------
    numpy.ndarray
        float64 values, one per row.
    """
    frame = housing(source).frame
    values = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
    values.setflags(write=False)
    return values


def row_count(source: DataSource) -> int:
    """Number of rows of the data."""
    return len(column_values(source, "latitude"))
