"""Streamlit blocks of the "Your own places" page: upload, coordinates, controls, tables.

Every file reaches the page through :func:`places_from_upload` (the uploader's callback and the
"Try an example" button both call it), which keeps the bytes in this session's
``st.session_state`` only; nothing is written to disk. The page's widgets use keys starting with
``places_`` so they never meet the Clusters page's settings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from components.engine import places, upload
from components.ui.cache import uploads
from components.ui.text import escape_markdown, message_markdown
from components.ui.widgets import (
    CENTRE_NOTE,
    cluster_legend,
    cluster_profile_table,
    elbow_click_callback,
    k_slider,
    scaling_controls,
    seed_input,
)

UPLOAD_KEY_PREFIX = "places_upload"
EXAMPLE_KEY = "places_example"
FORGET_KEY = "places_forget"
LAT_KEY = "places_lat"
LON_KEY = "places_lon"
FEATURES_KEY = "places_features"
SCALER_KEY = "places_scaler"
WEIGHT_KEY = "places_location_weight"
SEED_KEY = "places_seed"
K_KEY = "places_k"
VALUE_KEY = "places_value_column"
ELBOW_KEY = "places_elbow"

FILE_STATE = "_places_file"
_SAVED_STATE = "_places_saved_widgets"
_NONCE_STATE = "_places_uploader_nonce"
_K_MAX_STATE = "_places_k_max"
_K_NOTE_STATE = "_places_k_note"

# Settings that belong to one file: a new file starts them afresh.
_PER_FILE_KEYS: tuple[str, ...] = (LAT_KEY, LON_KEY, FEATURES_KEY, K_KEY, VALUE_KEY)
_KEPT_KEYS: tuple[str, ...] = (*_PER_FILE_KEYS, SCALER_KEY, WEIGHT_KEY, SEED_KEY)
# Reset when the coordinates change (the features are offered relative to them).
_PER_COORDINATE_KEYS: tuple[str, ...] = (FEATURES_KEY, K_KEY, VALUE_KEY)

MAX_UPLOAD_MB = upload.MAX_UPLOAD_BYTES // (1024 * 1024)
LIMITS = upload.limits_text()  # "CSV or Parquet, up to 100 MB, 2,000,000 rows, ..."
UPLOAD_TYPES: tuple[str, ...] = tuple(
    extension.lstrip(".") for extension in upload.ALLOWED_EXTENSIONS
)
INTRO = (
    "Upload a CSV or Parquet file with one row per place (a latitude and a longitude column, "
    "and any numeric columns to cluster on) and see its k-means clusters on a map. Your file "
    "stays in this browser session only: it is not saved on the server's disk and is "
    "forgotten when the session ends (or sooner, when the server runs short of memory). "
    f"Limits: {LIMITS}."
)


@dataclass(frozen=True)
class PlacesFile:
    """A file the page shows: an upload or the built-in example.

    Attributes
    ----------
    name : str
        The file's name (as the user's browser gave it).
    digest : str
        sha256 of the bytes (the cache key; the bytes are held for this session by
        :func:`components.ui.cache.uploads.hold_file`, see :func:`file_content`).
    size : int
        Bytes.
    kind : str
        "upload" or "example".
    """

    name: str
    digest: str
    size: int
    kind: str = "upload"

    @property
    def size_text(self) -> str:
        """The size for people (bytes, KB or MB)."""
        size = self.size
        if size >= 1024 * 1024:
            return f"{size / (1024 * 1024):.1f} MB"
        return f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} bytes"


# ------------------------------------------------------------------------------- the file


def places_from_upload(content: bytes, file_name: str, *, kind: str = "upload") -> PlacesFile:
    """Keep a file in this session for the page (the one way a file reaches the page).

    Settings that belong to a file (coordinates, features, k, the box-plot column) start
    afresh when the file differs from the one shown.

    Parameters
    ----------
    content : bytes
        The file's bytes (``UploadedFile.getvalue()``); not trusted, read later.
    file_name : str
        Its name.
    kind : str
        "upload" or "example".

    Returns
    -------
    PlacesFile
        What the page will show.
    """
    if kind not in ("upload", "example"):
        raise ValueError(f"kind={kind!r} is invalid; expected 'upload' or 'example'.")
    data = bytes(content)
    kept = PlacesFile(
        name=str(file_name), digest=hashlib.sha256(data).hexdigest(), size=len(data), kind=kind
    )
    uploads.hold_file("places", kept.digest, data)  # and the session's previous file goes
    previous: PlacesFile | None = st.session_state.get(FILE_STATE)
    if previous is None or (previous.digest, previous.name) != (kept.digest, kept.name):
        _forget_settings(_PER_FILE_KEYS)
    st.session_state[FILE_STATE] = kept
    return kept


def current_file() -> PlacesFile | None:
    """The file the page shows, if any."""
    return st.session_state.get(FILE_STATE)


def file_content(shown: PlacesFile) -> bytes | None:
    """The bytes of the file shown; None when the server has released them."""
    return uploads.file_bytes("places", shown.digest)


def _forget_if_released() -> PlacesFile | None:
    """Forget the file shown if the server released its bytes; return it then.

    The bytes go when the session was away longer than the grace period or the server
    needed the memory (:mod:`components.ui.cache.uploads`). The example is made again.
    """
    shown = current_file()
    if shown is None or file_content(shown) is not None:
        return None
    if shown.kind == "example":
        places_from_upload(places.example_places_csv(), shown.name, kind="example")
        return None
    forget_file()
    return shown


def _forget_settings(keys: Sequence[str]) -> None:
    saved: dict[str, Any] = st.session_state.get(_SAVED_STATE, {})
    for key in keys:
        st.session_state.pop(key, None)
        saved.pop(key, None)
    st.session_state[_SAVED_STATE] = saved


def _uploader_key() -> str:
    return f"{UPLOAD_KEY_PREFIX}_{st.session_state.get(_NONCE_STATE, 0)}"


def _clear_uploader() -> None:
    # An uploader's value cannot be written; a new key gives an empty one.
    st.session_state[_NONCE_STATE] = st.session_state.get(_NONCE_STATE, 0) + 1


def _on_upload(key: str) -> None:
    uploaded = st.session_state.get(key)
    if uploads.is_released_copy(uploaded):
        return  # the value changed because Streamlit's copy was dropped: the same file
    if uploaded is not None:
        places_from_upload(uploaded.getvalue(), uploaded.name)
        uploads.release_streamlit_copy(uploaded.file_id)  # the upload budget holds it now
        return
    shown = current_file()
    if shown is not None and shown.kind == "upload":
        # The user removed the file (or is replacing it: the browser first removes the old
        # one). The uploader is left as it is, so a replacement arrives in it.
        _drop_file()


def _on_example() -> None:
    places_from_upload(places.example_places_csv(), places.EXAMPLE_FILE_NAME, kind="example")
    _clear_uploader()


def _drop_file() -> None:
    st.session_state.pop(FILE_STATE, None)
    uploads.release_files("places")
    _forget_settings(_PER_FILE_KEYS)


def forget_file() -> None:
    """Drop the file and its settings from this session, and empty the uploader."""
    _drop_file()
    _clear_uploader()


def keep_widget_state() -> None:
    """Keep the page's settings while the user is on another page.

    Streamlit drops a widget's value when a run does not draw it (e.g. on another page).
    Call first on the page: values present now are saved; missing ones are restored.
    """
    saved: dict[str, Any] = st.session_state.get(_SAVED_STATE, {})
    for key in _KEPT_KEYS:
        if key in st.session_state:
            saved[key] = st.session_state[key]
        elif key in saved:
            st.session_state[key] = saved[key]
    st.session_state[_SAVED_STATE] = saved


def upload_block() -> PlacesFile | None:
    """Draw the uploader, the example button and what is shown; return the current file."""
    released = _forget_if_released()  # before the uploader, which it empties
    uploader_column, example_column = st.columns([3, 1], vertical_alignment="center")
    with uploader_column:
        key = _uploader_key()
        st.file_uploader(
            f"Upload a file of places ({LIMITS})",
            type=list(UPLOAD_TYPES),
            key=key,
            on_change=_on_upload,
            args=(key,),
            max_upload_size=MAX_UPLOAD_MB,
            help="A CSV (UTF-8 text with a header row; comma, semicolon, tab or pipe "
            "separated) or a Parquet file (.parquet, .pq) of flat columns.",
        )
    with example_column:
        st.button(
            "Try an example",
            key=EXAMPLE_KEY,
            on_click=_on_example,
            icon=":material/science:",
            help="320 made-up places around three towns of the French Alps, with a rent and "
            "a floor area each.",
            width="stretch",
        )
    if released is not None:
        st.warning(
            f"**{escape_markdown(released.name)}** is no longer held on the server (this "
            "session was away too long, or the server needed the memory). Upload it again.",
            icon=":material/history:",
        )
    shown = current_file()
    if shown is not None:
        what = "the built-in example" if shown.kind == "example" else "your upload"
        text_column, button_column = st.columns([3, 1], vertical_alignment="center")
        text_column.caption(
            f"Showing {what} **{escape_markdown(shown.name)}** ({shown.size_text}), held in "
            "this session only."
        )
        button_column.button(
            "Forget this file", key=FORGET_KEY, on_click=forget_file, width="stretch"
        )
    return shown


def format_help() -> None:
    """Say what a usable file looks like."""
    names_lat = ", ".join(upload.LATITUDE_NAMES)
    names_lon = ", ".join(upload.LONGITUDE_NAMES)
    with st.expander("What the file should look like"):
        st.markdown(
            "- A header row, then **one row per place**; UTF-8 text (Excel: *CSV UTF-8*), "
            "separated by commas, semicolons, tabs or pipes.\n"
            "- Or a **Parquet** file (*.parquet*, *.pq*; pandas: *DataFrame.to_parquet*) of flat "
            "columns: numbers (integers, floats, decimals), text, booleans or dates; no lists "
            "or structs. It is smaller and reads faster than the same table as CSV.\n"
            f"- **Coordinates** in decimal degrees (WGS 84): a latitude column named one of "
            f"*{names_lat}* and a longitude column named one of *{names_lon}* (any case), or "
            "choose them below once the file is loaded.\n"
            "- **Numeric columns** can be clustered on; a text column (such as a name) shows in "
            "the map's tooltip.\n"
            f"- {LIMITS}. Rows without coordinates are left out and counted."
        )
        st.code(
            "name,latitude,longitude,price\nCafe A,45.1885,5.7245,3.2\nCafe B,45.1921,5.7302,2.9\n",
            language="text",
        )


def show_file_error(shown: PlacesFile, error: Exception) -> None:
    """Say why the file cannot be used and what to do (the message names both)."""
    st.error(
        f"**{escape_markdown(shown.name)} cannot be used.** {message_markdown(error)}",
        icon=":material/error:",
    )


def show_busy(error: Exception) -> None:
    """Say that the server cannot take the file now (not the file's fault) and what to do."""
    st.warning(
        f"**Your file was not read yet.** {escape_markdown(str(error))}",
        icon=":material/hourglass_disabled:",
    )


def show_settings_error(error: Exception) -> None:
    """Say why the chosen settings cannot be clustered."""
    st.error(
        f"**These places cannot be clustered this way.** {message_markdown(error)}",
        icon=":material/error:",
    )


# ----------------------------------------------------------------------------- controls


def _on_coordinates_change() -> None:
    _forget_settings(_PER_COORDINATE_KEYS)


def coordinate_select(columns: Sequence[str]) -> tuple[str | None, str | None]:
    """Draw the two coordinate selects, prefilled with the columns found by name.

    Parameters
    ----------
    columns : sequence of str
        The file's columns (empty: nothing is drawn, the reader will say why).

    Returns
    -------
    (str or None, str or None)
        Chosen latitude and longitude columns; None lets the reader find them by name.
    """
    names = list(columns)
    if not names:
        return None, None
    detected = places.detect_coordinates(names)
    latitude_column, longitude_column = st.columns(2)
    chosen: list[str | None] = []
    for container, key, found, what in (
        (latitude_column, LAT_KEY, detected[0], "Latitude"),
        (longitude_column, LON_KEY, detected[1], "Longitude"),
    ):
        if st.session_state.get(key) not in names:
            st.session_state[key] = found
        value = container.selectbox(
            f"{what} column",
            options=names,
            index=None,
            key=key,
            placeholder=f"Choose the {what.lower()} column",
            on_change=_on_coordinates_change,
            help="Decimal degrees. Found by the column's name; choose another if it is wrong.",
        )
        chosen.append(value)
    return chosen[0], chosen[1]


@dataclass(frozen=True)
class PlacesSettings:
    """What the user chose in the sidebar (k is chosen after the model is fitted)."""

    features: tuple[str, ...]
    scaler: str
    used_scaler: str
    location_weight: float
    random_state: int


def controls(data: upload.PlacesData) -> tuple[PlacesSettings, Any]:
    """Draw the sidebar's feature, scaler and seed controls.

    Parameters
    ----------
    data : PlacesData
        The validated file.

    Returns
    -------
    settings : PlacesSettings
        The choices; ``used_scaler`` falls back to "standard" (with a warning) when
        "geographic" lacks a coordinate.
    k_slot : container
        Where :func:`k_select` draws the k slider (at the top of the sidebar).
    """
    sidebar = st.sidebar
    sidebar.header("Your places")
    k_slot = sidebar.container()
    options = [data.lat_col, data.lon_col, *data.feature_columns]
    stored = st.session_state.get(FEATURES_KEY)
    if stored is None:
        st.session_state[FEATURES_KEY] = list(places.default_features(data))
    elif any(name not in options for name in stored):
        st.session_state[FEATURES_KEY] = [name for name in stored if name in options]
    features = sidebar.multiselect(
        "Features to cluster on",
        options=options,
        key=FEATURES_KEY,
        help="Places close in these columns share a cluster. Constant columns are not offered.",
    )
    # No URL state here: a widget drawn for the first time starts from these values.
    for key, value in ((SCALER_KEY, "standard"), (WEIGHT_KEY, 1.0), (SEED_KEY, 0)):
        if key not in st.session_state:
            st.session_state[key] = value
    scaler, location_weight = scaling_controls(sidebar, SCALER_KEY, WEIGHT_KEY, default_weight=1.0)
    with sidebar.expander("Fitting", expanded=False):
        random_state = seed_input(SEED_KEY)
    used_scaler = str(scaler)
    if used_scaler == "geographic" and not {data.lat_col, data.lon_col} <= set(features):
        sidebar.warning(
            "The geographic scaler needs both coordinate columns among the features; "
            "using the standard scaler until both are chosen.",
            icon=":material/warning:",
        )
        used_scaler = "standard"
    settings = PlacesSettings(
        features=tuple(features),
        scaler=str(scaler),
        used_scaler=used_scaler,
        location_weight=float(location_weight) if used_scaler == "geographic" else 1.0,
        random_state=int(random_state),
    )
    return settings, k_slot


# A click above the file's largest k (kept in _K_MAX_STATE) is ignored.
ELBOW_CALLBACK = elbow_click_callback(ELBOW_KEY, K_KEY, _K_MAX_STATE)


def k_select(k_slot: Any, model: places.PlacesModel) -> int:
    """Draw the k slider, capped at the file's largest feasible k, and return k.

    A new file starts at the k with the best silhouette; a k above the cap (from a bigger
    file or other features) is lowered to the cap, with a note.

    Parameters
    ----------
    k_slot : container
        From :func:`controls`.
    model : PlacesModel
        The fitted sweep.

    Returns
    -------
    int
        The chosen k, in ``model.sweep.k_values``.
    """
    k_max = model.k_max
    st.session_state[_K_MAX_STATE] = k_max
    wanted = st.session_state.get(K_KEY)
    if wanted is None:
        wanted = model.sweep.suggestion.best_silhouette
    k = int(min(max(int(wanted), 2), k_max))
    if k < int(wanted):
        st.session_state[_K_NOTE_STATE] = (
            f"k was lowered from {int(wanted)} to {k}. {model.k_limit_note or ''}"
        ).strip()
    # Written every run: a slider whose bounds change is a new widget, which would start
    # from its minimum instead of the k shown.
    st.session_state[K_KEY] = k
    with k_slot:
        if k_max > 2:
            k = k_slider(st, K_KEY, k_max)
        else:
            st.markdown("**Number of clusters k = 2** (the only k this file allows)")
        note = st.session_state.pop(_K_NOTE_STATE, None)
        if note:
            st.info(note, icon=":material/info:")
        elif model.k_limit_note:
            st.caption(model.k_limit_note)
    return k


def value_column_select(data: upload.PlacesData) -> str:
    """Draw the select of the column summarised per cluster (box plot, legend, profile)."""
    options = list(data.numeric_columns)
    if st.session_state.get(VALUE_KEY) not in options:
        st.session_state[VALUE_KEY] = places.default_value_column(data)
    return str(
        st.selectbox(
            "Column per cluster",
            options=options,
            key=VALUE_KEY,
            help="Shown in the box plot, the legend's median and the profile's quartiles.",
        )
    )


# ------------------------------------------------------------------------------- tables


def _number_text(value: float) -> str:
    return "" if pd.isna(value) else f"{value:,.4g}"


def legend(table: pd.DataFrame, column: str) -> None:
    """Draw the map's legend: colour swatch, rows and the median of a column per cluster.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`components.ui.cache.views.legend` of ``column``.
    column : str
        The summarised column (its median is shown).
    """
    cluster_legend(
        table,
        median_title="median",
        median_text=_number_text,
        notes=[f"Median: of {escape_markdown(column)}.", CENTRE_NOTE],
        not_clustered_note="Grey: rows not clustered (a chosen feature is empty there).",
        table_key="places_legend_table",
        median_help=f"Median of {escape_markdown(column)}",
    )


def profile_table(profile: pd.DataFrame, features: Sequence[str], column: str) -> None:
    """Draw the per-cluster profile: size, share, feature means, quartiles of a column.

    Parameters
    ----------
    profile : pandas.DataFrame
        From :func:`components.ui.cache.views.profile` of ``column``.
    features : sequence of str
        The clustered features (columns of cluster means).
    column : str
        The column whose median and quartiles are shown.
    """
    config: dict[str, Any] = {
        "value_median": st.column_config.NumberColumn(f"median {column}", format="%.4g"),
        "value_q1": st.column_config.NumberColumn(f"{column} q1", format="%.4g"),
        "value_q3": st.column_config.NumberColumn(f"{column} q3", format="%.4g"),
    }
    for name in features:
        config[name] = st.column_config.NumberColumn(f"mean {name}", format="%.4g")
    cluster_profile_table(profile, features, config, table_key="places_profile_table")


def download_stem(file_name: str) -> str:
    """A safe stem for download names from the user's file name (letters, digits, _ and -)."""
    stem = file_name.rsplit(".", 1)[0]
    return re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_")[:60] or "places"


def file_summary(shown: PlacesFile, data: upload.PlacesData) -> None:
    """Say what was read: rows, format (delimiter), extent; and the reader's notes."""
    if data.is_parquet:
        read_as = "Parquet"
    else:
        delimiter = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}[data.delimiter]
        read_as = f"{delimiter}-separated"
    extent = data.extent
    st.caption(
        f"{data.n_rows:,} places read from {escape_markdown(shown.name)} ({read_as}"
        f"); latitude {extent.min_latitude:.4g} to {extent.max_latitude:.4g}, longitude "
        f"{extent.min_longitude:.4g} to {extent.max_longitude:.4g}."
    )
    for note in data.notes:
        st.info(escape_markdown(note), icon=":material/info:")
    if data.coercions:
        st.info(
            "**How some cells were read**\n"
            + "\n".join(f"- {escape_markdown(coercion.message)}" for coercion in data.coercions),
            icon=":material/rule:",
        )


def map_note(n_rows: int, n_clustered: int, merged: bool) -> str | None:
    """Tell the user how the map shows the places: merged cells, a sample, or every one.

    Parameters
    ----------
    n_rows : int
        Places in the file.
    n_clustered : int
        Places clustered (those with every chosen feature).
    merged : bool
        The map draws the level-of-detail cells.

    Returns
    -------
    str or None
        None when the map draws every place.
    """
    if merged:
        left_out = n_rows - n_clustered
        return (
            f"All {n_clustered:,} clustered places are on the map, nearby ones merged into "
            "one dot at this zoom, coloured by its most common cluster (its tooltip gives "
            "the share and the count); zoom in for more detail."
            + (f" The {left_out:,} places without a cluster are not drawn." if left_out else "")
        )
    if n_rows <= places.MAX_MAP_POINTS:
        return None
    return (
        f"The map shows a fixed random sample of {places.MAX_MAP_POINTS:,} of the "
        f"{n_rows:,} places; the clusters, charts and downloads use all of them."
    )
