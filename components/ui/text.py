"""Text shown through Streamlit's Markdown: user data escaped so it reads as plain text.

One function for this sink, :func:`escape_markdown`; every st.markdown / caption / subheader /
title / info / warning / error / help text that can carry text from a file, a URL or a widget
goes through it (plotly labels and deck.gl specs have theirs in
:mod:`components.figures.text`). A message with commands or paths to copy
(:class:`components.engine.messages.Message`) goes through :func:`message_markdown`, which
escapes its text the same way and shows its code as code.
"""

from __future__ import annotations

import re

from components.engine.messages import Code, Message

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


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_BACKTICKS = re.compile(r"`+")


def _fence(text: str, shortest: int) -> str:
    """Backticks that no run of backticks inside ``text`` can close."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    return "`" * max(shortest, longest + 1)


def _code_markdown(code: Code) -> str:
    """A code span, or a fenced block for code on several lines: shown exactly as written."""
    if code.is_block:
        body = code.text.strip("\n")
        fence = _fence(body, 3)
        return f"{fence}{code.language}\n{body}\n{fence}"
    fence = _fence(code.text, 1)
    # A span that starts or ends with a backtick needs a space inside its fence (which
    # Markdown then drops).
    pad = " " if code.text[:1] == "`" or code.text[-1:] == "`" else ""
    return f"{fence}{pad}{code.text}{pad}{fence}"


def _escaped_inline(text: str) -> str:
    """``escape_markdown`` that keeps one space at either end (a word before or after code)."""
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() else ""
    body = escape_markdown(text)
    return f"{lead}{body}{trail}" if body else lead or trail


def message_markdown(message: object) -> str:
    """Markdown of a message: its text escaped, its code shown as code.

    Parameters
    ----------
    message : str, Message or exception
        The message, or an error raised with one (its first argument).

    Returns
    -------
    str
        Markdown for st.error / st.warning / st.info. The text is escaped as by
        :func:`escape_markdown` (a blank line in it starts a new paragraph); each
        :class:`~components.engine.messages.Code` part is a code span (a fenced block when it
        spans lines), fenced so that no backtick in it can end it. A plain ``str`` is all text.
    """
    if isinstance(message, BaseException):
        first = message.args[0] if len(message.args) == 1 else None
        message = first if isinstance(first, Message) else str(message)
    parts = message.parts if isinstance(message, Message) else (str(message),)
    paragraphs: list[list[str]] = [[]]
    for part in parts:
        if isinstance(part, Code) and part.is_block:
            paragraphs += [[_code_markdown(part)], []]
        elif isinstance(part, Code):
            paragraphs[-1].append(_code_markdown(part))
        else:
            for index, chunk in enumerate(_PARAGRAPH_BREAK.split(part)):
                if index:
                    paragraphs.append([])
                paragraphs[-1].append(_escaped_inline(chunk))
    shown = ("".join(pieces).strip(" ") for pieces in paragraphs)
    return "\n\n".join(paragraph for paragraph in shown if paragraph)
