"""The cluster map: served level-of-detail cells coloured by k, centres numbered, a tooltip."""

from __future__ import annotations

import json

import numpy as np
import pytest

from components.engine.extent import map_extent
from components.figures import maps
from components.figures.lod import id_property, share_property
from components.figures.palette import PALETTE, hex_to_rgb

from .toy_map import LABELS, LATITUDE, LEVELS, LONGITUDE, toy_extent, toy_map


def _layers(cluster_map: maps.ClusterMap) -> dict[str, dict]:
    spec = json.loads(cluster_map.deck.to_json())
    return {layer["id"].split("@")[0]: layer for layer in spec["layers"]}


def test_the_map_draws_the_served_cells_of_k_and_the_numbered_centres() -> None:
    layers = _layers(toy_map())
    cells = layers["points"]
    assert cells["@@type"] == "TileLayer"
    assert cells["data"] == LEVELS.url_template
    assert f"properties.{id_property(2)}" in cells["getFillColor"]
    # Centres: the mean position of each cluster's rows (the row not clustered is left out).
    centres = layers["centroids"]["data"]
    np.testing.assert_allclose(centres[0]["position"], [-121.5, 37.5])
    np.testing.assert_allclose(centres[1]["position"], [-117.5, 33.5])
    assert [centre["colour"][:3] for centre in centres] == [
        list(hex_to_rgb(PALETTE[0])),
        list(hex_to_rgb(PALETTE[1])),
    ]
    assert [label["text"] for label in layers["centroid-labels"]["data"]] == ["0", "1"]


def test_a_new_k_reads_another_property_of_the_same_tiles() -> None:
    at_two = _layers(toy_map())["points"]
    at_three = _layers(
        maps.lod_map(
            LEVELS,
            LONGITUDE,
            LATITUDE,
            np.array([0, 2, 1, 1, -1]),
            3,
            extent=toy_extent(),
            value_labels=(),
        )
    )["points"]
    assert at_two["data"] == at_three["data"] and at_two["id"] == at_three["id"]
    assert f"properties.{id_property(3)}" in at_three["getFillColor"]


def test_the_tooltip_names_the_cluster_its_share_and_the_means() -> None:
    cluster_map = toy_map()
    tooltip = cluster_map.deck._tooltip["text"]
    assert f"{{{id_property(2)}}}" in tooltip and f"{{{share_property(2)}}}" in tooltip
    assert "block groups here" in tooltip
    assert "Median house value (mean): {x0}" in tooltip
    assert "Median income (mean): {x1}" in tooltip
    assert cluster_map.omitted_features == ("Population",)


def test_column_names_from_a_file_reach_the_tooltip_as_text() -> None:
    cluster_map = toy_map(value_labels=("{price} @@=evil",))
    tooltip = cluster_map.deck._tooltip["text"]
    # Braces would be read as a property by deck.gl's tooltip.
    assert "{price}" not in tooltip and "(price)" in tooltip
    assert "(price) @@=evil (mean): {x0}" in tooltip


def test_the_map_is_framed_on_the_data_and_dots_sized_to_it() -> None:
    spec = json.loads(toy_map().deck.to_json())
    extent = toy_extent()
    assert spec["initialViewState"]["latitude"] == extent.centre_latitude
    assert spec["initialViewState"]["zoom"] == extent.zoom
    small = maps.lod_map(
        LEVELS,
        LONGITUDE / 100,
        LATITUDE / 100,
        LABELS,
        2,
        extent=map_extent(LATITUDE / 100, LONGITUDE / 100),
        value_labels=(),
    )
    big_radius = _layers(toy_map())["points"]["getPointRadius"]
    small_radius = _layers(small)["points"]["getPointRadius"]
    assert small_radius < big_radius


def test_the_map_validates_its_input() -> None:
    with pytest.raises(ValueError, match="labels has shape"):
        maps.lod_map(
            LEVELS, LONGITUDE, LATITUDE, LABELS[:3], 2, extent=toy_extent(), value_labels=()
        )
    with pytest.raises(ValueError, match="n_clusters=4"):
        maps.lod_map(LEVELS, LONGITUDE, LATITUDE, LABELS, 4, extent=toy_extent(), value_labels=())
