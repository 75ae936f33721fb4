"""Caches of the per-k views: map, legend, box plot, elbow chart, profile, CSVs.

One set for both datasets: the housing data (Clusters page) and a user's places ("Your own
places" page). A places key's views take the file's rows as ``_places`` (not hashed: the key
names them); the housing views find their rows from the key's source.
"""

from __future__ import annotations

import hashlib
import logging

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk
import streamlit as st

from components.engine import places, upload
from components.engine.clustering import (
    cluster_profile,
)
from components.engine.export import to_safe_csv
from components.engine.features import FEATURE_CATALOGUE
from components.engine.grouped import GroupSummary
from components.engine.lod import LevelOfDetail, level_of_detail
from components.engine.row_labels import cluster_sizes, labelled_frame, value_summary
from components.engine.sweep.run import SweepResult
from components.figures import charts, deck, maps
from components.figures import lod as lod_figures
from components.figures.legend import legend_table
from components.ui import served_files
from components.ui.cache.base_map import STATIC_DIR, map_style_url
from components.ui.cache.data import column_values, housing
from components.ui.cache.model import RowLabels, row_labels, sweep, sweep_fits
from components.ui.cache.places import places_labels, places_model
from components.ui.keys import SOURCE_PLACES, DataSource, ModelKey
from components.ui.url_state import K_RANGE

_LOGGER = logging.getLogger(__name__)

_TOOLTIP_SKIP = frozenset({"latitude", "longitude", "median_house_value", "median_income"})
_FEATURE_OF_LABEL = {described.label: name for name, described in FEATURE_CATALOGUE.items()}
HOUSING_VALUE_COLUMN = "median_house_value"


# The two datasets differ only in where a model's rows, labels and sweep come from.


def _is_places(key: ModelKey) -> bool:
    return key.source.kind == SOURCE_PLACES


def _places_of(key: ModelKey, data: upload.PlacesData | None) -> upload.PlacesData:
    if data is None:
        raise ValueError(f"The places model {key.source.name[:12]}… needs its file's rows.")
    return data


def _labels(key: ModelKey, k: int, data: upload.PlacesData | None) -> RowLabels:
    if _is_places(key):
        return RowLabels(labels=places_labels(key, k, _places_of(key, data)), is_test=None)
    return row_labels(key, k)


def _values(key: ModelKey, column: str, data: upload.PlacesData | None) -> np.ndarray:
    if _is_places(key):
        return places.numeric_values(_places_of(key, data), column)
    return column_values(key.source, column)


def _sweep(key: ModelKey, data: upload.PlacesData | None) -> SweepResult:
    if _is_places(key):
        return places_model(key, _places_of(key, data)).sweep
    return sweep(key)


@st.cache_resource(show_spinner=False, max_entries=16)
def map_points(source: DataSource, features: tuple[str, ...]) -> maps.MapPoints:
    """Every row of the cluster map formatted once per data and features (not per k)."""
    extra = {
        FEATURE_CATALOGUE[name].label if name in FEATURE_CATALOGUE else name: column_values(
            source, name
        )
        for name in features
        if name not in _TOOLTIP_SKIP
    }
    return maps.map_points(
        column_values(source, "longitude"),
        column_values(source, "latitude"),
        column_values(source, "median_house_value"),
        column_values(source, "median_income"),
        extra,
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def places_map_points(
    source: DataSource, lat_col: str, lon_col: str, _places: upload.PlacesData
) -> maps.MapPoints:
    """The map's rows of a places file formatted once (only the cluster id changes with k)."""
    del source, lat_col, lon_col  # the cache key only
    return maps.places_map_points(_places)


@st.cache_resource(show_spinner=False, max_entries=64)
def cluster_map(
    key: ModelKey,
    k: int,
    show_test: bool = False,
    served: bool = False,
    _places: upload.PlacesData | None = None,
) -> maps.ClusterMap:
    """The cluster map at k, its JSON computed once (rows served by URL when ``served``)."""
    if _is_places(key):
        data = _places_of(key, _places)
        levels = served_places_levels(key, data) if places_map_merges(key, data) else None
        if levels is not None:
            return maps.places_lod_map(
                levels,
                data,
                _labels(key, k, data).labels,
                k,
                value_columns=places.lod_value_columns(data),
                map_style_url=map_style_url(),
            )
        result = maps.places_map(
            data,
            _labels(key, k, data).labels,
            k,
            points=places_map_points(key.source, key.lat_col, key.lon_col, data),
        )
        result.deck.to_json()  # computed once here, not on every rerun
        return result
    # Served, the deck is a few KB and the browser loads the rows once per model from the
    # URLs of map_urls; otherwise (or when those files cannot be written) the deck holds them.
    rows = row_labels(key, k)
    points = map_points(key.source, key.features)
    urls = map_urls(key) if served else None
    if urls is not None:
        served_rows = served_points(key)
        # One layer of clustered rows (no test rows, none missing): drawn by level of detail.
        levels = served_levels(key) if set(served_rows.layer_texts) == {"points"} else None
        result = maps.cluster_map_served(
            points,
            served_rows,
            urls,
            rows.labels,
            k,
            view_state=map_view(key.source),
            show_test=show_test,
            map_style_url=map_style_url(),
            levels=levels,
        )
    else:
        result = maps.cluster_map_from_points(
            points,
            rows.labels,
            k,
            is_test=rows.is_test,
            view_state=map_view(key.source),
            show_test=show_test,
        )
    result.deck.to_json()  # computed once here, not on every rerun
    return result


MAP_FILES_DIR = "maps"


@st.cache_resource(show_spinner=False, max_entries=16)
def served_points(key: ModelKey) -> maps.ServedPoints:
    """The map's rows with the cluster id of every k, formatted once per model."""
    low, high = K_RANGE
    labels_by_k = {k: row_labels(key, k).labels for k in range(low, high + 1)}
    return maps.served_points(
        map_points(key.source, key.features), labels_by_k, row_labels(key, low).is_test
    )


LOD_FILES_DIR = "lod"
# Folders of tiles kept (one per model): as many as the map caches hold models.
LOD_FOLDERS_KEPT = 16


@st.cache_resource(show_spinner=False, max_entries=16)
def _levels(key: ModelKey) -> tuple[LevelOfDetail, str]:
    """A model's level of detail and the name of its tiles' folder (from the rows it holds)."""
    low, high = K_RANGE
    labels_by_k = {k: row_labels(key, k).labels for k in range(low, high + 1)}
    longitude = column_values(key.source, "longitude")
    latitude = column_values(key.source, "latitude")
    values = {
        "v": column_values(key.source, "median_house_value") / 1000,
        "i": column_values(key.source, "median_income") * 10,
    }
    # The tooltip's extra features, as on the map of every point (x0, x1, ... in order).
    extra = map_points(key.source, key.features).tooltip_features
    for index, label in enumerate(extra):
        values[f"x{index}"] = column_values(key.source, _FEATURE_OF_LABEL.get(label, label))
    levels = level_of_detail(longitude, latitude, labels_by_k, values)
    digest = hashlib.sha256()
    for array in (longitude, latitude, *labels_by_k.values()):
        digest.update(np.ascontiguousarray(array).tobytes())
    return levels, digest.hexdigest()[:24]


def served_levels(key: ModelKey) -> lod_figures.ServedLevels | None:
    """The cluster map's level-of-detail tiles of a model, written to the static folder if missing.

    Not cached, like :func:`map_urls`: the check is one stat, and it rewrites a folder
    pruned since.

    Returns
    -------
    ServedLevels or None
        Where the tiles are; None when they cannot be written (the map then draws every
        point).
    """
    levels, name = _levels(key)
    directory = STATIC_DIR / LOD_FILES_DIR

    def files() -> dict[str, bytes]:
        # Only when the folder is new: keep the newest folders beside it.
        if directory.is_dir():
            served_files.prune_folders(directory, keep=LOD_FOLDERS_KEPT - 1)
        return lod_figures.tile_files(levels, {name: name for name in levels.levels[0].values})

    try:
        served_files.ensure_folder(directory, name, files)
    except OSError as error:
        _LOGGER.warning("No map tiles in %s (%s); drawing every point.", STATIC_DIR, error)
        return None
    return lod_figures.ServedLevels(
        url_template=f"{served_files.STATIC_URL_PREFIX}{LOD_FILES_DIR}/{name}/{{z}}/{{x}}/{{y}}.json",
        extent=levels.extent,
        max_zoom=levels.max_zoom,
        k_values=levels.k_values,
    )


def places_map_merges(key: ModelKey, data: upload.PlacesData) -> bool:
    """Whether a places map draws merged cells (many places, tiles servable) or every place."""
    return places_model(key, data).n_clustered > places.MAX_MAP_POINTS and bool(
        st.get_option("server.enableStaticServing")
    )


def served_places_levels(key: ModelKey, data: upload.PlacesData) -> lod_figures.ServedLevels | None:
    """The level-of-detail tiles of a places model, written to the static folder if missing.

    Not cached: the check is a stat and a read of the small manifest. The folder's name is
    the key's hash (the key names the file by its sha256 and every setting), so the cells
    are only computed when the folder is missing.

    Returns
    -------
    ServedLevels or None
        Where the tiles are; None when they cannot be written (the map then draws a sample).
    """
    name = "p" + hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:23]
    directory = STATIC_DIR / LOD_FILES_DIR

    def files() -> dict[str, bytes]:
        if directory.is_dir():
            served_files.prune_folders(directory, keep=LOD_FOLDERS_KEPT - 1)
        levels = places.places_level_of_detail(data, places_model(key, data))
        tiles = lod_figures.tile_files(levels, {name: name for name in levels.levels[0].values})
        return {**tiles, lod_figures.LEVELS_MANIFEST: lod_figures.levels_manifest(levels)}

    try:
        folder = served_files.ensure_folder(directory, name, files)
        manifest = (folder / lod_figures.LEVELS_MANIFEST).read_bytes()
        return lod_figures.served_levels_of(
            manifest,
            f"{served_files.STATIC_URL_PREFIX}{LOD_FILES_DIR}/{name}/{{z}}/{{x}}/{{y}}.json",
        )
    except (OSError, ValueError) as error:
        _LOGGER.warning("No map tiles in %s (%s); drawing a sample.", STATIC_DIR, error)
        return None


def map_urls(key: ModelKey) -> dict[str, str] | None:
    """URLs of the map's row files, written to the static folder if missing.

    Not cached: the check that each file exists is a stat per layer, and it
    rewrites a file that was pruned or deleted since.

    Parameters
    ----------
    key : ModelKey
        The model.

    Returns
    -------
    dict of str to str, or None
        Relative URL per layer id; None when static serving is off or the files
        cannot be written (e.g. a read-only app folder): the map must carry its rows.
    """
    if not st.get_option("server.enableStaticServing"):
        return None
    served = served_points(key)
    names = _map_file_names(key)
    try:
        for layer_id, text in served.layer_texts.items():
            served_files.ensure_file(STATIC_DIR / MAP_FILES_DIR, names[layer_id], text)
    except OSError as error:
        _LOGGER.warning("Map rows not served from %s (%s); sending them inline.", STATIC_DIR, error)
        return None
    if set(served.layer_texts) == {"points"}:
        served_levels(key)  # and the level-of-detail tiles the map draws them with
    return {
        layer_id: f"{served_files.STATIC_URL_PREFIX}{MAP_FILES_DIR}/{name}"
        for layer_id, name in names.items()
    }


@st.cache_resource(show_spinner=False, max_entries=16)
def _map_file_names(key: ModelKey) -> dict[str, str]:
    return {
        layer_id: served_files.content_name(text)
        for layer_id, text in served_points(key).layer_texts.items()
    }


@st.cache_resource(show_spinner=False, max_entries=4)
def map_view(source: DataSource) -> pdk.ViewState:
    """The initial camera of the data's maps (constant, so reruns do not move the map)."""
    return deck.view_state_for(
        column_values(source, "longitude"), column_values(source, "latitude")
    )


@st.cache_data(show_spinner=False, max_entries=128)
def profile(
    key: ModelKey,
    k: int,
    value_column: str = HOUSING_VALUE_COLUMN,
    _places: upload.PlacesData | None = None,
) -> pd.DataFrame:
    """The engine's per-cluster profile at k of a value column (train and test rows together)."""
    labels = np.asarray(_labels(key, k, _places).labels)
    if _is_places(key):
        data = _places_of(key, _places)
        return places.places_profile(
            data,
            labels,
            key.features,
            k,
            value_column,
            value_summary=_value_summary(key, k, value_column, data),
        )
    frame = housing(key.source).frame
    return cluster_profile(frame, labels, key.features, value_column, n_clusters=k)


@st.cache_resource(show_spinner="Describing the clusters of every k…", max_entries=16)
def warm_profiles(key: ModelKey) -> int:
    """Compute the profile of every k of the sweep once, so a k change only reads caches."""
    # The profile (pandas group-bys over every column) is the slowest per-k view.
    k_values = sweep_fits(key).k_values
    for k in k_values:
        profile(key, k)
    return len(k_values)


@st.cache_data(show_spinner=False, max_entries=64)
def legend(
    key: ModelKey,
    k: int,
    value_column: str = HOUSING_VALUE_COLUMN,
    _places: upload.PlacesData | None = None,
) -> pd.DataFrame:
    """Legend rows at k: colour, cluster, rows, share and the median of a value column."""
    return legend_table(
        cluster_sizes(
            _labels(key, k, _places).labels,
            k,
            _values(key, value_column, _places),
            summary=_value_summary(key, k, value_column, _places),
        )
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _value_summary(
    key: ModelKey, k: int, value_column: str, _places: upload.PlacesData | None = None
) -> GroupSummary:
    """A column's quartiles per cluster at k, shared by the legend, box plot and profile."""
    return value_summary(_labels(key, k, _places).labels, k, _values(key, value_column, _places))


@st.cache_resource(show_spinner=False, max_entries=64)
def box_figure(
    key: ModelKey, k: int, feature: str, _places: upload.PlacesData | None = None
) -> go.Figure:
    """Box plot of a feature per cluster at k (train vs test with a split)."""
    rows = _labels(key, k, _places)
    described = None if _is_places(key) else FEATURE_CATALOGUE.get(feature)
    return charts.feature_boxplot(
        _values(key, feature, _places),
        rows.labels,
        k,
        feature_label=described.label if described else feature,
        cap=described.cap if described else None,
        is_test=rows.is_test,
        summary=None if rows.is_test is not None else _value_summary(key, k, feature, _places),
    )


def suggestions_of(result: SweepResult) -> tuple[charts.SuggestedK, ...]:
    """The sweep's named k suggestions, for the elbow chart."""
    suggestion = result.suggestion
    named = []
    if suggestion.knee is not None:
        named.append(charts.SuggestedK("knee", suggestion.knee))
    named.append(charts.SuggestedK("best silhouette", suggestion.best_silhouette))
    named.append(charts.SuggestedK("best Calinski-Harabasz", suggestion.best_calinski_harabasz))
    return tuple(named)


@st.cache_resource(show_spinner=False, max_entries=16)
def _elbow_base(key: ModelKey, _places: upload.PlacesData | None = None) -> dict:
    result = _sweep(key, _places)
    title = "Silhouette" if result.silhouette_method == "exact" else "Silhouette (sampled)"
    return charts.elbow_chart_base(
        result.k_values,
        result.inertia,
        result.silhouette,
        suggestions=suggestions_of(result),
        silhouette_title=title,
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def elbow_figure(key: ModelKey, k: int, _places: upload.PlacesData | None = None) -> go.Figure:
    """Inertia and silhouette across k with k and the suggestions marked."""
    return charts.mark_current_k(_elbow_base(key, _places), k)


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


@st.cache_data(show_spinner=False, max_entries=8)
def labelled_rows_csv(key: ModelKey, k: int, _places: upload.PlacesData | None = None) -> bytes:
    """The data rows with their cluster at k (and train/test set) as safe CSV bytes."""
    rows = _labels(key, k, _places)
    if _is_places(key):
        return upload.labelled_rows_csv(_places_of(key, _places).frame, rows.labels)
    return to_safe_csv(labelled_frame(housing(key.source).frame, rows))


@st.cache_data(show_spinner=False, max_entries=8)
def profile_csv(key: ModelKey, k: int) -> bytes:
    """The per-cluster profile as safe CSV bytes."""
    table = profile(key, k).drop(columns=["standout_columns", "standout_z"], errors="ignore")
    return to_safe_csv(table)
