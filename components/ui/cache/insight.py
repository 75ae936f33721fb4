"""Caches of the Choose k and Explain pages: silhouettes, stability, descriptions."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.engine import sweep_stability
from components.engine.clustering import NInit
from components.engine.describe import (
    ClusterDescription,
    PriceCheckResult,
    SeparationResult,
    describe_clusters,
    descriptions_table,
    price_separation,
)
from components.engine.row_labels import train_test_check
from components.engine.stability import StabilityResult, clustergram, merge_stability_results
from components.engine.sweep import silhouette_points as silhouette_points_engine
from components.engine.sweep.silhouette import silhouette_cluster_table
from components.engine.sweep.silhouette_points import SilhouettePoints
from components.engine.sweep_stability import stability_of_one_k
from components.figures import deck
from components.figures import insight as figures_insight
from components.ui.cache.base_map import map_style_url
from components.ui.cache.data import column_values, dataset
from components.ui.cache.model import fit_rows, n_starts, row_labels, scaled, sweep
from components.ui.cache.views import map_view
from components.ui.keys import ModelKey


@st.cache_resource(show_spinner="Computing the silhouette of every place…", max_entries=32)
def silhouette_points(key: ModelKey, k: int) -> SilhouettePoints:
    """Per-point silhouettes of the sweep's clustering at k (a sample above a size)."""
    return silhouette_points_engine.silhouette_points(
        scaled(key).train, sweep(key).labels_for(k), fit_rows(key).train
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def silhouette_figure(key: ModelKey, k: int) -> go.Figure:
    """Silhouette plot at k: each cluster's sorted per-point values, cluster and overall means."""
    points = silhouette_points(key, k)
    return figures_insight.silhouette_plot(
        points.values,
        points.labels,
        title=f"Silhouette of each {dataset(key.source).place_word[:-1]}, k = {k}",
    )


@st.cache_data(show_spinner=False, max_entries=64)
def silhouette_table(key: ModelKey, k: int) -> pd.DataFrame:
    """Per cluster at k: rows, mean silhouette, shares below 0 and on a border."""
    points = silhouette_points(key, k)
    return silhouette_cluster_table(points.values, points.labels)


@st.cache_resource(show_spinner=False, max_entries=64)
def silhouette_map(key: ModelKey, k: int, border_only: bool) -> deck.CompactDeck:
    """Map of the fitted rows coloured by silhouette (only the border points if asked)."""
    points = silhouette_points(key, k)
    map_deck = figures_insight.silhouette_map_deck(
        column_values(key.source, "longitude")[points.rows],
        column_values(key.source, "latitude")[points.rows],
        points.values,
        points.labels,
        k,
        view_state=map_view(key.source),
        below=figures_insight.BORDER_SILHOUETTE if border_only else None,
        map_style_url=map_style_url(),
    )
    map_deck.to_json()  # computed once here, not on every rerun
    return map_deck


@st.cache_resource(show_spinner=False, max_entries=64)
def metrics_figure(key: ModelKey, k: int) -> go.Figure:
    """The sweep's metrics across k side by side, best k's and k marked."""
    result = sweep(key)
    return figures_insight.metrics_panels(
        result.metrics(), current_k=k, knee=result.suggestion.knee
    )


@st.cache_resource(show_spinner=False, max_entries=512)
def stability_of_k(key: ModelKey, n_init: NInit, k: int) -> StabilityResult:
    """Stability of one k: the clustering of the sweep with ``n_init`` starts, refitted."""
    # The reference is the sweep with n_init starts (the map the user sees with that setting,
    # same colours). One k at a time so the page can show progress; the per-k results joined
    # equal one run over all k's.
    return stability_of_one_k(
        scaled(key).train,
        sweep(replace(key, n_init=n_init)),
        k,
        random_state=key.random_state,
        n_init=n_starts(key, n_init),
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def stability(key: ModelKey, n_init: NInit) -> StabilityResult:
    """Stability of every k of the sweep (the per-k results joined)."""
    return merge_stability_results(
        [stability_of_k(key, n_init, k) for k in checkable_k_values(key)]
    )


def checkable_k_values(key: ModelKey) -> tuple[int, ...]:
    """The k's of the sweep whose stability can be checked (below a subset's rows)."""
    return sweep_stability.checkable_k_values(sweep(key).k_values, scaled(key).train.shape[0])


@st.cache_resource(show_spinner=False, max_entries=64)
def stability_figure(key: ModelKey, n_init: NInit, k: int) -> go.Figure:
    """ARI per k with its spread, thresholds, flagged k's and the current k."""
    return figures_insight.stability_chart(stability(key, n_init), current_k=k)


@st.cache_resource(show_spinner=False, max_entries=64)
def clustergram_figure(key: ModelKey, k_low: int, k_high: int) -> go.Figure:
    """Sankey of how the fitted rows move between clusters from k_low to k_high."""
    result = sweep(key)
    first, last = result.index_of(k_low), result.index_of(k_high)
    data = clustergram(result.labels[first : last + 1], result.k_values[first : last + 1])
    return figures_insight.clustergram_sankey(data)


@st.cache_data(show_spinner="Describing the clusters…", max_entries=64)
def descriptions(key: ModelKey, k: int, value_column: str) -> tuple[ClusterDescription, ...]:
    """Each cluster at k in words and numbers (train and test rows together)."""
    data = dataset(key.source)
    return tuple(
        describe_clusters(
            data.places.frame,
            row_labels(key, k).labels,
            key.features,
            value_column=value_column,
            income_column=data.income_column,
            category_column=data.category_column,
        )
    )


@st.cache_data(show_spinner=False, max_entries=64)
def descriptions_frame(key: ModelKey, k: int, value_column: str) -> pd.DataFrame:
    """The numbers of :func:`descriptions` as one row per cluster."""
    return descriptions_table(descriptions(key, k, value_column))


@st.cache_resource(show_spinner=False, max_entries=64)
def separation(key: ModelKey, k: int, value_column: str) -> SeparationResult:
    """Eta squared and Kruskal-Wallis of a column across the clusters at k."""
    return price_separation(
        column_values(key.source, value_column),
        row_labels(key, k).labels,
        value_name=dataset(key.source).label(value_column).lower(),
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def value_check(key: ModelKey, k: int, value_column: str) -> PriceCheckResult | None:
    """A column's median per cluster on the train rows vs the test rows (None without a split)."""
    return train_test_check(
        column_values(key.source, value_column), row_labels(key, k).labels, fit_rows(key)
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def train_test_figure(key: ModelKey, k: int, value_column: str) -> go.Figure | None:
    """A column's median per cluster, train beside test (None without a split)."""
    check = value_check(key, k, value_column)
    if check is None:
        return None
    return figures_insight.train_test_chart(
        check, value_label=dataset(key.source).label(value_column).lower()
    )
