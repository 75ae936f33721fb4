"""Read a Parquet data set (a folder, a file or a glob) as a dask array of the needed columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

from components.engine.parquet_sample import parquet_files

__all__ = ["ParquetColumns", "read_parquet_columns"]


@dataclass(frozen=True)
class ParquetColumns:
    """The rows of a Parquet data set with every needed column, as a persisted float64 array.

    Attributes
    ----------
    values : dask.array.Array
        Shape ``(n_rows, len(columns))``, float64, in chunks of at most ``chunk_rows`` rows,
        persisted on the cluster.
    columns : tuple of str
        The columns of ``values``, in order.
    n_rows : int
        Rows kept (every needed column present and finite).
    n_rows_dropped : int
        Rows left out for a missing or non-finite value.
    """

    values: da.Array
    columns: tuple[str, ...]
    n_rows: int
    n_rows_dropped: int


def _drop_incomplete(frame: pd.DataFrame) -> pd.DataFrame:
    numbers = frame.astype(np.float64)
    return numbers[np.isfinite(numbers.to_numpy()).all(axis=1)]


def read_parquet_columns(
    source: str, columns: Sequence[str], *, chunk_rows: int = 1_000_000
) -> ParquetColumns:
    """Read the needed columns of a Parquet data set, drop incomplete rows, persist the rest.

    Parameters
    ----------
    source : str
        A Parquet file, a folder of Parquet files (a data set) or a glob such as
        ``"data/part-*.parquet"``; any path dask.dataframe reads (also ``s3://...`` when the
        cluster has the filesystem's package).
    columns : sequence of str
        The numeric columns to read, e.g. the features and the coordinates.
    chunk_rows : int
        Most rows per chunk of the array, >= 1,000.

    Returns
    -------
    ParquetColumns
        The persisted array and the counts of rows kept and dropped.

    Raises
    ------
    FileNotFoundError
        When ``source`` is a local path that does not exist or a glob that matches nothing.
    ValueError
        When a column is missing or not numeric (the message lists the data set's columns),
        or no row is complete.
    """
    if not isinstance(chunk_rows, int) or isinstance(chunk_rows, bool) or chunk_rows < 1_000:
        raise ValueError(f"chunk_rows={chunk_rows!r} is invalid; expected an integer >= 1000.")
    names = tuple(dict.fromkeys(columns))
    if not names:
        raise ValueError("columns is empty; expected at least one column name.")
    if "://" not in source:
        parquet_files(source)  # says which path is missing before dask reads anything
    frame = dd.read_parquet(source)
    available = [str(name) for name in frame.columns]
    missing = [name for name in names if name not in available]
    if missing:
        raise ValueError(f"columns {missing} are not in {source!r}; expected some of {available}.")
    selected = frame[list(names)]
    not_numeric = {
        name: str(dtype)
        for name, dtype in selected.dtypes.items()
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype)
    }
    if not_numeric:
        raise ValueError(
            f"columns {not_numeric} are not numeric; expected numbers in every column."
        )
    n_total = selected.shape[0]
    meta = pd.DataFrame({name: pd.Series([], dtype=np.float64) for name in names})
    complete = selected.map_partitions(_drop_incomplete, meta=meta)
    values = complete.to_dask_array().persist()
    values.compute_chunk_sizes()
    n_rows = int(values.shape[0])
    n_dropped = int(n_total.compute()) - n_rows
    if n_rows == 0:
        raise ValueError(
            f"{source!r} has no row with every one of {list(names)} present and finite."
        )
    rechunked = values.rechunk({0: min(chunk_rows, n_rows), 1: -1}).persist()
    return ParquetColumns(rechunked, names, n_rows, n_dropped)
