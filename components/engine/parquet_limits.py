"""Bounds on a Parquet file, checked from its footer before any column is decoded, and its read.

Pure Python (no Streamlit). A Parquet file's bytes are compressed, so its size says little
about what decoding it takes: a 1 MB file of one repeated value can decode to gigabytes.
Everything a read will cost is therefore checked first, from the file's own footer
(:func:`check_parquet_limits`: the footer's length from the last 8 bytes, then the footer
itself through ``pyarrow.parquet.ParquetFile`` on a ``BufferReader``), against the limits
of :mod:`components.engine.csv_limits` that a CSV gets too:

- the file at most ``MAX_CSV_BYTES`` (the one upload byte limit);
- at most ``MAX_COLUMNS`` columns, ``MAX_DATA_ROWS`` rows and ``MAX_CELLS`` cells;
- its data, uncompressed (the row groups' ``total_byte_size``), at most ``MAX_CSV_BYTES``
  too, in all and in any one row group;
- a footer of at most ``MAX_FOOTER_BYTES`` and at most ``MAX_ROW_GROUPS`` row groups, so
  that reading the footer itself is bounded.

Only flat columns are read: numbers (integers, floats, decimals, dictionary-encoded ones)
become float64 with NaN where a value is null; text (strings, dictionary-encoded strings)
stays text with "" where a value is null; booleans, dates, times and timestamps become
their text. Lists, structs, maps and binary columns are refused with the column's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from components.engine.csv_limits import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_CSV_BYTES,
    MAX_DATA_ROWS,
    check_size,
    size_text,
)
from components.engine.csv_text import shown_names

MAGIC = b"PAR1"  # the first and last four bytes of every Parquet file
PARQUET_EXTENSIONS: tuple[str, ...] = (".parquet", ".pq")
# A footer holds about 100-300 bytes per column per row group: 16 MB is 1,000 columns in
# dozens of row groups.
MAX_FOOTER_BYTES = 16 * 1024 * 1024
# pyarrow and Spark write row groups of 64k-1M rows or 128 MB: a 2,000,000-row file has a
# few dozen. Thousands of tiny ones make a read slow for nothing.
MAX_ROW_GROUPS = 10_000
_SHOWN_NAMES = 8
_HINT = "Export the table again, as Parquet or as CSV, and upload the new file."
# The flat column types read as numbers, and as text (booleans, dates and times as their text).
_NUMBER_TYPES = (pa.types.is_integer, pa.types.is_floating, pa.types.is_decimal)
_TEXT_TYPES = (
    pa.types.is_string,
    pa.types.is_large_string,
    pa.types.is_string_view,
    pa.types.is_boolean,
    pa.types.is_temporal,
    pa.types.is_null,
)
_BINARY_TYPES = (pa.types.is_binary, pa.types.is_large_binary, pa.types.is_fixed_size_binary)


@dataclass(frozen=True)
class ParquetShape:
    """What the footer says, within the limits.

    Attributes
    ----------
    names : tuple of str
        The columns' names, as stored (not cleaned).
    n_rows : int
        Rows.
    uncompressed_bytes : int
        The data's size once decompressed (sum of the row groups' ``total_byte_size``).
    """

    names: tuple[str, ...]
    n_rows: int
    uncompressed_bytes: int


def is_parquet(data: bytes, filename: str | None = None) -> bool:
    """True when a file is Parquet: its name ends in .parquet or .pq, or it starts with PAR1.

    Parameters
    ----------
    data : bytes
        The file's content.
    filename : str, optional
        Its name.

    Returns
    -------
    bool
        Whether to read it as Parquet.
    """
    named = filename is not None and filename.lower().endswith(PARQUET_EXTENSIONS)
    return named or bytes(data[:4]) == MAGIC


def _looks_like_text(start: bytes) -> bool:
    """True when a file's first bytes are UTF-8 text (a CSV given a Parquet name)."""
    if not start.strip() or b"\x00" in start:
        return False
    try:
        start.decode("utf-8")
    except UnicodeDecodeError as failure:  # a character cut short at the end is still text
        return failure.start > len(start) - 4
    return True


def _check_footer(data: bytes, error: type[Exception]) -> None:
    """Check the markers, and the footer's length (last 8 bytes) against the file and the limit."""
    if data[:4] != MAGIC and _looks_like_text(data[:1024]):
        raise error(
            "The file is named like a Parquet file (.parquet or .pq) but holds text: if it is "
            "a CSV, give it a name ending in .csv and upload it again."
        )
    if len(data) < 12 or data[:4] != MAGIC:
        raise error(
            "The file is not a valid Parquet file: it does not start with the Parquet marker "
            f"'PAR1' (a Parquet file is named .parquet or .pq). {_HINT}"
        )
    if data[-4:] != MAGIC:
        raise error(
            "The file is not a complete Parquet file: it does not end with the Parquet marker "
            "'PAR1', so it was probably cut off during the upload or the export. Upload the "
            "whole file again."
        )
    length = int.from_bytes(data[-8:-4], "little")
    if length > len(data) - 12:
        raise error(
            "The file is not a valid Parquet file: its last bytes say that its list of "
            f"columns takes {length:,} bytes, but the file has only {len(data):,}. It is "
            f"damaged or was cut short. {_HINT}"
        )
    if length > MAX_FOOTER_BYTES:
        raise error(
            f"The Parquet file's list of columns and row groups (the blocks it stores its rows "
            f"in) is {size_text(length)}; at most {size_text(MAX_FOOTER_BYTES)} is accepted. "
            "Export it with fewer columns, or with fewer, larger row groups."
        )


def _is_any_of(kind: pa.DataType, tests: tuple[Callable[[pa.DataType], bool], ...]) -> bool:
    """True when a column type (or a dictionary-encoded one's values) passes one of the tests."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return any(test(kind) for test in tests)


def is_number_type(kind: pa.DataType) -> bool:
    """True for a column type read as numbers: integers, floats, decimals (or dictionaries of)."""
    return _is_any_of(kind, _NUMBER_TYPES)


def _kind_text(kind: pa.DataType) -> str:
    """A column type this reader does not take, in words (not Arrow's ``list<item: ...>``)."""
    if pa.types.is_dictionary(kind):
        return _kind_text(kind.value_type)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return "lists (several values in one cell)"
    if pa.types.is_struct(kind):
        return "records (several named values in one cell)"
    if pa.types.is_map(kind):
        return "maps (keys and values in one cell)"
    if any(test(kind) for test in _BINARY_TYPES):
        return "binary data (raw bytes, such as images or files)"
    return f"values of a kind that is not read ({kind})"


def check_parquet_limits(data: bytes, *, error: type[Exception] = ValueError) -> ParquetShape:
    """Check a Parquet file's size, shape and column types from its footer alone.

    Parameters
    ----------
    data : bytes
        The file's content; it and its uncompressed data are at most ``MAX_CSV_BYTES``.
    error : exception class
        What to raise (the caller's own error type, e.g. ``PlacesError``).

    Returns
    -------
    ParquetShape
        The column names, rows, row groups and uncompressed size.

    Raises
    ------
    error
        When the file is corrupt or cut off, over a limit (the message names the value and
        the limit), or holds a nested or binary column (named, with its type).
    """
    check_size(len(data), MAX_CSV_BYTES, error=error)
    _check_footer(data, error)
    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        metadata = parquet.metadata
        schema = parquet.schema_arrow
    except (pa.ArrowException, OSError, ValueError, TypeError) as failure:
        # The reader's own words ("Couldn't deserialize thrift") say nothing to the person.
        raise error(
            "The file is not a valid Parquet file: its list of columns cannot be read, so it "
            f"is damaged or was cut short. {_HINT}"
        ) from failure
    n_rows, n_leaves, n_groups = metadata.num_rows, metadata.num_columns, metadata.num_row_groups
    if n_leaves > MAX_COLUMNS:
        raise error(
            f"The file has {n_leaves:,} columns; at most {MAX_COLUMNS:,} are accepted. Keep the "
            "columns you need and upload again."
        )
    if n_rows > MAX_DATA_ROWS:
        raise error(
            f"The file has {n_rows:,} rows; at most {MAX_DATA_ROWS:,} are accepted. Upload a "
            "smaller extract (fewer rows)."
        )
    if n_rows * n_leaves > MAX_CELLS:
        raise error(
            f"The file has {n_rows:,} rows of {n_leaves:,} columns, {n_rows * n_leaves:,} cells; "
            f"at most {MAX_CELLS:,} are accepted. Keep the columns you need or upload fewer rows."
        )
    if n_groups > MAX_ROW_GROUPS:
        raise error(
            f"The file has {n_groups:,} row groups (the blocks a Parquet file stores its rows "
            f"in); at most {MAX_ROW_GROUPS:,} are accepted. Export it with fewer, larger row "
            "groups (a million rows each is plenty), or as CSV."
        )
    uncompressed, counted = 0, 0
    for index in range(n_groups):
        group = metadata.row_group(index)
        if group.total_byte_size > MAX_CSV_BYTES:
            raise error(
                f"Row group {index + 1:,} of the file holds {size_text(group.total_byte_size)} "
                f"once uncompressed; at most {size_text(MAX_CSV_BYTES)} are accepted in all. "
                "Keep the columns you need or upload fewer rows."
            )
        uncompressed += max(group.total_byte_size, 0)
        counted += group.num_rows
    if uncompressed > MAX_CSV_BYTES:
        raise error(
            f"The file's data is {size_text(uncompressed)} once uncompressed; at most "
            f"{size_text(MAX_CSV_BYTES)} is accepted. Keep the columns you need or upload fewer "
            "rows."
        )
    if counted != n_rows:
        raise error(
            f"The file is not a valid Parquet file: its row groups hold {counted:,} rows but "
            f"its list of columns says {n_rows:,}. It is damaged. {_HINT}"
        )
    for field in schema:
        if not _is_any_of(field.type, _NUMBER_TYPES + _TEXT_TYPES):
            raise error(
                f"Column '{field.name}' holds {_kind_text(field.type)}; only columns of single "
                "numbers, text, true/false values or dates are read. Drop that column, or split "
                "it into columns of single values, and upload again."
            )
    return ParquetShape(
        names=tuple(schema.names),
        n_rows=n_rows,
        uncompressed_bytes=uncompressed,
    )


def _column(values: pa.ChunkedArray) -> pd.Series:
    """A column as the CSV reader has it: float64 numbers (NaN), or text ("" when empty)."""
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    if is_number_type(values.type):
        return pd.Series(values.cast(pa.float64(), safe=False).to_numpy(), dtype=np.float64)
    text = values.cast(pa.string()).fill_null("")
    return pd.Series(text.to_numpy(zero_copy_only=False), dtype=str)


def read_parquet_columns(data: bytes, *, error: type[Exception]) -> list[tuple[str, pd.Series]]:
    """Read a Parquet file's columns, once its footer is within the limits.

    Parameters
    ----------
    data : bytes
        The file's content, within the limits of :func:`check_parquet_limits`.
    error : exception class
        What to raise.

    Returns
    -------
    list of (str, pd.Series)
        Each column by its stored name (repeats possible): float64 numbers with NaN for a
        null, or text with "" for a null.

    Raises
    ------
    error
        When a limit is passed, or the file is corrupt (the message says so, never a
        traceback), or has no rows.
    """
    shape = check_parquet_limits(data, error=error)
    if shape.n_rows == 0:
        raise error(
            f"The file has columns ({shown_names(shape.names, _SHOWN_NAMES)}) but no data rows. "
            "Add one row per place, or export the table again."
        )
    try:
        table = pq.ParquetFile(pa.BufferReader(data)).read()
        if table.num_rows != shape.n_rows:
            raise ValueError(f"read {table.num_rows:,} rows where the footer says {shape.n_rows:,}")
        return [
            (name, _column(table.column(index))) for index, name in enumerate(table.column_names)
        ]
    except (pa.ArrowException, OSError, ValueError, TypeError) as failure:
        raise error(
            f"The Parquet file's data cannot be read, so it is damaged or was cut short. {_HINT}"
        ) from failure
