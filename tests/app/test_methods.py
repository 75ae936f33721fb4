"""AppTest: the classification settings run through the one pipeline on the Clusters page.

Transforms, the two-level method and (with the regions engine) contiguous regions change the
labels that the map, legend and downloads show, and travel in the URL; a setting that cannot
apply says why and keeps the sidebar.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import (
    deck_spec,
    places_with_a_negative_column,
    point_clusters,
    texts,
    upload_on_data_page,
)
from streamlit.testing.v1 import AppTest

from components.engine.classification.levels import fit_levels
from components.engine.features import DEFAULT_FEATURES
from components.ui.settings import FINE_K_KEY, METHOD_KEY, transform_key
from tests.reference_data import housing_csv


def _legend(app: AppTest) -> pd.DataFrame:
    return next(table.value for table in app.table if "median" in table.value.columns)


@pytest.mark.slow
def test_transform_changes_the_model_and_travels_in_the_url(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app(features="latitude,longitude,population")
    app.run()
    assert not app.exception, app.exception
    before = _legend(app)["rows"].tolist()
    app.selectbox(key=transform_key("population")).set_value("asinh").run()
    assert not app.exception, app.exception
    assert app.query_params["transform"] == "population:asinh"
    assert _legend(app)["rows"].tolist() != before
    # The settings download carries them too (tests/ui/test_settings.py reads it).
    labels = [button.label for button in app.get("download_button")]
    assert "Download the settings (JSON)" in labels
    # Location keeps its own scaler: no transform is offered for it.
    assert transform_key("latitude") not in [box.key for box in app.selectbox]


@pytest.mark.slow
def test_a_transform_that_cannot_apply_says_why(make_app: Callable[..., AppTest]) -> None:
    app = upload_on_data_page(make_app(), "places.csv", places_with_a_negative_column())
    app.switch_page("pages/clusters.py").run()
    assert not app.exception, app.exception
    app.multiselect(key="features").set_value(["latitude", "longitude", "balance"]).run()
    app.selectbox(key=transform_key("balance")).set_value("log1p").run()
    assert not app.exception, app.exception
    message = " ".join(texts(app.error))
    assert "balance" in message and "inverse hyperbolic sine" in message, message
    # The sidebar stays: another transform clusters again.
    app.selectbox(key=transform_key("balance")).set_value("asinh").run()
    assert not app.exception, app.exception
    assert not app.error, texts(app.error)
    assert app.query_params["transform"] == "balance:asinh"


def test_a_link_cannot_transform_the_location(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app(transform="longitude:log1p")
    app.run()
    assert not app.exception, app.exception
    assert "transform" not in app.query_params
    assert any("longitude:log1p" in text for text in texts(app.warning))


@pytest.mark.slow
def test_two_levels_label_the_map_with_groups_that_nest(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app(method="levels", fine_k="12", k="4")
    app.run()
    assert not app.exception, app.exception
    assert app.selectbox(key=METHOD_KEY).value == "levels"
    assert app.query_params["method"] == "levels" and app.query_params["fine_k"] == "12"
    legend = _legend(app)
    assert list(legend["cluster"]) == ["0", "1", "2", "3"]
    # The same groups as the engine's on the same scaled rows.
    frame = pd.read_csv(housing_csv())
    values = frame[list(DEFAULT_FEATURES)].to_numpy(dtype=float)
    scaled = (values - values.mean(axis=0)) / values.std(axis=0)
    expected = fit_levels(scaled, 12, 4, n_init=5, latitude=frame["latitude"].to_numpy())
    assert legend["rows"].tolist() == np.bincount(expected.coarse_labels).tolist()
    assert set(point_clusters(deck_spec(app)).values()) == {0, 1, 2, 3}


@pytest.mark.slow
def test_a_fine_k_above_the_distinct_places_says_why(make_app: Callable[..., AppTest]) -> None:
    app = upload_on_data_page(make_app(), "places.csv", places_with_a_negative_column(20))
    app.switch_page("pages/clusters.py").run()
    app.selectbox(key=METHOD_KEY).set_value("levels").run()
    assert not app.exception, app.exception
    message = " ".join(texts(app.error))
    assert "a fine k of 30 is above the 20 distinct places; choose at most 20" in message
    app.slider(key=FINE_K_KEY).set_value(10).run()
    assert not app.exception, app.exception
    assert not app.error, texts(app.error)


def test_a_file_column_named_like_a_profile_column_is_profiled(
    make_app: Callable[..., AppTest],
) -> None:
    generator = np.random.default_rng(1)
    lines = ["lat,lng,size,share"]
    for _ in range(100):
        lines.append(
            f"{45 + generator.random():.4f},{4 + generator.random():.4f},"
            f"{generator.integers(20, 200)},{generator.random():.3f}"
        )
    app = upload_on_data_page(make_app(), "flats.csv", "\n".join(lines).encode())
    app.switch_page("pages/clusters.py").run()
    app.multiselect(key="features").set_value(["latitude", "longitude", "size", "share"]).run()
    assert not app.exception, app.exception
    profile = next(t.value for t in app.dataframe if "standouts" in t.value.columns)
    assert {"size", "size (mean)", "share", "share (mean)"} <= set(profile.columns)
    assert profile["size"].sum() == 100  # the number of places, not the file's sizes


def test_names_in_a_link_name_the_clusters(
    real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    app = make_app(k="2", names="North <i>x</i>|South")
    app.run()
    assert not app.exception, app.exception
    assert list(_legend(app)["name"]) == ["North <i>x</i>", "South"]
    assert app.query_params["names"] == "North <i>x</i>|South"


def _three_towns() -> bytes:
    generator = np.random.default_rng(2)
    lines = ["town,lat,lng,price"]
    for town, (latitude, longitude) in enumerate(((45.76, 4.84), (48.86, 2.35), (43.30, 5.37))):
        for _ in range(60):
            lines.append(
                f"t{town},{latitude + generator.normal(0, 0.02):.5f},"
                f"{longitude + generator.normal(0, 0.02):.5f},{generator.uniform(1, 9):.2f}"
            )
    return "\n".join(lines).encode()


@pytest.mark.slow
def test_regions_across_places_no_neighbour_chain_joins_say_why(
    make_app: Callable[..., AppTest],
) -> None:
    app = upload_on_data_page(make_app(), "towns.csv", _three_towns())
    app.switch_page("pages/clusters.py").run()
    app.selectbox(key=METHOD_KEY).set_value("regions").run()
    app.slider(key="k").set_value(2).run()
    assert not app.exception, app.exception
    message = " ".join(texts(app.error))
    assert "3 separate groups" in message and "at least 3" in message, message
    app.slider(key="k").set_value(3).run()
    assert not app.exception, app.exception
    assert not app.error, texts(app.error)
    assert sorted(_legend(app)["rows"]) == [60, 60, 60]  # one region per town
    app.slider(key="k").set_value(9).run()  # every k from the groups' number up is drawn
    assert not app.error, texts(app.error)
    assert len(_legend(app)) == 9
