"""Streamlit building blocks shared by the pages: data source, controls, URL state, legend.

The pages stay thin: they call these blocks and the cached functions of
:mod:`components.ui.cache`. The URL parsing itself is pure and lives in
:mod:`components.ui.url_state`; here it is only wired to ``st.query_params`` and the
widgets' session state.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.engine import data
from components.engine.features import FEATURE_CATALOGUE, FeatureMatrix
from components.engine.scaling import LOCATION_WEIGHT_RANGE, SCALERS, ScaledFeatures
from components.engine.sweep.run import SweepFits, SweepResult
from components.figures import maps
from components.figures.palette import NOT_CLUSTERED_COLOUR, hex_to_rgb
from components.ui import cache, keys, query_probe
from components.ui.text import escape_markdown, message_markdown
from components.ui.url_state import (
    K_RANGE,
    LOCATION_FEATURES,
    N_INIT_CHOICES,
    PARAM_NAMES,
    SEED_RANGE,
    ClusterSettings,
    k_from_chart_points,
    parse_query_params,
    to_query_params,
)

# Widget keys of the Clusters page (also what AppTest tests address).
K_KEY = "k"
FEATURES_KEY = "features"
SCALER_KEY = "scaler"
WEIGHT_KEY = "location_weight"
SEED_KEY = "seed"
N_INIT_KEY = "n_init"
SPLIT_KEY = "split"
MISSING_KEY = "missing"
BOX_KEY = "box_feature"
SHOW_TEST_KEY = "show_test"
ELBOW_KEY = "elbow_chart"
UPLOAD_KEY = "housing_upload"

_SETTINGS_STATE = "_clusters_settings"
_URL_WRITTEN_STATE = "_clusters_url_written"
_NOTICES_STATE = "_clusters_url_notices"
_NOTICE_SETTINGS_STATE = "_clusters_notice_settings"
_DROPPED_QUERY_STATE = "_clusters_dropped_query_settings"
_UPLOAD_SOURCE_STATE = "_upload_source"
_VERIFIED_SOURCE_STATE = "_verified_source"
_PUBLISHED_NOTE_STATE = "_published_note"

_WIDGET_OF_FIELD: dict[str, str] = {
    "n_clusters": K_KEY,
    "features": FEATURES_KEY,
    "scaler": SCALER_KEY,
    "location_weight": WEIGHT_KEY,
    "random_state": SEED_KEY,
    "n_init": N_INIT_KEY,
    "split": SPLIT_KEY,
    "missing": MISSING_KEY,
    "box_feature": BOX_KEY,
}
MISSING_LABELS: dict[str, str] = {
    "exclude": "Leave those rows out (shown grey as 'not clustered')",
    "median": "Fill the gaps with the feature's median",
}


def feature_label(name: str) -> str:
    """Human label of a feature name (the name itself if it is not catalogued)."""
    described = FEATURE_CATALOGUE.get(name)
    return described.label if described else name


def with_feature_labels(frame: pd.DataFrame, column: str = "column") -> pd.DataFrame:
    """A copy of ``frame`` whose ``column`` holds human labels instead of column names."""
    return frame.assign(**{column: frame[column].map(feature_label)})


# ------------------------------------------------------------------- data source


def _on_upload() -> None:
    uploaded = st.session_state.get(UPLOAD_KEY)
    if uploaded is not None:
        source = cache.data.remember_upload(uploaded.getvalue(), uploaded.name)
        st.session_state[_UPLOAD_SOURCE_STATE] = source


def _show_unavailable(message: str | Exception, *, title: str) -> None:
    st.error(f"**{title}** {message_markdown(message)}")
    st.markdown(
        f"The app ships the data as `data/{data.SHIPPED_DATA_PATH.name}`: restore that file "
        f"(`git checkout -- data/{data.SHIPPED_DATA_PATH.name}`), or set the environment "
        f"variable `{data.DATA_ENV_VAR}` to a copy of housing.csv and restart, "
        "or upload the CSV here."
    )
    st.file_uploader(
        "Upload the housing CSV (the California housing data with columns "
        + ", ".join(data.HOUSING_COLUMNS)
        + ")",
        type=["csv"],
        key=UPLOAD_KEY,
        on_change=_on_upload,
    )


def data_source() -> keys.DataSource | None:
    """Find the data (by default the file shipped with the app) and check it loads.

    Shows a clear error with how to provide a local copy, and a file uploader,
    when the data is unavailable or invalid; then returns None and the page should
    stop. Never raises for a missing or bad file.

    Returns
    -------
    DataSource or None
        The source to pass to the cached functions.
    """
    source: keys.DataSource | None = st.session_state.get(_UPLOAD_SOURCE_STATE)
    try:
        if source is None:
            source = cache.data.file_source(data.locate_data(environ=os.environ))
        if st.session_state.get(_VERIFIED_SOURCE_STATE) != source:
            with st.spinner("Loading the housing data…"):
                housing = cache.data.housing(source)
            st.session_state[_VERIFIED_SOURCE_STATE] = source
            # An upload's source is named by its bytes' sha256; a file's is read with it.
            digest = source.name if source.kind == keys.SOURCE_UPLOAD else housing.sha256
            st.session_state[_PUBLISHED_NOTE_STATE] = data.published_note(
                digest, len(housing.frame), source_name(source)
            )
    except data.DataUnavailableError as error:
        _show_unavailable(error, title="The housing data is not available.")
        return None
    except (data.DataValidationError, KeyError) as error:
        st.session_state.pop(_UPLOAD_SOURCE_STATE, None)
        _show_unavailable(error, title="The housing data could not be used.")
        return None
    except OSError as error:  # a fault the engine did not name: no traceback, no server path
        reason = error.strerror or type(error).__name__
        _show_unavailable(
            f"The data file could not be read ({reason}).",
            title="The housing data is not available.",
        )
        return None
    note = st.session_state.get(_PUBLISHED_NOTE_STATE)
    if note:
        st.info(escape_markdown(note), icon=":material/info:")
    return source


def source_name(source: keys.DataSource) -> str:
    """What to call the data to a visitor: a file's name, never the server's path."""
    if source.kind == keys.SOURCE_FILE:
        return data.shown_path(source.name)
    return source.label or source.name


def data_source_caption(source: keys.DataSource) -> None:
    """Say where the data came from, in the sidebar (the file's name only)."""
    st.sidebar.caption(f"Data: {escape_markdown(source_name(source))}")


# -------------------------------------------------------------------- URL state


_AUTOMATIC_RERUN_STATE = "_geocluster_automatic_rerun"


def _current_query() -> dict[str, list[str]]:
    return {name: st.query_params.get_all(name) for name in st.query_params if name in PARAM_NAMES}


def _apply_settings_to_widgets(settings: ClusterSettings) -> None:
    for field, key in _WIDGET_OF_FIELD.items():
        value = getattr(settings, field)
        st.session_state[key] = list(value) if field == "features" else value


def start_settings() -> ClusterSettings:
    """Initialise the Clusters page's widgets from the URL (or the last settings).

    Call before any of the page's widgets is drawn. A link's settings are applied
    when the URL differs from what the page last wrote (first visit, a pasted or
    edited link, the back button); its bad values are ignored and reported by
    :func:`show_url_notices`.

    Returns
    -------
    ClusterSettings
        The settings the widgets start from.
    """
    query = _current_query()
    saved: ClusterSettings = st.session_state.get(_SETTINGS_STATE, ClusterSettings())
    # A rerun the page asked for itself (the scores are ready) carries the query string of
    # the fragment run that asked, which may predate the URL the last run wrote.
    automatic = st.session_state.pop(_AUTOMATIC_RERUN_STATE, False)
    if query and query != st.session_state.get(_URL_WRITTEN_STATE) and not automatic:
        settings, notices = parse_query_params(query)
        _apply_settings_to_widgets(settings)
        st.session_state[_SETTINGS_STATE] = settings
        st.session_state[_NOTICES_STATE] = notices
        st.session_state[_NOTICE_SETTINGS_STATE] = settings
        return settings
    for field, key in _WIDGET_OF_FIELD.items():
        # Widgets that were not drawn in the last run (another page, a hidden
        # control) lost their state; restore it from the last settings.
        if key not in st.session_state:
            value = getattr(saved, field)
            st.session_state[key] = list(value) if field == "features" else value
        else:
            # A widget's id includes its page, so the same key on another page (Choose k,
            # Explain clusters) is a new widget that would start from its default (k=2,
            # no features); writing the value back carries it over (Streamlit's idiom).
            st.session_state[key] = st.session_state[key]
    return saved


def show_url_notices(settings: ClusterSettings) -> None:
    """Show the link's ignored values as warnings until the user changes a setting.

    Also when Streamlit dropped the link's whole query string (more than 1,000 parameters),
    which only the browser can tell (:mod:`components.ui.query_probe`).
    """
    notices: Sequence[str] = st.session_state.get(_NOTICES_STATE, ())
    if notices and st.session_state.get(_NOTICE_SETTINGS_STATE) == settings:
        for notice in notices:
            st.warning(escape_markdown(notice), icon=":material/link_off:")
    dropped = query_probe.dropped_query_notice_from_browser()
    if dropped is not None:
        shown_with = st.session_state.setdefault(_DROPPED_QUERY_STATE, settings)
        if shown_with == settings:
            st.warning(escape_markdown(dropped), icon=":material/link_off:")


def finish_settings(settings: ClusterSettings) -> None:
    """Remember the settings and write them to the URL so the link reproduces the view."""
    st.session_state[_SETTINGS_STATE] = settings
    params = to_query_params(settings)
    written = {name: [value] for name, value in params.items()}
    if written != _current_query():
        st.query_params.from_dict(params)
    st.session_state[_URL_WRITTEN_STATE] = written


# --------------------------------------------------------------------- controls


def _on_elbow_select(elbow_key: str, k_key: str, k_max_state: str | None) -> None:
    state = st.session_state.get(elbow_key)
    points: Sequence[Mapping[str, Any]] = []
    if state is not None:
        selection = state.get("selection") if hasattr(state, "get") else None
        if selection is not None:
            points = selection.get("points", []) or []
    clicked = k_from_chart_points(points)
    if clicked is None:
        return
    if k_max_state is not None and clicked > st.session_state.get(k_max_state, K_RANGE[1]):
        return
    st.session_state[k_key] = clicked


def elbow_click_callback(
    elbow_key: str, k_key: str, k_max_state: str | None = None
) -> Callable[[], None]:
    """Return the elbow chart's ``on_select`` callback: a clicked point's k moves the k slider.

    Parameters
    ----------
    elbow_key : str
        The chart's widget key (its selection is read from the session state).
    k_key : str
        The k slider's widget key.
    k_max_state : str, optional
        Session-state key of the largest k the slider allows; a click above it is ignored.

    Returns
    -------
    callable
        A function of no arguments, for ``st.plotly_chart(on_select=...)``.
    """
    return functools.partial(_on_elbow_select, elbow_key, k_key, k_max_state)


ELBOW_CALLBACK = elbow_click_callback(ELBOW_KEY, K_KEY)


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
    return int(
        container.slider(
            "Number of clusters k", min_value=K_RANGE[0], max_value=k_max, step=1, key=k_key
        )
    )


def scaling_controls(
    container: Any, scaler_key: str, weight_key: str, *, default_weight: float
) -> tuple[str, float]:
    """Draw the scaler select and, for the geographic scaler, its location-weight slider.

    Parameters
    ----------
    container : Streamlit container
        Where to draw them.
    scaler_key, weight_key : str
        The widgets' keys.
    default_weight : float
        The weight returned when the scaler is not geographic (no slider then).

    Returns
    -------
    scaler : str
        A key of ``SCALERS``.
    location_weight : float
        The slider's value, or ``default_weight``.
    """
    scaler = str(
        container.selectbox(
            "Scaling", options=list(SCALERS), format_func=SCALERS.__getitem__, key=scaler_key
        )
    )
    if scaler != "geographic":
        return scaler, default_weight
    low, high = LOCATION_WEIGHT_RANGE
    location_weight = container.slider(
        "Location weight",
        min_value=float(low),
        max_value=float(high),
        step=0.1,
        key=weight_key,
        help="How much where a place is counts against its other features "
        "(1 = like two ordinary features).",
    )
    return scaler, float(location_weight)


def seed_input(seed_key: str) -> int:
    """Draw the k-means seed input (in the current container) and return the seed."""
    low, high = SEED_RANGE
    return int(st.number_input("Random seed", min_value=low, max_value=high, step=1, key=seed_key))


def cluster_controls(source: keys.DataSource) -> tuple[ClusterSettings, str]:
    """Draw the Clusters page's sidebar controls and return the chosen settings.

    Parameters
    ----------
    source : DataSource
        The data (to tell which features have missing values).

    Returns
    -------
    settings : ClusterSettings
        What the user chose.
    scaler : str
        The scaler to use: the chosen one, or "standard" when "geographic" lacks
        latitude/longitude (with a warning).
    """
    sidebar = st.sidebar
    sidebar.header("Clusters")
    n_clusters = k_slider(sidebar, K_KEY, K_RANGE[1])
    features = sidebar.multiselect(
        "Features to cluster on",
        options=list(FEATURE_CATALOGUE),
        format_func=feature_label,
        key=FEATURES_KEY,
        help="K-means groups block groups that are close in these features.",
    )
    saved: ClusterSettings = st.session_state.get(_SETTINGS_STATE, ClusterSettings())
    scaler, location_weight = scaling_controls(
        sidebar, SCALER_KEY, WEIGHT_KEY, default_weight=saved.location_weight
    )
    with sidebar.expander("Fitting", expanded=False):
        random_state = seed_input(SEED_KEY)
        n_init = st.selectbox(
            "k-means restarts (n_init)",
            options=list(N_INIT_CHOICES),
            key=N_INIT_KEY,
            help="'auto' runs k-means++ once; more restarts keep the best of several runs.",
        )
        split = st.checkbox(
            "Train/test split (test_size 0.33, random_state 0)",
            key=SPLIT_KEY,
            help="Fit on two thirds of the rows; assign the rest to the nearest centroid.",
        )
    missing = saved.missing
    if features and _has_missing(source, tuple(features)):
        missing = sidebar.radio(
            "Rows with a missing value",
            options=list(MISSING_LABELS),
            format_func=MISSING_LABELS.__getitem__,
            key=MISSING_KEY,
        )
    settings = replace(
        saved,
        n_clusters=int(n_clusters),
        features=tuple(features),
        scaler=str(scaler),
        location_weight=float(location_weight),
        random_state=int(random_state),
        n_init=n_init,
        split=bool(split),
        missing=str(missing),
    )
    used_scaler = settings.scaler
    if used_scaler == "geographic" and not set(LOCATION_FEATURES) <= set(settings.features):
        st.warning(
            "The geographic scaler needs latitude and longitude among the features; "
            "using the standard scaler until both are chosen."
        )
        used_scaler = "standard"
    return settings, used_scaler


def _has_missing(source: keys.DataSource, features: tuple[str, ...]) -> bool:
    return any(np.isnan(cache.data.column_values(source, name)).any() for name in features)


def box_feature_select(settings: ClusterSettings) -> ClusterSettings:
    """Draw the select of the box plot's feature and return the updated settings."""
    names = list(FEATURE_CATALOGUE)
    feature = st.selectbox(
        "Feature in the box plot", options=names, format_func=feature_label, key=BOX_KEY
    )
    return replace(settings, box_feature=str(feature))


# ----------------------------------------------------------------------- legend


def swatch_data_url(colour: str) -> str:
    """A tiny square of the colour as an SVG data URL (for an image column).

    The colour is validated as ``#RRGGBB`` first, so nothing else can reach the SVG.
    """
    red, green, blue = hex_to_rgb(colour)
    return (
        "data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='20' "
        f"height='20'><rect width='20' height='20' rx='3' fill='rgb({red},{green},{blue})'/></svg>"
    )


def _dollars(value: float) -> str:
    return "" if pd.isna(value) else f"${value:,.0f}"


def cluster_legend(
    table: pd.DataFrame,
    *,
    median_title: str,
    median_text: Callable[[float], str],
    notes: Sequence[str],
    not_clustered_note: str,
    table_key: str,
    median_help: str | None = None,
) -> None:
    """Draw a map's legend: a colour swatch, rows and a median per cluster, then notes.

    The swatch is an image column showing a small SVG square built from our own
    palette; no HTML is rendered and no user text is interpreted.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`components.ui.cache.views.legend`.
    median_title : str
        Header of the median's column.
    median_text : callable
        Formats a median (NaN included) as text.
    notes : sequence of str
        Markdown notes under the table (user text escaped).
    not_clustered_note : str
        The note added when the table has a row of rows not clustered.
    table_key : str
        The table's widget key.
    median_help : str, optional
        Tooltip of the median's header.
    """
    shown = table.assign(
        colour=table["colour"].map(swatch_data_url), median=table["median"].map(median_text)
    )
    st.dataframe(
        shown,
        hide_index=True,
        column_order=("colour", "cluster", "rows", "median"),
        column_config={
            "colour": st.column_config.ImageColumn("", width=30),
            "cluster": st.column_config.TextColumn("cluster"),
            "rows": st.column_config.NumberColumn("rows", format="localized"),
            "median": st.column_config.TextColumn(median_title, help=median_help),
        },
        key=table_key,
    )
    shown_notes = list(notes)
    if (table["colour"] == NOT_CLUSTERED_COLOUR).any():
        shown_notes.append(not_clustered_note)
    st.caption(" ".join(shown_notes))


CENTRE_NOTE = "Big dots with a number: the cluster's centre (mean latitude/longitude)."


def legend(table: pd.DataFrame, *, has_test: bool) -> None:
    """Draw the Clusters page's legend: a colour swatch, size and median price per cluster.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`components.ui.cache.views.legend` of the median house value.
    has_test : bool
        Whether the map shows test rows (as rings).
    """
    notes = [CENTRE_NOTE]
    if has_test:
        notes.append("Rings: test rows, assigned to the nearest centroid.")
    cluster_legend(
        table,
        median_title="median price",
        median_text=_dollars,
        notes=notes,
        not_clustered_note="Grey: rows not clustered (a chosen feature is missing).",
        table_key="legend_table",
    )


def cluster_profile_table(
    profile: pd.DataFrame,
    features: Sequence[str],
    column_config: Mapping[str, Any],
    *,
    table_key: str,
) -> None:
    """Draw a per-cluster profile: size, share, feature means, quartiles, standouts.

    Parameters
    ----------
    profile : pandas.DataFrame
        From :func:`components.ui.cache.views.profile`.
    features : sequence of str
        The clustered features (columns of cluster means).
    column_config : mapping
        The dataset's headers and formats of the feature means and the value_* columns.
    table_key : str
        The table's widget key.
    """
    config: dict[str, Any] = {
        "cluster": st.column_config.NumberColumn("cluster", format="%d"),
        "size": st.column_config.NumberColumn("rows", format="localized"),
        "share": st.column_config.NumberColumn("share", format="percent"),
        "standouts": st.column_config.TextColumn(
            "stands out (z-score of the cluster mean)", width="large"
        ),
        **column_config,
    }
    order = ("cluster", "size", "share", *features, "value_median", "value_q1", "value_q3")
    st.dataframe(
        profile,
        hide_index=True,
        column_order=[name for name in dict.fromkeys((*order, "standouts")) if name in profile],
        column_config=config,
        key=table_key,
    )


def elbow_chart(
    figure: go.Figure, *, chart_key: str, on_select: Callable[[], None], suggestion: str
) -> None:
    """Draw the "Choose k" block: the elbow chart (a click picks k) and the sweep's suggestion.

    Parameters
    ----------
    figure : plotly.graph_objects.Figure
        From :func:`components.ui.cache.views.elbow_figure`.
    chart_key : str
        The chart's widget key (its selection is what ``on_select`` reads).
    on_select : callable
        From :func:`elbow_click_callback`.
    suggestion : str
        The sweep's suggestion, in Markdown.
    """
    _elbow_plot(figure, chart_key=chart_key, on_select=on_select)
    st.info(suggestion, icon=":material/lightbulb:")
    st.caption("Click a point of either curve to show that k.")


SCORES_POLL_S = 0.5


def _elbow_plot(figure: go.Figure, *, chart_key: str, on_select: Callable[[], None]) -> None:
    """The "Choose k" heading and the clickable elbow chart (full or inertia only)."""
    st.subheader("Choose k")
    st.plotly_chart(
        figure,
        key=chart_key,
        on_select=on_select,
        selection_mode="points",
        config={"displayModeBar": False},
    )


def elbow_chart_pending(
    figure: go.Figure,
    *,
    chart_key: str,
    on_select: Callable[[], None],
    job: cache.model.ScoresJob,
) -> None:
    """Draw the "Choose k" block while the sweep's scores are computed in the background.

    The inertia curve is drawn at once; under it a fragment says how long the scores
    have taken, every half second, and reruns the page when they are done (the full
    chart and the suggestion then replace this block without the user doing anything).

    Parameters
    ----------
    figure : plotly.graph_objects.Figure
        From :func:`components.ui.cache.views.inertia_figure`.
    chart_key : str
        The chart's widget key (the same as the full chart's, so a click works in both).
    on_select : callable
        From :func:`elbow_click_callback`.
    job : cache.model.ScoresJob
        The background computation of the scores.
    """
    _elbow_plot(figure, chart_key=chart_key, on_select=on_select)

    @st.fragment(run_every=SCORES_POLL_S)
    def progress() -> None:
        if job.future.done():
            st.session_state[_AUTOMATIC_RERUN_STATE] = True
            st.rerun(scope="app")
        st.info(
            "Computing the silhouette, Calinski-Harabasz and Davies-Bouldin of every k "
            f"in the background ({job.elapsed_s():.0f} s so far); the suggested k "
            "follows. The map and the charts of this k are ready.",
            icon=":material/hourglass_top:",
        )

    progress()
    st.caption("Click a point of the inertia curve to show that k.")


def cluster_map_chart(
    cluster_map: maps.ClusterMap, *, chart_key: str, alt: str, note: str | None = None
) -> None:
    """Draw a cluster map, then a note under it and the columns its tooltip leaves out.

    Parameters
    ----------
    cluster_map : maps.ClusterMap
        From :func:`components.ui.cache.views.cluster_map`.
    chart_key : str
        The chart's widget key.
    alt : str
        The map's text alternative.
    note : str, optional
        A caption under the map (Markdown; user text escaped).
    """
    st.pydeck_chart(cluster_map.deck, height=560, key=chart_key, alt=alt)
    if note:
        st.caption(note)
    if cluster_map.omitted_features:
        # The names may be a user's column names.
        omitted = ", ".join(escape_markdown(name) for name in cluster_map.omitted_features)
        st.caption(f"Not in the map's tooltip (to keep the map small): {omitted}")


def profile_table(profile: pd.DataFrame, features: Sequence[str]) -> None:
    """Draw the Clusters page's profile with readable units and number formats.

    Parameters
    ----------
    profile : pandas.DataFrame
        From :func:`components.ui.cache.views.profile`.
    features : sequence of str
        The chosen features (columns of the profile holding cluster means).
    """
    config: dict[str, Any] = {
        "value_median": st.column_config.NumberColumn("median price (USD)", format="localized"),
        "value_q1": st.column_config.NumberColumn("price q1 (USD)", format="localized"),
        "value_q3": st.column_config.NumberColumn("price q3 (USD)", format="localized"),
    }
    for name in features:
        described = FEATURE_CATALOGUE.get(name)
        label = f"mean of {feature_label(name).lower()}"
        if described is not None and described.unit == "USD":
            config[name] = st.column_config.NumberColumn(f"{label} (USD)", format="localized")
        else:
            config[name] = st.column_config.NumberColumn(label, format="%.2f")
    # Whole dollars: cents of a median of medians mean nothing.
    dollar_columns = ["value_median", "value_q1", "value_q3"] + [
        name
        for name in features
        if name in FEATURE_CATALOGUE and FEATURE_CATALOGUE[name].unit == "USD"
    ]
    shown = profile.assign(**{name: profile[name].round(0) for name in dollar_columns})
    cluster_profile_table(shown, features, config, table_key="profile_table")


# ------------------------------------------------------------ clustering pages


@dataclass(frozen=True)
class ModelView:
    """What a clustering page works from before the sweep's scores: data, settings, fits.

    Attributes
    ----------
    source : keys.DataSource
        The data.
    settings : ClusterSettings
        The sidebar's settings.
    key : keys.ModelKey
        The model of those settings (the key of every cached view).
    matrix : FeatureMatrix
        The chosen features, rows with missing values excluded or filled.
    scaled : ScaledFeatures
        The scaled rows (train and test when split).
    fits : SweepFits
        K-means for every k (labels, centroids, inertia), without the scores.
    """

    source: keys.DataSource
    settings: ClusterSettings
    key: keys.ModelKey
    matrix: FeatureMatrix
    scaled: ScaledFeatures
    fits: SweepFits


@dataclass(frozen=True)
class ClusteredView(ModelView):
    """A :class:`ModelView` with the whole sweep (scores and suggestion) too.

    Attributes
    ----------
    sweep : SweepResult
        K-means for every k, scored.
    """

    sweep: SweepResult


def clustered_model(title: str) -> ModelView:
    """Draw a clustering page's title, data source and sidebar, and fit its model.

    Stops the page (after saying why) when there is no data, no feature is chosen or
    the settings cannot be clustered; shows the notes on missing values, scaling and
    the URL's parameters. Does not wait for the sweep's scores (see :func:`clustered_view`).

    Parameters
    ----------
    title : str
        The page's title.

    Returns
    -------
    ModelView
        Settings, model key and the cached fits.
    """
    st.title(title)
    source = data_source()
    if source is None:
        st.stop()
    start_settings()
    settings, scaler = cluster_controls(source)
    data_source_caption(source)
    if not settings.features:
        st.warning("Choose at least one feature to cluster on.")
        st.stop()
    show_url_notices(settings)
    key = keys.model_key(source, settings, scaler)
    try:
        matrix = cache.model.prepared(source, key.features, key.missing)
        scaled = cache.model.scaled(key)
        fits = cache.model.sweep_fits(key)
    except ValueError as error:
        st.error(f"These settings cannot be clustered: {escape_markdown(str(error))}")
        st.stop()
    if matrix.message:
        st.info(matrix.message, icon=":material/help:")
    if scaled.warning:
        st.warning(scaled.warning, icon=":material/warning:")
    return ModelView(
        source=source, settings=settings, key=key, matrix=matrix, scaled=scaled, fits=fits
    )


def clustered_view(title: str) -> ClusteredView:
    """Like :func:`clustered_model`, and wait for the sweep's scores.

    Parameters
    ----------
    title : str
        The page's title.

    Returns
    -------
    ClusteredView
        Settings, model key and the cached, scored sweep.
    """
    model = clustered_model(title)
    try:
        sweep = cache.model.sweep(model.key)
    except ValueError as error:
        st.error(f"These settings cannot be clustered: {error}")
        st.stop()
    return ClusteredView(
        source=model.source,
        settings=model.settings,
        key=model.key,
        matrix=model.matrix,
        scaled=model.scaled,
        fits=model.fits,
        sweep=sweep,
    )
