"""AppTest tests of the "When k-means fails" page (toy shapes, then the real data)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from conftest import deck_spec, layer, plotly_specs, texts
from streamlit.testing.v1 import AppTest

from components.figures.palette import NOT_CLUSTERED_COLOUR, hex_to_rgb
from components.ui import alternatives as ui_alternatives

PAGE = "pages/kmeans_fails.py"
MAX_DECK_BYTES = 600_000


def _frame_with(app: AppTest, column: str, index: int = 0) -> pd.DataFrame:
    """The index-th table of the page that has this column."""
    return [table.value for table in app.dataframe if column in table.value.columns][index]


def _toy_table(app: AppTest) -> pd.DataFrame:
    """The static per-algorithm table (st.table, so its long notes wrap)."""
    tables = [table.value for table in app.table if "ARI" in table.value.columns]
    assert len(tables) == 1, tables
    return tables[0]


def _ari(app: AppTest) -> dict[str, float]:
    table = _toy_table(app)
    return dict(zip(table["algorithm"], table["ARI"], strict=True))


def _n_areas(app: AppTest) -> int:
    areas = _frame_with(app, "area", 0)
    return int((areas["area"] != "noise").sum())


@pytest.mark.slow
def test_default_render_shows_toys_maps_and_tables(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app(PAGE)
    app.run()
    assert not app.exception, app.exception
    assert not app.error, texts(app.error)

    # Toy shapes: moons by default, six algorithms; k-means cuts the moons, DBSCAN follows them.
    ari = _ari(app)
    assert len(ari) == 6
    assert ari["k-means"] < 0.6 < 0.9 < ari["DBSCAN"]
    grid = plotly_specs(app)[0]
    assert len(grid["data"]) == 7  # the true groups and six algorithms
    assert any("k-means scores ARI" in text for text in texts(app.info))

    # Housing data: two maps with the same initial view, each small enough to send.
    density_deck, kmeans_deck = deck_spec(app, 0), deck_spec(app, 1)
    assert density_deck["initialViewState"] == kmeans_deck["initialViewState"]
    for deck in app.get("deck_gl_json_chart"):
        assert len(deck.proto.json.encode()) < MAX_DECK_BYTES
    noise_layer = layer(density_deck, "noise")
    assert noise_layer["getFillColor"][:3] == list(hex_to_rgb(NOT_CLUSTERED_COLOUR))
    n_noise_points = len(noise_layer["data"])
    n_area_points = len(layer(density_deck, "areas")["data"])
    assert n_noise_points + n_area_points == 20_640

    areas = _frame_with(app, "area", 0)
    regions = _frame_with(app, "area", 1)
    assert areas["area"].iloc[-1] == "noise"
    assert areas["places"].iloc[-1] == n_noise_points
    assert areas["places"].sum() == 20_640
    assert areas["nearest place"].iloc[0] == "Los Angeles"
    assert len(regions) == 5  # k-means at the page's default k
    assert regions["places"].sum() == 20_640
    n_areas = _n_areas(app)
    assert any(f"{n_areas} dense areas" in header.value for header in app.subheader)
    # The dense areas are far smaller than k-means' regions.
    assert areas["extent (km)"].iloc[0] < regions["extent (km)"].min()


@pytest.mark.slow
def test_blobs_flip_the_comparison(real_data: Path, make_app: Callable[..., AppTest]) -> None:
    app = make_app(PAGE)
    app.run()
    moons = _ari(app)
    assert moons["k-means"] < moons["DBSCAN"]
    app.radio(key=ui_alternatives.SHAPE_KEY).set_value("blobs").run()
    assert not app.exception, app.exception
    blobs = _ari(app)
    assert blobs["k-means"] > 0.95
    assert blobs["k-means"] >= blobs["DBSCAN"]
    assert _toy_table(app)["clusters found"].iloc[0] == 3
    assert any("k-means recovers the groups" in text for text in texts(app.info))


@pytest.mark.slow
def test_toy_controls_change_the_points(real_data: Path, make_app: Callable[..., AppTest]) -> None:
    app = make_app(PAGE)
    app.run()
    app.radio(key=ui_alternatives.SHAPE_KEY).set_value("circles").run()
    app.slider(key=ui_alternatives.N_SAMPLES_KEY).set_value(200).run()
    app.number_input(key=ui_alternatives.TOY_SEED_KEY).set_value(3).run()
    assert not app.exception, app.exception
    grid = plotly_specs(app)[0]
    # x / y travel as binary arrays; customdata (each point's cluster name) is a plain list.
    assert all(len(trace["customdata"]) == 200 for trace in grid["data"])
    ari = _ari(app)
    assert abs(ari["k-means"]) < 0.1  # nested rings share a centre: k-means is at chance
    # Much noise blurs the rings together; the page still renders and reports it.
    app.slider(key=ui_alternatives.NOISE_KEY).set_value(0.3).run()
    assert not app.exception, app.exception
    assert len(_ari(app)) == 6


@pytest.mark.slow
def test_eps_changes_the_number_of_dense_areas(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app(PAGE)
    app.run()
    n_default = _n_areas(app)
    noise_default = _frame_with(app, "area")["places"].iloc[-1]
    app.slider(key=ui_alternatives.EPS_KEY).set_value(3.0).run()
    assert not app.exception, app.exception
    n_small_eps = _n_areas(app)
    assert n_small_eps != n_default
    # A smaller radius leaves more block groups without enough neighbours: more noise.
    assert _frame_with(app, "area")["places"].iloc[-1] > noise_default
    assert any(f"{n_small_eps} dense areas" in header.value for header in app.subheader)
    assert len(layer(deck_spec(app, 0), "area-labels")["data"]) == min(10, n_small_eps)


@pytest.mark.slow
def test_hdbscan_and_k_slider(real_data: Path, make_app: Callable[..., AppTest]) -> None:
    app = make_app(PAGE)
    app.run()
    app.radio(key=ui_alternatives.METHOD_KEY).set_value("hdbscan").run()
    assert not app.exception, app.exception
    assert app.slider(key=ui_alternatives.EPS_KEY).disabled
    assert any(header.value.startswith("HDBSCAN:") for header in app.subheader)
    assert any("5,000 sampled" in caption.value for caption in app.caption)
    app.slider(key=ui_alternatives.K_KEY).set_value(9).run()
    assert not app.exception, app.exception
    assert len(_frame_with(app, "area", 1)) == 9
    assert any("k-means: 9 regions" in header.value for header in app.subheader)


def test_missing_data_shows_the_message_and_keeps_the_toys(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_app: Callable[..., AppTest]
) -> None:
    monkeypatch.setenv("GEOCLUSTER_DATA", str(tmp_path / "nowhere.csv"))
    app = make_app(PAGE)
    app.run()
    assert not app.exception, app.exception
    errors = texts(app.error)
    assert any("GEOCLUSTER_DATA" in text and "nowhere.csv" in text for text in errors), errors
    assert any("Data page" in block.value for block in app.markdown)  # the way out
    assert not app.get("deck_gl_json_chart")
    assert len(_ari(app)) == 6  # the toy shapes need no data


@pytest.mark.slow
def test_app_navigates_to_the_page(real_data: Path, make_app: Callable[..., AppTest]) -> None:
    app = make_app()
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    assert any("When k-means fails" in title.value for title in app.title)
