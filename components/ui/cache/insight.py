"""Caches of the Choose k and Explain pages: silhouettes, stability, descriptions."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.engine.describe import (
    ClusterDescription,
    PriceCheckResult,
    SeparationResult,
    describe_clusters,
    descriptions_table,
    price_separation,
    train_test_price_check,
)
from components.engine.stability import StabilityResult, clustergram, stability_across_k
from components.engine.sweep import silhouette_values, silhouette_values_for
from components.figures import deck
from components.figures import insight as figures_insight
from components.ui.cache.data import column_values, housing
from components.ui.cache.model import frame_rows_of_train, prepared, row_labels, scaled, sweep
from components.ui.cache.views import map_view, outline_url
from components.ui.keys import ModelKey

SILHOUETTE_POINT_LIMIT = 50_000  # above this many fitted rows, per-point silhouettes use a sample


SILHOUETTE_SAMPLE_SIZE = 20_000


# stability_across_k derives up to 101 further seeds from its seed, which must stay below 2**32.
_STABILITY_SEED_MODULUS = 2**32 - 102


@dataclass(frozen=True)
class SilhouettePoints:
    """Per-point silhouettes of the fitted (train) rows at one k (read-only arrays).

    Attributes
    ----------
    values : numpy.ndarray
        Silhouette of each point, in [-1, 1].
    rows : numpy.ndarray
        Position of each point in the data frame.
    labels : numpy.ndarray
        Cluster id of each point.
    n_fit_rows : int
        Rows k-means was fitted on.
    sampled : bool
        True when the values are those of a random sample of the fitted rows.
    """

    values: np.ndarray
    rows: np.ndarray
    labels: np.ndarray
    n_fit_rows: int
    sampled: bool


@st.cache_resource(show_spinner="Computing the silhouette of every block group…", max_entries=32)
def silhouette_points(key: ModelKey, k: int) -> SilhouettePoints:
    """The exact per-point silhouettes of the sweep's clustering at k.

    Up to ``SILHOUETTE_POINT_LIMIT`` fitted rows every row's exact silhouette is computed (one
    compiled pass, about a second on the housing data); above it, the silhouettes of a fixed
    random sample of ``SILHOUETTE_SAMPLE_SIZE`` rows among themselves.

    Parameters
    ----------
    key : ModelKey
        The model.
    k : int
        Number of clusters.

    Returns
    -------
    SilhouettePoints
        Values, frame rows and labels of the points.
    """
    result = sweep(key)
    train = scaled(key).train
    frame_rows = frame_rows_of_train(key)
    labels = result.labels_for(k)
    sampled = train.shape[0] > SILHOUETTE_POINT_LIMIT
    if sampled:
        chosen = np.sort(
            np.random.default_rng(0).choice(train.shape[0], SILHOUETTE_SAMPLE_SIZE, replace=False)
        )
        values = silhouette_values(train[chosen], labels[chosen])
        frame_rows, labels = frame_rows[chosen], labels[chosen]
    else:
        values = silhouette_values_for(result, train, k)
    arrays = (values, np.array(frame_rows), np.array(labels))
    for array in arrays:
        array.setflags(write=False)
    return SilhouettePoints(*arrays, n_fit_rows=int(train.shape[0]), sampled=sampled)


@st.cache_resource(show_spinner=False, max_entries=64)
def silhouette_figure(key: ModelKey, k: int) -> go.Figure:
    """Silhouette plot at k: each cluster's sorted per-point values, cluster and overall means."""
    points = silhouette_points(key, k)
    return figures_insight.silhouette_plot(
        points.values, points.labels, title=f"Silhouette of each block group, k = {k}"
    )


@st.cache_data(show_spinner=False, max_entries=64)
def silhouette_table(key: ModelKey, k: int) -> pd.DataFrame:
    """Per cluster at k: rows, mean silhouette, shares below 0 and on a border."""
    points = silhouette_points(key, k)
    return figures_insight.silhouette_cluster_table(points.values, points.labels)


@st.cache_resource(show_spinner=False, max_entries=64)
def silhouette_map(key: ModelKey, k: int, border_only: bool) -> deck.CompactDeck:
    """Map of the fitted rows coloured by silhouette (only the border points if asked).

    Parameters
    ----------
    key : ModelKey
        The model.
    k : int
        Number of clusters.
    border_only : bool
        Draw only the points whose silhouette is below ``figures_insight.BORDER_SILHOUETTE``.

    Returns
    -------
    deck.CompactDeck
        The deck, its JSON already computed.
    """
    points = silhouette_points(key, k)
    map_deck = figures_insight.silhouette_map_deck(
        column_values(key.source, "longitude")[points.rows],
        column_values(key.source, "latitude")[points.rows],
        points.values,
        points.labels,
        k,
        view_state=map_view(key.source),
        below=figures_insight.BORDER_SILHOUETTE if border_only else None,
        outline_url=outline_url(),
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
def stability_of_k(key: ModelKey, n_init: str | int, k: int) -> StabilityResult:
    """Stability of one k: the clustering of the sweep with ``n_init`` starts, refitted.

    The reference is the sweep of the same model with ``n_init`` starts per fit (the map the
    user sees with that setting, same colours); the reruns use ``n_init`` starts too. One k at
    a time so the page can show progress; the results equal one run over all k's.

    Parameters
    ----------
    key : ModelKey
        The model.
    n_init : 'auto' or int
        Starts per fit of the check.
    k : int
        Number of clusters.

    Returns
    -------
    StabilityResult
        The stability of that k alone.
    """
    reference = sweep(replace(key, n_init=n_init))
    index = reference.index_of(k)
    return stability_across_k(
        scaled(key).train,
        [k],
        reference_labels=reference.labels[index : index + 1],
        random_state=key.random_state % _STABILITY_SEED_MODULUS,
        n_init=n_init,
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def stability(key: ModelKey, n_init: str | int) -> StabilityResult:
    """Stability of every k of the sweep (the per-k results joined)."""
    return figures_insight.merge_stability_results(
        [stability_of_k(key, n_init, k) for k in sweep(key).k_values]
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def stability_figure(key: ModelKey, n_init: str | int, k: int) -> go.Figure:
    """ARI per k with its spread, thresholds, flagged k's and the current k."""
    return figures_insight.stability_chart(stability(key, n_init), current_k=k)


@st.cache_resource(show_spinner=False, max_entries=64)
def clustergram_figure(key: ModelKey, k_low: int, k_high: int) -> go.Figure:
    """Sankey of how the fitted rows move between clusters from k_low to k_high.

    Parameters
    ----------
    key : ModelKey
        The model.
    k_low, k_high : int
        The first and last k (k_low < k_high, both in the sweep).

    Returns
    -------
    plotly.graph_objects.Figure
        The clustergram, in the map's colours.
    """
    result = sweep(key)
    first, last = result.index_of(k_low), result.index_of(k_high)
    data = clustergram(result.labels[first : last + 1], result.k_values[first : last + 1])
    return figures_insight.clustergram_sankey(data)


@st.cache_data(show_spinner="Describing the clusters…", max_entries=64)
def descriptions(key: ModelKey, k: int) -> tuple[ClusterDescription, ...]:
    """Each cluster at k in words and numbers (train and test rows together)."""
    frame = housing(key.source).frame
    labels = np.asarray(row_labels(key, k).labels)
    return tuple(describe_clusters(frame, labels, key.features))


@st.cache_data(show_spinner=False, max_entries=64)
def descriptions_frame(key: ModelKey, k: int) -> pd.DataFrame:
    """The numbers of :func:`descriptions` as one row per cluster."""
    return descriptions_table(descriptions(key, k))


@st.cache_resource(show_spinner=False, max_entries=64)
def price_separation_of(key: ModelKey, k: int) -> SeparationResult:
    """Eta squared and Kruskal-Wallis of the median house value across the clusters at k."""
    return price_separation(
        column_values(key.source, "median_house_value"), row_labels(key, k).labels
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def price_check(key: ModelKey, k: int) -> PriceCheckResult | None:
    """Median house value per cluster on the train rows vs the test rows (None without a split).

    Parameters
    ----------
    key : ModelKey
        The model.
    k : int
        Number of clusters.

    Returns
    -------
    PriceCheckResult or None
        Per-cluster medians, IQRs and the verdict; None when the model has no test rows.
    """
    scaled_rows = scaled(key)
    if scaled_rows.test_rows is None:
        return None
    values = column_values(key.source, "median_house_value")
    train_rows = frame_rows_of_train(key)
    test_rows = prepared(key.source, key.features, key.missing).row_positions[scaled_rows.test_rows]
    return train_test_price_check(
        values[train_rows],
        sweep(key).labels_for(k),
        values[test_rows],
        row_labels(key, k).labels[test_rows],
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def train_test_figure(key: ModelKey, k: int) -> go.Figure | None:
    """Median house value per cluster, train beside test (None without a split)."""
    check = price_check(key, k)
    if check is None:
        return None
    return figures_insight.train_test_chart(check, value_label="median house value (USD)")
