"""Bounds on a CSV's bytes, checked before any parser sees them.

Pure Python (no Streamlit). A parser's time must not depend on what a hostile file makes it
do: pandas numbers repeated column names in time quadratic in the number of columns (one
long line ``a,a,a,...`` holds the server), so the column count is read from the
first line's bytes, and every line's length and the number of lines are bounded, all in
one linear scan, before parsing starts. Both readers of user bytes use these checks: the
places upload (:mod:`components.engine.upload`) and the housing CSV
(:mod:`components.engine.data`).

Limits, stated once (a Parquet upload gets the same, :mod:`components.engine.parquet_limits`):

- ``MAX_CSV_BYTES`` = 100 MB per file, CSV or Parquet (the one upload byte limit; the
  server's ``maxUploadSize`` in ``.streamlit/config.toml`` is the same);
- ``MAX_LINE_BYTES`` = 100,000 bytes per line (a row of 1,000 numbers takes about 20,000);
- ``MAX_COLUMNS`` = 1,000 columns, counted in the header line;
- ``MAX_DATA_ROWS`` = 2,000,000 rows (lines after the header; a line break inside quotes
  counts too, so the bound is on lines);
- ``MAX_CELLS`` = 12,000,000 cells (rows times header columns, e.g. 2,000,000 rows of six
  columns): the parsed table's memory grows with its cells as much as with its bytes.

Why these sizes: what one read may cost on a 2-core machine of a few GB, beside the other
users. A read's memory grows with a CSV's bytes and with a Parquet file's cells and
uncompressed bytes (BENCHMARKS.md, "Measured defaults"); at these limits any accepted file
reads within about 1 GB, and the row cap keeps its fit within about as much again. For a
CSV of latitude, longitude and a value, the row cap, not the bytes, is the limit.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np

MAX_CSV_BYTES = 100 * 1024 * 1024
MAX_LINE_BYTES = 100_000
MAX_COLUMNS = 1_000  # more columns than this is not a table of places
MAX_DATA_ROWS = 2_000_000
MAX_CELLS = 12_000_000  # 2,000,000 rows of six columns
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
_SCAN_CHUNK_BYTES = 4 * 1024 * 1024  # the line scan holds a few arrays of this size
_NEWLINE = 10  # b"\n"


class CsvLimitError(ValueError):
    """A CSV exceeds a limit; the message names the limit and what to do."""


@dataclass(frozen=True)
class CsvShape:
    """What the scan found, within the limits.

    Attributes
    ----------
    header : str
        The first non-blank line, decoded (bad bytes replaced; the full decode reports them),
        without a byte-order mark or line end.
    delimiter : str
        The given delimiter, or the one of :data:`DELIMITERS` the header holds most often
        (comma when it holds none).
    """

    header: str
    delimiter: str


def size_text(n_bytes: int) -> str:
    """A size for people: bytes below 1 MB, else MB with one decimal."""
    return f"{n_bytes / (1024 * 1024):.1f} MB" if n_bytes >= 1024 * 1024 else f"{n_bytes:,} bytes"


def check_size(n_bytes: int, max_bytes: int, *, error: type[Exception]) -> None:
    """Raise ``error`` when a file of ``n_bytes`` is larger than ``max_bytes``."""
    if n_bytes > max_bytes:
        size, limit = size_text(n_bytes), size_text(max_bytes)
        if size == limit:  # just over: "100.0 MB; the limit is 100.0 MB" would puzzle
            size, limit = f"{n_bytes:,} bytes", f"{limit} ({max_bytes:,} bytes)"
        raise error(
            f"The file is {size}; the limit is {limit}. Upload a smaller extract (fewer rows "
            "or columns)."
        )


def _longest_line(data: bytes, max_line_bytes: int) -> tuple[int, int, int]:
    """(length of the longest line, its 1-based number, lines) in one linear scan.

    Stops at the first line longer than ``max_line_bytes`` (the line count is then the
    lines up to it).
    """
    view = np.frombuffer(data, dtype=np.uint8)
    longest, longest_at, n_newlines, line_start = 0, 1, 0, 0
    for start in range(0, view.size, _SCAN_CHUNK_BYTES):
        chunk_end = min(start + _SCAN_CHUNK_BYTES, view.size)
        ends = np.flatnonzero(view[start:chunk_end] == _NEWLINE) + start
        if ends.size:
            lengths = np.diff(ends, prepend=line_start - 1) - 1
            at = int(lengths.argmax())
            if int(lengths[at]) > longest:
                longest, longest_at = int(lengths[at]), n_newlines + at + 1
            n_newlines += int(ends.size)
            line_start = int(ends[-1]) + 1
        if longest > max_line_bytes:
            return longest, longest_at, n_newlines
        if chunk_end - line_start > max_line_bytes:  # the open line is already too long
            end = data.find(b"\n", chunk_end)
            length = (view.size if end < 0 else end) - line_start
            return length, n_newlines + 1, n_newlines + 1
    tail = view.size - line_start
    if tail > longest:
        longest, longest_at = tail, n_newlines + 1
    return longest, longest_at, n_newlines + (1 if tail else 0)


def _header(data: bytes) -> str:
    """The first non-blank line, decoded, without a byte-order mark."""
    body = data.removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n")
    end = body.find(b"\n")
    line = body if end < 0 else body[:end]
    return line.rstrip(b"\r").decode("utf-8", errors="replace")


def _count_fields(header: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([header], delimiter=delimiter), []))
    except csv.Error:  # e.g. a quote left open: count every delimiter (an upper bound)
        return header.count(delimiter) + 1


def check_csv_limits(
    data: bytes,
    *,
    delimiter: str | None = None,
    error: type[Exception] = CsvLimitError,
) -> CsvShape:
    """Check a CSV's lines and columns from its bytes, in time linear in its size.

    Parameters
    ----------
    data : bytes
        The file's content (the size is checked by :func:`check_size` first).
    delimiter : str, optional
        The delimiter; default: the one of :data:`DELIMITERS` the header holds most often.
    error : exception class
        What to raise (the caller's own error type, e.g. ``PlacesError``).

    Returns
    -------
    CsvShape
        The header and the delimiter.

    Raises
    ------
    error
        When a line is too long, the header has too many columns or there are too many lines;
        the message names the value found, the limit and what to do.
    """
    longest, longest_at, n_lines = _longest_line(data, MAX_LINE_BYTES)
    if longest > MAX_LINE_BYTES:
        where = "The first line (the header)" if longest_at == 1 else f"Line {longest_at:,}"
        raise error(
            f"{where} of the file is {size_text(longest)} long; lines of at most "
            f"{MAX_LINE_BYTES:,} bytes are accepted. Check that the file has one place per "
            "line (a table, not one long line) and shorten very long text cells."
        )
    header = _header(data)
    counts = {mark: header.count(mark) for mark in DELIMITERS}
    most = max(DELIMITERS, key=counts.__getitem__)  # ties -> earlier in DELIMITERS
    chosen = delimiter if delimiter is not None else (most if counts[most] > 0 else ",")
    n_columns = _count_fields(header, chosen)
    if n_columns > MAX_COLUMNS:
        raise error(
            f"The file has {n_columns:,} columns; at most {MAX_COLUMNS:,} are accepted "
            "(counted in its header line). Keep the columns you need and upload again."
        )
    if n_lines > MAX_DATA_ROWS + 1:
        raise error(
            f"The file has {n_lines:,} lines; at most {MAX_DATA_ROWS + 1:,} are accepted (a "
            f"header and {MAX_DATA_ROWS:,} rows). Upload a smaller extract (fewer rows)."
        )
    n_cells = max(n_lines - 1, 0) * n_columns
    if n_cells > MAX_CELLS:
        raise error(
            f"The file has {n_lines - 1:,} rows of {n_columns:,} columns, {n_cells:,} cells; at "
            f"most {MAX_CELLS:,} are accepted. Keep the columns you need or upload fewer rows."
        )
    return CsvShape(header=header, delimiter=chosen)
