"""AppTest fixtures: the real data set beside the project, map files in a temporary folder.

Streamlit's caches live in the process, so the k-sweep of a setting is computed once
for the whole session and later tests of the same setting are fast.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from components.ui import source
from components.ui.cache import views
from components.ui.served_files import STATIC_URL_PREFIX
from tests.hostile.catalogue import plain
from tests.reference_data import HOUSING_CSV

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 180


@pytest.fixture(autouse=True)
def served_files_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Write the map files an AppTest serves under tmp_path, not the repository's static/.

    AppTest runs the page in this process, so the page reads the patched folder.
    """
    static = tmp_path / "static"
    monkeypatch.setattr(views, "STATIC_DIR", static)
    return static


@pytest.fixture
def real_data(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at the reference housing CSV through GEOCLUSTER_DATA.

    The path in GEOCLUSTER_DATA wins over the shipped data/housing.csv.gz; the same
    plain CSV for every test keeps one data source, so the process's caches are shared.
    """
    monkeypatch.setenv("GEOCLUSTER_DATA", str(HOUSING_CSV))
    return HOUSING_CSV


@pytest.fixture
def make_app() -> Callable[..., AppTest]:
    """Build an AppTest of a script of the project (app.py by default)."""

    def build(script: str = "app.py", **query: str) -> AppTest:
        app = AppTest.from_file(str(PROJECT_ROOT / script), default_timeout=TIMEOUT_S)
        app.query_params.update(query)
        return app

    return build


@pytest.fixture
def deferred_downloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Callable[[], Any]]]:
    """Record the callables a page registers for its deferred downloads, by file name.

    Calling one from the test is what Streamlit does on a click: it runs it in a worker
    thread, outside the script run (no session-scoped cache can be read there).
    """
    recorded: dict[str, Callable[[], Any]] = {}
    original = MediaFileManager.add_deferred

    def recording(self: MediaFileManager, data: Callable[[], Any], *args: Any, **kwargs: Any):
        recorded[str(kwargs.get("file_name"))] = data
        return original(self, data, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
    yield recorded


def deck_spec(app: AppTest, index: int = 0) -> dict[str, Any]:
    """The JSON spec of the index-th pydeck chart of the page."""
    decks = app.get("deck_gl_json_chart")
    return json.loads(decks[index].proto.json)


def plotly_specs(app: AppTest) -> list[dict[str, Any]]:
    """The figure specs of the page's plotly charts, in page order."""
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def chart_spec(app: AppTest, key: str) -> dict[str, Any]:
    """The figure spec of the page's plotly chart whose widget key is ``key``."""
    for chart in app.get("plotly_chart"):
        if chart.proto.id.endswith(f"-{key}"):
            return json.loads(chart.proto.spec)
    raise KeyError(f"no plotly chart with key {key!r}")


def layer(spec: dict[str, Any], layer_id: str) -> dict[str, Any]:
    """The layer of a deck spec with that id (ignoring a served layer's "@version")."""
    for candidate in spec["layers"]:
        # A served layer's id carries its file's version: "points@3f2a9c1b".
        if candidate["id"].split("@")[0] == layer_id:
            return candidate
    raise KeyError(f"no layer {layer_id!r} in {[c['id'] for c in spec['layers']]}")


def finest_tiles(template: str) -> list[dict[str, Any]]:
    """The features of a level-of-detail layer's finest tiles (one per distinct position)."""
    assert template.startswith(STATIC_URL_PREFIX) and template.endswith("{z}/{x}/{y}.json")
    folder = views.STATIC_DIR / template.removeprefix(STATIC_URL_PREFIX).split("{z}")[0]
    finest = max(int(zoom.name) for zoom in folder.iterdir() if zoom.name.isdigit())
    return [
        feature
        for tile in sorted((folder / str(finest)).glob("*/*.json"))
        for feature in json.loads(tile.read_text(encoding="utf-8"))
    ]


def layer_rows(spec: dict[str, Any], layer_id: str) -> list[Any]:
    """The rows of a layer: inline, read from the served file its URL names, or the
    features of its finest tiles (a level-of-detail TileLayer)."""
    data = layer(spec, layer_id)["data"]
    if layer(spec, layer_id)["@@type"] == "TileLayer":
        return finest_tiles(data)
    if isinstance(data, str):
        assert data.startswith(STATIC_URL_PREFIX), data
        # The folder the app wrote to: served_files_in_tmp's, while a test runs.
        served = views.STATIC_DIR / data.removeprefix(STATIC_URL_PREFIX)
        return list(json.loads(served.read_text(encoding="utf-8")))
    return list(data)


def rows_drawn(spec: dict[str, Any], layer_id: str) -> int:
    """How many data rows a layer draws (a served point counts the rows at its position)."""
    data = layer(spec, layer_id)["data"]
    if layer(spec, layer_id)["@@type"] == "TileLayer":
        return sum(int(feature["properties"]["n"]) for feature in layer_rows(spec, layer_id))
    if isinstance(data, str):
        return sum(int(row[-1]) for row in layer_rows(spec, layer_id))
    return len(data)


def cluster_field(spec: dict[str, Any]) -> int:
    """Position of the current k's cluster id in the map's rows (from the colour rule)."""
    match = re.search(r"this\[(\d+)\] ==", layer(spec, "points")["getFillColor"])
    return int(match.group(1)) if match else 2


def point_clusters(spec: dict[str, Any], layer_id: str = "points") -> dict[tuple, Any]:
    """Cluster id of each map row of a layer at the current k, by position."""
    expression = layer(spec, layer_id)
    if expression["@@type"] == "TileLayer":
        match = re.search(r"properties\.(k\d+) ==", expression["getFillColor"])
        name = match.group(1) if match else "k2"
        return {
            tuple(feature["geometry"]["coordinates"]): feature["properties"][name]
            for feature in layer_rows(spec, layer_id)
        }
    field = cluster_field(spec)
    return {(row[0], row[1]): row[field] for row in layer_rows(spec, layer_id)}


def texts(elements: Any) -> list[str]:
    """The text of alert elements (st.warning / st.error / st.info) as a reader sees it.

    The page escapes user text for Markdown (components/ui/text.py); the escapes and the
    invisible word joiners are removed here (an element's ``.value`` is the raw Markdown).
    """
    return [plain(str(element.value)) for element in elements]


def colour_of(expression: str, cluster: int) -> list[int]:
    """Evaluate the map's colour expression ('this[2] == 0 ? [..] : ... : [..]') for an id."""
    body = expression.removeprefix("@@=")
    for match in re.finditer(r"(?:this\[\d+\]|properties\.k\d+) == (\d+) \? (\[[^\]]*\])", body):
        if int(match.group(1)) == cluster:
            return json.loads(match.group(2))
    return json.loads(body.rsplit(" : ", 1)[-1])


def n_conditions(expression: str) -> int:
    """How many ids the colour expression tests explicitly (k - 1 for k colours)."""
    return len(re.findall(r"(?:this\[\d+\]|properties\.k\d+) == \d+ \?", expression))


SCORING_NOTE = "in the background"


def run_until_scored(app: AppTest, timeout_s: float = 120.0) -> AppTest:
    """Run the page until the sweep's scores are drawn (the Clusters page paints without them).

    In a browser the page's fragment reruns it when the background scores are done;
    AppTest does not run fragments by themselves, so this reruns it.
    """
    deadline = time.monotonic() + timeout_s
    app.run()
    while any(SCORING_NOTE in element.value for element in app.info):
        if time.monotonic() > deadline:
            raise AssertionError(f"The sweep's scores were not drawn within {timeout_s} s.")
        time.sleep(0.1)
        app.run()
    return app


DATA_PAGE = "pages/data.py"


def upload_on_data_page(
    app: AppTest, file_name: str, content: bytes, mime_type: str = "text/csv"
) -> AppTest:
    """Open the Data page and upload a file there: it becomes every page's data.

    Open a clustering page afterwards with ``app.switch_page(...).run()``: the session,
    and so the file, is the same.
    """
    app.switch_page(DATA_PAGE).run()
    uploader = next(
        widget
        for widget in app.file_uploader
        if str(widget.key).startswith(source.UPLOAD_KEY_PREFIX)
    )
    uploader.upload(file_name, content, mime_type).run()
    return app


def places_with_a_negative_column(n_places: int = 200) -> bytes:
    """A CSV of places around Lyon with a column of negative and positive values."""
    generator = np.random.default_rng(0)
    lines = ["site,lat,lng,balance"]
    for index in range(n_places):
        lines.append(
            f"s{index},{45 + generator.random():.5f},{4 + generator.random():.5f},"
            f"{generator.normal(0, 50):.2f}"
        )
    return "\n".join(lines).encode()
