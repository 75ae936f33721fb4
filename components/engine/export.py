"""Downloads: CSV that is safe to open in a spreadsheet, and the labelled rows as GeoJSON.

Pure Python (no Streamlit). A spreadsheet treats a cell that starts with ``=``,
``+``, ``-`` or ``@`` (or a tab / carriage return before one) as a formula, so a
text value from an uploaded file could run a formula on the analyst's machine
("CSV injection"). Such text cells, and column names, get a leading apostrophe,
which spreadsheets show as plain text. Numeric columns are written unchanged.

The rows with their cluster id: :func:`labelled_rows_csv` (written by :func:`to_safe_csv`)
and :func:`labelled_rows_geojson` (a FeatureCollection of Points; NaN becomes null).
"""

from __future__ import annotations

import json
import math
from numbers import Integral

import numpy as np
import pandas as pd

from components.engine.validation import validate_frame_labels

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Prefix a text value that a spreadsheet would read as a formula with an apostrophe.

    Parameters
    ----------
    value : object
        A cell value; only ``str`` values are changed.

    Returns
    -------
    object
        ``"'" + value`` for a risky string, else ``value`` unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """Write a frame as UTF-8 CSV with formula-like text cells neutralised.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to export; its index is not written.

    Returns
    -------
    bytes
        The CSV text, UTF-8 encoded.
    """
    safe = frame.copy()
    for column in safe.columns:
        series = safe[column]
        # Only text-like columns can hold formulas; numbers are left exactly as they are.
        if (
            pd.api.types.is_object_dtype(series)
            or pd.api.types.is_string_dtype(series)
            or isinstance(series.dtype, pd.CategoricalDtype)
        ):
            safe[column] = series.map(neutralise_cell).astype(object)
    safe.columns = [neutralise_cell(str(name)) for name in safe.columns]
    # CRLF line ends make the csv writer quote any cell holding a lone "\r" as well as
    # "\n"; with "\n" alone, "x\r=cmd" would split into a new row starting "=cmd".
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def _with_labels(frame: pd.DataFrame, labels: object, label_column: str) -> pd.DataFrame:
    """The rows, reindexed, with their cluster ids in a column no column of the file has."""
    ids = validate_frame_labels(frame, labels)
    name, suffix = label_column, 2
    while name in frame.columns:  # never overwrite a column of the user's file
        name = f"{label_column}_{suffix}"
        suffix += 1
    labelled = frame.reset_index(drop=True).copy()
    labelled[name] = ids.astype(np.int64)
    return labelled


def labelled_rows_csv(frame: pd.DataFrame, labels: np.ndarray) -> bytes:
    """Return the rows with their cluster id as spreadsheet-safe UTF-8 CSV.

    Written by :func:`to_safe_csv`: text cells (and column names) that a
    spreadsheet would run as a formula (starting with ``= + - @``, tab or carriage return) get a
    leading apostrophe, numeric columns are written unchanged, and lines end in CRLF so that a
    cell holding a lone carriage return is quoted.

    Parameters
    ----------
    frame : pd.DataFrame
        The rows (e.g. ``PlacesData.frame``).
    labels : array-like of int, shape (len(frame),)
        Cluster id per row (-1 = not clustered, written as -1), in a column ``cluster``
        (``cluster_2``, ``cluster_3`` ... if the name is taken).

    Returns
    -------
    bytes
        CSV text, UTF-8.
    """
    return to_safe_csv(_with_labels(frame, labels, "cluster"))


def _json_value(value: object) -> object:
    """Turn a cell into something ``json.dumps(allow_nan=False)`` accepts (NaN -> None)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, str):
        return value
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def _json_column(series: pd.Series) -> list[object]:
    """Return a column as JSON-safe Python values (NaN and infinities -> None)."""
    if pd.api.types.is_bool_dtype(series) and not series.hasnans:
        return [bool(value) for value in series.tolist()]
    if pd.api.types.is_integer_dtype(series) and not series.hasnans:
        return [int(value) for value in series.tolist()]
    if pd.api.types.is_float_dtype(series):
        numbers = series.to_numpy(dtype=np.float64)
        finite = np.isfinite(numbers)
        return [float(n) if ok else None for n, ok in zip(numbers.tolist(), finite, strict=True)]
    return [_json_value(value) for value in series.tolist()]


def labelled_rows_geojson(
    frame: pd.DataFrame,
    labels: np.ndarray,
    lat_col: str,
    lon_col: str,
    *,
    label_column: str = "cluster",
) -> bytes:
    """Return the rows as a GeoJSON FeatureCollection of Points with their cluster id.

    Parameters
    ----------
    frame : pd.DataFrame
        The rows (e.g. ``PlacesData.frame``).
    labels : array-like of int, shape (len(frame),)
        Cluster id per row (-1 = not clustered).
    lat_col, lon_col : str
        Coordinate columns (degrees); a row with a missing coordinate gets ``geometry: null``.
    label_column : str
        Property name of the cluster id (``cluster_2`` ... if taken).

    Returns
    -------
    bytes
        UTF-8 JSON; properties hold every column of the row, NaN as null.
    """
    for column in (lat_col, lon_col):
        if column not in frame.columns:
            raise ValueError(
                f"'{column}' is not a column of frame; expected coordinate columns among "
                f"{list(frame.columns)}."
            )
    labelled = _with_labels(frame, labels, label_column)
    names = [str(name) for name in labelled.columns]
    # Whole columns are converted at once: cell by cell, a large file's GeoJSON takes far longer.
    values = [_json_column(labelled[column]) for column in labelled.columns]
    latitude = pd.to_numeric(labelled[lat_col], errors="coerce").to_numpy(dtype=np.float64)
    longitude = pd.to_numeric(labelled[lon_col], errors="coerce").to_numpy(dtype=np.float64)
    located = np.isfinite(latitude) & np.isfinite(longitude)
    features = []
    for index, row in enumerate(zip(*values, strict=True)):
        geometry = (
            {"type": "Point", "coordinates": [float(longitude[index]), float(latitude[index])]}
            if located[index]
            else None
        )
        properties = dict(zip(names, row, strict=True))
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, allow_nan=False, ensure_ascii=False).encode("utf-8")
