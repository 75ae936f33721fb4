"""AppTest tests of a distributed result opened as a data source (GEOCLUSTER_RESULT).

The result is written with the app's own writer from real scikit-learn fits
(:mod:`toy_result`); the Clusters and Choose k pages open it, the sidebar's one data switch
offers it, and a folder that cannot be read gets a message and leaves the page on the housing
data.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import chart_spec, colour_of, deck_spec, layer, texts
from streamlit.testing.v1 import AppTest
from toy_result import K_VALUES, N_ROWS, write_toy_result

from components.engine.distributed.synthetic import write_clustered_places
from components.engine.distributed_result import (
    MANIFEST_FILE,
    DistributedSweepResult,
    read_distributed_result,
)
from components.figures.palette import FILL_ALPHA, PALETTE, hex_to_rgb
from components.ui.result import RESULT_ENV_VAR, RESULT_K_KEY
from components.ui.source import SWITCH_KEY
from components.ui.text import escape_markdown

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COMMAND_TIMEOUT_S = 600
CLUSTERS = "pages/clusters.py"
CHOOSE_K = "pages/choose_k.py"


@pytest.fixture
def result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DistributedSweepResult:
    """A result folder named by GEOCLUSTER_RESULT, and the result as the engine reads it."""
    folder = write_toy_result(tmp_path / "result")
    monkeypatch.setenv(RESULT_ENV_VAR, str(folder))
    return read_distributed_result(folder)


def _places(value: Any) -> int:
    return int(str(value).replace(",", ""))


def _values(array: Any) -> list[float]:
    """A plotly spec's array: a list, or plotly's typed array ({"dtype", "bdata": base64})."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return [float(value) for value in array]


def _table(app: AppTest, column: str) -> pd.DataFrame:
    tables = [table.value for table in app.dataframe if column in table.value.columns]
    assert len(tables) == 1, [list(table.value.columns) for table in app.dataframe]
    return tables[0]


def _assert_map_of(app: AppTest, result: DistributedSweepResult, k: int) -> None:
    """The map of the toy result at k (see :func:`_assert_map_of_places`)."""
    _assert_map_of_places(app, result, k, N_ROWS)


def _assert_map_of_places(
    app: AppTest, result: DistributedSweepResult, k: int, n_places: int
) -> None:
    """The map draws every cell of k once, in its majority cluster's colour, and the centres."""
    spec = deck_spec(app)
    cells = layer(spec, "cells")
    rows = cells["data"]
    expected = result.cells_for(k)
    assert len(rows) == len(expected)
    assert sum(_places(row[3]) for row in rows) == n_places  # every place in one cell
    assert sorted(row[2] for row in rows) == sorted(expected["cluster"].tolist())
    for cluster in range(k):
        assert colour_of(cells["getFillColor"], cluster) == [
            *hex_to_rgb(PALETTE[cluster]),
            FILL_ALPHA,
        ]
    tooltip = json.loads(app.get("deck_gl_json_chart")[0].proto.tooltip)["text"]
    assert tooltip == "Cluster {2} ({4}% of the {3} places here)"
    labels = [label["text"] for label in layer(spec, "centroid-labels")["data"]]
    assert labels == [str(cluster) for cluster in range(k)]


def test_clusters_page_opens_the_result(
    result: DistributedSweepResult, make_app: Callable[..., AppTest]
) -> None:
    app = make_app(CLUSTERS)
    app.run()
    assert not app.exception
    assert app.title[0].value == "Clusters of the places in a Dask result"
    slider = app.select_slider(key=RESULT_K_KEY)
    assert slider.options == [str(k) for k in K_VALUES]
    suggestion = result.suggestion()
    k = int(slider.value)
    assert k == (suggestion.knee or suggestion.best_silhouette)
    _assert_map_of(app, result, k)
    # k moves within the result's k's; the map and the table follow.
    other = next(value for value in K_VALUES if value != k)
    app.select_slider(key=RESULT_K_KEY).set_value(other).run()
    assert not app.exception
    _assert_map_of(app, result, other)
    table = _table(app, "size")
    assert table["cluster"].tolist() == list(range(other))
    assert table["size"].tolist() == result.cluster_sizes[result.index_of(other)].tolist()
    np.testing.assert_allclose(
        table[list(result.features)].to_numpy(), result.centroids_for(other, original_units=True)
    )
    # The settings that cannot change are shown, with how the result was computed.
    sidebar = " ".join(element.value for element in app.sidebar.markdown)
    assert "**Rows:** 3,000 clustered, 0 left out" in sidebar
    notes = " ".join(element.value for element in app.sidebar.caption)
    assert "Computed on a Dask cluster" in notes
    assert "python -m components.engine.distributed" in notes


def test_choose_k_page_opens_the_result(
    result: DistributedSweepResult, make_app: Callable[..., AppTest]
) -> None:
    app = make_app(CHOOSE_K)
    app.run()
    assert not app.exception
    suggestion = result.suggestion()
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Best silhouette (higher is better)"] == f"k = {suggestion.best_silhouette}"
    assert metrics["Best Calinski-Harabasz (higher is better)"] == (
        f"k = {suggestion.best_calinski_harabasz}"
    )
    assert texts(app.info)[0].startswith(suggestion.message.split(".")[0])
    chart = chart_spec(app, "metrics_chart")
    silhouette = next(trace for trace in chart["data"] if trace.get("error_y", {}).get("visible"))
    assert _values(silhouette["y"]) == pytest.approx(result.silhouette.tolist())
    assert _values(silhouette["error_y"]["array"]) == pytest.approx(
        result.silhouette_spread.tolist()
    )
    numbers = _table(app, "silhouette_spread")
    assert numbers["k"].tolist() == list(K_VALUES)
    # Away from the suggested k, its button brings the result's slider back to it.
    target = suggestion.best_silhouette
    away = next(k for k in K_VALUES if k != target)
    app.select_slider(key=RESULT_K_KEY).set_value(away).run()
    assert int(app.select_slider(key=RESULT_K_KEY).value) == away
    button = next(button for button in app.button if button.label == f"Show k = {target}")
    button.click().run()
    assert not app.exception
    assert int(app.select_slider(key=RESULT_K_KEY).value) == target


def test_k_and_the_choice_of_data_carry_over_between_the_two_pages(
    result: DistributedSweepResult, make_app: Callable[..., AppTest]
) -> None:
    app = make_app()  # app.py: the router, as a browser runs the pages
    app.run()
    assert app.title[0].value == "Clusters of the places in a Dask result"
    k = K_VALUES[1]
    app.select_slider(key=RESULT_K_KEY).set_value(k).run()
    app.switch_page(CHOOSE_K).run()
    assert not app.exception
    assert app.title[0].value == "Choose k"
    assert int(app.select_slider(key=RESULT_K_KEY).value) == k
    assert app.radio(key=SWITCH_KEY).value == "result"
    app.switch_page(CLUSTERS).run()
    assert int(app.select_slider(key=RESULT_K_KEY).value) == k
    _assert_map_of(app, result, k)


@pytest.mark.slow
def test_a_bad_result_folder_is_named_and_the_page_shows_the_housing_data(
    tmp_path: Path,
    real_data: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_app: Callable[..., AppTest],
) -> None:
    folder = write_toy_result(tmp_path / "damaged")
    (folder / MANIFEST_FILE).write_text("{not json", encoding="utf-8")
    monkeypatch.setenv(RESULT_ENV_VAR, str(folder))
    app = make_app(CLUSTERS)
    app.run()
    assert not app.exception
    [message] = texts(app.error)
    assert "could not be opened" in message
    assert "damaged/manifest.json is not valid JSON" in message
    assert str(tmp_path) not in message  # the server's folders stay private
    assert f"set {RESULT_ENV_VAR} to that folder" in message
    # The rest of the page works: the housing data's clusters.
    assert app.title[0].value == "Clusters"
    assert layer(deck_spec(app), "points")
    # Only the housing data to choose: no switch, and the result is not offered.
    assert not [radio for radio in app.radio if radio.key == SWITCH_KEY]


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("missing", "not-written/manifest.json does not exist"),
        ("cells", "not-written/cells.npz is not a readable cells file (File is not a zip file)"),
    ],
)
def test_an_unreadable_result_folder_is_named(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_app: Callable[..., AppTest],
    damage: str,
    expected: str,
) -> None:
    folder = tmp_path / "not-written"
    if damage == "cells":
        write_toy_result(folder)
        (folder / "cells.npz").write_bytes(b"PK\x03\x04broken")
    monkeypatch.setenv(RESULT_ENV_VAR, str(folder))
    # No housing data either: the page stops after saying so, the result's message stays.
    monkeypatch.setenv("GEOCLUSTER_DATA", str(tmp_path / "absent.csv"))
    app = make_app(CHOOSE_K)
    app.run()
    assert not app.exception
    message = texts(app.error)[0]
    assert expected in message
    assert str(tmp_path) not in message


@pytest.mark.slow
def test_the_sidebar_goes_back_to_the_housing_data(
    result: DistributedSweepResult,
    real_data: Path,
    make_app: Callable[..., AppTest],
) -> None:
    app = make_app(CLUSTERS)
    app.run()
    app.radio(key=SWITCH_KEY).set_value("housing").run()
    assert not app.exception
    assert app.title[0].value == "Clusters"
    app.radio(key=SWITCH_KEY).set_value("result").run()
    assert not app.exception
    _assert_map_of(app, result, int(app.select_slider(key=RESULT_K_KEY).value))


def test_text_from_the_manifest_reaches_the_page_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., AppTest]
) -> None:
    folder = write_toy_result(
        tmp_path / "**res** [x](y)", source="data/**bold** [x](http://evil.example)"
    )
    manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    hostile = ["$x$ <b>lat</b>", "@@=evil", "[link](http://evil.example)"]
    manifest["features"] = hostile
    manifest["scheduler"] = "**tcp://evil.example:8786**"
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setenv(RESULT_ENV_VAR, str(folder))
    app = make_app(CLUSTERS)
    app.run()
    assert not app.exception
    sidebar = " ".join(element.value for element in app.sidebar.markdown)
    for name in hostile:
        assert escape_markdown(name) in sidebar
    notes = " ".join(element.value for element in app.sidebar.caption)
    assert escape_markdown("**tcp://evil.example:8786**") in notes
    caption = " ".join(element.value for element in app.caption)
    assert escape_markdown("**bold** [x]") in caption
    assert not any(element.proto.allow_html for element in app.sidebar.markdown)
    choice = app.radio(key=SWITCH_KEY).options[-1]
    assert choice == f"Dask result: {escape_markdown('**res** [x](y)')}"
    # The feature names head the table's columns as they are written.
    assert set(hostile) <= set(_table(app, "size").columns)


@pytest.mark.slow
def test_the_app_opens_a_result_the_command_wrote_on_a_local_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., AppTest]
) -> None:
    """The issue's end to end: Parquet -> the command on 2 Dask workers -> both pages.

    The command runs as a user runs it, in its own process (an AppTest leaves the page
    script as ``__main__``, which Dask's spawned workers would run again).
    """
    places = write_clustered_places(tmp_path / "places", 20_000, n_files=2)
    out = tmp_path / "result"
    command = [sys.executable, "-m", "components.engine.distributed", str(places / "*.parquet")]
    options = ["--out", str(out), "--k-max", "5", "--workers", "2"]
    options += ["--features", "latitude", "longitude", "price"]
    # A hang guard only: the run takes seconds.
    ran = subprocess.run(
        [*command, *options],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().splitlines()[-1].startswith("distributed n=20000 k=2..5 ")
    result = read_distributed_result(out)
    monkeypatch.setenv(RESULT_ENV_VAR, str(out))
    clusters = make_app(CLUSTERS)
    clusters.run()
    assert not clusters.exception
    k = int(clusters.select_slider(key=RESULT_K_KEY).value)
    _assert_map_of_places(clusters, result, k, 20_000)
    choose_k = make_app(CHOOSE_K)
    choose_k.run()
    assert not choose_k.exception
    chart = chart_spec(choose_k, "metrics_chart")
    silhouette = next(trace for trace in chart["data"] if trace.get("error_y", {}).get("visible"))
    assert _values(silhouette["error_y"]["array"]) == pytest.approx(
        result.silhouette_spread.tolist()
    )
