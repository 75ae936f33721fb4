"""Tests for components.figures.charts: box plots, the elbow chart, the explore figures."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from components.figures.charts import (
    SuggestedK,
    elbow_chart_base,
    feature_boxplot,
    histogram_figure,
    mark_current_k,
)
from components.figures.palette import PALETTE

# ------------------------------------------------------------------ box plots


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
    figure = mark_current_k(elbow_chart_base(KS, INERTIA, SILHOUETTE, suggestions=suggestions), 5)
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
        elbow_chart_base(KS, INERTIA[:-1], SILHOUETTE)


# ------------------------------------------------------------ explore figures


def test_histogram_counts_and_cap_annotation() -> None:
    values = np.array([1.0, 2.0, 2.0, 3.0, 3.0, 3.0, np.nan])
    figure = histogram_figure(values, value_label="v", cap=3.0)
    assert len(figure.data[0].y) == 50
    assert [count for count in figure.data[0].y if count] == [1, 2, 3]
    assert figure.layout.annotations[0].text == "cap 3: 3 rows"


def test_box_plot_names_its_clusters_as_text() -> None:
    values = np.array([1.0, 2.0, 3.0, 10.0, 11.0, 12.0])
    labels = np.array([0, 0, 0, 1, 1, 1])
    figure = feature_boxplot(
        values, labels, 2, feature_label="v", names=("Low <i>end</i>", "A very long name " * 4)
    )
    ticks = figure.layout.xaxis.ticktext
    assert ticks[0].endswith("Low &lt;i&gt;end&lt;/i&gt;")
    assert len(ticks[1].split("<br>")[1]) <= 24 and ticks[1].endswith("…")
    assert list(figure.layout.xaxis.tickvals) == list(figure.layout.xaxis.categoryarray)
