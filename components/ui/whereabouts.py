"""Where a file's places are, in words, with a warning and a one-click swap when they look swapped.

The counts come from :func:`components.engine.whereabouts.locate_places`; this module only
shows them. An analyst who expects France and reads "Ethiopia, Somalia" sees at once that the
coordinate columns are wrong, which a range check cannot tell when both are within [-90, 90].
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from components.engine.whereabouts import Whereabouts, whereabouts_sentence
from components.ui.text import escape_markdown

SWAP_LABEL = "Swap latitude and longitude"


def sea_warning(result: Whereabouts) -> str:
    """The warning shown when most places fall in the sea (plain text, not escaped).

    Parameters
    ----------
    result : Whereabouts
        From :func:`components.engine.whereabouts.locate_places`.

    Returns
    -------
    str
        How many places fall in the sea, what to check, and where they would fall swapped
        when that puts most of them on land.
    """
    text = (
        f"{result.current.n_sea:,} of {result.n_checked:,} places fall in the sea. "
        "Check that the latitude and longitude columns are the right ones."
    )
    if result.offer_swap:
        text += (
            " With latitude and longitude swapped, they would fall: "
            f"{whereabouts_sentence(result, swapped=True)}."
        )
    return text


def show_whereabouts(result: Whereabouts, *, on_swap: Callable[[], None] | None, key: str) -> None:
    """Say where the places fall; warn when most are in the sea; offer to swap the columns.

    Parameters
    ----------
    result : Whereabouts
        From :func:`components.engine.whereabouts.locate_places`.
    on_swap : callable or None
        Called (as the button's ``on_click``, before the rerun) when the user asks to swap
        latitude and longitude; None shows no button.
    key : str
        The swap button's widget key (unique on the page).
    """
    # Country names come from the shipped file, not the user's; escaped all the same, so no
    # name can ever act as Markdown.
    st.markdown(f"**Where the places are:** {escape_markdown(whereabouts_sentence(result))}.")
    if not result.warn_sea:
        return
    st.warning(escape_markdown(sea_warning(result)), icon=":material/water:")
    if result.offer_swap and on_swap is not None:
        st.button(
            SWAP_LABEL,
            key=key,
            on_click=on_swap,
            icon=":material/swap_horiz:",
            help="Read the latitude column as the longitude and the longitude column as the "
            "latitude.",
        )
