"""Silhouette figures: the per-cluster silhouette plot and the map of every point's silhouette.

Pure Python (no Streamlit). The values come from
:func:`components.engine.sweep.silhouette_points.silhouette_points`; cluster ``i`` is drawn in
``PALETTE[i]`` (:mod:`components.figures.palette`), the map is a pydeck deck built like the
dashboard's cluster map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import pydeck as pdk
from numpy.typing import ArrayLike

from components.engine.sweep.silhouette import BORDER_SILHOUETTE
from components.engine.validation import clustered_values
from components.figures.charts import cluster_name
from components.figures.deck import (
    RAW_DATA_PREFIX,
    CompactDeck,
    base_map_deck,
    coded_positions,
    colour_chain,
    point_layer,
    view_state_for,
)
from components.figures.maps import centre_layers, cluster_centroids
from components.figures.palette import PALETTE, check_n_clusters, check_palette, hex_to_rgb

__all__ = [
    "MAX_POINTS_PER_CLUSTER",
    "SILHOUETTE_BINS",
    "SilhouetteBin",
    "silhouette_colour_expression",
    "silhouette_map_deck",
    "silhouette_plot",
]

MAX_POINTS_PER_CLUSTER = 400  # a silhouette band's outline needs no more points than this
# Means are drawn in grey, not a palette colour, so they never read as a cluster.
_MEAN_COLOUR = "#555555"
_OVERALL_MEAN_COLOUR = "#222222"
_BAND_GAP_SHARE = 0.02  # gap between silhouette bands, as a share of all rows


def silhouette_plot(
    silhouette_values: np.ndarray,
    labels: np.ndarray,
    *,
    title: str | None = None,
) -> go.Figure:
    """Silhouette plot: each cluster's per-point values sorted, as a band; means dashed.

    Each cluster is a filled band (largest values at the top of the band) whose height is
    proportional to its size; a band is drawn from at most ``MAX_POINTS_PER_CLUSTER`` evenly
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
    title : str, optional
        Figure title.

    Returns
    -------
    go.Figure
        One trace per non-empty cluster (in id order), then one "cluster mean" trace; the overall
        mean is ``layout.shapes[0]``.
    """
    values, ids = clustered_values(silhouette_values, labels, name="silhouette_values")
    if values.size == 0:
        raise ValueError("No clustered point: every label is negative.")
    if not np.isfinite(values).all() or values.min() < -1.0 or values.max() > 1.0:
        raise ValueError("silhouette_values must be finite numbers in [-1, 1].")
    clusters = np.unique(ids)
    check_palette(int(clusters.max()) + 1, PALETTE)

    gap = max(1.0, _BAND_GAP_SHARE * values.size)
    traces: list[go.Scatter] = []
    mean_x: list[float | None] = []
    mean_y: list[float | None] = []
    tick_positions: list[float] = []
    lower = 0.0
    for cluster in clusters:
        members = np.sort(values[ids == cluster])
        # Evenly spaced order statistics, the first and last included (all of a small cluster).
        positions = np.unique(np.round(np.linspace(0, members.size - 1, MAX_POINTS_PER_CLUSTER)))
        ranks = positions / max(members.size - 1, 1)
        upper = lower + members.size
        mean = float(members.mean())
        colour = PALETTE[int(cluster)]
        traces.append(
            go.Scatter(
                x=np.concatenate([[0.0], members[positions.astype(np.int64)], [0.0]]),
                y=np.concatenate([[lower], lower + ranks * members.size, [upper]]),
                mode="lines",
                fill="toself",
                fillcolor=colour,
                line={"color": colour, "width": 1},
                name=cluster_name(int(cluster)),
                hovertemplate=(
                    f"{cluster_name(int(cluster))}<br>{members.size:,} points<br>"
                    f"mean silhouette {mean:.3f}<extra></extra>"
                ),
            )
        )
        mean_x += [mean, mean, None]
        mean_y += [lower, upper, None]
        tick_positions.append((lower + upper) / 2)
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
    figure.add_vline(
        x=overall,
        line={"color": _OVERALL_MEAN_COLOUR, "dash": "dash", "width": 2},
        annotation_text=f"mean {overall:.3f}",
        annotation_position="top",
        annotation_font={"color": _OVERALL_MEAN_COLOUR},
    )
    figure.update_layout(
        title=title,
        height=max(320, min(900, 40 * clusters.size + 200)),
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis={
            "title": "silhouette (higher is better)",
            "range": [min(-0.1, float(values.min()) - 0.05), 1.0],
            "zeroline": True,
        },
        yaxis={
            "title": "cluster",
            "tickvals": tick_positions,
            "ticktext": [str(cluster) for cluster in clusters],
            "showgrid": False,
        },
        legend={"traceorder": "normal"},
        hovermode="closest",
    )
    return figure


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


def silhouette_colour_expression() -> str:
    """deck.gl accessor mapping a point's silhouette (``this[3]``) to its class colour.

    A chain of comparisons (``this[3] < -0.25 ? [..] : this[3] < 0 ? [..] : ...``, see
    :func:`components.figures.deck.colour_chain`): a value takes the colour of the first
    class whose ``upper`` it is below, so a value on an edge belongs to the class above it.

    Returns
    -------
    str
        The expression, without pydeck's ``@@=`` prefix.
    """
    return colour_chain(
        [f"this[3] < {band.upper:g}" for band in SILHOUETTE_BINS[:-1]],
        [hex_to_rgb(band.colour) for band in SILHOUETTE_BINS],
        _SILHOUETTE_ALPHA,
    )


def _short_number(value: float) -> str:
    """Two decimals without trailing zeros: 0.5, -0.12, 1, 0 (valid JSON, short)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def silhouette_map_deck(
    longitude: ArrayLike,
    latitude: ArrayLike,
    silhouette: ArrayLike,
    labels: ArrayLike,
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
        Where the base map's style is served; without it the outline is a layer of the
        deck (:func:`components.figures.deck.base_map_deck`).

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
    check_n_clusters(n_clusters)
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
    x_codes, y_codes, position = coded_positions(lon, lat)
    rows = zip(
        x_codes[shown].tolist(),
        y_codes[shown].tolist(),
        ids[shown].tolist(),
        map(_short_number, rounded[shown].tolist()),
        strict=True,
    )
    raw = "[" + ",".join(f"[{x},{y},{cluster},{value}]" for x, y, cluster, value in rows) + "]"
    layers = [
        point_layer(
            "silhouette-points",
            RAW_DATA_PREFIX + "silhouette-points",
            position,
            silhouette_colour_expression(),
        ),
        *centre_layers(cluster_centroids(lon, lat, ids, n_clusters)),
    ]
    deck = base_map_deck(layers, view_state, "Cluster {2}\nSilhouette {3}", map_style_url)
    deck.set_raw_layer_data({"silhouette-points": raw})
    return deck
