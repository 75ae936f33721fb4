"""Figures and texts of the "Choose k" page's metrics and the "Explain clusters" train/test check.

The sweep's quality metrics side by side (:func:`metrics_panels`), plain-language advice on k
(:func:`choose_k_verdict`) and the train/test chart of the price check
(:func:`train_test_chart`). The silhouette figures are in :mod:`components.figures.silhouette`,
the stability ones in :mod:`components.figures.stability`.

Pure Python (no Streamlit). Cluster ``i`` is drawn in ``PALETTE[i]``
(:mod:`components.figures.palette`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.engine.describe import PriceCheckResult

# BORDER_SILHOUETTE and the silhouette and stability figures are re-exported for
# components.ui.cache.insight and pages/choose_k.py, which use them through this module.
from components.engine.sweep.silhouette import BORDER_SILHOUETTE as BORDER_SILHOUETTE
from components.figures.charts import cluster_name
from components.figures.palette import PALETTE, check_palette
from components.figures.silhouette import silhouette_map_deck as silhouette_map_deck
from components.figures.silhouette import silhouette_plot as silhouette_plot
from components.figures.stability import clustergram_sankey as clustergram_sankey
from components.figures.stability import stability_chart as stability_chart

if TYPE_CHECKING:  # only for annotations: importing the sweep pulls in numba
    from components.engine.sweep.suggestions import KSuggestion


def train_test_chart(check: PriceCheckResult, *, value_label: str = "median") -> go.Figure:
    """Median value per cluster on the training rows and on the test rows, side by side.

    Parameters
    ----------
    check : PriceCheckResult
        From ``describe.train_test_price_check``.
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
        check_palette(max(clusters) + 1, PALETTE)
    colours = [PALETTE[c] for c in clusters]
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
                y=[getattr(c, f"median_{split}") for c in check.clusters],
                name=split,
                marker={"color": colours, **pattern},
                customdata=[
                    [getattr(c, f"n_{split}"), getattr(c, f"iqr_{split}")] for c in check.clusters
                ],
                hovertemplate=f"%{{x}} {split}<br>median %{{y:,.0f}}<br>%{{customdata[0]:,}} rows, "
                "IQR %{customdata[1]:,.0f}<extra></extra>",
            )
            for split, pattern in (
                ("train", {}),
                ("test", {"pattern": {"shape": "/", "fgcolor": "white"}}),
            )
        ]
    )
    figure.data[1].update(text=marks, textposition="outside")
    # A legend would show each trace's first cluster colour (the hatched one nearly
    # white), so the key is written out instead.
    figure.update_layout(
        barmode="group",
        height=340,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
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
    required = [name for name, _, _ in _METRIC_PANELS] + ["k"]
    missing = [name for name in required if name not in metrics]
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
        panel = {"row": 1, "col": column}
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
            **panel,
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
                **panel,
            )
        if current_k is not None:
            figure.add_vline(
                x=current_k, line_color=PALETTE[0], line_width=2, opacity=0.45, **panel
            )
        figure.update_xaxes(dtick=2, title_text="k", **panel)
    figure.update_annotations(font_size=12)
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
