"""What Streamlit's frontend shows of a Markdown text: the words a reader sees, code as code.

AppTest gives an element's Markdown source, not what the browser draws, and the two differ
in more than the escapes: Streamlit's renderer (its ``StreamlitMarkdown`` component, a remark
plugin) turns ``--``, ``->``, ``<=`` ... between spaces into typographic characters in every
text node (never inside code), so a command written as text, ``git checkout -- file``,
reaches the page as ``git checkout — file``. :func:`shown` does what the renderer does, for
the Markdown the app writes (escaped text, ``**bold**``, code spans and fenced blocks), and
:data:`TYPOGRAPHY` is the renderer's list, which ``tests/ui/test_text.py`` reads back from
the installed frontend so that this copy cannot drift from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# (what, becomes), applied in this order to each text node, where "what" stands between
# whitespace or the node's ends: Streamlit's frontend, StreamlitMarkdown.
TYPOGRAPHY: tuple[tuple[str, str], ...] = (
    ("<->", "\u2194"),
    ("->", "\u2192"),
    ("<-", "\u2190"),
    ("--", "\u2014"),
    (">=", "\u2265"),
    ("<=", "\u2264"),
    ("~=", "\u2248"),
)
_WORD_JOINER = "\u2060"
_FENCED = re.compile(r"^(`{3,})([^\n`]*)\n(.*?)\n\1[ \t]*$", re.MULTILINE | re.DOTALL)
_ASCII_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


@dataclass(frozen=True)
class Shown:
    """A Markdown text as the page shows it.

    Attributes
    ----------
    text : str
        Everything a reader sees, in order: text nodes after the renderer's typography,
        code exactly as written.
    code : tuple of str
        The code spans and fenced blocks, as written.
    prose : str
        The text nodes alone (code left out, each replaced by a space).
    retyped : tuple of str
        The text nodes the typography changed, as the source has them (a ``--`` that
        became an em dash: empty when the page shows every text as written).
    """

    text: str
    code: tuple[str, ...]
    prose: str
    retyped: tuple[str, ...]


def _typography(text: str) -> str:
    for what, becomes in TYPOGRAPHY:
        text = re.sub(rf"(^|\s){re.escape(what)}(\s|$)", rf"\g<1>{becomes}\g<2>", text)
    return text


def split_code(markdown: str) -> list[tuple[str, bool]]:
    """Split Markdown into (piece, is_code): code spans and fenced blocks (their text as
    written), and the Markdown between them (as written: escapes and bold marks kept)."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for block in _FENCED.finditer(markdown):
        pieces += _split_spans(markdown[at : block.start()])
        pieces.append((block.group(3), True))
        at = block.end()
    return pieces + _split_spans(markdown[at:])


def _split_spans(markdown: str) -> list[tuple[str, bool]]:
    pieces: list[tuple[str, bool]] = []
    start = at = 0
    while at < len(markdown):
        if markdown[at] == "\\" and markdown[at + 1 : at + 2] in _ASCII_PUNCTUATION:
            at += 2
            continue
        if markdown[at] != "`":
            at += 1
            continue
        run = len(markdown[at:]) - len(markdown[at:].lstrip("`"))
        end = re.compile(rf"(?<!`)`{{{run}}}(?!`)").search(markdown, at + run)
        if end is None:  # no closing run: the backticks are text
            at += run
            continue
        if start < at:
            pieces.append((markdown[start:at], False))
        code = markdown[at + run : end.start()].replace("\n", " ")
        if code.startswith(" ") and code.endswith(" ") and code.strip():
            code = code[1:-1]
        pieces.append((code, True))
        start = at = end.end()
    if start < len(markdown):
        pieces.append((markdown[start:], False))
    return pieces


def _text_nodes(markdown: str) -> list[str]:
    """The text nodes of Markdown without code: escapes resolved; a bold mark ends a node."""
    nodes: list[str] = []
    text: list[str] = []
    at = 0
    while at < len(markdown):
        if markdown[at] == "\\" and markdown[at + 1 : at + 2] in _ASCII_PUNCTUATION:
            text.append(markdown[at + 1])
            at += 2
        elif markdown.startswith("**", at):
            nodes.append("".join(text))
            text.clear()
            at += 2
        else:
            text.append(markdown[at])
            at += 1
    nodes.append("".join(text))
    return [node for node in nodes if node]


def shown(markdown: str) -> Shown:
    """What the page shows of the Markdown the app writes.

    Parameters
    ----------
    markdown : str
        An element's body (``element.value`` in AppTest).

    Returns
    -------
    Shown
        The text as a reader sees it, its code, and its prose.
    """
    text: list[str] = []
    code: list[str] = []
    prose: list[str] = []
    retyped: list[str] = []
    for piece, is_code in split_code(markdown):
        if is_code:
            code.append(piece)
            text.append(piece)
            prose.append(" ")
            continue
        for node in _text_nodes(piece):
            written = node.replace(_WORD_JOINER, "")
            words = _typography(written)
            if words != written:
                retyped.append(written)
            text.append(words)
            prose.append(words)
    return Shown(text="".join(text), code=tuple(code), prose="".join(prose), retyped=tuple(retyped))
