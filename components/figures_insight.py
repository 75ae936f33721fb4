"""Plotly figures for "Beyond the peers": silhouettes, stability per k, clustergram, tables.

Pure Python (no Streamlit): every builder takes numbers or a result of
:mod:`components.stability` / :mod:`components.describe` and returns a ``go.Figure``. Cluster
``i`` is drawn in ``PALETTE[i]`` (the map's palette, from :mod:`components.figures`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components.describe import PriceCheckResult
from components.figures import PALETTE, cluster_name
from components.stability import ClustergramData, StabilityResult

__all__ = [
    "FLAG_COLOUR",
    "MAX_POINTS_PER_CLUSTER",
    "clustergram_sankey",
    "metrics_table",
    "silhouette_plot",
    "stability_chart",
    "train_test_chart",
]

MAX_POINTS_PER_CLUSTER = 400  # a silhouette band's outline needs no more points than this
FLAG_COLOUR = PALETTE[5]  # vermillion: "not reproducible" marks
# Means are drawn in grey, not a palette colour, so they never read as a cluster.
_MEAN_COLOUR = "#555555"
_OVERALL_MEAN_COLOUR = "#222222"
_BAND_GAP_SHARE = 0.02  # gap between silhouette bands, as a share of all rows
_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def _check_palette(n_clusters: int, palette: Sequence[str]) -> None:
    if n_clusters > len(palette):
        raise ValueError(
            f"{n_clusters} clusters need {n_clusters} colours but the palette has "
            f"{len(palette)}; expected at most {len(palette)} clusters."
        )


def _outline(sorted_values: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep evenly spaced order statistics (first and last included) of a sorted array.

    Returns the kept values and their fractional rank positions in [0, 1].
    """
    n = sorted_values.size
    if n <= max_points:
        positions = np.arange(n, dtype=np.float64)
    else:
        positions = np.unique(np.round(np.linspace(0, n - 1, max_points)))
    ranks = positions / max(n - 1, 1)
    return sorted_values[positions.astype(np.int64)], ranks


def silhouette_plot(
    silhouette_values: np.ndarray,
    labels: np.ndarray,
    *,
    palette: Sequence[str] = PALETTE,
    max_points_per_cluster: int = MAX_POINTS_PER_CLUSTER,
    title: str | None = None,
) -> go.Figure:
    """Silhouette plot: each cluster's per-point values sorted, as a band; means dashed.

    Each cluster is a filled band (largest values at the top of the band) whose height is
    proportional to its size; a band is drawn from at most ``max_points_per_cluster`` evenly
    spaced order statistics (always including the smallest and largest value), so the figure
    stays small on 20,000 rows while its outline is unchanged to the eye. A dotted grey segment
    marks each cluster's mean and a dashed dark vertical line the overall mean (the average
    silhouette).

    Parameters
    ----------
    silhouette_values : array-like of float, shape (n,)
        Per-point silhouette in [-1, 1] (e.g. ``sweep.silhouette_values_for``).
    labels : array-like of int, shape (n,)
        Cluster id per point; negative = not clustered (left out).
    palette : sequence of str
        Colour of cluster ``i`` = ``palette[i]``.
    max_points_per_cluster : int
        Outline resolution of each band (>= 2).
    title : str, optional
        Figure title.

    Returns
    -------
    go.Figure
        One trace per non-empty cluster (in id order), then one "cluster mean" trace; the overall
        mean is ``layout.shapes[0]``.
    """
    values = np.asarray(silhouette_values, dtype=np.float64)
    ids = np.asarray(labels)
    if values.ndim != 1 or ids.shape != values.shape:
        raise ValueError(
            f"silhouette_values has shape {values.shape} and labels {ids.shape}; expected two "
            "1-D arrays of the same length."
        )
    if ids.size and not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"labels must hold integer cluster ids; got dtype {ids.dtype}.")
    if isinstance(max_points_per_cluster, bool) or int(max_points_per_cluster) < 2:
        raise ValueError(
            f"max_points_per_cluster={max_points_per_cluster!r} is invalid; expected an integer "
            ">= 2."
        )
    used = ids >= 0
    values, ids = values[used], ids[used].astype(np.int64)
    if values.size == 0:
        raise ValueError("No clustered point: every label is negative.")
    if not np.isfinite(values).all() or values.min() < -1.0 or values.max() > 1.0:
        raise ValueError("silhouette_values must be finite numbers in [-1, 1].")
    clusters = np.unique(ids)
    _check_palette(int(clusters.max()) + 1, palette)

    gap = max(1.0, _BAND_GAP_SHARE * values.size)
    traces: list[go.Scatter] = []
    mean_x: list[float | None] = []
    mean_y: list[float | None] = []
    tick_positions: list[float] = []
    tick_text: list[str] = []
    lower = 0.0
    for cluster in clusters:
        members = np.sort(values[ids == cluster])
        kept, ranks = _outline(members, int(max_points_per_cluster))
        size = members.size
        upper = lower + size
        y_points = lower + ranks * size
        colour = palette[int(cluster)]
        traces.append(
            go.Scatter(
                x=np.concatenate([[0.0], kept, [0.0]]),
                y=np.concatenate([[lower], y_points, [upper]]),
                mode="lines",
                fill="toself",
                fillcolor=colour,
                line={"color": colour, "width": 1},
                name=cluster_name(int(cluster)),
                hovertemplate=(
                    f"{cluster_name(int(cluster))}<br>{size:,} points<br>"
                    f"mean silhouette {members.mean():.3f}<extra></extra>"
                ),
            )
        )
        mean = float(members.mean())
        mean_x += [mean, mean, None]
        mean_y += [lower, upper, None]
        tick_positions.append((lower + upper) / 2)
        tick_text.append(str(int(cluster)))
        lower = upper + gap
    traces.append(
        go.Scatter(
            x=mean_x,
            y=mean_y,
            mode="lines",
            line={"color": _MEAN_COLOUR, "dash": "dot", "width": 2},
            name="cluster mean",
            hoverinfo="skip",
        )
    )
    overall = float(values.mean())
    figure = go.Figure(traces)
    figure.add_shape(
        type="line",
        xref="x",
        x0=overall,
        x1=overall,
        yref="paper",
        y0=0,
        y1=1,
        line={"color": _OVERALL_MEAN_COLOUR, "dash": "dash", "width": 2},
    )
    figure.add_annotation(
        x=overall,
        xref="x",
        y=1,
        yref="paper",
        yanchor="bottom",
        text=f"mean {overall:.3f}",
        showarrow=False,
        font={"color": _OVERALL_MEAN_COLOUR},
    )
    figure.update_layout(
        title=title,
        height=max(320, min(900, 40 * clusters.size + 200)),
        margin=_MARGIN,
        xaxis={
            "title": "silhouette (1 = well inside its cluster, < 0 = closer to another)",
            "range": [min(-0.1, float(values.min()) - 0.05), 1.0],
            "zeroline": True,
        },
        yaxis={
            "title": "cluster",
            "tickvals": tick_positions,
            "ticktext": tick_text,
            "showgrid": False,
        },
        legend={"traceorder": "normal"},
        hovermode="closest",
    )
    return figure


def stability_chart(
    result: StabilityResult, *, current_k: int | None = None, title: str | None = None
) -> go.Figure:
    """Mean ARI per k with its min-max band across reruns; flagged k's and thresholds marked.

    Parameters
    ----------
    result : StabilityResult
        From ``stability.stability_across_k``.
    current_k : int, optional
        The k shown on the map; marked by a vertical line.
    title : str, optional
        Figure title.

    Returns
    -------
    go.Figure
        Traces, in order: band top (max, no legend), band (min, filled to the max), mean ARI,
        not reproducible (cross markers on the flagged k's at their mean; empty when none).
        Shapes: dashed lines at the mean and minimum thresholds, then the current k.
    """
    ks = list(result.k_values)
    flagged = [k for k in ks if k in result.flagged]
    flagged_mean = [float(result.ari_mean[ks.index(k)]) for k in flagged]
    band_colour = "rgba(0,114,178,0.18)"
    traces = [
        go.Scatter(
            x=ks,
            y=result.ari_max,
            mode="lines",
            line={"width": 0, "color": band_colour},
            showlegend=False,
            hoverinfo="skip",
            name="highest ARI",
        ),
        go.Scatter(
            x=ks,
            y=result.ari_min,
            mode="lines",
            fill="tonexty",
            fillcolor=band_colour,
            line={"width": 0, "color": band_colour},
            name="lowest to highest ARI",
            customdata=np.column_stack([result.ari_min, result.ari_max]),
            hovertemplate="k = %{x}<br>ARI from %{customdata[0]:.3f} to %{customdata[1]:.3f}"
            "<extra></extra>",
        ),
        go.Scatter(
            x=ks,
            y=result.ari_mean,
            mode="lines+markers",
            line={"color": PALETTE[0], "width": 2},
            marker={"size": 8, "color": PALETTE[0]},
            name="mean ARI",
            hovertemplate="k = %{x}<br>mean ARI %{y:.3f}<extra></extra>",
        ),
        go.Scatter(
            x=flagged,
            y=flagged_mean,
            mode="markers",
            marker={"symbol": "x", "size": 14, "color": FLAG_COLOUR, "line": {"width": 1}},
            name="not reproducible",
            hovertemplate="k = %{x}: not reproducible<extra></extra>",
        ),
    ]
    figure = go.Figure(traces)
    for value, label in (
        (result.mean_threshold, f"mean threshold {result.mean_threshold:.2f}"),
        (result.min_threshold, f"lowest threshold {result.min_threshold:.2f}"),
    ):
        figure.add_hline(
            y=value,
            line_dash="dash",
            line_color="#666666",
            line_width=1,
            annotation_text=label,
            annotation_position="bottom left",
            annotation_font_size=11,
        )
    if current_k is not None:
        if current_k not in ks:
            raise ValueError(f"current_k={current_k!r} is not in the analysed k's {ks}.")
        figure.add_vline(x=current_k, line_color=PALETTE[0], line_width=2, opacity=0.5)
    lowest = float(np.min(result.ari_min)) if len(ks) else 0.0
    figure.update_layout(
        title=title,
        height=360,
        margin=_MARGIN,
        xaxis={"title": "k (number of clusters)", "dtick": 1},
        yaxis={"title": "adjusted Rand index", "range": [min(0.0, lowest - 0.05), 1.03]},
        hovermode="closest",
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


def clustergram_sankey(data: ClustergramData, *, title: str | None = None) -> go.Figure:
    """Sankey diagram of how rows move between clusters as k grows (a clustergram).

    Parameters
    ----------
    data : ClustergramData
        From ``stability.clustergram``; node colours are the map's cluster colours.
    title : str, optional
        Figure title.

    Returns
    -------
    go.Figure
        One ``go.Sankey`` trace; one annotation "k=..." per column.
    """
    sankey = go.Sankey(
        arrangement="snap",
        node={
            "label": [str(int(c)) for c in data.node_cluster],
            "color": list(data.node_colour),
            "pad": 6,
            "thickness": 14,
            "line": {"color": "rgba(0,0,0,0.3)", "width": 0.5},
            "customdata": [
                f"{label}: {int(size):,} rows"
                for label, size in zip(data.node_label, data.node_size, strict=True)
            ],
            "hovertemplate": "%{customdata}<extra></extra>",
        },
        link={
            "source": data.link_source.tolist(),
            "target": data.link_target.tolist(),
            "value": data.link_value.tolist(),
            "color": list(data.link_colour),
            "hovertemplate": "%{source.customdata} → %{target.customdata}<br>"
            "%{value:,} rows move<extra></extra>",
        },
    )
    figure = go.Figure([sankey])
    n_columns = len(data.k_values)
    for index, k in enumerate(data.k_values):
        figure.add_annotation(
            x=index / (n_columns - 1) if n_columns > 1 else 0.5,
            y=1.0,
            xref="paper",
            yref="paper",
            yanchor="bottom",
            text=f"k={k}",
            showarrow=False,
            font={"size": 12},
        )
    figure.update_layout(
        title=title,
        height=max(380, min(900, 28 * max(data.k_values) + 160)),
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
    )
    return figure


def metrics_table(
    table: pd.DataFrame,
    *,
    highlight_k: int | None = None,
    formats: Mapping[str, str] | None = None,
    k_column: str = "k",
) -> go.Figure:
    """A plotly table of per-k metrics with the current k's row highlighted.

    Parameters
    ----------
    table : pd.DataFrame
        One row per k (e.g. ``pd.DataFrame(sweep.metrics())`` or ``StabilityResult.table()``).
    highlight_k : int, optional
        Row whose ``k_column`` equals this gets a light fill.
    formats : mapping of str to str, optional
        Python format spec per column (e.g. ``{"silhouette": ".3f"}``); floats default to
        ``".4g"``.
    k_column : str
        Column holding k.

    Returns
    -------
    go.Figure
        One ``go.Table`` trace.
    """
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"table must be a pandas DataFrame; got {type(table).__name__}.")
    if highlight_k is not None and k_column not in table.columns:
        raise ValueError(f"k_column='{k_column}' is not a column of table.")
    spec = dict(formats or {})
    cells = []
    for column in table.columns:
        series = table[column]
        if column in spec:
            cells.append([format(value, spec[column]) for value in series])
        elif pd.api.types.is_float_dtype(series):
            cells.append([format(value, ".4g") for value in series])
        else:
            cells.append([str(value) for value in series])
    highlight = "rgba(0,114,178,0.15)"
    if highlight_k is not None:
        row_colours = [highlight if k == highlight_k else "white" for k in table[k_column]]
    else:
        row_colours = ["white"] * len(table)
    figure = go.Figure(
        [
            go.Table(
                header={
                    "values": [str(column) for column in table.columns],
                    "fill_color": "#EEEEEE",
                    "align": "left",
                },
                cells={
                    "values": cells,
                    "fill_color": [row_colours] * len(table.columns),
                    "align": "left",
                },
            )
        ]
    )
    figure.update_layout(margin=_MARGIN, height=min(600, 40 + 28 * (len(table) + 1)))
    return figure


def train_test_chart(
    check: PriceCheckResult, *, palette: Sequence[str] = PALETTE, value_label: str = "median"
) -> go.Figure:
    """Median value per cluster on the training rows and on the test rows, side by side.

    Parameters
    ----------
    check : PriceCheckResult
        From ``describe.train_test_price_check``.
    palette : sequence of str
        Colour of cluster ``i`` = ``palette[i]``.
    value_label : str
        Y-axis title.

    Returns
    -------
    go.Figure
        Two bar traces ("train" solid, "test" hatched), bars coloured by cluster; each test bar
        is labelled with its median's change ("+4%"), followed by "✗" when the cluster does not
        hold.
    """
    clusters = [c.cluster for c in check.clusters]
    if clusters:
        _check_palette(max(clusters) + 1, palette)
    colours = [palette[c] for c in clusters]
    names = [cluster_name(c) for c in clusters]
    # The change is written on each test bar and a failing cluster gets a cross, so the mark does
    # not depend on colour (a vermillion outline would vanish on cluster 5's vermillion bar).
    marks = [
        ""
        if not np.isfinite(c.median_change)
        else f"{c.median_change:+.0%}" + (" ✗" if c.holds is False else "")
        for c in check.clusters
    ]
    figure = go.Figure(
        [
            go.Bar(
                x=names,
                y=[c.median_train for c in check.clusters],
                name="train",
                marker={"color": colours},
                customdata=[[c.n_train, c.iqr_train] for c in check.clusters],
                hovertemplate="%{x} train<br>median %{y:,.0f}<br>%{customdata[0]:,} rows, "
                "IQR %{customdata[1]:,.0f}<extra></extra>",
            ),
            go.Bar(
                x=names,
                y=[c.median_test for c in check.clusters],
                name="test",
                marker={"color": colours, "pattern": {"shape": "/", "fgcolor": "white"}},
                text=marks,
                textposition="outside",
                customdata=[[c.n_test, c.iqr_test] for c in check.clusters],
                hovertemplate="%{x} test<br>median %{y:,.0f}<br>%{customdata[0]:,} rows, "
                "IQR %{customdata[1]:,.0f}<extra></extra>",
            ),
        ]
    )
    figure.update_layout(
        barmode="group",
        height=340,
        margin=_MARGIN,
        yaxis={"title": value_label},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure
