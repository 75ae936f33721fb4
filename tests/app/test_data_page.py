"""AppTest tests of the Data page and of a file of places on the pages that cluster it.

A file reaches the app on the Data page only, uploaded the way the browser does it
(``upload_on_data_page`` of tests/app/conftest.py: Streamlit 1.67's AppTest registers the bytes
with its in-memory upload manager, and the uploader's ``on_change`` callback hands them to
``components.ui.source.keep_file``; the "Try an example" button goes through the same
function). The file is then the data of every page: the tests open the Clusters page (and the
other pages where the test is about them) in the same AppTest session. Streamlit's own size
check (``server.maxUploadSize``) runs in the browser, which AppTest has not, so the too-big case
here reaches the reader's own limit.

Downloads are deferred (``data=`` a callable): the tests record the callable the page hands to
Streamlit's media file manager and call it, i.e. they get exactly the bytes a click would serve.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
import tomllib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.csv
import pyarrow.parquet
import pytest
from conftest import (
    DATA_PAGE,
    PROJECT_ROOT,
    chart_spec,
    deck_spec,
    finest_tiles,
    layer,
    layer_rows,
    point_clusters,
    rows_drawn,
    run_until_scored,
    upload_on_data_page,
)
from streamlit.testing.v1 import AppTest

from components.engine import upload
from components.figures.palette import PALETTE
from components.ui import cache
from components.ui.cache import uploads, views
from components.ui.served_files import STATIC_URL_PREFIX
from components.ui.upload_budget import BudgetStore
from tests.hostile.catalogue import plain
from tests.markdown_shown import shown

pytestmark = pytest.mark.usefixtures("real_data")  # the census data, when no file is held

CLUSTERS_PAGE = "pages/clusters.py"
GOOD_FILE = PROJECT_ROOT / "tests" / "data" / "places_good.csv"
MIB = 1024 * 1024


@pytest.fixture(autouse=True)
def fresh_upload_budget(monkeypatch: pytest.MonkeyPatch) -> BudgetStore:
    """An upload budget of the test's own: AppTest's session id is the same in every test,
    and what an earlier test's session held (its file, its models) must not be found."""
    store = BudgetStore(uploads.STORE.budget_bytes, grace_seconds=0)
    monkeypatch.setattr(uploads, "STORE", store)
    return store


def _data_page(make_app: Callable[..., AppTest]) -> AppTest:
    """A new session on the Data page (through the router, as a browser opens it)."""
    app = make_app()
    app.switch_page(DATA_PAGE).run()
    assert not app.exception, app.exception
    return app


def _upload(app: AppTest, name: str, content: bytes, mime: str = "text/csv") -> AppTest:
    """Upload a file on the Data page (in the session's browser: the uploader's callback)."""
    upload_on_data_page(app, name, content, mime)
    assert not app.exception, app.exception
    return app


def _open(app: AppTest, page: str) -> AppTest:
    """Open another page in the same session."""
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def _clusters_of(
    make_app: Callable[..., AppTest], name: str, content: bytes, mime: str = "text/csv"
) -> AppTest:
    """Upload a file on the Data page, then open the Clusters page."""
    return _open(_upload(_data_page(make_app), name, content, mime), CLUSTERS_PAGE)


def _upload_param(content: bytes) -> str:
    """How a link names an uploaded file."""
    return "upload:" + hashlib.sha256(content).hexdigest()[:16]


def _legend(app: AppTest) -> pd.DataFrame:
    for table in app.table:
        if "median" in table.value.columns:
            return table.value
    raise KeyError("no legend table on the page")


def _read(elements: Any) -> list[str]:
    """The text of elements as a reader sees it (escapes, bold and code marks gone)."""
    return [shown(str(element.value)).text for element in elements]


def _errors(app: AppTest) -> list[str]:
    return _read(app.error)


def _captions(app: AppTest) -> list[str]:
    return _read(app.caption)


def _holding(app: AppTest) -> list[str]:
    """The Data page's line naming the file held (none when no file is held)."""
    return [caption for caption in _captions(app) if caption.startswith("Holding ")]


def _now_clustering(app: AppTest) -> str:
    (heading,) = [
        shown(str(header.value)).text
        for header in app.subheader
        if str(header.value).startswith("Now clustering")
    ]
    return heading


def _assert_still_usable(app: AppTest) -> None:
    """After a bad file: no exception; the uploader, example button and help are still there."""
    assert not app.exception, app.exception
    assert len(app.file_uploader) == 1
    assert app.button(key="data_example").label == "Try an example"
    assert any(e.label == "What the file should look like" for e in app.expander)
    assert app.button(key="data_forget").label == "Forget this file"
    assert not app.get("deck_gl_json_chart")


def _assert_views(app: AppTest, k: int, n_rows: int, n_clustered: int | None = None) -> None:
    """Map, legend, box plot and elbow chart of the Clusters page all show k clusters.

    ``n_rows`` rows in the file, ``n_clustered`` of them clustered (all by default).
    """
    n_clustered = n_rows if n_clustered is None else n_clustered
    assert not app.exception, app.exception
    assert not app.error, _errors(app)
    spec = deck_spec(app)
    assert layer(spec, "points")["@@type"] == "TileLayer"
    assert rows_drawn(spec, "points") == n_clustered
    on_map = set(point_clusters(spec).values())
    if len(layer_rows(spec, "points")) == n_clustered:  # one place at each position
        assert on_map == set(range(k))
    else:  # a position shows the most common cluster of its places
        assert on_map <= set(range(k))
    legend = _legend(app)
    not_clustered = ["not clustered"] if n_clustered < n_rows else []
    assert list(legend["cluster"]) == [str(i) for i in range(k)] + not_clustered
    assert legend["rows"].sum() == n_rows
    box = chart_spec(app, "box_plot")
    assert [trace["marker"]["color"] for trace in box["data"]] == list(PALETTE[:k])
    elbow = chart_spec(app, "elbow_chart")
    marks = [s["x0"] for s in elbow["layout"]["shapes"] if s.get("name") == "current k"]
    assert marks == [k]
    assert app.query_params["k"] == str(k)


# ---------------------------------------------------------------------------- empty page


def test_data_page_explains_and_limits_the_upload(make_app: Callable[..., AppTest]) -> None:
    app = _data_page(make_app)
    assert not app.error, _errors(app)
    uploader = app.file_uploader[0]
    assert uploader.key == "data_upload_0"
    assert uploader.proto.max_upload_size_mb == 100
    assert set(uploader.allowed_type) == {".csv", ".txt", ".tsv", ".parquet", ".pq"}
    limits = "CSV or Parquet, up to 100 MB, 2,000,000 rows, 1,000 columns and 12,000,000 cells"
    assert limits in uploader.label
    assert any(limits in caption for caption in _captions(app))
    assert any("session only" in caption for caption in _captions(app))
    assert app.button(key="data_example").label == "Try an example"
    assert not _holding(app)
    assert "data_forget" not in [button.key for button in app.button]
    # No file yet: every page shows the census data, and the sidebar offers no switch.
    assert _now_clustering(app) == "Now clustering: California housing, 1990 census"
    assert app.button(key="data_use_housing").disabled
    assert not app.sidebar.radio
    assert app.get("deck_gl_json_chart") == []


def test_upload_limit_agrees_with_the_server_config() -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * MIB == upload.MAX_UPLOAD_BYTES


# ------------------------------------------------------------------------------- bad files

# Files the reader refuses: the Data page says why, as "<name> cannot be used. <message>".
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
    "all rows identical": (
        "places.csv",
        b"lat,lon,v\n45.1,5.1,1\n45.1,5.1,1\n45.1,5.1,1\n",
        ("All 3 rows are identical",),
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
    app = _upload(_data_page(make_app), name, content)
    errors = _errors(app)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{name} cannot be used. "), errors[0]
    for phrase in phrases:
        assert phrase in errors[0], (phrase, errors[0])
    _assert_still_usable(app)


PAGES_OF_THE_DATA = [
    CLUSTERS_PAGE,
    "pages/choose_k.py",
    "pages/explain.py",
    "pages/explore.py",
    "pages/kmeans_fails.py",
]


@pytest.mark.parametrize("page", PAGES_OF_THE_DATA)
def test_a_bad_file_is_named_on_every_page_that_opens_it(
    make_app: Callable[..., AppTest], page: str
) -> None:
    """The file stays the pages' data until another is chosen: each page says why it stops."""
    app = _upload(_data_page(make_app), "places.csv", b"name,price\nA,1\n")
    on_the_data_page = _errors(app)
    _open(app, page)
    assert _errors(app) == on_the_data_page, _errors(app)
    assert on_the_data_page[0].startswith("places.csv cannot be used. No coordinates found")
    assert not app.get("deck_gl_json_chart")
    # The sidebar names the file and can switch back to the census data.
    switch = app.sidebar.radio(key="data_switch")
    assert switch.value == "file"
    labels = [shown(option).text for option in switch.options]  # options are Markdown
    assert labels == ["California housing (demo)", "Your file: places.csv"]


# Files that are read, whose default settings cannot be clustered: the Clusters page says why.
UNCLUSTERABLE_FILES: dict[str, tuple[bytes, tuple[str, ...]]] = {
    # case: (content, phrases the error must contain)
    "fewer rows than k": (
        b"lat,lon\n45.1,5.1\n45.2,5.2\n",
        ("The file has 2 places with coordinates; k-means needs at least 3", "Add places"),
    ),
    "constant feature": (
        b"lat,lon,v\n45.0,5.1,1\n45.0,5.2,2\n45.0,5.3,3\n",
        # The file's own column name: the user has no column named "latitude".
        ("lat have the same value in every row", "remove them"),
    ),
}


@pytest.mark.parametrize("case", list(UNCLUSTERABLE_FILES))
def test_settings_that_cannot_be_clustered_are_named(
    make_app: Callable[..., AppTest], case: str
) -> None:
    content, phrases = UNCLUSTERABLE_FILES[case]
    app = _upload(_data_page(make_app), "places.csv", content)
    assert not app.error, _errors(app)  # the file itself is fine
    _open(app, CLUSTERS_PAGE)
    errors = _errors(app)
    assert len(errors) == 1, errors
    assert errors[0].startswith("These settings cannot be clustered. "), errors[0]
    for phrase in phrases:
        assert phrase in errors[0], (phrase, errors[0])
    assert not app.get("deck_gl_json_chart")


def test_coordinates_in_metres_get_the_systems_and_the_steps_as_code(
    make_app: Callable[..., AppTest],
) -> None:
    content = b"name,y,x\nA,180000,530000\nB,181000,531000\nC,182500,529000\n"
    app = _upload(_data_page(make_app), "grid.csv", content)
    assert len(app.error) == 1, _errors(app)
    page = shown(app.error[0].value)
    assert page.text.startswith("grid.csv cannot be used. ")
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
    app = _upload(_data_page(make_app), "big.csv", content)
    errors = _errors(app)
    assert len(errors) == 1 and "the limit is 100.0 MB" in errors[0], errors
    assert "smaller extract" in errors[0]
    _assert_still_usable(app)


def test_markdown_in_a_file_name_is_shown_as_text(make_app: Callable[..., AppTest]) -> None:
    app = _upload(_data_page(make_app), "[click](http://example.com).csv", b"")
    error = str(app.error[0].value)  # the Markdown sent to the browser
    # Escaped with ui.text.escape_markdown's set (brackets and parentheses both), and a word
    # joiner keeps the bare URL from becoming an autolink.
    assert "\\[click\\]\\(http\u2060\\://example\\.com\\)\\.csv" in error
    assert "[click](http://example.com).csv" in plain(error)
    # The line naming the file held, too.
    assert any(
        "**\\[click\\]\\(http\u2060\\://example\\.com\\)\\.csv**" in str(caption.value)
        for caption in app.caption
    )


def test_good_file_after_a_bad_one_works(make_app: Callable[..., AppTest]) -> None:
    app = _upload(_data_page(make_app), "places.csv", b"name,price\nA,1\n")
    assert app.error
    _upload(app, GOOD_FILE.name, GOOD_FILE.read_bytes())
    assert not app.error, _errors(app)
    _open(app, CLUSTERS_PAGE)
    _assert_views(app, app.slider(key="k").value, 12)


def test_location_only_file_is_clustered_with_a_note(make_app: Callable[..., AppTest]) -> None:
    content = b"lat,lon,name\n45.1,5.1,a\n45.2,5.3,b\n46.0,6.1,c\n45.9,6.0,d\n45.0,5.2,e\n"
    app = _upload(_data_page(make_app), "places.csv", content)
    assert any("location only" in text for text in _read(app.info))
    _open(app, CLUSTERS_PAGE)
    features = app.multiselect(key="features")
    assert features.value == ["latitude", "longitude"]
    assert features.options == ["lat", "lon"]  # shown under the file's own names
    _assert_views(app, app.slider(key="k").value, 5)


# ------------------------------------------------------------------------------ good files


def test_good_file_shows_map_boxplot_elbow_framed_on_the_data(
    make_app: Callable[..., AppTest],
) -> None:
    content = GOOD_FILE.read_bytes()
    app = _upload(_data_page(make_app), GOOD_FILE.name, content)
    assert app.selectbox(key="data_lat").value == "lat"
    assert app.selectbox(key="data_lon").value == "lng"
    assert _now_clustering(app) == "Now clustering: places_good.csv"
    assert any(
        "12 places read from places_good.csv (comma-separated)" in caption
        for caption in _captions(app)
    )
    assert "**Where the places are:** 12 in France." in [m.value for m in app.markdown]
    _open(app, CLUSTERS_PAGE)
    features = app.multiselect(key="features")
    assert features.value == ["latitude", "longitude", "visitors"]
    assert features.options == ["lat", "lng", "visitors", "rating"]
    slider = app.slider(key="k")
    assert slider.max == 11  # 12 rows
    assert any("k goes up to 11" in caption for caption in _read(app.sidebar.caption))
    _assert_views(app, slider.value, 12)
    assert app.query_params["data"] == _upload_param(content)
    view = deck_spec(app)["initialViewState"]
    assert 45.7 < view["latitude"] < 48.9 and 2.3 < view["longitude"] < 4.9  # France
    app.slider(key="k").set_value(2).run()
    _assert_views(app, 2, 12)
    legend = _legend(app)
    assert list(legend["rows"]) == [6, 6]  # Paris (north) is cluster 0, Lyon cluster 1
    app.selectbox(key="value_column").set_value("rating").run()
    assert not app.exception, app.exception
    box = chart_spec(app, "box_plot")
    assert box["layout"]["yaxis"]["title"]["text"] == "rating"
    assert box["data"][0]["median"] == [pytest.approx(4.3)]  # ratings of the Paris rows
    assert app.query_params["value"] == "rating"


def test_example_button_loads_the_example_and_forget_clears_it(
    make_app: Callable[..., AppTest],
) -> None:
    app = _data_page(make_app)
    app.button(key="data_example").click().run()
    assert not app.exception, app.exception
    assert any("built-in example example_places.csv" in text for text in _holding(app))
    assert any("320 places read from example_places.csv" in c for c in _captions(app))
    _open(app, CLUSTERS_PAGE)
    _assert_views(app, app.slider(key="k").value, 320)
    _open(app, DATA_PAGE)
    app.button(key="data_forget").click().run()
    assert not app.exception, app.exception
    assert not _holding(app)
    assert app.button(key="data_example").label == "Try an example"
    assert _now_clustering(app) == "Now clustering: California housing, 1990 census"
    assert not app.sidebar.radio  # no file to switch to


def test_replacing_a_file_keeps_the_uploader(make_app: Callable[..., AppTest]) -> None:
    """The browser replaces a file by removing the old one first; the new one must show."""
    app = _upload(_data_page(make_app), GOOD_FILE.name, GOOD_FILE.read_bytes())
    key = app.file_uploader[0].key
    app.file_uploader[0].set_value(None).run()  # the old file removed
    assert not app.exception, app.exception
    assert not _holding(app)  # nothing held any more: back to the census data
    assert _now_clustering(app) == "Now clustering: California housing, 1990 census"
    assert app.file_uploader[0].key == key  # the same uploader receives the replacement
    _upload(app, "three.csv", b"lat,lon\n45.1,5.1\n45.2,5.3\n46.0,6.1\n")
    assert any("three.csv" in text for text in _holding(app))
    assert _now_clustering(app) == "Now clustering: three.csv"
    _open(app, CLUSTERS_PAGE)
    _assert_views(app, 2, 3)


def test_forget_empties_the_uploader(make_app: Callable[..., AppTest]) -> None:
    app = _upload(_data_page(make_app), GOOD_FILE.name, GOOD_FILE.read_bytes())
    key = app.file_uploader[0].key
    app.button(key="data_forget").click().run()
    assert not app.exception, app.exception
    assert app.file_uploader[0].key != key and app.file_uploader[0].value is None
    assert not _holding(app)
    assert _now_clustering(app) == "Now clustering: California housing, 1990 census"


def test_the_sidebar_switches_between_the_file_and_the_census_data(
    make_app: Callable[..., AppTest],
) -> None:
    app = _upload(_data_page(make_app), GOOD_FILE.name, GOOD_FILE.read_bytes())
    app.sidebar.radio(key="data_switch").set_value("housing").run()
    assert not app.exception, app.exception
    assert _now_clustering(app) == "Now clustering: California housing, 1990 census"
    assert any("places_good.csv" in text for text in _holding(app))  # still held
    app.sidebar.radio(key="data_switch").set_value("file").run()
    assert _now_clustering(app) == "Now clustering: places_good.csv"
    _open(app, CLUSTERS_PAGE)
    _assert_views(app, app.slider(key="k").value, 12)


def test_coordinates_chosen_by_hand(make_app: Callable[..., AppTest]) -> None:
    content = b"north,east,v\n45.1,5.1,1\n45.2,5.3,9\n46.0,6.1,2\n45.9,6.0,8\n45.0,5.2,5\n"
    app = _upload(_data_page(make_app), "places.csv", content)
    assert "No coordinates found" in _errors(app)[0]
    assert app.selectbox(key="data_lat").value is None
    app.selectbox(key="data_lat").set_value("north").run()
    assert "longitude column" in _errors(app)[0]  # the latitude one is found now
    app.selectbox(key="data_lon").set_value("east").run()
    assert not app.error, _errors(app)
    _open(app, CLUSTERS_PAGE)
    features = app.multiselect(key="features")
    assert features.value == ["latitude", "longitude", "v"]
    assert features.options == ["north", "east", "v"]
    _assert_views(app, app.slider(key="k").value, 5)


def test_places_swapped_into_the_sea_get_the_swap_button(
    make_app: Callable[..., AppTest],
) -> None:
    # Paris with its columns swapped: within range, but in the Indian Ocean.
    content = b"lat,lon\n2.3522,48.8566\n2.3376,48.8606\n2.3656,48.8719\n2.3692,48.8532\n"
    app = _upload(_data_page(make_app), "paris.csv", content)
    assert any("4 of 4 places fall in the sea" in text for text in _read(app.warning))
    app.button(key="data_whereabouts").click().run()
    assert not app.exception, app.exception
    assert not app.warning, _read(app.warning)
    assert app.selectbox(key="data_lat").value == "lon"
    assert app.selectbox(key="data_lon").value == "lat"
    assert "**Where the places are:** 4 in France." in [m.value for m in app.markdown]


def test_geographic_scaler_falls_back_without_both_coordinates(
    make_app: Callable[..., AppTest],
) -> None:
    app = _clusters_of(make_app, GOOD_FILE.name, GOOD_FILE.read_bytes())
    app.selectbox(key="scaler").set_value("geographic").run()
    assert not app.warning, _read(app.warning)
    assert app.slider(key="location_weight").value == 1.0
    app.multiselect(key="features").set_value(["latitude", "visitors"]).run()
    assert any("geographic scaler needs latitude and longitude" in w for w in _read(app.warning))
    _assert_views(app, app.slider(key="k").value, 12)


def test_no_feature_chosen_is_a_warning(make_app: Callable[..., AppTest]) -> None:
    app = _clusters_of(make_app, GOOD_FILE.name, GOOD_FILE.read_bytes())
    app.multiselect(key="features").set_value([]).run()
    assert not app.exception, app.exception
    assert any("Choose at least one feature" in text for text in _read(app.warning))
    assert not app.get("deck_gl_json_chart")


# ------------------------------------------------------------------------------------ k caps


def test_k_slider_is_capped_for_a_small_file(make_app: Callable[..., AppTest]) -> None:
    app = _data_page(make_app)
    app.button(key="data_example").click().run()
    _open(app, CLUSTERS_PAGE)
    app.slider(key="k").set_value(12).run()
    content = b"lat,lon,v\n45.1,5.1,1\n45.2,5.3,9\n46.0,6.1,2\n45.9,6.0,8\n45.0,5.2,5\n"
    _upload(app, "five.csv", content)
    _open(app, CLUSTERS_PAGE)
    slider = app.slider(key="k")
    assert slider.max == 4 and slider.value <= 4
    assert any(
        "k goes up to 4 here: there are too few distinct rows for more" in caption
        for caption in _read(app.sidebar.caption)
    )
    _assert_views(app, slider.value, 5)


PAIRS = b"lat,lon,v\n45.1,5.1,1\n45.1,5.1,2\n46.0,6.1,3\n46.0,6.1,4\n45.0,5.9,5\n45.0,5.9,6\n"


def test_k_above_the_cap_is_lowered(make_app: Callable[..., AppTest]) -> None:
    # Three distinct places, each twice, with distinct values: 5 clusters on (lat, lon, v),
    # at most 3 on (lat, lon).
    app = _clusters_of(make_app, "pairs.csv", PAIRS)
    app.slider(key="k").set_value(5).run()
    _assert_views(app, 5, 6)
    app.multiselect(key="features").set_value(["latitude", "longitude"])
    run_until_scored(app)
    assert app.slider(key="k").value == 3
    assert app.slider(key="k").max == 3
    _assert_views(app, 3, 6)
    assert list(_legend(app)["rows"]) == [2, 2, 2]


@pytest.fixture
def held_scores(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The sweep's scores wait until the event yielded is set (as for a big file)."""
    release = threading.Event()
    real_score_sweep = cache.model.score_sweep

    def held_score_sweep(*args: Any, **kwargs: Any) -> Any:
        release.wait(timeout=120)
        return real_score_sweep(*args, **kwargs)

    monkeypatch.setattr(cache.model, "score_sweep", held_score_sweep)
    yield release
    release.set()  # whatever the test did: no scoring left waiting


def _lower_k_of_pairs(make_app: Callable[..., AppTest], release: threading.Event) -> AppTest:
    """k = 5 on (lat, lon, v) of PAIRS, then (lat, lon): k is lowered, the scores under way."""
    app = _clusters_of(make_app, "pairs.csv", PAIRS)
    release.set()
    run_until_scored(app)
    app.slider(key="k").set_value(5).run()
    release.clear()
    app.multiselect(key="features").set_value(["latitude", "longitude"]).run()
    assert not app.exception, app.exception
    assert app.slider(key="k").value == 3
    return app


LOWERED_NOTE = "k was lowered from 5 to 3"


def test_k_above_the_cap_is_lowered_with_a_note(
    make_app: Callable[..., AppTest], held_scores: threading.Event
) -> None:
    app = _lower_k_of_pairs(make_app, held_scores)
    notes = _read(app.sidebar.caption)
    assert any(LOWERED_NOTE in note for note in notes), notes


def test_the_note_on_a_lowered_k_stays_when_the_scores_are_drawn(
    make_app: Callable[..., AppTest], held_scores: threading.Event
) -> None:
    app = _lower_k_of_pairs(make_app, held_scores)
    held_scores.set()
    run_until_scored(app)  # in a browser: the rerun the page asks for itself
    notes = _read(app.sidebar.caption)
    assert any(LOWERED_NOTE in note for note in notes), notes


def test_three_rows_allow_only_k2(make_app: Callable[..., AppTest]) -> None:
    app = _clusters_of(make_app, "three.csv", b"lat,lon\n45.1,5.1\n45.2,5.3\n46.0,6.1\n")
    assert not app.get("slider")
    assert any("k = 2" in block.value for block in app.sidebar.markdown)
    _assert_views(app, 2, 3)


# --------------------------------------------------------------------------------- downloads


def test_downloads_are_safe_csv_and_geojson(
    make_app: Callable[..., AppTest], deferred_downloads: dict[str, Callable[[], Any]]
) -> None:
    app = _clusters_of(make_app, GOOD_FILE.name, GOOD_FILE.read_bytes())
    app.slider(key="k").set_value(2).run()
    assert {"places_good_k2_rows.csv", "places_good_k2_rows.geojson"} <= set(deferred_downloads)
    assert [button.key for button in app.get("download_button")] == [
        "download_rows",
        "download_geojson",
        "download_profiles",
        "download_settings",
        "download_model",
        "download_report",
    ]
    legend_rows = _legend(app)["rows"].tolist()

    csv_bytes = deferred_downloads["places_good_k2_rows.csv"]()
    rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8"))))
    assert len(rows) == 12
    # The file's own column names (not the page's latitude/longitude), in its order.
    assert list(rows[0]) == ["name", "lat", "lng", "visitors", "rating", "cluster_name", "cluster"]
    # Each cluster's drafted name (the Classify page edits it), the same for its rows.
    assert len({(row["cluster"], row["cluster_name"]) for row in rows}) == 2
    names = [row["name"] for row in rows]
    assert names[0] == "'=1+1" and names[5] == "'@SUM(A1:A9)" and names[9] == "'+cmd"
    assert names[1] == "Louvre corner"
    assert not any(name.startswith(("=", "+", "-", "@")) for name in names)
    assert [int(row["cluster"]) for row in rows] == [0] * 6 + [1] * 6
    assert float(rows[0]["lat"]) == 48.8566  # numbers are written unchanged
    assert rows[0]["rating"] == "4.5" and rows[3]["rating"] == "4.1"
    parsed = pd.read_csv(io.BytesIO(csv_bytes))
    assert parsed["cluster"].value_counts().sort_index().tolist() == legend_rows

    collection = json.loads(deferred_downloads["places_good_k2_rows.geojson"]())
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert len(features) == 12
    assert all(feature["type"] == "Feature" for feature in features)
    first = features[0]
    assert first["geometry"] == {"type": "Point", "coordinates": [2.3522, 48.8566]}
    assert first["properties"]["name"] == "=1+1"  # GeoJSON keeps the text as it is
    assert first["properties"]["lat"] == 48.8566 and first["properties"]["rating"] == 4.5
    assert [feature["properties"]["cluster"] for feature in features] == [0] * 6 + [1] * 6


def test_download_marks_rows_not_clustered(
    make_app: Callable[..., AppTest], deferred_downloads: dict[str, Callable[[], Any]]
) -> None:
    content = b"lat,lon,v\n45.1,5.1,1\n45.2,5.3,\n46.0,6.1,2\n45.9,6.0,8\n45.0,5.2,5\n"
    app = _clusters_of(make_app, "gaps.csv", content)
    assert any(
        "1 of 5 rows have no value for a chosen feature (v: 1)" in text for text in _read(app.info)
    )
    k = app.slider(key="k").value
    _assert_views(app, k, 5, n_clustered=4)
    rows = pd.read_csv(io.BytesIO(deferred_downloads[f"gaps_k{k}_rows.csv"]()))
    assert rows["cluster"].iloc[1] == -1 and (rows["cluster"].drop(index=1) >= 0).all()
    collection = json.loads(deferred_downloads[f"gaps_k{k}_rows.geojson"]())
    assert collection["features"][1]["properties"]["v"] is None
    assert collection["features"][1]["properties"]["cluster"] == -1
    assert collection["features"][1]["properties"]["cluster_name"] == ""


# -------------------------------------------------------------------------------- navigation


@pytest.mark.slow
def test_navigation_works_after_a_bad_file_and_the_file_is_kept(
    make_app: Callable[..., AppTest],
) -> None:
    app = _upload(_data_page(make_app), "places.csv", b"name,price\nA,1\n")
    assert "No coordinates found" in _errors(app)[0]
    content = GOOD_FILE.read_bytes()
    _upload(app, GOOD_FILE.name, content)
    _open(app, CLUSTERS_PAGE)
    app.multiselect(key="features").set_value(["latitude", "longitude", "rating"]).run()
    app.slider(key="k").set_value(4).run()
    # Explore shows the same file (and needs no k-means sweep, which keeps this test quick).
    _open(app, "pages/explore.py")
    assert app.get("plotly_chart"), "the Explore page should draw its charts"
    assert any("12 places of places_good.csv" in caption for caption in _captions(app))
    assert not app.get("file_uploader")
    _open(app, DATA_PAGE)
    assert _now_clustering(app) == "Now clustering: places_good.csv"
    _open(app, CLUSTERS_PAGE)
    assert app.multiselect(key="features").value == ["latitude", "longitude", "rating"]
    _assert_views(app, 4, 12)
    assert app.query_params["data"] == _upload_param(content)
    assert app.query_params["features"] == "latitude,longitude,rating"


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
    app = _clusters_of(make_app, "many.csv", _many_places_csv(n_rows))
    assert not app.error, _errors(app)
    n_clustered = n_rows - 30  # the rows without a price are not clustered
    captions = _captions(app)
    assert any(f"K-means groups the {n_clustered:,} places of many.csv" in c for c in captions)
    assert any("The 30 rows without a cluster are not drawn" in c for c in captions)
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
    k = app.slider(key="k").value
    other = 2 if k != 2 else 3
    app.slider(key="k").set_value(other).run()
    assert not app.exception, app.exception
    changed = layer(deck_spec(app), "points")
    assert changed["data"] == tiles["data"] and changed["id"] == tiles["id"]
    assert f"properties.k{other}" in json.dumps(changed["getFillColor"])
    legend = _legend(app)
    assert legend["rows"].sum() == n_rows  # with a row for the 30 not clustered
    assert list(legend["cluster"])[-1] == "not clustered"
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
        _data_page(make_app),
        "places_good.parquet",
        _good_file_as_parquet(),
        "application/octet-stream",
    )
    assert any(
        "12 places read from places_good.parquet (Parquet)" in caption for caption in _captions(app)
    )
    assert app.selectbox(key="data_lat").value == "lat"
    assert app.selectbox(key="data_lon").value == "lng"
    _open(app, CLUSTERS_PAGE)
    assert app.multiselect(key="features").options == ["lat", "lng", "visitors", "rating"]
    assert app.slider(key="k").max == 11
    app.slider(key="k").set_value(2).run()
    _assert_views(app, 2, 12)
    assert list(_legend(app)["rows"]) == [6, 6]
    from_parquet = deferred_downloads.pop("places_good_k2_rows.csv")()

    app = _clusters_of(make_app, GOOD_FILE.name, GOOD_FILE.read_bytes())
    app.slider(key="k").set_value(2).run()
    from_csv = deferred_downloads["places_good_k2_rows.csv"]()
    assert from_parquet == from_csv  # the same rows, numbers and clusters


def test_the_profile_names_a_file_s_columns_as_the_file_does(
    make_app: Callable[..., AppTest],
) -> None:
    app = _clusters_of(make_app, GOOD_FILE.name, GOOD_FILE.read_bytes())
    profile = next(table.value for table in app.dataframe if "standouts" in table.value.columns)
    standouts = " ".join(profile["standouts"])
    assert "lat " in standouts or "lng " in standouts, standouts
    assert "latitude" not in standouts and "longitude" not in standouts, standouts
