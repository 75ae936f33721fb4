"""Streamlit blocks of the "When k-means fails" page: its controls and its tables.

The widgets' ranges keep every value valid for :mod:`components.engine.alternatives`, so the
page never has to handle a bad input; the work is cached in :mod:`components.ui.cache`.
"""

from __future__ import annotations

from typing import NamedTuple, cast

import pandas as pd
import streamlit as st

from components.engine.alternatives.geo_density import (
    DEFAULT_GEO_EPS_KM,
    DEFAULT_GEO_MIN_SAMPLES,
    DEFAULT_HDBSCAN_MAX_POINTS,
    GeoMethod,
)
from components.engine.alternatives.toy_shapes import ToyKind
from components.engine.validation import RANDOM_STATE_RANGE
from components.figures.alternatives import ari_text
from components.ui.url_state import DEFAULT_K, K_RANGE
from components.ui.widgets import labelled_radio, stepped_slider

# Widget keys (also what the AppTest tests address).
SHAPE_KEY = "kmf_shape"
NOISE_KEY = "kmf_noise"
N_SAMPLES_KEY = "kmf_n_samples"
TOY_SEED_KEY = "kmf_seed"
METHOD_KEY = "kmf_method"
EPS_KEY = "kmf_eps_km"
MIN_SAMPLES_KEY = "kmf_min_samples"
K_KEY = "kmf_k"

SHAPE_LABELS: dict[ToyKind, str] = {
    "moons": "Two moons",
    "circles": "Two circles",
    "blobs": "Three blobs",
}
METHOD_LABELS: dict[GeoMethod, str] = {"dbscan": "DBSCAN", "hdbscan": "HDBSCAN"}

# Narrower than what the functions accept: beyond these the pictures say nothing new
# and the fits get slow (the six algorithms' time grows quickly with the toy points; eps
# of hundreds of km needs GBs of neighbour lists; BENCHMARKS.md, "Measured defaults").
TOY_NOISE_SLIDER = (0.0, 0.3, 0.01)
DEFAULT_TOY_NOISE = 0.05
TOY_N_SAMPLES_SLIDER = (100, 3000, 50)
DEFAULT_TOY_N_SAMPLES = 500
EPS_KM_SLIDER = (1.0, 25.0, 0.5)
MIN_SAMPLES_SLIDER = (3, 200, 1)


class ToySettings(NamedTuple):
    """What the toy comparison is computed for (the cache key's arguments)."""

    kind: ToyKind
    n_samples: int
    noise: float
    seed: int


class DensitySettings(NamedTuple):
    """What the housing comparison is computed for."""

    method: GeoMethod
    eps_km: float | None  # None for HDBSCAN, which has no radius
    min_samples: int
    n_clusters: int


def toy_controls() -> ToySettings:
    """Draw the shape, noise, sample size and seed controls in a row and return them."""
    shape_column, noise_column, samples_column, seed_column = st.columns([3, 2, 2, 1])
    kind = labelled_radio(shape_column, "Shape", SHAPE_LABELS, key=SHAPE_KEY, horizontal=True)
    noise = stepped_slider(
        noise_column,
        "Noise",
        TOY_NOISE_SLIDER,
        key=NOISE_KEY,
        value=DEFAULT_TOY_NOISE,
        help="Moons and circles: standard deviation of the jitter added to each point. "
        "Blobs: their spread grows with it (0.5 + 2 * noise).",
    )
    n_samples = stepped_slider(
        samples_column,
        "Points",
        TOY_N_SAMPLES_SLIDER,
        key=N_SAMPLES_KEY,
        value=DEFAULT_TOY_N_SAMPLES,
    )
    seed = seed_column.number_input(
        "Seed",
        min_value=RANDOM_STATE_RANGE[0],
        max_value=RANDOM_STATE_RANGE[1],
        value=0,
        step=1,
        key=TOY_SEED_KEY,
        help="Seed of the points, of k-means and of the Gaussian mixture.",
    )
    # Rounded so a slider's float noise (0.05000000001) does not make a new cache entry.
    return ToySettings(
        kind=kind, n_samples=int(n_samples), noise=round(float(noise), 2), seed=int(seed)
    )


def density_controls() -> DensitySettings:
    """Draw the density method, eps, min_samples and k controls in a row and return them."""
    method_column, eps_column, samples_column, k_column = st.columns(4)
    method = labelled_radio(
        method_column,
        "Density method",
        METHOD_LABELS,
        key=METHOD_KEY,
        horizontal=True,
        help="HDBSCAN has no radius: it keeps the areas that stay dense over a range of "
        f"radii. It is fitted on {DEFAULT_HDBSCAN_MAX_POINTS:,} sampled places (the rest "
        "take their nearest sampled neighbour's area), because a fit on all of them takes too "
        "long to wait for.",
    )
    eps_km = stepped_slider(
        eps_column,
        "eps (km)",
        EPS_KM_SLIDER,
        key=EPS_KEY,
        value=DEFAULT_GEO_EPS_KM,
        disabled=method != "dbscan",
        help="DBSCAN's radius: a place with at least min_samples places "
        "within eps kilometres (great-circle distance) is the core of a dense area.",
    )
    min_samples = stepped_slider(
        samples_column,
        "min_samples",
        MIN_SAMPLES_SLIDER,
        key=MIN_SAMPLES_KEY,
        value=DEFAULT_GEO_MIN_SAMPLES,
        help="Places (itself included) needed around a core point. "
        "HDBSCAN: also its smallest area.",
    )
    n_clusters = stepped_slider(
        k_column,
        "k-means k",
        (*K_RANGE, 1),
        key=K_KEY,
        value=DEFAULT_K,
        help="k-means on latitude and longitude alone (standardised), seed 0.",
    )
    return DensitySettings(
        method=method,
        eps_km=round(float(eps_km), 1) if method == "dbscan" else None,
        min_samples=int(min_samples),
        n_clusters=int(n_clusters),
    )


def _swatch_css(colour: object) -> str:
    # object, not str: pandas' Styler.map is typed for any cell value.
    return f"background-color: {colour}; color: {colour}"


def comparison_table(table: pd.DataFrame) -> None:
    """Draw the per-algorithm ARI table of the toy shapes (static, so the notes wrap)."""
    styled = table.style.format(
        {"ARI": lambda ari: ari_text(cast(float, ari)), "fit time (ms)": "{:.0f}"}
    )
    st.table(styled.hide(axis="index"))


_ROW_PX = 35


def area_table(table: pd.DataFrame, *, key: str) -> None:
    """Draw an area table with a colour swatch per row (no HTML, a Styler background).

    Short tables (k-means' regions) take only the height of their rows; long ones
    (DBSCAN's dozens of areas) scroll beyond 390 px.
    """
    styled = table.style.map(_swatch_css, subset=["colour"]).format(
        {
            "share": "{:.1%}",
            "km from it": "{:.0f}",
            "radius (km)": "{:.0f}",
            "extent (km)": "{:.0f}",
            "median value": "{:,.4g}",
        },
        na_rep="",
    )
    st.dataframe(
        styled,
        hide_index=True,
        height=min(390, _ROW_PX * (len(table) + 1) + 3),
        column_config={
            "colour": st.column_config.TextColumn("", width="small"),
            "places": st.column_config.NumberColumn("places", format="localized"),
        },
        key=key,
    )
