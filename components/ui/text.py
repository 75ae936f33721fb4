"""Text shown through Streamlit's Markdown: user data escaped so it reads as plain text.

One function for this sink, :func:`escape_markdown`; every st.markdown / caption / subheader /
title / info / warning / error / help text that can carry text from a file, a URL or a widget
goes through it (plotly labels and deck.gl specs have theirs in
:mod:`components.figures.text`).
"""

from __future__ import annotations

import re

# Markdown, Streamlit's directives (":red[...]", ":material/...:") and its LaTeX ("$...$"):
# every character that any of them acts on.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&^=\"'])")
# GitHub's "autolink literals" turn a bare http://..., www.... or name@host.tld into a link,
# and they are found in the text after the backslash escapes are resolved, so escaping is
# not enough: a word joiner (invisible, and neither a letter nor a space) breaks each one
# where it starts: before the "://" of a scheme, between "www" and its dot, after an "@".
WORD_JOINER = "\u2060"
_AUTOLINK_STARTS = re.compile(r"(?<=[A-Za-z])(?=\\:/)|(?i:(?<=www))(?=\\\.)|(?<=@)")


def escape_markdown(text: str) -> str:
    """Escape a text for Streamlit's Markdown so that it shows literally.

    Parameters
    ----------
    text : str
        Text that may hold user data (a file name, a cell value, an error message).

    Returns
    -------
    str
        The text, shown literally by ``st.markdown`` (no links, bare URLs included, no images,
        HTML, ``$`` maths or ``:colour[...]`` directives): every Markdown character is
        backslash-escaped, a word joiner breaks each autolink, and runs of whitespace, newlines
        included, become one space so the text cannot start a new Markdown block.
    """
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return _AUTOLINK_STARTS.sub(WORD_JOINER, escaped)
