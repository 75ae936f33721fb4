"""The hostile catalogue through AppTest: every file, URL value and data fault on its page.

Each case checks the message the user gets (as plain text, after the page's escaping), that
the page raised nothing and stays usable, and that text from the file or the link reached
the page escaped: a hostile string never appears in a Markdown element as written, only
with its Markdown characters escaped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.hostile.catalogue import (
    CLUSTER_CASES,
    DATA_FAULTS,
    FILES,
    HOSTILE_NAMES_FILE,
    HOSTILE_STRINGS,
    URL_VALUES,
    ClusterCase,
    DataFault,
    FileCase,
    UrlCase,
    arrange_data_fault,
    jargon,
    plain,
)
from tests.markdown_shown import shown

PLACES_PAGE = "pages/your_places.py"
EXPLORE_PAGE = "pages/explore.py"
# Element types whose text Streamlit renders as Markdown.
_MARKDOWN_ELEMENTS = ("error", "warning", "info", "success", "caption", "markdown", "subheader")


def _texts(elements: Iterable[Any]) -> list[str]:
    return [str(element.value) for element in elements]


def _markdown(app: AppTest) -> list[str]:
    """Every Markdown text of the page (main area and sidebar), as sent to the browser."""
    found: list[str] = []
    for kind in _MARKDOWN_ELEMENTS:
        found += _texts(app.get(kind))
    return found


_ACTIVE = "[]*<>$:`#_"


def _live(markdown: str, hostile: str) -> bool:
    """Whether ``hostile`` occurs in ``markdown`` with its first active character unescaped."""
    first = next((at for at, character in enumerate(hostile) if character in _ACTIVE), None)
    if first is None:
        return False
    start = markdown.find(hostile)
    while start >= 0:
        position = start + first
        backslashes = len(markdown[:position]) - len(markdown[:position].rstrip("\\"))
        if backslashes % 2 == 0:
            return True
        start = markdown.find(hostile, start + 1)
    return False


def _assert_user_text_escaped(app: AppTest) -> None:
    """No hostile string reaches a Markdown element as written (only escaped)."""
    for markdown in _markdown(app):
        for hostile in HOSTILE_STRINGS:
            assert not _live(markdown, hostile), (hostile, markdown)


def _assert_shown_as_written(markdown: str) -> None:
    """The page shows the message's words as written (no "--" made a dash), in plain words,
    with any command to restore the data as code."""
    page = shown(markdown)
    assert not page.retyped, page.retyped
    assert not jargon(page.prose), (jargon(page.prose), page.prose)
    if "git checkout" in page.text:
        assert any(code.startswith("git checkout -- data/") for code in page.code), page


def _upload(app: AppTest, case: FileCase) -> AppTest:
    app.file_uploader[0].upload(case.name, case.content, "text/csv").run()
    return app


@pytest.mark.slow  # 43 page runs: about a minute
@pytest.mark.parametrize("case", FILES, ids=[case.id for case in FILES])
def test_file(case: FileCase, make_app: Callable[..., AppTest]) -> None:
    app = make_app(PLACES_PAGE)
    app.run()
    accepted = app.file_uploader[0].proto.type
    if not case.name.lower().endswith(tuple(accepted)):
        # Streamlit's uploader refuses the name itself (in the browser, before any byte is
        # sent); the reader's own message for it is checked on the module path.
        assert accepted == [".csv", ".txt", ".tsv", ".parquet", ".pq"], accepted
        return
    _upload(app, case)
    assert not app.exception, app.exception
    errors = [plain(text) for text in _texts(app.error)]
    if case.refused:
        assert len(errors) == 1, errors
        assert f"{case.name} cannot be used." in errors[0], errors
        assert case.expect in errors[0], errors
        _assert_shown_as_written(app.error[0].value)
        assert len(app.file_uploader) == 1 and not app.get("deck_gl_json_chart")
    else:
        assert not errors, errors
        captions = [plain(text) for text in _texts(app.caption)]
        read = f"{case.n_rows:,} places read from {case.name}"
        assert any(read in caption for caption in captions), captions
        notes = [plain(text) for text in _texts(app.info)]
        assert not case.expect or any(case.expect in note for note in notes), notes
        assert app.get("deck_gl_json_chart"), "the places should be on the map"
    _assert_user_text_escaped(app)


def test_hostile_column_names_are_escaped_in_every_sink(make_app: Callable[..., AppTest]) -> None:
    """Column names and cells full of markup: the page's subheader, captions, box plot, map."""
    app = make_app(PLACES_PAGE)
    app.run()
    app.file_uploader[0].upload("hostile.csv", HOSTILE_NAMES_FILE, "text/csv").run()
    assert not app.exception and not app.error, (app.exception, _texts(app.error))
    for column, axis_title in (
        ("[link](http://example.com/phish)", "[link](http://example.com/phish)"),
        ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),  # plotly draws <b>, <a href>: as entities
    ):
        app.selectbox(key="places_value_column").set_value(column).run()
        assert not app.exception, app.exception
        subheaders = [plain(text) for text in _texts(app.subheader)]
        assert f"{column} per cluster" in subheaders, subheaders
        _assert_user_text_escaped(app)
        box = next(
            json.loads(chart.proto.spec)
            for chart in app.get("plotly_chart")
            if chart.proto.id.endswith("places_box_plot")
        )
        assert box["layout"]["yaxis"]["title"]["text"] == axis_title
    deck = json.loads(app.get("deck_gl_json_chart")[0].proto.json)
    points = next(layer for layer in deck["layers"] if layer["id"].startswith("points"))
    cells = {cell for row in points["data"] for cell in row if isinstance(cell, str)}
    assert "\u200b@@#GL.ONE" in cells and not any(cell.startswith("@@") for cell in cells)


@pytest.mark.parametrize("case", CLUSTER_CASES, ids=[case.id for case in CLUSTER_CASES])
def test_cluster_case(case: ClusterCase, make_app: Callable[..., AppTest]) -> None:
    """A file read but too small (or too uniform) to cluster: what to do, and only that."""
    app = make_app(PLACES_PAGE)
    app.run()
    app.file_uploader[0].upload("places.csv", case.content, "text/csv").run()
    assert not app.exception, app.exception
    assert len(app.error) == 1, _texts(app.error)
    page = shown(app.error[0].value)
    assert page.text.startswith("These places cannot be clustered this way."), page.text
    assert case.expect in page.text, page.text
    assert not [advice for advice in case.absent if advice in page.text], page.text
    _assert_shown_as_written(app.error[0].value)
    assert len(app.file_uploader) == 1 and not app.get("deck_gl_json_chart")


@pytest.mark.slow
@pytest.mark.parametrize("case", URL_VALUES, ids=[case.id for case in URL_VALUES])
def test_url_value(case: UrlCase, real_data: Path, make_app: Callable[..., AppTest]) -> None:
    app = make_app(**case.params)
    app.run()
    assert not app.exception, app.exception
    warnings = [plain(text) for text in _texts(app.warning)]
    assert any(case.expect in warning for warning in warnings), warnings
    assert not case.absent or not any(case.absent in warning for warning in warnings)
    _assert_user_text_escaped(app)
    assert app.get("deck_gl_json_chart"), "a bad link still shows the default view"


@pytest.mark.parametrize("fault", DATA_FAULTS, ids=[fault.id for fault in DATA_FAULTS])
def test_data_fault(
    fault: DataFault,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_app: Callable[..., AppTest],
) -> None:
    arrange_data_fault(fault, tmp_path, monkeypatch)
    app = make_app(EXPLORE_PAGE)
    app.run()
    assert not app.exception, app.exception
    shown = [plain(text) for text in _markdown(app)]
    assert not any(str(tmp_path) in text for text in shown), shown  # no server path
    if fault.note:
        assert not app.error, _texts(app.error)
        assert any(fault.expect in plain(text) for text in _texts(app.info)), shown
        assert app.get("deck_gl_json_chart"), "the data is used, with the note"
    else:
        errors = [plain(text) for text in _texts(app.error)]
        assert any(fault.expect in error for error in errors), errors
        for error in app.error:
            _assert_shown_as_written(error.value)
        assert len(app.get("file_uploader")) == 1  # the way out: upload the CSV
