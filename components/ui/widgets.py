"""Streamlit building blocks shared by the clustering pages: controls, charts, the model.

The pages stay thin: they call these blocks and the cached functions of
:mod:`components.ui.cache`. The settings and the URL are kept by :mod:`components.ui.settings`,
the legend and profile tables drawn by :mod:`components.ui.tables`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import Any, NoReturn

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.engine import export
from components.engine.classification.transforms import TRANSFORMS
from components.engine.dataset import Dataset
from components.engine.extent import MAP_HEIGHT_PX
from components.engine.features import FeatureMatrix
from components.engine.row_labels import RowLabels
from components.engine.scaling import LOCATION_WEIGHT_RANGE, SCALERS, ScaledFeatures
from components.engine.sweep.run import SweepResult
from components.engine.upload import PlacesError
from components.figures import maps
from components.ui import cache, keys, source
from components.ui.settings import (
    FEATURES_KEY,
    FINE_K_KEY,
    K_KEY,
    METHOD_KEY,
    MISSING_KEY,
    N_INIT_KEY,
    SCALER_KEY,
    SEED_KEY,
    SPLIT_KEY,
    VALUE_KEY,
    WEIGHT_KEY,
    rerun_page,
    saved_settings,
    settings_json,
    show_url_notices,
    start_settings,
    transform_key,
)

# Re-exported: the pages, the app tests and the benchmarks reach them through this module.
from components.ui.settings import finish_settings as finish_settings
from components.ui.text import escape_markdown, message_markdown
from components.ui.upload_budget import BusyError
from components.ui.url_state import (
    FINE_K_RANGE,
    K_RANGE,
    LOCATION_FEATURES,
    METHODS,
    N_INIT_CHOICES,
    SEED_RANGE,
    ClusterSettings,
    k_from_chart_points,
)

ELBOW_KEY = "elbow_chart"
_K_MAX_STATE = "_clusters_k_max"
_K_LOWERED_STATE = "_clusters_k_lowered"  # (the k asked for, the k it was lowered to)
MISSING_LABELS: dict[str, str] = {
    "exclude": "Leave those rows out (shown grey as 'not clustered')",
    "median": "Fill the gaps with the feature's median",
}


# --------------------------------------------------------------------- controls


def on_elbow_select() -> None:
    """The elbow chart's ``on_select`` callback: a clicked point's k moves the k slider.

    A click above the data's largest k (kept in ``_K_MAX_STATE``) is ignored.
    """
    selection = (st.session_state.get(ELBOW_KEY) or {}).get("selection") or {}
    clicked = k_from_chart_points(selection.get("points") or [])
    if clicked is not None and clicked <= st.session_state.get(_K_MAX_STATE, K_RANGE[1]):
        st.session_state[K_KEY] = clicked


def stepped_slider(
    container: Any, label: str, steps: tuple[float, float, float], **options: Any
) -> Any:
    """Draw a slider over ``steps`` in a container and return its value.

    Parameters
    ----------
    container : Streamlit container
        Where to draw it (``st``, the sidebar, a column).
    label : str
        The slider's label.
    steps : tuple of (lowest, highest, step)
        Its range and step, all ints (an int slider) or all floats.
    **options
        The slider's ``key`` and, as ``st.slider`` takes them, ``value`` (a (from, to) pair
        for a range slider), ``help`` and ``disabled``.

    Returns
    -------
    Any
        The chosen value, or (from, to) pair.
    """
    low, high, step = steps
    return container.slider(label, min_value=low, max_value=high, step=step, **options)


def labelled_radio(container: Any, label: str, labels: Mapping[Any, str], **options: Any) -> Any:
    """Draw a radio choice of the keys of ``labels``, each shown by its label; return the key.

    Parameters
    ----------
    container : Streamlit container
        Where to draw it.
    label : str
        The choice's label.
    labels : mapping
        The options, in order, to the Markdown each is shown as.
    **options
        The radio's ``key`` and, as ``st.radio`` takes them, ``horizontal`` and ``help``.

    Returns
    -------
    Any
        The chosen key of ``labels``.
    """
    return container.radio(label, options=list(labels), format_func=labels.__getitem__, **options)


def k_slider(container: Any, k_key: str, k_max: int) -> int:
    """Draw the k slider from 2 to ``k_max`` in a container and return k.

    Parameters
    ----------
    container : Streamlit container
        Where to draw it (the sidebar, or a slot in it).
    k_key : str
        The slider's widget key.
    k_max : int
        The largest k.

    Returns
    -------
    int
        The chosen k.
    """
    return int(stepped_slider(container, "Number of clusters k", (K_RANGE[0], k_max, 1), key=k_key))


def _transform_controls(
    sidebar: Any, features: tuple[str, ...], dataset: Dataset
) -> tuple[tuple[str, str], ...]:
    """A transform per chosen feature (location keeps its scaler); the non-identity ones."""
    variables = [name for name in features if name not in LOCATION_FEATURES]
    if not variables:
        return ()
    chosen: list[tuple[str, str]] = []
    with sidebar.expander("Prepare the variables", expanded=False):
        st.caption(
            "A transform per variable, before the scaler: log(1 + x) and the inverse "
            "hyperbolic sine pull in long right tails; Yeo-Johnson fits a power to each."
        )
        for name in variables:
            how = st.selectbox(
                escape_markdown(dataset.label(name)),  # a widget's label is Markdown
                options=list(TRANSFORMS),
                format_func=TRANSFORMS.__getitem__,
                key=transform_key(name),
            )
            if how != "none":
                chosen.append((name, how))
    return tuple(chosen)


def cluster_controls(
    data_source: keys.DataSource, dataset: Dataset
) -> tuple[ClusterSettings, str, Any]:
    """Draw the clustering pages' sidebar controls and return the chosen settings.

    Parameters
    ----------
    data_source : DataSource
        The data (to tell which features have missing values).
    dataset : Dataset
        Its columns and what it offers (the train/test split of the census data).

    Returns
    -------
    settings : ClusterSettings
        What the user chose (k as the widget holds it: :func:`k_select` bounds it).
    scaler : str
        The scaler to use: the chosen one, or "standard" when "geographic" lacks
        latitude/longitude (with a warning).
    k_slot : container
        Where :func:`k_select` draws the k slider, once the fits say the largest k.
    """
    sidebar = st.sidebar
    sidebar.header("Clusters")
    k_slot = sidebar.container()
    options = list(dataset.numeric_columns)
    stored = st.session_state.get(FEATURES_KEY) or []
    if any(name not in options for name in stored):
        st.session_state[FEATURES_KEY] = [name for name in stored if name in options]
    features = sidebar.multiselect(
        "Features to cluster on",
        options=options,
        format_func=dataset.label,
        key=FEATURES_KEY,
        help=f"K-means groups {dataset.place_word} that are close in these features.",
    )
    saved = saved_settings(data_source, dataset)
    scaler = sidebar.selectbox(
        "Scaling", options=list(SCALERS), format_func=SCALERS.__getitem__, key=SCALER_KEY
    )
    location_weight = saved.location_weight
    if scaler == "geographic":
        low, high = LOCATION_WEIGHT_RANGE
        location_weight = stepped_slider(
            sidebar,
            "Location weight",
            (float(low), float(high), 0.1),
            key=WEIGHT_KEY,
            help="How much where a place is counts against its other features "
            "(1 = like two ordinary features).",
        )
    with sidebar.expander("Fitting", expanded=False):
        random_state = st.number_input(
            "Random seed", min_value=SEED_RANGE[0], max_value=SEED_RANGE[1], step=1, key=SEED_KEY
        )
        n_init = st.selectbox(
            "k-means restarts (n_init)",
            options=list(N_INIT_CHOICES),
            key=N_INIT_KEY,
            help="k-means keeps the best of several k-means++ starts. 'auto' keeps the best of "
            "10 (of 3 on the sample above 100,000 rows); 1 is the tutorial's single run.",
        )
        split = dataset.has_split and st.checkbox(
            "Train/test split (test_size 0.33, random_state 0)",
            key=SPLIT_KEY,
            help="Fit on two thirds of the rows; assign the rest to the nearest centroid.",
        )
    transforms = _transform_controls(sidebar, tuple(features), dataset)
    methods = [name for name in METHODS if name != "model" or cache.saved_models.held(saved.model)]
    if st.session_state.get(METHOD_KEY) not in methods:
        if st.session_state.get(METHOD_KEY) == "model":
            st.warning(
                "These settings apply a saved model that this session does not hold; apply "
                "the model file on the Data page. Showing k-means meanwhile."
            )
        st.session_state[METHOD_KEY] = "kmeans"
    method = sidebar.selectbox(
        "Method",
        options=methods,
        format_func=METHODS.__getitem__,
        key=METHOD_KEY,
        help="k-means; contiguous regions (clusters of neighbouring places, Ward's method on "
        "a nearest-neighbour graph); or two levels (many fine k-means clusters joined by "
        "Ward's method into k groups).",
    )
    fine_k = saved.fine_k
    if method == "levels":
        fine_k = sidebar.slider(
            "Fine clusters",
            *FINE_K_RANGE,
            key=FINE_K_KEY,
            help="k-means clusters of the fine level, each kept whole in one of the k groups.",
        )
    missing = saved.missing
    if any(np.isnan(cache.data.column_values(data_source, name)).any() for name in features):
        missing = labelled_radio(
            sidebar, "Rows with a missing value", MISSING_LABELS, key=MISSING_KEY
        )
    settings = replace(
        saved,
        n_clusters=int(st.session_state.get(K_KEY, saved.n_clusters)),
        features=tuple(features),
        scaler=str(scaler),
        location_weight=float(location_weight),
        random_state=int(random_state),
        n_init=n_init,
        split=bool(split) and method == "kmeans",
        missing=str(missing),
        transforms=transforms,
        method=str(method),
        fine_k=int(fine_k),
    )
    if split and method != "kmeans":
        st.sidebar.caption("The train/test split applies to k-means only.")
    used_scaler = settings.scaler
    if used_scaler == "geographic" and not set(LOCATION_FEATURES) <= set(settings.features):
        st.warning(
            "The geographic scaler needs latitude and longitude among the features; "
            "using the standard scaler until both are chosen."
        )
        used_scaler = "standard"
    return settings, used_scaler, k_slot


def k_select(k_slot: Any, k_values: Sequence[int]) -> int:
    """Draw the k slider, bounded by the data's largest k, and return k.

    A k above the bound (from other data or other features) is lowered to it, with a note.

    Parameters
    ----------
    k_slot : container
        From :func:`cluster_controls`.
    k_values : sequence of int
        The k's the method offers on these data.

    Returns
    -------
    int
        The chosen k, one of ``k_values``.
    """
    k_max = k_values[-1]
    if len(k_values) == 1 and k_max > K_RANGE[0]:  # a saved model's k: nothing to choose
        st.session_state[K_KEY] = k_max
        k_slot.markdown(f"**Number of clusters k = {k_max}** (the saved model's)")
        return k_max
    st.session_state[_K_MAX_STATE] = k_max
    wanted = int(st.session_state.get(K_KEY) or K_RANGE[0])
    k = min(max(wanted, K_RANGE[0]), k_max)
    # Written every run: a slider whose bounds change is a new widget, which would start
    # from its minimum instead of the k shown.
    st.session_state[K_KEY] = k
    if k < wanted:  # said until k is moved: the page's own reruns keep the lowered k
        st.session_state[_K_LOWERED_STATE] = (wanted, k)
    with k_slot:
        if k_max > K_RANGE[0]:
            k = k_slider(st, K_KEY, k_max)
        else:
            st.markdown("**Number of clusters k = 2** (the only k these data allow)")
        if k_max < K_RANGE[1]:
            note = f"k goes up to {k_max} here: there are too few distinct rows for more."
            lowered = st.session_state.get(_K_LOWERED_STATE)
            if lowered is not None and lowered[1] == k:
                note = f"k was lowered from {lowered[0]} to {k}. " + note
            st.caption(note)
    if st.session_state.get(_K_LOWERED_STATE, (0, k))[1] != k:
        del st.session_state[_K_LOWERED_STATE]
    return k


def value_column_select(settings: ClusterSettings, dataset: Dataset) -> ClusterSettings:
    """Draw the select of the column summarised per cluster; return the updated settings."""
    options = list(dataset.numeric_columns)
    if st.session_state.get(VALUE_KEY) not in options:
        st.session_state[VALUE_KEY] = dataset.value_column
    column = st.selectbox(
        "Column per cluster",
        options=options,
        format_func=dataset.label,
        key=VALUE_KEY,
        help="Shown in the box plot, the legend's median and the profile's quartiles.",
    )
    return replace(settings, value_column=str(column))


def _elbow_plot(figure: go.Figure) -> None:
    """The "Choose k" heading and the clickable elbow chart (full or inertia only)."""
    st.subheader("Choose k")
    st.plotly_chart(
        figure,
        key=ELBOW_KEY,
        on_select=on_elbow_select,
        selection_mode="points",
        config={"displayModeBar": False},
    )


def elbow_chart(figure: go.Figure, *, suggestion: str) -> None:
    """Draw the "Choose k" block: the elbow chart (a click picks k) and the sweep's suggestion.

    Parameters
    ----------
    figure : plotly.graph_objects.Figure
        From :func:`components.ui.cache.views.elbow_figure`.
    suggestion : str
        The sweep's suggestion, in Markdown.
    """
    _elbow_plot(figure)
    st.info(suggestion, icon=":material/lightbulb:")
    st.caption("Click a point of either curve to show that k.")


SCORES_POLL_S = 0.5


def elbow_chart_pending(figure: go.Figure, *, job: cache.model.ScoresJob) -> None:
    """Draw the "Choose k" block while the sweep's scores are computed in the background.

    The inertia curve is drawn at once, under the same widget key as the full chart (so a
    click works in both); under it a fragment says how long the scores have taken, every
    half second, and reruns the page when they are done (the full chart and the suggestion
    then replace this block without the user doing anything).

    Parameters
    ----------
    figure : plotly.graph_objects.Figure
        From :func:`components.ui.cache.views.inertia_figure`.
    job : cache.model.ScoresJob
        The background computation of the scores.
    """
    _elbow_plot(figure)

    @st.fragment(run_every=SCORES_POLL_S)
    def progress() -> None:
        if job.future.done():
            rerun_page()
        st.info(
            "Computing the silhouette, Calinski-Harabasz and Davies-Bouldin of every k "
            f"in the background ({job.elapsed_s():.0f} s so far); the suggested k "
            "follows. The map and the charts of this k are ready.",
            icon=":material/hourglass_top:",
        )

    progress()
    st.caption("Click a point of the inertia curve to show that k.")


def cluster_map_chart(
    cluster_map: maps.ClusterMap | None, *, chart_key: str, alt: str, n_left_out: int = 0
) -> None:
    """Draw a cluster map, then what it shows and the columns its tooltip leaves out.

    Parameters
    ----------
    cluster_map : maps.ClusterMap or None
        From :func:`components.ui.cache.views.cluster_map`; None when its tiles cannot be
        served (said instead of a map).
    chart_key : str
        The chart's widget key.
    alt : str
        The map's text alternative.
    n_left_out : int
        Rows not clustered (a chosen feature is missing there): not drawn.
    """
    if cluster_map is None:
        st.warning(
            "The map cannot be drawn: its tiles cannot be written to the app's `static` "
            "folder, or static serving is off. Start the app with the README's command "
            "(`streamlit run serve.py`) from a folder it may write to. The charts and tables "
            "below are complete.",
            icon=":material/map:",
        )
        return
    st.pydeck_chart(cluster_map.deck, height=MAP_HEIGHT_PX, key=chart_key, alt=alt)
    note = (
        "Nearby places share one dot at this zoom, coloured by their most common cluster "
        "(the tooltip gives its share and the count); zoom in for every place."
    )
    if n_left_out:
        note += f" The {n_left_out:,} rows without a cluster are not drawn."
    st.caption(note)
    if cluster_map.omitted_features:
        # The names may be a user's column names.
        omitted = ", ".join(escape_markdown(name) for name in cluster_map.omitted_features)
        st.caption(f"Not in the map's tooltip (to keep the map small): {omitted}")


def download_stem(file_name: str) -> str:
    """A safe stem for download names from the data's name (letters, digits, _ and -)."""
    stem = PurePath(file_name.replace("\\", "/")).name.rsplit(".", 1)[0]
    return re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_")[:60] or "places"


def downloads(
    view: ModelView,
    rows: RowLabels,
    names: Sequence[str] = (),
    extra: Mapping[str, np.ndarray] | None = None,
) -> None:
    """Offer the rows with their cluster (CSV, GeoJSON) and the profiles (CSV) at k.

    The files are built when clicked, from the values given here: the click is served
    outside this session's script, where a session's upload cannot be looked up.
    """
    data, k, value_column = view.dataset, view.settings.n_clusters, view.settings.value_column
    stem = f"{download_stem(data.name)}_k{k}"

    def frame() -> pd.DataFrame:
        return cache.views.export_frame(data, rows, names, extra)

    files: dict[str, tuple[str, bytes | Callable[[], bytes], str, str, str | None]] = {
        "download_rows": (
            "the rows with their cluster (CSV)",
            lambda: export.labelled_rows_csv(frame(), rows.labels),
            f"{stem}_rows.csv",
            "text/csv",
            "Text that a spreadsheet would run as a formula is prefixed with an apostrophe.",
        ),
        "download_geojson": (
            "the rows with their cluster (GeoJSON)",
            lambda: cache.views.rows_geojson(data, frame(), rows.labels),
            f"{stem}_rows.geojson",
            "application/geo+json",
            None,
        ),
        "download_profiles": (
            "the cluster profiles (CSV)",
            cache.views.profile_csv(view.key, k, value_column),
            f"{stem}_profiles.csv",
            "text/csv",
            None,
        ),
        "download_settings": (
            "the settings (JSON)",
            settings_json(view.source, data.name, view.settings),
            f"{stem}_settings.json",
            "application/json",
            "Everything that made these clusters (features, transforms, scaler, method, k, "
            "seed, starts, names), as the link carries it.",
        ),
    }
    for column, (key, (what, content, file_name, mime, help_text)) in zip(
        st.columns(len(files)), files.items(), strict=True
    ):
        column.download_button(
            f"Download {what}",
            data=content,
            file_name=file_name,
            mime=mime,
            on_click="ignore",
            key=key,
            help=help_text,
        )


# ------------------------------------------------------------ clustering pages


@dataclass(frozen=True)
class ModelView:
    """What a clustering page works from before the sweep's scores: data, settings, model.

    Attributes
    ----------
    source : keys.DataSource
        The data's source.
    dataset : Dataset
        The data.
    settings : ClusterSettings
        The sidebar's settings (k bounded by the fits).
    key : keys.ModelKey
        The model of those settings (the key of every cached view).
    matrix : FeatureMatrix
        The chosen features, rows with missing values excluded or filled.
    scaled : ScaledFeatures
        The scaled rows (train and test when split).
    """

    source: keys.DataSource
    dataset: Dataset
    settings: ClusterSettings
    key: keys.ModelKey
    matrix: FeatureMatrix
    scaled: ScaledFeatures


@dataclass(frozen=True)
class ClusteredView(ModelView):
    """A :class:`ModelView` with the whole sweep (scores and suggestion) too.

    Attributes
    ----------
    sweep : SweepResult
        K-means for every k, scored.
    """

    sweep: SweepResult


def _cannot_cluster(error: Exception) -> NoReturn:
    st.error(
        f"**These settings cannot be clustered.** {message_markdown(error)}",
        icon=":material/error:",
    )
    st.stop()


def clustered_model(title: str) -> ModelView:
    """Draw a clustering page's title, data source and sidebar, and fit its model.

    Stops the page (after saying why) when there is no data, no feature is chosen or
    the settings cannot be clustered; shows the notes on missing values, scaling and
    the URL's parameters. Does not wait for the sweep's scores (see :func:`with_scores`).

    Parameters
    ----------
    title : str
        The page's title.

    Returns
    -------
    ModelView
        Data, settings, model key, matrix and scaled rows.
    """
    st.title(title)
    data_source, dataset = source.active_or_stop()
    start_settings(data_source, dataset)
    settings, scaler, k_slot = cluster_controls(data_source, dataset)
    if not settings.features:
        st.warning("Choose at least one feature to cluster on (in the sidebar).")
        st.stop()
    show_url_notices(settings)
    key = keys.model_key(data_source, settings, scaler)
    try:
        matrix = cache.model.prepared(key)
        scaled = cache.model.scaled(key)
        cache.model.sweep_fits(key)  # fitted here: a failure stops the page, saying why
        k_values = cache.model.k_values(key)
    except (PlacesError, ValueError) as error:
        _cannot_cluster(error)
    except BusyError as error:
        source.show_busy(error)
        st.stop()
    settings = replace(settings, n_clusters=k_select(k_slot, k_values))
    try:
        cache.model.row_labels(key, settings.n_clusters)  # a method may refuse this k
    except (PlacesError, ValueError) as error:
        _cannot_cluster(error)
    if matrix.message:
        st.info(escape_markdown(matrix.message), icon=":material/help:")
    if scaled.warning:
        st.warning(escape_markdown(scaled.warning), icon=":material/warning:")
    return ModelView(data_source, dataset, settings, key, matrix, scaled)


def with_scores(model: ModelView) -> ClusteredView:
    """Wait for the sweep's scores of a page's model; stop the page, saying why, if they fail.

    Parameters
    ----------
    model : ModelView
        From :func:`clustered_model`.

    Returns
    -------
    ClusteredView
        The model with the cached, scored sweep.
    """
    try:
        sweep = cache.model.sweep(model.key)
    except ValueError as error:
        _cannot_cluster(error)
    return ClusteredView(**vars(model), sweep=sweep)
