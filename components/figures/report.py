"""One self-contained HTML file of an analysis: settings, map, charts, tables, pen portraits.

Pure Python (no Streamlit): :func:`report_html` takes plain values, plotly figures and
tables and returns the page's text. The file opens with no network and asks for nothing:
plotly's JavaScript is inlined once (``plotly.offline.get_plotlyjs()``), each figure is a
``<div>`` and an inline script, and there is no ``<link>``, no external ``<script src>``, no
web font and no image by URL. A Content-Security-Policy meta tag forbids loading anything
else, so the browser itself refuses a request that a later change might add.

Why an interactive plotly map, and not the app's deck or an image of it: a deck needs
deck.gl's JavaScript and a base map's tiles from a CDN; an image needs kaleido (and a
browser behind it) to render, which the app does not ship. Plotly's JavaScript can be
inlined, and a Scattergl of the places on plain longitude / latitude axes (their aspect set
by the cosine of the mean latitude, an equirectangular map) with the shipped coasts and
borders under them needs nothing else. Plotly's geo and map traces are not used: they
fetch topojson or tiles from a CDN.

User text (the data's name, column names, cluster names) is escaped with
:func:`html.escape` in the page and with :func:`components.figures.text.plotly_text` in
plotly's labels.
"""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from components.engine.classification.profiles import IndexScores
from components.engine.extent import MAP_HEIGHT_PX
from components.figures.outline import outline_trace
from components.figures.palette import NOT_CLUSTERED_COLOUR, PALETTE, check_n_clusters
from components.figures.text import plotly_text

__all__ = [
    "MAX_MAP_POINTS",
    "PenPortrait",
    "ReportContent",
    "ScatterMap",
    "cluster_scatter",
    "pen_portraits",
    "profile_table",
    "report_html",
]

# Above this many places the map draws a seeded sample of them (the file stays small and
# opens fast); the tables and charts always use every place.
MAX_MAP_POINTS = 50_000
# Near the poles the cosine of the latitude goes to 0; the aspect is held at this floor.
MIN_ASPECT_COSINE = 0.1
# A pen portrait speaks of the variables at least this far from the average ...
STRONG_SCORE_SD = 0.25
# ... and of at most this many of them, the farthest first.
MAX_PORTRAIT_SENTENCES = 3
FIGURE_CONFIG = {"displaylogo": False, "responsive": True}
# Nothing may be fetched: scripts and styles are inline (plotly's regl compiles its shaders'
# code with Function, hence 'unsafe-eval'), images are data: or blob: (plotly's downloads).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data: blob:"
)


# ------------------------------------------------------------------------ the map


@dataclass(frozen=True)
class ScatterMap:
    """The report's map of the places, coloured by cluster.

    Attributes
    ----------
    figure : plotly.graph_objects.Figure
        A Scattergl per cluster over the outline (a Scattergl of lines).
    note : str
        What the map draws, in a sentence: all the places, or a seeded sample above
        ``MAX_MAP_POINTS``.
    """

    figure: go.Figure
    note: str


def cluster_scatter(
    longitude: np.ndarray,
    latitude: np.ndarray,
    labels: np.ndarray,
    names: Sequence[str],
) -> ScatterMap:
    """The places on longitude / latitude axes, coloured by cluster, over the outline.

    Parameters
    ----------
    longitude, latitude : numpy.ndarray
        Degrees, one finite value per place.
    labels : numpy.ndarray
        Cluster id per place, in ``[0, len(names) - 1]``; -1 for a place not clustered
        (drawn grey).
    names : sequence of str
        One name per cluster (shown in the legend as plain text).

    Returns
    -------
    ScatterMap
        The figure and how many places it draws: at most ``MAX_MAP_POINTS``, a seeded
        random sample above it.
    """
    longitude = np.asarray(longitude, dtype=np.float64)
    latitude = np.asarray(latitude, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    if not longitude.shape == latitude.shape == labels.shape or longitude.ndim != 1:
        raise ValueError(
            f"longitude, latitude and labels must be 1-d and of one length; got shapes "
            f"{longitude.shape}, {latitude.shape} and {labels.shape}."
        )
    if longitude.size == 0:
        raise ValueError("There are no places to draw; expected at least one.")
    if not (np.isfinite(longitude).all() and np.isfinite(latitude).all()):
        raise ValueError("longitude and latitude must be finite numbers of degrees.")
    check_n_clusters(len(names))
    if labels.min() < -1 or labels.max() >= len(names):
        raise ValueError(
            f"labels holds ids in [{labels.min()}, {labels.max()}]; expected -1 or an id in "
            f"[0, {len(names) - 1}] (one name per cluster)."
        )
    n_places = longitude.size
    note = f"Every one of the {n_places:,} places is drawn."
    if n_places > MAX_MAP_POINTS:
        drawn = np.sort(np.random.default_rng(0).choice(n_places, MAX_MAP_POINTS, replace=False))
        longitude, latitude, labels = longitude[drawn], latitude[drawn], labels[drawn]
        note = (
            f"The map draws a random {MAX_MAP_POINTS:,} of the {n_places:,} places (seeded, "
            "so the same report draws the same ones); the charts and tables use every place."
        )
    west, east = float(longitude.min()), float(longitude.max())
    south, north = float(latitude.min()), float(latitude.max())
    pad_x, pad_y = max(0.05 * (east - west), 0.05), max(0.05 * (north - south), 0.05)
    x_range = [west - pad_x, east + pad_x]
    y_range = [south - pad_y, north + pad_y]
    traces = [outline_trace((x_range[0], y_range[0], x_range[1], y_range[1]))]
    for cluster in np.unique(labels).tolist():
        chosen = labels == cluster
        traces.append(
            go.Scattergl(
                x=longitude[chosen].astype(np.float32),
                y=latitude[chosen].astype(np.float32),
                mode="markers",
                marker={
                    "size": 4,
                    "opacity": 0.8,
                    "color": NOT_CLUSTERED_COLOUR if cluster < 0 else PALETTE[cluster],
                },
                name="not clustered"
                if cluster < 0
                else plotly_text(f"{cluster}: {names[cluster]}"),
                # The trace's name (user text) shows in the hover's side box, not in the
                # template, where plotly would read "%{...}" in a name as a field.
                hovertemplate="latitude %{y:.4f}<br>longitude %{x:.4f}",
            )
        )
    figure = go.Figure(traces)
    figure.update_layout(
        height=MAP_HEIGHT_PX,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        plot_bgcolor="#ffffff",
        legend={"orientation": "h", "y": -0.08, "itemsizing": "constant", "title": "cluster "},
        xaxis={"title": "longitude (degrees)", "range": x_range, "showgrid": False},
        # One degree of latitude is 1 / cos(latitude) degrees of longitude on the ground.
        yaxis={
            "title": "latitude (degrees)",
            "range": y_range,
            "showgrid": False,
            "scaleanchor": "x",
            "scaleratio": 1 / max(math.cos(math.radians(latitude.mean())), MIN_ASPECT_COSINE),
        },
    )
    return ScatterMap(figure=figure, note=note)


# ------------------------------------------------------------ portraits and tables


@dataclass(frozen=True)
class PenPortrait:
    """A cluster in a few words: its name, size and what sets it apart.

    Attributes
    ----------
    cluster : int
        Its id (its colour is ``PALETTE[cluster]``).
    name : str
        Its name.
    size : int
        Places in it.
    share : float
        Its share of the clustered places, in [0, 1].
    sentences : tuple of str
        Its strongest index scores in words, the strongest first (may be empty).
    """

    cluster: int
    name: str
    size: int
    share: float
    sentences: tuple[str, ...]


def _score_sentence(label: str, score: float, kind: str) -> str:
    if kind == "index":
        return f"{label} is {score:.0f}% of the average."
    side = "above" if score >= 0 else "below"
    return f"{label} is {abs(score):.1f} standard deviations {side} the average."


def pen_portraits(
    labels: np.ndarray,
    names: Sequence[str],
    scores: IndexScores | None,
    column_labels: Mapping[str, str],
) -> tuple[PenPortrait, ...]:
    """A short portrait of each cluster from its size and its strongest index scores.

    Parameters
    ----------
    labels : numpy.ndarray
        Cluster id per place (negative: not clustered).
    names : sequence of str
        One name per cluster.
    scores : IndexScores or None
        From :func:`components.engine.classification.profiles.index_scores` of these
        labels; None when there is no variable to score (the portraits give sizes only).
    column_labels : mapping
        How to call each scored column in a sentence (a column missing here is called by
        its name).

    Returns
    -------
    tuple of PenPortrait
        One per cluster, in id order. A sentence per variable at least
        ``STRONG_SCORE_SD`` standard deviations from the average, at most
        ``MAX_PORTRAIT_SENTENCES``, the farthest first: "Median house value is 180% of
        the average." for an index, "... 1.2 standard deviations above the average." for
        a standardised difference.
    """
    ids = np.asarray(labels, dtype=np.int64)
    n_clusters = len(names)
    if ids.size and ids.max() >= n_clusters:
        raise ValueError(
            f"labels holds the id {ids.max()}; expected ids below {n_clusters} (one name per "
            "cluster)."
        )
    if scores is not None and scores.scores.shape[0] != n_clusters:
        raise ValueError(
            f"scores has {scores.scores.shape[0]} clusters; expected one per name ({n_clusters})."
        )
    sizes = np.bincount(ids[ids >= 0], minlength=n_clusters)
    total = max(int(sizes.sum()), 1)
    return tuple(
        PenPortrait(
            cluster=cluster,
            name=str(names[cluster]),
            size=int(sizes[cluster]),
            share=float(sizes[cluster]) / total,
            sentences=() if scores is None else _strongest(scores, cluster, column_labels),
        )
        for cluster in range(n_clusters)
    )


def _strongest(
    scores: IndexScores, cluster: int, column_labels: Mapping[str, str]
) -> tuple[str, ...]:
    """A cluster's scores at least ``STRONG_SCORE_SD`` from the average, the farthest first."""
    distance = np.abs(scores.standardised[cluster])
    # NaN distances sort last and fail the test, as do the ones below the threshold.
    farthest = np.argsort(-np.nan_to_num(distance, nan=-1.0), kind="stable")
    return tuple(
        _score_sentence(
            column_labels.get(scores.columns[column], scores.columns[column]),
            float(scores.scores[cluster, column]),
            scores.kind[column],
        )
        for column in farthest[:MAX_PORTRAIT_SENTENCES]
        if distance[column] >= STRONG_SCORE_SD
    )


def profile_table(
    profile: pd.DataFrame,
    names: Sequence[str],
    feature_labels: Sequence[str],
    value_label: str,
) -> pd.DataFrame:
    """The cluster profiles with readable headers, for the report's table.

    Parameters
    ----------
    profile : pandas.DataFrame
        From :func:`components.engine.clustering.profiles_table` with its ``standouts``
        text (``cluster``, ``size``, ``share``, one column per feature,
        ``value_median``, ``value_q1``, ``value_q3``, ``standouts``).
    names : sequence of str
        One name per cluster id.
    feature_labels : sequence of str
        How to call each feature column, in the profile's order.
    value_label : str
        How to call the column whose quartiles the profile gives.

    Returns
    -------
    pandas.DataFrame
        Cluster, name, places, share (text, "12.3%"), the features' means, the value's
        median and quartiles, and what stands out.
    """
    features = [
        column
        for column in profile.columns
        if column not in {"cluster", "size", "share", "standouts"}
        and not column.startswith("value_")
    ]
    if len(features) != len(feature_labels):
        raise ValueError(
            f"feature_labels has {len(feature_labels)} labels; expected one per feature column "
            f"of the profile ({len(features)})."
        )
    table = {
        "cluster": profile["cluster"].astype(int).tolist(),
        "name": [str(names[int(cluster)]) for cluster in profile["cluster"]],
        "places": profile["size"].astype(int).tolist(),
        "share": [f"{share:.1%}" for share in profile["share"]],
    }
    columns = [
        (f"mean {label}", name) for label, name in zip(feature_labels, features, strict=True)
    ]
    columns += [
        (f"median {value_label}", "value_median"),
        (f"{value_label} q1", "value_q1"),
        (f"{value_label} q3", "value_q3"),
        ("stands out", "standouts"),
    ]
    return pd.DataFrame(table | {header: profile[column].tolist() for header, column in columns})


def _cell(value: object) -> str:
    """A table cell, escaped: numbers right-aligned, whole ones with separators, others to
    4 significant digits."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return f"<td>{html.escape(str(value))}</td>"
    if isinstance(value, numbers.Integral):
        text = f"{int(value):,}"
    elif math.isfinite(number := float(value)):
        text = f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.4g}"
    else:
        text = ""
    return f'<td class="number">{html.escape(text)}</td>'


def _table(frame: pd.DataFrame) -> str:
    """An HTML table of a frame, every header and cell escaped; numbers right-aligned."""
    header = "".join(f"<th>{html.escape(str(column))}</th>" for column in frame.columns)
    rows = "".join(
        "<tr>" + "".join(_cell(value) for value in values) + "</tr>"
        for values in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>"


# ------------------------------------------------------------------------ the page


@dataclass(frozen=True)
class ReportContent:
    """Everything a report shows.

    Attributes
    ----------
    title : str
        The data's name (user text: escaped in the page).
    settings : tuple of (str, str)
        The analysis' settings as (label, value) rows, in order.
    version : str
        The app's version (:func:`components.engine.saved_model.app_version`).
    created : str
        When the report was made, as it should read.
    cluster_map : ScatterMap
        From :func:`cluster_scatter`.
    portraits : tuple of PenPortrait
        From :func:`pen_portraits`.
    elbow : plotly.graph_objects.Figure
        Inertia and silhouette across k.
    elbow_note : str
        The suggested k in words.
    box : plotly.graph_objects.Figure
        A column's box plot per cluster.
    box_title : str
        Its heading.
    profile : pandas.DataFrame
        From :func:`profile_table`.
    index_heatmap : plotly.graph_objects.Figure or None
        The index scores per cluster and variable (None: no variable to score).
    index_note : str
        What the scores mean.
    """

    title: str
    settings: tuple[tuple[str, str], ...]
    version: str
    created: str
    cluster_map: ScatterMap
    portraits: tuple[PenPortrait, ...]
    elbow: go.Figure
    elbow_note: str
    box: go.Figure
    box_title: str
    profile: pd.DataFrame
    index_heatmap: go.Figure | None = None
    index_note: str = ""


_STYLE = """
body { margin: 0; color: #222; background: #fff;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 16px 24px 40px; }
h1 { font-size: 1.6em; margin: 0.4em 0 0.2em; }
h2 { font-size: 1.2em; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 1.6em; }
section { break-inside: avoid; page-break-inside: avoid; }
.made, .note { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; font-size: 0.85em; width: 100%; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 3px 6px; text-align: left;
  vertical-align: top; overflow-wrap: break-word; }
th { background: #f4f4f4; }
td.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.settings th { width: 14em; background: none; font-weight: 600; }
.portraits { display: grid; grid-template-columns: repeat(auto-fill, minmax(270px, 1fr));
  gap: 10px; }
.portrait { border: 1px solid #ddd; border-left: 8px solid; padding: 6px 10px;
  break-inside: avoid; page-break-inside: avoid; }
.portrait h3 { font-size: 1em; margin: 0.2em 0; overflow-wrap: anywhere; }
.portrait p { margin: 0.3em 0; font-size: 0.9em; }
.figure { width: 100%; break-inside: avoid; page-break-inside: avoid; }
@page { size: A4; margin: 12mm; }
@media print {
  /* The figures are drawn at the screen's width (at most 960 px); scaled, they fit an
     A4 or Letter page's width. */
  main { zoom: 0.72; padding: 0; }
  .modebar-container { display: none !important; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
}
"""


def _figure(figure: go.Figure) -> str:
    """A figure's div and script (plotly's JavaScript is loaded once by the page)."""
    options = {"full_html": False, "include_plotlyjs": False, "default_width": "100%"}
    return f'<div class="figure">{figure.to_html(config=FIGURE_CONFIG, **options)}</div>'


def _portrait(portrait: PenPortrait) -> str:
    sentences = "".join(f"<p>{html.escape(sentence)}</p>" for sentence in portrait.sentences)
    return (
        f'<div class="portrait" style="border-left-color: {PALETTE[portrait.cluster]}">'
        f"<h3>{portrait.cluster}: {html.escape(portrait.name)}</h3>"
        f"<p>{portrait.size:,} places, {portrait.share:.1%} of those clustered.</p>"
        f"{sentences}</div>"
    )


def report_html(content: ReportContent) -> str:
    """The report as one HTML page that needs nothing but itself.

    Parameters
    ----------
    content : ReportContent
        What to show.

    Returns
    -------
    str
        The page: plotly's JavaScript inline once, each figure a div and a script, user
        text escaped, print styles for "print to PDF" (a section is not split across pages,
        the figures fit the page's width).
    """
    title = html.escape(content.title)
    settings_rows = "".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
        for label, value in content.settings
    )
    index_section = ""
    if content.index_heatmap is not None:
        index_section = (
            '<section id="index-scores"><h2>Index scores</h2>'
            f"{_figure(content.index_heatmap)}"
            f'<p class="note">{html.escape(content.index_note)}</p></section>'
        )
    body = (
        f"<header><h1>Clusters of {title}</h1>"
        f'<p class="made">Made with geocluster {html.escape(content.version)} on '
        f"{html.escape(content.created)}. This file needs no network: open it in any "
        "browser, or print it to PDF.</p></header>"
        '<section id="settings"><h2>Settings</h2>'
        f'<table class="settings"><tbody>{settings_rows}</tbody></table></section>'
        '<section id="map"><h2>Map</h2>'
        f"{_figure(content.cluster_map.figure)}"
        f'<p class="note">{html.escape(content.cluster_map.note)} Longitude and latitude '
        "in degrees, the aspect of an equirectangular map at the places' mean latitude; "
        "grey lines are coasts and borders.</p></section>"
        '<section id="clusters"><h2>The clusters</h2><div class="portraits">'
        f"{''.join(_portrait(portrait) for portrait in content.portraits)}</div></section>"
        '<section id="choose-k"><h2>Choosing k</h2>'
        f"{_figure(content.elbow)}"
        f'<p class="note">{html.escape(content.elbow_note)}</p></section>'
        f'<section id="box-plot"><h2>{html.escape(content.box_title)}</h2>'
        f"{_figure(content.box)}</section>"
        '<section id="profiles"><h2>Cluster profiles</h2>'
        f"{_table(content.profile)}</section>"
        f"{index_section}"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Clusters of {title}</title><style>{_STYLE}</style>"
        f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>'
        f"</head><body><main>{body}</main></body></html>\n"
    )
