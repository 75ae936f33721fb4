"""Caches of the per-k views: map, legend, box plot, elbow chart, profile, downloads.

One set for every data source: a view is keyed by the model (which names its source) and
k, and reads the rows, labels and sweep through :mod:`components.ui.cache.data` and
:mod:`components.ui.cache.model`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk
import streamlit as st

from components.engine import compact, export
from components.engine.clustering import cluster_profiles, profiles_table
from components.engine.dataset import LATITUDE, LOCATION, LONGITUDE, Dataset
from components.engine.grouped import GroupSummary
from components.engine.lod import level_of_detail
from components.engine.row_labels import RowLabels, cluster_sizes, value_summary
from components.engine.sweep.suggestions import KSuggestion
from components.figures import charts, deck, maps
from components.figures import lod as lod_figures
from components.figures.legend import legend_table
from components.ui import served_files
from components.ui.cache.base_map import STATIC_DIR, map_style_url
from components.ui.cache.data import column_values, dataset
from components.ui.cache.model import k_values, row_labels, sweep, sweep_fits
from components.ui.keys import DataSource, ModelKey

_LOGGER = logging.getLogger(__name__)

LOD_FILES_DIR = "lod"
# Folders of tiles kept (one per model): as many as the map caches hold models.
LOD_FOLDERS_KEPT = 16
# Columns averaged per cell for the map's tooltip.
MAX_TOOLTIP_VALUES = 3


def tooltip_columns(data: Dataset, features: tuple[str, ...]) -> tuple[str, ...]:
    """The columns whose cell means the map's tooltip shows: the value column, then features."""
    wanted = (data.value_column, *features, *data.numeric_columns)
    columns = tuple(name for name in dict.fromkeys(wanted) if name not in LOCATION)
    return columns[:MAX_TOOLTIP_VALUES]


def _level_files(key: ModelKey) -> dict[str, bytes]:
    """The tiles and manifest of a model's level of detail (every k's labels)."""
    offered = k_values(key)
    labels_by_k = {k: row_labels(key, k).labels for k in offered}
    located = np.flatnonzero(labels_by_k[offered[0]] >= 0)  # drawn: the clustered rows
    values = {
        f"x{index}": column_values(key.source, column)[located]
        for index, column in enumerate(tooltip_columns(dataset(key.source), key.features))
    }
    levels = level_of_detail(
        column_values(key.source, "longitude")[located],
        column_values(key.source, "latitude")[located],
        {k: labels[located] for k, labels in labels_by_k.items()},
        values,
    )
    tiles = lod_figures.tile_files(levels, {value: value for value in values})
    return {**tiles, lod_figures.LEVELS_MANIFEST: lod_figures.levels_manifest(levels)}


def served_levels(key: ModelKey) -> lod_figures.ServedLevels | None:
    """The level-of-detail tiles of a model, written to the static folder if missing.

    Not cached: the check is a stat and a read of the small manifest, and it writes again a
    folder pruned since. The folder's name is the key's hash (the key names the data and
    every setting), so the cells are only computed when the folder is missing.

    Returns
    -------
    ServedLevels or None
        Where the tiles are; None when static serving is off or they cannot be written.
    """
    if not st.get_option("server.enableStaticServing"):
        return None
    name = "m" + hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:23]
    directory = STATIC_DIR / LOD_FILES_DIR

    def files() -> dict[str, bytes]:
        if directory.is_dir():  # only when the folder is new: keep the newest beside it
            served_files.prune_folders(directory, keep=LOD_FOLDERS_KEPT - 1)
        return _level_files(key)

    try:
        folder = served_files.ensure_folder(directory, name, files)
        manifest = (folder / lod_figures.LEVELS_MANIFEST).read_bytes()
        return lod_figures.served_levels_of(
            manifest,
            f"{served_files.STATIC_URL_PREFIX}{LOD_FILES_DIR}/{name}/{{z}}/{{x}}/{{y}}.json",
        )
    except (OSError, ValueError) as error:
        _LOGGER.warning("No map tiles in %s (%s).", STATIC_DIR, error)
        return None


def cluster_map(key: ModelKey, k: int) -> maps.ClusterMap | None:
    """The cluster map at k over the model's served tiles (None when they cannot be served).

    The tiles are checked at every call (a folder pruned since is written again); the deck
    is cached.
    """
    levels = served_levels(key)
    return None if levels is None else _cluster_map(key, k, levels)


@st.cache_resource(show_spinner=False, max_entries=64)
def _cluster_map(key: ModelKey, k: int, levels: lod_figures.ServedLevels) -> maps.ClusterMap:
    data = dataset(key.source)
    shown = tooltip_columns(data, key.features)
    result = maps.lod_map(
        levels,
        column_values(key.source, "longitude"),
        column_values(key.source, "latitude"),
        row_labels(key, k).labels,
        k,
        extent=data.places.extent,
        value_labels=[data.label(column) for column in shown],
        omitted_labels=[
            data.label(column)
            for column in data.numeric_columns
            if column not in (*LOCATION, *shown)
        ],
        rows_noun=data.place_word,
        map_style_url=map_style_url(),
    )
    result.deck.to_json()  # computed once here, not on every rerun
    return result


@st.cache_resource(show_spinner=False, max_entries=8)
def map_view(source: DataSource) -> pdk.ViewState:
    """The initial camera of the data's maps (constant, so reruns do not move the map)."""
    return deck.view_state_of(dataset(source).places.extent)


@st.cache_data(show_spinner=False, max_entries=128)
def profile(key: ModelKey, k: int, value_column: str) -> pd.DataFrame:
    """The per-cluster profile at k: size, share, feature means, quartiles of a column."""
    data = dataset(key.source)
    profiles = cluster_profiles(
        data.places.frame,
        row_labels(key, k).labels,
        list(key.features),
        value_column,
        standout_columns=list(data.numeric_columns),
        n_clusters=k,
        value_summary=_value_summary(key, k, value_column),
    )
    table = profiles_table(profiles, key.features)
    # Said with the file's own column names (the coordinates are renamed inside).
    names = data.original_names
    table["standouts"] = [
        ", ".join(
            f"{names.get(name, name)} {z:+.1f} sd"
            for name, z in zip(columns, z_scores, strict=True)
        )
        for columns, z_scores in zip(table["standout_columns"], table["standout_z"], strict=True)
    ]
    return table.drop(columns=["standout_columns", "standout_z"])


@st.cache_resource(show_spinner="Describing the clusters of every k…", max_entries=16)
def warm_profiles(key: ModelKey, value_column: str) -> int:
    """Compute the profile of every k of the sweep once, so a k change only reads caches."""
    offered = k_values(key)
    for k in offered:
        profile(key, k, value_column)
    return len(offered)


@st.cache_data(show_spinner=False, max_entries=64)
def legend(key: ModelKey, k: int, value_column: str) -> pd.DataFrame:
    """Legend rows at k: colour, cluster, rows, share and the median of a value column."""
    return legend_table(
        cluster_sizes(row_labels(key, k).labels, k, _value_summary(key, k, value_column))
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _value_summary(key: ModelKey, k: int, value_column: str) -> GroupSummary:
    """A column's quartiles per cluster at k, shared by the legend, box plot and profile."""
    return value_summary(row_labels(key, k).labels, k, column_values(key.source, value_column))


@st.cache_resource(show_spinner=False, max_entries=64)
def box_figure(key: ModelKey, k: int, column: str, names: tuple[str, ...] = ()) -> go.Figure:
    """Box plot of a column per cluster at k (train vs test with a split), clusters named."""
    rows = row_labels(key, k)
    data = dataset(key.source)
    return charts.feature_boxplot(
        column_values(key.source, column),
        rows.labels,
        k,
        feature_label=data.label(column),
        cap=data.cap(column),
        is_test=rows.is_test,
        summary=None if rows.is_test is not None else _value_summary(key, k, column),
        names=names,
    )


def suggestions_of(suggestion: KSuggestion) -> tuple[charts.SuggestedK, ...]:
    """The sweep's named k suggestions (the knee only when there is one)."""
    named = (
        ("knee", suggestion.knee),
        ("best silhouette", suggestion.best_silhouette),
        ("best Calinski-Harabasz", suggestion.best_calinski_harabasz),
    )
    return tuple(charts.SuggestedK(name, k) for name, k in named if k is not None)


@st.cache_resource(show_spinner=False, max_entries=16)
def _elbow_base(key: ModelKey) -> dict:
    result = sweep(key)
    title = "Silhouette" if result.silhouette_method == "exact" else "Silhouette (sampled)"
    return charts.elbow_chart_base(
        result.k_values,
        result.inertia,
        result.silhouette,
        suggestions=suggestions_of(result.suggestion),
        silhouette_title=title,
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def elbow_figure(key: ModelKey, k: int) -> go.Figure:
    """Inertia and silhouette across k with k and the suggestions marked."""
    return charts.mark_current_k(_elbow_base(key), k)


SCORING_TITLE = "Silhouette: computing…"


@st.cache_resource(show_spinner=False, max_entries=16)
def _inertia_base(key: ModelKey) -> dict:
    fits = sweep_fits(key)
    pending = np.full(len(fits.k_values), np.nan)  # drawn as a gap until the scores come
    return charts.elbow_chart_base(
        fits.k_values, fits.inertia, pending, silhouette_title=SCORING_TITLE
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def inertia_figure(key: ModelKey, k: int) -> go.Figure:
    """The elbow chart while the scores are computed: the inertia curve, k marked."""
    return charts.mark_current_k(_inertia_base(key), k)


def export_frame(
    data: Dataset,
    rows: RowLabels,
    names: Sequence[str] = (),
    extra: Mapping[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """The data's rows under the file's own column names, with their set when split, their
    cluster's name when named and the method's own columns (``extra``: a fine cluster such
    as "2b" under two levels, a typicality under a saved model)."""
    frame = data.places.frame.rename(columns=dict(data.original_names))
    if rows.is_test is not None:
        frame = frame.assign(set=np.where(rows.is_test, "test", "train"))
    if names:
        named = np.array([*names, ""], dtype=object)  # -1 (not clustered) reads the last
        frame = frame.assign(cluster_name=named[rows.labels])
    if extra:
        frame = frame.assign(**extra)
    return frame


def rows_geojson(
    data: Dataset, frame: pd.DataFrame, labels: np.ndarray, label_column: str = "cluster"
) -> bytes:
    """Rows of the data with their cluster as a GeoJSON FeatureCollection of Points.

    Parameters
    ----------
    data : Dataset
        The data (which of its file's columns are the coordinates).
    frame : pandas.DataFrame
        Its rows under the file's own column names (from :func:`export_frame`).
    labels : numpy.ndarray
        Each row's cluster.
    label_column : str
        The cluster's property name.

    Returns
    -------
    bytes
        The GeoJSON.
    """
    original = dict(data.original_names)
    return export.labelled_rows_geojson(
        compact.exact_float64_frame(frame),
        labels,
        original.get(LATITUDE, LATITUDE),
        original.get(LONGITUDE, LONGITUDE),
        label_column=label_column,
    )


@st.cache_data(show_spinner=False, max_entries=8)
def profile_csv(key: ModelKey, k: int, value_column: str) -> bytes:
    """The per-cluster profile as safe CSV bytes."""
    return export.to_safe_csv(profile(key, k, value_column))
