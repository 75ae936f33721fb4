"""Tests for components.ui.text.message_markdown: text escaped, commands shown as code.

What the page shows is read with tests/markdown_shown.py, whose copy of the frontend's
typography is checked here against the installed Streamlit.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit

from components.engine.messages import Code, message
from components.engine.upload import PlacesError
from components.ui.text import escape_markdown, message_markdown
from tests.hostile.catalogue import HOSTILE_STRINGS, plain_parts
from tests.markdown_shown import TYPOGRAPHY, shown

COMMAND = "git checkout -- data/housing.csv.gz"
# A rule of the frontend's typography as the minified bundle writes it:
# [/(^|\s)--(\s|$)/g,`$1—$2`]
_RULE = re.compile(r"\[/\(\^\|\\s\)(.+?)\(\\s\|\$\)/g,`\$1(.+?)\$2`\]")


def test_the_typography_copied_is_the_installed_frontends() -> None:
    bundles = list((Path(streamlit.__file__).parent / "static").rglob("StreamlitMarkdown*.js"))
    assert bundles, "Streamlit's Markdown component was not found in its static files"
    rules = [tuple(rule) for bundle in bundles for rule in _RULE.findall(bundle.read_text())]
    assert tuple(rules) == TYPOGRAPHY


def test_a_command_as_escaped_text_loses_its_dashes_on_the_page() -> None:
    """The defect: escaping does not help, the renderer works on the unescaped text."""
    page = shown(escape_markdown(f"Restore it ({COMMAND})."))
    assert COMMAND not in page.text and "git checkout \u2014 data/housing.csv.gz" in page.text
    assert page.retyped == (f"Restore it ({COMMAND}).",)


def test_a_command_as_code_is_shown_as_written() -> None:
    said = message("Restore it (in a git clone: ", Code(COMMAND), ").")
    assert said == f"Restore it (in a git clone: {COMMAND})."  # plain text for logs and tests
    markdown = message_markdown(said)
    assert markdown == f"Restore it \\(in a git clone\\: `{COMMAND}`\\)\\."
    page = shown(markdown)
    assert page.text == said and page.code == (COMMAND,) and page.retyped == ()
    assert "--" not in page.prose


def test_an_error_raised_with_a_message_keeps_its_code() -> None:
    error = PlacesError(message("Set ", Code("GEOCLUSTER_DATA"), " -- or not."))
    assert str(error) == "Set GEOCLUSTER_DATA -- or not."
    assert shown(message_markdown(error)).code == ("GEOCLUSTER_DATA",)
    assert message_markdown(ValueError("a -- b")) == escape_markdown("a -- b")
    assert message_markdown("plain *text*") == escape_markdown("plain *text*")


@pytest.mark.parametrize("code", ["a`b", "``x``", "`start", "end`"])
def test_backticks_inside_code_cannot_end_it(code: str) -> None:
    page = shown(message_markdown(message("run ", Code(code), " now")))
    assert page.code == (code,) and page.text == f"run {code} now"


def test_a_block_is_fenced_on_its_own_lines() -> None:
    snippet = "import x\n\n```\nx.run('--all')"
    said = message("In Python:\n\n", Code(snippet, "python"), "\n\nThen upload it.")
    markdown = message_markdown(said)
    assert markdown.startswith("In Python\\:\n\n````python\nimport x\n\n```\nx.run('--all')\n````")
    assert markdown.endswith("\n````\n\nThen upload it\\.")
    assert shown(markdown).code == (snippet,)


@pytest.mark.parametrize("text", HOSTILE_STRINGS)
def test_user_text_in_a_message_stays_text(text: str) -> None:
    """A column name in a message is a plain part: escaped, never code, never a block."""
    said = message(f"Column '{text}' holds lists. Run ", Code("x --y"), ".")
    markdown = message_markdown(said)
    page = shown(markdown)
    assert page.code == ("x --y",)
    assert " ".join(text.split()) in page.prose  # shown as written (whitespace folded)
    assert escape_markdown(f"Column '{text}' holds lists. Run") in markdown


def test_plain_parts_leave_the_code_out() -> None:
    said = message("Use ", Code("pandas"), " here.")
    assert plain_parts(said) == "Use   here." and plain_parts("no code") == "no code"
