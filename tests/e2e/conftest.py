"""Fixtures for the real-browser tests: one Streamlit server, one chromium, a page per test.

The server is ``$GEOCLUSTER_E2E_URL`` when set (CI may start one), otherwise
``streamlit run app.py`` on a free 127.0.0.1 port with the shared data set and downloads
off. Each test gets a fresh page (a fresh Streamlit session) in one browser context, so
the browser's HTTP cache is shared and only the first test pays for loading the
JavaScript chunks. Every page's console errors and uncaught exceptions fail the test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import harness
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright

ARTIFACTS = harness.PROJECT_ROOT / "artifacts"

# The sandbox has no internet. The only outside resource the app loads is the map's
# basemap style from Carto's CDN (Streamlit's default for st.pydeck_chart); an empty
# style lets the data layers draw on a blank background instead of logging a fetch
# error, and every other outside request is refused.
EMPTY_MAP_STYLE = json.dumps({"version": 8, "sources": {}, "layers": []})


def _offline_route(route: Route) -> None:
    if route.request.url.endswith("style.json"):
        route.fulfill(status=200, content_type="application/json", body=EMPTY_MAP_STYLE)
    else:
        route.abort()


def is_benign(error: str) -> bool:
    """Console noise that is not the app's fault.

    Only one kind: a refused request to a non-loopback host (there is no internet here,
    see ``_offline_route``). Chromium logs those as "Failed to load resource" with the
    outside URL as the location.
    """
    if not error.startswith("console.error: Failed to load resource"):
        return False
    location = error.rsplit("(at ", 1)[-1].rstrip(")")
    return location.startswith("http") and not harness.is_loopback_url(location)


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """Base URL of the app under test (loopback only)."""
    with harness.app_url() as url:
        yield url


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Playwright]:
    """The Playwright driver for the session."""
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    """Debian's headless chromium."""
    chromium = harness.launch_chromium(playwright_session)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def context(browser: Browser) -> Iterator[BrowserContext]:
    """One context (shared HTTP cache), ~1400x900, downloads allowed, offline outside."""
    browser_context = browser.new_context(viewport=harness.VIEWPORT, accept_downloads=True)
    browser_context.route("https://**/*", _offline_route)
    browser_context.set_default_timeout(harness.RUN_TIMEOUT_MS)
    yield browser_context
    browser_context.close()


@pytest.fixture
def console() -> harness.ConsoleLog:
    """Console errors of the test's page (checked after the test)."""
    return harness.ConsoleLog()


@pytest.fixture
def page(context: BrowserContext, console: harness.ConsoleLog) -> Iterator[Page]:
    """A fresh page (= a fresh Streamlit session) that counts script runs.

    After the test, any console error or uncaught page error fails it.
    """
    new_page = context.new_page()
    console.attach(new_page)
    harness.install_run_counter(new_page)
    yield new_page
    new_page.close()
    unexpected = [error for error in console.errors if not is_benign(error)]
    assert not unexpected, "The page logged errors:\n" + "\n".join(unexpected)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """artifacts/ in the project root (git-ignored): screenshots and downloads."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
