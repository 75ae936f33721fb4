"""The figure of a classification's variables: the correlation heatmap's cells."""

from __future__ import annotations

import numpy as np
import pytest

from components.engine.classification.correlation import correlations
from components.figures.classification import correlation_heatmap


@pytest.fixture(scope="module")
def values() -> np.ndarray:
    generator = np.random.default_rng(0)
    x = generator.normal(size=200)
    return np.column_stack([x, np.exp(2.0 * x), generator.normal(size=200)])


NAMES = ["<b>x</b>", "a & b", "noise"]


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_heatmap_cells_are_the_matrix(values: np.ndarray, method: str) -> None:
    result = correlations(values, NAMES)
    figure = correlation_heatmap(result, method)
    heatmap = figure.data[0]
    np.testing.assert_array_equal(np.asarray(heatmap.z), getattr(result, method).to_numpy())
    assert (heatmap.zmin, heatmap.zmax) == (-1.0, 1.0)
    assert heatmap.text[0][0] == "1.00"


def test_names_are_escaped(values: np.ndarray) -> None:
    figure = correlation_heatmap(correlations(values, NAMES))
    assert list(figure.data[0].x) == ["&lt;b&gt;x&lt;/b&gt;", "a &amp; b", "noise"]
    assert list(figure.data[0].y) == list(figure.data[0].x)
    assert "<b>" not in figure.to_json()


def test_flagged_pairs_are_boxed_in_both_cells(values: np.ndarray) -> None:
    result = correlations(values, NAMES)
    assert [(pair.first, pair.second) for pair in result.pairs] == [("<b>x</b>", "a & b")]
    figure = correlation_heatmap(result, "pearson")  # flagged by Spearman, boxed here too
    centres = sorted(
        ((shape.x0 + shape.x1) / 2, (shape.y0 + shape.y1) / 2) for shape in figure.layout.shapes
    )
    assert centres == [(0.0, 1.0), (1.0, 0.0)]


def test_unknown_method_is_refused(values: np.ndarray) -> None:
    with pytest.raises(ValueError, match="'kendall' is not one of"):
        correlation_heatmap(correlations(values, NAMES), "kendall")
