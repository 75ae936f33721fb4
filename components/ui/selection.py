"""Select places on the map: a box or lasso on the selection map, the places in a linked table.

The map (:func:`components.ui.cache.selection.selection_figure`) draws cells, not places, so a
million places stay a few thousand markers; a selected marker selects every place inside its
cell. The selection comes back through ``st.plotly_chart``'s selection event on each rerun;
an empty event (a double-click on the map, or a new figure after k or the model changed) clears
the table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from components.engine import export
from components.engine.dataset import Dataset
from components.engine.row_labels import RowLabels
from components.engine.selection import Selection, select_cells
from components.figures.selection import MARKERS_TRACE
from components.ui import cache
from components.ui.text import escape_markdown
from components.ui.widgets import ModelView, download_stem

SELECTION_KEY = "selection_map"
SELECTION_OPEN_KEY = "selection_open"
RESULT_KEY = "selection_result"
# Rows the table shows; the downloads hold the whole selection.
MAX_TABLE_ROWS = 1_000


def selected_cell_ids(event: Any) -> np.ndarray:
    """The cells of the markers a selection event of the selection map holds.

    Parameters
    ----------
    event : mapping or None
        What ``st.plotly_chart(..., on_select="rerun")`` returned:
        ``{"selection": {"points": [{"curve_number": 1, "customdata": {"0": cell, ...}}]}}``
        (the browser writes a row of customdata as an object keyed "0", "1", ...; a list
        or a number is read too).
        It comes from the browser: anything else in it is ignored.

    Returns
    -------
    numpy.ndarray
        The distinct cell ids (int64, ascending); empty when nothing is selected.
    """
    selection = event.get("selection") if isinstance(event, Mapping) else None
    points = selection.get("points") if isinstance(selection, Mapping) else None
    ids: list[int] = []
    for point in points if isinstance(points, list) else []:
        trace = point.get("curve_number", MARKERS_TRACE) if isinstance(point, Mapping) else None
        if trace != MARKERS_TRACE:  # not a point, or the outline's
            continue
        data = point.get("customdata")
        # A row of the customdata: a list, or (a typed array in the browser, written as
        # JSON) an object keyed "0", "1", ...
        if isinstance(data, list):
            value = data[0] if data else None
        elif isinstance(data, Mapping):
            value = data.get("0")
        else:
            value = data
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            ids.append(value)
    return np.unique(np.asarray(ids, dtype=np.int64))


def _free_name(name: str, taken: pd.Index) -> str:
    """``name``, or ``name_2``, ``name_3`` ... when the data has a column of that name."""
    free, suffix = name, 2
    while free in taken:
        free, suffix = f"{name}_{suffix}", suffix + 1
    return free


def selection_table(
    data: Dataset, rows: RowLabels, selection: Selection, names: Sequence[str] = ()
) -> pd.DataFrame:
    """The selected places: their cluster (and its name), then the data's own columns.

    Parameters
    ----------
    data : Dataset
        The data.
    rows : RowLabels
        Every row's cluster at k.
    selection : Selection
        The selected rows.
    names : sequence of str
        The clusters' names (the ``cluster_name`` column when given).

    Returns
    -------
    pandas.DataFrame
        One row per selected place, in data order, under the file's own column names; the
        cluster id first (``cluster``, or ``cluster_2`` ... when the file has that column).
    """
    frame = cache.views.export_frame(data, rows, names).iloc[selection.rows].reset_index(drop=True)
    label = _free_name("cluster", frame.columns)
    frame.insert(0, label, rows.labels[selection.rows])
    if names:
        frame.insert(1, "cluster_name", frame.pop("cluster_name"))
    return frame


def show_selection(
    data: Dataset,
    rows: RowLabels,
    selection: Selection,
    names: Sequence[str],
    file_stem: str,
) -> None:
    """Draw a selection: how many places, a count per cluster, the first rows, two downloads.

    Parameters
    ----------
    data : Dataset
        Where the places come from: its word for a place, its original column names.
    rows : RowLabels
        The labelling shown, for the table's cluster column.
    selection : Selection
        The selected places and their count per cluster.
    names : sequence of str
        The clusters' names, one per cluster.
    file_stem : str
        The downloads' file name before ``.csv`` / ``.geojson``.
    """
    table = selection_table(data, rows, selection, names)
    shown = min(selection.n_rows, MAX_TABLE_ROWS)
    with st.container(key=RESULT_KEY):
        note = f"**{selection.n_rows:,} {data.place_word} selected.**"
        if shown < selection.n_rows:
            note += f" The table shows the first {shown:,}; the downloads hold all of them."
        st.markdown(note)
        clusters = np.flatnonzero(selection.counts).tolist()
        st.dataframe(
            pd.DataFrame(
                {
                    "cluster": [str(cluster) for cluster in clusters],
                    "name": [names[i] if i < len(names) else "" for i in clusters],
                    data.place_word: selection.counts[clusters],
                }
            ),
            hide_index=True,
            key="selection_counts",
        )
        st.dataframe(table.head(shown), hide_index=True, key="selection_rows")
        selected_frame = table.drop(columns=table.columns[0])
        labels = table.iloc[:, 0].to_numpy()
        csv_column, geojson_column = st.columns(2)
        csv_column.download_button(
            "Download the selected places (CSV)",
            # Built on click, from these values: the click is served outside this script.
            data=lambda: export.to_safe_csv(table),
            file_name=f"{file_stem}.csv",
            mime="text/csv",
            on_click="ignore",
            key="download_selection_csv",
            help="Text that a spreadsheet would run as a formula is prefixed with an apostrophe.",
        )
        geojson_column.download_button(
            "Download the selected places (GeoJSON)",
            data=lambda: cache.views.rows_geojson(
                data, selected_frame, labels, str(table.columns[0])
            ),
            file_name=f"{file_stem}.geojson",
            mime="application/geo+json",
            on_click="ignore",
            key="download_selection_geojson",
        )


def selection_section(view: ModelView, k: int, names: Sequence[str]) -> None:
    """The "Select places on the map" section: a switch, the map, then the selection's table.

    The map is drawn only while its switch is on: it is a second map of every position,
    sent again at each k, and most k changes do not need it (see BENCHMARKS.md, "Session 9").

    Parameters
    ----------
    view : ModelView
        The page's model.
    k : int
        The number of clusters shown.
    names : sequence of str
        The clusters' names, one per cluster.
    """
    data = view.dataset
    st.subheader("Select places on the map")
    if not st.toggle(
        "Draw the selection map",
        key=SELECTION_OPEN_KEY,
        help="A map on which a box or a lasso selects places into a table and downloads.",
    ):
        return
    cells = cache.selection.place_cells(view.key)
    event = st.plotly_chart(
        cache.selection.selection_figure(view.key, k),
        key=SELECTION_KEY,
        on_select="rerun",
        selection_mode=("box", "lasso"),
        config={"displaylogo": False},
    )
    note = (
        "Drag a box over the map to select places (the lasso is in the chart's tool bar); "
        "double-click the map to clear the selection."
    )
    if cells.cell_size is not None:
        note += (
            f" Nearby {escape_markdown(data.place_word)} share a marker (cells of "
            f"{cells.cell_size:.2g} degrees): selecting a marker selects every place in its cell."
        )
    st.caption(note)
    cell_ids = selected_cell_ids(event)
    if cell_ids.size == 0:
        return
    rows = cache.model.row_labels(view.key, k)
    try:
        chosen = select_cells(cells, cell_ids, rows.labels, k)
    except ValueError as error:
        st.warning(escape_markdown(str(error)), icon=":material/warning:")
        return
    show_selection(data, rows, chosen, names, f"{download_stem(data.name)}_k{k}_selection")
