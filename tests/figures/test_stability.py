"""Tests for components.figures.stability: ARI per k, the clustergram's Sankey, the flags' note."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest
from sklearn.datasets import make_blobs

from components.engine.clustergram import clustergram
from components.engine.stability import StabilityResult, stability_across_k
from components.engine.sweep.run import fit_sweep
from components.figures.palette import PALETTE
from components.figures.stability import (
    FLAG_COLOUR,
    clustergram_sankey,
    stability_chart,
    stability_note,
)

# --------------------------------------------------------------------------- stability


def _stability(X: np.ndarray, k_values: Iterable[int], **kwargs: Any) -> StabilityResult:
    """Stability with the sweep's clustering (same seed and starts) as the reference."""
    ks = list(k_values)
    seed, starts = kwargs.get("random_state", 0), kwargs.get("n_init", "auto")
    reference = fit_sweep(X, ks, random_state=seed, n_init=starts).labels
    return stability_across_k(X, ks, reference_labels=reference, **kwargs)


def _disc(n: int = 400, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    radius = np.sqrt(rng.uniform(0, 1, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def test_stability_chart_marks_band_mean_and_flags() -> None:
    result = _stability(_disc(), range(2, 7), n_runs=3, n_resamples=3)
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
    result = _stability(blobs, (3,), n_runs=2, n_resamples=2)
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


# --------------------------------------------------------------------------- note


@pytest.fixture(scope="module")
def blobs() -> np.ndarray:
    X, _ = make_blobs(n_samples=600, centers=4, cluster_std=1.2, random_state=3)
    return X


def test_stability_note_explains_single_start_flags(blobs: np.ndarray) -> None:
    flagged = _stability(blobs, [2, 3, 4], n_runs=2, n_resamples=2)
    level, text = stability_note(replace(flagged, flagged=(2, 3, 4)))
    assert level == "warning"
    assert "one k-means++ start" in text and "seed" in text and "10 starts" in text
    several = _stability(blobs, [2, 3], n_runs=2, n_resamples=0, n_init=3)
    level, text = stability_note(replace(several, flagged=(3,)))
    assert level == "warning" and text.startswith("Even with the best of 3 starts")
    level, text = stability_note(replace(several, flagged=(), n_init="auto"))
    assert level == "success" and "from 2 to 3 is reproducible" in text
