"""Figures and texts of the "Choose k" and "Explain clusters" pages.

Silhouettes (plot, per-cluster table, map), stability per k (chart, merged per-k results, what
the flags mean), clustergram, the sweep's metrics side by side with advice on k, tables and the
train/test chart.

Pure Python (no Streamlit): every builder takes numbers or a result of
:mod:`components.engine.stability` / :mod:`components.engine.describe` and returns a
``go.Figure`` (the silhouette map: a pydeck deck built like the dashboard's cluster map;
the texts: strings). Cluster ``i`` is drawn in ``PALETTE[i]``
(:mod:`components.figures.palette`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
import pydeck as pdk
from plotly.subplots import make_subplots

from components.engine.clustergram import ClustergramData
from components.engine.describe import PriceCheckResult
from components.engine.stability import StabilityResult
from components.engine.sweep.silhouette import BORDER_SILHOUETTE, clustered_silhouettes
from components.figures.charts import cluster_name
from components.figures.deck import (
    RAW_DATA_PREFIX,
    CompactDeck,
    base_map_deck,
    coordinate_resolution,
    position_codes,
    view_state_for,
)
from components.figures.maps import centroid_layers
from components.figures.palette import PALETTE, hex_to_rgb, rgba

if TYPE_CHECKING:  # only for annotations: importing the sweep pulls in numba
    from components.engine.sweep.suggestions import KSuggestion

__all__ = [
    "BORDER_SILHOUETTE",
    "FLAG_COLOUR",
    "MAX_POINTS_PER_CLUSTER",
    "SILHOUETTE_BINS",
    "SilhouetteBin",
    "choose_k_verdict",
    "clustergram_sankey",
    "metrics_panels",
    "silhouette_colour_expression",
    "silhouette_map_deck",
    "silhouette_plot",
    "stability_chart",
    "stability_note",
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
        Per-point silhouette in [-1, 1] (e.g. ``SilhouettePoints.values``).
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
    values, ids = clustered_silhouettes(silhouette_values, labels, name="silhouette_values")
    if isinstance(max_points_per_cluster, bool) or int(max_points_per_cluster) < 2:
        raise ValueError(
            f"max_points_per_cluster={max_points_per_cluster!r} is invalid; expected an integer "
            ">= 2."
        )
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
            "title": "silhouette (higher is better)",
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


def clustergram_sankey(
    data: ClustergramData,
    *,
    title: str | None = None,
    palette: Sequence[str] = PALETTE,
    link_alpha: float = 0.45,
) -> go.Figure:
    """Sankey diagram of how rows move between clusters as k grows (a clustergram).

    Parameters
    ----------
    data : ClustergramData
        From :func:`components.engine.clustergram.clustergram`.
    title : str, optional
        Figure title.
    palette : sequence of str, default=PALETTE
        Hex colours; node (k, i) is drawn in ``palette[i]``, the map's colour of cluster i.
    link_alpha : float, default=0.45
        Opacity of the flows, in ``[0, 1]``; a flow has its source cluster's colour.

    Returns
    -------
    go.Figure
        One ``go.Sankey`` trace; one annotation "k=..." per column.
    """
    _check_palette(max(data.k_values), palette)
    if not 0.0 <= float(link_alpha) <= 1.0:
        raise ValueError(f"link_alpha={link_alpha!r} is out of range; expected [0, 1].")
    node_colour = [palette[int(cluster)] for cluster in data.node_cluster]
    link_colour = [rgba(node_colour[source], float(link_alpha)) for source in data.link_source]
    sankey = go.Sankey(
        arrangement="snap",
        node={
            "label": [str(int(c)) for c in data.node_cluster],
            "color": node_colour,
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
            "color": link_colour,
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
    # A legend would show each trace's first cluster colour (the hatched one nearly
    # white), so the key is written out instead.
    figure.update_layout(
        barmode="group",
        height=340,
        margin=_MARGIN,
        yaxis={"title": value_label},
        showlegend=False,
        annotations=[
            {
                "text": "left bar: train rows (solid) · right bar: test rows (hatched)",
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 1.0,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12, "color": _LINE_COLOUR},
            }
        ],
    )
    return figure


# --------------------------------------------------------------------------- choose k page


_METRIC_PANELS: tuple[tuple[str, str, str | None], ...] = (
    ("inertia", "Inertia<br><sub>always falls; look for the knee</sub>", None),
    ("silhouette", "Silhouette ↑<br><sub>higher is better</sub>", "max"),
    ("calinski_harabasz", "Calinski-Harabasz ↑<br><sub>higher is better</sub>", "max"),
    ("davies_bouldin", "Davies-Bouldin ↓<br><sub>lower is better</sub>", "min"),
    ("fit_seconds", "Fit time (s)<br><sub>seconds per k</sub>", None),
)
_SUGGESTION_COLOUR = PALETTE[5]  # vermillion, as the dashboard's elbow chart marks suggestions
_LINE_COLOUR = "#444444"


def metrics_panels(
    metrics: Mapping[str, Sequence[float] | np.ndarray],
    *,
    current_k: int | None = None,
    knee: int | None = None,
) -> go.Figure:
    """The sweep's quality metrics across k in five small panels side by side.

    Panels: inertia, silhouette (higher is better), Calinski-Harabasz (higher is better),
    Davies-Bouldin (lower is better) and fit time. The best k of the three ranked metrics gets
    a vermillion star, the inertia knee a vermillion ring, and the current k a blue vertical
    line in every panel.

    Parameters
    ----------
    metrics : mapping of str to sequence of float
        ``SweepResult.metrics()``: keys k, inertia, silhouette, calinski_harabasz,
        davies_bouldin, fit_seconds, one value per k; optionally silhouette_spread (a sampled
        silhouette's standard deviation over its samples, drawn as error bars).
    current_k : int, optional
        The k shown on the page.
    knee : int, optional
        The knee of the inertia curve (``KSuggestion.knee``).

    Returns
    -------
    go.Figure
        Traces in panel order: for each panel its curve, then (inertia) the knee ring or
        (ranked metrics) the best-k star; one "current k" shape per panel.
    """
    missing = [name for name, _, _ in _METRIC_PANELS if name not in metrics] + (
        [] if "k" in metrics else ["k"]
    )
    if missing:
        raise ValueError(f"metrics lacks {missing}; expected the keys of SweepResult.metrics().")
    ks = [int(k) for k in metrics["k"]]
    if not ks or any(len(metrics[name]) != len(ks) for name, _, _ in _METRIC_PANELS):
        raise ValueError("metrics must hold one value per k for every metric, and at least one k.")
    if current_k is not None and current_k not in ks:
        raise ValueError(f"current_k={current_k!r} is not one of the k's {ks}.")
    figure = make_subplots(
        rows=1,
        cols=len(_METRIC_PANELS),
        subplot_titles=[title for _, title, _ in _METRIC_PANELS],
        horizontal_spacing=0.045,
    )
    spread = metrics.get("silhouette_spread")
    if spread is not None and len(spread) != len(ks):
        raise ValueError("metrics['silhouette_spread'] must hold one value per k.")
    for column, (name, title, best) in enumerate(_METRIC_PANELS, start=1):
        values = np.asarray(metrics[name], dtype=np.float64)
        error_bars: dict[str, object] | None = None
        hover = f"k = %{{x}}<br>{_plain_name(title)} %{{y:,.4g}}"
        if name == "silhouette" and spread is not None:
            # The samples' standard deviation; NaN (one sample) draws no bar.
            error_bars = {
                "type": "data",
                "array": np.asarray(spread, dtype=np.float64),
                "visible": True,
                "color": _LINE_COLOUR,
                "thickness": 1,
                "width": 3,
            }
            hover += " ± %{error_y.array:.2g} (spread over the samples)"
        figure.add_trace(
            go.Scatter(
                x=ks,
                y=values,
                mode="lines+markers",
                name=title,
                line={"color": _LINE_COLOUR, "width": 1.5},
                marker={"size": 6, "color": _LINE_COLOUR},
                error_y=error_bars,
                hovertemplate=hover + "<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=column,
        )
        marked_k: int | None = None
        symbol, marker_name = "star", "best"
        if best is not None and np.isfinite(values).any():
            finite = np.where(np.isfinite(values), values, np.inf if best == "min" else -np.inf)
            marked_k = ks[int(np.argmin(finite) if best == "min" else np.argmax(finite))]
        elif name == "inertia" and knee is not None and knee in ks:
            marked_k, symbol, marker_name = knee, "circle-open", "knee"
        if marked_k is not None:
            figure.add_trace(
                go.Scatter(
                    x=[marked_k],
                    y=[float(values[ks.index(marked_k)])],
                    mode="markers+text",
                    text=[f"{marker_name} k={marked_k}"],
                    # Below a maximum, above a minimum: the label stays inside the panel.
                    textposition="bottom center" if best == "max" else "top right",
                    textfont={"color": _SUGGESTION_COLOUR, "size": 11},
                    marker={
                        "symbol": symbol,
                        "size": 15,
                        "color": _SUGGESTION_COLOUR,
                        "line": {"width": 2, "color": _SUGGESTION_COLOUR},
                    },
                    name=f"{marker_name} ({_plain_name(title)})",
                    hoverinfo="skip",
                    showlegend=False,
                ),
                row=1,
                col=column,
            )
        if current_k is not None:
            figure.add_vline(
                x=current_k,
                line_color=PALETTE[0],
                line_width=2,
                opacity=0.45,
                row=1,
                col=column,
            )
        figure.update_xaxes(dtick=2, title_text="k", row=1, col=column)
    for annotation in figure.layout.annotations:
        annotation.font = {"size": 12}
    figure.update_layout(height=300, margin={"l": 10, "r": 10, "t": 60, "b": 10})
    return figure


def _plain_name(title: str) -> str:
    """The metric's name from a panel title ("Silhouette ↑<br>..." -> "Silhouette")."""
    return title.split("<br>")[0].rstrip(" ↑↓")


def choose_k_verdict(
    suggestion: KSuggestion, current_k: int, k_values: Sequence[int]
) -> tuple[str, ...]:
    """Plain-language advice on k: the sweep's message, what the criteria mean, the current k.

    Parameters
    ----------
    suggestion : KSuggestion
        The sweep's suggestion.
    current_k : int
        The k shown on the page.
    k_values : sequence of int
        The k's of the sweep (to tell when a best k lies at the edge of the range).

    Returns
    -------
    tuple of str
        Sentences (paragraphs) to show in order; the first is ``suggestion.message``.
    """
    ks = [int(k) for k in k_values]
    if not ks:
        raise ValueError("k_values is empty; expected the k's of the sweep.")
    paragraphs = [suggestion.message]
    if suggestion.knee is None:
        paragraphs.append(
            "Inertia always falls as k grows; here it falls without a clear bend, so the "
            "elbow gives no advice. Lean on the silhouette and Calinski-Harabasz, and on how "
            "many regions the map should show."
        )
    if not suggestion.agree:
        paragraphs.append(
            "The criteria measure different things. The knee is where one more cluster stops "
            "shrinking the spread within clusters much. The silhouette rewards clusters whose "
            "members sit far from the next cluster, which often favours a few broad ones. "
            "Calinski-Harabasz weighs the spread between clusters against the spread within them "
            "and, on large data, tends to favour more clusters."
        )
    if suggestion.best_silhouette == ks[0]:
        paragraphs.append(
            f"A silhouette peak at the smallest k (k={ks[0]}) is common: two broad halves are "
            "well separated. It says little about finer structure, so also look at the next "
            "highest silhouettes in the table."
        )
    if suggestion.best_calinski_harabasz == ks[-1]:
        paragraphs.append(
            f"Calinski-Harabasz is still rising at the largest k tried (k={ks[-1]}), so it "
            "gives no optimum inside the range."
        )
    named = [
        name
        for name, k in (
            ("knee", suggestion.knee),
            ("best silhouette", suggestion.best_silhouette),
            ("best Calinski-Harabasz", suggestion.best_calinski_harabasz),
        )
        if k == current_k
    ]
    if named:
        paragraphs.append(f"The k shown (k={current_k}) is the {' and '.join(named)}.")
    else:
        paragraphs.append(
            f"None of the three criteria picks the k shown (k={current_k}). That is fine when "
            "the map needs that many regions; its silhouette below shows how well they separate."
        )
    return tuple(paragraphs)


@dataclass(frozen=True)
class SilhouetteBin:
    """One colour class of the silhouette map: values in ``[lower, upper)``."""

    lower: float
    upper: float
    colour: str
    label: str


# ColorBrewer RdBu: red below 0 (closer to another cluster), pale near 0 (on a border), blue
# well inside a cluster. The band 0-0.1 is pale red so border points read as "at risk".
SILHOUETTE_BINS: tuple[SilhouetteBin, ...] = (
    SilhouetteBin(-1.0, -0.25, "#B2182B", "below -0.25"),
    SilhouetteBin(-0.25, 0.0, "#EF8A62", "-0.25 to 0"),
    SilhouetteBin(0.0, BORDER_SILHOUETTE, "#FDDBC7", "0 to 0.1"),
    SilhouetteBin(BORDER_SILHOUETTE, 0.25, "#D1E5F0", "0.1 to 0.25"),
    SilhouetteBin(0.25, 0.5, "#92C5DE", "0.25 to 0.5"),
    SilhouetteBin(0.5, 0.75, "#4393C3", "0.5 to 0.75"),
    SilhouetteBin(0.75, 1.0, "#2166AC", "0.75 to 1"),
)
_SILHOUETTE_ALPHA = 220


def silhouette_colour_expression(field: int = 3, alpha: int = _SILHOUETTE_ALPHA) -> str:
    """deck.gl accessor mapping the silhouette in ``this[field]`` to its class colour.

    A chain of comparisons (``this[3] < -0.25 ? [..] : this[3] < 0 ? [..] : ...``): a value
    takes the colour of the first class whose ``upper`` it is below, so a value on an edge
    belongs to the class above it.

    Parameters
    ----------
    field : int
        Position of the silhouette in each point's array.
    alpha : int
        Opacity in [0, 255].

    Returns
    -------
    str
        The expression, without pydeck's ``@@=`` prefix.
    """
    rgb = [hex_to_rgb(band.colour) for band in SILHOUETTE_BINS]
    colours = [f"[{r},{g},{b},{int(alpha)}]" for r, g, b in rgb]
    expression = colours[-1]
    for index in range(len(SILHOUETTE_BINS) - 2, -1, -1):
        expression = (
            f"this[{field}] < {SILHOUETTE_BINS[index].upper:g} ? {colours[index]} : {expression}"
        )
    return expression


def _short_number(value: float) -> str:
    """Two decimals without trailing zeros: 0.5, -0.12, 1, 0 (valid JSON, short)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def silhouette_map_deck(
    longitude: np.ndarray,
    latitude: np.ndarray,
    silhouette: np.ndarray,
    labels: np.ndarray,
    n_clusters: int,
    *,
    view_state: pdk.ViewState | None = None,
    below: float | None = None,
    map_style_url: str | None = None,
) -> CompactDeck:
    """Map of the block groups coloured by their silhouette (red < 0, pale near 0, blue > 0).

    Built like the dashboard's cluster map: each point is a short JSON array
    ``[x, y, cluster, silhouette]`` (integer-coded position decoded in the browser, silhouette
    rounded to two decimals; the colour class is computed in the browser from that value).
    Points are drawn in descending silhouette so the border points lie on top. Each cluster's
    centre is a dot in its map colour with its number.

    Parameters
    ----------
    longitude, latitude : array-like of float, shape (n,)
        Coordinates in degrees; rows with a missing coordinate are left out.
    silhouette : array-like of float, shape (n,)
        Per-point silhouette in [-1, 1].
    labels : array-like of int, shape (n,)
        Cluster id per point, in ``[0, n_clusters)``.
    n_clusters : int
        Number of clusters, in [1, 15].
    view_state : pydeck.ViewState, optional
        Initial camera; default: framing the points.
    below : float, optional
        Only draw the points whose silhouette is below this (e.g. :data:`BORDER_SILHOUETTE`).
    map_style_url : str, optional
        URL of the served base map style (tiles with the outline); None: the deck
        draws the outline itself (see :func:`components.figures.deck.base_map_deck`).

    Returns
    -------
    CompactDeck
        Layers "outline", "silhouette-points", "centroids" and "centroid-labels"; the
        tooltip shows the cluster and the silhouette.
    """
    lon = np.asarray(longitude, dtype=np.float64)
    lat = np.asarray(latitude, dtype=np.float64)
    values = np.asarray(silhouette, dtype=np.float64)
    ids = np.asarray(labels)
    if not (lon.shape == lat.shape == values.shape == ids.shape) or values.ndim != 1:
        raise ValueError(
            f"longitude {lon.shape}, latitude {lat.shape}, silhouette {values.shape} and labels "
            f"{ids.shape} must be 1-D arrays of the same length."
        )
    if (
        isinstance(n_clusters, bool)
        or not isinstance(n_clusters, (int, np.integer))
        or not (1 <= n_clusters <= len(PALETTE))
    ):
        raise ValueError(
            f"n_clusters={n_clusters!r} is out of range; expected an integer in "
            f"[1, {len(PALETTE)}]."
        )
    if ids.size and (
        not np.issubdtype(ids.dtype, np.integer) or ids.min() < 0 or ids.max() >= n_clusters
    ):
        raise ValueError(f"labels must be integer cluster ids in [0, {n_clusters - 1}].")
    if not np.isfinite(values).all() or (values.size and (values.min() < -1 or values.max() > 1)):
        raise ValueError("silhouette must hold finite numbers in [-1, 1].")
    located = np.isfinite(lon) & np.isfinite(lat)
    lon, lat, values, ids = lon[located], lat[located], values[located], ids[located].astype(int)
    if view_state is None:
        view_state = view_state_for(lon, lat)
    rounded = np.round(values, 2) + 0.0  # + 0.0 turns -0.0 into 0.0
    shown = np.flatnonzero(values < below) if below is not None else np.arange(values.size)
    shown = shown[np.argsort(-rounded[shown], kind="stable")]
    resolution = coordinate_resolution(lon, lat) if lon.size else 100
    lon_origin = float(np.floor(lon.min())) if lon.size else 0.0
    lat_origin = float(np.floor(lat.min())) if lat.size else 0.0
    x_codes = position_codes(lon[shown], lon_origin, resolution)
    y_codes = position_codes(lat[shown], lat_origin, resolution)
    raw = (
        "["
        + ",".join(
            f"[{x},{y},{cluster},{_short_number(value)}]"
            for x, y, cluster, value in zip(
                x_codes, y_codes, ids[shown].tolist(), rounded[shown].tolist(), strict=True
            )
        )
        + "]"
    )
    position = f"[this[0] / {resolution} + {lon_origin:g}, this[1] / {resolution} + {lat_origin:g}]"
    layers = [
        pdk.Layer(
            "ScatterplotLayer",
            data=RAW_DATA_PREFIX + "silhouette-points",
            id="silhouette-points",
            get_position=position,
            get_fill_color=silhouette_colour_expression(),
            get_radius=900,
            radius_min_pixels=1.5,
            radius_max_pixels=12,
            pickable=True,
            auto_highlight=True,
        ),
        *centroid_layers(lon, lat, ids, n_clusters),
    ]
    deck = base_map_deck(layers, view_state, "Cluster {2}\nSilhouette {3}", map_style_url)
    deck.set_raw_layer_data({"silhouette-points": raw})
    return deck


def _starts_text(n_init: int | str) -> str:
    return "one k-means++ start" if n_init in ("auto", 1) else f"the best of {n_init} starts"


def stability_note(result: StabilityResult) -> tuple[str, str]:
    """What the stability flags mean, in words, and how loudly to say it.

    Parameters
    ----------
    result : StabilityResult
        The stability of every k.

    Returns
    -------
    level : {'success', 'warning'}
        'warning' when some k is flagged.
    text : str
        Plain-language explanation; with one start per fit it says the flags mostly measure
        seed sensitivity and suggests 10 starts.
    """
    ks = list(result.k_values)
    flagged = list(result.flagged)
    single = result.n_init in ("auto", 1)
    listed = ", ".join(str(k) for k in flagged)
    if not flagged:
        return (
            "success",
            f"Every k from {ks[0]} to {ks[-1]} is reproducible with {_starts_text(result.n_init)} "
            "per fit: other seeds and subsets of the rows give nearly the same clusters.",
        )
    share = f"{len(flagged)} of {len(ks)}"
    if single:
        return (
            "warning",
            f"{share} k's are flagged (k = {listed}). Each fit here uses one k-means++ start, and "
            "single starts with different seeds often end in different local minima, so these "
            "flags mostly measure how much one k-means run depends on its seed, not whether the "
            "regions are real. Check again with 10 starts per fit: a k that is still flagged "
            "then is genuinely unstable, and the others are reproducible once k-means keeps the "
            "best of several starts (set 'k-means restarts' to 10 to draw the map that way).",
        )
    return (
        "warning",
        f"Even with {_starts_text(result.n_init)} per fit, {share} k's are flagged "
        f"(k = {listed}): at these k, other seeds or subsets of the rows give clearly different "
        "clusters, so the map shows one of several about equally good answers. Prefer a k that "
        "is not flagged, or read the regions that split or merge below as uncertain.",
    )
