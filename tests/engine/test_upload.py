"""Tests for components.engine.upload: every bad-file case, good files, numbers as written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from components.engine import upload
from components.engine.cell_numbers import ColumnCoercion
from components.engine.clusterable import check_clusterable
from components.engine.upload import MAX_UPLOAD_BYTES, PlacesData, PlacesError, read_places
from components.figures.deck import view_state_for

GOOD = (
    b"name,latitude,longitude,price\nA,34.05,-118.24,100\nB,37.77,-122.42,250\nC,32.72,-117.16,90\n"
)


def _error(data: bytes, **kwargs: object) -> str:
    with pytest.raises(PlacesError) as info:
        read_places(data, **kwargs)
    assert isinstance(info.value, ValueError)
    return str(info.value)


# --------------------------------------------------------------------------- bad files


def test_rejects_excel_workbook_by_signature() -> None:
    message = _error(b"PK\x03\x04\x14\x00\x06\x00rest-of-zip", filename="places.csv")
    assert "not a CSV" in message and "Excel .xlsx" in message and "Export" in message


def test_rejects_binary_content_with_nul_bytes() -> None:
    message = _error(b"lat,lon\n1,2\n\x00\x01\x02garbage")
    assert message.startswith("The file is not a text file: line 3 holds a zero byte")
    assert "offset" not in message and "NUL" not in message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_rejects_utf16_and_utf32_text_naming_the_encoding(encoding: str) -> None:
    message = _error("lat,lon\n1,2\n".encode(encoding))
    named = "UTF-32" if encoding == "utf-32" else "UTF-16"
    assert f"saved as {named} text" in message or f"looks like {named} text" in message
    assert "Save it as UTF-8: in Excel, File > Save As > 'CSV UTF-8 (Comma delimited)'" in message
    assert "byte" not in message.replace("bytes say so", "").replace("other byte", "")


@pytest.mark.parametrize("filename", ["places.xlsx", "places.json", "places"])
def test_rejects_wrong_extension(filename: str) -> None:
    message = _error(GOOD, filename=filename)
    assert f"'{filename}' is not a CSV or Parquet file" in message
    assert ".csv" in message


def test_rejects_unparsable_rows() -> None:
    message = _error(b"lat,lon\n1,2\n1,2,3,4\n")
    assert message.startswith(
        "Line 3 of the file (data row 2) has 4 values, but the header names 2 (lat, lon): "
        "'1,2,3,4'."
    )
    assert 'must be in double quotes ("Paris, France")' in message
    assert "tokenizing" not in message and "C error" not in message


def test_a_first_row_longer_than_the_header_is_refused_not_shifted() -> None:
    # pandas would read the first value as the row's index and shift the rest to the left.
    message = _error(b"lat,lon\n45,5,\n46,6,\n47,7,\n")
    assert message.startswith("Line 2 of the file (data row 1) has 3 values")
    assert "The extra value is empty: the line probably ends with a comma too many" in message


def test_ragged_rows_are_counted_by_line_and_data_row() -> None:
    # A quoted value over three lines and a blank line: the bad row is line 6, data row 2.
    message = _error(b'name,lat,lon\n"two\n\nlines",45,5\n\nB;x,46,6,7\n')
    assert message.startswith("Line 6 of the file (data row 2) has 4 values")
    semicolons = _error(b"lat;lon\n45;5\n46;6;7\n")
    assert 'A value with a semicolon in it must be in double quotes ("a;b")' in semicolons


def test_an_unclosed_quote_names_its_line() -> None:
    message = _error(b'name,lat,lon\nA,45,5\n"B,46,6\nC,47,7\n')
    assert message.startswith("Line 3 of the file opens a quote that is never closed: '\"B,46,6'")
    on_the_last_line = _error(b'lat,lon\n45.1,5.1\n"45.2,5.2\n')
    assert on_the_last_line.startswith("Line 3 of the file opens a quote that is never closed")


def test_rejects_empty_file() -> None:
    assert "The file is empty" in _error(b"")


def test_rejects_whitespace_only_file() -> None:
    assert "The file is empty" in _error(b"\n\n  \r\n")


def test_rejects_header_only() -> None:
    message = _error(b"latitude,longitude,price\n")
    assert "header (latitude, longitude, price) but no data rows" in message


def test_rejects_file_without_coordinates() -> None:
    message = _error(b"city,price\nA,1\nB,2\n")
    assert "No coordinates found" in message
    assert "latitude/lat/y" in message and "longitude/lon/lng/long/x" in message
    assert "Its columns are: city, price" in message
    assert "choose them by hand" in message


def test_names_the_one_missing_coordinate() -> None:
    message = _error(b"lat,price\n1,2\n3,4\n")
    assert "a longitude column" in message and "a latitude column" not in message


def test_rejects_a_chosen_column_that_does_not_exist() -> None:
    message = _error(GOOD, lat_col="north", lon_col="longitude")
    assert "chosen latitude column 'north' is not in the file" in message


def test_rejects_coordinates_out_of_range_with_count_and_example() -> None:
    data = b"lat,lon\n34,-118\n134,-118\n35,-200\n36,-119\n"
    message = _error(data)
    assert message.startswith("2 row(s) have coordinates out of range")
    assert "latitude must be in [-90, 90], longitude in [-180, 180]" in message
    assert "e.g. data row 2: lat=134, lon=-118 (data rows 2, 3)." in message
    assert "Correct those values (in decimal degrees" in message


def test_out_of_range_hints_at_swapped_columns() -> None:
    message = _error(b"lat,lon\n-118.2,34.1\n-122.4,37.8\n")
    assert "look swapped: choose 'lon' as latitude and 'lat' as longitude" in message


def test_one_bad_latitude_is_not_called_swapped_columns() -> None:
    # European places: every longitude is within +-90, one latitude has a typo.
    message = _error(b"lat,lon\n48.85,2.35\n95.2,13.4\n41.9,12.5\n")
    assert "1 row(s) have coordinates out of range" in message
    assert "swapped" not in message


def test_out_of_range_hints_at_projected_metres() -> None:
    message = _error(b"y,x\n3800000,450000\n3810000,460000\n")
    assert "e.g. data row 1: y=3800000, x=450000" in message  # never 3.8e+06
    assert "These look like metres in a projected coordinate system, not degrees" in message
    assert "a UTM zone (EPSG:326ZZ north of the equator" in message
    assert 'source = "EPSG:326ZZ"  # the coordinate system of your file' in message
    assert 'Transformer.from_crs(source, "EPSG:4326", always_xy=True)' in message


def test_rejects_coordinates_that_are_not_numbers() -> None:
    message = _error(b"lat,lon\n34.1N,118.2W\n35,-119\n")
    assert "'lat' has 1 value(s) that are not numbers, e.g. '34.1N' in data row(s) 1" in message
    assert "decimal degrees" in message


def test_rejects_rows_without_any_coordinates() -> None:
    message = _error(b"lat,lon,a\n,,1\n,,2\n")
    assert "No row has both coordinates" in message


def test_rejects_all_rows_identical() -> None:
    message = _error(b"lat,lon,a\n1,2,3\n1,2,3\n1,2,3\n")
    assert "All 3 rows are identical" in message


def test_rejects_non_utf8_and_names_the_line_and_the_character() -> None:
    data = "lat,lon,name\n34,-118,Caf\xe9\n".encode("latin-1")
    message = _error(data)
    assert message.startswith(
        "The file is not UTF-8 text: line 2 has a character after '34,-118,Caf' that is saved "
        "in another encoding. It is probably 'é' in a file saved in the Windows encoding"
    )
    assert "'CSV UTF-8 (Comma delimited)'" in message
    assert "offset" not in message and "0xE9" not in message
    at_start = _error("lat,lon,name\n\x8f,1,2\n".encode("latin-1"))
    assert "line 2 has a character at its start that is saved in another" in at_start
    assert "probably" not in at_start  # 0x8F is no letter in the Windows encoding: no guess
    # After a UTF-8 marker, the same line and text (the marker's 3 bytes do not shift them).
    marked = _error(b"\xef\xbb\xbf" + "lat,lon,name\n34,-118,Caf\xe9\n".encode("latin-1"))
    assert marked.startswith(message[:80])


def test_rejects_too_big_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upload, "MAX_UPLOAD_BYTES", 100)
    message = _error(GOOD * 10)
    assert f"The file is {len(GOOD) * 10:,} bytes; the limit is 100 bytes" in message
    assert "smaller extract" in message
    assert MAX_UPLOAD_BYTES == 100 * 1024 * 1024


def test_rejects_too_many_columns() -> None:
    header = ",".join(["lat", "lon", *[f"c{i}" for i in range(1000)]])
    row = ",".join(["1", "2", *["0"] * 1000])
    message = _error(f"{header}\n{row}\n".encode())
    assert "1,002 columns; at most 1,000" in message


# --------------------------------------------------------------------------- good files


def test_reads_a_comma_file() -> None:
    places = read_places(GOOD, filename="Places.CSV")
    assert (places.lat_col, places.lon_col) == ("latitude", "longitude")
    assert places.feature_columns == ("price",)
    assert places.numeric_columns == ("latitude", "longitude", "price")
    assert places.frame.columns.drop(list(places.numeric_columns)).tolist() == ["name"]
    assert places.n_rows == 3
    assert places.frame["price"].dtype == np.float64
    assert places.frame["price"].tolist() == [100.0, 250.0, 90.0]
    assert places.delimiter == ","
    assert places.notes == ()


def test_detects_coordinate_names_in_any_case_and_prefers_full_names() -> None:
    data = b"Y,LAT,Latitude,LNG,value\n1,2,34.0,-118.0,5\n1,2,35.0,-119.0,6\n"
    places = read_places(data)
    assert places.lat_col == "Latitude" and places.lon_col == "LNG"
    assert places.feature_columns == ("value",)  # constant Y and LAT are not offered
    assert "Column(s) Y, LAT have a single value and are not offered as features." in places.notes


def test_explicit_column_choice() -> None:
    places = read_places(b"north,east,v\n34,-118,1\n35,-119,2\n", lat_col="north", lon_col="east")
    assert (places.lat_col, places.lon_col) == ("north", "east")


def test_semicolon_file_with_decimal_commas() -> None:
    data = b"name;lat;lon;price\nA;34,05;-118,24;100,5\nB;37,77;-122,42;200\n"
    places = read_places(data)
    assert places.delimiter == ";"
    assert places.frame["lat"].tolist() == [34.05, 37.77]
    assert places.frame["price"].tolist() == [100.5, 200.0]


def test_tab_file_with_byte_order_mark() -> None:
    data = "\ufefflat\tlon\tprice\n34\t-118\t1\n35\t-119\t2\n".encode()
    places = read_places(data, filename="export.tsv")
    assert places.delimiter == "\t"
    assert places.lat_col == "lat"  # the BOM is not part of the name


def test_quoted_fields_keep_their_commas() -> None:
    data = b'name,lat,lon\n"Los Angeles, CA",34,-118\n"San Francisco, CA",37.8,-122.4\n'
    places = read_places(data)
    assert places.frame["name"].tolist() == ["Los Angeles, CA", "San Francisco, CA"]


def test_rows_with_missing_coordinates_are_dropped_and_reported() -> None:
    data = b"lat,lon,v\n34,-118,1\n,-119,2\n35,,3\n36,-120,4\n"
    places = read_places(data)
    assert places.n_rows == 2
    assert "(data rows 2, 3)" in places.notes[0]
    assert places.frame["v"].tolist() == [1.0, 4.0]
    assert any(
        "2 of 4 rows were left out" in note and "(data rows 2, 3)" in note for note in places.notes
    )


def test_location_only_file_is_accepted_with_a_note() -> None:
    places = read_places(b"lat,lon,name\n34,-118,a\n35,-119,b\n36,-120,c\n")
    assert places.feature_columns == ()
    assert any("clustered by location only" in note for note in places.notes)
    check_clusterable(places, [places.lat_col, places.lon_col], 2)


def test_infinite_values_are_read_as_missing_and_reported() -> None:
    data = b"lat,lon,v\ninf,-118,1\n35,-119,2\n36,-120,-Infinity\n37,-121,3\n"
    places = read_places(data)
    assert "(data rows 1)" in places.notes[0]  # no usable latitude: left out, with a note
    assert places.feature_columns == ("v",)
    assert places.frame["v"].tolist()[::2] == [2.0, 3.0] and np.isnan(places.frame["v"][1])
    by_column = {coercion.column: coercion for coercion in places.coercions}
    assert by_column["lat"].n_infinite == 1 and by_column["v"].n_infinite == 1
    assert "1 infinite value(s) read as missing" in by_column["v"].message


def test_names_that_collide_once_stripped_are_kept_apart() -> None:
    places = read_places(b"lat,lon,v , v\n34,-118,1,2\n35,-119,3,4\n")
    assert places.feature_columns == ("v", "v.1")
    assert places.frame["v.1"].tolist() == [2.0, 4.0]


def test_mixed_column_is_text() -> None:
    places = read_places(b"lat,lon,code\n34,-118,12\n35,-119,A7\n")
    assert places.numeric_columns == ("lat", "lon") and "code" in places.frame
    assert places.feature_columns == ()


def test_extent_and_zoom_match_the_map_view() -> None:
    places = read_places(GOOD)
    extent = places.extent
    assert (extent.min_latitude, extent.max_latitude) == (32.72, 37.77)
    assert (extent.min_longitude, extent.max_longitude) == (-122.42, -117.16)
    view = view_state_for(places.frame["longitude"].to_numpy(), places.frame["latitude"].to_numpy())
    assert extent.zoom == view.zoom
    assert extent.centre_latitude == view.latitude and extent.centre_longitude == view.longitude


def test_reads_the_real_housing_file(housing_path: Path) -> None:
    places = read_places(housing_path.read_bytes(), filename=housing_path.name)
    assert places.n_rows == 20_640
    assert (places.lat_col, places.lon_col) == ("latitude", "longitude")
    assert "median_house_value" in places.feature_columns
    assert places.frame.columns.drop(list(places.numeric_columns)).tolist() == ["ocean_proximity"]
    assert int(places.frame["total_bedrooms"].isna().sum()) == 207
    assert 3.0 <= places.extent.zoom <= 7.0  # the whole state, not the world or a city


# --------------------------------------------------------------------------- numbers as written


def _coercions(places: PlacesData) -> dict[str, ColumnCoercion]:
    return {coercion.column: coercion for coercion in places.coercions}


def test_missing_value_spellings_are_missing_and_counted_per_column() -> None:
    data = (
        b"lat,lon,price,rooms\n34,-118,100,NA\n35,-119,null,3\n36,-120,N/A,4\n"
        b"37,-121,nan,5\n38,-122,250,na\n39,-123,#N/A,-\n"
    )
    places = read_places(data)
    assert places.feature_columns == ("price", "rooms")  # not "no numeric column"
    assert places.frame["price"].tolist()[::4] == [100.0, 250.0]
    assert int(places.frame["price"].isna().sum()) == 4
    coercions = _coercions(places)
    assert dict(coercions["price"].missing_words) == {"null": 1, "N/A": 1, "nan": 1, "#N/A": 1}
    assert dict(coercions["rooms"].missing_words) == {"NA": 2, "-": 1}  # NA and na: one word
    rooms = coercions["rooms"].message
    assert rooms == "Column 'rooms': 3 cell(s) read as missing ('NA' x2, '-' x1)."
    assert not any("no numeric column" in note for note in places.notes)


def test_a_clean_file_reports_nothing() -> None:
    assert read_places(GOOD).coercions == ()
    # Empty cells are missing without a word (rows without a coordinate have their note).
    assert read_places(b"lat,lon,v\n34,-118,\n35,-119,2\n36,-120,3\n").coercions == ()


def test_thousands_separators_are_read_in_a_comma_file() -> None:
    data = b'lat,lon,price\n34,-118,"1,234.5"\n35,-119,"12,000"\n36,-120,950\n'
    places = read_places(data)
    assert places.frame["price"].tolist() == [1234.5, 12000.0, 950.0]
    coercion = _coercions(places)["price"]
    assert coercion.n_thousands == 2 and coercion.n_decimal_comma == 0
    assert "2 cell(s) with thousands separators read as numbers" in coercion.message


def test_semicolon_file_keeps_its_decimal_comma_and_reads_point_thousands() -> None:
    data = b"lat;lon;price;area\n34,05;-118,2;1.234,5;1,5\n35,1;-119,3;2.000;2,25\n"
    places = read_places(data)
    assert places.frame["lat"].tolist() == [34.05, 35.1]
    assert places.frame["price"].tolist() == [1234.5, 2.0]  # "2.000" is a plain number
    assert places.frame["area"].tolist() == [1.5, 2.25]
    assert _coercions(places)["price"].n_decimal_comma == 1


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (b"1,234;2,5", [1.234, 2.5]),  # decimal commas: the semicolon file's own
        (b"1,234;1,234.5", [1234.0, 1234.5]),  # one cell only reads as thousands
    ],
    ids=["decimal-comma", "thousands"],
)
def test_ambiguous_commas_follow_the_column(cells: bytes, expected: list[float]) -> None:
    first, second = cells.split(b";")
    data = b"lat;lon;v\n34;-118;" + first + b"\n35;-119;" + second + b"\n"
    assert read_places(data).frame["v"].tolist() == expected


def test_a_mostly_numeric_column_with_text_is_text_and_says_where() -> None:
    rows = b"".join(b"%d,-118,%d\n" % (30 + i, i) for i in range(6))
    places = read_places(b"lat,lon,price\n" + rows + b"40,-118,call us\n")
    assert places.numeric_columns == ("lat", "lon") and "price" in places.frame
    message = _coercions(places)["price"].message
    assert "Column 'price' is read as text and not offered as a feature" in message
    assert "1 of its 7 filled cells are not numbers, e.g. 'call us' in data row 7" in message


def test_a_text_column_is_not_reported() -> None:
    assert "name" not in _coercions(read_places(GOOD))
    many = b"lat,lon,name\n" + b"".join(b"%d,-118,n%d\n" % (i % 80, i) for i in range(3_000))
    places = read_places(many)
    assert places.numeric_columns == ("lat", "lon") and places.coercions == ()


def test_missing_coordinates_written_as_words_drop_their_rows() -> None:
    places = read_places(b"lat,lon,v\n34,-118,1\nNA,-119,2\n36,null,3\n37,-121,4\n")
    assert "(data rows 2, 3)" in places.notes[0]
    assert dict(_coercions(places)["lat"].missing_words) == {"NA": 1}
