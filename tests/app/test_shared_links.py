"""A link carries its data source: the census data, or an uploaded file by its sha256."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.engine import places
from tests.app.conftest import texts, upload_on_data_page
from tests.hostile.catalogue import plain

EXAMPLE = places.example_places_csv()
EXAMPLE_PARAM = "upload:" + hashlib.sha256(EXAMPLE).hexdigest()[:16]
CLUSTERS = "pages/clusters.py"
pytestmark = pytest.mark.slow  # the census data's sweep and a file's, in AppTest


def test_a_link_to_a_file_not_held_says_so_and_applies_once_it_is_uploaded(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app(data=EXAMPLE_PARAM, k="7", features="latitude,longitude,floor_area_m2")
    app.run()
    assert not app.exception, app.exception
    notices = [plain(text) for text in texts(app.warning)]
    assert any("does not hold" in text and "Upload the same file" in text for text in notices)
    # Meanwhile the census data is shown, on its own settings.
    assert app.multiselect(key="features").value == ["latitude", "longitude", "median_house_value"]

    upload_on_data_page(app, "places.csv", EXAMPLE)
    app.switch_page(CLUSTERS).run()
    assert not app.exception, app.exception
    assert app.slider(key="k").value == 7
    assert app.multiselect(key="features").value == ["latitude", "longitude", "floor_area_m2"]
    assert app.query_params["data"] == EXAMPLE_PARAM


def test_a_link_to_the_census_data_opened_on_a_file_shows_the_census_data(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app()
    upload_on_data_page(app, "places.csv", EXAMPLE)
    app.switch_page(CLUSTERS).run()
    assert app.query_params["data"] == EXAMPLE_PARAM
    assert "rent_per_m2" in app.multiselect(key="features").value

    app.query_params.clear()
    app.query_params.update({"data": "housing", "k": "4"})
    app.run()
    assert not app.exception, app.exception
    assert app.slider(key="k").value == 4
    assert "median_house_value" in app.multiselect(key="features").value
    # The file is still held: the sidebar can switch back to it.
    assert app.sidebar.radio(key="data_switch").value == "housing"
