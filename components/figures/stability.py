"""Stability figures and texts: ARI per k, the clustergram's Sankey diagram, what the flags mean.

Pure Python (no Streamlit). Every builder takes a result of :mod:`components.engine.stability`
or :mod:`components.engine.clustergram`; cluster ``i`` is drawn in ``PALETTE[i]``
(:mod:`components.figures.palette`).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.engine.clustergram import ClustergramData
from components.engine.stability import StabilityResult
from components.figures.palette import PALETTE, check_palette, rgba

__all__ = ["FLAG_COLOUR", "LINK_ALPHA", "clustergram_sankey", "stability_chart", "stability_note"]

FLAG_COLOUR = PALETTE[5]  # vermillion: "not reproducible" marks
LINK_ALPHA = 0.45  # opacity of the clustergram's flows


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
            y=[float(result.ari_mean[ks.index(k)]) for k in flagged],
            mode="markers",
            marker={"symbol": "x", "size": 14, "color": FLAG_COLOUR, "line": {"width": 1}},
            name="not reproducible",
            hovertemplate="k = %{x}: not reproducible<extra></extra>",
        ),
    ]
    figure = go.Figure(traces)
    for value, name in ((result.mean_threshold, "mean"), (result.min_threshold, "lowest")):
        figure.add_hline(
            y=value,
            line_dash="dash",
            line_color="#666666",
            line_width=1,
            annotation_text=f"{name} threshold {value:.2f}",
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
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
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
        From :func:`components.engine.clustergram.clustergram`.
    title : str, optional
        Figure title.

    Returns
    -------
    go.Figure
        One ``go.Sankey`` trace, node (k, i) in ``PALETTE[i]`` (the map's colour of cluster i)
        and each flow in its source cluster's colour; one annotation "k=..." per column.
    """
    check_palette(max(data.k_values), PALETTE)
    node_colour = [PALETTE[int(cluster)] for cluster in data.node_cluster]
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
            "color": [rgba(node_colour[source], LINK_ALPHA) for source in data.link_source],
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
    listed = ", ".join(str(k) for k in result.flagged)
    if not result.flagged:
        return (
            "success",
            f"Every k from {ks[0]} to {ks[-1]} is reproducible with {_starts_text(result.n_init)} "
            "per fit: other seeds and subsets of the rows give nearly the same clusters.",
        )
    share = f"{len(result.flagged)} of {len(ks)}"
    if result.n_init in ("auto", 1):
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
