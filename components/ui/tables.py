"""The clustering pages' tables: the map's legend and the per-cluster profile.

Each table shows the data's labels, units and number formats. The legend is a static
table (a few rows, redrawn at every k): each cluster's cell has its colour from our own
palette as background, and every text cell is Markdown-escaped. The profile is a data
grid; the other pages' colour columns are images of a small SVG square from the same
palette. No HTML is rendered and no user text is interpreted.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, cast

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from components.engine.dataset import Dataset
from components.figures.palette import NOT_CLUSTERED_COLOUR, hex_to_rgb, label_colour
from components.ui.text import escape_markdown


def swatch_column_config() -> Any:
    """Column config of a colour column turned into swatch images (as in the map's legend)."""
    return st.column_config.ImageColumn("", width=30)


def with_labels(frame: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """Return a copy of ``frame`` whose "column" holds the data's labels, not column names.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table with a "column" of the data's column names.
    dataset : Dataset
        The data (its labels).

    Returns
    -------
    pandas.DataFrame
        The copy.
    """
    return frame.assign(column=frame["column"].map(dataset.label))


def value_text(dataset: Dataset, column: str, value: float) -> str:
    """Return a value of a column for people: whole dollars for money, else four digits.

    Parameters
    ----------
    dataset : Dataset
        The data (the column's unit).
    column : str
        The column.
    value : float
        The value; NaN gives "".

    Returns
    -------
    str
        E.g. "$206,856" or "3.871".
    """
    if pd.isna(value):
        return ""
    return f"${value:,.0f}" if dataset.unit(column) == "USD" else f"{value:,.4g}"


def swatch_data_url(colour: str) -> str:
    """Return a tiny square of the colour as an SVG data URL (for an image column).

    The colour is validated as ``#RRGGBB`` first, so nothing else can reach the SVG.

    Parameters
    ----------
    colour : str
        ``#RRGGBB``.

    Returns
    -------
    str
        A ``data:image/svg+xml`` URL.
    """
    red, green, blue = hex_to_rgb(colour)
    return (
        "data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='20' "
        f"height='20'><rect width='20' height='20' rx='3' fill='rgb({red},{green},{blue})'/></svg>"
    )


def legend_styler(
    table: pd.DataFrame, colours: Sequence[str], median_text: Callable[[float], str] = str
) -> Styler:
    """Style a legend table: each cluster's cell in its colour, as its label on the map.

    Each colour is validated as ``#RRGGBB`` before it becomes a cell's background, so nothing
    else can reach the style; the text on it is black or white, whichever contrasts more.

    Parameters
    ----------
    table : pandas.DataFrame
        A "cluster" column, a "rows" column of counts and a "median" column; "cluster" and
        "name" (when there) are shown literally.
    colours : sequence of str
        ``#RRGGBB``, one per row.
    median_text : callable, optional
        A median for people (shown literally too).

    Returns
    -------
    pandas.io.formats.style.Styler
        For ``st.table``.
    """
    if len(colours) != len(table):
        raise ValueError(f"len(colours)={len(colours)} must equal the {len(table)} rows.")
    badges = [
        "background-color: rgb({}, {}, {}); color: {}; font-weight: bold".format(
            *hex_to_rgb(colour), label_colour(colour)
        )
        for colour in colours
    ]
    # st.table reads every cell as Markdown.
    shown: dict[Any, Callable[[object], str] | str | None] = {
        "rows": "{:,}".format,
        "median": lambda value: escape_markdown(median_text(cast(float, value))),
    }
    for column in ("cluster", "name"):
        if column in table:
            shown[column] = lambda text: escape_markdown(str(text))
    return table.style.apply(lambda _: badges, subset=["cluster"]).format(shown, subset=list(shown))


CENTRE_NOTE = "Big dots with a number: the cluster's centre (mean latitude/longitude)."


def legend(
    table: pd.DataFrame,
    dataset: Dataset,
    value_column: str,
    *,
    has_test: bool,
    names: Sequence[str] = (),
) -> None:
    """Draw the map's legend: each cluster in its colour, its name, rows and a column's median.

    A static table (see :func:`legend_styler`): it is drawn with the script's run, where a
    data grid's rows came some time after (see BENCHMARKS.md, "Session 11").

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`components.ui.cache.views.legend` of ``value_column``.
    dataset : Dataset
        The data (the column's label and unit).
    value_column : str
        The summarised column.
    has_test : bool
        Whether there are test rows (assigned to the nearest centre).
    names : sequence of str, optional
        The clusters' names (shown as text), cluster ``i`` first.
    """
    columns = ["cluster", "rows", "median"]
    if names:
        named = {str(cluster): name for cluster, name in enumerate(names)}
        table = table.assign(name=[named.get(str(text), "") for text in table["cluster"]])
        columns.insert(1, "name")
    median = functools.partial(value_text, dataset, value_column)
    st.table(legend_styler(table[columns], list(table["colour"]), median), hide_index=True)
    notes = [f"The median is of {escape_markdown(dataset.label(value_column))}.", CENTRE_NOTE]
    if has_test:
        notes.append("Test rows are assigned to the nearest centre and counted here.")
    if (table["colour"] == NOT_CLUSTERED_COLOUR).any():
        notes.append("Grey: rows not clustered (a chosen feature is missing).")
    st.caption(" ".join(notes))


def profile_table(
    profile: pd.DataFrame, dataset: Dataset, features: Sequence[str], value_column: str
) -> None:
    """Draw the per-cluster profile with the data's labels, units and number formats.

    Parameters
    ----------
    profile : pandas.DataFrame
        From :func:`components.ui.cache.views.profile` of ``value_column``.
    dataset : Dataset
        The data (labels and units).
    features : sequence of str
        The chosen features (columns of the profile holding cluster means).
    value_column : str
        The column whose median and quartiles are shown.
    """
    value = dataset.label(value_column)
    titles = {  # each number column: its title and the data's column it is of
        "value_median": (f"median {value}", value_column),
        "value_q1": (f"{value} q1", value_column),
        "value_q3": (f"{value} q3", value_column),
        **{name: (f"mean {dataset.label(name)}", name) for name in features},
    }
    money = {name for name, (_, column) in titles.items() if dataset.unit(column) == "USD"}
    config: dict[str, Any] = {
        "cluster": st.column_config.NumberColumn("cluster", format="%d"),
        "size": st.column_config.NumberColumn("rows", format="localized"),
        "share": st.column_config.NumberColumn("share", format="percent"),
        "standouts": st.column_config.TextColumn(
            "stands out (z-score of the cluster mean)", width="large"
        ),
        **{
            name: st.column_config.NumberColumn(
                f"{title} (USD)" if name in money else title,
                format="localized" if name in money else "%.4g",
            )
            for name, (title, _) in titles.items()
        },
    }
    # Whole dollars: cents of a median of medians mean nothing.
    shown = profile.assign(**{name: profile[name].round(0) for name in money if name in profile})
    order = ("cluster", "size", "share", *features, "value_median", "value_q1", "value_q3")
    st.dataframe(
        shown,
        hide_index=True,
        column_order=[name for name in dict.fromkeys((*order, "standouts")) if name in shown],
        column_config=config,
        key="profile_table",
    )
