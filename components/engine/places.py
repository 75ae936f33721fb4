"""A file of places before it is read: the built-in example and the coordinate choices.

Pure Python (no Streamlit). The file itself is read and validated by
:mod:`components.engine.upload` and becomes a :class:`~components.engine.dataset.Dataset`.

- :func:`example_places_csv`: a small, deterministic CSV of synthetic places around three towns,
  so the app can be tried without a file (it goes through the same reader as an upload).
- :func:`column_names` / :func:`detect_coordinates`: the header as the reader names it, and the
  coordinate columns found by name, for the Data page's two coordinate selects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from components.engine.parquet_limits import check_parquet_limits, is_parquet
from components.engine.upload import (
    LATITUDE_NAMES,
    LONGITUDE_NAMES,
    PlacesError,
    _checked_name,
    _clean_names,
    _csv_text,
    _find_column,
    _read_table,
)

__all__ = ["EXAMPLE_FILE_NAME", "K_MAX", "column_names", "detect_coordinates", "example_places_csv"]

K_MAX = 15  # the palette has 15 colours: k is at most 15 everywhere
EXAMPLE_FILE_NAME = "example_places.csv"
# (town, latitude, longitude, places, spread in degrees, rent per m2 in EUR): three real towns
# of the French Alps; the places around them are synthetic.
EXAMPLE_TOWNS: tuple[tuple[str, float, float, int, float, float], ...] = (
    ("Grenoble", 45.188, 5.724, 150, 0.030, 13.5),
    ("Chambery", 45.566, 5.921, 100, 0.022, 12.0),
    ("Annecy", 45.899, 6.129, 70, 0.018, 17.5),
)


# --------------------------------------------------------------------------- example


def example_places_csv() -> bytes:
    """Return a small CSV of synthetic places around three towns (deterministic).

    Returns
    -------
    bytes
        UTF-8 CSV with columns name, town, latitude, longitude, rent_per_m2, floor_area_m2
        (320 rows).
    """
    rng = np.random.default_rng(0)
    frames = []
    for town, latitude, longitude, n_places, spread, rent in EXAMPLE_TOWNS:
        # Longitude degrees are shorter than latitude degrees at 45 N: widen them so the
        # towns look round on the map.
        widen = 1.0 / math.cos(math.radians(latitude))
        frames.append(
            pd.DataFrame(
                {
                    "name": [f"{town} {i + 1:03d}" for i in range(n_places)],
                    "town": town,
                    "latitude": np.round(latitude + rng.normal(0, spread, n_places), 5),
                    "longitude": np.round(longitude + rng.normal(0, spread * widen, n_places), 5),
                    "rent_per_m2": np.round(rent + rng.normal(0, 1.6, n_places), 1),
                    "floor_area_m2": np.round(rng.lognormal(math.log(62), 0.35, n_places)),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame["floor_area_m2"] = frame["floor_area_m2"].astype(int)
    return frame.to_csv(index=False).encode("utf-8")


# --------------------------------------------------------------------------- columns


def column_names(data: bytes) -> tuple[str, ...]:
    """Return the file's column names as :func:`components.engine.upload.read_places` names them.

    Uses the reader's own checks and limits, delimiter rule and name cleaning (stripped, repeats
    numbered), so a name chosen from this list is found by the reader; only the header line of
    a CSV is parsed, only the footer of a Parquet file (starting with ``PAR1``).

    Parameters
    ----------
    data : bytes
        The uploaded file's content, within the reader's size limit (``MAX_UPLOAD_BYTES``).

    Returns
    -------
    tuple of str
        The columns; empty when the file cannot be read (the reader then says why).
    """
    try:
        if is_parquet(data):
            footer = check_parquet_limits(data, error=PlacesError)
            return tuple(_clean_names(footer.names))
        shape, _ = _csv_text(_checked_name(data, None))
        header = _read_table(shape.header, shape.delimiter, header_only=True)
        return tuple(_clean_names(list(header.columns)))
    except PlacesError:
        return ()


def detect_coordinates(columns: Sequence[str]) -> tuple[str | None, str | None]:
    """Return the latitude and longitude columns found by name (None where there is none).

    Parameters
    ----------
    columns : sequence of str
        Column names.

    Returns
    -------
    (str or None, str or None)
        Latitude column, longitude column, by the reader's names and order of preference.
    """
    return _find_column(columns, LATITUDE_NAMES), _find_column(columns, LONGITUDE_NAMES)
