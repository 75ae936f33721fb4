"""The hostile inputs of issue 11, in one place: files, URL values, data-file faults, strings.

Each entry states the message the user must get (a substring of it, as plain text). The same
catalogue runs on the module path (``test_catalogue_engine.py``), through AppTest
(``test_catalogue_app.py``) and, for a dozen entries, in a real browser
(``tests/e2e/test_hostile_browser.py``).
"""

from __future__ import annotations

import re

# Markdown escapes and the word joiner that breaks autolinks (components/ui/text.py).
_ESCAPED = re.compile(r"\\(.)")
_WORD_JOINER = "\u2060"

# Text that some sink could turn into markup or code: Markdown links and emphasis, bare URLs
# and e-mail addresses (autolinks), HTML, Streamlit directives and maths, plotly's HTML-like
# labels, deck.gl's JSON-converter prefixes, formula starts, control characters.
HOSTILE_STRINGS: tuple[str, ...] = (
    "[link](http://example.com/phish)",
    "**bold**",
    "http://example.com",
    "https://example.com/a?b=c",
    "www.example.com",
    "mail@example.com",
    "<a href=http://x>x</a>",
    "<script>alert(1)</script>",
    "<b>bold</b>",
    "<img src=x onerror=alert(1)>",
    "$x$",
    "$$\\frac{1}{2}$$",
    ":red[alarm]",
    ":material/warning:",
    "![img](http://example.com/a.png)",
    "# heading",
    "> quote",
    "`code`",
    "@@#GL.ONE",
    "@@=this",
    "@@=[1,2]",
    "@@type",
    "=HYPERLINK(\"http://x\")",
    "{0}",
    "&amp; &lt;",
    "line\nbreak",
)


def plain(markdown: str) -> str:
    """The text a reader sees of Markdown the app escaped: backslashes and word joiners gone."""
    return _ESCAPED.sub(r"\1", markdown).replace(_WORD_JOINER, "")
