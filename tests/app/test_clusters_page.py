"""AppTest tests of the Clusters page on the real data: render, k, features, scaler, URL."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import (
    SCORING_NOTE,
    chart_spec,
    colour_of,
    deck_spec,
    layer,
    layer_rows,
    n_conditions,
    point_clusters,
    rows_drawn,
    run_until_scored,
    texts,
)
from streamlit.testing.v1 import AppTest

from components.figures.palette import PALETTE, hex_to_rgb
from components.ui import cache
from tests.hostile.catalogue import plain

DEFAULT_FEATURES = ["latitude", "longitude", "median_house_value"]


def _legend(app: AppTest) -> pd.DataFrame:
    for table in app.table:
        frame = table.value
        if "median" in frame.columns:
            return frame
    raise KeyError("no legend table on the page")


def _colour_table(spec: dict[str, Any]) -> list[list[int]]:
    """The colour of each cluster id in the points layer's colour expression (on this[2])."""
    expression = layer(spec, "points")["getFillColor"]
    assert expression.startswith("@@=")
    n_colours = n_conditions(expression) + 1
    return [colour_of(expression, cluster) for cluster in range(n_colours)]


def _current_k_marks(elbow: dict[str, Any]) -> list[float]:
    return [shape["x0"] for shape in elbow["layout"]["shapes"] if shape.get("name") == "current k"]


def _assert_view(app: AppTest, k: int) -> None:
    """Everything on the page that depends on k shows k clusters."""
    assert not app.exception, app.exception
    spec = deck_spec(app)
    colours = _colour_table(spec)
    assert len(colours) == k
    assert [colour[:3] for colour in colours] == [list(hex_to_rgb(c)) for c in PALETTE[:k]]
    clusters_on_map = set(point_clusters(spec).values())
    assert clusters_on_map == set(range(k))
    assert [label["text"] for label in layer(spec, "centroid-labels")["data"]] == [
        str(i) for i in range(k)
    ]
    legend = _legend(app)
    assert list(legend["cluster"]) == [str(i) for i in range(k)]
    assert legend["rows"].sum() == 20_640
    box = chart_spec(app, "box_plot")
    assert len(box["data"]) == k
    assert [trace["marker"]["color"] for trace in box["data"]] == list(PALETTE[:k])
    assert _current_k_marks(chart_spec(app, "elbow_chart")) == [k]
    assert app.query_params["k"] == str(k)


@pytest.mark.slow
def test_default_render(real_data: Path, make_app: Callable[..., AppTest]) -> None:
    app = make_app()
    run_until_scored(app)
    assert not app.exception, app.exception
    assert not app.error
    assert app.slider(key="k").value == 5
    assert app.multiselect(key="features").value == DEFAULT_FEATURES
    assert app.selectbox(key="scaler").value == "standard"
    _assert_view(app, 5)
    spec = deck_spec(app)
    assert spec["mapProvider"] == "carto"
    # The rows are served as a file (static serving): the deck itself stays a few KB.
    assert len(app.get("deck_gl_json_chart")[0].proto.json) < 20 * 1024
    # The points are drawn by level of detail: a TileLayer over served tiles, merged
    # cells at low zoom and every distinct position at the finest.
    points = layer(spec, "points")
    assert points["@@type"] == "TileLayer"
    assert points["data"].startswith("app/static/lod/")
    assert points["data"].endswith("/{z}/{x}/{y}.json")
    assert points["maxZoom"] == 8 and points["minZoom"] == 0
    assert rows_drawn(spec, "points") == 20_640  # no missing values in these features
    assert len(layer_rows(spec, "points")) == 12_590  # one point per distinct position
    assert "not-clustered" not in [candidate["id"].split("@")[0] for candidate in spec["layers"]]
    elbow = chart_spec(app, "elbow_chart")
    names = {annotation["text"] for annotation in elbow["layout"]["annotations"]}
    assert any("knee" in name for name in names)
    assert any("best silhouette" in name for name in names)
    assert any("Calinski-Harabasz" in name for name in names)
    assert any("k=" in text for text in texts(app.info)), "suggestion message missing"
    labels = [button.label for button in app.get("download_button")]
    assert any("rows" in label for label in labels) and any("profiles" in label for label in labels)
    assert app.query_params["features"] == ",".join(DEFAULT_FEATURES)


@pytest.mark.slow
def test_k_change_updates_map_boxplot_elbow_and_url(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app()
    run_until_scored(app)
    first_view = deck_spec(app)["initialViewState"]
    first_url = layer(deck_spec(app), "points")["data"]
    for k in (8, 2, 15):
        app.slider(key="k").set_value(k).run()
        _assert_view(app, k)
        # The camera must not jump: the initial view state never changes with k.
        assert deck_spec(app)["initialViewState"] == first_view
        # The browser keeps the tiles it loaded: same URL; the colour rule reads the
        # features' id at k.
        assert layer(deck_spec(app), "points")["data"] == first_url
        assert f"properties.k{k} == 0 ?" in layer(deck_spec(app), "points")["getFillColor"]
        assert layer(deck_spec(app), "points")["updateTriggers"]["getFillColor"][0] == k


@pytest.mark.slow
def test_cluster_colours_follow_ids_across_k(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    """A row keeps its colour from k to k+1 unless its cluster split (stable ids)."""
    app = make_app(k="4")
    run_until_scored(app)
    before = point_clusters(deck_spec(app))
    app.slider(key="k").set_value(5).run()
    after = point_clusters(deck_spec(app))
    same = sum(before[position] == after[position] for position in before)
    assert same / len(before) > 0.6


@pytest.mark.slow
def test_feature_change(real_data: Path, make_app: Callable[..., AppTest]) -> None:
    app = make_app()
    run_until_scored(app)
    inertia_before = chart_spec(app, "elbow_chart")["data"][0]["y"]
    features = [*DEFAULT_FEATURES, "median_income", "housing_median_age"]
    app.multiselect(key="features").set_value(features).run()
    assert not app.exception, app.exception
    assert app.query_params["features"] == ",".join(features)
    _assert_view(app, 5)
    # A new sweep: four-feature inertia is larger than three-feature inertia (z-scored).
    inertia_after = chart_spec(app, "elbow_chart")["data"][0]["y"]
    assert inertia_after[0] > inertia_before[0]
    # The extra feature shows in the map's tooltip (income is always there).
    tooltip = json.loads(app.get("deck_gl_json_chart")[0].proto.tooltip)["text"]
    age_field = re.search(r"Median house age \(mean\): \{(\w+)\}", tooltip).group(1)
    # The points are the level-of-detail features: the tooltip names their properties.
    features = layer_rows(deck_spec(app), "points")
    ages = [feature["properties"][age_field] for feature in features]
    assert all(1 <= age <= 52 for age in ages)  # the census caps house age at 52
    assert re.search(r"Cluster \{k5\} \(\{p5\}% of the \{n\} block groups here\)", tooltip)
    # A position's block groups may lie in several clusters: the majority's share.
    assert all(0 < feature["properties"]["p5"] <= 100 for feature in features)
    assert "Median income (mean)" in tooltip


@pytest.mark.slow
def test_feature_with_missing_values_is_reported_and_choosable(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app(features="latitude,longitude,total_bedrooms")
    run_until_scored(app)
    assert not app.exception, app.exception
    assert any("207" in text for text in texts(app.info)), texts(app.info)
    legend = _legend(app)
    assert legend["cluster"].iloc[-1] == "not clustered"
    assert legend["rows"].iloc[-1] == 207
    # Rows without a cluster are not drawn, and the map says so.
    assert rows_drawn(deck_spec(app), "points") == 20_640 - 207
    assert any("207 rows without a cluster are not drawn" in text for text in texts(app.caption))
    app.radio(key="missing").set_value("median").run()
    assert not app.exception, app.exception
    assert app.query_params["missing"] == "median"
    assert "not clustered" not in list(_legend(app)["cluster"])
    assert any("median" in text for text in texts(app.info))


@pytest.mark.slow
def test_scaler_change_and_normalize_warning(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app()
    run_until_scored(app)
    app.selectbox(key="scaler").set_value("normalize").run()
    assert not app.exception, app.exception
    assert app.query_params["scaler"] == "normalize"
    assert any("ROW" in text for text in texts(app.warning)), texts(app.warning)
    _assert_view(app, 5)


@pytest.mark.slow
def test_geographic_scaler_shows_location_weight(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app()
    run_until_scored(app)
    assert not [s for s in app.slider if s.key == "location_weight"]
    app.selectbox(key="scaler").set_value("geographic").run()
    assert not app.exception, app.exception
    weight = app.slider(key="location_weight")
    assert weight.value == 1.0
    weight.set_value(2.0).run()
    assert not app.exception, app.exception
    assert app.query_params["weight"] == "2"
    _assert_view(app, 5)


@pytest.mark.slow
def test_train_test_split(real_data: Path, make_app: Callable[..., AppTest]) -> None:
    app = make_app(k="4")
    run_until_scored(app)
    app.checkbox(key="split").check().run()
    assert not app.exception, app.exception
    assert app.query_params["split"] == "1"
    # Train and test rows are on the map, each in its cluster (test rows by nearest centre).
    assert rows_drawn(deck_spec(app), "points") == 20_640
    box = chart_spec(app, "box_plot")
    assert len(box["data"]) == 2 * 4
    assert {trace["offsetgroup"] for trace in box["data"]} == {"train", "test"}
    sizes = _legend(app)["rows"]
    assert sizes.sum() == 20_640


@pytest.mark.slow
def test_url_parameters_in(real_data: Path, make_app: Callable[..., AppTest]) -> None:
    app = make_app(k="7", value="median_income", seed="0")
    run_until_scored(app)
    assert not app.exception, app.exception
    assert not app.warning
    assert app.slider(key="k").value == 7
    assert app.selectbox(key="value_column").value == "median_income"
    _assert_view(app, 7)
    assert chart_spec(app, "box_plot")["layout"]["yaxis"]["title"]["text"] == "Median income"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"k": "abc"}, "k='abc'"),
        ({"k": "99"}, "k='99'"),
        ({"features": "bogus"}, "'bogus'"),
        ({"scaler": "quantum"}, "scaler='quantum'"),
        ({"n_init": "7"}, "n_init='7'"),
    ],
)
def test_bad_url_values_are_ignored_with_a_warning(
    real_data: Path, make_app: Callable[..., AppTest], query: dict[str, str], fragment: str
) -> None:
    app = make_app(**query)
    run_until_scored(app)
    assert not app.exception, app.exception
    warnings = [plain(text) for text in texts(app.warning)]
    assert any(fragment in text for text in warnings), warnings
    assert app.slider(key="k").value == 5
    assert app.multiselect(key="features").value == DEFAULT_FEATURES
    # The URL is rewritten with the values actually used.
    assert app.query_params["k"] == "5"
    assert app.query_params["features"] == ",".join(DEFAULT_FEATURES)
    # The notice goes once the user changes something.
    app.slider(key="k").set_value(6).run()
    assert not any(fragment in plain(text) for text in texts(app.warning))


@pytest.mark.slow
def test_elbow_click_sets_k(real_data: Path, make_app: Callable[..., AppTest]) -> None:
    """The elbow chart's callback moves the slider (selection state set as the browser would)."""
    from components.ui import widgets as ui

    app = make_app()
    run_until_scored(app)
    app.session_state[ui.K_KEY] = 9  # what the on_select callback writes for a click on k=9
    run_until_scored(app)
    assert not app.exception, app.exception
    _assert_view(app, 9)


@pytest.mark.slow
def test_without_static_serving_the_map_says_why_and_the_rest_works(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    """Deployed without `server.enableStaticServing`, the page says what to do."""
    from streamlit import config

    before = config.get_option("server.enableStaticServing")
    config.set_option("server.enableStaticServing", False)
    try:
        app = make_app(k="7")
        run_until_scored(app)
    finally:
        config.set_option("server.enableStaticServing", before)
    assert not app.exception, app.exception
    assert not app.get("deck_gl_json_chart")
    assert any("map cannot be drawn" in text for text in texts(app.warning)), texts(app.warning)
    assert list(_legend(app)["cluster"]) == [str(i) for i in range(7)]
    assert len(chart_spec(app, "box_plot")["data"]) == 7


@pytest.mark.slow
def test_a_static_folder_that_cannot_be_written_does_not_break_the_page(
    real_data: Path,
    make_app: Callable[..., AppTest],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A read-only app folder (here: static/ under a regular file) must not break the page."""
    from components.ui import cache

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setattr(cache.views, "STATIC_DIR", blocker / "static")
    app = make_app(k="6", features="latitude,longitude,median_income")
    run_until_scored(app)
    assert not app.exception, app.exception
    assert not app.error
    assert any("map cannot be drawn" in text for text in texts(app.warning)), texts(app.warning)
    assert list(_legend(app)["cluster"]) == [str(i) for i in range(6)]


@pytest.mark.slow
def test_the_page_paints_before_the_scores_and_completes_by_itself(
    real_data: Path, make_app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Map, legend and box plot come from the fits; the elbow chart waits for the scores."""
    release = threading.Event()
    real_score_sweep = cache.model.score_sweep

    def held_score_sweep(*args: Any, **kwargs: Any) -> Any:
        release.wait(timeout=120)  # the scores "take" until the test lets them finish
        return real_score_sweep(*args, **kwargs)

    monkeypatch.setattr(cache.model, "score_sweep", held_score_sweep)
    cache.model.scores_job.clear()
    app = make_app()
    app.run()
    assert not app.exception, app.exception
    assert not app.error
    # Everything of k = 5 but the scores is there.
    spec = deck_spec(app)
    assert set(point_clusters(spec).values()) == set(range(5))
    assert list(_legend(app)["cluster"]) == [str(i) for i in range(5)]
    assert len(chart_spec(app, "box_plot")["data"]) == 5
    elbow = chart_spec(app, "elbow_chart")
    assert elbow["layout"]["yaxis2"]["title"]["text"] == cache.views.SCORING_TITLE
    assert len(elbow["data"][0]["y"]) == 14 and all(elbow["data"][0]["y"])  # inertia
    assert _current_k_marks(elbow) == [5]
    assert any(SCORING_NOTE in text for text in texts(app.info))
    assert not any("k=" in text for text in texts(app.info)), "no suggestion yet"
    # Let the scores finish: the next run (the fragment's poll reruns the page) has them.
    release.set()
    for _ in range(600):
        app.run()
        if not any(SCORING_NOTE in text for text in texts(app.info)):
            break
        time.sleep(0.1)
    assert not app.exception, app.exception
    elbow = chart_spec(app, "elbow_chart")
    names = {annotation["text"] for annotation in elbow["layout"]["annotations"]}
    assert any("best silhouette" in name for name in names)
    assert any("k=" in text for text in texts(app.info)), "suggestion message missing"
