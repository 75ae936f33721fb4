"""Text shown through Streamlit's Markdown: user data escaped so it reads as plain text."""

from __future__ import annotations

import re

# Markdown, Streamlit's directives (":red[...]", ":material/...:") and its LaTeX ("$...$"):
# every character that any of them acts on.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&^=\"'])")


def escape_markdown(text: str) -> str:
    """Backslash-escape every Markdown (and Streamlit directive / LaTeX) character of a text.

    Parameters
    ----------
    text : str
        Text that may hold user data (a file name, a cell value, an error message).

    Returns
    -------
    str
        The text, shown literally by ``st.markdown`` (no links, images, HTML, ``$`` maths or
        ``:colour[...]`` directives); runs of whitespace, newlines included, become one space
        so the text cannot start a new Markdown block.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
