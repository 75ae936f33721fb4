"""Messages for people, with the commands, paths and snippets to copy marked as code.

Pure Python (no Streamlit). An error's message is plain text: it reads the same in a log, a
test and on the page. A page shows it through Markdown, which has its own ideas about
plain text (Streamlit's renderer turns a `` -- `` between spaces into an em dash, so a
copied ``git checkout -- file`` would no longer run), and the text of a file or a link must
never become markup. So the parts to copy are kept apart: :func:`message` joins plain text
and :class:`Code` parts into a :class:`Message`, a ``str`` that remembers which of its
parts are code; :func:`components.ui.text.message_markdown` then escapes the text and
shows the code as code. Text from a file (a column name, a cell) is always a plain part.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Code", "Message", "message"]


@dataclass(frozen=True)
class Code:
    """Text to be copied as written: a command, a path, a setting's name, a code snippet.

    Attributes
    ----------
    text : str
        The code; with a line break it is a block, shown on lines of its own.
    language : str
        A block's language for highlighting (e.g. "python"); "" for none.
    """

    text: str
    language: str = ""

    @property
    def is_block(self) -> bool:
        """True when the code spans lines (shown as a block, not within a sentence)."""
        return "\n" in self.text

    def __str__(self) -> str:
        return self.text


class Message(str):
    """A message: its plain text (the ``str``), and ``parts`` that say which of it is code.

    Build one with :func:`message`. String methods (``+``, ``strip``, formatting) return a
    plain ``str`` without the parts: compose messages with :func:`message` instead.
    """

    parts: tuple[str | Code, ...]


def message(*parts: str | Code) -> Message:
    """Join plain text and code into a message.

    Parameters
    ----------
    *parts : str, Code or Message
        The message in order; a :class:`Message` brings its own parts.

    Returns
    -------
    Message
        The plain text of every part, joined, with the parts kept.
    """
    flat: list[str | Code] = []
    for part in parts:
        if isinstance(part, Message):
            flat.extend(part.parts)
        else:
            flat.append(part if isinstance(part, Code) else str(part))
    made = Message("".join(part.text if isinstance(part, Code) else part for part in flat))
    made.parts = tuple(flat)
    return made
