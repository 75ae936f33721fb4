"""Tests of the pure figure builders (no Streamlit)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk
import pytest

from components.figures import deck as deck_format
from components.figures import maps, palette, value_map
from components.figures.charts import (
    SuggestedK,
    box_stats,
    elbow_chart,
    elbow_chart_base,
    feature_boxplot,
    histogram_figure,
    mark_current_k,
)
from components.figures.maps import MapRows, cluster_map_deck
from components.figures.palette import PALETTE, hex_to_rgb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


def _toy_rows(**overrides: object) -> MapRows:
    values = {
        "longitude": np.array([-122.0, -121.0, -118.0, -117.0, -120.0]),
        "latitude": np.array([38.0, 37.0, 34.0, 33.0, 36.5]),
        "labels": np.array([0, 0, 1, 1, -1]),
        "median_house_value": np.array([452_600.0, 358_500.0, 100_000.0, 500_001.0, 90_000.0]),
        "median_income": np.array([8.3252, 8.3014, 2.5, 3.0, 1.0]),
        "extra": {},
        "is_test": None,
    }
    values.update(overrides)
    return MapRows(**values)  # type: ignore[arg-type]


def _layer(deck: pdk.Deck, layer_id: str) -> dict:
    spec = json.loads(deck.to_json())
    return next(layer for layer in spec["layers"] if layer["id"] == layer_id)


def _decode(expression: str, point: list) -> list[float]:
    """Evaluate the position expression '[this[0] / r + a, this[1] / r + b]' for a point."""
    body = expression.removeprefix("@@=").strip("[]")
    x_part, y_part = body.split(",")
    values = []
    for part, code in ((x_part, point[0]), (y_part, point[1])):
        _, rest = part.split("/")
        resolution, origin = rest.split("+")
        values.append(code / float(resolution) + float(origin))
    return values


# ------------------------------------------------------------------ palette


def test_palette_starts_with_okabe_ito_and_has_15_distinct_colours() -> None:
    assert list(PALETTE[:8]) == OKABE_ITO
    assert len(PALETTE) == 15
    assert len({colour.upper() for colour in PALETTE}) == 15
    assert palette.NOT_CLUSTERED_COLOUR not in PALETTE


def test_colour_lookup_expression_is_a_conditional_chain() -> None:
    assert deck_format.colour_lookup_expression(1) == "[0,114,178,255]"
    assert deck_format.colour_lookup_expression(3, 100) == (
        "this[2] == 0 ? [0,114,178,100] : this[2] == 1 ? [230,159,0,100] : [0,158,115,100]"
    )
    expression = deck_format.colour_lookup_expression(15)
    assert expression.count("?") == 14
    assert expression.endswith(f"[{','.join(map(str, hex_to_rgb(PALETTE[14])))},255]")


def test_label_colour_contrasts_with_the_swatch() -> None:
    assert palette.label_colour("#000000") == "#FFFFFF"
    assert palette.label_colour("#FFFFFF") == "#000000"
    assert palette.label_colour("#F0E442") == "#000000"  # yellow: black text
    assert palette.label_colour("#0072B2") == "#FFFFFF"  # blue: white text


def test_hex_to_rgb_and_cluster_colour() -> None:
    assert hex_to_rgb("#0072B2") == (0, 114, 178)
    assert hex_to_rgb("E69F00") == (230, 159, 0)
    assert palette.cluster_colour(3) == "#CC79A7"
    assert palette.cluster_colour(-1) == palette.NOT_CLUSTERED_COLOUR
    with pytest.raises(ValueError, match=r"cluster=15 is out of range"):
        palette.cluster_colour(15)
    with pytest.raises(ValueError, match="#RRGGBB"):
        hex_to_rgb("#123")


# ---------------------------------------------------------------- cluster map


def test_cluster_map_layers_points_and_colours() -> None:
    result = cluster_map_deck(_toy_rows(), 2)
    deck = result.deck
    points = _layer(deck, "points")
    assert len(points["data"]) == 4
    assert [point[2] for point in points["data"]] == [0, 0, 1, 1]
    assert points["getFillColor"] == "@@=" + deck_format.colour_lookup_expression(2, 190)
    grey = _layer(deck, "not-clustered")
    assert len(grey["data"]) == 1 and grey["data"][0][2] == "not clustered"
    # Positions decode back to the coordinates (two decimals -> exact to 1e-9).
    expected = [(-122, 38), (-121, 37), (-118, 34), (-117, 33)]
    for point, (lon, lat) in zip(points["data"], expected, strict=True):
        decoded = _decode(points["getPosition"], point)
        assert decoded == pytest.approx([lon, lat], abs=1e-9)
    # Prices in $k to three significant digits (358.5 rounds half to even), incomes in $k.
    assert [point[3] for point in points["data"]] == [453, 358, 100, 500]
    assert [point[4] for point in points["data"]] == [83.3, 83, 25, 30]
    assert "test-points" not in [layer["id"] for layer in json.loads(deck.to_json())["layers"]]


def test_cluster_map_centroids_are_mean_positions_and_labelled() -> None:
    deck = cluster_map_deck(_toy_rows(), 2).deck
    centroids = _layer(deck, "centroids")["data"]
    assert [c["position"] for c in centroids] == [[-121.5, 37.5], [-117.5, 33.5]]
    assert [c["colour"][:3] for c in centroids] == [list(hex_to_rgb(c)) for c in PALETTE[:2]]
    assert [c["text_colour"][:3] for c in centroids] == [[255, 255, 255], [0, 0, 0]]
    assert [label["text"] for label in _layer(deck, "centroid-labels")["data"]] == ["0", "1"]


def test_cluster_map_tooltip_names_array_positions() -> None:
    rows = _toy_rows(extra={"Median house age": np.array([41.0, 21.0, 52.0, 10.0, np.nan])})
    result = cluster_map_deck(rows, 2)
    tooltip = result.deck._tooltip["text"]
    assert tooltip.splitlines() == [
        "Cluster {2}",
        "Median house value: ${3}k",
        "Median income: ${4}k",
        "Median house age: {5}",
    ]
    assert result.tooltip_features == ("Median house age",)
    assert _layer(result.deck, "not-clustered")["data"][0][5] == "n/a"


def test_cluster_map_test_rows_are_rings_and_can_be_hidden() -> None:
    is_test = np.array([False, True, False, True, False])
    deck = cluster_map_deck(_toy_rows(is_test=is_test), 2).deck
    rings = _layer(deck, "test-points")
    assert rings["filled"] is False and rings["stroked"] is True
    assert [point[2] for point in rings["data"]] == [0, 1]
    assert len(_layer(deck, "points")["data"]) == 2
    hidden = cluster_map_deck(_toy_rows(is_test=is_test), 2, show_test=False).deck
    assert "test-points" not in [layer["id"] for layer in json.loads(hidden.to_json())["layers"]]


def test_cluster_map_drops_tooltip_values_over_budget() -> None:
    rows = _toy_rows(extra={"A": np.arange(5.0), "B": np.arange(5.0)})
    result = cluster_map_deck(rows, 2, payload_budget_bytes=0)
    assert result.tooltip_features == ()
    assert result.omitted_features == ("A", "B")


def test_cluster_map_validates_its_input() -> None:
    with pytest.raises(ValueError, match=r"labels lie in \[-1, 2\]"):
        cluster_map_deck(_toy_rows(labels=np.array([0, 1, 2, 0, -1])), 2)
    with pytest.raises(ValueError, match=r"n_clusters=16 is out of range"):
        cluster_map_deck(_toy_rows(), 16)
    with pytest.raises(ValueError, match=r"latitude has 3 rows; expected 5"):
        cluster_map_deck(_toy_rows(latitude=np.zeros(3)), 2)


def test_compact_json_is_unindented_and_memoised() -> None:
    deck = cluster_map_deck(_toy_rows(), 2).deck
    text = deck.to_json()
    assert "\n" not in text and '": ' not in text and '", ' not in text
    assert deck.to_json() is text
    assert json.loads(text)["mapStyle"].startswith("https://basemaps.cartocdn.com/")


def test_raw_layer_data_is_spliced_in_and_bookkeeping_stays_out() -> None:
    text = cluster_map_deck(_toy_rows(), 2).deck.to_json()
    assert "@@raw:" not in text
    assert "rawLayerData" not in text and "compactJson" not in text
    spec = json.loads(text)
    # The outline is drawn first (below), then the not-clustered and clustered rows.
    assert spec["layers"][0]["id"] == "outline"
    assert [len(layer["data"]) for layer in spec["layers"][1:3]] == [1, 4]


def test_one_formatting_serves_every_k() -> None:
    rows = _toy_rows()
    points = maps.map_points(
        rows.longitude, rows.latitude, rows.median_house_value, rows.median_income, {}
    )
    two = maps.cluster_map_from_points(points, np.array([0, 0, 1, 1, -1]), 2).deck
    three = maps.cluster_map_from_points(points, np.array([0, 2, 1, 1, -1]), 3).deck
    two_points = _layer(two, "points")["data"]
    three_points = _layer(three, "points")["data"]
    assert [p[2] for p in three_points] == [0, 2, 1, 1]
    # Everything but the cluster id is the same text.
    assert [p[:2] + p[3:] for p in two_points] == [p[:2] + p[3:] for p in three_points]
    assert two_points == _layer(cluster_map_deck(rows, 2).deck, "points")["data"]
    with pytest.raises(ValueError, match=r"labels has shape \(4,\)"):
        maps.cluster_map_from_points(points, np.array([0, 0, 1, 1]), 2)


def test_view_state_is_stable_and_frames_the_points() -> None:
    rows = _toy_rows()
    first = deck_format.view_state_for(rows.longitude, rows.latitude)
    second = deck_format.view_state_for(rows.longitude.copy(), rows.latitude.copy())
    assert (first.latitude, first.longitude, first.zoom) == (
        second.latitude,
        second.longitude,
        second.zoom,
    )
    assert first.longitude == -119.5
    # The centre is the middle in Web Mercator: a little north of the mean latitude.
    assert 35.5 < first.latitude < 35.8
    assert first.zoom * 4 == int(first.zoom * 4)
    # At that zoom the points fit in the map (deck.gl: 512 px per 2 pi at zoom 0).
    scale = 512 * 2**first.zoom / (2 * np.pi)
    assert np.radians(5.0) * scale <= 0.9 * deck_format.MAP_WIDTH_PX
    mercator_span = np.log(np.tan(np.pi / 4 + np.radians(38) / 2)) - np.log(
        np.tan(np.pi / 4 + np.radians(33) / 2)
    )
    assert mercator_span * scale <= 0.9 * deck_format.MAP_HEIGHT_PX
    assert mercator_span * scale * 2**0.25 > 0.9 * deck_format.MAP_HEIGHT_PX  # the largest such


def test_cluster_map_payload_on_real_data_is_under_600_kb(housing_frame: pd.DataFrame) -> None:
    """Worst realistic case: k = 15, a test split, three extra tooltip values."""
    rng = np.random.default_rng(0)
    n_rows = len(housing_frame)
    rows = MapRows(
        longitude=housing_frame["longitude"].to_numpy(),
        latitude=housing_frame["latitude"].to_numpy(),
        labels=rng.integers(0, 15, n_rows),
        median_house_value=housing_frame["median_house_value"].to_numpy(),
        median_income=housing_frame["median_income"].to_numpy(),
        extra={
            "Median house age": housing_frame["housing_median_age"].to_numpy(),
            "Rooms per household": (
                housing_frame["total_rooms"] / housing_frame["households"]
            ).to_numpy(),
            "Population": housing_frame["population"].to_numpy(),
        },
        is_test=rng.random(n_rows) < 0.33,
    )
    result = cluster_map_deck(rows, 15)
    size = len(result.deck.to_json().encode("utf-8"))
    assert size < 600 * 1024
    spec = json.loads(result.deck.to_json())
    n_points = sum(len(layer["data"]) for layer in spec["layers"] if "points" in layer["id"])
    assert n_points == n_rows
    assert result.tooltip_features  # at least one extra value fits


# ------------------------------------------------------------------ box plots


def test_box_stats_hand_computed() -> None:
    stats = box_stats(np.array([1.0, 2.0, 3.0, 4.0, 100.0, np.nan]))
    assert stats is not None
    assert (stats.q1, stats.median, stats.q3) == (2.0, 3.0, 4.0)
    # fences: most extreme values within 1.5 IQR (= 3) of the box
    assert (stats.lower_fence, stats.upper_fence) == (1.0, 4.0)
    assert stats.n == 5 and stats.mean == 22.0
    assert box_stats(np.array([np.nan])) is None


def test_boxplot_one_trace_per_cluster_in_palette_colours() -> None:
    values = np.array([1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 5.0])
    labels = np.array([0, 0, 0, 2, 2, 2, -1])
    figure = feature_boxplot(values, labels, 3, feature_label="Price", cap=12.0)
    go.Figure(figure.to_dict())  # plotly's validators accept the hand-built structure
    assert [trace.name for trace in figure.data] == ["Cluster 0", "Cluster 2"]
    assert [trace.marker.color for trace in figure.data] == [PALETTE[0], PALETTE[2]]
    assert figure.data[0].median == (2.0,)
    assert figure.data[1].q3 == (11.5,)
    assert list(figure.layout.xaxis.categoryarray) == ["Cluster 0", "Cluster 1", "Cluster 2"]
    (cap_line,) = figure.layout.shapes
    assert cap_line.y0 == cap_line.y1 == 12.0 and cap_line.line.dash == "dash"
    assert "census cap 12" in figure.layout.annotations[0].text


def test_boxplot_train_and_test_boxes() -> None:
    values = np.arange(8, dtype=float)
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    is_test = np.array([False, False, True, True, False, False, True, True])
    figure = feature_boxplot(values, labels, 2, feature_label="v", is_test=is_test)
    go.Figure(figure.to_dict())
    assert [trace.name for trace in figure.data] == [
        "Cluster 0 (train)",
        "Cluster 0 (test)",
        "Cluster 1 (train)",
        "Cluster 1 (test)",
    ]
    assert [trace.offsetgroup for trace in figure.data] == ["train", "test", "train", "test"]
    assert figure.layout.boxmode == "group"
    assert figure.data[1].median == (2.5,)
    assert not figure.layout.shapes


# ---------------------------------------------------------------- elbow chart

KS = list(range(2, 8))
INERTIA = [100.0, 60.0, 40.0, 35.0, 32.0, 30.0]
SILHOUETTE = [0.5, 0.55, 0.45, 0.4, 0.38, 0.36]


def test_elbow_chart_marks_current_k_and_suggestions() -> None:
    suggestions = [
        SuggestedK("knee", 4),
        SuggestedK("best silhouette", 3),
        SuggestedK("best CH", 3),
    ]
    figure = elbow_chart(KS, INERTIA, SILHOUETTE, current_k=5, suggestions=suggestions)
    go.Figure(figure.to_dict())
    curves = [trace for trace in figure.data if trace.mode == "lines+markers"]
    assert [list(trace.x) for trace in curves] == [KS, KS]
    assert list(curves[0].y) == INERTIA and list(curves[1].y) == SILHOUETTE
    marks = [trace for trace in figure.data if trace.name == "current k = 5"]
    assert [(trace.x[0], trace.y[0]) for trace in marks] == [(5, 35.0), (5, 0.4)]
    assert [trace.yaxis for trace in marks] == ["y", "y2"]
    current = [shape for shape in figure.layout.shapes if shape.name == "current k"]
    assert [shape.x0 for shape in current] == [5]
    texts = sorted(annotation.text for annotation in figure.layout.annotations)
    assert texts == ["best silhouette & best CH (k=3)", "knee (k=4)"]
    suggested = [shape.x0 for shape in figure.layout.shapes if shape.name == "suggested k"]
    assert sorted(suggested) == [3, 4]
    # k = 3 and k = 4 are close: their labels are stacked, not drawn on top of each other.
    shifts = [annotation.yshift for annotation in figure.layout.annotations]
    assert len(set(shifts)) == 2


def test_mark_current_k_leaves_the_base_unchanged() -> None:
    base = elbow_chart_base(KS, INERTIA, SILHOUETTE)
    n_traces = len(base["data"])
    first = mark_current_k(base, 3)
    second = mark_current_k(base, 7)
    assert len(base["data"]) == n_traces
    assert [s.x0 for s in first.layout.shapes if s.name == "current k"] == [3]
    assert [s.x0 for s in second.layout.shapes if s.name == "current k"] == [7]
    assert len(mark_current_k(base, 99).data) == n_traces  # k outside the sweep: no rings


def test_elbow_chart_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="one length"):
        elbow_chart(KS, INERTIA[:-1], SILHOUETTE, current_k=3)


# ------------------------------------------------------------ explore figures


def test_value_map_is_a_pydeck_map_on_a_continuous_scale_over_the_outline() -> None:
    lon = np.array([-122.0, -118.0, -120.0, -121.0])
    lat = np.array([38.0, 34.0, 36.0, 37.0])
    values = np.array([100_000.0, 500_001.0, np.nan, 250_000.0])
    result = value_map.value_map_deck(lon, lat, values, value_label="Median house value")
    spec = json.loads(result.deck.to_json())
    assert [layer["id"] for layer in spec["layers"]] == ["outline", "values"]
    points = spec["layers"][1]
    assert points["@@type"] == "ScatterplotLayer" and points["pickable"] is True
    # One row per block group with a value, its value (3 significant digits) third.
    assert sorted(row[2] for row in points["data"]) == [100_000, 250_000, 500_000]
    assert result.deck._tooltip == {"text": "Median house value: {2}"}
    assert spec["mapStyle"].startswith("https://basemaps.cartocdn.com/")
    assert result.n_missing == 1
    assert "viridis" in result.caption and "1 block group without a value" in result.caption
    assert result.low < result.high


def test_value_colours_run_low_to_high_on_viridis() -> None:
    colours = value_map.scale_colours()
    assert len(colours) == value_map.VALUE_MAP_LEVELS
    assert colours[0] == (69, 6, 89) and colours[-1][0] > 240  # dark purple .. yellow
    expression = value_map.value_colour_expression(0.0, 32.0)
    # Steps at 1, 2, ..., 31: below the first the first colour, from the last one the last.
    assert expression.startswith("this[2] < 1 ? [69,6,89,")
    assert expression.endswith(f"[{','.join(map(str, colours[-1]))},200]")
    assert expression.count("?") == value_map.VALUE_MAP_LEVELS - 1


def test_histogram_counts_and_cap_annotation() -> None:
    values = np.array([1.0, 2.0, 2.0, 3.0, 3.0, 3.0, np.nan])
    figure = histogram_figure(values, value_label="v", cap=3.0, bins=3)
    assert list(figure.data[0].y) == [1, 2, 3]
    assert figure.layout.annotations[0].text == "cap 3: 3 rows"


def test_pure_modules_import_without_streamlit() -> None:
    code = (
        "import sys\n"
        "import components.figures, components.engine.export, components.ui.url_state\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


# ------------------------------------------------------------ served cluster map


def _toy_points() -> maps.MapPoints:
    rows = _toy_rows(extra={"Median house age": np.array([41.0, 21.0, 52.0, 10.0, np.nan])})
    return maps.map_points(
        rows.longitude, rows.latitude, rows.median_house_value, rows.median_income, rows.extra
    )


_TOY_LABELS_BY_K = {
    2: np.array([0, 0, 1, 1, -1]),
    3: np.array([0, 2, 1, 1, -1]),
    4: np.array([0, 2, 1, 3, -1]),
}


def test_served_points_carry_every_k_and_match_the_inline_rows() -> None:
    points = _toy_points()
    is_test = np.array([False, True, False, False, False])
    served = maps.served_points(points, _TOY_LABELS_BY_K, is_test)
    assert served.k_values == (2, 3, 4)
    assert [served.label_field(k) for k in (2, 3, 4)] == [2, 3, 4]
    assert served.value_field == 5
    rows = json.loads(served.layer_texts["points"])
    assert [row[2:5] for row in rows] == [[0, 0, 0], [1, 1, 1], [1, 1, 3]]
    assert json.loads(served.layer_texts["test-points"])[0][2:5] == [0, 2, 2]
    grey = json.loads(served.layer_texts["not-clustered"])
    assert grey[0][2:5] == ["not clustered"] * 3 and grey[0][7] == "n/a"
    # Apart from the ids, a served row is the inline row of cluster_map_from_points.
    inline = _layer(maps.cluster_map_from_points(points, _TOY_LABELS_BY_K[3], 3).deck, "points")
    inline_rows = inline["data"]
    served_rows = rows + json.loads(served.layer_texts["test-points"])
    by_position = {(row[0], row[1]): row for row in served_rows}
    for row in inline_rows:
        twin = by_position[(row[0], row[1])]
        assert twin[served.label_field(3)] == row[2]
        assert twin[served.value_field : served.count_field] == row[3:]
        assert twin[served.count_field] == 1 and served.count_field == len(twin) - 1


def test_served_points_skip_empty_layers_and_validate() -> None:
    points = _toy_points()
    labels = {k: np.where(v < 0, 0, v) for k, v in _TOY_LABELS_BY_K.items()}
    served = maps.served_points(points, labels)
    assert set(served.layer_texts) == {"points"}
    with pytest.raises(ValueError, match="consecutive"):
        maps.served_points(points, {2: labels[2], 4: labels[4]})
    with pytest.raises(ValueError, match=r"k's out of range: \[2\]"):
        maps.served_points(points, {2: np.array([0, 0, 2, 1, 0]), 3: labels[3]})
    with pytest.raises(ValueError, match="same rows at every k"):
        maps.served_points(points, {2: labels[2], 3: _TOY_LABELS_BY_K[3]})
    with pytest.raises(ValueError, match="expected 5, one per row"):
        maps.served_points(points, {2: labels[2][:4]})
    with pytest.raises(ValueError, match=r"n_clusters=5 is out of range"):
        served.label_field(5)


def test_served_cluster_map_is_small_and_reads_the_field_of_k() -> None:
    points = _toy_points()
    served = maps.served_points(
        points, _TOY_LABELS_BY_K, np.array([False, True, False, False, False])
    )
    urls = {name: f"app/static/maps/{name}.json" for name in served.layer_texts}
    maps_by_k = {
        k: maps.cluster_map_served(
            points, served, urls, _TOY_LABELS_BY_K[k], k, outline_url="app/static/outline/o.json"
        )
        for k in (2, 4)
    }
    for k, result in maps_by_k.items():
        spec = json.loads(result.deck.to_json())
        by_id = {layer["id"].split("@")[0]: layer for layer in spec["layers"]}
        # Each served layer's id carries its file's version, so new rows get a new layer.
        assert {layer["id"] for layer in spec["layers"]} >= {
            "points@points",
            "test-points@test-poi",
        }
        assert by_id["points"]["data"] == "app/static/maps/points.json"
        assert by_id["points"]["getFillColor"] == "@@=" + deck_format.colour_lookup_expression(
            k, 190, field=k
        )
        assert by_id["test-points"]["getLineColor"] == by_id["points"]["getFillColor"]
        # Without a trigger that changes with k deck.gl would keep the old colours.
        assert by_id["points"]["updateTriggers"]["getFillColor"] == [k, k]
        assert [c["text"] for c in by_id["centroid-labels"]["data"]] == [str(i) for i in range(k)]
        assert result.deck._tooltip["text"].splitlines() == [
            f"Cluster {{{k}}}",
            "Median house value: ${5}k",
            "Median income: ${6}k",
            "Median house age: {7}",
            "Block groups at this point: {8}",
        ]
        assert len(result.deck.to_json()) < 5_000
    hidden = maps.cluster_map_served(points, served, urls, _TOY_LABELS_BY_K[2], 2, show_test=False)
    assert "test-points" not in [
        layer["id"].split("@")[0] for layer in json.loads(hidden.deck.to_json())["layers"]
    ]
    with pytest.raises(ValueError, match=r"no URL for the layers \['test-points'\]"):
        maps.cluster_map_served(
            points, served, {"points": "a", "not-clustered": "b"}, _TOY_LABELS_BY_K[2], 2
        )


def test_served_points_send_a_shared_position_once_with_its_count() -> None:
    rows = _toy_rows(
        longitude=np.array([-122.0, -122.0, -118.0, -122.0, -120.0]),
        latitude=np.array([38.0, 38.0, 34.0, 38.0, 36.5]),
    )
    points = maps.map_points(
        rows.longitude, rows.latitude, rows.median_house_value, rows.median_income, {}
    )
    labels = {2: np.array([0, 1, 1, 1, 0]), 3: np.array([0, 2, 1, 1, 0])}
    served = maps.served_points(points, labels, np.array([False, False, False, True, False]))
    train = json.loads(served.layer_texts["points"])
    # Rows 0 and 1 share a position: row 1 (drawn on top) is sent, counting 2.
    assert [(row[2], row[3], row[served.count_field]) for row in train] == [
        (1, 2, 2),
        (1, 1, 1),
        (0, 0, 1),
    ]
    assert train[0][served.value_field] == 358  # row 1's price, in $k
    # Test rows are counted in their own layer.
    test = json.loads(served.layer_texts["test-points"])
    assert [row[served.count_field] for row in test] == [1]
    total = sum(
        row[served.count_field] for text in served.layer_texts.values() for row in json.loads(text)
    )
    assert total == 5
