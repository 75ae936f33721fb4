"""The data source, chosen once for every page: the census demo, a file or a Dask result.

The Data page (pages/data.py) takes a file or the example and shows what was read; the
sidebar of every page names the active source and can switch it. A file reaches the app
only through :func:`keep_file` (the uploader's callback and the example button call it),
which holds its bytes for this session in the upload budget; nothing is written to disk.

A result folder of the distributed k-sweep named by ``GEOCLUSTER_RESULT`` is the third
source, and the active one until the session chooses another: the Clusters and Choose k
pages show its own clusters (:mod:`components.ui.result`), the other pages a random sample
of the rows it was computed from, and say so (:func:`active`). A folder that cannot be read
gets an error saying what is wrong and what to do, and the pages show the housing data.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import streamlit as st

from components.engine import data, places, upload
from components.engine.csv_text import DELIMITER_NAMES
from components.engine.dataset import Dataset
from components.engine.distributed_result import MANIFEST_FILE
from components.engine.parquet_sample import ParquetSampleError
from components.ui import cache, keys, streamlit_internals
from components.ui.cache import uploads
from components.ui.text import escape_markdown, message_markdown
from components.ui.upload_budget import BusyError

ACTIVE_STATE = "_geocluster_active_source"
FILE_STATE = "_geocluster_file"
_NONCE_STATE = "_geocluster_uploader_nonce"
UPLOAD_KEY_PREFIX = "data_upload"
EXAMPLE_KEY = "data_example"
FORGET_KEY = "data_forget"
HOUSING_KEY = "data_use_housing"
LAT_KEY = "data_lat"
LON_KEY = "data_lon"
SWITCH_KEY = "data_switch"
RESULT_KEY = "data_use_result"
DATA_PAGE = "pages/data.py"
RESULT_ENV_VAR = "GEOCLUSTER_RESULT"
RESULT_COMMAND = "python -m components.engine.distributed"

LIMITS = upload.limits_text()


@dataclass(frozen=True)
class HeldFile:
    """The file this session holds: an upload or the built-in example.

    Attributes
    ----------
    name : str
        The file's name (as the user's browser gave it).
    digest : str
        sha256 of the bytes.
    size : int
        Bytes.
    kind : str
        "upload" or "example".
    lat_col, lon_col : str or None
        The chosen coordinate columns; None: found by name.
    """

    name: str
    digest: str
    size: int
    kind: str = "upload"
    lat_col: str | None = None
    lon_col: str | None = None

    @property
    def source(self) -> keys.DataSource:
        """The data source of this file with its chosen coordinates."""
        return keys.DataSource(
            kind=keys.SOURCE_UPLOAD,
            name=self.digest,
            label=self.name,
            lat_col=self.lat_col,
            lon_col=self.lon_col,
        )

    @property
    def size_text(self) -> str:
        """The size for people (bytes, KB or MB)."""
        if self.size >= 1024 * 1024:
            return f"{self.size / (1024 * 1024):.1f} MB"
        return f"{self.size / 1024:.1f} KB" if self.size >= 1024 else f"{self.size} bytes"


# ------------------------------------------------------------------------ the sources


def housing_source() -> keys.DataSource:
    """The census data's source (raises the engine's errors when the file is missing)."""
    return cache.data.housing_source(data.locate_data())


def result_source() -> keys.DataSource | None:
    """Return the result folder named by ``GEOCLUSTER_RESULT`` as a data source.

    Returns
    -------
    DataSource or None
        A "distributed" source keyed by the folder's path and its manifest's modification
        time (0 when there is no manifest: the reader then says so); None when the variable
        is unset or blank.
    """
    value = os.environ.get(RESULT_ENV_VAR, "").strip()
    if not value:
        return None
    folder = Path(value)
    try:
        version = (folder / MANIFEST_FILE).stat().st_mtime_ns
    except OSError:
        version = 0
    return keys.DataSource(
        kind=keys.SOURCE_DISTRIBUTED,
        name=str(folder),
        version=version,
        label=data.shown_path(folder),
    )


def readable_result() -> keys.DataSource | None:
    """The source of ``GEOCLUSTER_RESULT`` when its folder can be read (says nothing else)."""
    result = result_source()
    return result if result is not None and cache.distributed.problem(result) is None else None


def without_server_path(message: str, path: str) -> str:
    """A message with a path cut to its name (the server's folders are never shown)."""
    shown = data.shown_path(path)
    for written in sorted({path, str(Path(path).resolve())}, key=len, reverse=True):
        message = message.replace(written, shown)
    return message


def _show_result_unreadable(result: keys.DataSource, error: Exception) -> None:
    if isinstance(error, OSError) and error.filename is not None:
        # A fault of the file system, not one the reader named: no traceback, no path.
        reason = error.strerror or type(error).__name__
        why = f"{data.shown_path(error.filename)} could not be read ({reason})."
    else:
        why = without_server_path(str(error), result.name)
    st.error(
        f"**The Dask result in `{RESULT_ENV_VAR}` could not be opened.** "
        f"{escape_markdown(why)}\n\n"
        f"Write a result with `{RESULT_COMMAND} DATA --out FOLDER` and set `{RESULT_ENV_VAR}` "
        "to that folder before starting the app (a folder written again is read again), or "
        f"unset `{RESULT_ENV_VAR}`. Meanwhile this page shows the housing data.",
        icon=":material/error:",
    )


def _show_sample_unreadable(result: keys.DataSource, error: Exception) -> None:
    source_path = cache.distributed.result(result).source
    st.error(
        f"**The rows of the Dask result cannot be read here.** This page works on a random "
        "sample of the rows the result was computed from, so the result's source file "
        f"({escape_markdown(data.shown_path(source_path))}) must be readable at its path "
        "from the app's server. "
        f"{escape_markdown(without_server_path(str(error), source_path))}\n\n"
        "The Clusters and Choose k pages still show the result's own clusters; or choose "
        "other data in the sidebar.",
        icon=":material/error:",
    )


def _sample_note(dataset: Dataset) -> str:
    name = escape_markdown(dataset.name)
    if dataset.n_rows < dataset.sampled_from:
        rows = (
            f"a random sample of {dataset.n_rows:,} of the {dataset.sampled_from:,} places of "
            f"the Dask result (read from {name}); the clusters here are fitted on that sample"
        )
    else:
        rows = f"the {dataset.n_rows:,} places of the Dask result (read from {name}), fitted here"
    return (
        f"These views work on {rows}, starting from the result's features and scaling. "
        "Clusters and Choose k also show the result's own clusters on all its places."
    )


def held_file() -> HeldFile | None:
    """The file this session holds, if any."""
    return st.session_state.get(FILE_STATE)


def use(source: keys.DataSource | None) -> None:
    """Make a source the active one of every page (None: the census data)."""
    st.session_state[ACTIVE_STATE] = source


def chosen_source() -> keys.DataSource | None:
    """The source the session chose: its file, the Dask result, or None for the census data.

    Before any choice, the Dask result of ``GEOCLUSTER_RESULT`` when it is set.
    """
    if ACTIVE_STATE not in st.session_state:
        return result_source()
    chosen: keys.DataSource | None = st.session_state[ACTIVE_STATE]
    if chosen is not None and chosen.kind == keys.SOURCE_DISTRIBUTED:
        return result_source()  # as written now: a folder written again is read again
    held = held_file()
    if chosen is not None and chosen.is_upload:
        if held is None or cache.data.upload_bytes(held.source) is None:
            _release_notice(held)
            remade = held_file()  # the example is made again at once; an upload is dropped
            return remade.source if remade is not None else None
        return held.source
    return chosen


def _release_notice(held: HeldFile | None) -> None:
    if held is None:
        return
    if held.kind == "example":  # made again at once
        keep_file(places.example_places_csv(), held.name, kind="example")
        return
    forget_file()  # and a new, empty uploader for the file again
    st.warning(
        f"**{escape_markdown(held.name)}** is no longer held on the server (this session was "
        "away too long, or the server needed the memory). Upload it again on the Data page; "
        "meanwhile the pages show the California housing data.",
        icon=":material/history:",
    )


def _show_housing_unavailable(message: str | Exception, *, title: str) -> None:
    st.error(f"**{title}** {message_markdown(message)}", icon=":material/error:")
    st.markdown("Or cluster a file of your own on the Data page.")
    data_page_link(st.container(), "Open the Data page")


def active() -> tuple[keys.DataSource, Dataset] | None:
    """The active source and its data; draws the sidebar's source block.

    Says what is wrong and what to do (the rest of the page and the sidebar keep working)
    when the data cannot be read, and returns None: the page should stop.

    Returns
    -------
    (DataSource, Dataset) or None
        What every page works on.
    """
    try:
        source = chosen_source() or housing_source()
        problem = (
            cache.distributed.problem(source) if source.kind == keys.SOURCE_DISTRIBUTED else None
        )
        if problem is not None:
            _show_result_unreadable(source, problem)
            source = housing_source()
        dataset = cache.data.dataset(source)
    except ParquetSampleError as error:
        sidebar_block(source)  # the sidebar still offers the other data
        _show_sample_unreadable(source, error)
        return None
    except data.DataUnavailableError as error:
        _show_housing_unavailable(error, title="The housing data is not available.")
        return None
    except data.DataValidationError as error:
        _show_housing_unavailable(error, title="The housing data could not be used.")
        return None
    except upload.PlacesError as error:
        sidebar_block(source)
        show_file_error(source.label, error)
        return None
    except BusyError as error:
        sidebar_block(source)
        show_busy(error)
        return None
    except OSError as error:  # a fault the engine did not name: no traceback, no server path
        reason = error.strerror or type(error).__name__
        _show_housing_unavailable(
            f"The data file could not be read ({reason}).",
            title="The housing data is not available.",
        )
        return None
    sidebar_block(source)
    if source.kind == keys.SOURCE_DISTRIBUTED:
        st.info(_sample_note(dataset), icon=":material/info:")
    elif not source.is_upload:
        note = data.published_note(dataset.sha256, dataset.n_rows, data.shown_path(source.name))
        if note:
            st.info(escape_markdown(note), icon=":material/info:")
    return source, dataset


def active_or_stop() -> tuple[keys.DataSource, Dataset]:
    """The active source and its data (see :func:`active`); stops the page when there are none.

    Returns
    -------
    (DataSource, Dataset)
        What every page works on.
    """
    opened = active()
    if opened is None:
        st.stop()
    return opened


_SWITCH_OF_KIND = {keys.SOURCE_UPLOAD: "file", keys.SOURCE_DISTRIBUTED: "result"}


def _on_switch() -> None:
    choice = st.session_state.get(SWITCH_KEY)
    held = held_file()
    if choice == "file" and held is not None:
        use(held.source)
    else:
        use(result_source() if choice == "result" else None)


def sidebar_block(source: keys.DataSource) -> None:
    """Name the active source in the sidebar, and offer the others when there are some."""
    sidebar = st.sidebar
    held = held_file()
    result = readable_result()
    labels = {"housing": "California housing (demo)"}
    if held is not None:
        labels["file"] = f"Your file: {escape_markdown(held.name)}"
    if result is not None:
        labels["result"] = f"Dask result: {escape_markdown(result.label)}"
    if len(labels) == 1:
        sidebar.caption(f"Data: {escape_markdown(cache.data.source_name(source))}")
    else:
        st.session_state[SWITCH_KEY] = _SWITCH_OF_KIND.get(source.kind, "housing")
        sidebar.radio(
            "Data", options=tuple(labels), format_func=labels.__getitem__, key=SWITCH_KEY,
            on_change=_on_switch,
        )  # fmt: skip
    data_page_link(sidebar, "Choose or upload data")


def page_link(container: Any, page: str, label: str, icon: str) -> None:
    """A link to a page; its label in words where the page runs without the router."""
    try:
        container.page_link(page, label=label, icon=icon)
    except streamlit_internals.page_link_error():  # a page script run alone, without the router
        container.caption(f"{label}: in the menu.")


def data_page_link(container: Any, label: str) -> None:
    """A link to the Data page."""
    page_link(container, DATA_PAGE, label, ":material/upload_file:")


# ------------------------------------------------------------------------- the file


def keep_file(content: bytes, file_name: str, *, kind: str = "upload") -> None:
    """Hold a file for this session and make it the active source of every page.

    Parameters
    ----------
    content : bytes
        The file's bytes (``UploadedFile.getvalue()``); not trusted, read later.
    file_name : str
        Its name.
    kind : str
        "upload" or "example".
    """
    content = bytes(content)
    digest = cache.data.upload_source(content, file_name).name  # the previous file goes
    previous = held_file()
    held = HeldFile(name=str(file_name), digest=digest, size=len(content), kind=kind)
    if previous is None or (previous.digest, previous.name) != (held.digest, held.name):
        for key in (LAT_KEY, LON_KEY):
            st.session_state.pop(key, None)
    st.session_state[FILE_STATE] = held
    use(held.source)


def _clear_uploader() -> None:
    # An uploader's value cannot be written; a new key gives an empty one.
    st.session_state[_NONCE_STATE] = st.session_state.get(_NONCE_STATE, 0) + 1


def _on_upload(key: str) -> None:
    uploaded = st.session_state.get(key)
    if streamlit_internals.is_deleted_upload(uploaded):
        return  # the value changed because Streamlit's copy was dropped: the same file
    if uploaded is not None:
        keep_file(uploaded.getvalue(), uploaded.name)
        # The upload budget holds the bytes now: they have one owner, freed on eviction.
        streamlit_internals.remove_uploaded_file(uploaded.file_id)
        return
    held = held_file()
    if held is not None and held.kind == "upload":
        # Removed (or being replaced: the browser first removes the old one).
        _drop_file()


def _on_example() -> None:
    keep_file(places.example_places_csv(), places.EXAMPLE_FILE_NAME, kind="example")
    _clear_uploader()


def _drop_file() -> None:
    st.session_state.pop(FILE_STATE, None)
    uploads.release_files()
    if (chosen := st.session_state.get(ACTIVE_STATE)) is not None and chosen.is_upload:
        use(None)


def forget_file() -> None:
    """Drop the file from this session (the pages go back to the census data)."""
    _drop_file()
    _clear_uploader()


def upload_block() -> HeldFile | None:
    """Draw the uploader, the example button and the file held; return that file."""
    chosen_source()  # says so, and drops it, when the server released the file
    uploader_column, example_column = st.columns([3, 1], vertical_alignment="center")
    with uploader_column:
        key = f"{UPLOAD_KEY_PREFIX}_{st.session_state.get(_NONCE_STATE, 0)}"
        st.file_uploader(
            f"Upload a file of places ({LIMITS})",
            type=[name.lstrip(".") for name in upload.ALLOWED_EXTENSIONS],
            key=key,
            on_change=_on_upload,
            args=(key,),
            max_upload_size=upload.MAX_UPLOAD_BYTES // (1024 * 1024),
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
    held = held_file()
    if held is not None:
        what = "the built-in example" if held.kind == "example" else "your upload"
        text_column, button_column = st.columns([3, 1], vertical_alignment="center")
        text_column.caption(
            f"Holding {what} **{escape_markdown(held.name)}** ({held.size_text}) in this "
            "session only."
        )
        button_column.button(
            "Forget this file", key=FORGET_KEY, on_click=forget_file, width="stretch"
        )
    return held


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


def _on_coordinates_change() -> None:
    held = held_file()
    if held is None:
        return
    chosen = replace(
        held, lat_col=st.session_state.get(LAT_KEY), lon_col=st.session_state.get(LON_KEY)
    )
    st.session_state[FILE_STATE] = chosen
    use(chosen.source)


def swap_coordinates() -> None:
    """Swap the chosen latitude and longitude columns (one click from the Data page)."""
    st.session_state[LAT_KEY], st.session_state[LON_KEY] = (
        st.session_state.get(LON_KEY),
        st.session_state.get(LAT_KEY),
    )
    _on_coordinates_change()


def coordinate_select(held: HeldFile, columns: Sequence[str]) -> None:
    """Draw the two coordinate selects, prefilled with the columns found by name.

    Parameters
    ----------
    held : HeldFile
        The file.
    columns : sequence of str
        Its columns (empty: nothing is drawn, the reader will say why).
    """
    names = list(columns)
    if not names:
        return
    detected = places.detect_coordinates(names)
    latitude_column, longitude_column = st.columns(2)
    for container, key, chosen, found, what in (
        (latitude_column, LAT_KEY, held.lat_col, detected[0], "Latitude"),
        (longitude_column, LON_KEY, held.lon_col, detected[1], "Longitude"),
    ):
        if st.session_state.get(key) not in names:
            st.session_state[key] = chosen if chosen in names else found
        container.selectbox(
            f"{what} column",
            options=names,
            index=None,
            key=key,
            placeholder=f"Choose the {what.lower()} column",
            on_change=_on_coordinates_change,
            help="Decimal degrees. Found by the column's name; choose another if it is wrong.",
        )


def file_summary(dataset: Dataset) -> None:
    """Say what was read: rows, format (delimiter), extent; and the reader's notes."""
    read = dataset.places
    read_as = "Parquet" if read.is_parquet else f"{DELIMITER_NAMES[read.delimiter]}-separated"
    extent = read.extent
    st.caption(
        f"{read.n_rows:,} {dataset.place_word} read from {escape_markdown(dataset.name)} "
        f"({read_as}); latitude {extent.min_latitude:.4g} to {extent.max_latitude:.4g}, "
        f"longitude {extent.min_longitude:.4g} to {extent.max_longitude:.4g}."
    )
    for note in read.notes:
        st.info(escape_markdown(note), icon=":material/info:")
    if read.coercions:
        st.info(
            "**How some cells were read**\n"
            + "\n".join(f"- {escape_markdown(coercion.message)}" for coercion in read.coercions),
            icon=":material/rule:",
        )


def show_file_error(file_name: str, error: Exception) -> None:
    """Say why the file cannot be used and what to do (the message names both)."""
    st.error(
        f"**{escape_markdown(file_name)} cannot be used.** {message_markdown(error)}",
        icon=":material/error:",
    )


def show_busy(error: Exception) -> None:
    """Say that the server cannot take the file now (not the file's fault) and what to do."""
    st.warning(
        f"**Your file was not read yet.** {escape_markdown(str(error))}",
        icon=":material/hourglass_disabled:",
    )
