"""AppTest: the Classify page on the census data and on an uploaded file."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import chart_spec, places_with_a_negative_column, texts, upload_on_data_page
from streamlit.testing.v1 import AppTest

from components.ui.classification import CORRELATION_KEY, NAME_KEY_PREFIX

PAGE = "pages/classify.py"


def _table(app: AppTest, column: str):
    return next(table.value for table in app.dataframe if column in table.value.columns)


def _headers(app: AppTest, column: str) -> list[str]:
    """The headers a reader sees over the table holding ``column`` (its column labels)."""
    table = next(table for table in app.dataframe if column in table.value.columns)
    config = json.loads(table.proto.columns)
    return [config.get(name, {}).get("label", name) for name in table.value.columns]


@pytest.mark.slow
def test_classify_page_on_the_census_data(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app(features="latitude,longitude,median_house_value,population,households")
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    assert not app.error, texts(app.error)
    skew = _table(app, "skewness_before")
    # Under the labels every other page shows.
    assert list(skew["feature"]) == ["Median house value", "Population", "Households"]
    # households and population are correlated: the pair is flagged with a proposed drop.
    assert any(
        "Population and Households" in str(item.value) and "drop" in str(item.value)
        for item in app.markdown
    )
    assert _headers(app, "skewness_before") == ["Variable", "Skewness before", "Skewness after"]
    assert _headers(app, "adjusted_rand") == [
        "Variable left out",
        "Adjusted Rand",
        "Silhouette",
        "Silhouette change",
    ]
    assert app.radio(key=CORRELATION_KEY).options == ["Pearson", "Spearman"]
    left_out = _table(app, "adjusted_rand")
    assert set(left_out["variable"]) == {
        "location",
        "Median house value",
        "Population",
        "Households",
    }
    heatmap = chart_spec(app, "index_heatmap")
    assert heatmap["data"][0]["z"]["shape"] == "5, 10"  # 5 clusters x 10 profiled columns
    regions = _table(app, "clusters in pieces").set_index("method")
    assert regions.loc["contiguous regions", "clusters in pieces"] == 0
    assert regions.loc["k-means", "clusters in pieces"] > 0
    assert regions.loc["contiguous regions", "ratio to k-means"] > 1
    assert chart_spec is not None and len(app.get("deck_gl_json_chart")) == 2
    names = [app.text_input(key=f"{NAME_KEY_PREFIX}{index}").value for index in range(5)]
    assert len(set(names)) == 5 and all(names)
    # A name edited here travels in the link and names the cluster on the Clusters page.
    app.text_input(key=f"{NAME_KEY_PREFIX}0").input("Bay <b>Area</b>|x").run()
    assert not app.exception, app.exception
    assert app.query_params["names"].split("|")[0] == "Bay <b>Area</b> x"
    app.switch_page("pages/clusters.py").run()
    legend = next(table.value for table in app.table if "median" in table.value.columns)
    assert legend["name"].iloc[0] == "Bay <b>Area</b> x"
    # ... and under its box, as text (plotly would otherwise render the markup).
    ticks = chart_spec(app, "box_plot")["layout"]["xaxis"]["ticktext"]
    assert ticks[0].endswith("Bay &lt;b&gt;Area&lt;/b&gt; x") and len(ticks) == 5
    app.switch_page("pages/explain.py").run()
    assert not app.exception, app.exception
    assert any(
        str(item.value) == "**Bay \\<b\\>Area\\</b\\> x**" or "Area" in str(item.value)
        for item in app.markdown
    )


@pytest.mark.slow
def test_classify_page_on_an_uploaded_file_with_two_levels(
    make_app: Callable[..., AppTest], deferred_downloads: dict[str, Callable[[], Any]]
) -> None:
    app = upload_on_data_page(make_app(), "places.csv", places_with_a_negative_column(300))
    app.switch_page(PAGE).run()
    app.multiselect(key="features").set_value(["latitude", "longitude", "balance"]).run()
    app.selectbox(key="method").set_value("levels").run()
    app.slider(key="fine_k").set_value(12).run()
    assert not app.exception, app.exception
    assert not app.error, texts(app.error)
    # The file's own column names, as on every other page.
    assert chart_spec(app, "correlation_chart")["data"][0]["x"] == ["lat", "lng", "balance"]
    assert list(_table(app, "skewness_before")["feature"]) == ["balance"]
    table = _table(app, "fine cluster")
    assert len(table) == 12 and table["places"].sum() == 300
    tree = chart_spec(app, "levels_tree")
    assert tree["data"]
    # index scores of a column with negative values are standardised differences
    assert any("Standardised difference" in str(caption.value) for caption in app.caption)
    app.toggle(key="fine_profiles").set_value(True).run()
    fine = chart_spec(app, "index_heatmap")
    assert fine["data"][0]["z"]["shape"].startswith("12,")
    # The rows' download says both levels: the group and the fine cluster ("2b").
    app.switch_page("pages/clusters.py").run()
    k = app.slider(key="k").value
    rows = pd.read_csv(io.BytesIO(deferred_downloads[f"places_k{k}_rows.csv"]()))
    assert rows["fine_cluster"].str.fullmatch(r"\d+[a-z]+").all()
    assert (rows["fine_cluster"].str.extract(r"^(\d+)")[0].astype(int) - 1 == rows["cluster"]).all()
