"""AppTest: the Clusters page offers the report, built on click from the view it shows."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.offline
import pytest
from conftest import places_with_a_negative_column, run_until_scored, upload_on_data_page
from streamlit.testing.v1 import AppTest

from components.ui.classification import NAME_KEY_PREFIX
from components.ui.report import PENDING_NOTE
from tests.reference_data import PUBLISHED_SHA256

REPORT_LABEL = "Download the report (HTML)"
HOSTILE = "<script>alert(1)</script>"


def _legend_names(app: AppTest) -> list[str]:
    legend: pd.DataFrame = next(
        table.value for table in app.table if "median" in table.value.columns
    )
    return [str(name) for name in legend["name"] if name]


def _report(app: AppTest, downloads: dict[str, Callable[[], Any]], file_name: str) -> str:
    """The report's page as a click builds it, without plotly's JavaScript (whose strings
    hold URLs it never fetches)."""
    assert REPORT_LABEL in [button.label for button in app.get("download_button")]
    text = downloads[file_name]().decode("utf-8")
    script = plotly.offline.get_plotlyjs()
    assert text.count(script) == 1
    return text.replace(script, "")


@pytest.mark.slow
def test_report_of_the_census_data_names_the_clusters(
    real_data: Path, make_app: Callable[..., AppTest], deferred_downloads: dict[str, Any]
) -> None:
    app = make_app()
    run_until_scored(app)
    assert not app.exception, app.exception
    names = _legend_names(app)  # drafted from the clusters' index scores
    assert len(names) == 5
    text = _report(app, deferred_downloads, "California_housing_1990_census_k5_report.html")
    for cluster, name in enumerate(names):
        assert f"<h3>{cluster}: {html.escape(name)}</h3>" in text
    assert f"<th>sha256 of the data</th><td>{PUBLISHED_SHA256}</td>" in text
    assert "<th>Features</th><td>Latitude, Longitude, Median house value</td>" in text
    assert "<th>k</th><td>5</td>" in text
    assert "<th>Seed (random_state)</th><td>0</td>" in text
    assert "<th>Scaler</th><td>Standard (z-score per feature)</td>" in text
    assert "Median house value is" in text and "% of the average." in text
    assert "Every one of the 20,640 places is drawn." in text
    assert 'id="index-scores"' in text
    assert PENDING_NOTE not in text


@pytest.mark.slow
def test_report_of_an_uploaded_file(
    make_app: Callable[..., AppTest], deferred_downloads: dict[str, Any]
) -> None:
    content = places_with_a_negative_column(200)
    app = upload_on_data_page(make_app(), "sites <b>.csv", content)
    app.switch_page("pages/classify.py").run()
    app.multiselect(key="features").set_value(["latitude", "longitude", "balance"]).run()
    # A name edited on the Classify page names the cluster in the report, as text.
    app.text_input(key=f"{NAME_KEY_PREFIX}0").input(HOSTILE).run()
    app.switch_page("pages/clusters.py")
    run_until_scored(app)
    assert not app.exception, app.exception
    k = app.slider(key="k").value
    text = _report(app, deferred_downloads, f"sites_b_k{k}_report.html")
    assert HOSTILE not in text
    assert "<h1>Clusters of sites &lt;b&gt;.csv</h1>" in text
    assert f"<th>sha256 of the data</th><td>{hashlib.sha256(content).hexdigest()}</td>" in text
    assert "<th>Features</th><td>lat, lng, balance</td>" in text
    names = _legend_names(app)
    assert len(names) == k and names[0] == HOSTILE
    for cluster, name in enumerate(names):
        assert f"<h3>{cluster}: {html.escape(name)}</h3>" in text
    # balance has negative values: its scores are standardised differences.
    assert "balance is" in text and "standard deviations" in text
    assert "Every one of the 200 places is drawn." in text
