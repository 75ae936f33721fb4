"""Explore's map of one value by location: a pydeck map on a continuous colour scale.

Like the cluster map (compact rows, integer-coded positions, the coast and border
outline underneath), so it draws its points with no network; a plotly map would wait for
the base map's style before drawing anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.colors
import pydeck as pdk

from components.figures.deck import (
    CompactDeck,
    base_map_deck,
    coded_positions,
    colour_chain,
    compact_numbers,
    point_layer,
    view_state_for,
)
from components.figures.palette import CONTINUOUS_COLOURSCALE

# Steps of the colour scale; 32 steps of viridis read as continuous on a map of dots.
VALUE_MAP_LEVELS = 32
# The scale spans these percentiles, so a few extreme rows (population, rooms per
# household) do not squeeze every other row into one colour.
SCALE_PERCENTILES = (1.0, 99.0)
# Points the value map sends at most; the browser draws each one (see BENCHMARKS.md,
# "Scale", for what a map of a million points costs).
MAX_VALUE_MAP_POINTS = 50_000
_ALPHA = 200


@dataclass(frozen=True)
class ValueMap:
    """The value map and what its legend says.

    Attributes
    ----------
    deck : CompactDeck
        The map.
    caption : str
        The legend in words: scale, its ends (rows beyond take the end colour), and the
        rows not drawn.
    """

    deck: CompactDeck
    caption: str


def scale_colours() -> list[tuple[int, int, int]]:
    """Return the RGB colour of each step of the scale, low to high (sampled mid-step)."""
    samples = (np.arange(VALUE_MAP_LEVELS) + 0.5) / VALUE_MAP_LEVELS
    return [
        (round(red), round(green), round(blue))
        for red, green, blue in map(
            plotly.colors.unlabel_rgb,
            plotly.colors.sample_colorscale(CONTINUOUS_COLOURSCALE, samples.tolist()),
        )
    ]


def value_colour_expression(low: float, high: float) -> str:
    """A deck.gl accessor expression giving the scale colour of the value in ``this[2]``.

    A chain of comparisons (``this[2] < t1 ? [r, g, b, a] : ...``, see
    :func:`components.figures.deck.colour_chain`).

    Parameters
    ----------
    low, high : float
        Values at the ends of the scale.

    Returns
    -------
    str
        The expression, without pydeck's ``@@=`` prefix.
    """
    steps = np.linspace(low, high, VALUE_MAP_LEVELS + 1)[1:-1]
    return colour_chain([f"this[2] < {step:.6g}" for step in steps], scale_colours(), _ALPHA)


def _value_text(value: float) -> str:
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def value_map_deck(
    longitude: np.ndarray,
    latitude: np.ndarray,
    values: np.ndarray,
    *,
    value_label: str,
    view_state: pdk.ViewState | None = None,
    map_style_url: str | None = None,
    rows_noun: str = "places",
) -> ValueMap:
    """Map of a value by location, coloured on the viridis scale (colour-blind safe).

    Each row is sent as ``[x, y, value]`` (integer-coded position, the value to three
    significant digits); the browser picks the colour from the value.

    Parameters
    ----------
    longitude, latitude, values : numpy.ndarray
        One entry per row; rows with a missing coordinate or value are not drawn.
    value_label : str
        What the value is (tooltip and caption).
    view_state : pydeck.ViewState, optional
        Initial camera; default :func:`view_state_for` of the rows.
    map_style_url : str, optional
        URL of the served base map style (tiles with the outline); None: the deck
        draws the outline itself (see :func:`components.figures.deck.base_map_deck`).
    rows_noun : str
        What a row is called in the caption.

    Returns
    -------
    ValueMap
        The deck (outline, then the points) and its legend. Above ``MAX_VALUE_MAP_POINTS``
        rows, the map draws a fixed-seed random sample (the colour scale is still that of
        every value), said in the caption.
    """
    lon = np.asarray(longitude, dtype=float)
    lat = np.asarray(latitude, dtype=float)
    value = np.asarray(values, dtype=float)
    if not (lon.shape == lat.shape == value.shape) or lon.ndim != 1:
        raise ValueError("longitude, latitude and values must be 1-D arrays of one shape.")
    located = np.isfinite(lon) & np.isfinite(lat)
    shown = located & np.isfinite(value)
    n_missing = int((located & ~shown).sum())
    lon, lat, value = lon[shown], lat[shown], value[shown]
    if value.size:
        low, high = (float(v) for v in np.percentile(value, SCALE_PERCENTILES))
    else:
        low, high = 0.0, 1.0
    n_values = value.size
    if n_values > MAX_VALUE_MAP_POINTS:
        sample = np.random.default_rng(0).choice(n_values, MAX_VALUE_MAP_POINTS, replace=False)
        sample = np.sort(sample)
        lon, lat, value = lon[sample], lat[sample], value[sample]
    if high <= low:
        high = low + 1.0
    if view_state is None:
        view_state = view_state_for(lon, lat)
    x_codes, y_codes, position = coded_positions(lon, lat)
    rows = list(zip(x_codes.tolist(), y_codes.tolist(), compact_numbers(value, 3), strict=True))
    layer = point_layer("values", rows, position, value_colour_expression(low, high))
    deck = base_map_deck([layer], view_state, f"{value_label}: {{2}}", map_style_url)
    caption = (
        f"Colour: {value_label}, on the viridis scale (colour-blind safe) from dark purple "
        f"(at or below {_value_text(low)}) to yellow (at or above {_value_text(high)}); "
        f"the ends are percentiles {SCALE_PERCENTILES[0]:g} and {SCALE_PERCENTILES[1]:g}."
    )
    if n_values > MAX_VALUE_MAP_POINTS:
        caption += (
            f" The map draws a fixed random sample of {MAX_VALUE_MAP_POINTS:,} of the {n_values:,} "
            f"{rows_noun} with a value."
        )
    if n_missing == 1:
        caption += f" 1 {rows_noun.removesuffix('s')} without a value is not drawn."
    elif n_missing:
        caption += f" {n_missing:,} {rows_noun} without a value are not drawn."
    return ValueMap(deck=deck, caption=caption)
