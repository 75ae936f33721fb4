"""Figures for "When k-means fails": toy-shape panels, density maps, tables and texts.

No Streamlit. Colours are the dashboard's colour-blind-safe ``PALETTE`` (Okabe-Ito first,
then Paul Tol's muted colours) so cluster colours look the same on every page; noise is the
dashboard's not-clustered grey. Palettes are finite: when there are more clusters than colours
(DBSCAN on the housing data finds dozens of metro areas) colours repeat, cycling by cluster id
(``cluster_colour(..., cycle=True)``); density clusters are numbered by descending size, so the
largest ones get distinct colours.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk
from plotly.subplots import make_subplots

from components.engine.alternatives.comparison import AlgorithmResult
from components.engine.alternatives.toy_shapes import ToyData
from components.engine.partitions import align_to_truth
from components.figures.deck import (
    CompactDeck,
    base_map_deck,
    coded_positions,
    colour_lookup_expression,
    compact_numbers,
    point_layer,
    view_state_for,
)
from components.figures.maps import cluster_centroids, numbered_dot_layers
from components.figures.palette import (
    FILL_ALPHA,
    NOT_CLUSTERED_ALPHA,
    NOT_CLUSTERED_COLOUR,
    PALETTE,
    cluster_colour,
    hex_to_rgb,
)

NOISE_NAME = "noise"
TRUTH_TITLE = "True groups"
_PANELS_PER_ROW = 4


def density_cluster_name(cluster: int) -> str:
    """Display name of a density cluster: "Area 1" for id 0, "noise" for -1."""
    return NOISE_NAME if cluster == -1 else f"Area {cluster + 1}"


def shapes_grid_figure(toy: ToyData, results: Sequence[AlgorithmResult]) -> go.Figure:
    """Small multiples: the toy points coloured by each algorithm's clusters.

    One panel per result after one of the true groups, four to a row (each row as high as
    :func:`panel_height_for` says), titled with the algorithm, its adjusted Rand index,
    the number of clusters and of noise points. Cluster
    colours are aligned to the true groups (:func:`align_to_truth`) so matching
    colours across panels mean the same group; noise is grey. Axes are equal-scaled
    and shared, so shapes are not distorted.

    Parameters
    ----------
    toy : ToyData
        The points (``toy.X`` is plotted unscaled).
    results : sequence of AlgorithmResult
        From :func:`components.engine.alternatives.comparison.compare_algorithms` on ``toy``.

    Returns
    -------
    plotly.graph_objects.Figure
        The grid; hover shows the cluster of each point.
    """
    panels = [(f"{TRUTH_TITLE} ({toy.n_clusters})", toy.y_true)]
    for result in results:
        if result.labels.shape != toy.y_true.shape:
            raise ValueError(
                f"{result.name} has {result.labels.size} labels for {toy.y_true.size} points; "
                "expected results computed on this toy data."
            )
        title = (
            f"{result.name}<br>ARI {ari_text(result.adjusted_rand_index)} · "
            f"{result.n_clusters_found} cluster{'s' if result.n_clusters_found != 1 else ''}"
            f" · {result.n_noise} noise"
        )
        panels.append((title, align_to_truth(result.labels, toy.y_true)))
    n_columns = min(_PANELS_PER_ROW, len(panels))
    n_rows = math.ceil(len(panels) / n_columns)
    figure = make_subplots(
        rows=n_rows,
        cols=n_columns,
        subplot_titles=[title for title, _ in panels],
        horizontal_spacing=0.03,
        vertical_spacing=0.12 / n_rows + 0.04,
    )
    pad = 0.05 * np.ptp(toy.X, axis=0)
    low, high = toy.X.min(axis=0) - pad, toy.X.max(axis=0) + pad
    bare = {"showticklabels": False, "showgrid": False, "zeroline": False}
    for index, (title, labels) in enumerate(panels):
        cell = {"row": index // n_columns + 1, "col": index % n_columns + 1}
        prefix = "group" if index == 0 else "cluster"
        names = [NOISE_NAME if c == -1 else f"{prefix} {c + 1}" for c in labels.tolist()]
        figure.add_trace(
            go.Scatter(
                x=toy.X[:, 0],
                y=toy.X[:, 1],
                mode="markers",
                marker={
                    "size": 5,
                    "color": [cluster_colour(int(c), cycle=True) for c in labels],
                    "line": {"width": 0},
                },
                customdata=names,
                hovertemplate="%{customdata}<br>x=%{x:.2f}, y=%{y:.2f}<extra></extra>",
                name=title.split("<br>")[0],
                showlegend=False,
            ),
            **cell,
        )
        figure.update_xaxes(range=[low[0], high[0]], **cell, **bare)
        anchor = "x" if index == 0 else f"x{index + 1}"
        figure.update_yaxes(
            range=[low[1], high[1]], scaleanchor=anchor, scaleratio=1, **cell, **bare
        )
    figure.update_annotations(font_size=12)
    figure.update_layout(
        height=panel_height_for(toy) * n_rows + 40,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        plot_bgcolor="white",
        hovermode="closest",
    )
    return figure


# ------------------------------------------------------------- the page's maps and tables

DENSITY_LABELLED_AREAS = 10
_COMPARED_AREAS = 10  # the largest dense areas whose extents the notes compare
_CUT_SHARE = 0.1  # a region holding this share of a dense area's places holds a part of it
_AREA_LABEL_RADIUS_PX = 11
_COLOUR_FIELD = 4  # position of the palette index in each point's array


def density_map_deck(
    longitude_deg: Sequence[float] | np.ndarray,
    latitude_deg: Sequence[float] | np.ndarray,
    labels: Sequence[int] | np.ndarray,
    values: Sequence[float] | np.ndarray,
    *,
    value_label: str = "Value",
    view_state: pdk.ViewState | None = None,
    map_style_url: str | None = None,
) -> CompactDeck:
    """Map of density areas: one point per row, noise as a grey layer underneath.

    Each point is a short JSON array ``[x, y, area, value, colour]`` with
    integer-coded positions decoded in the browser, so the map stays small
    (BENCHMARKS.md, "Rerun"). ``area`` is the 1-based area number ("Area 1" is
    cluster 0, the largest) or the text "noise"; ``colour`` is the area's palette index
    (the palette cycles after 15 areas), turned into a colour by
    :func:`components.figures.deck.colour_lookup_expression`. The largest
    ``DENSITY_LABELLED_AREAS`` areas get their number drawn at their mean position.

    Parameters
    ----------
    longitude_deg, latitude_deg : array-like of float
        Coordinates in degrees, finite.
    labels : array-like of int
        Cluster of each point, -1 = noise, clusters 0..m-1 by descending size.
    values : array-like of float
        A value per point shown in the tooltip (NaN shows as "n/a").
    value_label : str
        What the value is (data text: made safe with the tooltip).
    view_state : pydeck.ViewState or None, default=None
        Initial camera; None = :func:`components.figures.deck.view_state_for` the points.
        Pass the same one as the map beside it so both show the same view.
    map_style_url : str, optional
        URL of the served base map style (tiles with the outline); None: the deck
        draws the outline itself (see :func:`components.figures.deck.base_map_deck`).

    Returns
    -------
    CompactDeck
        Carto light base map (no token needed), the outline, a noise layer, an area
        layer and the area numbers.
    """
    longitude = np.asarray(longitude_deg, dtype=np.float64)
    latitude = np.asarray(latitude_deg, dtype=np.float64)
    shown_values = np.asarray(values, dtype=np.float64)
    areas = np.asarray(labels, dtype=np.int64)
    if (
        not (longitude.shape == latitude.shape == areas.shape == shown_values.shape)
        or areas.ndim != 1
    ):
        raise ValueError(
            f"longitude_deg {longitude.shape}, latitude_deg {latitude.shape}, labels "
            f"{areas.shape} and values {shown_values.shape} must be 1-D arrays of "
            "the same length."
        )
    if not (np.isfinite(longitude).all() and np.isfinite(latitude).all()):
        raise ValueError("longitude_deg / latitude_deg contain NaN or infinite values.")
    if areas.size and areas.min() < -1:
        raise ValueError(
            f"labels contain {int(areas.min())}; expected -1 (noise) or cluster ids >= 0."
        )
    n_areas = int(areas.max() + 1) if areas.size and areas.max() >= 0 else 0
    if view_state is None:
        view_state = view_state_for(longitude, latitude)
    x_codes, y_codes, position = coded_positions(longitude, latitude)
    records = list(
        zip(
            x_codes.tolist(),
            y_codes.tolist(),
            [NOISE_NAME if area < 0 else area + 1 for area in areas.tolist()],
            compact_numbers(shown_values, 3),
            (np.maximum(areas, 0) % len(PALETTE)).tolist(),
            strict=True,
        )
    )
    is_noise = areas == -1
    layers = [
        point_layer(
            "noise",
            [records[i] for i in np.flatnonzero(is_noise)],
            position,
            [*hex_to_rgb(NOT_CLUSTERED_COLOUR), NOT_CLUSTERED_ALPHA],
        ),
        point_layer(
            "areas",
            [records[i] for i in np.flatnonzero(~is_noise)],
            position,
            colour_lookup_expression(
                min(max(n_areas, 1), len(PALETTE)), FILL_ALPHA, field=_COLOUR_FIELD
            ),
        ),
    ]
    n_labelled = min(DENSITY_LABELLED_AREAS, n_areas)
    if n_labelled:
        centres = [
            {
                "position": [round(lon, 4), round(lat, 4)],
                "colour": [*hex_to_rgb(cluster_colour(area, cycle=True)), 255],
                "text": str(area + 1),
                "text_colour": [255, 255, 255, 255],
            }
            for area, (lon, lat) in enumerate(
                cluster_centroids(longitude, latitude, areas, n_areas)[:n_labelled]
            )
        ]
        layers += numbered_dot_layers(
            centres,
            dot_id="area-centres",
            label_id="area-labels",
            radius_px=_AREA_LABEL_RADIUS_PX,
            text_size=14,
        )
    tooltip = f"Area: {{2}}\n{value_label}: {{3}}"
    return base_map_deck(layers, view_state, tooltip, map_style_url)


def comparison_table(results: Sequence[AlgorithmResult]) -> pd.DataFrame:
    """One row per algorithm: ARI, clusters found, noise, fit time, parameters, note.

    Parameters
    ----------
    results : sequence of AlgorithmResult
        From :func:`components.engine.alternatives.comparison.compare_algorithms`.

    Returns
    -------
    pandas.DataFrame
        Columns algorithm, ARI, clusters found, noise points, fit time (ms),
        parameters, note; in the order of ``results``.
    """
    return pd.DataFrame(
        {
            "algorithm": [result.name for result in results],
            "ARI": [result.adjusted_rand_index for result in results],
            "clusters found": [result.n_clusters_found for result in results],
            "noise points": [result.n_noise for result in results],
            "fit time (ms)": [1000.0 * result.fit_seconds for result in results],
            "parameters": [result.parameters for result in results],
            "note": [result.note for result in results],
        }
    )


def area_table(
    summary: pd.DataFrame,
    *,
    name_of: Callable[[int], str] = density_cluster_name,
    colour_of: Callable[[int], str] | None = None,
) -> pd.DataFrame:
    """Display version of the density areas' table.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`components.engine.alternatives.geo_density.summarise_density` (with
        ``values=..., value_name="value"`` and places; without values, no median value).
    name_of : callable, default=density_cluster_name
        Display name of a cluster id ("Area 1", "noise"; for k-means e.g. "Cluster 0").
    colour_of : callable, optional
        Hex colour of a cluster id, as drawn on its map; default: the density map's
        (``cluster_colour`` with the palette cycled).

    Returns
    -------
    pandas.DataFrame
        Columns colour, area, nearest place (of the centre), km from it, places,
        share, radius (km) (median distance from the centre), extent (km) (90th
        percentile), median value; one row per cluster, noise last.
    """
    required = {"cluster", "size", "share", "radius_km", "extent_km"}
    missing = sorted(required - set(summary.columns))
    if missing:
        raise ValueError(
            f"summary lacks the columns {missing}; expected the output of summarise_density."
        )
    if colour_of is None:
        colour_of = partial(cluster_colour, cycle=True)
    clusters = [int(cluster) for cluster in summary["cluster"]]
    if "nearest_place" in summary.columns:
        places = [place if isinstance(place, str) else "" for place in summary["nearest_place"]]
        distances = summary["nearest_place_km"].to_numpy(dtype=np.float64)
    else:
        places = [""] * len(clusters)
        distances = np.full(len(clusters), np.nan)
    table = pd.DataFrame(
        {
            "colour": [colour_of(cluster) for cluster in clusters],
            "area": [name_of(cluster) for cluster in clusters],
            "nearest place": places,
            "km from it": distances,
            "places": summary["size"].to_numpy(dtype=np.int64),
            "share": summary["share"].to_numpy(dtype=np.float64),
            "radius (km)": summary["radius_km"].to_numpy(dtype=np.float64),
            "extent (km)": summary["extent_km"].to_numpy(dtype=np.float64),
        }
    )
    if "median_value" in summary.columns:
        table["median value"] = summary["median_value"].to_numpy(dtype=np.float64)
    return table


def toy_verdict(results: Sequence[AlgorithmResult], good_ari: float = 0.9) -> str:
    """One sentence comparing k-means' ARI with the algorithms that recovered the groups.

    Parameters
    ----------
    results : sequence of AlgorithmResult
        From :func:`components.engine.alternatives.comparison.compare_algorithms`, k-means
        among them.
    good_ari : float, default=0.9
        ARI from which an algorithm counts as having recovered the groups.

    Returns
    -------
    str
        E.g. "k-means scores ARI 0.48; these recover the groups: DBSCAN (0.99); HDBSCAN (1.00)."
    """
    by_key = {result.key: result for result in results}
    if "kmeans" not in by_key:
        raise ValueError(f"results lack k-means; got {sorted(by_key)}.")
    kmeans_ari = by_key["kmeans"].adjusted_rand_index
    others = [result for result in results if result.key != "kmeans"]
    winners = [result for result in others if result.adjusted_rand_index >= good_ari]
    listed = "; ".join(
        f"{result.name} ({ari_text(result.adjusted_rand_index)})" for result in winners
    )
    if kmeans_ari >= good_ari:
        if len(winners) == len(others):
            return (
                f"k-means recovers the groups (ARI {ari_text(kmeans_ari)}), and so does every "
                "other algorithm: on compact round groups the simple method is enough."
            )
        return (
            f"k-means recovers the groups (ARI {ari_text(kmeans_ari)}); "
            f"{len(others) - len(winners)} of the other {len(others)} do not."
        )
    if not winners:
        best = max(others, key=lambda result: result.adjusted_rand_index)
        return (
            f"k-means scores ARI {ari_text(kmeans_ari)}, and at this noise no algorithm "
            f"recovers the groups (best: {best.name}, {ari_text(best.adjusted_rand_index)})."
        )
    return f"k-means scores ARI {ari_text(kmeans_ari)}; these recover the groups: {listed}."


def ari_text(ari: float) -> str:
    """ARI with two decimals, without the "-0.00" that a tiny negative value prints as."""
    return f"{round(ari, 2) + 0.0:.2f}"


def _where(row: pd.Series) -> str:
    """ "centred 12 km from Los Angeles" from an :func:`area_table` row ("" without a town)."""
    if not row["nearest place"]:
        return ""
    return f"centred {row['km from it']:.0f} km from {row['nearest place']}"


def _extent_range(table: pd.DataFrame, n_largest: int) -> tuple[float, float]:
    extents = table.loc[table["area"] != NOISE_NAME, "extent (km)"].head(n_largest)
    return float(extents.min()), float(extents.max())


def density_note(method: str, n_areas: int, noise_share: float, areas: pd.DataFrame) -> str:
    """What the density clustering finds on the map, in words, from its area table.

    Parameters
    ----------
    method : str
        "dbscan" or "hdbscan".
    n_areas : int
        Number of dense areas found.
    noise_share : float
        Share of places that are noise.
    areas : pandas.DataFrame
        From :func:`area_table` of the density labels (largest area first, noise last).

    Returns
    -------
    str
        Markdown-free text for an info box.
    """
    name = "DBSCAN" if method == "dbscan" else "HDBSCAN"
    if n_areas == 0:
        return (
            f"{name} finds no dense area at these settings: every place is noise. "
            "Lower min_samples or widen eps."
        )
    largest = areas.iloc[0]
    low, high = _extent_range(areas, _COMPARED_AREAS)
    where = _where(largest)
    return (
        f"{name} finds dense metro areas of any shape and size and leaves the thinly "
        f"settled rest as noise ({noise_share:.0%} of places, grey) instead of forcing "
        f"it into a cluster. The largest area{f', {where},' if where else ''} holds "
        f"{largest['share']:.0%} of the places: density chains a whole conurbation "
        f"into one area. The {min(_COMPARED_AREAS, n_areas)} largest areas reach "
        f"{low:.0f}-{high:.0f} km from their centres (90th percentile)."
    )


def kmeans_regions_note(
    regions: pd.DataFrame,
    areas: pd.DataFrame,
    kmeans_labels: np.ndarray,
    density_labels: np.ndarray,
) -> str:
    """What k-means on latitude/longitude finds, compared with the dense areas.

    Parameters
    ----------
    regions : pandas.DataFrame
        :func:`area_table` of the k-means labels (one row per cluster, no noise).
    areas : pandas.DataFrame
        :func:`area_table` of the density labels (largest first, noise last).
    kmeans_labels, density_labels : numpy.ndarray
        Labels of the same places (density noise = -1). A dense area counts as cut by
        k-means when at least two regions each hold a tenth of its places.

    Returns
    -------
    str
        Text for an info box: extents, regions with much density noise, cut areas.
    """
    kmeans = np.asarray(kmeans_labels, dtype=np.int64)
    density = np.asarray(density_labels, dtype=np.int64)
    if kmeans.shape != density.shape:
        raise ValueError(
            f"kmeans_labels {kmeans.shape} and density_labels {density.shape} must have "
            "the same shape."
        )
    n_clusters = len(regions)
    low, high = _extent_range(regions, n_clusters)
    sentences = [
        f"k-means splits all the places into {n_clusters} compact regions around centroids, "
        "dense or not: every place belongs to one, remote ones included, and the "
        f"regions reach {low:.0f}-{high:.0f} km from their centres (90th percentile)"
    ]
    dense = areas[areas["area"] != NOISE_NAME]
    if len(dense):
        area_low, area_high = _extent_range(areas, _COMPARED_AREAS)
        sentences[0] += f", against {area_low:.0f}-{area_high:.0f} km for the largest dense areas"
    sentences[0] += "."
    noise_by_region = [
        float((density[kmeans == cluster] == -1).mean()) if (kmeans == cluster).any() else 0.0
        for cluster in range(n_clusters)
    ]
    noisiest = int(np.argmax(noise_by_region))
    if noise_by_region[noisiest] > 0:
        where = _where(regions.iloc[noisiest])
        sentences.append(
            f"{regions['area'].iloc[noisiest]}{f', {where},' if where else ''} mixes dense "
            f"and sparse places: {noise_by_region[noisiest]:.0%} of its places are density "
            "noise."
        )
    cut = []
    for area in range(min(3, len(dense))):
        members = kmeans[density == area]
        shares = np.bincount(members, minlength=n_clusters) / max(members.size, 1)
        n_parts = int((shares >= _CUT_SHARE).sum())
        if n_parts >= 2:
            cut.append(f"{dense['area'].iloc[area]} ({n_parts} regions)")
    if cut:
        sentences.append("It cuts dense areas apart: " + ", ".join(cut) + ".")
    return " ".join(sentences)


def panel_height_for(toy: ToyData, panel_width_px: int = 260, title_px: int = 70) -> int:
    """Row height that fits the toy points at equal axis scales in a panel of that width.

    The panels keep x and y equally scaled, so a fixed height leaves wide shapes (the
    moons) floating in empty space; this sizes the row to the shape.

    Parameters
    ----------
    toy : ToyData
        The points.
    panel_width_px : int, default=260
        Expected width of one panel (four panels in the page's wide layout).
    title_px : int, default=70
        Room for the panel's two-line title.

    Returns
    -------
    int
        Height in px, in [170, 340].
    """
    x_span = float(np.ptp(toy.X[:, 0])) or 1.0
    y_span = float(np.ptp(toy.X[:, 1])) or 1.0
    return int(np.clip(panel_width_px * y_span / x_span + title_px, 170, 340))
