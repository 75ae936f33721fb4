"""Every Streamlit cache of the app, keyed by small hashable values.

This is the only module that uses ``st.cache_data`` / ``st.cache_resource``. The rule:

- frames (anything holding a DataFrame) go through ``st.cache_data``, which hands each
  caller its own copy;
- numpy-only results, figures and map decks go through ``st.cache_resource``: they are
  never changed after they are built, and not copying them is what keeps a rerun fast.

The k-sweep holds the labels and centroids of every k, so moving the k slider only
indexes the cached sweep; the per-k views (labels per row, map, box plot, elbow chart,
profile) are cached per (model, k) on top of it.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import (
    figures,
    figures_alternatives,
    figures_insight,
    places,
    served_files,
    upload,
)
from components.alternatives import (
    DEFAULT_GEO_EPS_KM,
    AlgorithmResult,
    GeoDensityResult,
    ToyData,
    compare_algorithms,
    density_clusters_geo,
    make_shapes,
    summarise_density,
)
from components.clustering import KMeansResult, assign_to_centroids, cluster_profile, fit_kmeans
from components.data import HousingData, load_housing, read_housing_csv, validate_frame
from components.describe import (
    ClusterDescription,
    PriceCheckResult,
    SeparationResult,
    describe_clusters,
    descriptions_table,
    price_separation,
    train_test_price_check,
)
from components.export import to_safe_csv
from components.features import FEATURE_CATALOGUE, FeatureMatrix, prepare_features
from components.scaling import ScaledFeatures, scale_features
from components.stability import StabilityResult, clustergram, stability_across_k
from components.sweep import SweepResult, silhouette_values, silhouette_values_for, sweep_k
from components.url_state import K_RANGE, SPLIT_RANDOM_STATE, TEST_SIZE, ClusterSettings

_LOGGER = logging.getLogger(__name__)
SOURCE_FILE = "file"
SOURCE_UPLOAD = "upload"
_MAX_UPLOADS = 4


@dataclass(frozen=True)
class DataSource:
    """Which data the page shows: a file (path and modification time) or an upload.

    Attributes
    ----------
    kind : str
        "file" or "upload".
    name : str
        The file's path, or the upload's sha256.
    version : int
        The file's modification time in ns (so an edited file is re-read); 0 for uploads.
    label : str
        What to tell the user about where the data came from.
    """

    kind: str
    name: str
    version: int = 0
    label: str = ""


@dataclass(frozen=True)
class ModelKey:
    """Everything a sweep depends on (the cache key of the model)."""

    source: DataSource
    features: tuple[str, ...]
    missing: str
    scaler: str
    location_weight: float
    split: bool
    random_state: int
    n_init: str | int


def model_key(source: DataSource, settings: ClusterSettings, scaler: str) -> ModelKey:
    """Build the model key from the page's settings.

    Parameters
    ----------
    source : DataSource
        The data.
    settings : ClusterSettings
        The page's settings (k and the box-plot feature are not part of the model).
    scaler : str
        The scaler actually used (the page may fall back from "geographic").

    Returns
    -------
    ModelKey
        The key; the location weight is normalised to 1.0 unless it applies.
    """
    return ModelKey(
        source=source,
        features=tuple(settings.features),
        missing=settings.missing,
        scaler=scaler,
        location_weight=float(settings.location_weight) if scaler == "geographic" else 1.0,
        split=bool(settings.split),
        random_state=int(settings.random_state),
        n_init=settings.n_init,
    )


# ------------------------------------------------------------------------ data


@st.cache_resource(show_spinner=False)
def _upload_store() -> dict[str, bytes]:
    """Uploaded CSV bytes by sha256, so cached loaders can re-read an upload by its key."""
    return {}


def remember_upload(content: bytes, file_name: str) -> DataSource:
    """Keep an uploaded CSV and return its data source.

    Parameters
    ----------
    content : bytes
        The file's bytes.
    file_name : str
        The name the user's file had (shown back to them).

    Returns
    -------
    DataSource
        An "upload" source keyed by the bytes' sha256.
    """
    digest = hashlib.sha256(content).hexdigest()
    store = _upload_store()
    store[digest] = content
    while len(store) > _MAX_UPLOADS:
        store.pop(next(iter(store)))
    return DataSource(kind=SOURCE_UPLOAD, name=digest, label=f"your upload {file_name}")


@st.cache_data(show_spinner=False, max_entries=4)
def _housing_from_file(path: str, version: int) -> HousingData:
    del version  # part of the cache key only: a changed file is read again
    return load_housing(path, allow_download=False)


@st.cache_data(show_spinner=False, max_entries=_MAX_UPLOADS)
def _housing_from_upload(digest: str) -> HousingData:
    content = _upload_store().get(digest)
    if content is None:
        raise KeyError(f"The upload {digest[:12]}… is no longer held; upload the file again.")
    frame = read_housing_csv(io.BytesIO(content))
    return HousingData(frame=frame, source="upload", report=validate_frame(frame))


def housing(source: DataSource) -> HousingData:
    """Return the validated housing data of a source (cached; a copy per call).

    Parameters
    ----------
    source : DataSource
        A file or an upload.

    Returns
    -------
    HousingData
        Frame with derived columns, source and validation report.
    """
    if source.kind == SOURCE_UPLOAD:
        return _housing_from_upload(source.name)
    return _housing_from_file(source.name, source.version)


def file_source(path: Path) -> DataSource:
    """Return the data source of a CSV on disk.

    Parameters
    ----------
    path : Path
        An existing file.

    Returns
    -------
    DataSource
        Keyed by path and modification time.
    """
    return DataSource(
        kind=SOURCE_FILE, name=str(path), version=path.stat().st_mtime_ns, label=str(path)
    )


@dataclass(frozen=True)
class DataOverview:
    """Small facts about the data for the Explore page (no frame, cheap to copy)."""

    n_rows: int
    notes: tuple[str, ...]
    missing: pd.DataFrame
    capped: pd.DataFrame


@st.cache_data(show_spinner=False, max_entries=4)
def data_overview(source: DataSource) -> DataOverview:
    """Missing values and census caps of the data, for the Explore page.

    Parameters
    ----------
    source : DataSource
        The data.

    Returns
    -------
    DataOverview
        Row count, notes, a missing-values table and a capped-values table.
    """
    data = housing(source)
    frame = data.frame
    rows = []
    for name in frame.columns:
        n_missing = int(frame[name].isna().sum())
        rows.append(
            {
                "column": name,
                "missing": n_missing,
                "share": n_missing / max(len(frame), 1),
                "derived": bool(FEATURE_CATALOGUE[name].derived)
                if name in FEATURE_CATALOGUE
                else False,
            }
        )
    capped_rows = []
    for feature in FEATURE_CATALOGUE.values():
        if feature.cap is None or feature.name not in frame.columns:
            continue
        n_capped = int((frame[feature.name] >= feature.cap).sum())
        capped_rows.append(
            {
                "column": feature.name,
                "cap": feature.cap,
                "rows at the cap": n_capped,
                "share": n_capped / max(len(frame), 1),
            }
        )
    return DataOverview(
        n_rows=len(frame),
        notes=data.report.notes,
        missing=pd.DataFrame(rows),
        capped=pd.DataFrame(capped_rows),
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def column_values(source: DataSource, column: str) -> np.ndarray:
    """One column of the data as a read-only float array (NaN where missing).

    Parameters
    ----------
    source : DataSource
        The data.
    column : str
        A numeric column.

    Returns
    -------
    numpy.ndarray
        float64 values, one per row.
    """
    frame = housing(source).frame
    values = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
    values.setflags(write=False)
    return values


def row_count(source: DataSource) -> int:
    """Number of rows of the data."""
    return len(column_values(source, "latitude"))


# ----------------------------------------------------------------------- model


@st.cache_resource(show_spinner=False, max_entries=16)
def prepared(source: DataSource, features: tuple[str, ...], missing: str) -> FeatureMatrix:
    """The feature matrix (rows with missing values excluded or filled).

    Parameters
    ----------
    source : DataSource
        The data.
    features : tuple of str
        Chosen features.
    missing : str
        "exclude" or "median".

    Returns
    -------
    FeatureMatrix
        Values, the rows used and the account of missing values.
    """
    return prepare_features(housing(source).frame, features, missing=missing)


@st.cache_resource(show_spinner=False, max_entries=16)
def scaled(key: ModelKey) -> ScaledFeatures:
    """The scaled matrix (split into train and test when asked).

    Parameters
    ----------
    key : ModelKey
        The model.

    Returns
    -------
    ScaledFeatures
        Scaled rows; row numbers index ``prepared(...).values``.
    """
    matrix = prepared(key.source, key.features, key.missing)
    return scale_features(
        matrix.values,
        matrix.feature_names,
        key.scaler,
        location_weight=key.location_weight,
        test_size=TEST_SIZE if key.split else None,
        random_state=SPLIT_RANDOM_STATE,
    )


def _frame_rows_of_train(key: ModelKey) -> np.ndarray:
    matrix = prepared(key.source, key.features, key.missing)
    return matrix.row_positions[scaled(key).train_rows]


@st.cache_resource(show_spinner="Fitting k-means for every k from 2 to 15…", max_entries=16)
def sweep(key: ModelKey) -> SweepResult:
    """k-means for every k in [2, 15] on the (train) rows, with the quality metrics.

    Cluster ids are numbered north to south at k = 2 and then kept stable as k grows.

    Parameters
    ----------
    key : ModelKey
        The model.

    Returns
    -------
    SweepResult
        Labels and centroids of every k, inertia, silhouette, CH, DB, suggestion.
    """
    latitude = column_values(key.source, "latitude")
    low, high = K_RANGE
    return sweep_k(
        scaled(key).train,
        range(low, high + 1),
        random_state=key.random_state,
        n_init=key.n_init,
        order_key=latitude[_frame_rows_of_train(key)],
    )


@dataclass(frozen=True)
class RowLabels:
    """Cluster id of every row of the data (-1: not clustered) and which rows are test rows."""

    labels: np.ndarray
    is_test: np.ndarray | None


@st.cache_resource(show_spinner=False, max_entries=64)
def row_labels(key: ModelKey, k: int) -> RowLabels:
    """Labels for every data row at k: train rows from the sweep, test rows by nearest centroid.

    Parameters
    ----------
    key : ModelKey
        The model.
    k : int
        Number of clusters.

    Returns
    -------
    RowLabels
        Labels aligned with the data frame's rows.
    """
    result = sweep(key)
    scaled_rows = scaled(key)
    matrix = prepared(key.source, key.features, key.missing)
    n_rows = len(column_values(key.source, "latitude"))
    labels = np.full(n_rows, -1, dtype=np.int64)
    labels[matrix.row_positions[scaled_rows.train_rows]] = result.labels_for(k)
    is_test = None
    if scaled_rows.test is not None and scaled_rows.test_rows is not None:
        test_positions = matrix.row_positions[scaled_rows.test_rows]
        labels[test_positions] = assign_to_centroids(scaled_rows.test, result.centroids_for(k))
        is_test = np.zeros(n_rows, dtype=bool)
        is_test[test_positions] = True
        is_test.setflags(write=False)
    labels.setflags(write=False)
    return RowLabels(labels=labels, is_test=is_test)


# ------------------------------------------------------------------- per-k views

_TOOLTIP_SKIP = frozenset({"latitude", "longitude", "median_house_value", "median_income"})


@st.cache_resource(show_spinner=False, max_entries=16)
def map_points(source: DataSource, features: tuple[str, ...]) -> figures.MapPoints:
    """Every row of the cluster map formatted once per data and features (not per k).

    Parameters
    ----------
    source : DataSource
        The data.
    features : tuple of str
        The chosen features (those beyond location, price and income go in the tooltip).

    Returns
    -------
    figures.MapPoints
        The pre-formatted rows.
    """
    extra = {
        FEATURE_CATALOGUE[name].label if name in FEATURE_CATALOGUE else name: column_values(
            source, name
        )
        for name in features
        if name not in _TOOLTIP_SKIP
    }
    return figures.map_points(
        column_values(source, "longitude"),
        column_values(source, "latitude"),
        column_values(source, "median_house_value"),
        column_values(source, "median_income"),
        extra,
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def cluster_map(key: ModelKey, k: int, show_test: bool, served: bool) -> figures.ClusterMap:
    """The cluster map at k, its JSON already computed.

    Parameters
    ----------
    key : ModelKey
        The model.
    k : int
        Number of clusters.
    show_test : bool
        Draw the test rows.
    served : bool
        Name the URLs of :func:`map_urls` (a deck of a few KB; the browser loads the
        rows once per model) instead of putting the rows in the deck.

    Returns
    -------
    figures.ClusterMap
        Deck and tooltip contents.
    """
    rows = row_labels(key, k)
    points = map_points(key.source, key.features)
    urls = map_urls(key) if served else None
    if urls is not None:
        result = figures.cluster_map_served(
            points,
            served_points(key),
            urls,
            rows.labels,
            k,
            view_state=map_view(key.source),
            show_test=show_test,
        )
    else:
        result = figures.cluster_map_from_points(
            points,
            rows.labels,
            k,
            is_test=rows.is_test,
            view_state=map_view(key.source),
            show_test=show_test,
        )
    result.deck.to_json()  # computed once here, not on every rerun
    return result


# Streamlit serves this folder (beside app.py) at app/static/ when
# server.enableStaticServing is on (.streamlit/config.toml).
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
MAP_FILES_DIR = "maps"


@st.cache_resource(show_spinner=False, max_entries=16)
def served_points(key: ModelKey) -> figures.ServedPoints:
    """The map's rows with the cluster id of every k, formatted once per model.

    Parameters
    ----------
    key : ModelKey
        The model.

    Returns
    -------
    figures.ServedPoints
        JSON text per layer and where each k's ids are.
    """
    low, high = K_RANGE
    labels_by_k = {k: row_labels(key, k).labels for k in range(low, high + 1)}
    return figures.served_points(
        map_points(key.source, key.features), labels_by_k, row_labels(key, low).is_test
    )


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
def map_view(source: DataSource) -> figures.pdk.ViewState:
    """The initial camera of the data's maps (constant, so reruns do not move the map)."""
    return figures.view_state_for(
        column_values(source, "longitude"), column_values(source, "latitude")
    )


@st.cache_data(show_spinner=False, max_entries=128)
def profile(key: ModelKey, k: int) -> pd.DataFrame:
    """The engine's per-cluster profile at k (train and test rows together).

    Parameters
    ----------
    key : ModelKey
        The model.
    k : int
        Number of clusters.

    Returns
    -------
    pandas.DataFrame
        One row per cluster id.
    """
    frame = housing(key.source).frame
    return cluster_profile(frame, np.asarray(row_labels(key, k).labels), key.features, n_clusters=k)


@st.cache_resource(show_spinner="Describing the clusters of every k…", max_entries=16)
def warm_profiles(key: ModelKey) -> int:
    """Compute the profile of every k of the sweep once, so a k change only reads caches.

    The profile (pandas group-bys over every column) is the slowest per-k view;
    doing all k's right after the sweep keeps moving the slider instant.

    Parameters
    ----------
    key : ModelKey
        The model.

    Returns
    -------
    int
        How many k's were described.
    """
    k_values = sweep(key).k_values
    for k in k_values:
        profile(key, k)
    return len(k_values)


@st.cache_data(show_spinner=False, max_entries=64)
def legend(key: ModelKey, k: int) -> pd.DataFrame:
    """Legend rows: colour, cluster, size, share and median price per cluster.

    Parameters
    ----------
    key : ModelKey
        The model.
    k : int
        Number of clusters.

    Returns
    -------
    pandas.DataFrame
        Columns colour, cluster, rows, share, median house value; a last row for the
        rows that were not clustered, if any.
    """
    labels = row_labels(key, k).labels
    value = column_values(key.source, "median_house_value")
    rows = []
    n_clustered = int((labels >= 0).sum())
    for cluster in range(k):
        members = labels == cluster
        size = int(members.sum())
        median = float(np.nanmedian(value[members])) if size else float("nan")
        rows.append(
            {
                "colour": figures.PALETTE[cluster],
                "cluster": str(cluster),
                "rows": size,
                "share": size / max(n_clustered, 1),
                "median house value": median,
            }
        )
    n_unclustered = int((labels < 0).sum())
    if n_unclustered:
        rows.append(
            {
                "colour": figures.NOT_CLUSTERED_COLOUR,
                "cluster": "not clustered",
                "rows": n_unclustered,
                "share": float("nan"),
                "median house value": float(np.nanmedian(value[labels < 0])),
            }
        )
    return pd.DataFrame(rows)


@st.cache_resource(show_spinner=False, max_entries=64)
def box_figure(key: ModelKey, k: int, feature: str) -> go.Figure:
    """Box plot of a feature per cluster at k (train vs test with a split).

    Parameters
    ----------
    key : ModelKey
        The model.
    k : int
        Number of clusters.
    feature : str
        The column to summarise.

    Returns
    -------
    plotly.graph_objects.Figure
        One box per cluster (two with a split).
    """
    rows = row_labels(key, k)
    described = FEATURE_CATALOGUE.get(feature)
    return figures.feature_boxplot(
        column_values(key.source, feature),
        rows.labels,
        k,
        feature_label=described.label if described else feature,
        cap=described.cap if described else None,
        is_test=rows.is_test,
    )


def suggestions_of(result: SweepResult) -> tuple[figures.SuggestedK, ...]:
    """The sweep's named k suggestions, for the elbow chart."""
    suggestion = result.suggestion
    named = []
    if suggestion.knee is not None:
        named.append(figures.SuggestedK("knee", suggestion.knee))
    named.append(figures.SuggestedK("best silhouette", suggestion.best_silhouette))
    named.append(figures.SuggestedK("best Calinski-Harabasz", suggestion.best_calinski_harabasz))
    return tuple(named)


@st.cache_resource(show_spinner=False, max_entries=16)
def _elbow_base(key: ModelKey) -> dict:
    result = sweep(key)
    title = "Silhouette" if result.silhouette_method == "exact" else "Silhouette (sampled)"
    return figures.elbow_chart_base(
        result.k_values,
        result.inertia,
        result.silhouette,
        suggestions=suggestions_of(result),
        silhouette_title=title,
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def elbow_figure(key: ModelKey, k: int) -> go.Figure:
    """Inertia and silhouette across k with k and the suggestions marked.

    Parameters
    ----------
    key : ModelKey
        The model.
    k : int
        The current k.

    Returns
    -------
    plotly.graph_objects.Figure
        The two-panel elbow chart.
    """
    return figures.mark_current_k(_elbow_base(key), k)


@st.cache_data(show_spinner=False, max_entries=8)
def labelled_rows_csv(key: ModelKey, k: int) -> bytes:
    """The data rows with their cluster (and train/test set) as safe CSV bytes.

    Parameters
    ----------
    key : ModelKey
        The model.
    k : int
        Number of clusters.

    Returns
    -------
    bytes
        CSV; cluster -1 marks rows that were not clustered.
    """
    frame = housing(key.source).frame
    rows = row_labels(key, k)
    frame.insert(0, "cluster", np.asarray(rows.labels))
    if rows.is_test is not None:
        frame.insert(1, "set", np.where(rows.is_test, "test", "train"))
    return to_safe_csv(frame)


@st.cache_data(show_spinner=False, max_entries=8)
def profile_csv(key: ModelKey, k: int) -> bytes:
    """The per-cluster profile as safe CSV bytes.

    Parameters
    ----------
    key : ModelKey
        The model.
    k : int
        Number of clusters.

    Returns
    -------
    bytes
        CSV, one row per cluster.
    """
    table = profile(key, k).drop(columns=["standout_columns", "standout_z"], errors="ignore")
    return to_safe_csv(table)


# ------------------------------------------------------------------- explore page


@st.cache_resource(show_spinner=False, max_entries=8)
def value_map(source: DataSource, column: str) -> go.Figure:
    """Map of a column by location (continuous colour scale).

    Parameters
    ----------
    source : DataSource
        The data.
    column : str
        Column to colour by.

    Returns
    -------
    plotly.graph_objects.Figure
        The map.
    """
    view = map_view(source)
    described = FEATURE_CATALOGUE.get(column)
    return figures.value_map_figure(
        column_values(source, "longitude"),
        column_values(source, "latitude"),
        column_values(source, column),
        value_label=described.label if described else column,
        center=(view.longitude, view.latitude),
        zoom=max(float(view.zoom) - 0.4, 1.0),
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def histogram(source: DataSource, column: str) -> go.Figure:
    """Histogram of a column with its census cap marked.

    Parameters
    ----------
    source : DataSource
        The data.
    column : str
        Numeric column.

    Returns
    -------
    plotly.graph_objects.Figure
        The histogram.
    """
    described = FEATURE_CATALOGUE.get(column)
    return figures.histogram_figure(
        column_values(source, column),
        value_label=described.label if described else column,
        cap=described.cap if described else None,
    )


# ------------------------------------------------------------ when k-means fails page

LOCATION_COLUMNS: tuple[str, str] = ("latitude", "longitude")


@dataclass(frozen=True)
class ToyComparison:
    """A toy data set and every algorithm's answer on it (numpy only, never changed)."""

    toy: ToyData
    results: tuple[AlgorithmResult, ...]


@st.cache_resource(show_spinner="Clustering the shapes with six algorithms…", max_entries=32)
def toy_comparison(kind: str, n_samples: int, noise: float, seed: int) -> ToyComparison:
    """Generate a toy shape and cluster it with k-means and the five alternatives.

    Parameters
    ----------
    kind : str
        "moons", "circles" or "blobs".
    n_samples : int
        Number of points, in [20, 5000].
    noise : float
        In [0, 0.5].
    seed : int
        Seed of the points, of k-means and of the Gaussian mixture.

    Returns
    -------
    ToyComparison
        The points and one result per algorithm.
    """
    toy = make_shapes(kind, n_samples, noise, seed)
    results = compare_algorithms(toy.X, toy.y_true, toy.n_clusters, seed)
    return ToyComparison(toy=toy, results=tuple(results))


@st.cache_resource(show_spinner=False, max_entries=32)
def toy_grid_figure(kind: str, n_samples: int, noise: float, seed: int) -> go.Figure:
    """Panels of the toy points coloured by the true groups and by each algorithm."""
    comparison = toy_comparison(kind, n_samples, noise, seed)
    return figures_alternatives.shapes_grid_figure(
        comparison.toy,
        comparison.results,
        panel_height_px=figures_alternatives.panel_height_for(comparison.toy),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def toy_table(kind: str, n_samples: int, noise: float, seed: int) -> pd.DataFrame:
    """ARI, clusters found, noise, fit time and note of each algorithm on the toy shape."""
    return figures_alternatives.comparison_table(
        toy_comparison(kind, n_samples, noise, seed).results
    )


def location_key(source: DataSource) -> ModelKey:
    """The model of k-means on latitude and longitude alone, standardised, seed 0."""
    return ModelKey(
        source=source,
        features=LOCATION_COLUMNS,
        missing="exclude",
        scaler="standard",
        location_weight=1.0,
        split=False,
        random_state=0,
        n_init="auto",
    )


@dataclass(frozen=True)
class LocatedRows:
    """Coordinates and prices of the rows that have a location (numpy only)."""

    latitude: np.ndarray
    longitude: np.ndarray
    median_house_value: np.ndarray
    median_income: np.ndarray


@st.cache_resource(show_spinner=False, max_entries=4)
def located_rows(source: DataSource) -> LocatedRows:
    """The rows with finite latitude and longitude, as read-only arrays."""
    rows = prepared(source, LOCATION_COLUMNS, "exclude").row_positions
    return LocatedRows(
        latitude=column_values(source, "latitude")[rows],
        longitude=column_values(source, "longitude")[rows],
        median_house_value=column_values(source, "median_house_value")[rows],
        median_income=column_values(source, "median_income")[rows],
    )


@st.cache_resource(show_spinner="Finding dense areas…", max_entries=16)
def density_areas(
    source: DataSource, method: str, eps_km: float | None, min_samples: int
) -> GeoDensityResult:
    """DBSCAN or HDBSCAN of the located rows with the haversine metric.

    Parameters
    ----------
    source : DataSource
        The data.
    method : str
        "dbscan" or "hdbscan".
    eps_km : float or None
        DBSCAN radius in km; None for HDBSCAN (which has no radius).
    min_samples : int
        Block groups (the point itself included) needed around a core point.

    Returns
    -------
    GeoDensityResult
        Labels aligned with :func:`located_rows` (noise -1, areas by descending size).
    """
    rows = located_rows(source)
    return density_clusters_geo(
        rows.latitude,
        rows.longitude,
        method,
        DEFAULT_GEO_EPS_KM if eps_km is None else eps_km,
        min_samples,
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def density_map(
    source: DataSource, method: str, eps_km: float | None, min_samples: int
) -> figures.CompactDeck:
    """Map of the dense areas (noise grey), its JSON already computed."""
    rows = located_rows(source)
    deck = figures_alternatives.density_map_deck(
        rows.longitude,
        rows.latitude,
        density_areas(source, method, eps_km, min_samples).labels,
        rows.median_house_value,
        view_state=map_view(source),
    )
    deck.to_json()  # computed once here, not on every rerun
    return deck


@st.cache_data(show_spinner=False, max_entries=16)
def density_summary(
    source: DataSource, method: str, eps_km: float | None, min_samples: int
) -> pd.DataFrame:
    """Size, extent, nearest place and median price of each dense area, noise last."""
    rows = located_rows(source)
    summary = summarise_density(
        density_areas(source, method, eps_km, min_samples).labels,
        rows.latitude,
        rows.longitude,
        values=rows.median_house_value,
    )
    return figures_alternatives.area_table(summary)


@st.cache_resource(show_spinner="Fitting k-means on the locations…", max_entries=16)
def location_kmeans(source: DataSource, n_clusters: int) -> KMeansResult:
    """k-means on standardised latitude and longitude, clusters numbered north to south.

    Parameters
    ----------
    source : DataSource
        The data.
    n_clusters : int
        k, in [2, 15].

    Returns
    -------
    KMeansResult
        Labels aligned with :func:`located_rows`.
    """
    return fit_kmeans(
        scaled(location_key(source)).train,
        n_clusters,
        random_state=0,
        order_key=located_rows(source).latitude,
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def location_kmeans_map(source: DataSource, n_clusters: int) -> figures.ClusterMap:
    """The dashboard's cluster map of the location-only k-means, its JSON already computed."""
    rows = located_rows(source)
    result = figures.cluster_map_deck(
        figures.MapRows(
            longitude=rows.longitude,
            latitude=rows.latitude,
            labels=location_kmeans(source, n_clusters).labels,
            median_house_value=rows.median_house_value,
            median_income=rows.median_income,
            extra={},
        ),
        n_clusters,
        view_state=map_view(source),
        show_test=False,
    )
    result.deck.to_json()  # computed once here, not on every rerun
    return result


@st.cache_data(show_spinner=False, max_entries=16)
def location_kmeans_summary(source: DataSource, n_clusters: int) -> pd.DataFrame:
    """Size, extent, nearest place and median price of each location-only k-means cluster."""
    rows = located_rows(source)
    summary = summarise_density(
        np.asarray(location_kmeans(source, n_clusters).labels),
        rows.latitude,
        rows.longitude,
        values=rows.median_house_value,
    )
    return figures_alternatives.area_table(
        summary, name_of=figures.cluster_name, colour_of=figures.cluster_colour
    )


# ------------------------------------------------------------------- your own places page
# The uploaded bytes stay in the user's session (``st.session_state``) and are never written
# to disk. These caches are keyed by the file's sha256 and the settings; the bytes and the
# parsed file come in as ``_content`` / ``_places``, which Streamlit does not hash, so a rerun
# does not re-hash a large upload, and one session can only reach another's entry by holding
# the very same bytes.


@dataclass(frozen=True)
class PlacesKey:
    """Everything the k-means model of a places file depends on (the cache key).

    Attributes
    ----------
    digest : str
        sha256 of the file's bytes.
    lat_col, lon_col : str
        The coordinate columns used.
    features : tuple of str
        The columns clustered on.
    scaler : str
        The scaler actually used.
    location_weight : float
        The geographic scaler's weight (1.0 for the other scalers).
    random_state : int
        Seed of k-means.
    """

    digest: str
    lat_col: str
    lon_col: str
    features: tuple[str, ...]
    scaler: str
    location_weight: float
    random_state: int


@st.cache_data(show_spinner=False, max_entries=8)
def places_columns(digest: str, _content: bytes) -> tuple[str, ...]:
    """Column names of an uploaded places file; empty when it is not CSV text.

    Parameters
    ----------
    digest : str
        sha256 of the bytes (the cache key).
    _content : bytes
        The file's bytes (not hashed).

    Returns
    -------
    tuple of str
        The names as the reader gives them.
    """
    del digest  # the cache key only
    return places.column_names(_content)


@st.cache_data(show_spinner="Reading your file…", max_entries=8)
def places_data(
    digest: str, file_name: str, lat_col: str | None, lon_col: str | None, _content: bytes
) -> upload.PlacesData:
    """Validate and read an uploaded places file (a copy per call).

    Parameters
    ----------
    digest : str
        sha256 of the bytes (the cache key).
    file_name : str
        The uploaded file's name (its extension is checked).
    lat_col, lon_col : str or None
        Coordinate columns chosen by the user; None: found by name.
    _content : bytes
        The file's bytes (not hashed).

    Returns
    -------
    PlacesData
        The validated rows; raises ``PlacesError`` naming the problem otherwise.
    """
    del digest  # the cache key only
    return upload.read_places_csv(_content, filename=file_name, lat_col=lat_col, lon_col=lon_col)


@st.cache_resource(show_spinner="Fitting k-means for every k…", max_entries=16)
def places_model(key: PlacesKey, _places: upload.PlacesData) -> places.PlacesModel:
    """k-means of the places for every feasible k (the fast exact sweep).

    Parameters
    ----------
    key : PlacesKey
        The model.
    _places : PlacesData
        The file ``key`` describes (not hashed).

    Returns
    -------
    places.PlacesModel
        The sweep over k in [2, k_max]; raises ``PlacesError`` when the features cannot be
        clustered.
    """
    return places.fit_places(
        _places,
        key.features,
        key.scaler,
        location_weight=key.location_weight,
        random_state=key.random_state,
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def places_labels(key: PlacesKey, k: int, _places: upload.PlacesData) -> np.ndarray:
    """Cluster id of every row of the file at k (-1: not clustered), read-only."""
    return places.labels_for(places_model(key, _places), k)


@st.cache_resource(show_spinner=False, max_entries=8)
def places_map_points(
    digest: str, lat_col: str, lon_col: str, _places: upload.PlacesData
) -> figures.MapPoints:
    """The map's rows of a file formatted once (only the cluster id changes with k)."""
    del digest, lat_col, lon_col  # the cache key only
    return places.places_map_points(_places)


@st.cache_resource(show_spinner=False, max_entries=32)
def places_map(key: PlacesKey, k: int, _places: upload.PlacesData) -> figures.ClusterMap:
    """The cluster map of the places at k, framed on their extent, its JSON already computed."""
    result = places.places_map(
        _places,
        places_labels(key, k, _places),
        k,
        points=places_map_points(key.digest, key.lat_col, key.lon_col, _places),
    )
    result.deck.to_json()  # computed once here, not on every rerun
    return result


@st.cache_data(show_spinner=False, max_entries=64)
def places_legend(key: PlacesKey, k: int, column: str, _places: upload.PlacesData) -> pd.DataFrame:
    """Legend rows at k: colour, cluster, rows, share and the median of a column."""
    return places.legend_table(
        places_labels(key, k, _places), k, _places.frame[column].to_numpy(dtype=np.float64)
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def places_box(key: PlacesKey, k: int, column: str, _places: upload.PlacesData) -> go.Figure:
    """Box plot of a numeric column per cluster at k."""
    return places.places_boxplot(_places, places_labels(key, k, _places), k, column)


@st.cache_resource(show_spinner=False, max_entries=16)
def _places_elbow_base(key: PlacesKey, _places: upload.PlacesData) -> dict:
    result = places_model(key, _places).sweep
    return figures.elbow_chart_base(
        result.k_values,
        result.inertia,
        result.silhouette,
        suggestions=suggestions_of(result),
        silhouette_title="Silhouette",
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def places_elbow(key: PlacesKey, k: int, _places: upload.PlacesData) -> go.Figure:
    """Inertia and silhouette across the file's k's with k and the suggestions marked."""
    return figures.mark_current_k(_places_elbow_base(key, _places), k)


@st.cache_data(show_spinner=False, max_entries=64)
def places_profile(key: PlacesKey, k: int, column: str, _places: upload.PlacesData) -> pd.DataFrame:
    """Per-cluster profile at k: size, share, feature means, quartiles of a column."""
    return places.places_profile(_places, places_labels(key, k, _places), key.features, k, column)


@st.cache_data(show_spinner=False, max_entries=4)
def places_rows_csv(key: PlacesKey, k: int, _places: upload.PlacesData) -> bytes:
    """The file's rows with their cluster at k, as spreadsheet-safe CSV (-1: not clustered)."""
    return upload.labelled_rows_csv(_places.frame, places_labels(key, k, _places))


@st.cache_data(show_spinner=False, max_entries=4)
def places_rows_geojson(key: PlacesKey, k: int, _places: upload.PlacesData) -> bytes:
    """The file's rows with their cluster at k, as a GeoJSON FeatureCollection of Points."""
    return upload.labelled_rows_geojson(
        _places.frame, places_labels(key, k, _places), _places.lat_col, _places.lon_col
    )


# ----------------------------------------------------------- choose k and explain pages

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
    frame_rows = _frame_rows_of_train(key)
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
def silhouette_map(key: ModelKey, k: int, border_only: bool) -> figures.CompactDeck:
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
    figures.CompactDeck
        The deck, its JSON already computed.
    """
    points = silhouette_points(key, k)
    deck = figures_insight.silhouette_map_deck(
        column_values(key.source, "longitude")[points.rows],
        column_values(key.source, "latitude")[points.rows],
        points.values,
        points.labels,
        k,
        view_state=map_view(key.source),
        below=figures_insight.BORDER_SILHOUETTE if border_only else None,
    )
    deck.to_json()  # computed once here, not on every rerun
    return deck


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
    train_rows = _frame_rows_of_train(key)
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
