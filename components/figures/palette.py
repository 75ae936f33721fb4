"""Cluster colours: the colour-blind-safe palette and the colour helpers.

Cluster ``i`` is always drawn in ``PALETTE[i]``; the engine keeps cluster ids stable as k
changes, so a cluster keeps its colour when the k slider moves.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from components.engine.validation import check_int

# Okabe-Ito (colour-blind safe, in its usual order) followed by seven colours of
# Paul Tol's "muted" scheme chosen to differ from the first eight; cluster i uses
# PALETTE[i], so the order matters and must never change.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#882255",
    "#332288",
    "#999933",
    "#CC6677",
    "#117733",
    "#DDCC77",
    "#AA4499",
)

# Paul Tol's grey, for every point without a cluster (id -1): rows k-means left out (a chosen
# feature is missing) and the noise of the density clusterings alike.
NOT_CLUSTERED_COLOUR = "#BBBBBB"
MAX_CLUSTERS = len(PALETTE)
CONTINUOUS_COLOURSCALE = "Viridis"  # perceptually uniform and colour-blind safe
FILL_ALPHA = 190  # the opacity of the clusters' points on the maps
NOT_CLUSTERED_ALPHA = 150  # the grey points sit under the clusters, fainter


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """Convert ``#RRGGBB`` to an (r, g, b) tuple of ints.

    Parameters
    ----------
    colour : str
        A colour like ``"#0072B2"``.

    Returns
    -------
    tuple of int
        Red, green and blue in [0, 255].
    """
    text = colour.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"colour={colour!r} is not of the form '#RRGGBB'.")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def cluster_colour(cluster: int, *, cycle: bool = False) -> str:
    """Return the hex colour of a cluster id (grey for -1: not clustered, or noise).

    Parameters
    ----------
    cluster : int
        Cluster id in [0, 14] (any id >= 0 with ``cycle``), or -1.
    cycle : bool, default=False
        Repeat the palette for ids beyond it (density clusterings find dozens of areas,
        numbered by descending size, so the largest ones still get distinct colours).

    Returns
    -------
    str
        ``#RRGGBB``.
    """
    if cluster == -1:
        return NOT_CLUSTERED_COLOUR
    if cycle and cluster >= 0:
        return PALETTE[cluster % MAX_CLUSTERS]
    if not 0 <= cluster < MAX_CLUSTERS:
        expected = "an id >= 0" if cycle else f"[0, {MAX_CLUSTERS - 1}]"
        raise ValueError(f"cluster={cluster!r} is out of range; expected -1 or {expected}.")
    return PALETTE[cluster]


def label_colour(background: str) -> str:
    """Black or white, whichever contrasts more with the background (WCAG contrast ratio).

    Parameters
    ----------
    background : str
        ``#RRGGBB``.

    Returns
    -------
    str
        ``"#000000"`` or ``"#FFFFFF"``.
    """
    fraction = np.array(hex_to_rgb(background)) / 255
    linear = np.where(fraction <= 0.04045, fraction / 12.92, ((fraction + 0.055) / 1.055) ** 2.4)
    luminance = float(linear @ [0.2126, 0.7152, 0.0722])
    contrast_with_white = 1.05 / (luminance + 0.05)
    contrast_with_black = (luminance + 0.05) / 0.05
    return "#000000" if contrast_with_black > contrast_with_white else "#FFFFFF"


def check_n_clusters(n_clusters: int) -> None:
    """Raise ValueError unless ``n_clusters`` is an integer with a colour each, in [1, 15]."""
    check_int(n_clusters, "n_clusters", 1, MAX_CLUSTERS)


def check_palette(n_clusters: int, palette: Sequence[str]) -> None:
    """Raise ValueError when ``palette`` has fewer colours than ``n_clusters``.

    Parameters
    ----------
    n_clusters : int
        Clusters to draw, one colour each.
    palette : sequence of str
        The colours given to a figure.
    """
    if n_clusters > len(palette):
        raise ValueError(
            f"{n_clusters} clusters need {n_clusters} colours but the palette has "
            f"{len(palette)}; expected at most {len(palette)} clusters."
        )


def rgba(colour: str, alpha: float = 1.0) -> str:
    red, green, blue = hex_to_rgb(colour)
    return f"rgba({red},{green},{blue},{alpha:g})"
