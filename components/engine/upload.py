"""Your own places: read an uploaded CSV or Parquet file without trusting it, and download rows.

Pure Python (no Streamlit). :func:`read_places` takes the uploaded bytes and either returns a
:class:`PlacesData` or raises :class:`PlacesError` (a ``ValueError``) whose message says what is
wrong and what to do; it reads Parquet when the name ends in
``.parquet``/``.pq`` or the bytes start with ``PAR1``, CSV otherwise.
Decisions, stated once:

- **Size and shape**: at most ``MAX_UPLOAD_BYTES`` = 100 MB (100 x 1024 x 1024 bytes), 1,000
  columns, 2,000,000 rows and 12,000,000 cells (:func:`limits_text` says so on the page);
  a CSV's lines at most 100,000 bytes, all checked on the bytes before parsing
  (:mod:`components.engine.csv_limits`), and a Parquet file's from its footer before any
  column is decoded, its uncompressed data at most 100 MB too
  (:mod:`components.engine.parquet_limits`), so no read outlives its budget.
- **File type**: a name, when given, must end in ``.csv``, ``.txt``, ``.tsv``, ``.parquet`` or
  ``.pq``; CSV content with a zero byte or the signature of a zip (xlsx), PDF, gzip or image
  file is rejected as not text (:mod:`components.engine.csv_text`); a Parquet file that is cut
  off or corrupt, or has list, struct, map or binary columns, is rejected with the reason.
- **Encoding**: UTF-8, with or without a byte-order mark (``utf-8-sig``); UTF-16 and UTF-32
  are named as such, any other encoding by the line and the text before its first character
  that is not UTF-8, with how to save the file as UTF-8.
- **Rows**: a row with more values than the header names is refused with its line and
  values (never read with its values shifted into the wrong columns); a row with fewer has
  the missing ones empty.
- **Delimiter**: the one of ``, ; tab |`` that appears most often in the header line (comma when
  none does). With ``;`` a decimal comma (``34,05``) is accepted in numeric columns.
- **Coordinates**: columns named (any case) ``latitude``/``lat``/``y`` and
  ``longitude``/``lon``/``lng``/``long``/``x``, unless the caller names them. Empty coordinate
  cells drop the row (reported in ``notes``); text that is not a number, or values outside
  ``[-90, 90]`` / ``[-180, 180]``, reject the file with a count and an example row (values in
  metres get the projected coordinate systems they may be in and the steps to convert them,
  :mod:`components.engine.projected`).
- **Numbers**: a Parquet file's number columns (integers, floats, decimals) are numbers, its
  infinite values read as missing and counted; its text columns follow the CSV rules. In a
  CSV (:mod:`components.engine.cell_numbers`), the usual spellings of a missing value (``NA``,
  ``N/A``, ``null``, ``nan``, ``-``, ``#N/A``, ...) and infinite values (``inf``, ``-inf``)
  are read as missing, and thousands separators (``1,234.5``; ``1.234,5`` with ``;``) as
  numbers; each column where this happened is reported with its counts (``coercions``). A
  column with other text is read as text, and said so when most of its cells are numbers.
- **Features**: the other numeric columns, except constant ones (reported). None is fine: the
  places are then clustered on their coordinates alone.
- **Whether k clusters fit** the chosen features (enough rows, no constant feature, enough
  distinct places) is checked separately by
  :func:`components.engine.clusterable.check_clusterable`, since it depends on k.

The rows' downloads are in :mod:`components.engine.export`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.engine.cell_numbers import ColumnCoercion, column_numbers
from components.engine.csv_limits import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_CSV_BYTES,
    MAX_DATA_ROWS,
    CsvShape,
    check_csv_limits,
    check_size,
)
from components.engine.csv_text import check_text, decode_utf8, shown_names, table_problem
from components.engine.extent import MapExtent, map_extent
from components.engine.messages import message
from components.engine.parquet_limits import PARQUET_EXTENSIONS, is_parquet, read_parquet_columns
from components.engine.projected import projected_advice

MAX_UPLOAD_BYTES = MAX_CSV_BYTES
ALLOWED_EXTENSIONS: tuple[str, ...] = (".csv", ".txt", ".tsv", *PARQUET_EXTENSIONS)
LATITUDE_NAMES: tuple[str, ...] = ("latitude", "lat", "y")  # in order of preference
LONGITUDE_NAMES: tuple[str, ...] = ("longitude", "lon", "lng", "long", "x")
_EXAMPLES = 3  # how many example rows an error message quotes


class PlacesError(ValueError):
    """An uploaded file cannot be used; the message names the problem and what to do.

    Its message may be a :class:`~components.engine.messages.Message` (``args[0]``), whose
    code parts a page shows as code.
    """


@dataclass(frozen=True)
class PlacesData:
    """A validated table of places.

    Attributes
    ----------
    frame : pd.DataFrame
        The rows with both coordinates (index 0..n-1); numeric columns as float64, other columns
        as text.
    lat_col, lon_col : str
        The coordinate columns.
    numeric_columns : tuple[str, ...]
        Every numeric column, coordinates included (what may be clustered).
    feature_columns : tuple[str, ...]
        Numeric, non-constant columns other than the coordinates (features offered in addition
        to the location); may be empty.
    extent : MapExtent
        Bounds, centre and zoom of the places.
    delimiter : str
        The delimiter used; "" for a Parquet file.
    notes : tuple[str, ...]
        Plain-language remarks for the user (dropped rows, constant columns, location only).
    coercions : tuple[ColumnCoercion, ...]
        Per column, what reading it as numbers changed (missing-value spellings, infinite
        values, thousands separators, decimal commas) or why it is text; columns where nothing
        changed are not listed.
    """

    frame: pd.DataFrame
    lat_col: str
    lon_col: str
    numeric_columns: tuple[str, ...]
    feature_columns: tuple[str, ...]
    extent: MapExtent
    delimiter: str
    notes: tuple[str, ...]
    coercions: tuple[ColumnCoercion, ...] = ()

    @property
    def n_rows(self) -> int:
        """Rows kept (with both coordinates)."""
        return len(self.frame)

    @property
    def is_parquet(self) -> bool:
        """True when the file was Parquet (it has no delimiter)."""
        return not self.delimiter


def limits_text() -> str:
    """What the uploader accepts, from the limits themselves (for the page).

    Returns
    -------
    str
        E.g. "CSV or Parquet, up to 100 MB, 2,000,000 rows, 1,000 columns and 12,000,000
        cells".
    """
    return (
        f"CSV or Parquet, up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB, {MAX_DATA_ROWS:,} rows, "
        f"{MAX_COLUMNS:,} columns and {MAX_CELLS:,} cells"
    )


# --------------------------------------------------------------------------- helpers


def _checked_name(data: bytes, filename: str | None) -> bytes:
    """The bytes, of an accepted size and (when named) an accepted name, CSV or Parquet."""
    check_size(len(data), MAX_UPLOAD_BYTES, error=PlacesError)
    if filename is not None and not filename.lower().endswith(ALLOWED_EXTENSIONS):
        raise PlacesError(
            f"The file '{filename}' is not a CSV or Parquet file (expected a name ending in "
            f"{', '.join(ALLOWED_EXTENSIONS)}). Export it as CSV (comma-separated values) "
            "first, e.g. in Excel: File > Save As > CSV UTF-8."
        )
    return data


def _csv_text(data: bytes) -> tuple[CsvShape, str]:
    """A CSV's shape and text, once its bytes pass the checks made before parsing."""
    if not data.strip():
        raise PlacesError(
            "The file is empty. Upload a CSV with a header row (e.g. latitude,longitude,...) "
            "and one row per place."
        )
    check_text(data, error=PlacesError)
    shape = check_csv_limits(data, delimiter=None, error=PlacesError)
    return shape, decode_utf8(data, error=PlacesError)


def _clean_names(columns: Sequence[object]) -> list[str]:
    """Strip the names and number repeats (" a" and "a" collide once stripped), like pandas."""
    names: list[str] = []
    taken: set[str] = set()
    for name in (str(column).strip() for column in columns):
        unique, suffix = name, 1
        while unique in taken:
            unique = f"{name}.{suffix}"
            suffix += 1
        names.append(unique)
        taken.add(unique)
    return names


def _read_table(text: str, delimiter: str, *, header_only: bool = False) -> pd.DataFrame:
    """pandas' C parser over the text, every cell as text ("" when empty)."""
    try:
        table = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,  # missing-value spellings are read (and counted) by column_numbers
            skipinitialspace=True,
            skip_blank_lines=True,
            nrows=0 if header_only else None,
            engine="c",
        )
    except pd.errors.EmptyDataError as error:
        raise PlacesError(
            "The file has no columns: it contains only blank lines. Upload a CSV with a header "
            "row and one row per place."
        ) from error
    except (pd.errors.ParserError, ValueError) as error:
        raise PlacesError(table_problem(text, delimiter)) from error
    if not isinstance(table.index, pd.RangeIndex):
        # More values on the first row than the header names: pandas would take the first
        # column as the index and shift every value one column to the left. Refused instead.
        raise PlacesError(table_problem(text, delimiter))
    return table


def _find_column(columns: Sequence[str], names: tuple[str, ...]) -> str | None:
    lowered = {column.lower(): column for column in reversed(columns)}  # first one wins
    return next((lowered[name] for name in names if name in lowered), None)


def _resolve_coordinates(
    columns: list[str], lat_col: str | None, lon_col: str | None
) -> tuple[str, str]:
    listed = shown_names(columns, 20)
    for chosen, what in ((lat_col, "latitude"), (lon_col, "longitude")):
        if chosen is not None and chosen not in columns:
            raise PlacesError(
                f"The chosen {what} column '{chosen}' is not in the file; its columns are: "
                f"{listed}."
            )
    lat = lat_col if lat_col is not None else _find_column(columns, LATITUDE_NAMES)
    lon = lon_col if lon_col is not None else _find_column(columns, LONGITUDE_NAMES)
    missing = []
    if lat is None:
        missing.append(f"a latitude column (named {'/'.join(LATITUDE_NAMES)})")
    if lon is None:
        missing.append(f"a longitude column (named {'/'.join(LONGITUDE_NAMES)})")
    if missing:
        raise PlacesError(
            f"No coordinates found: the file needs {' and '.join(missing)}, in any case. Its "
            f"columns are: {listed}. Rename the columns or choose them by hand."
        )
    assert lat is not None and lon is not None
    if lat == lon:
        raise PlacesError(
            f"The same column '{lat}' was chosen for latitude and longitude; choose two columns."
        )
    return lat, lon


def _number(value: float) -> str:
    """A cell's number as written in a file: 5000000 and -118.24, never 5e+06."""
    return str(np.format_float_positional(value, precision=10, trim="-"))


def _row_examples(rows: np.ndarray) -> str:
    return shown_names(rows.tolist(), _EXAMPLES, ", ...")


# --------------------------------------------------------------------------- read_places


def read_places(
    data: bytes,
    *,
    filename: str | None = None,
    lat_col: str | None = None,
    lon_col: str | None = None,
) -> PlacesData:
    """Read an uploaded file of places, CSV or Parquet.

    Parquet when the name ends in .parquet or .pq or the content starts with ``PAR1``, CSV
    otherwise (see the module docstring for the rules). A Parquet file's footer is checked first
    (:func:`components.engine.parquet_limits.check_parquet_limits`: size, rows, columns,
    cells, uncompressed size, row groups, flat column types), then its columns are read:
    numbers as numbers (an infinite value is read as missing and counted), text columns by
    the CSV reader's rules (missing-value spellings, thousands separators), names cleaned
    and coordinates found as for a CSV; ``delimiter`` is then "".

    Parameters
    ----------
    data : bytes
        The file's content (e.g. ``st.file_uploader(...).getvalue()``), at most
        ``MAX_UPLOAD_BYTES``.
    filename : str, optional
        The uploaded file's name; when given it must end in one of ``ALLOWED_EXTENSIONS``.
    lat_col, lon_col : str, optional
        Coordinate columns chosen by the user; default: detected by name.

    Returns
    -------
    PlacesData
        The rows with coordinates, the columns by kind, the map extent and notes.

    Raises
    ------
    PlacesError
        When the file cannot be used; the message names the problem and what to do.
    """
    raw = _checked_name(data, filename)
    if is_parquet(raw, filename):
        columns = read_parquet_columns(raw, error=PlacesError)
        names = _clean_names([name for name, _ in columns])
        table = pd.DataFrame(dict(zip(names, (values for _, values in columns), strict=True)))
        del columns
        return _places_from_table(table, lat_col, lon_col, delimiter="")
    shape, text = _csv_text(raw)
    table = _read_table(text, shape.delimiter)
    del text
    table.columns = _clean_names(list(table.columns))
    if table.empty:
        raise PlacesError(
            f"The file has a header ({', '.join(table.columns[:8])}) but no data rows. Add one "
            "row per place below the header."
        )
    return _places_from_table(table, lat_col, lon_col, delimiter=shape.delimiter)


def _places_from_table(
    table: pd.DataFrame,
    lat_col: str | None,
    lon_col: str | None,
    *,
    delimiter: str,
) -> PlacesData:
    """Validate a parsed table: text columns (str, "" when empty) or float64 ones (Parquet's)."""
    columns = list(table.columns)
    lat, lon = _resolve_coordinates(columns, lat_col, lon_col)
    row_numbers = np.arange(1, len(table) + 1)
    notes: list[str] = []

    numeric: dict[str, np.ndarray] = {}
    coercions: list[ColumnCoercion] = []
    for column in columns:
        numbers, coercion, not_numbers = column_numbers(
            table[column], column, delimiter == ";", quick=column not in (lat, lon)
        )
        as_text = coercion is not None and coercion.kept_as_text
        if column in (lat, lon) and coercion is not None and as_text:
            raise PlacesError(
                f"The coordinate column '{column}' has {coercion.n_not_numbers:,} value(s) "
                f"that are not numbers, e.g. '{coercion.example}' in data row(s) "
                f"{_row_examples(row_numbers[not_numbers])}. Use decimal degrees such as "
                "34.05 and -118.24."
            )
        if column in (lat, lon) or (not as_text and np.isfinite(numbers).any()):
            numeric[column] = numbers
        # A text column is worth a word only when most of its cells are numbers.
        if coercion is not None and coercion.n_not_numbers < coercion.n_numbers:
            coercions.append(coercion)

    latitude, longitude = numeric[lat], numeric[lon]
    located = np.isfinite(latitude) & np.isfinite(longitude)
    if not located.any():
        raise PlacesError(
            f"No row has both coordinates ('{lat}' and '{lon}' are empty in every row). Fill in "
            "the coordinates or choose other columns."
        )
    out_of_range = located & ((np.abs(latitude) > 90.0) | (np.abs(longitude) > 180.0))
    if out_of_range.any():
        first = int(np.flatnonzero(out_of_range)[0])
        n_bad = int(out_of_range.sum())
        lead = (
            f"{n_bad:,} row(s) have coordinates out of range (latitude must be in [-90, 90], "
            f"longitude in [-180, 180]), e.g. data row {int(row_numbers[first]):,}: "
            f"{lat}={_number(latitude[first])}, {lon}={_number(longitude[first])}"
            + (f" (data rows {_row_examples(row_numbers[out_of_range])})." if n_bad > 1 else ".")
        )
        # Swapped columns put most latitudes out of range; one bad value is a typo.
        swapped = (
            2 * n_bad > int(located.sum())
            and (np.abs(longitude[located]) <= 90.0).all()
            and (np.abs(latitude[located]) <= 180.0).all()
        )
        if swapped:
            raise PlacesError(
                f"{lead} The columns look swapped: choose '{lon}' as latitude and '{lat}' as "
                "longitude."
            )
        if np.nanmax(np.abs(np.concatenate([latitude, longitude]))) > 1000:
            raise PlacesError(
                message(
                    lead,
                    projected_advice(
                        latitude[located], longitude[located], lat, lon, delimiter=delimiter
                    ),
                )
            )
        raise PlacesError(
            f"{lead} Correct those values (in decimal degrees, such as 45.19 and 5.72), or "
            "choose other columns as latitude and longitude."
        )
    dropped = row_numbers[~located]
    if dropped.size:
        notes.append(
            f"{dropped.size:,} of {len(table):,} rows were left out because '{lat}' or '{lon}' "
            f"is empty (data rows {_row_examples(dropped)})."
        )

    kept = pd.DataFrame(index=pd.RangeIndex(int(located.sum())))
    for column in columns:
        if column in numeric:
            kept[column] = numeric[column][located]
        else:
            cells = table[column].to_numpy(dtype=object)[located]
            cells[cells == ""] = np.nan  # an empty text cell is missing
            kept[column] = cells
    if len(kept) > 1 and int(kept.duplicated(keep="first").sum()) == len(kept) - 1:
        raise PlacesError(
            f"All {len(kept):,} rows are identical, so there is nothing to cluster. Check that "
            "the export includes the varying columns."
        )

    constant_columns = [
        c for c in numeric if c not in (lat, lon) and kept[c].nunique(dropna=True) <= 1
    ]
    feature_columns = [c for c in numeric if c not in (lat, lon, *constant_columns)]
    if constant_columns:
        notes.append(
            f"Column(s) {', '.join(constant_columns)} have a single value and are not offered "
            "as features."
        )
    if not feature_columns:
        notes.append(
            "Besides the coordinates the file has no numeric column that varies, so the places "
            "can be clustered by location only."
        )
    return PlacesData(
        frame=kept,
        lat_col=lat,
        lon_col=lon,
        numeric_columns=tuple(numeric),
        feature_columns=tuple(feature_columns),
        extent=map_extent(kept[lat].to_numpy(), kept[lon].to_numpy()),
        delimiter=delimiter,
        notes=tuple(notes),
        coercions=tuple(coercions),
    )
