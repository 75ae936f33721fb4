"""Tests for components.figures.alternatives: the "When k-means fails" figures, tables, texts."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from components.engine.alternatives import comparison
from components.engine.alternatives.comparison import (
    AlgorithmResult,
    compare_algorithms,
)
from components.engine.alternatives.gazetteer import Place
from components.engine.alternatives.geo_density import summarise_density
from components.engine.alternatives.toy_shapes import ToyData, make_shapes
from components.figures.alternatives import (
    DENSITY_LABELLED_AREAS,
    area_table,
    comparison_table,
    density_map_deck,
    density_note,
    kmeans_regions_note,
    panel_height_for,
    shapes_grid_figure,
    toy_verdict,
)
from components.figures.deck import colour_lookup_expression
from components.figures.palette import NOT_CLUSTERED_COLOUR, PALETTE, cluster_colour, hex_to_rgb

# --------------------------------------------------------------------- geo density


# ----------------------------------------------------------------------------- figures


def test_colours_palette_noise_and_cycling() -> None:
    # Noise takes the one not-clustered grey, so it reads as "not clustered" on every page.
    assert NOT_CLUSTERED_COLOUR == "#BBBBBB"
    assert cluster_colour(-1, cycle=True) == NOT_CLUSTERED_COLOUR
    assert cluster_colour(0, cycle=True) == "#0072B2"
    assert cluster_colour(len(PALETTE), cycle=True) == PALETTE[0]
    with pytest.raises(ValueError, match="cluster=-2"):
        cluster_colour(-2, cycle=True)


def test_shapes_grid_figure_panels_titles_and_colours(moons_results) -> None:
    toy, results = moons_results
    figure = shapes_grid_figure(toy, results)
    assert len(figure.data) == 7  # truth + six algorithms
    titles = [annotation.text for annotation in figure.layout.annotations]
    assert titles[0] == "True groups (2)"
    assert titles[1].startswith("k-means<br>ARI 0.48")
    assert "ARI 0.99" in titles[2] and "2 noise" in titles[2]
    # truth panel colours: group g in PALETTE[g]
    truth_colours = list(figure.data[0].marker.color)
    assert truth_colours == [PALETTE[g] for g in toy.y_true]
    # single linkage (ARI 1) is aligned to the truth, so its colours are the same
    assert list(figure.data[4].marker.color) == truth_colours
    dbscan_colours = np.array(figure.data[2].marker.color)
    assert (dbscan_colours == NOT_CLUSTERED_COLOUR).sum() == results[1].n_noise
    # equal axis scaling in every panel
    assert figure.layout.yaxis.scaleanchor == "x"
    assert figure.layout.yaxis7.scaleanchor == "x7"


def test_shapes_grid_figure_all_noise_is_grey_and_validation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(comparison, "_dbscan_eps", lambda *_: 1e-6)  # every point is noise
    toy = make_shapes("blobs", 60, 0.1)
    results = compare_algorithms(toy.X, toy.y_true, 3)
    figure = shapes_grid_figure(toy, results)
    assert results[1].key == "dbscan" and results[1].n_noise == 60
    assert set(figure.data[2].marker.color) == {NOT_CLUSTERED_COLOUR}
    other = make_shapes("blobs", 61, 0.1)
    with pytest.raises(ValueError, match="60 labels for 61 points"):
        shapes_grid_figure(other, results)


PLACES = (Place("West", 0.0, 0.0), Place("East", 0.0, 1.0))


def _layers(deck: Any) -> dict[str, dict[str, Any]]:
    spec = json.loads(deck.to_json())
    return {layer["id"]: layer for layer in spec["layers"]}


def _decode(layer: dict[str, Any], resolution: int, lon_origin: float, lat_origin: float):
    return [
        (x / resolution + lon_origin, y / resolution + lat_origin) for x, y, *_ in layer["data"]
    ]


# ------------------------------------------------------------------ density_map_deck


def test_density_map_points_noise_layer_positions_and_labels() -> None:
    longitude = np.array([-120.5, -120.4, -118.0, -117.25, -117.75])
    latitude = np.array([36.25, 36.35, 34.0, 33.5, 33.5])
    labels = np.array([0, 0, -1, 1, 1])
    prices = np.array([100_000.0, 200_000.0, 300_000.0, 123_456.0, np.nan])
    layers = _layers(density_map_deck(longitude, latitude, labels, prices))

    noise = layers["noise"]
    assert noise["getFillColor"][:3] == list(hex_to_rgb(NOT_CLUSTERED_COLOUR))
    # (-118 + 121) * 100, (34 - 33) * 100; the value to 3 significant digits
    assert noise["data"] == [[300, 100, "noise", 300_000, 0]]
    areas = layers["areas"]
    # Area numbers are 1-based; the palette index (last field) is the 0-based cluster id.
    assert [row[2] for row in areas["data"]] == [1, 1, 2, 2]
    assert [row[4] for row in areas["data"]] == [0, 0, 1, 1]
    assert [row[3] for row in areas["data"]] == [100_000, 200_000, 123_000, "n/a"]
    decoded = _decode(areas, 100, -121.0, 33.0)
    expected = [(-120.5, 36.25), (-120.4, 36.35), (-117.25, 33.5), (-117.75, 33.5)]
    np.testing.assert_allclose(decoded, expected)
    assert areas["getFillColor"] == "@@=" + colour_lookup_expression(2, 190, field=4)

    centres = layers["area-labels"]["data"]
    assert [centre["text"] for centre in centres] == ["1", "2"]
    np.testing.assert_allclose(centres[0]["position"], [-120.45, 36.3])
    np.testing.assert_allclose(centres[1]["position"], [-117.5, 33.5])
    assert layers["area-centres"]["data"][1]["colour"][:3] == list(hex_to_rgb(PALETTE[1]))


def test_density_map_palette_cycles_and_labels_only_the_largest() -> None:
    n_areas = len(PALETTE) + 2
    labels = np.arange(n_areas)
    coordinates = np.linspace(0.0, 1.0, n_areas)
    deck = density_map_deck(coordinates, coordinates, labels, np.ones(n_areas))
    layers = _layers(deck)
    colour_index = [row[4] for row in layers["areas"]["data"]]
    assert colour_index == [*range(len(PALETTE)), 0, 1]
    labelled = [centre["text"] for centre in layers["area-labels"]["data"]]
    assert labelled == [str(area) for area in range(1, DENSITY_LABELLED_AREAS + 1)]


def test_density_map_all_noise_has_no_area_labels() -> None:
    layers = _layers(density_map_deck([0.0, 1.0], [0.0, 1.0], [-1, -1], [1.0, 2.0]))
    assert len(layers["noise"]["data"]) == 2
    assert layers["areas"]["data"] == []
    assert "area-labels" not in layers


def test_density_map_keeps_the_given_view() -> None:
    deck = density_map_deck([0.0, 1.0], [0.0, 1.0], [0, 0], [1.0, 2.0])
    view = deck.initial_view_state
    other = density_map_deck([5.0, 9.0], [5.0, 9.0], [0, 0], [1.0, 2.0], view_state=view)
    views = [json.loads(d.to_json())["initialViewState"] for d in (deck, other)]
    assert views[0] == views[1]


@pytest.mark.parametrize(
    ("longitude", "latitude", "labels", "message"),
    [
        ([0.0, 1.0], [0.0], [0, 0], "same length"),
        ([0.0, np.nan], [0.0, 1.0], [0, 0], "NaN"),
        ([0.0, 1.0], [0.0, 1.0], [0, -2], "-2"),
    ],
)
def test_density_map_rejects_bad_input(longitude, latitude, labels, message) -> None:
    with pytest.raises(ValueError, match=message):
        density_map_deck(longitude, latitude, labels, np.ones(len(labels)))


# ------------------------------------------------------------------------- tables


def test_comparison_table_follows_the_results() -> None:
    toy = make_shapes("moons", 200, 0.05, 0)
    results = compare_algorithms(toy.X, toy.y_true, toy.n_clusters, 0)
    table = comparison_table(results)
    assert list(table.columns) == [
        "algorithm",
        "ARI",
        "clusters found",
        "noise points",
        "fit time (ms)",
        "parameters",
        "note",
    ]
    assert table["algorithm"].tolist() == [result.name for result in results]
    np.testing.assert_allclose(table["ARI"], [result.adjusted_rand_index for result in results])
    np.testing.assert_allclose(
        table["fit time (ms)"], [1000 * result.fit_seconds for result in results]
    )
    assert table["note"].tolist() == [result.note for result in results]


def test_area_table_names_places_and_puts_noise_last() -> None:
    # Two points at the West place, one at East, one noise point between them.
    latitude = np.array([0.0, 0.0, 0.0, 0.0])
    longitude = np.array([0.0, 0.0, 1.0, 0.5])
    labels = np.array([0, 0, 1, -1])
    summary = summarise_density(
        labels, latitude, longitude, values=[1.0, 3.0, 5.0, 7.0], value_name="value", places=PLACES
    )
    table = area_table(summary)
    assert table["area"].tolist() == ["Area 1", "Area 2", "noise"]
    assert table["nearest place"].tolist() == ["West", "East", ""]
    np.testing.assert_allclose(table["km from it"].iloc[:2], [0.0, 0.0], atol=1e-6)
    assert table["places"].tolist() == [2, 1, 1]
    np.testing.assert_allclose(table["share"], [0.5, 0.25, 0.25])
    np.testing.assert_allclose(table["median value"], [2.0, 5.0, 7.0])
    assert table["colour"].tolist() == [PALETTE[0], PALETTE[1], NOT_CLUSTERED_COLOUR]
    assert np.isnan(table["extent (km)"].iloc[-1])

    regions = area_table(summary, name_of=lambda cluster: f"Cluster {cluster}")
    assert regions["area"].tolist()[:2] == ["Cluster 0", "Cluster 1"]


def test_area_table_rejects_other_frames() -> None:
    with pytest.raises(ValueError, match="summarise_density"):
        area_table(pd.DataFrame({"cluster": [0]}))


# -------------------------------------------------------------------------- words


def _result(key: str, name: str, ari: float) -> AlgorithmResult:
    labels = np.zeros(4, dtype=np.int64)
    return AlgorithmResult(key, name, labels, ari, 1, 0, 0.01, "", "")


def test_toy_verdict_lists_the_algorithms_that_recover_the_groups() -> None:
    results = [
        _result("kmeans", "k-means", 0.4812),
        _result("dbscan", "DBSCAN", 0.95),
        _result("ward", "Ward", 0.5),
    ]
    expected = "k-means scores ARI 0.48; these recover the groups: DBSCAN (0.95)."
    assert toy_verdict(results) == expected


def test_toy_verdict_when_kmeans_is_right_and_when_nobody_is() -> None:
    everyone = [_result("kmeans", "k-means", 1.0), _result("dbscan", "DBSCAN", 0.99)]
    assert "so does every other algorithm" in toy_verdict(everyone)
    some = [_result("kmeans", "k-means", 0.97), _result("dbscan", "DBSCAN", 0.2)]
    assert toy_verdict(some) == "k-means recovers the groups (ARI 0.97); 1 of the other 1 do not."
    nobody = [_result("kmeans", "k-means", -0.001), _result("dbscan", "DBSCAN", 0.42)]
    text = toy_verdict(nobody)
    assert "ARI 0.00" in text and "-0.00" not in text
    assert "best: DBSCAN, 0.42" in text


def test_toy_verdict_needs_kmeans() -> None:
    with pytest.raises(ValueError, match="k-means"):
        toy_verdict([_result("dbscan", "DBSCAN", 0.9)])


def _areas_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area": ["Area 1", "Area 2", "noise"],
            "nearest place": ["West", "East", ""],
            "km from it": [3.0, 4.0, np.nan],
            "share": [0.5, 0.25, 0.25],
            "extent (km)": [20.0, 10.0, np.nan],
        }
    )


def test_density_note_names_the_largest_area_and_the_noise() -> None:
    text = density_note("dbscan", 2, 0.25, _areas_frame())
    assert text.startswith("DBSCAN finds dense metro areas")
    assert "25% of places" in text
    assert "centred 3 km from West, holds 50%" in text
    assert "2 largest areas reach 10-20 km" in text
    empty = density_note("hdbscan", 0, 1.0, _areas_frame().iloc[[2]])
    assert empty.startswith("HDBSCAN finds no dense area")


def test_kmeans_regions_note_counts_noise_and_cut_areas() -> None:
    regions = pd.DataFrame(
        {
            "area": ["Cluster 0", "Cluster 1"],
            "nearest place": ["West", "East"],
            "km from it": [5.0, 7.0],
            "extent (km)": [100.0, 150.0],
        }
    )
    # Area 1 (density 0) is split 2:2 between the regions; region 1 is 3/4 noise.
    kmeans_labels = np.array([0, 0, 1, 1, 1, 1, 0])
    density_labels = np.array([0, 0, 0, 0, -1, -1, 1])
    text = kmeans_regions_note(regions, _areas_frame(), kmeans_labels, density_labels)
    assert "into 2 compact regions" in text
    assert "reach 100-150 km" in text
    assert "against 10-20 km" in text
    assert "Cluster 1, centred 7 km from East, mixes dense and sparse places: 50%" in text
    assert "It cuts dense areas apart: Area 1 (2 regions)." in text
    with pytest.raises(ValueError, match="same shape"):
        kmeans_regions_note(regions, _areas_frame(), kmeans_labels[:3], density_labels)


def test_panel_height_follows_the_shape() -> None:
    def toy(x_span: float, y_span: float) -> ToyData:
        points = np.array([[0.0, 0.0], [x_span, y_span]])
        return ToyData(points, np.array([0, 1]), 2, "")

    assert panel_height_for(toy(2.0, 1.0), panel_width_px=260, title_px=70) == 200
    assert panel_height_for(toy(1.0, 1.0)) == 330
    assert panel_height_for(toy(1.0, 5.0)) == 340  # capped
    assert panel_height_for(toy(10.0, 0.1)) == 170  # floored


def test_kmeans_regions_note_without_towns_or_noise_says_neither() -> None:
    regions = pd.DataFrame(
        {
            "area": ["Cluster 0", "Cluster 1"],
            "nearest place": ["", ""],  # a file's places: no named towns
            "km from it": [np.nan, np.nan],
            "extent (km)": [10.0, 12.0],
        }
    )
    areas = _areas_frame().assign(**{"nearest place": ""})
    no_noise = np.array([0, 0, 0, 0, 1, 1, 1])
    text = kmeans_regions_note(regions, areas, np.array([0, 0, 1, 1, 1, 1, 0]), no_noise)
    assert "unknown place" not in text and "0% of its places" not in text
    assert "centred" not in text
    assert "into 2 compact regions" in text
