"""Tests for components.engine.csv_limits: every parse is bounded before it starts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from components.engine import csv_limits, upload
from components.engine.csv_limits import (
    MAX_COLUMNS,
    MAX_LINE_BYTES,
    CsvLimitError,
    check_csv_limits,
)
from components.engine.upload import PlacesError, read_places


@pytest.fixture
def parser_never_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if pandas' CSV parser is called: the limits must refuse the file first."""

    def refuse(*args: object, **kwargs: object) -> pd.DataFrame:
        raise AssertionError("pd.read_csv ran on a file the limits should have refused")

    monkeypatch.setattr(upload.pd, "read_csv", refuse)


@pytest.mark.usefixtures("parser_never_runs")
def test_a_csv_over_the_cell_cap_is_refused_before_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert csv_limits.MAX_CELLS == 12_000_000
    header = ",".join(["lat", "lon", *[f"c{i}" for i in range(8)]])
    data = (header + "\n" + "1,2,3,4,5,6,7,8,9,0\n" * 11).encode()
    monkeypatch.setattr(csv_limits, "MAX_CELLS", 100)
    with pytest.raises(CsvLimitError) as info:
        check_csv_limits(data)
    assert "11 rows of 10 columns, 110 cells; at most 100 are accepted" in str(info.value)
    monkeypatch.setattr(csv_limits, "MAX_CELLS", 110)
    check_csv_limits(data)  # at the cap: accepted


@pytest.mark.usefixtures("parser_never_runs")
def test_a_5_mb_line_of_names_is_refused_before_parsing() -> None:
    data = b"a," * (5 * 1024 * 1024 // 2)  # the file: one line, no newline
    with pytest.raises(PlacesError) as info:
        read_places(data, filename="one_line.csv")
    message = str(info.value)
    assert "The first line (the header) of the file is 5.0 MB long" in message
    assert f"at most {MAX_LINE_BYTES:,} bytes" in message and "one place per line" in message


@pytest.mark.usefixtures("parser_never_runs")
def test_a_header_of_40000_names_is_refused_before_parsing() -> None:
    data = (",".join(["a"] * 40_000) + "\n" + ",".join(["1"] * 40_000) + "\n").encode()
    with pytest.raises(PlacesError, match=r"40,000 columns; at most 1,000 are accepted"):
        read_places(data)


@pytest.mark.usefixtures("parser_never_runs")
def test_a_long_line_later_in_the_file_is_named() -> None:
    data = b"lat,lon,name\n1,2,x\n1,2," + b"x" * 200_000 + b"\n3,4,y\n"
    with pytest.raises(PlacesError, match=r"^Line 3 of the file is 200,004 bytes long"):
        read_places(data)


@pytest.mark.usefixtures("parser_never_runs")
def test_too_many_lines_are_refused_before_parsing() -> None:
    data = b"lat,lon\n" + b"1,2\n" * (csv_limits.MAX_DATA_ROWS + 1)
    with pytest.raises(PlacesError) as info:
        read_places(data)
    assert "The file has 2,000,002 lines; at most 2,000,001 are accepted" in str(info.value)


def test_the_column_limit_is_inclusive_and_counts_quoted_names_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    header = ",".join(f"c{i}" for i in range(MAX_COLUMNS))
    check_csv_limits(header.encode() + b"\n")  # at the limit: accepted
    with pytest.raises(CsvLimitError, match="1,001 columns"):
        check_csv_limits((header + ",extra").encode())
    monkeypatch.setattr(csv_limits, "MAX_COLUMNS", 3)
    assert check_csv_limits(b'"name, with comma",lat,lon\nA,1,2\n').delimiter == ","


def test_header_is_the_first_non_blank_line_without_a_byte_order_mark() -> None:
    shape = check_csv_limits(b"\xef\xbb\xbf\r\n\nlat;lon;v\r\n1;2;3\n")
    assert shape.header == "lat;lon;v"
    assert shape.delimiter == ";"


def test_errors_are_raised_as_the_callers_type() -> None:
    class MineError(ValueError):
        pass

    with pytest.raises(MineError):
        check_csv_limits(b"x" * (MAX_LINE_BYTES + 1), error=MineError)
    with pytest.raises(MineError, match=r"2\.0 MB; the limit is 1\.0 MB"):
        csv_limits.check_size(2 * 1024 * 1024, 1024 * 1024, error=MineError)


@pytest.mark.parametrize("seed", range(6))
def test_longest_line_matches_a_plain_scan_across_chunk_edges(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_limits, "_SCAN_CHUNK_BYTES", 7)  # many chunk boundaries
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 30, size=rng.integers(1, 40))
    data = b"\n".join(b"x" * int(n) for n in lengths) + (b"\n" if seed % 2 else b"")
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    longest = max(len(line) for line in lines) if lines else 0
    limit = 1_000
    found, at, n_lines = csv_limits._longest_line(data, limit)
    assert (found, n_lines) == (longest, len(lines))
    assert not lines or len(lines[at - 1]) == longest
    # With a limit under the longest line, the scan stops at the first line over it.
    if longest > 0:
        found, at, _ = csv_limits._longest_line(data, longest - 1)
        first_over = next(i for i, line in enumerate(lines) if len(line) > longest - 1)
        assert (found, at) == (len(lines[first_over]), first_over + 1)
