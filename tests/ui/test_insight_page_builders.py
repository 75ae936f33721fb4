"""Tests of the Choose k / Explain clusters builders: metric panels, advice, silhouette map and
table, merged stability, flag notes, and the pages' Markdown/HTML safety helpers."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from components.engine.stability import stability_across_k
from components.engine.sweep.suggestions import KSuggestion
from components.figures.insight import (
    BORDER_SILHOUETTE,
    SILHOUETTE_BINS,
    choose_k_verdict,
    metrics_panels,
    silhouette_colour_expression,
    silhouette_map_deck,
    stability_note,
)
from components.figures.palette import PALETTE
from components.ui.insight import swatch_html
from components.ui.text import WORD_JOINER, escape_markdown


def _metrics() -> dict[str, np.ndarray]:
    return {
        "k": np.array([2, 3, 4, 5]),
        "inertia": np.array([100.0, 50.0, 40.0, 35.0]),
        "silhouette": np.array([0.4, 0.6, 0.5, 0.3]),
        "calinski_harabasz": np.array([10.0, 20.0, 30.0, 25.0]),
        "davies_bouldin": np.array([0.9, 0.5, 0.7, 0.8]),
        "fit_seconds": np.array([0.1, 0.2, 0.3, 0.4]),
    }


# --------------------------------------------------------------------------- metric panels


def test_metrics_panels_mark_best_knee_and_current_k() -> None:
    figure = metrics_panels(_metrics(), current_k=4, knee=3)
    curves = [trace for trace in figure.data if trace.mode == "lines+markers"]
    assert len(curves) == 5
    marks = {trace.name: trace.x[0] for trace in figure.data if trace.mode == "markers+text"}
    # Silhouette and CH: highest is best; Davies-Bouldin: lowest is best; inertia: the knee.
    assert marks == {
        "knee (Inertia)": 3,
        "best (Silhouette)": 3,
        "best (Calinski-Harabasz)": 4,
        "best (Davies-Bouldin)": 3,
    }
    current = [shape for shape in figure.layout.shapes if shape.x0 == 4]
    assert len(current) == 5  # one line per panel
    titles = " ".join(annotation.text for annotation in figure.layout.annotations)
    assert "higher is better" in titles and "lower is better" in titles


def test_metrics_panels_without_knee_or_current_k() -> None:
    figure = metrics_panels(_metrics())
    assert not [trace for trace in figure.data if trace.name.startswith("knee")]
    assert not figure.layout.shapes


def test_metrics_panels_show_a_sampled_silhouettes_spread_as_error_bars() -> None:
    metrics = _metrics() | {"silhouette_spread": np.array([0.01, 0.02, np.nan, 0.04])}
    figure = metrics_panels(metrics, current_k=3)
    curves = {trace.name: trace for trace in figure.data if trace.mode == "lines+markers"}
    silhouette = next(trace for name, trace in curves.items() if name.startswith("Silhouette"))
    assert silhouette.error_y.visible and silhouette.error_y.type == "data"
    np.testing.assert_array_equal(silhouette.error_y.array, [0.01, 0.02, np.nan, 0.04])
    assert "spread over the samples" in silhouette.hovertemplate
    others = [trace for name, trace in curves.items() if not name.startswith("Silhouette")]
    assert not any(trace.error_y.visible for trace in others)
    without = metrics_panels(_metrics())
    assert not any(trace.error_y.visible for trace in without.data)


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        ({"davies_bouldin": None}, {}, "lacks"),
        ({"silhouette_spread": np.array([0.1])}, {}, "silhouette_spread"),
        ({"silhouette": np.array([0.1, 0.2])}, {}, "one value per k"),
        ({}, {"current_k": 9}, "current_k=9"),
    ],
)
def test_metrics_panels_validate(change: dict, kwargs: dict, message: str) -> None:
    metrics = _metrics()
    for name, value in change.items():
        if value is None:
            del metrics[name]
        else:
            metrics[name] = value
    with pytest.raises(ValueError, match=message):
        metrics_panels(metrics, **kwargs)


# --------------------------------------------------------------------------- advice on k


def _suggestion(knee: int | None, best_sil: int, best_ch: int) -> KSuggestion:
    agree = knee is not None and knee == best_sil == best_ch
    return KSuggestion(knee, best_sil, best_ch, agree, "The sweep's own message.")


def test_verdict_without_knee_and_with_edges() -> None:
    paragraphs = choose_k_verdict(_suggestion(None, 2, 15), 5, range(2, 16))
    text = " ".join(paragraphs)
    assert paragraphs[0] == "The sweep's own message."
    assert "no clear bend" in text or "without a clear bend" in text
    assert "smallest k (k=2)" in text
    assert "largest k tried (k=15)" in text
    assert "None of the three criteria picks the k shown (k=5)" in text


def test_verdict_names_the_criteria_that_pick_the_shown_k() -> None:
    paragraphs = choose_k_verdict(_suggestion(6, 6, 6), 6, range(2, 16))
    assert paragraphs[-1] == (
        "The k shown (k=6) is the knee and best silhouette and best Calinski-Harabasz."
    )
    assert not any("measure different things" in text for text in paragraphs)  # they agree
    mixed = choose_k_verdict(_suggestion(4, 3, 9), 9, range(2, 16))
    assert mixed[-1] == "The k shown (k=9) is the best Calinski-Harabasz."
    assert any("measure different things" in text for text in mixed)


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


# --------------------------------------------------------------------------- stability


@pytest.fixture(scope="module")
def blobs() -> np.ndarray:
    X, _ = make_blobs(n_samples=600, centers=4, cluster_std=1.2, random_state=3)
    return X


def test_stability_note_explains_single_start_flags(blobs: np.ndarray) -> None:
    flagged = stability_across_k(
        blobs, [2, 3, 4], n_runs=2, n_resamples=2, mean_threshold=1.0, min_threshold=1.0
    )
    level, text = stability_note(flagged)
    assert level == "warning" and flagged.flagged
    assert "one k-means++ start" in text and "seed" in text and "10 starts" in text
    several = stability_across_k(blobs, [2, 3], n_runs=2, n_resamples=0, n_init=3)
    level, text = stability_note(replace(several, flagged=(3,)))
    assert level == "warning" and text.startswith("Even with the best of 3 starts")
    relaxed = stability_across_k(
        blobs, [2, 3], n_runs=2, n_resamples=0, mean_threshold=-0.5, min_threshold=-0.5
    )
    level, text = stability_note(relaxed)
    assert level == "success" and "from 2 to 3 is reproducible" in text


# --------------------------------------------------------------------------- safety helpers


def test_escape_markdown_neutralises_links_html_latex_and_directives() -> None:
    text = "![x](http://evil.example/a.png) <b>$1 and $2</b> :red[alarm] **bold**\nline"
    escaped = escape_markdown(text)
    assert "\n" not in escaped
    # Every special character is preceded by a backslash; removing them gives the text back.
    assert re.sub(r"\\(.)", r"\1", escaped).replace(WORD_JOINER, "") == text.replace("\n", " ")
    for special in "![]()<>$:*":
        assert re.search(rf"(?<!\\){re.escape(special)}", escaped) is None, special


@pytest.mark.parametrize("bad", ["red", "#12345", "#12345G", "#123456;background:url(x)", ""])
def test_swatch_html_accepts_only_hex_colours(bad: str) -> None:
    with pytest.raises(ValueError):
        swatch_html(bad)


def test_swatch_html_uses_the_colour() -> None:
    html = swatch_html("#0072B2", 0.9)
    assert "background:rgb(0,114,178)" in html and "width:0.9em" in html
    with pytest.raises(ValueError, match="size_em"):
        swatch_html("#0072B2", 10)
