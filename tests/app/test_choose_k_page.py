"""AppTest tests of the Choose k page on the real data: metrics, silhouette, stability, flows."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import HOUSING_CSV, chart_spec, deck_spec, layer, texts
from streamlit.testing.v1 import AppTest

from components.engine.sweep.silhouette import BORDER_SILHOUETTE
from components.figures.palette import PALETTE
from components.ui import insight as ui_insight
from components.ui import widgets as ui

PAGE = "pages/choose_k.py"


def _table(app: AppTest, column: str) -> pd.DataFrame:
    """The page's one table that has this column."""
    tables = [table.value for table in app.dataframe if column in table.value.columns]
    assert len(tables) == 1, [list(table.value.columns) for table in app.dataframe]
    return tables[0]


def _silhouette_points(app: AppTest) -> list[list[Any]]:
    return layer(deck_spec(app), "silhouette-points")["data"]


def _assert_silhouette_view(app: AppTest, k: int) -> None:
    """The silhouette plot, map and table all show k clusters."""
    plot = chart_spec(app, "silhouette_plot")
    assert plot["layout"]["title"]["text"].endswith(f"k = {k}")
    assert len(plot["data"]) == k + 1  # one band per cluster, then the cluster means
    assert [trace["fillcolor"] for trace in plot["data"][:k]] == list(PALETTE[:k])
    title = f"Silhouette of each block group at k = {k}"
    assert any(header.value == title for header in app.header)
    points = _silhouette_points(app)
    assert len(points) == 20_640
    tooltip = json.loads(app.get("deck_gl_json_chart")[0].proto.tooltip)["text"]
    assert tooltip == "Cluster {2}\nSilhouette {3}"
    assert {point[2] for point in points} == set(range(k))
    assert all(-1 <= point[3] <= 1 for point in points)
    labels = [label["text"] for label in layer(deck_spec(app), "centroid-labels")["data"]]
    assert labels == [str(cluster) for cluster in range(k)]
    table = _table(app, "mean_silhouette")
    assert list(table["cluster"]) == list(range(k))
    assert table["rows"].sum() == 20_640
    # The overall mean marked on the plot is the mean of the map's per-point values.
    mean_mark = plot["layout"]["annotations"][0]["text"]
    mean_of_points = sum(point[3] for point in points) / len(points)
    assert abs(float(mean_mark.removeprefix("mean ")) - mean_of_points) < 0.005


@pytest.mark.slow
def test_default_render_and_k_change(real_data: Path, make_app: Callable[..., AppTest]) -> None:
    app = make_app(PAGE)
    app.run()
    assert not app.exception, app.exception
    assert not app.error, texts(app.error)
    assert app.slider(key=ui.K_KEY).value == 5

    # Metrics across k: one row per k, the three suggestions, and the advice.
    metrics = _table(app, "davies_bouldin")
    assert list(metrics["k"]) == list(range(2, 16))
    assert (metrics["silhouette"].between(-1, 1)).all()
    assert list(metrics["shown"]).count("◀ shown") == 1
    assert metrics.loc[metrics["k"] == 5, "shown"].item() == "◀ shown"
    labels = [metric.label for metric in app.metric]
    assert "Knee of the inertia curve" in labels
    assert "Best silhouette (higher is better)" in labels
    best_silhouette_k = int(metrics.loc[metrics["silhouette"].idxmax(), "k"])
    assert next(m.value for m in app.metric if m.label.startswith("Best silhouette")) == (
        f"k = {best_silhouette_k}"
    )
    advice = " ".join(texts(app.info))
    assert "silhouette" in advice and "Calinski" in advice
    panels = chart_spec(app, "metrics_chart")
    curves = [trace for trace in panels["data"] if trace["mode"] == "lines+markers"]
    assert len(curves) == 5 and all(len(trace["x"]) == 14 for trace in curves)
    assert "lower is better" in " ".join(a["text"] for a in panels["layout"]["annotations"])

    _assert_silhouette_view(app, 5)

    # The map keeps the best of 10 starts, so its check waits for a click, its cost stated;
    # a one-start check runs at once.
    assert "auto (10 starts)" in app.button(key=ui_insight.RUN_STABILITY_KEY).label
    assert not [table for table in app.dataframe if "ari_mean" in table.value.columns]
    app.selectbox(key=f"{ui_insight.STABILITY_N_INIT_PREFIX}auto").set_value(1).run()
    assert not app.exception, app.exception

    # Stability: one entry per k, flags explained as seed sensitivity of single starts.
    stability = _table(app, "ari_mean")
    assert list(stability["k"]) == list(range(2, 16))
    flagged = list(stability.loc[~stability["reproducible"], "k"])
    assert flagged, "with one start per fit some k should be flagged on the housing data"
    warnings = " ".join(texts(app.warning))
    assert "flagged" in warnings and "seed" in warnings
    chart = chart_spec(app, "stability_chart")
    flag_trace = next(trace for trace in chart["data"] if trace["name"] == "not reproducible")
    assert sorted(flag_trace["x"]) == flagged
    assert any("10 starts" in button.label for button in app.button)
    clusters = _table(app, "jaccard_mean")
    assert list(clusters["cluster"]) == list(range(5))
    assert clusters["size"].sum() == 20_640

    # Clustergram: k = 2..8 by default, one node per (k, cluster).
    sankey = chart_spec(app, "clustergram")["data"][0]
    assert sankey["type"] == "sankey"
    assert len(sankey["node"]["label"]) == sum(range(2, 9))
    assert sankey["node"]["color"][:2] == list(PALETTE[:2])

    # Moving k: the silhouette section, the stability detail and the URL follow.
    app.slider(key=ui.K_KEY).set_value(8).run()
    assert not app.exception, app.exception
    _assert_silhouette_view(app, 8)
    assert list(_table(app, "jaccard_mean")["cluster"]) == list(range(8))
    assert _table(app, "davies_bouldin").loc[lambda t: t["k"] == 8, "shown"].item() == "◀ shown"
    assert app.query_params["k"] == "8"

    # Only the border points, then a narrower clustergram.
    app.toggle(key=ui_insight.BORDER_ONLY_KEY).set_value(True).run()
    border = _silhouette_points(app)
    assert 0 < len(border) < 20_640
    assert all(point[3] < BORDER_SILHOUETTE + 0.005 for point in border)
    app.slider(key=ui_insight.CLUSTERGRAM_RANGE_KEY).set_value((3, 5)).run()
    assert not app.exception, app.exception
    nodes = chart_spec(app, "clustergram")["data"][0]["node"]["label"]
    assert len(nodes) == 3 + 4 + 5


@pytest.mark.slow
def test_suggestion_button_and_more_starts_offer(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app(PAGE, k="4")
    app.run()
    show = next(button for button in app.button if button.label.startswith("Show k = "))
    target = int(show.label.removeprefix("Show k = "))
    show.click().run()
    assert not app.exception, app.exception
    assert app.slider(key=ui.K_KEY).value == target
    assert app.query_params["k"] == str(target)

    # After a one-start check, asking for 10 starts per fit states the cost from it and waits
    # for a click (no refits yet).
    app.selectbox(key=f"{ui_insight.STABILITY_N_INIT_PREFIX}auto").set_value(1).run()
    app.selectbox(key=f"{ui_insight.STABILITY_N_INIT_PREFIX}auto").set_value(10).run()
    assert not app.exception, app.exception
    offer = [text for text in texts(app.info) if "10 starts" in text]
    assert len(offer) == 1 and re.search(r"up to 10 times the \d+ s a one-start check", offer[0])
    run_button = app.button(key=ui_insight.RUN_STABILITY_KEY)
    assert "10 starts" in run_button.label
    assert not [table for table in app.dataframe if "ari_mean" in table.value.columns]


@pytest.mark.slow
def test_bad_link_values_are_reported(real_data: Path, make_app: Callable[..., AppTest]) -> None:
    app = make_app(PAGE, k="99", n_init="7")
    app.run()
    assert not app.exception, app.exception
    notices = " ".join(texts(app.warning))
    assert "Ignored k='99'" in notices and "Ignored n_init='7'" in notices
    assert app.slider(key=ui.K_KEY).value == 5
    assert chart_spec(app, "silhouette_plot")["layout"]["title"]["text"].endswith("k = 5")


def test_missing_data_is_explained(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_app: Callable[..., AppTest]
) -> None:
    assert HOUSING_CSV.is_file()
    monkeypatch.setenv("GEOCLUSTER_DATA", str(tmp_path / "nowhere.csv"))
    app = make_app(PAGE)
    app.run()
    assert not app.exception, app.exception
    assert any("nowhere.csv" in text for text in texts(app.error)), texts(app.error)
    assert any("Data page" in block.value for block in app.markdown)  # the way out
    assert not app.get("plotly_chart")


@pytest.mark.slow
def test_settings_survive_page_switches(real_data: Path, make_app: Callable[..., AppTest]) -> None:
    """The same widget keys on another page are new widgets; the settings must carry over."""
    features = ["latitude", "longitude", "median_income"]
    app = make_app(k="7", features=",".join(features))
    app.run()
    for page in ("pages/choose_k.py", "pages/explain.py", "pages/clusters.py"):
        app.switch_page(page).run()
        assert not app.exception, (page, app.exception)
        assert app.slider(key=ui.K_KEY).value == 7, page
        assert app.multiselect(key=ui.FEATURES_KEY).value == features, page
        assert "Choose at least one feature to cluster on." not in texts(app.warning), page
