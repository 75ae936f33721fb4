"""Tests for components.figures.insight: traces, colours and marked values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from components.engine.clustergram import clustergram
from components.engine.describe import train_test_price_check
from components.engine.stability import stability_across_k
from components.figures.insight import (
    FLAG_COLOUR,
    clustergram_sankey,
    silhouette_plot,
    stability_chart,
    train_test_chart,
)
from components.figures.palette import PALETTE

PROJECT_ROOT = Path(__file__).resolve().parents[2]


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
    figure = silhouette_plot(values, labels, max_points_per_cluster=100)
    assert len(figure.data) == 5
    for cluster in range(4):
        band = np.asarray(figure.data[cluster].x)
        members = values[labels == cluster]
        assert band.size <= 102
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


# --------------------------------------------------------------------------- stability


def _disc(n: int = 400, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    radius = np.sqrt(rng.uniform(0, 1, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def test_stability_chart_marks_band_mean_and_flags() -> None:
    result = stability_across_k(_disc(), range(2, 7), n_runs=3, n_resamples=3)
    assert result.flagged  # the rotationally symmetric disc has unstable k's
    figure = stability_chart(result, current_k=4)
    assert len(figure.data) == 4
    top, band, mean, flags = figure.data
    np.testing.assert_allclose(top.y, result.ari_max)
    np.testing.assert_allclose(band.y, result.ari_min)
    assert band.fill == "tonexty"
    np.testing.assert_allclose(mean.y, result.ari_mean)
    assert list(flags.x) == list(result.flagged)
    assert flags.marker.color == FLAG_COLOUR and flags.marker.symbol == "x"
    index = [list(result.k_values).index(k) for k in result.flagged]
    np.testing.assert_allclose(flags.y, result.ari_mean[index])
    thresholds = sorted(s.y0 for s in figure.layout.shapes if s.y0 == s.y1 and s.yref == "y")
    assert thresholds == [0.65, 0.80]
    assert any(s.x0 == 4 and s.x1 == 4 for s in figure.layout.shapes)


def test_stability_chart_without_flags_keeps_an_empty_flag_trace() -> None:
    rng = np.random.default_rng(0)
    blobs = np.vstack([c + rng.normal(0, 0.5, (50, 2)) for c in ([0, 0], [10, 0], [5, 9])])
    result = stability_across_k(blobs, (3,), n_runs=2, n_resamples=2)
    figure = stability_chart(result)
    assert result.flagged == ()
    assert len(figure.data) == 4 and len(figure.data[3].x) == 0
    with pytest.raises(ValueError, match="current_k=9 is not in the analysed k's"):
        stability_chart(result, current_k=9)


# --------------------------------------------------------------------------- clustergram


def test_clustergram_sankey_colours_and_flows() -> None:
    labels = np.array([[0, 0, 0, 1, 1], [0, 0, 2, 1, 1], [0, 3, 2, 1, 1]])
    data = clustergram(labels, (2, 3, 4))
    figure = clustergram_sankey(data)
    assert len(figure.data) == 1
    sankey = figure.data[0]
    assert isinstance(sankey, go.Sankey)
    assert list(sankey.node.color) == [PALETTE[c] for c in (0, 1, 0, 1, 2, 0, 1, 2, 3)]
    assert list(sankey.link.value) == data.link_value.tolist()
    assert list(sankey.link.source) == data.link_source.tolist()
    assert sum(sankey.link.value) == 2 * 5  # every row moves once per step
    assert [a.text for a in figure.layout.annotations] == ["k=2", "k=3", "k=4"]
    assert sankey.node.customdata[4] == "k=3 · cluster 2: 1 rows"


def test_clustergram_sankey_colours_by_hand() -> None:
    labels = np.array([[0, 0, 0, 1, 1], [0, 0, 2, 1, 1]])
    sankey = clustergram_sankey(clustergram(labels, (2, 3))).data[0]
    assert tuple(sankey.node.color) == (PALETTE[0], PALETTE[1], PALETTE[0], PALETTE[1], PALETTE[2])
    link_colour = sankey.link.color
    assert link_colour[0].startswith("rgba(") and link_colour[0].endswith(",0.45)")


def test_clustergram_sankey_needs_a_colour_per_cluster() -> None:
    data = clustergram(np.zeros((1, 3), dtype=int), (16,))
    with pytest.raises(ValueError, match="palette has 15"):
        clustergram_sankey(data)


def test_train_test_chart_outlines_clusters_that_do_not_hold() -> None:
    train = np.array([100.0] * 20 + [100.0] * 20)
    test = np.array([102.0] * 20 + [150.0] * 20)
    ids = np.repeat([0, 1], 20)
    check = train_test_price_check(train, ids, test, ids)
    figure = train_test_chart(check)
    assert [trace.name for trace in figure.data] == ["train", "test"]
    assert list(figure.data[0].y) == [100.0, 100.0]
    assert list(figure.data[1].y) == [102.0, 150.0]
    assert list(figure.data[0].marker.color) == [PALETTE[0], PALETTE[1]]
    assert list(figure.data[1].text) == ["+2%", "+50% ✗"]
    # No legend (its swatch would show one cluster's colour); the key is written out.
    assert figure.layout.showlegend is False
    assert "train rows (solid)" in figure.layout.annotations[0].text


@pytest.mark.slow
@pytest.mark.parametrize(
    "module",
    [
        "components.engine.stability",
        "components.engine.describe",
        "components.engine.upload",
        "components.figures.insight",
    ],
)
def test_insight_modules_import_without_streamlit(module: str) -> None:
    code = (
        "import sys, importlib\n"
        f"importlib.import_module({module!r})\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{module} pulled in: {result.stdout.strip()}"
