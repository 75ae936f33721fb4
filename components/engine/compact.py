"""Compact storage of a user's places: float32 where it loses nothing, small row positions.

Pure numpy / pandas (no Streamlit). A 1M-row upload is held while its user works with it,
so its columns are kept in the smallest types that give back the same values:

- **Numeric columns** (coordinates excepted): ``float32`` when every value has at most six
  significant decimal digits, as values typed into a spreadsheet mostly have. Such a value
  and its float32 have the same shortest decimal text (C's ``FLT_DIG`` is 6), so the CSV
  download writes what the file said, and :func:`exact_float64` gives back the float64
  the reader parsed, bit for bit. A column with one longer value stays ``float64``.
- **Coordinates** stay ``float64``: maps code positions to 1e-6 degree and the extent is
  computed from them; float32 would move a point by up to 1.7 m at 180 degrees, to save
  8 bytes per row, a small share of what a 1M-row upload holds (BENCHMARKS.md, "Measured
  defaults").
- **Row positions and numbers**: ``int32`` (the sweep's labels are ``int8`` already, see
  :func:`components.engine.sweep.run.fit_sweep`).

:func:`deep_nbytes` measures what a cached value holds, for the upload memory budget.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from components.engine.upload import PlacesData

__all__ = [
    "SIGNIFICANT_DIGITS",
    "compact_frame",
    "compact_places",
    "deep_nbytes",
    "exact_float64",
    "exact_float64_frame",
    "float32_keeps_values",
]

SIGNIFICANT_DIGITS = 6  # FLT_DIG: six significant digits survive float32 and back
_MAX_POWER = 22  # 10.0 ** p is exact in float64 for |p| <= 22
_PROBE_ROWS = 4_096


def exact_float64(values: np.ndarray) -> np.ndarray:
    """Widen float32 values to the float64 of their decimal text (at most six digits).

    ``np.float32(3.2).astype(np.float64)`` is 3.2000000476837158; this gives 3.2, the
    float64 a reader makes of the text "3.2". Each value is rounded to six significant
    digits ``n * 10**-p`` (``n`` an integer), which is its text when the value came from
    one; :func:`float32_keeps_values` keeps any other column float64.

    Parameters
    ----------
    values : np.ndarray
        Floats (float32 or float64); NaN, infinities and zero are kept.

    Returns
    -------
    np.ndarray
        float64, same shape.
    """
    wide = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = np.floor(np.log10(np.abs(wide)))
    usable = np.isfinite(exponent)
    power = np.clip(
        (SIGNIFICANT_DIGITS - 1) - np.where(usable, exponent, 0.0), -_MAX_POWER, _MAX_POWER
    )
    scale = np.power(10.0, np.abs(power))  # exact: |power| <= 22
    up = power >= 0
    with np.errstate(invalid="ignore", over="ignore"):
        digits = np.rint(np.where(up, wide * scale, wide / scale))
        # An exact integer over an exact power of ten rounds once, to the float64 the
        # text parses to; for large values the product is exact.
        exact = np.where(up, digits / scale, digits * scale)
    return np.where(usable, exact, wide)


def float32_keeps_values(values: np.ndarray) -> bool:
    """Whether float32 holds these float64 values without loss (through :func:`exact_float64`).

    Parameters
    ----------
    values : np.ndarray
        float64 values, NaN allowed.

    Returns
    -------
    bool
        True when widening the float32 copy gives back every value bit for bit (NaN for NaN).
    """
    wide = np.asarray(values, dtype=np.float64)
    with np.errstate(over="ignore"):
        narrow = wide.astype(np.float32)
    return bool(np.array_equal(exact_float64(narrow), wide, equal_nan=True))


def compact_frame(frame: pd.DataFrame, keep: Iterable[str] = ()) -> pd.DataFrame:
    """Return the frame with its float64 columns as float32 where that loses nothing.

    Parameters
    ----------
    frame : pd.DataFrame
        Any frame; it is not changed.
    keep : iterable of str
        Columns left as they are (e.g. coordinates).

    Returns
    -------
    pd.DataFrame
        A new frame (the same columns, order and index); columns not converted are shared.
    """
    kept = set(keep)
    columns: dict[Any, Any] = {}
    for name in frame.columns:
        column = frame[name]
        if name not in kept and column.dtype == np.float64:
            values = column.to_numpy()
            # Most columns that do not fit show it in their first rows: check those first.
            if float32_keeps_values(values[:_PROBE_ROWS]) and float32_keeps_values(values):
                column = pd.Series(values.astype(np.float32), index=frame.index, name=name)
        columns[name] = column
    return pd.DataFrame(columns, index=frame.index)


def exact_float64_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame with its float32 columns widened by :func:`exact_float64`.

    For writers that convert numbers to float64 themselves (e.g. the GeoJSON download),
    so that they write 3.2 and not 3.2000000476837158.

    Parameters
    ----------
    frame : pd.DataFrame
        Any frame; it is not changed.

    Returns
    -------
    pd.DataFrame
        The same frame when it has no float32 column, else a copy with float64 columns.
    """
    narrow = [name for name in frame.columns if frame[name].dtype == np.float32]
    if not narrow:
        return frame
    return frame.assign(**{str(name): exact_float64(frame[name].to_numpy()) for name in narrow})


def compact_places(places: PlacesData) -> PlacesData:
    """Return the places with their non-coordinate numeric columns compacted.

    Parameters
    ----------
    places : PlacesData
        A validated file (from ``upload.read_places``).

    Returns
    -------
    PlacesData
        The same file; ``frame`` holds float32 columns where :func:`compact_frame` allows it.
    """
    frame = compact_frame(places.frame, keep=(places.lat_col, places.lon_col))
    return dataclasses.replace(places, frame=frame)


def deep_nbytes(value: object) -> int:
    """Bytes a value holds: arrays, frames, bytes and strings, inside dataclasses and containers.

    Parameters
    ----------
    value : object
        What a cache keeps.

    Returns
    -------
    int
        The sum over what the value reaches (each object counted once; an array view is
        counted as its base); other objects count 0.
    """
    seen: set[int] = set()

    def size(item: object) -> int:
        if id(item) in seen:
            return 0
        seen.add(id(item))
        if isinstance(item, np.ndarray):
            base = item
            while isinstance(base.base, np.ndarray):
                base = base.base
            return size(base) if base is not item else int(item.nbytes)
        if isinstance(item, pd.DataFrame | pd.Series | pd.Index):
            usage = item.memory_usage(deep=True)
            return int(usage.sum()) if isinstance(usage, pd.Series) else int(usage)
        if isinstance(item, bytes | bytearray | str):
            return len(item)
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            return sum(size(getattr(item, f.name)) for f in dataclasses.fields(item))
        if isinstance(item, Mapping):
            return sum(size(v) for v in item.values())
        if isinstance(item, list | tuple | set | frozenset):
            return sum(size(v) for v in item)
        return 0

    return size(value)
