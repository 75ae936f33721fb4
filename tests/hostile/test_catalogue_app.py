"""The hostile catalogue through AppTest: every file, URL value and data fault on its page.

A file is uploaded on the Data page, where the user first learns whether it was read, and
then clustered on the Clusters page in the same session, as a user does. Each case checks
the message the user gets (as plain text, after the page's escaping), that the pages raised
nothing and stay usable, and that text from the file or the link reached the page escaped:
a hostile string never appears in a Markdown element as written, only with its Markdown
characters escaped.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from components.figures.text import deck_label
from components.ui import source
from tests.app.conftest import DATA_PAGE, layer_rows, upload_on_data_page
from tests.hostile.catalogue import (
    CLUSTER_CASES,
    DATA_FAULTS,
    FILES,
    GOOD,
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

CLUSTERS_PAGE = "pages/clusters.py"
EXPLORE_PAGE = "pages/explore.py"
# Every page that draws the active data (each has its own sinks for a file's text).
DATA_PAGES = (
    CLUSTERS_PAGE,
    "pages/choose_k.py",
    "pages/explain.py",
    EXPLORE_PAGE,
    "pages/kmeans_fails.py",
)
# Element types whose text Streamlit renders as Markdown.
_MARKDOWN_ELEMENTS = ("error", "warning", "info", "success", "caption", "markdown", "subheader")
WAY_OUT = "Or cluster a file of your own on the Data page."


def _texts(elements: Iterable[Any]) -> list[str]:
    return [str(element.value) for element in elements]


def _markdown(app: AppTest) -> list[str]:
    """Every Markdown text of the page (main area and sidebar), as sent to the browser:
    the Markdown elements and the radio buttons' options (the sidebar names the file)."""
    found: list[str] = []
    for kind in _MARKDOWN_ELEMENTS:
        found += _texts(app.get(kind))
    for radio in app.radio:
        found += [str(option) for option in radio.options]
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


def _uploader(app: AppTest) -> Any:
    """The Data page's file uploader (its key changes when the file is forgotten)."""
    found = [w for w in app.file_uploader if str(w.key).startswith(source.UPLOAD_KEY_PREFIX)]
    assert len(found) == 1, [widget.key for widget in app.file_uploader]
    return found[0]


def _open(app: AppTest, page: str) -> AppTest:
    app.switch_page(page).run()
    assert not app.exception, (page, app.exception)
    return app


def _assert_data_page_usable(app: AppTest) -> None:
    """The Data page still offers every way on: another file, the example, the census data."""
    _uploader(app)
    assert app.button(key=source.EXAMPLE_KEY).disabled is False
    assert app.button(key=source.HOUSING_KEY).disabled is False


@pytest.mark.slow  # every file uploaded, then its Clusters page: about two minutes
@pytest.mark.parametrize("case", FILES, ids=[case.id for case in FILES])
def test_file(case: FileCase, real_data: Path, make_app: Callable[..., AppTest]) -> None:
    app = _open(make_app(), DATA_PAGE)
    accepted = _uploader(app).proto.type
    if not case.name.lower().endswith(tuple(accepted)):
        # Streamlit's uploader refuses the name itself (in the browser, before any byte is
        # sent); the reader's own message for it is checked on the module path.
        assert accepted == [".csv", ".txt", ".tsv", ".parquet", ".pq"], accepted
        return
    upload_on_data_page(app, case.name, case.content)
    assert not app.exception, app.exception
    errors = [plain(text) for text in _texts(app.error)]
    if case.refused:
        assert len(errors) == 1, errors
        assert shown(app.error[0].value).text.startswith(f"{case.name} cannot be used."), errors
        assert case.expect in errors[0], errors
        _assert_shown_as_written(app.error[0].value)
        _assert_data_page_usable(app)
        assert app.button(key=source.FORGET_KEY)  # and the file can be dropped
    else:
        assert not errors, errors
        captions = [plain(text) for text in _texts(app.caption)]
        read = f"{case.n_rows:,} places read from {case.name}"
        assert any(read in caption for caption in captions), captions
        notes = [plain(text) for text in _texts(app.info)]
        assert not case.expect or any(case.expect in note for note in notes), notes
    _assert_user_text_escaped(app)

    _open(app, CLUSTERS_PAGE)  # the file is every page's data now
    if case.refused:
        assert [plain(text) for text in _texts(app.error)] == errors  # the same message
        assert not app.get("deck_gl_json_chart")
        assert app.sidebar.radio(key=source.SWITCH_KEY)  # the way back to the census data
    else:
        assert not app.error, _texts(app.error)
        assert app.get("deck_gl_json_chart"), "the places should be on the map"
    _assert_user_text_escaped(app)


def _points_tooltip(app: AppTest) -> str:
    return str(json.loads(app.get("deck_gl_json_chart")[0].proto.tooltip)["text"])


def _deck_code(spec: object, key: str = "") -> list[tuple[str, str]]:
    """Every string of a deck spec that deck.gl's converter reads as code, with its key."""
    if isinstance(spec, str):
        return [(key, spec)] if spec.startswith("@@") else []
    if isinstance(spec, dict):
        return [pair for name, value in spec.items() for pair in _deck_code(value, name)]
    if isinstance(spec, list):
        return [pair for value in spec for pair in _deck_code(value, key)]
    return []


def test_hostile_column_names_are_escaped_in_every_sink(
    real_data: Path,
    make_app: Callable[..., AppTest],
    deferred_downloads: dict[str, Callable[[], Any]],
) -> None:
    """Column names and cells full of markup: the Data page, then every page's subheaders,
    captions, box plot, map and downloads."""
    app = upload_on_data_page(make_app(), "hostile.csv", HOSTILE_NAMES_FILE)
    assert not app.exception and not app.error, (app.exception, _texts(app.error))
    _assert_user_text_escaped(app)
    _open(app, CLUSTERS_PAGE)
    assert not app.error, _texts(app.error)
    for column, axis_title in (
        ("[link](http://example.com/phish)", "[link](http://example.com/phish)"),
        ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),  # plotly draws <b>, <a href>: as entities
    ):
        app.selectbox(key="value_column").set_value(column).run()
        assert not app.exception, app.exception
        subheaders = [plain(text) for text in _texts(app.subheader)]
        assert f"{column} per cluster" in subheaders, subheaders
        _assert_user_text_escaped(app)
        box = next(
            json.loads(chart.proto.spec)
            for chart in app.get("plotly_chart")
            if chart.proto.id.endswith("box_plot")
        )
        assert box["layout"]["yaxis"]["title"]["text"] == axis_title

    # The map: the column names reach its tooltip as text, the tiles hold numbers only, and
    # the only strings deck.gl reads as code are the app's own accessors.
    tooltip = _points_tooltip(app)
    for column in ("[link](http://example.com/phish)", "**bold**", "<b>x</b>"):
        assert f"\n{deck_label(column)} (mean): " in tooltip, tooltip
    assert not any(line.startswith("@@") for line in tooltip.splitlines()), tooltip
    spec = json.loads(app.get("deck_gl_json_chart")[0].proto.json)
    tiles = layer_rows(spec, "points")
    assert tiles and not [
        value
        for tile in tiles
        for value in tile["properties"].values()
        if not isinstance(value, int | float) and value is not None
    ]
    code = _deck_code(spec)
    assert code and all(
        key == "@@type" or (key.startswith("get") and text.startswith("@@=")) for key, text in code
    ), code

    # The cells reach the downloads as text, a spreadsheet's formula starts (=, @) defused.
    rows_csv = next(
        make() for name, make in deferred_downloads.items() if name.endswith("rows.csv")
    )
    cells = {cell for row in csv.reader(io.StringIO(rows_csv.decode("utf-8"))) for cell in row}
    assert {'\'=HYPERLINK("http://x")', "'@@#GL.ONE", "'@@=this"} <= cells, cells
    assert not any(cell.startswith(("=", "@")) for cell in cells), cells
    assert {"[click](http://example.com)", "<script>alert(1)</script>", "**bold**"} <= cells


HOSTILE_FILE_NAME = "[click](http://example.com)**x**<b>y</b>$x$.csv"


@pytest.mark.parametrize("page", DATA_PAGES)
def test_hostile_names_are_escaped_on_every_page(
    page: str, real_data: Path, make_app: Callable[..., AppTest]
) -> None:
    """A file whose name, column names and cells are markup, on each page that shows it."""
    app = upload_on_data_page(make_app(), HOSTILE_FILE_NAME, HOSTILE_NAMES_FILE)
    assert not app.exception and not app.error, (app.exception, _texts(app.error))
    subheaders = [plain(text) for text in _texts(app.subheader)]
    assert f"Now clustering: {HOSTILE_FILE_NAME}" in subheaders, subheaders
    _assert_user_text_escaped(app)
    _open(app, page)
    _assert_user_text_escaped(app)
    options = [plain(option) for option in app.sidebar.radio(key=source.SWITCH_KEY).options]
    assert f"Your file: {HOSTILE_FILE_NAME}" in options, options
    assert not app.error, _texts(app.error)


@pytest.mark.parametrize("case", CLUSTER_CASES, ids=[case.id for case in CLUSTER_CASES])
def test_cluster_case(case: ClusterCase, real_data: Path, make_app: Callable[..., AppTest]) -> None:
    """A file read but too small (or too uniform) to cluster: what to do, and only that."""
    app = upload_on_data_page(make_app(), "places.csv", case.content)
    assert not app.exception and not app.error, (app.exception, _texts(app.error))
    _open(app, CLUSTERS_PAGE)
    assert len(app.error) == 1, _texts(app.error)
    page = shown(app.error[0].value)
    assert page.text.startswith("These settings cannot be clustered."), page.text
    assert case.expect in page.text, page.text
    assert not [advice for advice in case.absent if advice in page.text], page.text
    _assert_shown_as_written(app.error[0].value)
    assert not app.get("deck_gl_json_chart")
    # The sidebar stays: the features can be changed, and the census data chosen again.
    assert app.sidebar.multiselect(key="features").value
    assert app.sidebar.radio(key=source.SWITCH_KEY)


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
    app = _open(make_app(), EXPLORE_PAGE)
    shown_text = [plain(text) for text in _markdown(app)]
    assert not any(str(tmp_path) in text for text in shown_text), shown_text  # no server path
    if fault.note:
        assert not app.error, _texts(app.error)
        assert any(fault.expect in plain(text) for text in _texts(app.info)), shown_text
        assert app.get("deck_gl_json_chart"), "the data is used, with the note"
        return
    errors = [plain(text) for text in _texts(app.error)]
    assert any(fault.expect in error for error in errors), errors
    for error in app.error:
        _assert_shown_as_written(error.value)
    assert not app.get("deck_gl_json_chart")
    # The way out: a file of one's own, on the Data page the page links to.
    assert WAY_OUT in [plain(text) for text in _texts(app.markdown)], shown_text
    assert any(link.proto.page.endswith("data") for link in app.get("page_link"))
    upload_on_data_page(app, "places.csv", GOOD)
    assert not app.exception and not app.error, (app.exception, _texts(app.error))
    _open(app, EXPLORE_PAGE)
    assert not app.error, _texts(app.error)
    assert app.get("deck_gl_json_chart"), "the file is explored instead"
