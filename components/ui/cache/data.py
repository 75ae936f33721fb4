"""Caches of the data: the active source's table of places, its columns and its overview.

A Dask result's table is a random sample of the rows of the data set it was computed from
(:func:`components.engine.parquet_sample.sample_parquet`), read by the uploads' own reader.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import streamlit as st

from components.engine import compact, overview, parquet_limits, parquet_sample, places, upload
from components.engine.data import load_housing, shown_path
from components.engine.dataset import Dataset, housing_dataset, places_dataset, with_start
from components.engine.distributed_result import read_distributed_result
from components.engine.overview import DataOverview
from components.engine.whereabouts import Whereabouts, locate_places
from components.ui.cache import uploads
from components.ui.cache.storage import per_source
from components.ui.keys import SOURCE_DISTRIBUTED, SOURCE_HOUSING, SOURCE_UPLOAD, DataSource

# Memory a read briefly needs, per byte of a CSV and per cell or uncompressed byte of a
# Parquet file (whose compressed size says little): see BENCHMARKS.md, "Measured defaults".
READ_BYTES_PER_BYTE = 11
PARQUET_READ_BYTES_PER_CELL = 85
PARQUET_READ_BYTES_PER_UNCOMPRESSED_BYTE = 8


def read_work_bytes(content: bytes) -> int:
    """Memory reading a file briefly needs; none for a file the reader refuses unread."""
    if len(content) > upload.MAX_UPLOAD_BYTES:
        return 0
    if not parquet_limits.is_parquet(content):
        return READ_BYTES_PER_BYTE * len(content)
    try:
        shape = parquet_limits.check_parquet_limits(content)
    except ValueError:
        return 0
    return max(
        PARQUET_READ_BYTES_PER_CELL * shape.n_rows * len(shape.names),
        PARQUET_READ_BYTES_PER_UNCOMPRESSED_BYTE * shape.uncompressed_bytes,
    )


def housing_source(path: Path) -> DataSource:
    """The data source of the census CSV on disk, keyed by path and modification time."""
    return DataSource(
        kind=SOURCE_HOUSING,
        name=str(path),
        version=path.stat().st_mtime_ns,
        label="California housing, 1990 census",
    )


def upload_source(content: bytes, file_name: str) -> DataSource:
    """Hold a user's file for this session and return its data source.

    The bytes go into the upload budget (:mod:`components.ui.cache.uploads`): this
    session's previous file goes, and this one when the session ends.

    Parameters
    ----------
    content : bytes
        The file's bytes (not trusted: read later, with limits).
    file_name : str
        The name the user's file had (shown back as text).

    Returns
    -------
    DataSource
        An "upload" source keyed by the bytes' sha256.
    """
    digest = hashlib.sha256(content).hexdigest()
    uploads.hold_file(digest, bytes(content))
    return DataSource(kind=SOURCE_UPLOAD, name=digest, label=str(file_name))


def upload_bytes(source: DataSource) -> bytes | None:
    """The bytes of an upload this session holds; None once released (upload it again)."""
    return uploads.file_bytes(source.name)


def _dataset_work_bytes(source: DataSource) -> int:
    content = upload_bytes(source)
    return read_work_bytes(content) if content is not None else 0


def _result_dataset(source: DataSource) -> Dataset:
    """A random sample of the rows a Dask result was computed from, starting from its settings."""
    result = read_distributed_result(source.name)  # once per sample: the sample is cached
    sample = parquet_sample.sample_parquet(
        result.source,
        (result.latitude_column, result.longitude_column, *result.features),
        max_rows=parquet_sample.SAMPLE_ROWS,
        seed=result.random_state,
    )
    content, n_source_rows = sample.frame.to_parquet(index=False), sample.n_source_rows
    del sample  # the reader's copy of the rows is the one kept
    # The sample is read like an upload of the same bytes, with the same memory bound.
    work = read_work_bytes(content)
    with uploads.heavy_work(uploads.session_owner(), ("places", source.name), work):
        read = upload.read_places(
            content, lat_col=result.latitude_column, lon_col=result.longitude_column
        )
    data = places_dataset(
        compact.compact_places(read),
        shown_path(result.source),
        hashlib.sha256(content).hexdigest(),
    )
    return with_start(
        data,
        result.features,
        scaler=result.scaler,
        location_weight=result.location_weight,
        sampled_from=n_source_rows,
    )


@per_source(max_entries=4, keep=1, spinner="Reading the data…", work_bytes=_dataset_work_bytes)
def dataset(source: DataSource) -> Dataset:
    """The validated table of places of a source (read once; treat it as read-only).

    Raises ``PlacesError`` for an upload that cannot be used (the message says why and what
    to do), ``DataUnavailableError`` / ``DataValidationError`` for a census file, and
    ``ParquetSampleError`` for a Dask result whose data set cannot be read here.
    """
    if source.kind == SOURCE_DISTRIBUTED:
        return _result_dataset(source)
    if not source.is_upload:
        return housing_dataset(load_housing(source.name), source.label)
    content = upload_bytes(source)
    if content is None:
        raise upload.PlacesError(
            f"{source.label} is no longer held on the server (the session was away too long, "
            "or the server needed the memory). Upload it again on the Data page."
        )
    read = upload.read_places(
        content, filename=source.label, lat_col=source.lat_col, lon_col=source.lon_col
    )
    return places_dataset(compact.compact_places(read), source.label, source.name)


@per_source(max_entries=64, keep=8)
def column_values(source: DataSource, column: str) -> np.ndarray:
    """One numeric column of the data as a read-only float64 array (NaN where missing)."""
    data = dataset(source)
    if column not in data.numeric_columns:
        raise ValueError(
            f"column={column!r} is not a numeric column; expected one of "
            f"{list(data.numeric_columns)}."
        )
    values = data.places.frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
    values.setflags(write=False)
    return values


def row_count(source: DataSource) -> int:
    """Rows of the data (places with both coordinates)."""
    return dataset(source).n_rows


@st.cache_data(show_spinner=False, max_entries=8)
def upload_columns(digest: str, _content: bytes) -> tuple[str, ...]:
    """Column names of an uploaded file (CSV or Parquet); empty when it cannot be read.

    Keyed by the file's ``digest`` alone (the bytes are not hashed).
    """
    return places.column_names(_content)


@per_source(max_entries=4, keep=1)
def data_overview(source: DataSource) -> DataOverview:
    """Missing values and census caps of the data, for the Explore page."""
    return overview.data_overview(dataset(source))


def source_name(source: DataSource) -> str:
    """What to call the data to a visitor: a file's name, never the server's path."""
    if source.kind == SOURCE_HOUSING:
        return f"{source.label} ({shown_path(source.name)})"
    if source.kind == SOURCE_DISTRIBUTED:
        return f"Dask result {source.label}"
    return source.label or source.name


@per_source(max_entries=4, keep=1)
def whereabouts(source: DataSource) -> Whereabouts:
    """The countries the places fall in (and the sea), as given and with the columns swapped."""
    return locate_places(column_values(source, "latitude"), column_values(source, "longitude"))
