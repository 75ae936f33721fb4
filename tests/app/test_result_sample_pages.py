"""AppTest tests of the per-row pages on a Dask result: a random sample of its source's rows.

With ``GEOCLUSTER_RESULT`` naming a result whose source Parquet folder is on disk (the 3,000
places the toy result was fitted on, :func:`toy_result.write_toy_source`), Explain, Explore,
Classify and When k-means fails run their pipeline on a sample of those rows (the sample's
limit is lowered to 1,000 here, so the pages' note gives both numbers) and say so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import chart_spec, deck_spec, texts
from streamlit.testing.v1 import AppTest
from toy_result import N_ROWS, write_toy_result, write_toy_source

from components.engine import parquet_sample
from components.ui import source
from components.ui.result import RESULT_ENV_VAR, RESULT_K_KEY, RESULT_VIEW_KEY
from components.ui.text import escape_markdown

SAMPLE_ROWS = 1_000
NOTE = (
    f"These views work on a random sample of {SAMPLE_ROWS:,} of the {N_ROWS:,} places of the "
    "Dask result (read from places)"
)
# Each per-row page and a chart it draws from the sample.
PAGES = {
    "pages/explain.py": "explain_value_boxes",
    "pages/explore.py": "explore_histogram",
    "pages/classify.py": "index_heatmap",
    "pages/kmeans_fails.py": "kmf_toy_grid",
}
HOUSING_WORDS = ("housing", "block group", "census", "california")
_TEXT_ELEMENTS = ("title", "header", "subheader", "caption", "markdown", "alert", "metric")


@pytest.fixture
def sampled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A result named by GEOCLUSTER_RESULT, its source folder written; returns that folder."""
    places = write_toy_source(tmp_path / "places")
    folder = write_toy_result(tmp_path / "result", source=str(places))
    monkeypatch.setenv(RESULT_ENV_VAR, str(folder))
    monkeypatch.setattr(parquet_sample, "SAMPLE_ROWS", SAMPLE_ROWS)
    return places


def _main_text(app: AppTest) -> str:
    """Every text of the page's main area (the sidebar's switch names the housing data)."""
    found: list[Any] = []
    for kind in _TEXT_ELEMENTS:
        found += app.main.get(kind)
    return " ".join(str(getattr(element, "value", "")) + str(element.proto) for element in found)


@pytest.mark.parametrize("page", tuple(PAGES))
def test_each_per_row_page_works_on_a_sample_and_says_so(
    sampled: Path, make_app: Callable[..., AppTest], page: str
) -> None:
    app = make_app(page)
    app.run()
    assert not app.exception
    # Classify's contiguous regions may say that k is too few for the places' groups.
    assert not [error for error in texts(app.error) if "No regions" not in error]
    notes = [note for note in texts(app.info) if note.startswith("These views")]
    assert len(notes) == 1, texts(app.info)
    assert notes[0].startswith(NOTE)
    also = "Clusters and Choose k also show the result's own clusters on all its places."
    assert also in notes[0]
    assert chart_spec(app, PAGES[page])["data"]
    if page in ("pages/explore.py", "pages/kmeans_fails.py"):
        assert deck_spec(app)["layers"]
    text = _main_text(app).lower()
    assert not [word for word in HOUSING_WORDS if word in text]
    assert str(sampled) not in _main_text(app)
    # The sidebar's one switch names the result as the active data.
    assert app.sidebar.radio(key=source.SWITCH_KEY).value == "result"


def test_the_pages_start_from_the_results_features(
    sampled: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app("pages/explain.py")
    app.run()
    assert app.multiselect(key="features").value == ["latitude", "longitude", "price"]
    assert app.selectbox(key="scaler").value == "standard"
    assert "features: latitude, longitude, price" in app.caption[0].value


@pytest.mark.slow
def test_the_switch_goes_to_the_housing_data_and_back(
    sampled: Path, real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app("pages/explore.py")
    app.run()
    app.sidebar.radio(key=source.SWITCH_KEY).set_value("housing").run()
    assert not app.exception
    assert not [note for note in texts(app.info) if note.startswith("These views")]
    assert "census block groups" in app.caption[0].value
    app.sidebar.radio(key=source.SWITCH_KEY).set_value("result").run()
    assert not app.exception
    assert [note for note in texts(app.info) if note.startswith(NOTE)]


def test_the_data_page_offers_the_result(sampled: Path, make_app: Callable[..., AppTest]) -> None:
    app = make_app("pages/data.py")
    app.run()
    assert not app.exception
    assert app.button(key=source.RESULT_KEY).disabled  # it is the active source already
    assert any(header.value == "Now clustering: places" for header in app.subheader)


def test_a_moved_source_is_named_and_clusters_still_show_the_result(
    sampled: Path, make_app: Callable[..., AppTest]
) -> None:
    sampled.rename(sampled.with_name("moved"))
    app = make_app("pages/explore.py")
    app.run()
    assert not app.exception
    [message] = texts(app.error)
    assert "the result's source file (places) must be readable at its path" in message
    assert "from the app's server" in message
    assert "Clusters and Choose k pages still show the result's own clusters" in message
    assert str(sampled.parent) not in message  # the server's folders stay private
    assert app.title[0].value == "The data before clustering"  # the rest of the page works
    assert app.sidebar.radio(key=source.SWITCH_KEY).value == "result"
    clusters = make_app("pages/clusters.py")
    clusters.run()
    assert not clusters.exception
    assert clusters.title[0].value == "Clusters of the places in a Dask result"
    assert clusters.select_slider(key=RESULT_K_KEY).value


@pytest.mark.parametrize(
    ("page", "title", "chart"),
    [
        ("pages/clusters.py", "Clusters", "box_plot"),
        ("pages/choose_k.py", "Choose k", "silhouette_plot"),
    ],
)
def test_clusters_and_choose_k_show_every_view_on_a_sample_when_asked(
    sampled: Path, make_app: Callable[..., AppTest], page: str, title: str, chart: str
) -> None:
    app = make_app(page)
    app.run()
    assert app.radio(key=RESULT_VIEW_KEY).value == "result"  # the result's own clusters first
    assert "Dask result" in app.title[0].value or app.title[0].value == "Choose k"
    app.radio(key=RESULT_VIEW_KEY).set_value("sample").run()
    assert not app.exception
    assert app.title[0].value == title
    [note] = [note for note in texts(app.info) if note.startswith("These views")]
    assert note.startswith(NOTE)
    assert chart_spec(app, chart)["data"]  # the per-row views, drawn from the sample
    assert app.slider(key="k").value  # the page's own settings, for the sample
    app.radio(key=RESULT_VIEW_KEY).set_value("result").run()
    assert not app.exception
    assert app.select_slider(key=RESULT_K_KEY).value in (2, 3, 4, 5)


@pytest.mark.slow
def test_a_link_to_the_result_opened_on_the_census_data_shows_the_result(
    sampled: Path, real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app("pages/explain.py")
    app.run()
    app.sidebar.radio(key=source.SWITCH_KEY).set_value("housing").run()
    assert "median house value" in app.caption[0].value
    # A link to the result, pasted into this session: the pages switch to the result's rows
    # and take the link's k.
    app.query_params.clear()
    app.query_params.update({"data": "result", "k": "4", "features": "latitude,longitude,price"})
    app.run()
    assert not app.exception
    assert app.sidebar.radio(key=source.SWITCH_KEY).value == "result"
    assert [note for note in texts(app.info) if note.startswith(NOTE)]
    assert app.slider(key="k").value == 4


def test_a_link_to_a_result_this_server_does_not_open_says_so(
    real_data: Path, make_app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(RESULT_ENV_VAR, raising=False)
    app = make_app("pages/explain.py", data="result", k="4")
    app.run()
    assert not app.exception
    assert any(
        "a Dask result that this server does not open" in text
        for text in texts(app.warning) + texts(app.info)
    )
    assert "median house value" in app.caption[0].value  # the page shows the census data


def test_a_source_that_is_not_parquet_is_named_as_text(
    tmp_path: Path, make_app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The manifest names a text file whose name is Markdown and HTML: the page names the file
    # as text (escaped), with no server folder, and the rest of the page works.
    hostile = tmp_path / "<img src=x onerror=alert(1)> _x_ `y`.parquet"
    hostile.write_text("not parquet\n", encoding="utf-8")
    folder = write_toy_result(tmp_path / "result", source=str(hostile))
    monkeypatch.setenv(RESULT_ENV_VAR, str(folder))
    app = make_app("pages/explore.py")
    app.run()
    assert not app.exception
    [message] = [str(error.value) for error in app.error]
    assert escape_markdown(hostile.name) in message
    assert "<img" not in message.replace(escape_markdown(hostile.name), "")
    assert str(tmp_path) not in message
    assert app.title[0].value == "The data before clustering"
