"""AppTest tests of the "Your own places" page: bad files, good files, k caps, downloads.

Files are uploaded the way the browser does it: ``AppTest.file_uploader[0].upload(name, bytes,
mime)`` (Streamlit 1.67's AppTest registers the bytes with its in-memory upload manager, and the
uploader's ``on_change`` callback passes them to ``ui_places.places_from_upload``, the one way
a file reaches the page; the "Try an example" button goes through the same function).
Streamlit's own size check (``server.maxUploadSize``) runs in the browser, which AppTest has
not, so the too-big case here reaches the reader's own limit.

Downloads are deferred (``data=`` a callable): the tests record the callable the page hands to
Streamlit's media file manager and call it, i.e. they get exactly the bytes a click would serve.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.csv
import pyarrow.parquet
import pytest
from conftest import PROJECT_ROOT, deck_spec, finest_tiles, layer, texts
from streamlit.testing.v1 import AppTest

from components.engine import upload
from components.figures.palette import PALETTE
from components.ui.cache import views
from components.ui.served_files import STATIC_URL_PREFIX
from tests.hostile.catalogue import plain
from tests.markdown_shown import shown

PAGE = "pages/your_places.py"
GOOD_FILE = PROJECT_ROOT / "tests" / "data" / "places_good.csv"
MIB = 1024 * 1024


def _page(make_app: Callable[..., AppTest]) -> AppTest:
    app = make_app(PAGE)
    app.run()
    assert not app.exception, app.exception
    return app


def _upload(app: AppTest, name: str, content: bytes, mime: str = "text/csv") -> AppTest:
    app.file_uploader[0].set_value((name, content, mime)).run()
    assert not app.exception, app.exception
    return app


def _plain(markdown: str) -> str:
    """The text of a Markdown string the page escaped (backslash escapes removed)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _errors(app: AppTest) -> list[str]:
    return [_plain(text) for text in texts(app.error)]


def _chart(app: AppTest, key: str) -> dict[str, Any]:
    for chart in app.get("plotly_chart"):
        if chart.proto.id.endswith(f"-{key}"):
            return json.loads(chart.proto.spec)
    raise KeyError(f"no plotly chart with key {key!r}")


def _legend(app: AppTest) -> pd.DataFrame:
    for table in app.dataframe:
        if "colour" in table.value.columns:
            return table.value
    raise KeyError("no legend table on the page")


def _assert_still_usable(app: AppTest) -> None:
    """After a bad file: no exception, the uploader, example button and help are still there."""
    assert not app.exception, app.exception
    assert len(app.file_uploader) == 1
    assert app.button(key="places_example").label == "Try an example"
    assert any(e.label == "What the file should look like" for e in app.expander)
    assert not app.get("deck_gl_json_chart")


def _assert_views(app: AppTest, k: int, n_rows: int) -> None:
    """Map, legend, box plot and elbow chart all show k clusters of the file's rows."""
    assert not app.exception, app.exception
    assert not app.error, texts(app.error)
    spec = deck_spec(app)
    points = layer(spec, "points")["data"]
    assert len(points) == n_rows
    assert {point[2] for point in points} == set(range(k))
    legend = _legend(app)
    assert list(legend["cluster"]) == [str(i) for i in range(k)]
    assert legend["rows"].sum() == n_rows
    box = _chart(app, "places_box_plot")
    assert [trace["marker"]["color"] for trace in box["data"]] == list(PALETTE[:k])
    elbow = _chart(app, "places_elbow")
    marks = [s["x0"] for s in elbow["layout"]["shapes"] if s.get("name") == "current k"]
    assert marks == [k]


# ---------------------------------------------------------------------------- empty page


def test_empty_page_explains_and_limits_the_upload(make_app: Callable[..., AppTest]) -> None:
    app = _page(make_app)
    assert not app.error
    uploader = app.file_uploader[0]
    assert uploader.proto.max_upload_size_mb == 100
    assert set(uploader.allowed_type) == {".csv", ".txt", ".tsv", ".parquet", ".pq"}
    limits = "CSV or Parquet, up to 100 MB, 2,000,000 rows, 1,000 columns and 12,000,000 cells"
    assert limits in uploader.label
    assert any(limits in caption.value for caption in app.caption)
    assert any("session only" in caption.value for caption in app.caption)
    assert any("Try an example" in text for text in texts(app.info))
    assert app.get("deck_gl_json_chart") == []


def test_upload_limit_agrees_with_the_server_config() -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * MIB == upload.MAX_UPLOAD_BYTES


# ------------------------------------------------------------------------------- bad files

BAD_FILES: dict[str, tuple[str, bytes, tuple[str, ...]]] = {
    # case: (file name, content, phrases the error must contain)
    "xlsx named csv": (
        "places.csv",
        b"PK\x03\x04\x14\x00\x06\x00workbook",
        ("not a CSV", "Excel", "Export"),
    ),
    "pdf": ("places.csv", b"%PDF-1.7\n1 0 obj", ("not a CSV", "PDF")),
    "empty": ("places.csv", b"", ("empty", "header row")),
    "only blank lines": ("places.csv", b"\n\n  \n", ("empty",)),
    "header only": ("places.csv", b"lat,lon,price\n", ("no data rows",)),
    "no coordinates": (
        "places.csv",
        b"name,price\nA,1\nB,2\nC,3\n",
        ("No coordinates found", "latitude column", "choose them by hand"),
    ),
    "coordinates out of range": (
        "places.csv",
        b"lat,lon,v\n45.1,5.1,1\n45.2,190.0,2\n45.3,5.3,3\n",
        ("out of range", "longitude in [-180, 180]", "data row 2: lat=45.2, lon=190"),
    ),
    "swapped coordinates": (
        "places.csv",
        b"lat,lon\n145.2,5.7\n146.0,5.9\n147.3,6.1\n",
        ("out of range", "swapped"),
    ),
    "text coordinates (no numeric column)": (
        "places.csv",
        b"lat,lon,name\nnorth,east,a\nsouth,west,b\n",
        ("not numbers", "decimal degrees"),
    ),
    "fewer rows than k": (
        "places.csv",
        b"lat,lon\n45.1,5.1\n45.2,5.2\n",
        ("The file has 2 places with coordinates; k-means needs at least 3", "Add places"),
    ),
    "all rows identical": (
        "places.csv",
        b"lat,lon,v\n45.1,5.1,1\n45.1,5.1,1\n45.1,5.1,1\n",
        ("All 3 rows are identical",),
    ),
    "constant feature": (
        "places.csv",
        b"lat,lon,v\n45.0,5.1,1\n45.0,5.2,2\n45.0,5.3,3\n",
        ("lat have the same value in every row", "remove them"),
    ),
    "not UTF-8": (
        "places.csv",
        "name,lat,lon\nCaf\u00e9,45.1,5.1\nB,45.2,5.2\nC,45.3,5.3\n".encode("latin-1"),
        ("not UTF-8 text: line 2 has a character after 'Caf'", "'CSV UTF-8 (Comma delimited)'"),
    ),
    "UTF-16": (
        "places.csv",
        "lat,lon\n1,2\n".encode("utf-16"),
        ("saved as UTF-16 text", "Save it as UTF-8"),
    ),
    "unclosed quote": (
        "places.csv",
        b'lat,lon\n45.1,5.1\n"45.2,5.2\n',
        ("Line 3 of the file opens a quote that is never closed",),
    ),
    "ragged rows": (
        "places.csv",
        b"lat,lon,v\n45.1,5.1,1\n45.2,5.2,2\n45.3,5.3,3,4\n",
        ("Line 4 of the file (data row 3) has 4 values, but the header names 3 (lat, lon, v)",),
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_named_and_the_page_keeps_working(
    make_app: Callable[..., AppTest], case: str
) -> None:
    name, content, phrases = BAD_FILES[case]
    app = _upload(_page(make_app), name, content)
    errors = _errors(app)
    assert len(errors) == 1, errors
    for phrase in phrases:
        assert phrase in errors[0], (phrase, errors[0])
    _assert_still_usable(app)


def test_coordinates_in_metres_get_the_systems_and_the_steps_as_code(
    make_app: Callable[..., AppTest],
) -> None:
    content = b"name,y,x\nA,180000,530000\nB,181000,531000\nC,182500,529000\n"
    app = _upload(_page(make_app), "grid.csv", content)
    assert len(app.error) == 1, texts(app.error)
    page = shown(app.error[0].value)
    assert "These look like metres in a projected coordinate system, not degrees." in page.text
    assert "British National Grid (Great Britain, EPSG:27700)" in page.text
    assert "X field 'x', Y field 'y'" in page.text
    assert {"EPSG:27700", "EPSG:4326", "AS_XY"} <= set(page.code)
    snippet = next(code for code in page.code if "\n" in code)  # a block of its own
    assert "\n```python\n# pip install pandas pyproj\n" in app.error[0].value
    assert 'Transformer.from_crs(source, "EPSG:4326", always_xy=True)' in snippet
    assert "places['x'], places['y']" in snippet
    assert not page.retyped
    _assert_still_usable(app)


def test_too_big_file_is_refused_before_reading(make_app: Callable[..., AppTest]) -> None:
    content = b"lat,lon\n" + b"45.1,5.1\n" * ((upload.MAX_UPLOAD_BYTES // 9) + 1)
    assert len(content) > upload.MAX_UPLOAD_BYTES
    app = _upload(_page(make_app), "big.csv", content)
    errors = _errors(app)
    assert len(errors) == 1 and "the limit is 100.0 MB" in errors[0], errors
    assert "smaller extract" in errors[0]
    _assert_still_usable(app)


def test_markdown_in_a_file_name_is_shown_as_text(make_app: Callable[..., AppTest]) -> None:
    app = _upload(_page(make_app), "[click](http://example.com).csv", b"")
    error = str(app.error[0].value)  # the Markdown sent to the browser
    # Escaped with ui.text.escape_markdown's set (brackets and parentheses both), and a word
    # joiner keeps the bare URL from becoming an autolink.
    assert "\\[click\\]\\(http\u2060\\://example\\.com\\)\\.csv" in error
    assert "[click](http://example.com).csv" in plain(error)


def test_good_file_after_a_bad_one_works(make_app: Callable[..., AppTest]) -> None:
    app = _upload(_page(make_app), "places.csv", b"name,price\nA,1\n")
    assert app.error
    _upload(app, GOOD_FILE.name, GOOD_FILE.read_bytes())
    assert not app.error, texts(app.error)
    _assert_views(app, app.slider(key="places_k").value, 12)


def test_location_only_file_is_clustered_with_a_note(make_app: Callable[..., AppTest]) -> None:
    content = b"lat,lon,name\n45.1,5.1,a\n45.2,5.3,b\n46.0,6.1,c\n45.9,6.0,d\n45.0,5.2,e\n"
    app = _upload(_page(make_app), "places.csv", content)
    assert any("location only" in text for text in texts(app.info))
    assert app.multiselect(key="places_features").value == ["lat", "lon"]
    _assert_views(app, app.slider(key="places_k").value, 5)


# ------------------------------------------------------------------------------ good files


def test_good_file_shows_map_boxplot_elbow_framed_on_the_data(
    make_app: Callable[..., AppTest],
) -> None:
    app = _upload(_page(make_app), GOOD_FILE.name, GOOD_FILE.read_bytes())
    assert app.selectbox(key="places_lat").value == "lat"
    assert app.selectbox(key="places_lon").value == "lng"
    assert app.multiselect(key="places_features").value == ["lat", "lng", "visitors"]
    assert app.multiselect(key="places_features").options == ["lat", "lng", "visitors", "rating"]
    slider = app.slider(key="places_k")
    assert slider.max == 11  # 12 rows
    assert any("k goes up to 11" in caption.value for caption in app.sidebar.caption)
    _assert_views(app, slider.value, 12)
    view = deck_spec(app)["initialViewState"]
    assert 45.7 < view["latitude"] < 48.9 and 2.3 < view["longitude"] < 4.9  # France
    app.slider(key="places_k").set_value(2).run()
    _assert_views(app, 2, 12)
    legend = _legend(app)
    assert list(legend["rows"]) == [6, 6]  # Paris (north) is cluster 0, Lyon cluster 1
    app.selectbox(key="places_value_column").set_value("rating").run()
    box = _chart(app, "places_box_plot")
    assert box["layout"]["yaxis"]["title"]["text"] == "rating"
    assert box["data"][0]["median"] == [pytest.approx(4.3)]  # ratings of the Paris rows


def test_example_button_loads_the_example_and_forget_clears_it(
    make_app: Callable[..., AppTest],
) -> None:
    app = _page(make_app)
    app.button(key="places_example").click().run()
    assert not app.exception, app.exception
    assert any("example_places.csv" in _plain(caption.value) for caption in app.caption)
    k = app.slider(key="places_k").value
    assert k == 3  # the best silhouette of the three towns
    _assert_views(app, k, 320)
    app.button(key="places_forget").click().run()
    assert not app.exception, app.exception
    assert not app.get("deck_gl_json_chart")
    assert any("Try an example" in text for text in texts(app.info))


def test_replacing_a_file_keeps_the_uploader(make_app: Callable[..., AppTest]) -> None:
    """The browser replaces a file by removing the old one first; the new one must show."""
    app = _upload(_page(make_app), GOOD_FILE.name, GOOD_FILE.read_bytes())
    key = app.file_uploader[0].key
    app.file_uploader[0].set_value(None).run()  # the old file removed
    assert not app.exception, app.exception
    assert not app.get("deck_gl_json_chart")  # nothing shown any more
    assert app.file_uploader[0].key == key  # the same uploader receives the replacement
    _upload(app, "three.csv", b"lat,lon\n45.1,5.1\n45.2,5.3\n46.0,6.1\n")
    assert any("three.csv" in _plain(caption.value) for caption in app.caption)
    _assert_views(app, 2, 3)


def test_forget_empties_the_uploader(make_app: Callable[..., AppTest]) -> None:
    app = _upload(_page(make_app), GOOD_FILE.name, GOOD_FILE.read_bytes())
    key = app.file_uploader[0].key
    app.button(key="places_forget").click().run()
    assert not app.exception, app.exception
    assert app.file_uploader[0].key != key and app.file_uploader[0].value is None
    assert not app.get("deck_gl_json_chart")


def test_coordinates_chosen_by_hand(make_app: Callable[..., AppTest]) -> None:
    content = b"north,east,v\n45.1,5.1,1\n45.2,5.3,9\n46.0,6.1,2\n45.9,6.0,8\n45.0,5.2,5\n"
    app = _upload(_page(make_app), "places.csv", content)
    assert "No coordinates found" in texts(app.error)[0]
    assert app.selectbox(key="places_lat").value is None
    app.selectbox(key="places_lat").set_value("north").run()
    assert "longitude column" in texts(app.error)[0]  # the latitude one is found now
    app.selectbox(key="places_lon").set_value("east").run()
    assert not app.error, texts(app.error)
    assert app.multiselect(key="places_features").value == ["north", "east", "v"]
    _assert_views(app, app.slider(key="places_k").value, 5)


def test_geographic_scaler_falls_back_without_both_coordinates(
    make_app: Callable[..., AppTest],
) -> None:
    app = _upload(_page(make_app), GOOD_FILE.name, GOOD_FILE.read_bytes())
    app.selectbox(key="places_scaler").set_value("geographic").run()
    assert not app.sidebar.warning
    assert app.slider(key="places_location_weight").value == 1.0
    app.multiselect(key="places_features").set_value(["lat", "visitors"]).run()
    assert any("geographic scaler needs both" in w for w in texts(app.sidebar.warning))
    _assert_views(app, app.slider(key="places_k").value, 12)


def test_no_feature_chosen_is_a_warning(make_app: Callable[..., AppTest]) -> None:
    app = _upload(_page(make_app), GOOD_FILE.name, GOOD_FILE.read_bytes())
    app.multiselect(key="places_features").set_value([]).run()
    assert not app.exception, app.exception
    assert any("Choose at least one feature" in text for text in texts(app.warning))


# ------------------------------------------------------------------------------------ k caps


def test_k_slider_is_capped_for_a_small_file(make_app: Callable[..., AppTest]) -> None:
    app = _page(make_app)
    app.button(key="places_example").click().run()
    app.slider(key="places_k").set_value(12).run()
    content = b"lat,lon,v\n45.1,5.1,1\n45.2,5.3,9\n46.0,6.1,2\n45.9,6.0,8\n45.0,5.2,5\n"
    _upload(app, "five.csv", content)
    slider = app.slider(key="places_k")
    assert slider.max == 4 and slider.value <= 4
    assert any(
        "k goes up to 4 for this file: it has 5 rows" in caption.value
        for caption in app.sidebar.caption
    )
    _assert_views(app, slider.value, 5)


def test_k_above_the_cap_is_lowered_with_a_note(make_app: Callable[..., AppTest]) -> None:
    # Three distinct places, each twice, with distinct values: 5 clusters on (lat, lon, v),
    # at most 3 on (lat, lon).
    content = b"lat,lon,v\n45.1,5.1,1\n45.1,5.1,2\n46.0,6.1,3\n46.0,6.1,4\n45.0,5.9,5\n45.0,5.9,6\n"
    app = _upload(_page(make_app), "pairs.csv", content)
    app.slider(key="places_k").set_value(5).run()
    _assert_views(app, 5, 6)
    app.multiselect(key="places_features").set_value(["lat", "lon"]).run()
    assert app.slider(key="places_k").value == 3
    assert app.slider(key="places_k").max == 3
    notes = texts(app.sidebar.info)
    assert any(
        "k was lowered from 5 to 3" in note and "3 distinct places" in note for note in notes
    )
    _assert_views(app, 3, 6)


def test_three_rows_allow_only_k2(make_app: Callable[..., AppTest]) -> None:
    app = _upload(_page(make_app), "three.csv", b"lat,lon\n45.1,5.1\n45.2,5.3\n46.0,6.1\n")
    assert not app.get("slider")
    assert any("k = 2" in block.value for block in app.sidebar.markdown)
    _assert_views(app, 2, 3)


# --------------------------------------------------------------------------------- downloads


def test_downloads_are_safe_csv_and_geojson(
    make_app: Callable[..., AppTest], deferred_downloads: dict[str, Callable[[], Any]]
) -> None:
    app = _upload(_page(make_app), GOOD_FILE.name, GOOD_FILE.read_bytes())
    app.slider(key="places_k").set_value(2).run()
    assert {"places_good_clusters_k2.csv", "places_good_clusters_k2.geojson"} <= set(
        deferred_downloads
    )
    legend_rows = _legend(app)["rows"].tolist()

    csv_bytes = deferred_downloads["places_good_clusters_k2.csv"]()
    rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8"))))
    assert len(rows) == 12
    assert list(rows[0]) == ["name", "lat", "lng", "visitors", "rating", "cluster"]
    names = [row["name"] for row in rows]
    assert names[0] == "'=1+1" and names[5] == "'@SUM(A1:A9)" and names[9] == "'+cmd"
    assert names[1] == "Louvre corner"
    assert not any(name.startswith(("=", "+", "-", "@")) for name in names)
    assert [int(row["cluster"]) for row in rows] == [0] * 6 + [1] * 6
    assert float(rows[0]["lat"]) == 48.8566  # numbers are written unchanged
    parsed = pd.read_csv(io.BytesIO(csv_bytes))
    assert parsed["cluster"].value_counts().sort_index().tolist() == legend_rows

    collection = json.loads(deferred_downloads["places_good_clusters_k2.geojson"]())
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert len(features) == 12
    assert all(feature["type"] == "Feature" for feature in features)
    first = features[0]
    assert first["geometry"] == {"type": "Point", "coordinates": [2.3522, 48.8566]}
    assert first["properties"]["name"] == "=1+1"  # GeoJSON keeps the text as it is
    assert [feature["properties"]["cluster"] for feature in features] == [0] * 6 + [1] * 6


def test_download_marks_rows_not_clustered(
    make_app: Callable[..., AppTest], deferred_downloads: dict[str, Callable[[], Any]]
) -> None:
    content = b"lat,lon,v\n45.1,5.1,1\n45.2,5.3,\n46.0,6.1,2\n45.9,6.0,8\n45.0,5.2,5\n"
    app = _upload(_page(make_app), "gaps.csv", content)
    assert any("1 of 5 places are not clustered" in text for text in texts(app.info))
    k = app.slider(key="places_k").value
    rows = pd.read_csv(io.BytesIO(deferred_downloads[f"gaps_clusters_k{k}.csv"]()))
    assert rows["cluster"].iloc[1] == -1 and (rows["cluster"].drop(index=1) >= 0).all()
    collection = json.loads(deferred_downloads[f"gaps_clusters_k{k}.geojson"]())
    assert collection["features"][1]["properties"]["v"] is None


# -------------------------------------------------------------------------------- navigation


@pytest.mark.slow
def test_navigation_works_after_a_bad_file_and_the_file_is_kept(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    _upload(app, "places.csv", b"name,price\nA,1\n")
    assert "No coordinates found" in texts(app.error)[0]
    _upload(app, GOOD_FILE.name, GOOD_FILE.read_bytes())
    app.multiselect(key="places_features").set_value(["lat", "lng", "rating"]).run()
    app.slider(key="places_k").set_value(4).run()
    # Explore needs no k-means sweep of the housing data, which keeps this test quick.
    app.switch_page("pages/explore.py").run()
    assert not app.exception, app.exception
    assert app.get("plotly_chart"), "the Explore page should draw its charts"
    assert not app.get("file_uploader")
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    assert app.multiselect(key="places_features").value == ["lat", "lng", "rating"]
    _assert_views(app, 4, 12)


def _many_places_csv(n_rows: int) -> bytes:
    """Places around four towns, with a price; one row in 1,000 has no price."""
    rng = np.random.default_rng(5)
    towns = np.array([[45.19, 5.72], [45.57, 5.92], [45.90, 6.13], [45.76, 4.84]])
    town = rng.integers(0, 4, n_rows)
    price = np.round(rng.normal(1_000, 200, n_rows), 1).astype(object)
    price[::1_000] = ""
    frame = pd.DataFrame(
        {
            "latitude": np.round(towns[town, 0] + rng.normal(0, 0.05, n_rows), 5),
            "longitude": np.round(towns[town, 1] + rng.normal(0, 0.05, n_rows), 5),
            "price": price,
        }
    )
    return frame.to_csv(index=False).encode("utf-8")


def test_many_places_are_drawn_as_cells_merged_on_the_server(
    make_app: Callable[..., AppTest],
) -> None:
    n_rows = 30_000
    app = _upload(_page(make_app), "many.csv", _many_places_csv(n_rows))
    assert not app.error, texts(app.error)
    n_clustered = n_rows - 30  # the rows without a price are not clustered
    captions = [_plain(caption.value) for caption in app.caption]
    assert any(f"All {n_clustered:,} clustered places are on the map" in c for c in captions)
    assert any("The 30 places without a cluster are not drawn" in c for c in captions)
    spec = deck_spec(app)
    tiles = layer(spec, "points")
    assert tiles["@@type"] == "TileLayer"
    tooltip = json.loads(app.get("deck_gl_json_chart")[0].proto.tooltip)["text"]
    assert "of the {n} places here" in tooltip and "price (mean): {x0}" in tooltip
    # The whole file in the zoom-0 tile: every clustered place counted once.
    folder = views.STATIC_DIR / tiles["data"].removeprefix(STATIC_URL_PREFIX).split("{z}")[0]
    zoom_0 = json.loads((folder / "0" / "0" / "0.json").read_text(encoding="utf-8"))
    assert sum(feature["properties"]["n"] for feature in zoom_0) == n_clustered
    # Every cell of every zoom carries each k's cluster; a k change reads another one.
    k = app.slider(key="places_k").value
    other = 2 if k != 2 else 3
    app.slider(key="places_k").set_value(other).run()
    assert not app.exception, app.exception
    changed = layer(deck_spec(app), "points")
    assert changed["data"] == tiles["data"] and changed["id"] == tiles["id"]
    assert f"properties.k{other}" in json.dumps(changed["getFillColor"])
    legend = _legend(app)
    assert legend["rows"].sum() == n_rows  # with a row for the 30 not clustered
    # The finest zoom keeps every distinct position (30,000 rows fit the cell budget).
    finest = finest_tiles(tiles["data"])
    assert sum(feature["properties"]["n"] for feature in finest) == n_clustered


# ------------------------------------------------------------------------------ Parquet


def _good_file_as_parquet() -> bytes:
    """places_good.csv written as Parquet by pyarrow (ints, floats and text as typed)."""
    table = pyarrow.csv.read_csv(GOOD_FILE)
    assert str(table.schema.field("visitors").type) == "int64"
    sink = pyarrow.BufferOutputStream()
    pyarrow.parquet.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def test_a_parquet_upload_is_clustered_like_the_same_csv(
    make_app: Callable[..., AppTest], deferred_downloads: dict[str, Callable[[], Any]]
) -> None:
    app = _upload(
        _page(make_app), "places_good.parquet", _good_file_as_parquet(), "application/octet-stream"
    )
    assert any(
        "12 places read from places_good.parquet (Parquet)" in _plain(caption.value)
        for caption in app.caption
    )
    assert app.selectbox(key="places_lat").value == "lat"
    assert app.selectbox(key="places_lon").value == "lng"
    assert app.multiselect(key="places_features").options == ["lat", "lng", "visitors", "rating"]
    assert app.slider(key="places_k").max == 11
    app.slider(key="places_k").set_value(2).run()
    _assert_views(app, 2, 12)
    assert list(_legend(app)["rows"]) == [6, 6]
    from_parquet = deferred_downloads.pop("places_good_clusters_k2.csv")()

    app = _upload(_page(make_app), GOOD_FILE.name, GOOD_FILE.read_bytes())
    app.slider(key="places_k").set_value(2).run()
    from_csv = deferred_downloads["places_good_clusters_k2.csv"]()
    assert from_parquet == from_csv  # the same rows, numbers and clusters
