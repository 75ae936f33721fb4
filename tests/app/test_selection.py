"""AppTest of "Select places on the map" on the Clusters page: a selection fills the table.

AppTest cannot drag a box on a chart, so the selection is sent the way the browser sends
it: as the plotly chart's widget state (the JSON of its selection event), with the next run.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import chart_spec, run_until_scored, upload_on_data_page
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from components.engine.selection import MAX_MARKERS
from components.figures.selection import MARKERS_TRACE
from components.ui.selection import MAX_TABLE_ROWS, SELECTION_KEY, SELECTION_OPEN_KEY
from tests.hostile.catalogue import plain


def _selection_charts(app: AppTest) -> Iterator[Any]:
    return (
        chart for chart in app.get("plotly_chart") if chart.proto.id.endswith(f"-{SELECTION_KEY}")
    )


def _selection_chart(app: AppTest) -> Any:
    return next(_selection_charts(app))


def _decoded(array: Any) -> np.ndarray:
    """A plotly spec's array: a list, or plotly's typed array ({"dtype", "bdata", "shape"})."""
    if not isinstance(array, dict):
        return np.asarray(array)
    values = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    shape = [int(size) for size in str(array.get("shape", values.size)).split(",")]
    return values.reshape(shape)


def _select(app: AppTest, cells: list[int]) -> AppTest:
    """Rerun the page as the browser does after a box took the markers of ``cells``."""
    spec = chart_spec(app, SELECTION_KEY)
    customdata = _decoded(spec["data"][MARKERS_TRACE]["customdata"])
    points = [
        {
            "curve_number": MARKERS_TRACE,
            "point_number": cell,
            "point_index": cell,
            # As the browser writes a row of a typed array.
            "customdata": {str(i): int(v) for i, v in enumerate(customdata[cell])},
        }
        for cell in cells
    ]
    event = {
        "selection": {
            "points": points,
            "point_indices": cells,
            "box": [{"x": [0, 1], "y": [0, 1], "xref": "x", "yref": "y"}] if cells else [],
            "lasso": [],
        }
    }
    states = app._tree.get_widget_states()
    states.widgets.append(
        WidgetState(id=_selection_chart(app).proto.id, string_value=json.dumps(event))
    )
    return app._run(states)


def _open_map(app: AppTest) -> None:
    """Turn the selection map's switch on: the map is not drawn until then."""
    assert next(_selection_charts(app), None) is None, "the selection map waits for its switch"
    app.toggle(key=SELECTION_OPEN_KEY).set_value(True).run()
    assert not app.exception, app.exception


def _markdown(app: AppTest) -> list[str]:
    return [plain(str(element.value)) for element in app.markdown]


@pytest.mark.slow
def test_a_selection_fills_the_table_and_clearing_it_empties_it(
    real_data: Path,
    make_app: Callable[..., AppTest],
    deferred_downloads: dict[str, Callable[[], Any]],
) -> None:
    app = make_app()
    run_until_scored(app)
    assert not app.exception, app.exception
    _open_map(app)
    spec = chart_spec(app, SELECTION_KEY)
    customdata = _decoded(spec["data"][MARKERS_TRACE]["customdata"])
    # The census data's 12,590 distinct positions are the markers (under the bound).
    assert len(customdata) == 12_590 <= MAX_MARKERS
    assert customdata[:, 1].sum() == 20_640
    assert spec["layout"]["dragmode"] == "select"
    assert not any("selected" in text for text in _markdown(app))

    # The westernmost markers (cells are numbered by longitude), more places than shown.
    cells = list(range(1_500))
    _select(app, cells)
    assert not app.exception, app.exception
    n_selected = int(customdata[cells, 1].sum())
    assert n_selected > MAX_TABLE_ROWS
    notes = [text for text in _markdown(app) if "selected" in text]
    assert notes == [
        f"**{n_selected:,} block groups selected.** The table shows the first {MAX_TABLE_ROWS:,}; "
        "the downloads hold all of them."
    ]
    counts, table = _tables(app)
    assert counts["block groups"].sum() == n_selected
    assert list(counts.columns) == ["cluster", "name", "block groups"]
    assert len(table) == MAX_TABLE_ROWS
    assert list(table.columns[:2]) == ["cluster", "cluster_name"]

    csv_name = next(name for name in deferred_downloads if name.endswith("_selection.csv"))
    rows = pd.read_csv(io.BytesIO(deferred_downloads[csv_name]()))
    assert len(rows) == n_selected
    pd.testing.assert_frame_equal(rows.head(MAX_TABLE_ROWS), table, check_dtype=False)
    # The places are exactly those at the selected markers' positions.
    spec_x = _decoded(spec["data"][MARKERS_TRACE]["x"])[cells].astype(float)
    spec_y = _decoded(spec["data"][MARKERS_TRACE]["y"])[cells].astype(float)
    markers = set(zip(np.round(spec_x, 2).tolist(), np.round(spec_y, 2).tolist(), strict=True))
    places = set(zip(rows["longitude"].round(2), rows["latitude"].round(2), strict=True))
    assert places == markers
    # Per cluster, the counts table says what the rows hold.
    by_cluster = rows["cluster"].value_counts().sort_index()
    assert counts["block groups"].tolist() == by_cluster.tolist()
    assert counts["cluster"].tolist() == [str(cluster) for cluster in by_cluster.index]
    geojson_name = csv_name.removesuffix(".csv") + ".geojson"
    collection = json.loads(deferred_downloads[geojson_name]())
    assert len(collection["features"]) == n_selected
    assert [feature["properties"]["cluster"] for feature in collection["features"]] == (
        rows["cluster"].tolist()
    )

    # A double-click on the map sends an empty selection: the table goes.
    _select(app, [])
    assert not app.exception, app.exception
    assert not any("selected" in text for text in _markdown(app))
    assert _tables(app) == (None, None)


def _tables(app: AppTest) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The selection's counts table and rows table (None when not drawn)."""
    counts = rows = None
    for element in app.dataframe:
        frame = element.value
        if list(frame.columns[:2]) == ["cluster", "name"]:
            counts = frame
        elif len(frame.columns) > 1 and frame.columns[1] == "cluster_name":
            rows = frame
    return counts, rows


@pytest.mark.slow
def test_a_file_keeps_its_column_names_and_its_text_stays_text(
    make_app: Callable[..., AppTest], deferred_downloads: dict[str, Callable[[], Any]]
) -> None:
    lines = ["site,lat,lng,cluster,height"]
    generator = np.random.default_rng(2)
    for index in range(60):
        site = "=HYPERLINK(1)" if index == 0 else f"s{index}"
        lines.append(
            f"{site},{45 + generator.random():.4f},{4 + generator.random():.4f},x,"
            f"{generator.random():.3f}"
        )
    app = upload_on_data_page(make_app(), "sites.csv", "\n".join(lines).encode())
    app.switch_page("pages/clusters.py")
    run_until_scored(app)
    assert not app.exception, app.exception
    _open_map(app)
    spec = chart_spec(app, SELECTION_KEY)
    assert spec["layout"]["xaxis"]["title"]["text"] == "lng"
    n_cells = len(_decoded(spec["data"][MARKERS_TRACE]["customdata"]))
    _select(app, list(range(n_cells)))
    assert not app.exception, app.exception
    _, table = _tables(app)
    assert table is not None and len(table) == 60
    # The file's own "cluster" column keeps its name; the cluster id takes "cluster_2".
    columns = ["cluster_2", "cluster_name", "site", "lat", "lng", "cluster", "height"]
    assert list(table.columns) == columns
    csv_name = next(name for name in deferred_downloads if name.endswith("_selection.csv"))
    rows = pd.read_csv(io.BytesIO(deferred_downloads[csv_name]()))
    assert rows["site"].iloc[0] == "'=HYPERLINK(1)"
    collection = json.loads(deferred_downloads[csv_name.replace(".csv", ".geojson")]())
    first = collection["features"][0]
    assert first["properties"]["cluster"] == "x"
    assert first["properties"]["cluster_2"] == rows["cluster_2"].iloc[0]
    assert first["geometry"]["coordinates"] == [
        first["properties"]["lng"],
        first["properties"]["lat"],
    ]
