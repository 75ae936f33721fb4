"""Plotly charts of clusters and data: box plots, the elbow / silhouette chart, histograms."""

from __future__ import annotations

import copy
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.engine.grouped import GroupSummary, group_summary
from components.figures.palette import PALETTE, check_n_clusters, rgba
from components.figures.text import plotly_text


def cluster_name(cluster: int) -> str:
    """Return the axis label of a cluster id."""
    return f"Cluster {cluster}"


def feature_boxplot(
    values: np.ndarray,
    labels: np.ndarray,
    n_clusters: int,
    *,
    feature_label: str,
    cap: float | None = None,
    is_test: np.ndarray | None = None,
    summary: GroupSummary | None = None,
    names: Sequence[str] = (),
) -> go.Figure:
    """Box plot of a feature per cluster, in the map's colours and order.

    Boxes are drawn from precomputed quartiles and fences, so the figure carries
    a handful of numbers per cluster instead of every row.

    Parameters
    ----------
    values : numpy.ndarray
        The feature per row.
    labels : numpy.ndarray
        Cluster id per row (-1 rows are left out).
    n_clusters : int
        Number of clusters, in [1, 15].
    feature_label : str
        Axis title (may be a user's column name: shown as written, see
        :func:`components.figures.text.plotly_text`).
    cap : float, optional
        A census top-code to mark with a dashed line (e.g. 500,001 USD).
    is_test : numpy.ndarray, optional
        True for test rows: then each cluster gets a train box and a test box.
    summary : GroupSummary, optional
        The values' summary per cluster id (at least ``n_clusters`` groups), when the
        caller has it already; not with ``is_test``.
    names : sequence of str, optional
        The clusters' names, written under their boxes as plain text.

    Returns
    -------
    plotly.graph_objects.Figure
        One box trace per cluster (two per cluster with a split).
    """
    check_n_clusters(n_clusters)
    values = np.asarray(values, dtype=float)
    labels = np.asarray(labels, dtype=int)
    if values.shape != labels.shape:
        raise ValueError(f"values has shape {values.shape} but labels has {labels.shape}.")
    # One summary for every box: per cluster, or per cluster and split (2 * id + is_test).
    group_names = [""]
    group_of_row = labels
    if is_test is not None:
        group_names = ["train", "test"]
        group_of_row = np.where(labels >= 0, 2 * labels + np.asarray(is_test, dtype=int), -1)
    if summary is None:
        summary = group_summary(values, group_of_row, len(group_names) * n_clusters)
    elif is_test is not None or summary.n.size < n_clusters:
        raise ValueError(
            f"summary has {summary.n.size} groups; expected at least n_clusters={n_clusters} "
            "and no is_test."
        )
    traces: list[dict] = []
    for cluster in range(n_clusters):
        for offset, group_name in enumerate(group_names):
            group = len(group_names) * cluster + offset
            if summary.n[group] == 0:
                continue
            colour = PALETTE[cluster]
            name = cluster_name(cluster) + (f" ({group_name})" if group_name else "")
            traces.append(
                {
                    "type": "box",
                    "x": [cluster_name(cluster)],
                    "q1": [float(summary.q1[group])],
                    "median": [float(summary.median[group])],
                    "q3": [float(summary.q3[group])],
                    "lowerfence": [float(summary.lower_fence[group])],
                    "upperfence": [float(summary.upper_fence[group])],
                    "mean": [float(summary.mean[group])],
                    "name": name,
                    "offsetgroup": group_name,  # "" without a split: plotly's default
                    "marker": {"color": colour},
                    "line": {"color": colour},
                    "fillcolor": rgba(colour, 0.15 if group_name == "test" else 0.55),
                    "showlegend": False,
                    "hovertemplate": (
                        f"{name}<br>n = {int(summary.n[group]):,}<br>median %{{median:,.4g}}"
                        "<br>q1 %{q1:,.4g} · q3 %{q3:,.4g}<extra></extra>"
                    ),
                }
            )
    layout: dict = {
        "boxmode": "group" if is_test is not None else "overlay",
        "yaxis": {"title": {"text": plotly_text(feature_label)}},
        "xaxis": {
            "categoryorder": "array",
            "categoryarray": [cluster_name(i) for i in range(n_clusters)],
        },
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "height": 360,
    }
    if names:
        layout["xaxis"]["tickvals"] = layout["xaxis"]["categoryarray"]
        layout["xaxis"]["ticktext"] = [
            f"{cluster_name(i)}<br>{plotly_text(textwrap.shorten(name, 24, placeholder='…'))}"
            for i, name in zip(range(n_clusters), names, strict=False)
        ]
    if cap is not None:
        layout["shapes"] = [
            _line("census cap", "y", cap, {"color": "#444444", "dash": "dash", "width": 1.5})
        ]
        layout["annotations"] = [
            {
                "text": f"census cap {cap:,.0f}",
                "xref": "paper",
                "x": 0,
                "xanchor": "left",
                "yref": "y",
                "y": cap,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11, "color": "#444444"},
            }
        ]
    # Built from plain dicts without re-validation: this runs on every new k, and the
    # tests validate the same structure with plotly's validators.
    return go.Figure({"data": traces, "layout": layout}, _validate=False)


def _line(name: str, axis: str, at: float, line: dict) -> dict:
    """A line across the plot at ``at`` on the ``axis`` ("x": vertical, "y": horizontal)."""
    across = "y" if axis == "x" else "x"
    return {
        "type": "line",
        "name": name,
        f"{axis}ref": axis,
        f"{axis}0": at,
        f"{axis}1": at,
        f"{across}ref": "paper",
        f"{across}0": 0,
        f"{across}1": 1,
        "line": line,
    }


@dataclass(frozen=True)
class SuggestedK:
    """One named suggestion for k, for :func:`elbow_chart_base`."""

    name: str
    k: int


def elbow_chart_base(
    k_values: Sequence[int],
    inertia: Sequence[float] | np.ndarray,
    silhouette: Sequence[float] | np.ndarray,
    *,
    suggestions: Sequence[SuggestedK] = (),
    silhouette_title: str = "Silhouette",
) -> dict:
    """The elbow chart without the current-k mark, as a plain figure dict.

    Built once per sweep; :func:`mark_current_k` adds the k-dependent part cheaply.

    Parameters
    ----------
    k_values : sequence of int
        The k's of the sweep.
    inertia, silhouette : sequence of float
        One value per k.
    suggestions : sequence of SuggestedK
        Named k's (knee, best silhouette, best Calinski-Harabasz) marked by dotted
        lines with their names; names of suggestions on the same k are joined.
    silhouette_title : str
        Axis title of the lower panel (e.g. noting a sampled silhouette).

    Returns
    -------
    dict
        A validated plotly figure dict.
    """
    ks = [int(k) for k in k_values]
    if not (len(ks) == len(inertia) == len(silhouette)) or not ks:
        raise ValueError(
            f"k_values, inertia and silhouette must be non-empty and of one length; got "
            f"{len(ks)}, {len(inertia)}, {len(silhouette)}."
        )
    figure = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.5, 0.5]
    )
    line_colour = "#444444"
    for row, (name, values) in enumerate((("Inertia", inertia), (silhouette_title, silhouette)), 1):
        figure.add_trace(
            go.Scatter(
                x=ks,
                y=[float(v) for v in values],
                mode="lines+markers",
                name=name,
                line={"color": line_colour},
                marker={"size": 9, "color": line_colour},
                hovertemplate=f"k = %{{x}}<br>{name} %{{y:,.4g}}<extra>click to show</extra>",
                showlegend=False,
            ),
            row=row,
            col=1,
        )
        figure.update_yaxes(title_text=name, row=row, col=1)
    middle = (min(ks) + max(ks)) / 2
    shapes = []
    annotations = []
    suggested = sorted({int(suggestion.k) for suggestion in suggestions})
    level = 0
    for index, k in enumerate(suggested):
        names = [suggestion.name for suggestion in suggestions if suggestion.k == k]
        # Labels of nearby k's are stacked so they do not overlap.
        level = level + 1 if index and k - suggested[index - 1] <= 3 else 0
        shapes.append(
            _line("suggested k", "x", k, {"color": PALETTE[5], "dash": "dot", "width": 1.5})
        )
        annotations.append(
            {
                "text": f"{' & '.join(names)} (k={k})",
                "xref": "x",
                "x": k,
                "xanchor": "left" if k <= middle else "right",
                "yref": "paper",
                "y": 1.0,
                "yanchor": "bottom",
                "yshift": 2 + 15 * (level % 3),
                "showarrow": False,
                "font": {"size": 11, "color": PALETTE[5]},
            }
        )
    figure.update_xaxes(title_text="k (number of clusters)", dtick=1, row=2, col=1)
    figure.update_layout(
        shapes=shapes,
        annotations=[*figure.layout.annotations, *annotations],
        height=440,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        clickmode="event+select",
        dragmode=False,
        hovermode="closest",
    )
    return figure.to_dict()


def mark_current_k(base: dict, current_k: int) -> go.Figure:
    """Return a copy of an elbow chart with the current k marked (line and rings).

    Parameters
    ----------
    base : dict
        From :func:`elbow_chart_base` (not changed).
    current_k : int
        The k shown on the page; marked when it is one of the chart's k's.

    Returns
    -------
    plotly.graph_objects.Figure
        The figure (the base was validated when built, so it is not validated again).
    """
    figure_dict = copy.deepcopy(base)
    ring = {"size": 17, "color": "rgba(0,0,0,0)", "line": {"color": PALETTE[0], "width": 3}}
    for curve in figure_dict["data"][:2]:  # the two curves (a copy: rings are appended)
        ks = [int(k) for k in curve["x"]]
        if current_k not in ks:
            continue
        figure_dict["data"].append(
            {
                "type": "scatter",
                "x": [current_k],
                "y": [curve["y"][ks.index(current_k)]],
                "mode": "markers",
                "name": f"current k = {current_k}",
                "marker": ring,
                "hoverinfo": "skip",
                "showlegend": False,
                "xaxis": curve.get("xaxis", "x"),
                "yaxis": curve.get("yaxis", "y"),
            }
        )
    figure_dict["layout"]["shapes"] = [
        *figure_dict["layout"].get("shapes", ()),
        _line("current k", "x", current_k, {"color": PALETTE[0], "width": 2}),
    ]
    return go.Figure(figure_dict, _validate=False)


def histogram_figure(
    values: np.ndarray, *, value_label: str, cap: float | None = None
) -> go.Figure:
    """Histogram in 50 equal-width bins, with the census cap and its row count marked.

    Parameters
    ----------
    values : numpy.ndarray
        The column (missing values are left out).
    value_label : str
        Axis title (shown as written, see :func:`components.figures.text.plotly_text`).
    cap : float, optional
        A top-code to mark; the number of rows at or above it is shown.

    Returns
    -------
    plotly.graph_objects.Figure
        A bar chart of counts.
    """
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    counts, edges = np.histogram(finite, bins=50) if finite.size else (np.zeros(0), np.zeros(1))
    figure = go.Figure(
        go.Bar(
            x=((edges[:-1] + edges[1:]) / 2).tolist(),
            y=counts.tolist(),
            width=np.diff(edges).tolist(),
            marker_color=PALETTE[0],
            hovertemplate="%{x:,.4g}: %{y:,} rows<extra></extra>",
            name=plotly_text(value_label),
        )
    )
    if cap is not None:
        n_capped = int((finite >= cap).sum())
        figure.add_vline(
            x=cap,
            line_dash="dash",
            line_color=PALETTE[5],
            annotation_text=f"cap {cap:,.0f}: {n_capped:,} rows",
            annotation_position="top left",
        )
    figure.update_layout(
        xaxis_title=plotly_text(value_label),
        yaxis_title="rows",
        bargap=0,
        height=340,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
    )
    return figure
