"""Tests for components.figures.silhouette: the silhouette plot and the silhouette map."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from components.engine.sweep.silhouette import BORDER_SILHOUETTE
from components.figures.palette import PALETTE
from components.figures.silhouette import (
    MAX_POINTS_PER_CLUSTER,
    SILHOUETTE_BINS,
    silhouette_colour_expression,
    silhouette_map_deck,
    silhouette_plot,
)

# --------------------------------------------------------------------------- silhouette


def test_silhouette_plot_bands_colours_and_means() -> None:
    values = np.array([0.9, 0.5, 0.7, 0.2, -0.1, 0.4, 0.6])
    labels = np.array([0, 0, 0, 2, 2, 2, -1])  # the -1 point is left out
    figure = silhouette_plot(values, labels)
    assert len(figure.data) == 3  # clusters 0 and 2, then the mean segments
    band_0, band_2, means = figure.data
    assert band_0.fillcolor == PALETTE[0] and band_2.fillcolor == PALETTE[2]
    assert band_0.name == "Cluster 0" and band_2.name == "Cluster 2"
    # Band outline: the sorted values between two zero points.
    assert list(band_0.x) == [0.0, 0.5, 0.7, 0.9, 0.0]
    assert list(band_2.x) == [0.0, -0.1, 0.2, 0.4, 0.0]
    # Cluster means as dotted segments: 0.7 and 0.5 / 3.
    assert means.line.dash == "dot"
    assert means.x[0] == pytest.approx(0.7) and means.x[3] == pytest.approx(0.5 / 3)
    # The overall mean (of clustered points) is a dashed vertical line.
    shape = figure.layout.shapes[0]
    assert shape.line.dash == "dash"
    assert shape.x0 == pytest.approx(np.mean(values[:6]))
    assert figure.layout.annotations[0].text == f"mean {np.mean(values[:6]):.3f}"
    assert list(figure.layout.yaxis.ticktext) == ["0", "2"]


def test_silhouette_plot_downsamples_but_keeps_the_extremes() -> None:
    rng = np.random.default_rng(0)
    values = rng.uniform(-0.2, 0.9, 20_000)
    labels = rng.integers(0, 4, 20_000)
    figure = silhouette_plot(values, labels)
    assert len(figure.data) == 5
    for cluster in range(4):
        band = np.asarray(figure.data[cluster].x)
        members = values[labels == cluster]
        assert band.size <= MAX_POINTS_PER_CLUSTER + 2
        assert band[1] == members.min() and band[-2] == members.max()
        y = np.asarray(figure.data[cluster].y)
        assert y[-1] - y[0] == pytest.approx(members.size)  # band height = cluster size
    assert figure.layout.shapes[0].x0 == pytest.approx(values.mean())


@pytest.mark.parametrize(
    ("values", "labels", "message"),
    [
        (np.array([0.1, 0.2]), np.array([0]), "same length"),
        (np.array([0.1, 1.5]), np.array([0, 1]), r"in \[-1, 1\]"),
        (np.array([0.1, 0.2]), np.array([-1, -1]), "No clustered point"),
        (np.array([0.1, 0.2]), np.array([0, 15]), "palette has 15"),
    ],
)
def test_silhouette_plot_validates(values: np.ndarray, labels: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        silhouette_plot(values, labels)


# --------------------------------------------------------------------------- silhouette map


def _evaluate_colour(expression: str, value: float) -> list[int]:
    """Evaluate the 'this[3] < a ? [..] : this[3] < b ? [..] : [..]' chain for a value."""
    for match in re.finditer(r"this\[3\] < (-?[\d.]+) \? (\[[^\]]*\])", expression):
        if value < float(match.group(1)):
            return json.loads(match.group(2))
    return json.loads(expression.rsplit(" : ", 1)[-1])


@pytest.mark.parametrize("value", [-1.0, -0.3, -0.25, -0.01, 0.0, 0.05, 0.1, 0.3, 0.5, 0.74, 1.0])
def test_colour_expression_matches_the_bins(value: float) -> None:
    # A value on an edge belongs to the class above it.
    index = max(i for i, band in enumerate(SILHOUETTE_BINS) if band.lower <= value)
    band = SILHOUETTE_BINS[index]
    assert band.lower <= value <= band.upper
    assert value < band.upper or index == len(SILHOUETTE_BINS) - 1
    colour = _evaluate_colour(silhouette_colour_expression(), value)
    assert colour[:3] == [int(band.colour[i : i + 2], 16) for i in (1, 3, 5)]
    # Negative values are red-ish (red > blue), clearly positive ones blue-ish.
    if value < 0:
        assert colour[0] > colour[2]
    if value >= BORDER_SILHOUETTE:
        assert colour[2] > colour[0]


def test_silhouette_map_points_order_filter_and_centres() -> None:
    longitude = np.array([-122.0, -121.5, -118.0, -117.5, np.nan])
    latitude = np.array([37.0, 37.5, 34.0, 34.5, 35.0])
    silhouette = np.array([0.8, -0.2, 0.05, 0.5, 0.3])
    labels = np.array([0, 0, 1, 1, 1])
    deck = silhouette_map_deck(longitude, latitude, silhouette, labels, 2)
    spec = json.loads(deck.to_json())
    layers = {layer["id"]: layer for layer in spec["layers"]}
    points = layers["silhouette-points"]["data"]
    # The point without a longitude is left out; the lowest silhouettes are drawn last (on top).
    assert [point[3] for point in points] == [0.8, 0.5, 0.05, -0.2]
    assert [point[2] for point in points] == [0, 1, 1, 0]
    assert points[0][:2] == [0, 300]  # origin (floor of the minima): -122, 34; 1/100 degree
    centres = layers["centroid-labels"]["data"]
    assert [c["text"] for c in centres] == ["0", "1"]
    assert centres[0]["position"] == [-121.75, 37.25]
    assert centres[1]["colour"][:3] == [int(PALETTE[1][i : i + 2], 16) for i in (1, 3, 5)]
    assert deck._tooltip == {"text": "Cluster {2}\nSilhouette {3}"}  # sent beside the JSON

    border = silhouette_map_deck(
        longitude, latitude, silhouette, labels, 2, below=BORDER_SILHOUETTE
    )
    layers_ = json.loads(border.to_json())["layers"]
    border_points = next(layer["data"] for layer in layers_ if layer["id"] == "silhouette-points")
    assert [point[3] for point in border_points] == [0.05, -0.2]


@pytest.mark.parametrize(
    ("silhouette", "labels", "n_clusters", "message"),
    [
        (np.array([0.5, 1.5]), np.array([0, 1]), 2, r"\[-1, 1\]"),
        (np.array([0.5, 0.2]), np.array([0, 2]), 2, r"\[0, 1\]"),
        (np.array([0.5, 0.2]), np.array([0, 1]), 16, "n_clusters=16"),
        (np.array([0.5]), np.array([0, 1]), 2, "same length"),
    ],
)
def test_silhouette_map_validates(
    silhouette: np.ndarray, labels: np.ndarray, n_clusters: int, message: str
) -> None:
    coordinates = np.zeros(labels.size)
    with pytest.raises(ValueError, match=message):
        silhouette_map_deck(coordinates, coordinates, silhouette, labels, n_clusters)
