"""The clustering pages' settings: their widgets' keys, the session's settings and the URL.

The settings are kept per data source in the session and written to the URL, so a link
reproduces the view; a link's settings start the widgets when the URL differs from what the
page last wrote. The URL parsing itself is pure and lives in :mod:`components.ui.url_state`;
here it is wired to ``st.query_params`` and the widgets' session state.
"""

from __future__ import annotations

import json
from typing import NoReturn

import streamlit as st

from components.engine.dataset import Dataset
from components.ui import keys, source
from components.ui.text import escape_markdown
from components.ui.url_state import (
    PARAM_NAMES,
    ClusterSettings,
    parse_query_params,
    to_query_params,
)

# Widget keys of the clustering pages (also what AppTest tests address).
K_KEY = "k"
FEATURES_KEY = "features"
SCALER_KEY = "scaler"
WEIGHT_KEY = "location_weight"
SEED_KEY = "seed"
N_INIT_KEY = "n_init"
SPLIT_KEY = "split"
MISSING_KEY = "missing"
VALUE_KEY = "value_column"
METHOD_KEY = "method"
FINE_K_KEY = "fine_k"
TRANSFORM_KEY_PREFIX = "transform::"

_SETTINGS_STATE = "_clusters_settings"  # per source: the settings last shown
_WIDGETS_SOURCE_STATE = "_clusters_widgets_source"  # the source the widgets hold settings of
_URL_WRITTEN_STATE = "_clusters_url_written"
_NOTICES_STATE = "_clusters_url_notices"  # (the settings they are about, the notices)
_PENDING_STATE = "_clusters_pending_link"
PARAM_DATA = "data"
HOUSING_PARAM = "housing"
RESULT_PARAM = "result"
UPLOAD_PARAM_PREFIX = "upload:"


def transform_key(feature: str) -> str:
    """The key of a feature's transform widget."""
    return TRANSFORM_KEY_PREFIX + feature


def source_param(data_source: keys.DataSource) -> str:
    """Return how a link names the data: the census data, or an upload by its sha256's start.

    Parameters
    ----------
    data_source : DataSource
        The data.

    Returns
    -------
    str
        ``HOUSING_PARAM``, ``RESULT_PARAM`` (the Dask result of ``GEOCLUSTER_RESULT``), or
        ``UPLOAD_PARAM_PREFIX`` and the first 16 hex digits.
    """
    if data_source.is_upload:
        return UPLOAD_PARAM_PREFIX + data_source.name[:16]
    return RESULT_PARAM if data_source.kind == keys.SOURCE_DISTRIBUTED else HOUSING_PARAM


def default_settings(dataset: Dataset) -> ClusterSettings:
    """Return the settings a first visit starts from on these data.

    Parameters
    ----------
    dataset : Dataset
        The data (its default features and value column).

    Returns
    -------
    ClusterSettings
        The defaults, with the data's features, value column and scaler.
    """
    return ClusterSettings(
        features=dataset.default_features,
        value_column=dataset.value_column,
        scaler=dataset.default_scaler,
        location_weight=dataset.default_location_weight,
    )


_AUTOMATIC_RERUN_STATE = "_geocluster_automatic_rerun"


def _current_query() -> dict[str, list[str]]:
    names = (*PARAM_NAMES, PARAM_DATA)
    return {name: st.query_params.get_all(name) for name in st.query_params if name in names}


def saved_settings(data_source: keys.DataSource, dataset: Dataset) -> ClusterSettings:
    """Return the settings last shown on this source (the defaults before any).

    Parameters
    ----------
    data_source : DataSource
        The source.
    dataset : Dataset
        Its data (for the defaults).

    Returns
    -------
    ClusterSettings
        What :func:`finish_settings` last kept for the source.
    """
    saved: dict[str, ClusterSettings] = st.session_state.get(_SETTINGS_STATE, {})
    return saved.get(source_param(data_source)) or default_settings(dataset)


def _from_link(
    query: dict[str, list[str]], data_source: keys.DataSource, dataset: Dataset
) -> ClusterSettings | None:
    """Read a link's settings for the data shown; None when they are for other data.

    A link for the census data (or the Dask result, when the server opens one), opened on
    other data, switches the pages to it. A link for an uploaded file that this session does
    not hold keeps its settings until that file is uploaded again, and says so.
    """
    here = source_param(data_source)
    wanted = (query.get(PARAM_DATA) or [HOUSING_PARAM])[-1]
    if wanted != here:
        result = source.readable_result() if wanted == RESULT_PARAM else None
        if wanted == HOUSING_PARAM or result is not None:
            source.use(result)
            st.rerun()
        st.session_state[_PENDING_STATE] = (wanted, query)
        notice = (
            "This link shows the clusters of a Dask result that this server does not open."
            if wanted == RESULT_PARAM
            else "This link shows the clusters of an uploaded file that this session does not "
            "hold. Upload the same file on the Data page to see them: the link's settings are "
            "kept until then."
        )
        st.session_state[_NOTICES_STATE] = (saved_settings(data_source, dataset), (notice,))
        return None
    settings, notices = parse_query_params(
        query, feature_names=dataset.numeric_columns, defaults=default_settings(dataset)
    )
    st.session_state[_NOTICES_STATE] = (settings, notices)
    return settings


def start_settings(data_source: keys.DataSource, dataset: Dataset) -> None:
    """Initialise the clustering pages' widgets from the URL (or the last settings).

    Call before any of the page's widgets is drawn. A link's settings are applied
    when the URL differs from what the page last wrote (first visit, a pasted or
    edited link, the back button); its bad values are ignored and reported by
    :func:`show_url_notices`. Each data source keeps its own settings: switching
    sources brings back the settings last used on the other one.

    Parameters
    ----------
    data_source : DataSource
        The active source.
    dataset : Dataset
        Its data (the features and value columns a link may name).
    """
    here = source_param(data_source)
    query = _current_query()
    pending = st.session_state.get(_PENDING_STATE)
    if pending is not None and pending[0] == here:  # the file a link was for is here now
        del st.session_state[_PENDING_STATE]
        query = pending[1]
        st.session_state[_URL_WRITTEN_STATE] = None
    # A rerun the page asked for itself (the scores are ready) carries the query string of
    # the fragment run that asked, which may predate the URL the last run wrote.
    automatic = st.session_state.pop(_AUTOMATIC_RERUN_STATE, False)
    if query and query != st.session_state.get(_URL_WRITTEN_STATE) and not automatic:
        settings = _from_link(query, data_source, dataset)
        st.session_state[_URL_WRITTEN_STATE] = query
        if settings is not None:
            # Kept as the source's settings: the widgets are set from them below, and what no
            # widget holds (the clusters' names) is read from them.
            use_settings(data_source, settings)
    saved = saved_settings(data_source, dataset)
    values = {
        K_KEY: saved.n_clusters,
        FEATURES_KEY: list(saved.features),  # the multiselect holds a list
        SCALER_KEY: saved.scaler,
        WEIGHT_KEY: saved.location_weight,
        SEED_KEY: saved.random_state,
        N_INIT_KEY: saved.n_init,
        SPLIT_KEY: saved.split,
        MISSING_KEY: saved.missing,
        VALUE_KEY: saved.value_column,
        METHOD_KEY: saved.method,
        FINE_K_KEY: saved.fine_k,
    }
    chosen = dict(saved.transforms)
    values.update({transform_key(name): chosen.get(name, "none") for name in saved.features})
    # The widgets of another source take this source's settings. Otherwise a widget not drawn
    # in the last run (another page, a hidden control) lost its state and takes them, and
    # any other keeps its value, written back: a widget's id includes its page, so the same
    # key on another page is a new widget that would start from its default (Streamlit's
    # idiom).
    keep = st.session_state.get(_WIDGETS_SOURCE_STATE) == here
    st.session_state[_WIDGETS_SOURCE_STATE] = here
    for key, value in values.items():
        st.session_state[key] = st.session_state.get(key, value) if keep else value


def show_url_notices(settings: ClusterSettings) -> None:
    """Show the link's ignored values as warnings until the user changes a setting.

    Parameters
    ----------
    settings : ClusterSettings
        The settings shown; the warnings go once they differ from the link's.
    """
    shown_with, notices = st.session_state.get(_NOTICES_STATE, (None, ()))
    if shown_with == settings:
        for notice in notices:
            st.warning(escape_markdown(notice), icon=":material/link_off:")


def finish_settings(settings: ClusterSettings, data_source: keys.DataSource) -> None:
    """Remember the settings and write them to the URL so the link reproduces the view.

    Parameters
    ----------
    settings : ClusterSettings
        The settings the page shows.
    data_source : DataSource
        Their data (each source keeps its own settings).
    """
    here = source_param(data_source)
    st.session_state.setdefault(_SETTINGS_STATE, {})[here] = settings
    params = {**to_query_params(settings), PARAM_DATA: here}
    written = {name: [value] for name, value in params.items()}
    if written != _current_query():
        st.query_params.from_dict(params)
    st.session_state[_URL_WRITTEN_STATE] = written


def use_settings(data_source: keys.DataSource, settings: ClusterSettings) -> None:
    """Make ``settings`` the source's settings: the clustering pages start from them.

    Parameters
    ----------
    data_source : DataSource
        The source.
    settings : ClusterSettings
        What its pages show next (their widgets are set from them on the next page run).
    """
    st.session_state.setdefault(_SETTINGS_STATE, {})[source_param(data_source)] = settings
    st.session_state[_WIDGETS_SOURCE_STATE] = None


def rerun_page() -> NoReturn:
    """Rerun the whole page on the page's own account (the sweep's scores are ready).

    :func:`start_settings` then keeps the widgets' settings: such a rerun carries the query
    string of the fragment run that asked for it, which may predate the URL the last run
    wrote.
    """
    st.session_state[_AUTOMATIC_RERUN_STATE] = True
    st.rerun(scope="app")


def settings_json(data_source: keys.DataSource, data_name: str, settings: ClusterSettings) -> bytes:
    """The settings of a view as a JSON file: the data, then what the link carries.

    Parameters
    ----------
    data_source : DataSource
        The data (an upload is named by its sha256).
    data_name : str
        The data's name as the page shows it (a file name: kept as text).
    settings : ClusterSettings
        The view's settings.

    Returns
    -------
    bytes
        UTF-8 JSON with ``data`` (as the link names it), ``sha256`` (uploads), ``name`` and
        ``settings`` (the link's parameters).
    """
    document = {
        "data": source_param(data_source),
        "sha256": data_source.name if data_source.is_upload else None,
        "name": data_name,
        "settings": to_query_params(settings),
    }
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
