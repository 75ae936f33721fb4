"""The hostile inputs of issue 11, in one place: files, URL values, data-file faults, strings.

Each entry states the message the user must get (a substring of it, as plain text). The same
catalogue runs on the module path (``test_catalogue_engine.py``), through AppTest
(``test_catalogue_app.py``) and, for a dozen entries, in a real browser
(``tests/e2e/test_hostile_browser.py``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from components.engine import data
from components.engine.messages import Code, Message
from tests.markdown_shown import split_code
from tests.reference_data import HOUSING_CSV, PROJECT_ROOT, SHIPPED_GZ

# Markdown escapes and the word joiner that breaks autolinks (components/ui/text.py).
_ESCAPED = re.compile(r"\\(.)")
_WORD_JOINER = "\u2060"

# Text that some sink could turn into markup or code: Markdown links and emphasis, bare URLs
# and e-mail addresses (autolinks), HTML, Streamlit directives and maths, plotly's HTML-like
# labels, deck.gl's JSON-converter prefixes, formula starts, control characters.
HOSTILE_STRINGS: tuple[str, ...] = (
    "[link](http://example.com/phish)",
    "**bold**",
    "http://example.com",
    "https://example.com/a?b=c",
    "www.example.com",
    "mail@example.com",
    "<a href=http://x>x</a>",
    "<script>alert(1)</script>",
    "<b>bold</b>",
    "<img src=x onerror=alert(1)>",
    "$x$",
    "$$\\frac{1}{2}$$",
    ":red[alarm]",
    ":material/warning:",
    "![img](http://example.com/a.png)",
    "# heading",
    "> quote",
    "`code`",
    "@@#GL.ONE",
    "@@=this",
    "@@=[1,2]",
    "@@type",
    '=HYPERLINK("http://x")',
    "{0}",
    "&amp; &lt;",
    "line\nbreak",
)


def plain(markdown: str) -> str:
    """The text a reader sees of Markdown the app escaped: backslashes, word joiners and the
    backticks around code gone (tests/markdown_shown.py shows it as the page does)."""
    return "".join(
        piece if is_code else _ESCAPED.sub(r"\1", piece).replace(_WORD_JOINER, "")
        for piece, is_code in split_code(markdown)
    )


# What no message may say (outside its code: a Python snippet may name pyproj): the names of
# the libraries that read the file, the parser's own words, Python's exception names and
# byte offsets. Case matters for "NaN": a file's own spelling "nan" may be quoted.
JARGON = re.compile(
    r"(?i:pandas|pyarrow|numpy|pyproj|scikit|sklearn|streamlit|thrift|deserializ|C error|"
    r"tokeniz|Traceback|Errno|byte offset|offset \d|dtype|utf-8-sig|invalid start byte|"
    r"end-of-stream|codec|\bNUL\b|\b0x[0-9a-f]+)|\b\w*(?:Error|Exception|Warning)\b|NaN"
)


def plain_parts(text: str) -> str:
    """The prose of a message, each code part replaced by a space (a plain ``str`` is all
    prose)."""
    if not isinstance(text, Message):
        return str(text)
    return "".join(" " if isinstance(part, Code) else part for part in text.parts)


def jargon(text: str) -> list[str]:
    """The forbidden fragments in a message's prose (its code parts are left out)."""
    return JARGON.findall(plain_parts(text))


# ------------------------------------------------------------------------------------ files

DATA_ROWS = b"A,45.19,5.72,3.2\nB,45.57,5.92,2.9\nC,45.90,6.13,4.1\nD,45.20,5.70,3.0\n"
GOOD = b"name,latitude,longitude,price\n" + DATA_ROWS


@dataclass(frozen=True)
class FileCase:
    """An upload and what the page must say.

    Attributes
    ----------
    id : str
        The case's name (the test id).
    name : str
        The file name the browser sends.
    make : callable
        Builds the bytes (big files are built only when a test runs).
    expect : str
        A substring of the message the user gets, as plain text: the error of a refused file,
        a note (``PlacesData.notes`` or a column's coercion) of a file that is read ("" when
        a read file gets no note).
    n_rows : int
        0: the file is refused. Otherwise it is read, and the Data page says "<n_rows>
        places read from <name>".
    slow : bool
        Builds or reads many megabytes.
    """

    id: str
    name: str
    make: Callable[[], bytes]
    expect: str
    n_rows: int = 0
    slow: bool = False

    @property
    def refused(self) -> bool:
        """True when the file must be refused."""
        return self.n_rows == 0

    @property
    def content(self) -> bytes:
        """The file's bytes."""
        return self.make()


def _fixed(content: bytes) -> Callable[[], bytes]:
    return lambda: content


def _rows(n: int, cells: Callable[[int], str]) -> bytes:
    return "".join(cells(i) + "\n" for i in range(n)).encode()


def parquet_bytes(table: pa.Table | dict[str, object], **options: object) -> bytes:
    """A Parquet file of ``table`` as pyarrow writes it (``options`` go to ``write_table``)."""
    sink = pa.BufferOutputStream()
    pq.write_table(table if isinstance(table, pa.Table) else pa.table(table), sink, **options)
    return sink.getvalue().to_pybytes()


GOOD_PARQUET_COLUMNS: dict[str, list[object]] = {
    "name": ["A", "B", "C", "D"],
    "latitude": [45.19, 45.57, 45.90, 45.20],
    "longitude": [5.72, 5.92, 6.13, 5.70],
    "price": [3.2, 2.9, 4.1, 3.0],
}  # GOOD's rows


def _good_parquet() -> bytes:
    return parquet_bytes(GOOD_PARQUET_COLUMNS)


def _parquet_with(name: str, values: pa.Array) -> Callable[[], bytes]:
    """GOOD's rows as Parquet, with one more column."""

    def make() -> bytes:
        return parquet_bytes(pa.table({**GOOD_PARQUET_COLUMNS, name: values}))

    return make


def _corrupt_footer() -> bytes:
    good = _good_parquet()
    length = int.from_bytes(good[-8:-4], "little")
    start = len(good) - 8 - length
    return good[:start] + b"\xff" * length + good[-8:]


def _constant_columns(n_rows: int, n_columns: int) -> bytes:
    column = pa.array(np.zeros(n_rows, dtype=np.int8))
    return parquet_bytes(pa.table({f"c{i}": column for i in range(n_columns)}))


def _uncompressed_over_limit() -> bytes:
    # 11 row groups of 160,000 rows, 20 MB each once uncompressed, 222 MB in all (1,760,000
    # rows: within the row and cell caps), that zstd writes in 95 KB: a decompression bomb
    # (over the 100 MB uncompressed limit with room to spare).
    rows = pa.table(
        {"latitude": pa.array(np.full(160_000, 45.0)), "v": pa.array(["x" * 120] * 160_000)}
    )
    sink = pa.BufferOutputStream()
    with pq.ParquetWriter(sink, rows.schema, compression="zstd", use_dictionary=False) as writer:
        for _ in range(11):
            writer.write_table(rows)
    return sink.getvalue().to_pybytes()


HOSTILE_HEADER = "name,latitude,longitude,[link](http://example.com/phish),**bold**,<b>x</b>"
HOSTILE_NAMES_FILE = (
    HOSTILE_HEADER
    + "\n"
    + "".join(
        f"{cell},{45 + i / 10:.2f},{5 + i / 7:.3f},{i * 1.5},{i % 3},{i * 2}\n"
        for i, cell in enumerate(
            [
                "@@#GL.ONE",
                "@@=this",
                "[click](http://example.com)",
                "**bold**",
                "<script>alert(1)</script>",
                '=HYPERLINK("http://x")',
                "http://example.com",
                "$x$",
            ]
        )
    )
).encode()

FILES: tuple[FileCase, ...] = (
    FileCase("empty", "places.csv", _fixed(b""), "The file is empty"),
    FileCase("blank-lines", "places.csv", _fixed(b"\n \r\n\n"), "The file is empty"),
    FileCase("xlsx", "places.csv", _fixed(b"PK\x03\x04" + b"x" * 50), "Excel .xlsx"),
    FileCase("xls", "places.csv", _fixed(b"\xd0\xcf\x11\xe0" + b"x" * 50), "old Excel .xls"),
    FileCase("pdf", "places.csv", _fixed(b"%PDF-1.7\n..."), "a PDF document"),
    FileCase("gzip", "places.csv", _fixed(b"\x1f\x8b\x08\x00rest"), "a gzip archive"),
    FileCase("png", "places.csv", _fixed(b"\x89PNG\r\n\x1a\n"), "a PNG image"),
    FileCase("jpeg", "places.csv", _fixed(b"\xff\xd8\xff\xe0rest"), "a JPEG image"),
    FileCase("gif", "places.csv", _fixed(b"GIF89a...."), "a GIF image"),
    FileCase("nul-byte", "places.csv", _fixed(b"lat,lon\n1,2\x00\n"), "line 2 holds a zero byte"),
    FileCase(
        "utf-16",
        "places.csv",
        _fixed("lat,lon\n1,2\n".encode("utf-16")),
        "The file is saved as UTF-16 text (its first bytes say so; Excel's 'Unicode Text' is",
    ),
    FileCase(
        "utf-16-no-marker",
        "places.csv",
        _fixed("lat,lon\n45.1,5.7\n45.2,5.8\n".encode("utf-16-le")),
        "The file looks like UTF-16 text (every other byte is zero)",
    ),
    FileCase(
        "utf-32",
        "places.csv",
        _fixed("lat,lon\n1,2\n".encode("utf-32")),
        "The file is saved as UTF-32 text",
    ),
    FileCase(
        "latin-1",
        "places.csv",
        _fixed("name,lat,lon\nCaf\xe9,45.1,5.7\n".encode("latin-1")),
        "not UTF-8 text: line 2 has a character after 'Caf' that is saved in another encoding. "
        "It is probably 'é'",
    ),
    FileCase(
        "xlsx-name", "places.xlsx", _fixed(GOOD), "'places.xlsx' is not a CSV or Parquet file"
    ),
    FileCase(
        "json-name", "places.json", _fixed(GOOD), "'places.json' is not a CSV or Parquet file"
    ),
    FileCase("header-only", "places.csv", _fixed(b"name,lat,lon\n"), "but no data rows"),
    FileCase("no-coordinates", "places.csv", _fixed(b"name,price\nA,1\nB,2\n"), "No coordinates"),
    FileCase("latitude-only", "places.csv", _fixed(b"lat,price\n1,2\n3,4\n"), "a longitude column"),
    FileCase("latitude-twice", "places.csv", _fixed(b"lat,lat\n1,2\n3,4\n"), "a longitude column"),
    FileCase(
        "out-of-range",
        "places.csv",
        _fixed(b"lat,lon\n95,5\n45,5.1\n46,5.2\n"),
        "latitude must be in [-90, 90]",
    ),
    FileCase(
        "swapped",
        "places.csv",
        _fixed(b"lat,lon\n-118.2,34.1\n-122.4,37.8\n-117.2,32.7\n"),
        "The columns look swapped",
    ),
    FileCase(
        "projected-metres",
        "places.csv",
        _fixed(b"lat,lon\n5000000,600000\n5000100,600100\n"),
        "These look like metres in a projected coordinate system, not degrees",
    ),
    FileCase(
        "projected-british-grid",
        "places.csv",
        _fixed(b"name,y,x\nA,180000,530000\nB,181000,531000\nC,182500,529000\n"),
        "British National Grid (Great Britain, EPSG:27700)",
    ),
    FileCase(
        "coordinate-words",
        "places.csv",
        _fixed(b"lat,lon\nnorth,5\n45,5.1\n"),
        "value(s) that are not numbers, e.g. 'north' in data row(s) 1",
    ),
    FileCase(
        "coordinates-all-empty", "places.csv", _fixed(b"lat,lon,v\n,,1\n,,2\n"), "No row has both"
    ),
    FileCase(
        "all-identical",
        "places.csv",
        _fixed(b"lat,lon\n45,5\n45,5\n45,5\n"),
        "All 3 rows are identical",
    ),
    FileCase(
        "ragged",
        "places.csv",
        _fixed(b"lat,lon,v\n45,5,1\n46,6,2,3,4\n"),
        "Line 3 of the file (data row 2) has 5 values, but the header names 3 (lat, lon, v)",
    ),
    FileCase(
        "first-row-longer",  # pandas would shift every value one column to the left
        "places.csv",
        _fixed(b"lat,lon\n45.1,5.7,\n45.2,5.8,\n"),
        "Line 2 of the file (data row 1) has 3 values, but the header names 2 (lat, lon)",
    ),
    FileCase(
        "open-quote",
        "places.csv",
        _fixed(b'name,lat,lon\n"A,45,5\nB,46,6\n'),
        "Line 2 of the file opens a quote that is never closed",
    ),
    FileCase(
        "one-line-5mb",
        "places.csv",
        lambda: b"a," * (5 * 1024 * 1024 // 2),
        "The first line (the header) of the file is 5.0 MB long; lines of at most 100,000",
    ),
    FileCase(
        "header-40000-names",
        "places.csv",
        lambda: (",".join(["a"] * 40_000) + "\n" + ",".join(["1"] * 40_000) + "\n").encode(),
        "40,000 columns; at most 1,000 are accepted",
    ),
    FileCase(
        "columns-1001",
        "places.csv",
        lambda: (
            (",".join(["lat", "lon", *[f"c{i}" for i in range(999)]]) + "\n").encode()
            + (",".join(["1"] * 1001) + "\n").encode()
        ),
        "1,001 columns; at most 1,000 are accepted",
    ),
    FileCase(
        "long-line-later",
        "places.csv",
        lambda: b"lat,lon,name\n45,5,a\n46,6," + b"x" * 150_000 + b"\n",
        "Line 3 of the file is 150,005 bytes long",
    ),
    FileCase(
        "too-many-lines",
        "places.csv",
        lambda: b"lat,lon\n" + b"1,2\n" * 2_000_001,
        "2,000,002 lines; at most 2,000,001 are accepted",
        slow=True,
    ),
    FileCase(
        "over-100-mb",
        "places.csv",
        lambda: b"lat,lon\n" + b"45.1,5.1\n" * (100 * 1024 * 1024 // 9 + 1),
        "the limit is 100.0 MB",
        slow=True,
    ),
    # Parquet: bounded from the footer before any column is decoded.
    FileCase(
        "parquet-truncated",
        "places.parquet",
        lambda: _good_parquet()[:-100],
        "not a complete Parquet file: it does not end with the Parquet marker 'PAR1'",
    ),
    FileCase(
        "parquet-footer-length-lies",
        "places.parquet",
        lambda: _good_parquet()[:-8] + (10**9).to_bytes(4, "little") + b"PAR1",
        "its list of columns takes 1,000,000,000 bytes, but the file has only",
    ),
    FileCase(
        "parquet-corrupt-footer",
        "places.parquet",
        _corrupt_footer,
        "The file is not a valid Parquet file: its list of columns cannot be read",
    ),
    FileCase(
        "parquet-magic-only",
        "places.parquet",
        _fixed(b"PAR1PAR1"),
        "not a valid Parquet file: it does not start with the Parquet marker",
    ),
    FileCase(
        "csv-named-parquet",
        "places.parquet",
        _fixed(GOOD),
        "named like a Parquet file (.parquet or .pq) but holds text",
    ),
    FileCase(
        "parquet-list-column",
        "places.parquet",
        _parquet_with("tags", pa.array([["a"], ["b", "c"], [], None])),
        "Column 'tags' holds lists (several values in one cell); only columns of single",
    ),
    FileCase(
        "parquet-struct-column",
        "places.parquet",
        _parquet_with("where", pa.array([{"x": 1}, {"x": 2}, {"x": 3}, {"x": 4}])),
        "Column 'where' holds records (several named values in one cell)",
    ),
    FileCase(
        "parquet-binary-column",
        "places.parquet",
        _parquet_with("blob", pa.array([b"\x00\xff", b"", None, b"x"])),
        "Column 'blob' holds binary data (raw bytes, such as images or files)",
    ),
    FileCase(
        "parquet-zero-rows",
        "places.parquet",
        lambda: parquet_bytes({"latitude": pa.array([], pa.float64()), "longitude": []}),
        "The file has columns (latitude, longitude) but no data rows",
    ),
    FileCase(
        "parquet-columns-1001",
        "places.parquet",
        lambda: _constant_columns(1, 1_001),
        "The file has 1,001 columns; at most 1,000 are accepted",
    ),
    FileCase(
        "parquet-rows-2000001",
        "places.parquet",
        lambda: _constant_columns(2_000_001, 1),
        "The file has 2,000,001 rows; at most 2,000,000 are accepted",
    ),
    FileCase(
        "parquet-cells-14m",
        "places.parquet",
        lambda: _constant_columns(2_000_000, 7),
        "2,000,000 rows of 7 columns, 14,000,000 cells; at most 12,000,000 are accepted",
    ),
    FileCase(
        "parquet-row-groups-10001",
        "places.parquet",
        lambda: parquet_bytes({"latitude": np.zeros(10_001)}, row_group_size=1),
        "The file has 10,001 row groups (the blocks a Parquet file stores its rows in)",
        slow=True,
    ),
    FileCase(
        "parquet-decompression-bomb",
        "places.parquet",
        _uncompressed_over_limit,
        "The file's data is 221.6 MB once uncompressed; at most 100.0 MB is accepted",
    ),
    FileCase(
        "parquet-coordinates-out-of-range",
        "places.parquet",
        lambda: parquet_bytes({"lat": [95.0, 45.0, 46.0], "lon": [5.0, 5.1, 5.2]}),
        "latitude must be in [-90, 90]",
    ),
    FileCase(
        "parquet-coordinate-words",
        "places.parquet",
        lambda: parquet_bytes({"lat": ["north", "45", "46"], "lon": [5.0, 5.1, 5.2]}),
        "value(s) that are not numbers, e.g. 'north' in data row(s) 1",
    ),
    # Parquet, read (with a note where the CSV reader would give one).
    FileCase("parquet-good", "places.parquet", _good_parquet, "", n_rows=4),
    FileCase("parquet-named-csv", "places.csv", _good_parquet, "", n_rows=4),
    FileCase(
        "parquet-infinite",
        "places.pq",
        _parquet_with("v", pa.array([float("inf"), float("-inf"), 1.0, 2.0])),
        "Column 'v': 2 infinite value(s) read as missing",
        n_rows=4,
    ),
    FileCase(
        "parquet-text-numbers",
        "places.parquet",
        _parquet_with("rent", pa.array(["NA", "1,234.5", "12", None])),
        "Column 'rent': 1 cell(s) read as missing ('NA' x1); 1 cell(s) with thousands",
        n_rows=4,
    ),
    FileCase(
        "parquet-hostile-names",
        "hostile.parquet",
        _parquet_with(
            "[link](http://example.com/phish)",
            pa.array(["**bold**", "@@#GL.ONE", "<b>x</b>", "=1+1"]),
        ),
        "",
        n_rows=4,
    ),
    FileCase(
        "markdown-name",
        "[click](http://example.com)**x**.csv",
        _fixed(b""),
        "The file is empty",
    ),
    # Read, with a note.
    FileCase(
        "missing-spellings",
        "places.csv",
        _fixed(
            b"lat,lon,price\n45.1,5.1,NA\n45.2,5.2,null\n45.3,5.3,N/A\n45.4,5.4,nan\n"
            b"45.5,5.5,12\n45.6,5.6,14\n45.7,5.7,#N/A\n45.8,5.8,9\n45.9,5.9,11\n46.0,6.0,13\n"
        ),
        "Column 'price': 5 cell(s) read as missing",
        n_rows=10,
    ),
    FileCase(
        "infinite",
        "places.csv",
        _fixed(b"lat,lon,v\n45.1,5.1,inf\n45.2,5.2,-inf\n45.3,5.3,1\n45.4,5.4,2\n45.5,5.5,3\n"),
        "Column 'v': 2 infinite value(s) read as missing",
        n_rows=5,
    ),
    FileCase(
        "thousands",
        "places.csv",
        _fixed(b'lat,lon,price\n45.1,5.1,"1,234.5"\n45.2,5.2,"12,000"\n45.3,5.3,950\n'),
        "2 cell(s) with thousands separators read as numbers",
        n_rows=3,
    ),
    FileCase(
        "decimal-comma",
        "places.csv",
        _fixed(b"lat;lon;price\n45,1;5,1;1.234,5\n45,2;5,2;2,5\n45,3;5,3;7\n"),
        "with a decimal comma read as numbers",
        n_rows=3,
    ),
    FileCase(
        "mostly-numbers",
        "places.csv",
        _fixed(b"lat,lon,price\n45.1,5.1,1\n45.2,5.2,2\n45.3,5.3,3\n45.4,5.4,call us\n"),
        "Column 'price' is read as text and not offered as a feature: 1 of its 4 filled",
        n_rows=4,
    ),
    FileCase(
        "missing-coordinates",
        "places.csv",
        _fixed(b"lat,lon,v\n45.1,5.1,1\n,5.2,2\n45.3,NA,3\n45.4,5.4,4\n45.5,5.5,5\n"),
        "2 of 5 rows were left out",
        n_rows=3,
    ),
    FileCase(
        "location-only",
        "places.csv",
        _fixed(b"lat,lon,name\n45.1,5.1,a\n45.2,5.3,b\n46.0,6.1,c\n"),
        "clustered by location only",
        n_rows=3,
    ),
    FileCase(
        "constant-column",
        "places.csv",
        _fixed(b"lat,lon,v,w\n45.1,5.1,7,1\n45.2,5.3,7,2\n46.0,6.1,7,3\n"),
        "Column(s) v have a single value",
        n_rows=3,
    ),
    FileCase(
        "hostile-names-and-cells",
        "hostile.csv",
        _fixed(HOSTILE_NAMES_FILE),
        "",
        n_rows=8,
    ),
    FileCase(
        "long-quoted-field",
        "places.csv",
        lambda: b'name,lat,lon\n"' + b"x\n" * 40_000 + b'",45.1,5.1\nB,45.2,5.2\nC,45.3,5.3\n',
        "",
        n_rows=3,
    ),
)


# ------------------------------------------------------------------ files too small to cluster


@dataclass(frozen=True)
class ClusterCase:
    """A file that is read but cannot be clustered on the page's first features.

    Attributes
    ----------
    id : str
        The case's name.
    content : bytes
        The CSV.
    expect : str
        A substring of the message (the page's "cannot be clustered" error), as plain text.
    absent : tuple of str
        Advice the message must not give (it could not be followed).
    """

    id: str
    content: bytes
    expect: str
    absent: tuple[str, ...] = ()


_NO_WAY = ("at most 1", "k = 1", "fewer features", "choose k")
CLUSTER_CASES: tuple[ClusterCase, ...] = (
    ClusterCase(
        "one-place",
        b"name,lat,lon\nA,45.19,5.72\n",
        "The file has 1 place with coordinates; k-means needs at least 3 to form 2 clusters",
        _NO_WAY,
    ),
    ClusterCase(
        "two-places",
        b"name,lat,lon,price\nA,45.19,5.72,3.2\nB,45.57,5.92,2.9\n",
        "The file has 2 places with coordinates; k-means needs at least 3 to form 2 clusters "
        "(2 clusters is the fewest). Add places to the file.",
        _NO_WAY,
    ),
    ClusterCase(
        "feature-mostly-empty",
        b"lat,lon,price\n45.19,5.72,3.2\n45.57,5.92,2.9\n45.90,6.13,\n45.20,5.70,\n",
        "Only 2 of the 4 places have a value for every chosen feature ('price' is empty in 2); "
        "k-means needs at least 3 to form 2 clusters. Leave out 'price' or fill in its empty "
        "cells, or add places to the file.",
        ("at most 1", "choose k"),
    ),
    ClusterCase(
        "one-position",
        b"name,lat,lon\nA,45.19,5.72\nB,45.19,5.72\nC,45.19,5.72\n",
        "The 3 places have the same value of every chosen feature (lat, lon)",
    ),
)


# -------------------------------------------------------------------------------- URL values


@dataclass(frozen=True)
class UrlCase:
    """A link to the Clusters page and the warning it must give.

    Attributes
    ----------
    id : str
        The case's name.
    params : dict of str to str
        The query parameters.
    expect : str
        A substring of one warning, as plain text.
    absent : str
        Text no warning may show ("" for none): e.g. the part of a long value cut off.
    """

    id: str
    params: dict[str, str]
    expect: str
    absent: str = ""


LONG_VALUE = "x" * 19_990 + "END-OF-VALUE"  # 20 KB, the issue's echo
MANY_FEATURES = ",".join(f"nope{i}" for i in range(7))

URL_VALUES: tuple[UrlCase, ...] = (
    UrlCase(
        "k-word", {"k": "abc"}, "Ignored k='abc' from the link: expected an integer in [2, 15]"
    ),
    UrlCase("k-too-big", {"k": "99"}, "Ignored k='99'"),
    UrlCase("k-negative", {"k": "-1"}, "Ignored k='-1'"),
    UrlCase("k-fraction", {"k": "2.5"}, "Ignored k='2.5'"),
    UrlCase("k-nan", {"k": "nan"}, "Ignored k='nan'"),
    UrlCase("k-inf", {"k": "inf"}, "Ignored k='inf'"),
    UrlCase("k-huge", {"k": "1e308"}, "Ignored k='1e308'"),
    UrlCase("k-empty", {"k": ""}, "Ignored k=''"),
    UrlCase(
        "k-markdown-link",
        {"k": "[click here](http://example.com/phish)"},
        "Ignored k='[click here](http://example.com/phish)' from the link",
    ),
    UrlCase("k-bold", {"k": "**bold**"}, "Ignored k='**bold**'"),
    UrlCase("k-script", {"k": "<script>alert(1)</script>"}, "k='<script>alert(1)</script>'"),
    UrlCase("k-newline", {"k": "5\n# heading"}, "Ignored k='5\\n# heading'"),
    UrlCase(
        "k-20kb",
        {"k": LONG_VALUE},
        "Ignored k='" + "x" * 60 + "…' (20,002 characters) from the link",
        absent="END-OF-VALUE",
    ),
    UrlCase(
        "features-markdown-link",
        {"features": "[click here](http://example.com/phish)"},
        "Ignored unknown feature(s) '[click here](http://example.com/phish)' from the link",
    ),
    UrlCase("features-unknown", {"features": "bogus"}, "Ignored unknown feature(s) 'bogus'"),
    UrlCase("features-commas", {"features": ",,,"}, "The link chose no valid feature"),
    UrlCase("features-many", {"features": MANY_FEATURES}, "'nope4' and 2 more from the link"),
    UrlCase(
        "features-20kb",
        {"features": LONG_VALUE},
        "(20,002 characters) from the link",
        absent="END-OF-VALUE",
    ),
    UrlCase("features-html", {"features": "<a href=http://x>x</a>"}, "'<a href=http://x>x</a>'"),
    UrlCase("scaler-unknown", {"scaler": "quantum"}, "Ignored scaler='quantum'"),
    UrlCase("scaler-deck-code", {"scaler": "@@#GL.ONE"}, "Ignored scaler='@@#GL.ONE'"),
    UrlCase("weight-word", {"weight": "abc"}, "Ignored weight='abc'"),
    UrlCase("weight-too-big", {"weight": "11"}, "expected a number in [0, 10]"),
    UrlCase("seed-negative", {"seed": "-5"}, "Ignored seed='-5'"),
    UrlCase("seed-too-big", {"seed": str(2**32)}, "Ignored seed='4294967296'"),
    UrlCase("seed-latex", {"seed": "$x$"}, "Ignored seed='$x$'"),
    UrlCase("n-init", {"n_init": "7"}, "Ignored n_init='7'"),
    UrlCase(
        "split-word", {"split": "maybe"}, "Ignored split='maybe' from the link: expected 1 or 0"
    ),
    UrlCase("missing-word", {"missing": "drop"}, "Ignored missing='drop'"),
    UrlCase("value-url", {"value": "http://example.com"}, "Ignored value='http://example.com'"),
    UrlCase("value-directive", {"value": ":red[alarm]"}, "Ignored value=':red[alarm]'"),
    UrlCase(
        "geographic-without-location",
        {"scaler": "geographic", "features": "median_income"},
        "The geographic scaler needs latitude and longitude among the features",
    ),
)

# More than 1,000 parameters: Streamlit drops the whole query string before the app runs.
DROPPED_QUERY = "&".join(f"p{i}=1" for i in range(1_200))


# ------------------------------------------------------------------------- data-file faults


@dataclass(frozen=True)
class DataFault:
    """A fault of the housing data file and the message the data pages must give.

    Attributes
    ----------
    id : str
        The case's name.
    expect : str
        A substring of the message, as plain text.
    note : bool
        True: the data is used and the message is a note (st.info); False: an error.
    """

    id: str
    expect: str
    note: bool = False


DATA_FAULTS: tuple[DataFault, ...] = (
    DataFault("missing-file", "GEOCLUSTER_DATA points to nowhere.csv, which does not exist"),
    DataFault("directory", "GEOCLUSTER_DATA points to housing_dir, which is a directory, not a"),
    DataFault("pipe", "GEOCLUSTER_DATA points to housing.csv, which is not a regular file"),
    DataFault("unreadable", "The data file locked.csv cannot be read: permission denied"),
    DataFault("cut-mid-row", "1,000 rows against the published 20,640", note=True),
    DataFault("damaged-gzip", "The data file housing.csv.gz is not a readable gzip file"),
    DataFault("binary", "The file is not a CSV: it looks like a PNG image"),
    DataFault("utf-16", "The file is saved as UTF-16 text"),
    DataFault("wrong-columns", "Missing required column(s): the file has none of the housing"),
    DataFault("ragged", "Line 4 of the file (data row 3) has 11 values, but the header names"),
    DataFault("one-line-5mb", "The first line (the header) of the file is 5.0 MB long"),
    DataFault("empty", "The file is empty: it has no header row"),
    DataFault("shipped-missing", "The shipped data file data/no-such-housing.csv.gz is missing"),
)


def arrange_data_fault(fault: DataFault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Set up a data-file fault: GEOCLUSTER_DATA (or the shipped path) as the fault needs."""
    target = tmp_path / "housing.csv"
    if fault.id == "missing-file":
        target = tmp_path / "nowhere.csv"
    elif fault.id == "directory":
        target = tmp_path / "housing_dir"
        target.mkdir()
    elif fault.id == "pipe":
        os.mkfifo(target)
    elif fault.id == "unreadable":
        target = tmp_path / "locked.csv"
        target.write_bytes(HOUSING_CSV.read_bytes())
        target.chmod(0)  # enough when not root; root reads anything, so the read is refused too
        read_bytes = Path.read_bytes

        def refuse(self: Path) -> bytes:
            if self == target:
                raise PermissionError(13, "Permission denied", str(self))
            return read_bytes(self)

        monkeypatch.setattr(Path, "read_bytes", refuse)
    elif fault.id == "cut-mid-row":
        lines = HOUSING_CSV.read_bytes().splitlines(keepends=True)
        target.write_bytes(b"".join(lines[:1000]) + lines[1000][:20])  # 1,000th row cut short
    elif fault.id == "damaged-gzip":
        target = tmp_path / "housing.csv.gz"
        raw = SHIPPED_GZ.read_bytes()
        target.write_bytes(raw[: len(raw) // 3])
    elif fault.id == "binary":
        target.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe" * 100)
    elif fault.id == "utf-16":
        target.write_bytes(HOUSING_CSV.read_text(encoding="utf-8")[:5000].encode("utf-16"))
    elif fault.id == "ragged":
        lines = HOUSING_CSV.read_bytes().splitlines(keepends=True)
        lines[3] = lines[3].rstrip(b"\r\n") + b",9\n"  # one value more than the header names
        target.write_bytes(b"".join(lines[:100]))
    elif fault.id == "wrong-columns":
        target.write_bytes(b"a,b\n1,2\n")
    elif fault.id == "one-line-5mb":
        target.write_bytes(b"a," * (5 * 1024 * 1024 // 2))
    elif fault.id == "empty":
        target.write_bytes(b"")
    elif fault.id == "shipped-missing":
        monkeypatch.delenv("GEOCLUSTER_DATA", raising=False)
        monkeypatch.setattr(
            data, "SHIPPED_DATA_PATH", PROJECT_ROOT / "data" / "no-such-housing.csv.gz"
        )
        return
    else:
        raise ValueError(f"no set-up for the data fault {fault.id!r}")
    monkeypatch.setenv("GEOCLUSTER_DATA", str(target))
