"""A dozen entries of the hostile catalogue in a real browser (tests/hostile/catalogue.py).

Each test opens a fresh page, gives it a hostile file, link or data file, and checks what a
user sees: the expected message, and that no link, bold text or error box came from the
user's text (the page fixture also fails the test on any console error, which is how
deck.gl's "@@#GL.ONE" TypeError showed).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import harness
import pytest
from app_page import (
    BOX_FEATURE_LABEL,
    BOX_PLOT,
    go_to,
    open_clusters,
    pick_from_combobox,
    query_params,
    selectbox_value,
    upload_on_data_page,
    wait_for_charts,
)
from playwright.sync_api import Page, expect

from components.ui.text import WORD_JOINER
from tests.hostile.catalogue import (
    DROPPED_QUERY,
    FILES,
    URL_VALUES,
    FileCase,
    UrlCase,
)

# Hosts of the user's URLs, which must never become a link's target, and the user's text
# that must never become bold text on the page. (The page's own links may carry the
# user's text in their query string, URL-encoded: a heading's anchor is the page's URL.)
_USER_LINK_HOSTS = ("example.com", "x")
_USER_BOLD_TEXTS = ("bold", "x")

BROWSER_FILES = (
    "hostile-names-and-cells",
    "markdown-name",
    "one-line-5mb",
    "missing-spellings",
    "thousands",
    "header-40000-names",
)
BROWSER_URLS = ("k-markdown-link", "k-bold", "features-markdown-link", "k-20kb", "value-url")


def _file(case_id: str) -> FileCase:
    return next(case for case in FILES if case.id == case_id)


def _url(case_id: str) -> UrlCase:
    return next(case for case in URL_VALUES if case.id == case_id)


def _text(shown: str) -> str:
    """What a reader sees: the word joiners that break autolinks are invisible."""
    return shown.replace(WORD_JOINER, "")


def _assert_no_markup_from_user(page: Page) -> None:
    """No link to the user's URLs, no bold user text, no exception box, no injected tag."""
    hrefs = page.locator("a[href]").evaluate_all("(links) => links.map((a) => a.href)")
    hosts = {href: urllib.parse.urlsplit(href).hostname or "" for href in hrefs}
    assert not [href for href, host in hosts.items() if host in _USER_LINK_HOSTS], hrefs
    bold = page.locator("strong, b").all_inner_texts()
    assert not [text for text in bold if text.strip() in _USER_BOLD_TEXTS], bold
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.locator("[data-testid='stMain'] script, img[src='x']")).to_have_count(0)


@pytest.mark.parametrize("case_id", BROWSER_FILES)
def test_hostile_file(page: Page, base_url: str, case_id: str) -> None:
    case = _file(case_id)
    upload_on_data_page(page, base_url, case.name, case.content)
    errors = page.get_by_test_id("stAlertContentError")
    if case.refused:
        expect(errors).to_have_count(1)
        shown = _text(errors.first.inner_text())
        assert f"{case.name} cannot be used." in shown and case.expect in shown, shown
        expect(page.get_by_test_id("stFileUploader").first).to_be_visible()
        _assert_no_markup_from_user(page)
        return
    # Read: the Data page says how many places and gives the reader's note ...
    expect(errors).to_have_count(0)
    expect(page.get_by_text(f"{case.n_rows:,} places read from")).to_be_visible()
    if case.expect:
        notes = page.get_by_test_id("stAlertContentInfo").filter(has_text=case.expect)
        expect(notes.first).to_be_visible()
    _assert_no_markup_from_user(page)
    # ... and the file is clustered on the Clusters page.
    go_to(page, "Clusters")
    wait_for_charts(page)
    expect(page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first).to_be_attached()
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(2)  # elbow, box; selection map off
    expect(errors).to_have_count(0)
    _assert_no_markup_from_user(page)


def test_hostile_column_shown_as_text_in_headings_and_charts(page: Page, base_url: str) -> None:
    """A column named like a link and one named like HTML: text in the subheader and axis."""
    upload_on_data_page(page, base_url, "hostile.csv", _file("hostile-names-and-cells").content)
    go_to(page, "Clusters")
    wait_for_charts(page)
    # The first numeric column is the one shown per cluster at first; then the HTML one.
    for column in ("[link](http://example.com/phish)", "<b>x</b>"):
        if _text(selectbox_value(page, BOX_FEATURE_LABEL)) != column:
            harness.act_and_wait(
                page, lambda c=column: pick_from_combobox(page, BOX_FEATURE_LABEL, c)
            )
        heading = page.get_by_role("heading").filter(has_text="per cluster")
        expect(heading).to_have_count(1)
        assert _text(heading.inner_text()) == f"{column} per cluster"
        axis = page.locator(f"{BOX_PLOT} .ytitle")
        expect(axis).to_have_text(column)  # drawn as the text, not as HTML
        _assert_no_markup_from_user(page)


@pytest.mark.parametrize("case_id", BROWSER_URLS)
def test_hostile_link(page: Page, base_url: str, case_id: str) -> None:
    case = _url(case_id)
    open_clusters(page, base_url, urllib.parse.urlencode(case.params))
    warnings = page.get_by_test_id("stAlertContentWarning")
    expect(warnings.first).to_be_visible()
    shown = [_text(text) for text in warnings.all_inner_texts()]
    assert any(case.expect in text for text in shown), shown
    assert not case.absent or not any(case.absent in text for text in shown), shown
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    _assert_no_markup_from_user(page)


def test_more_than_1000_parameters_open_the_default_view(page: Page, base_url: str) -> None:
    """Streamlit drops such a query string whole; the page is the default one, its own link."""
    open_clusters(page, base_url, DROPPED_QUERY)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    # The app writes its settings to the URL, replacing the link's 1,200 parameters.
    expect(page).to_have_url(re.compile(r"[?&]k=\d+"))
    assert "p0" not in query_params(page), page.url[:200]


@pytest.fixture(scope="module")
def directory_data_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second server whose GEOCLUSTER_DATA names a directory."""
    folder: Path = tmp_path_factory.mktemp("data") / "housing_dir"
    folder.mkdir()
    server = harness.start_streamlit(extra_env={"GEOCLUSTER_DATA": str(folder)})
    try:
        yield server.url
    finally:
        harness.stop_streamlit(server)


@pytest.mark.slow
def test_data_file_that_is_a_directory(page: Page, directory_data_url: str) -> None:
    harness.goto_and_wait(page, f"{directory_data_url}/explore")
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_contain_text("GEOCLUSTER_DATA points to housing_dir, which is a directory")
    expect(error).not_to_contain_text("/tmp")  # the name, never the server's path
    _assert_no_markup_from_user(page)
    # The way out: the Data page, where a file of one's own can be uploaded.
    harness.act_and_wait(page, page.get_by_role("link", name="Open the Data page").click)
    expect(page.get_by_test_id("stFileUploader").first).to_be_visible()
