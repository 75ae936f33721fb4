"""Caches of the classification views: prepared variables, profiles, names, regions, levels."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.engine.classification import profiles
from components.engine.classification.correlation import Correlations, correlations
from components.engine.classification.leave_one_out import leave_one_variable_out
from components.engine.classification.regions import (
    fragmented_clusters,
    neighbour_graph,
    within_cluster_sum_of_squares,
)
from components.engine.classification.transforms import skewness_table
from components.figures import classification as figures
from components.figures import classification_levels as level_figures
from components.ui.cache.data import column_values, dataset
from components.ui.cache.model import (
    applied,
    fit_rows,
    kmeans_key,
    levels,
    method_labels,
    prepared,
    row_labels,
    scaled,
    train_column,
)
from components.ui.keys import ModelKey
from components.ui.url_state import LOCATION_FEATURES

# The columns profiled: the features, the value column, then other numeric columns up to this.
MAX_PROFILE_COLUMNS = 10
# Categories of the census data's ocean proximity that count as "near the ocean".
COASTAL_CATEGORIES = ("NEAR OCEAN", "NEAR BAY", "ISLAND")


def _variables(key: ModelKey) -> list[int]:
    """Positions of the features other than location in the feature matrix."""
    names = prepared(key).feature_names
    return [index for index, name in enumerate(names) if name not in LOCATION_FEATURES]


def _fitted_values(key: ModelKey) -> tuple[np.ndarray, np.ndarray]:
    """The features of the fitted rows before and after their transforms."""
    fitted = scaled(key)
    before = prepared(key).values[fitted.train_rows]
    return before, before if fitted.transforms is None else fitted.transforms.transform(before)


def _labels(key: ModelKey) -> dict[str, str]:
    """The features' labels as the other pages show them (the file's own column names)."""
    data = dataset(key.source)
    return {name: data.label(name) for name in prepared(key).feature_names}


@st.cache_data(show_spinner=False, max_entries=16)
def skewness(key: ModelKey) -> pd.DataFrame:
    """Each variable's skewness before and after its transform, on the fitted rows."""
    columns = _variables(key)
    before, after = _fitted_values(key)
    labels = list(_labels(key).values())
    return skewness_table(before[:, columns], after[:, columns], [labels[i] for i in columns])


@st.cache_resource(show_spinner=False, max_entries=16)
def variable_correlations(key: ModelKey) -> Correlations:
    """Pearson and Spearman correlations of the features as they enter the scaler, labelled.

    Computed on the features' names (location is never proposed for a drop), then shown
    under their labels.
    """
    found = correlations(_fitted_values(key)[1], prepared(key).feature_names)
    labels = _labels(key)
    return replace(
        found,
        pearson=found.pearson.rename(index=labels, columns=labels),
        spearman=found.spearman.rename(index=labels, columns=labels),
        pairs=tuple(
            replace(
                pair,
                first=labels[pair.first],
                second=labels[pair.second],
                drop=None if pair.drop is None else labels[pair.drop],
            )
            for pair in found.pairs
        ),
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def correlation_figure(key: ModelKey, method: str) -> go.Figure:
    """The heatmap of one correlation measure, flagged pairs outlined."""
    return figures.correlation_heatmap(variable_correlations(key), method)


@st.cache_data(show_spinner="Refitting with each variable left out…", max_entries=16)
def left_out(key: ModelKey, k: int) -> pd.DataFrame:
    """The leave-one-variable-out table at k (location leaves as one variable)."""
    names = prepared(key).feature_names
    location = [index for index, name in enumerate(names) if name in LOCATION_FEATURES]
    groups = [("location", location)] if location else []
    labels = _labels(key)
    groups += [(labels[names[index]], [index]) for index in _variables(key)]
    return leave_one_variable_out(
        scaled(key).train, groups, method_labels(key, k), k, random_state=key.random_state
    )


def profile_columns(key: ModelKey, value_column: str) -> list[str]:
    """The columns profiled: features, the value column, other numeric ones; not location."""
    wanted = [*key.features, value_column, *dataset(key.source).numeric_columns]
    unique = [name for name in dict.fromkeys(wanted) if name not in LOCATION_FEATURES]
    return unique[:MAX_PROFILE_COLUMNS]


@st.cache_resource(show_spinner=False, max_entries=32)
def scores(key: ModelKey, k: int, value_column: str) -> profiles.IndexScores:
    """Index scores of the profiled columns at k (standardised where a ratio means nothing)."""
    data = dataset(key.source)
    return profiles.index_scores(
        data.places.frame, row_labels(key, k).labels, profile_columns(key, value_column), k
    )


@st.cache_data(show_spinner=False, max_entries=32)
def separation(key: ModelKey, k: int, value_column: str) -> pd.DataFrame:
    """Per column, eta squared and the ANOVA F of the clusters at k, strongest first."""
    data = dataset(key.source)
    return profiles.separation(
        data.places.frame, row_labels(key, k).labels, profile_columns(key, value_column), k
    )


@st.cache_data(show_spinner=False, max_entries=32)
def drafted_names(key: ModelKey, k: int, value_column: str) -> tuple[str, ...]:
    """A short name per cluster at k from its location and strongest index scores.

    Data with no column but the location get plain numbered names.
    """
    if not profile_columns(key, value_column):
        return tuple(f"Cluster {index}" for index in range(k))
    data = dataset(key.source)
    labels = row_labels(key, k).labels
    clustered = labels >= 0
    ids = labels[clustered]
    counts = np.maximum(np.bincount(ids, minlength=k), 1)
    latitude = column_values(key.source, "latitude")[clustered]
    longitude = column_values(key.source, "longitude")[clustered]
    coastal = None
    if data.category_column is not None and data.is_census:
        near = data.places.frame[data.category_column].isin(COASTAL_CATEGORIES).to_numpy()
        coastal = np.bincount(ids, weights=near[clustered], minlength=k) / counts
    scored = scores(key, k, value_column)
    return tuple(
        profiles.draft_names(
            scored,
            {name: data.label(name).lower() for name in scored.columns},
            np.bincount(ids, weights=latitude, minlength=k) / counts,
            np.bincount(ids, weights=longitude, minlength=k) / counts,
            float(np.median(latitude)),
            float(np.median(longitude)),
            coastal,
        )
    )


def cluster_names(key: ModelKey, k: int, value_column: str, names: tuple[str, ...]) -> list[str]:
    """The names shown for the k clusters: the analyst's where given, else the drafts."""
    drafts = drafted_names(key, k, value_column)
    given = names if len(names) == k else drafts
    return [name or draft for name, draft in zip(given, drafts, strict=True)]


@st.cache_resource(show_spinner=False, max_entries=32)
def index_figure(key: ModelKey, k: int, value_column: str, names: tuple[str, ...]) -> go.Figure:
    """The index-score heatmap at k with the clusters' names."""
    return level_figures.index_heatmap(scores(key, k, value_column), names)


@st.cache_resource(show_spinner=False, max_entries=16)
def levels_figure(key: ModelKey, k: int) -> go.Figure:
    """The tree of how the fine clusters join into the k groups."""
    fitted = levels(key)[k]
    return level_figures.levels_tree(fitted, fitted.fine_names)


@st.cache_data(show_spinner=False, max_entries=16)
def levels_table(key: ModelKey, k: int) -> pd.DataFrame:
    """One row per fine cluster: its name ("2b"), its group and its number of places."""
    fitted = levels(key)[k]
    return pd.DataFrame(
        {
            "fine cluster": fitted.fine_names,
            "group": fitted.coarse_of_fine,
            "places": fitted.fine_sizes,
        }
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def fine_row_labels(key: ModelKey, k: int) -> np.ndarray:
    """Every data row's fine cluster under the two levels (-1: not clustered)."""
    labels = np.full(dataset(key.source).n_rows, -1, dtype=np.int64)
    labels[fit_rows(key).train] = levels(key)[k].fine_labels
    return labels


def method_columns(key: ModelKey, k: int) -> dict[str, np.ndarray]:
    """The method's own columns of every row for the downloads: the fine cluster ("2b")
    under two levels, the typicality under a saved model; none for the others."""
    if key.method == "levels":  # the fine cluster's name ("2b"; empty when not clustered)
        names = np.array([*levels(key)[k].fine_names, ""], dtype=object)
        return {"fine_cluster": names[fine_row_labels(key, k)]}
    if key.method == "model":
        return {"typicality": applied(key).typicality}
    return {}


@st.cache_resource(show_spinner=False, max_entries=16)
def fine_index_figure(key: ModelKey, k: int, value_column: str) -> go.Figure:
    """The index-score heatmap of the fine clusters, named like 2b."""
    fitted = levels(key)[k]
    scored = profiles.index_scores(
        dataset(key.source).places.frame,
        fine_row_labels(key, k),
        profile_columns(key, value_column),
        len(fitted.fine_names),
    )
    return level_figures.index_heatmap(scored, fitted.fine_names)


@st.cache_data(show_spinner="Comparing the regions with the k-means clusters…", max_entries=16)
def regions_against_kmeans(key: ModelKey, k: int) -> pd.DataFrame:
    """Per method at k: clusters that fall apart on the map, and the within sum of squares.

    Fragments are counted in the neighbour graph of every clustered place (8 nearest); the sum
    of squares is over the same scaled features, as a ratio to k-means'.
    """
    kmeans = kmeans_key(key)
    graph = neighbour_graph(train_column(key, "latitude"), train_column(key, "longitude"))
    labels = [method_labels(each, k) for each in (kmeans, replace(kmeans, method="regions"))]
    sums = [within_cluster_sum_of_squares(scaled(key).train, ids) for ids in labels]
    return pd.DataFrame(
        {
            "method": ["k-means", "contiguous regions"],
            "clusters in pieces": [fragmented_clusters(ids, graph) for ids in labels],
            "within sum of squares": sums,
            "ratio to k-means": [total / sums[0] for total in sums],
        }
    )
