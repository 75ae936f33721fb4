"""Text from a file or a URL, made safe for the two drawing sinks: plotly and deck.gl.

One function per sink (Markdown has its own, :func:`components.ui.text.escape_markdown`):

- :func:`plotly_text`: plotly draws titles, axis titles, legend names, tick labels and hover
  text as a subset of HTML (``<a href>``, ``<b>``, ``<br>``, ...) and decodes entities, so
  ``&``, ``<`` and ``>`` become entities and the text shows as written.
- :func:`deck_text`: Streamlit hands a pydeck spec to deck.gl's JSON converter, which reads
  any string starting with ``@@`` as code (``@@=`` an expression, ``@@#`` a constant, ``@@type``
  a class), data rows included (a cell ``@@#GL.ONE`` would be read as a constant). A
  zero-width space in front keeps such a text a text; nothing else changes.
- :func:`deck_label`: a column's name inside a deck tooltip template, where ``{...}`` names
  a field of the point: braces become parentheses.
"""

from __future__ import annotations

__all__ = ["ZERO_WIDTH_SPACE", "deck_label", "deck_text", "plotly_text"]

ZERO_WIDTH_SPACE = "\u200b"
_DECK_CODE_PREFIX = "@@"
_PLOTLY_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def plotly_text(text: object) -> str:
    """A text shown by plotly exactly as written (no HTML, no links).

    Parameters
    ----------
    text : object
        A column name, a cell value, a label (converted with ``str``).

    Returns
    -------
    str
        The text with ``&``, ``<`` and ``>`` written as entities.
    """
    return str(text).translate(_PLOTLY_ENTITIES)


def deck_text(text: object) -> str:
    """A text value for a deck.gl spec that its JSON converter leaves as text.

    Parameters
    ----------
    text : object
        A cell value or a tooltip text (converted with ``str``).

    Returns
    -------
    str
        The text; one starting with ``@@`` gets a zero-width space in front.
    """
    value = str(text)
    return ZERO_WIDTH_SPACE + value if value.startswith(_DECK_CODE_PREFIX) else value


def deck_label(name: object) -> str:
    """A column's name for a deck tooltip template: braces would name a point's field.

    Parameters
    ----------
    name : object
        The name (converted with ``str``).

    Returns
    -------
    str
        The name with ``{`` and ``}`` as ``(`` and ``)``, made safe by :func:`deck_text`.
    """
    return deck_text(str(name).replace("{", "(").replace("}", ")"))
