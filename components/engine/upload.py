"""Your own places: read an uploaded CSV or Parquet file without trusting it, and download rows.

Pure Python (no Streamlit). :func:`read_places` takes the uploaded bytes and either returns a
:class:`PlacesData` or raises :class:`PlacesError` (a ``ValueError``) whose message says what is
wrong and what to do; it reads Parquet when the name ends in
``.parquet``/``.pq`` or the bytes start with ``PAR1``, CSV (:func:`read_places_csv`) otherwise.
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
  CSV, the usual spellings of a missing value (``NA``, ``N/A``, ``null``, ``nan``, ``-``,
  ``#N/A``, ...) and infinite values (``inf``, ``-inf``) are read as missing, and thousands
  separators (``1,234.5``; ``1.234,5`` with ``;``) as numbers; each column where this happened
  is reported with its counts (``coercions``). A column with other text is read as text, and
  said so when most of its cells are numbers.
- **Features**: the other numeric columns, except constant ones (reported). None is fine: the
  places are then clustered on their coordinates alone.
- **Whether k clusters fit** the chosen features (enough rows, no constant feature, enough
  distinct places) is checked separately by :func:`check_clusterable`, since it depends on k.

Downloads: :func:`labelled_rows_csv` (spreadsheet-safe, written by
``components.engine.export.to_safe_csv``) and :func:`labelled_rows_geojson` (a FeatureCollection of
Points; NaN becomes null).
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd

from components.engine.clustering import n_distinct_rows
from components.engine.csv_limits import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_CSV_BYTES,
    MAX_DATA_ROWS,
    CsvShape,
    check_csv_limits,
    check_size,
)
from components.engine.csv_text import check_text, decode_utf8, table_problem
from components.engine.export import to_safe_csv
from components.engine.extent import MapExtent, map_extent
from components.engine.messages import message
from components.engine.parquet_limits import PARQUET_EXTENSIONS, is_parquet, read_parquet_columns
from components.engine.projected import projected_advice
from components.engine.validation import check_int, validate_frame_labels

__all__ = [
    "ALLOWED_EXTENSIONS",
    "CSV_EXTENSIONS",
    "LATITUDE_NAMES",
    "LONGITUDE_NAMES",
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_DATA_ROWS",
    "MAX_UPLOAD_BYTES",
    "MISSING_WORDS",
    "PARQUET_EXTENSIONS",
    "ClusterableCheck",
    "ColumnCoercion",
    "PlacesData",
    "PlacesError",
    "check_clusterable",
    "labelled_rows_csv",
    "labelled_rows_geojson",
    "limits_text",
    "read_places",
    "read_places_csv",
]

MAX_UPLOAD_BYTES = MAX_CSV_BYTES
CSV_EXTENSIONS: tuple[str, ...] = (".csv", ".txt", ".tsv")
ALLOWED_EXTENSIONS: tuple[str, ...] = (*CSV_EXTENSIONS, *PARQUET_EXTENSIONS)
LATITUDE_NAMES: tuple[str, ...] = ("latitude", "lat", "y")  # in order of preference
LONGITUDE_NAMES: tuple[str, ...] = ("longitude", "lon", "lng", "long", "x")
_EXAMPLES = 3  # how many example rows an error message quotes
# Cells read as a missing value (compared stripped and in lower case): what spreadsheets,
# databases, R, pandas and SAS write for "no value". The empty cell is missing too, silently.
MISSING_WORDS: frozenset[str] = frozenset(
    {
        "na", "n/a", "n.a.", "nan", "-nan", "null", "none", "nil", "missing", "<na>",
        "-", "--", "?", ".", "#n/a", "#na", "#n/a n/a", "#null!", "#value!", "#div/0!",
        "#ref!", "#num!", "#name?", "1.#ind", "-1.#ind", "1.#qnan", "-1.#qnan",
    }
)  # fmt: skip
_SPACES = " \u00a0\u202f"  # space, no-break space, narrow no-break space (thousands groups)
# 1,234.5 / 1 234.5: thousands groups of three digits, a decimal point.
_THOUSANDS_POINT = re.compile(rf"[+-]?\d{{1,3}}(?:[,{_SPACES}]\d{{3}})+(?:\.\d*)?")
# With a decimal comma (semicolon files): 1.234,5 / 1 234,5 / 34,05.
_THOUSANDS_COMMA = re.compile(rf"[+-]?\d{{1,3}}(?:[.{_SPACES}]\d{{3}})+(?:,\d*)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")


class PlacesError(ValueError):
    """An uploaded file cannot be used; the message names the problem and what to do.

    Its message may be a :class:`~components.engine.messages.Message` (``args[0]``), whose
    code parts a page shows as code.
    """


@dataclass(frozen=True)
class ColumnCoercion:
    """What reading one column as numbers changed (a column where nothing changed has none).

    Attributes
    ----------
    column : str
        The column.
    missing_words : tuple of (str, int)
        Each spelling of a missing value found (as first written, e.g. "NA") and its cells,
        read as missing; most frequent first.
    n_infinite : int
        Infinite values (``inf``, ``-inf``, ``1e999``) read as missing.
    n_thousands : int
        Cells written with thousands separators (``1,234.5``), read as numbers.
    n_decimal_comma : int
        Cells written with a decimal comma (``34,05`` in a semicolon file), read as numbers.
    n_not_numbers : int
        Cells that are none of these: the column is then read as text.
    n_numbers : int
        Cells read as numbers.
    example : str
        The first cell that is not a number ("" when there is none).
    example_row : int
        Its 1-based data row (0 when there is none).
    """

    column: str
    missing_words: tuple[tuple[str, int], ...] = ()
    n_infinite: int = 0
    n_thousands: int = 0
    n_decimal_comma: int = 0
    n_not_numbers: int = 0
    n_numbers: int = 0
    example: str = ""
    example_row: int = 0

    @property
    def kept_as_text(self) -> bool:
        """True when the column is read as text (some cells are not numbers)."""
        return self.n_not_numbers > 0

    @property
    def message(self) -> str:
        """One plain sentence for the user: the column, what was read how, and the counts."""
        if self.kept_as_text:
            total = self.n_not_numbers + self.n_numbers
            return (
                f"Column '{self.column}' is read as text and not offered as a feature: "
                f"{self.n_not_numbers:,} of its {total:,} filled cells are not numbers, e.g. "
                f"'{self.example}' in data row {self.example_row:,}. Correct or empty those "
                "cells to cluster on it."
            )
        parts = []
        if self.missing_words:
            spellings = ", ".join(f"'{word}' x{count:,}" for word, count in self.missing_words)
            n_missing = sum(count for _, count in self.missing_words)
            parts.append(f"{n_missing:,} cell(s) read as missing ({spellings})")
        if self.n_infinite:
            parts.append(f"{self.n_infinite:,} infinite value(s) read as missing")
        if self.n_thousands:
            parts.append(
                f"{self.n_thousands:,} cell(s) with thousands separators read as numbers "
                "(1,234.5 as 1234.5)"
            )
        if self.n_decimal_comma:
            parts.append(
                f"{self.n_decimal_comma:,} cell(s) with a decimal comma read as numbers "
                "(34,05 as 34.05)"
            )
        return f"Column '{self.column}': " + "; ".join(parts) + "."


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
    text_columns : tuple[str, ...]
        Non-numeric columns (shown in tooltips, never clustered).
    constant_columns : tuple[str, ...]
        Numeric columns with a single value (not offered as features).
    source_rows : np.ndarray
        1-based data-row number in the file of each row of ``frame`` (the header is not a row).
    n_rows_read : int
        Data rows in the file.
    dropped_rows : np.ndarray
        1-based data-row numbers dropped for a missing coordinate.
    extent : MapExtent
        Bounds, centre and zoom of the places.
    delimiter : str
        The delimiter used; "" for a Parquet file.
    encoding : str
        'utf-8' or 'utf-8-sig' (with byte-order mark); "" for a Parquet file.
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
    text_columns: tuple[str, ...]
    constant_columns: tuple[str, ...]
    source_rows: np.ndarray
    n_rows_read: int
    dropped_rows: np.ndarray
    extent: MapExtent
    delimiter: str
    encoding: str
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


def _checked_name(data: object, filename: str | None, max_bytes: int) -> bytes:
    """The bytes, of an accepted size and (when named) an accepted name, CSV or Parquet."""
    if isinstance(data, memoryview | bytearray):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise PlacesError(
            f"Expected the uploaded file's bytes; got {type(data).__name__}. Pass "
            "uploaded_file.getvalue()."
        )
    check_size(len(data), max_bytes, error=PlacesError)
    if filename is not None:
        name = str(filename)
        if not name.lower().endswith(ALLOWED_EXTENSIONS):
            raise PlacesError(
                f"The file '{name}' is not a CSV or Parquet file (expected a name ending in "
                f"{', '.join(ALLOWED_EXTENSIONS)}). Export it as CSV (comma-separated values) "
                "first, e.g. in Excel: File > Save As > CSV UTF-8."
            )
    return data


def _check_bytes(data: object, filename: str | None, max_bytes: int) -> bytes:
    data = _checked_name(data, filename, max_bytes)
    if not data.strip():
        raise PlacesError(
            "The file is empty. Upload a CSV with a header row (e.g. latitude,longitude,...) "
            "and one row per place."
        )
    check_text(data, error=PlacesError)
    return data


def _decode(data: bytes) -> tuple[str, str]:
    return decode_utf8(data, error=PlacesError)


def _checked_shape(data: bytes) -> CsvShape:
    """Bound the parse before it starts: line length, columns and rows, from the bytes."""
    return check_csv_limits(data, delimiter=None, error=PlacesError)


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
            na_filter=False,  # missing-value spellings are read (and counted) by _to_numbers
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


def _header_names(shape: CsvShape) -> list[str]:
    """The column names as :func:`_parse` gives them, from the header line alone."""
    return _clean_names(list(_read_table(shape.header, shape.delimiter, header_only=True).columns))


def _parse(text: str, shape: CsvShape) -> pd.DataFrame:
    frame = _read_table(text, shape.delimiter)
    frame.columns = _clean_names(list(frame.columns))
    if frame.empty:
        raise PlacesError(
            f"The file has a header ({', '.join(frame.columns[:8])}) but no data rows. Add one "
            "row per place below the header."
        )
    return frame


def _numbers_of(text: pd.Series) -> np.ndarray:
    """Plain numbers of stripped text cells (NaN where a cell is empty or not a plain number)."""
    filled = (text != "").to_numpy(dtype=bool)
    numbers = np.full(len(text), np.nan)
    try:  # Arrow's parser: about 30 times faster than pd.to_numeric, but all-or-nothing
        parsed = text[filled].astype("float64[pyarrow]")
        numbers[filled] = parsed.to_numpy(dtype=np.float64, na_value=np.nan)
    except (ValueError, TypeError, ImportError):
        numbers[filled] = pd.to_numeric(text[filled], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    return numbers


def _reformatted(text: pd.Series, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray, str]:
    """Read cells written with thousands separators or a decimal comma.

    Returns the numbers (NaN where the cell is neither), a mask of the cells read, and
    which way ("thousands" or "decimal comma"); with ``decimal_comma`` the reading that
    fails on fewer cells wins, a tie going to the decimal comma (the semicolon file's own).
    """
    point = text.str.fullmatch(_THOUSANDS_POINT).to_numpy(dtype=bool)
    english = np.full(len(text), np.nan)
    if point.any():
        english[point] = _numbers_of(text[point].str.replace(rf"[,{_SPACES}]", "", regex=True))
    if not decimal_comma:
        return english, point, "thousands"
    grouped = text.str.fullmatch(_THOUSANDS_COMMA).to_numpy(dtype=bool)
    comma = grouped | text.str.fullmatch(_DECIMAL_COMMA).to_numpy(dtype=bool)
    european = np.full(len(text), np.nan)
    if comma.any():
        cleaned = text[comma].str.replace(rf"[.{_SPACES}]", "", regex=True)
        european[comma] = _numbers_of(cleaned.str.replace(",", ".", regex=False))
    if int(point.sum()) > int(comma.sum()):
        return english, point, "thousands"
    return european, comma, "decimal comma"


def _read_numbers(
    text: pd.Series, name: str, decimal_comma: bool
) -> tuple[np.ndarray, ColumnCoercion, np.ndarray]:
    """Read stripped text cells as numbers: the numbers, what changed, the cells that are not."""
    numbers = _numbers_of(text)
    odd = np.flatnonzero(~np.isfinite(numbers))
    odd_text = text.iloc[odd]
    infinite = np.isinf(numbers[odd])
    numbers[odd[infinite]] = np.nan
    lowered = odd_text.str.lower()
    empty = (lowered == "").to_numpy(dtype=bool)
    worded = lowered.isin(MISSING_WORDS).to_numpy(dtype=bool) & ~empty & ~infinite
    rest = ~(empty | worded | infinite)
    n_reformatted, way = 0, "thousands"
    if rest.any():
        values, read, way = _reformatted(odd_text[rest], decimal_comma)
        numbers[odd[rest][read]] = values[read]
        n_reformatted = int(read.sum())
        rest[np.flatnonzero(rest)[read]] = False
    merged: dict[str, tuple[str, int]] = {}  # lower-case spelling -> (as first written, cells)
    for word, count in odd_text[worded].value_counts(sort=True).items():
        first, total = merged.get(str(word).lower(), (str(word), 0))
        merged[str(word).lower()] = (first, total + int(count))
    not_numbers = np.zeros(len(text), dtype=bool)
    not_numbers[odd[rest]] = True
    coercion = ColumnCoercion(
        column=name,
        missing_words=tuple(sorted(merged.values(), key=lambda item: -item[1])),
        n_infinite=int(infinite.sum()),
        n_thousands=n_reformatted if way == "thousands" else 0,
        n_decimal_comma=n_reformatted if way == "decimal comma" else 0,
        n_not_numbers=int(rest.sum()),
        n_numbers=int(np.isfinite(numbers).sum()),
        example=str(odd_text[rest].iloc[0]) if rest.any() else "",
        example_row=int(odd[rest][0]) + 1 if rest.any() else 0,
    )
    return numbers, coercion, not_numbers


_SAMPLE_CELLS = 1_000  # a column whose first cells are mostly text is text: no closer look


def _to_numbers(
    column: pd.Series, name: str, decimal_comma: bool, *, quick: bool = True
) -> tuple[np.ndarray, ColumnCoercion | None, np.ndarray]:
    """Read a text column as numbers.

    Returns the numbers (NaN for an empty or missing cell), what was changed on the way (None
    when nothing was) and a mask of the cells that are not numbers. Missing-value spellings and
    infinite values become NaN, cells with thousands separators or a decimal comma become
    numbers, and any other text makes the column text (``kept_as_text``). With ``quick``, a
    column whose first cells are mostly text (a name) is text at once (its counts are then
    those of the first cells), so it costs no pass over every cell. A float64 column (a
    Parquet file's numbers) is numbers already: only its infinite values become NaN.
    """
    if column.dtype == np.float64:
        numbers = column.to_numpy(dtype=np.float64, copy=True)
        infinite = np.isinf(numbers)
        numbers[infinite] = np.nan
        coercion = None
        if infinite.any():
            coercion = ColumnCoercion(
                column=name,
                n_infinite=int(infinite.sum()),
                n_numbers=int(np.isfinite(numbers).sum()),
            )
        return numbers, coercion, np.zeros(len(numbers), dtype=bool)
    text = column.astype(str).str.strip()
    if quick and len(text) > _SAMPLE_CELLS:
        _, sample, _ = _read_numbers(text[:_SAMPLE_CELLS], name, decimal_comma)
        if sample.n_not_numbers > sample.n_numbers:
            return np.full(len(text), np.nan), sample, np.zeros(len(text), dtype=bool)
    numbers, coercion, not_numbers = _read_numbers(text, name, decimal_comma)
    changed = (
        coercion.missing_words
        or coercion.n_infinite
        or coercion.n_thousands
        or coercion.n_decimal_comma
        or coercion.n_not_numbers
    )
    return numbers, coercion if changed else None, not_numbers


def _find_column(columns: Sequence[str], names: tuple[str, ...]) -> str | None:
    lowered = {column.lower(): column for column in reversed(columns)}  # first one wins
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def _resolve_coordinates(
    columns: list[str], lat_col: str | None, lon_col: str | None
) -> tuple[str, str]:
    listed = ", ".join(columns[:20]) + (" ..." if len(columns) > 20 else "")
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
    shown = ", ".join(str(int(r)) for r in rows[:_EXAMPLES])
    return shown + (", ..." if rows.size > _EXAMPLES else "")


# --------------------------------------------------------------------------- read_places_csv


def read_places_csv(
    data: bytes,
    *,
    filename: str | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
    lat_col: str | None = None,
    lon_col: str | None = None,
) -> PlacesData:
    """Validate and read an uploaded CSV of places (see the module docstring for the rules).

    Parameters
    ----------
    data : bytes
        The file's content (e.g. ``st.file_uploader(...).getvalue()``).
    filename : str, optional
        The uploaded file's name; when given it must end in .csv, .txt or .tsv.
    max_bytes : int
        Largest accepted size (default 100 MB).
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
    raw = _check_bytes(data, filename, check_int(max_bytes, "max_bytes", 1))
    shape = _checked_shape(raw)
    text, encoding = _decode(raw)
    table = _parse(text, shape)
    del text
    return _places_from_table(table, lat_col, lon_col, delimiter=shape.delimiter, encoding=encoding)


def _read_parquet(
    raw: bytes, max_bytes: int, lat_col: str | None, lon_col: str | None
) -> PlacesData:
    """Read a Parquet file of places by the CSV reader's rules (see :func:`read_places`)."""
    _, columns = read_parquet_columns(raw, max_bytes=max_bytes, error=PlacesError)
    names = _clean_names([name for name, _ in columns])
    table = pd.DataFrame(dict(zip(names, (values for _, values in columns), strict=True)))
    del columns
    return _places_from_table(table, lat_col, lon_col, delimiter="", encoding="")


def read_places(
    data: bytes,
    *,
    filename: str | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
    lat_col: str | None = None,
    lon_col: str | None = None,
) -> PlacesData:
    """Read an uploaded file of places, CSV or Parquet.

    Parquet when the name ends in .parquet or .pq or the content starts with ``PAR1``, CSV
    (:func:`read_places_csv`) otherwise. A Parquet file's footer is checked first
    (:func:`components.engine.parquet_limits.check_parquet_limits`: size, rows, columns,
    cells, uncompressed size, row groups, flat column types), then its columns are read:
    numbers as numbers (an infinite value is read as missing and counted), text columns by
    the CSV reader's rules (missing-value spellings, thousands separators), names cleaned
    and coordinates found as for a CSV; ``delimiter`` and ``encoding`` are then "".

    Parameters
    ----------
    data : bytes
        The file's content.
    filename : str, optional
        The uploaded file's name; when given it must end in one of ``ALLOWED_EXTENSIONS``.
    max_bytes : int
        Largest accepted size (default 100 MB).
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
    raw = _checked_name(data, filename, check_int(max_bytes, "max_bytes", 1))
    if is_parquet(raw, filename):
        return _read_parquet(raw, max_bytes, lat_col, lon_col)
    return read_places_csv(
        raw, filename=filename, max_bytes=max_bytes, lat_col=lat_col, lon_col=lon_col
    )


def _places_from_table(
    table: pd.DataFrame,
    lat_col: str | None,
    lon_col: str | None,
    *,
    delimiter: str,
    encoding: str,
) -> PlacesData:
    """Validate a parsed table: text columns (str, "" when empty) or float64 ones (Parquet's)."""
    columns = list(table.columns)
    lat, lon = _resolve_coordinates(columns, lat_col, lon_col)
    decimal_comma = delimiter == ";"
    row_numbers = np.arange(1, len(table) + 1)
    notes: list[str] = []

    numeric: dict[str, np.ndarray] = {}
    text_columns: list[str] = []
    coercions: list[ColumnCoercion] = []
    for column in columns:
        numbers, coercion, not_numbers = _to_numbers(
            table[column], column, decimal_comma, quick=column not in (lat, lon)
        )
        if column in (lat, lon):
            if coercion is not None and coercion.kept_as_text:
                raise PlacesError(
                    f"The coordinate column '{column}' has {coercion.n_not_numbers:,} value(s) "
                    f"that are not numbers, e.g. '{coercion.example}' in data row(s) "
                    f"{_row_examples(row_numbers[not_numbers])}. Use decimal degrees such as "
                    "34.05 and -118.24."
                )
            numeric[column] = numbers
        elif (coercion is None or not coercion.kept_as_text) and np.isfinite(numbers).any():
            numeric[column] = numbers
        else:
            text_columns.append(column)
        # A text column is worth a word only when most of its cells are numbers.
        if (
            coercion is not None
            and coercion.n_numbers > 0
            and (not coercion.kept_as_text or coercion.n_not_numbers < coercion.n_numbers)
        ):
            coercions.append(coercion)

    latitude = numeric[lat]
    longitude = numeric[lon]
    located = np.isfinite(latitude) & np.isfinite(longitude)
    if not located.any():
        raise PlacesError(
            f"No row has both coordinates ('{lat}' and '{lon}' are empty in every row). Fill in "
            "the coordinates or choose other columns."
        )
    out_of_range = located & ((np.abs(latitude) > 90.0) | (np.abs(longitude) > 180.0))
    if out_of_range.any():
        bad_rows = row_numbers[out_of_range]
        first = int(np.flatnonzero(out_of_range)[0])
        n_bad = int(out_of_range.sum())
        lead = (
            f"{n_bad:,} row(s) have coordinates out of range (latitude must be in [-90, 90], "
            f"longitude in [-180, 180]), e.g. data row {int(row_numbers[first]):,}: "
            f"{lat}={_number(latitude[first])}, {lon}={_number(longitude[first])}"
            + (f" (data rows {_row_examples(bad_rows)})." if n_bad > 1 else ".")
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

    numeric_columns = [c for c in columns if c in numeric]
    constant_columns = [
        c for c in numeric_columns if c not in (lat, lon) and kept[c].nunique(dropna=True) <= 1
    ]
    feature_columns = [c for c in numeric_columns if c not in (lat, lon, *constant_columns)]
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
        numeric_columns=tuple(numeric_columns),
        feature_columns=tuple(feature_columns),
        text_columns=tuple(text_columns),
        constant_columns=tuple(constant_columns),
        source_rows=row_numbers[located],
        n_rows_read=len(table),
        dropped_rows=dropped,
        extent=map_extent(kept[lat].to_numpy(), kept[lon].to_numpy()),
        delimiter=delimiter,
        encoding=encoding,
        notes=tuple(notes),
        coercions=tuple(coercions),
    )


# --------------------------------------------------------------------------- check_clusterable


@dataclass(frozen=True)
class ClusterableCheck:
    """The chosen features and k fit the places.

    Attributes
    ----------
    features : tuple[str, ...]
        The chosen features.
    n_clusters : int
        The chosen k.
    n_rows_usable : int
        Rows with a value for every chosen feature.
    n_rows_excluded : int
        Rows left out because a chosen feature is empty.
    n_distinct : int
        Distinct places (rows) among the usable rows, on the chosen features, counted up
        to 15 (or k, if larger).
    message : str or None
        A note for the user (excluded rows), None when every row is used.
    """

    features: tuple[str, ...]
    n_clusters: int
    n_rows_usable: int
    n_rows_excluded: int
    n_distinct: int
    message: str | None


def _too_few_rows(features: list[str], values: np.ndarray, k: int) -> str:
    """Why there are too few rows for k clusters, and what would help (only what would).

    k-means into k clusters needs k + 1 places at least (k clusters of one place each are
    no grouping); the fewest clusters is 2, so a file needs 3 places. Fewer features help
    only when a chosen feature is empty in some rows, and a smaller k only when one of at
    least 2 fits.
    """
    n_rows = len(values)
    filled = np.isfinite(values)
    n_usable = int(filled.all(axis=1).sum())
    empty = [
        (name, int((~filled[:, index]).sum()))
        for index, name in enumerate(features)
        if not filled[:, index].all()
    ]
    if empty:
        counts = ", ".join(f"'{name}' is empty in {count:,}" for name, count in empty)
        said = (
            f"Only {n_usable:,} of the {n_rows:,} places {'has' if n_usable == 1 else 'have'} a "
            "value for every chosen feature "
            f"({counts}); k-means needs at least {k + 1} to form {k} clusters."
        )
    else:
        said = (
            f"The file has {n_rows:,} place{'s' if n_rows != 1 else ''} with coordinates; "
            f"k-means needs at least {k + 1} to form {k} clusters"
            + (" (2 clusters is the fewest)." if k == 2 else ".")
        )
    fixes = []
    if n_usable - 1 >= 2:
        fixes.append(f"choose k = {n_usable - 1} or fewer")
    if empty and n_rows > k:
        names = ", ".join(f"'{name}'" for name, _ in empty)
        fixes.append(
            f"leave out {names} or fill in {'its' if len(empty) == 1 else 'their'} empty cells"
        )
    fixes.append("add places to the file")
    advice = ", or ".join(fixes)
    return f"{said} {advice[:1].upper()}{advice[1:]}."


def check_clusterable(
    places: PlacesData, features: Sequence[str], n_clusters: int, *, missing: str = "exclude"
) -> ClusterableCheck:
    """Check that k clusters can be formed from the places on the chosen features.

    Parameters
    ----------
    places : PlacesData
        Result of :func:`read_places_csv`.
    features : sequence of str
        Columns to cluster on, from ``places.numeric_columns`` (coordinates allowed).
    n_clusters : int
        The requested k (at least 2).
    missing : {"exclude", "median"}
        Whether rows with an empty feature are left out or filled with its median.

    Returns
    -------
    ClusterableCheck
        Usable rows and a note; raises :class:`PlacesError` otherwise.
    """
    chosen = list(dict.fromkeys(features))  # keep order, drop repeats
    if not chosen:
        raise PlacesError("No feature is chosen; choose at least one column to cluster on.")
    unknown = [name for name in chosen if name not in places.numeric_columns]
    if unknown:
        raise PlacesError(
            f"Feature(s) {', '.join(unknown)} are not numeric columns of the file; choose from "
            f"{', '.join(places.numeric_columns)}."
        )
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, Integral) or n_clusters < 2:
        raise PlacesError(f"k={n_clusters!r} is invalid; choose an integer of at least 2.")
    k = int(n_clusters)
    values = places.frame[chosen].to_numpy(dtype=np.float64)
    finite = np.isfinite(values)
    if missing == "median" and finite.any(axis=0).all():
        # Filled with each column's median, every row is clustered.
        values = np.where(finite, values, np.nanmedian(values, axis=0))
        finite = np.ones_like(finite)
    usable = finite.all(axis=1)
    n_usable = int(usable.sum())
    excluded = len(values) - n_usable
    if n_usable <= k:
        raise PlacesError(_too_few_rows(chosen, values, k))
    used = values[usable]
    constant = [name for index, name in enumerate(chosen) if np.ptp(used[:, index]) == 0]
    if constant and len(constant) == len(chosen):
        raise PlacesError(
            f"The {n_usable:,} places have the same value of every chosen feature "
            f"({', '.join(constant)}), so nothing tells them apart. Choose features whose "
            "values differ from place to place."
        )
    if constant:
        raise PlacesError(
            f"Feature(s) {', '.join(constant)} have the same value in every row, so they cannot "
            "separate places; remove them from the features."
        )
    # Counting stops at 15 (the largest k): a million distinct rows are not sorted for it.
    n_distinct = n_distinct_rows(used, at_most=max(k, 15))
    if n_distinct < k:
        raise PlacesError(
            f"The places are only {n_distinct:,} distinct points on the chosen features, and "
            f"k={k} clusters need at least {k}. Choose k = {n_distinct} or fewer, or add "
            "features that tell the places apart."
        )
    note = None
    if excluded:
        note = (
            f"{excluded:,} of {len(values):,} rows are left out because a chosen feature is "
            "empty there."
        )
    return ClusterableCheck(
        features=tuple(chosen),
        n_clusters=k,
        n_rows_usable=n_usable,
        n_rows_excluded=excluded,
        n_distinct=n_distinct,
        message=note,
    )


# --------------------------------------------------------------------------- downloads


def _with_labels(
    frame: pd.DataFrame, labels: object, label_column: str
) -> tuple[pd.DataFrame, str]:
    ids = validate_frame_labels(frame, labels)
    name = label_column
    suffix = 2
    while name in frame.columns:  # never overwrite a column of the user's file
        name = f"{label_column}_{suffix}"
        suffix += 1
    labelled = frame.reset_index(drop=True).copy()
    labelled[name] = ids.astype(np.int64)
    return labelled, name


def labelled_rows_csv(
    frame: pd.DataFrame, labels: np.ndarray, *, label_column: str = "cluster"
) -> bytes:
    """Return the rows with their cluster id as spreadsheet-safe UTF-8 CSV.

    Written by ``components.engine.export.to_safe_csv``: text cells (and column names) that a
    spreadsheet would run as a formula (starting with ``= + - @``, tab or carriage return) get a
    leading apostrophe, numeric columns are written unchanged, and lines end in CRLF so that a
    cell holding a lone carriage return is quoted.

    Parameters
    ----------
    frame : pd.DataFrame
        The rows (e.g. ``PlacesData.frame``).
    labels : array-like of int, shape (len(frame),)
        Cluster id per row (-1 = not clustered, written as -1).
    label_column : str
        Name of the added column; ``cluster_2``, ``cluster_3`` ... if the name is taken.

    Returns
    -------
    bytes
        CSV text, UTF-8.
    """
    labelled, _ = _with_labels(frame, labels, label_column)
    return to_safe_csv(labelled)


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
    labelled, _ = _with_labels(frame, labels, label_column)
    names = [str(name) for name in labelled.columns]
    # Converting whole columns at once is ~5x faster than converting cell by cell.
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
