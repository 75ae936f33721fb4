"""AppTest tests of the Explore page on the real data."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import deck_spec, layer, texts
from streamlit.testing.v1 import AppTest


@pytest.mark.slow
def test_explore_renders_map_histogram_caps_and_missing(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app("pages/explore.py")
    app.run()
    assert not app.exception, app.exception
    assert not app.error
    # The value map is a pydeck map (it draws offline) over the served base map style,
    # whose tiles draw the outline (the style without Carto's tiles: no network here).
    spec = deck_spec(app)
    assert spec["mapStyle"].startswith("app/static/outline/base-")
    assert spec["mapStyle"].endswith("/style-offline.json")
    assert "outline" not in [layer["id"] for layer in spec["layers"]]
    values = layer(spec, "values")
    assert len(values["data"]) == 20_640
    assert values["getFillColor"].startswith("@@=this[2] < ")  # a colour per value
    assert any("viridis scale" in text for text in texts(app.caption))
    capped = next(t.value for t in app.dataframe if "rows at the cap" in t.value.columns)
    counts = dict(zip(capped["column"], capped["rows at the cap"], strict=True))
    # Human labels, not raw column names.
    assert counts["Median house value"] == 965
    assert counts["Median house age"] == 1273
    missing = next(t.value for t in app.dataframe if "missing" in t.value.columns)
    assert dict(zip(missing["column"], missing["missing"], strict=True))["Total bedrooms"] == 207
    assert any("500,001" in text for text in texts(app.info))


@pytest.mark.slow
def test_explore_histogram_marks_the_cap(real_data: Path, make_app: Callable[..., AppTest]) -> None:
    app = make_app("pages/explore.py")
    app.run()
    app.selectbox(key="explore_histogram_column").set_value("median_house_value").run()
    assert not app.exception, app.exception
    histogram = json.loads(app.get("plotly_chart")[0].proto.spec)
    annotations = [a["text"] for a in histogram["layout"]["annotations"]]
    assert any("965 rows" in text for text in annotations), annotations
    app.selectbox(key="explore_histogram_column").set_value("housing_median_age").run()
    histogram = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert any("1,273 rows" in a["text"] for a in histogram["layout"]["annotations"])


@pytest.mark.slow
def test_app_navigates_to_explore(real_data: Path, make_app: Callable[..., AppTest]) -> None:
    app = make_app()
    app.run()
    app.switch_page("pages/explore.py").run()
    assert not app.exception, app.exception
    assert any("before clustering" in title.value for title in app.title)
