"""Fixtures for the real-browser tests: one Streamlit server, one chromium, a page per test.

The server is ``$GEOCLUSTER_E2E_URL`` when set (CI may start one), otherwise
``streamlit run serve.py`` (the README's command) on a free 127.0.0.1 port with the shared
data set and downloads off. Each test gets a fresh page (a fresh Streamlit session) in one
browser context. The context routes https requests (to keep the tests offline), and
Playwright turns the HTTP cache off while a route is set, so every page loads its
JavaScript chunks again, as a first visit does. Every page's console errors and uncaught
exceptions fail the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import harness
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

ARTIFACTS = harness.PROJECT_ROOT / "artifacts"
# Charts redraw after the script run ends, and other agents may share the CPUs:
# Playwright's 5 s default for expect() is too tight for a loaded machine.
expect.set_options(timeout=harness.EXPECT_TIMEOUT_MS)

# Streamlit's frontend finds the server's base path by probing: opened at /explore, it
# first asks /explore/_stcore/health and /explore/_stcore/host-config (404) and then
# the root. Those two 404s are Streamlit's own, not the app's.
_BASE_PATH_PROBE = re.compile(
    r"^console\.error: Failed to load resource: the server responded with a status of 404 "
    r"\(Not Found\) \(at http://[^/]+/[^_][^ ]*/_stcore/(health|host-config)\)$"
)


def is_benign(error: str) -> bool:
    """Console noise that is not the app's fault.

    Two kinds: a refused request to a non-loopback host (there is no internet here, see
    ``harness.offline_route``; e.g. the page icon from fonts.gstatic.com; Chromium logs
    those as "Failed to load resource" with the outside URL as the location), and
    Streamlit's base-path probe on a deep link (``_BASE_PATH_PROBE``).
    """
    if _BASE_PATH_PROBE.match(error):
        return True
    if not error.startswith("console.error: Failed to load resource"):
        return False
    location = error.rsplit("(at ", 1)[-1].rstrip(")")
    return location.startswith("http") and not harness.is_loopback_url(location)


_E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of tests/e2e ``e2e`` (deselect them with ``-m "not e2e"``).

    A conftest's collection hook sees the whole session's items, hence the path test.
    """
    for item in items:
        if item.path.is_relative_to(_E2E_DIR):
            item.add_marker(pytest.mark.e2e)


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
    """One context (no HTTP cache: it routes https), ~1400x900, downloads allowed, offline."""
    browser_context = harness.new_offline_context(browser)
    yield browser_context
    browser_context.close()


@pytest.fixture
def console() -> harness.ConsoleLog:
    """Console errors of the test's page (checked after the test)."""
    return harness.ConsoleLog()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    """Keep each phase's report on the test item (the page fixture reads it)."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(
    context: BrowserContext, console: harness.ConsoleLog, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A fresh page (= a fresh Streamlit session) that counts script runs.

    A failed test leaves a screenshot in artifacts/failed-<test>.png. After the test,
    any console error or uncaught page error fails it.
    """
    new_page = context.new_page()
    console.attach(new_page)
    harness.install_run_counter(new_page)
    yield new_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        new_page.screenshot(path=str(ARTIFACTS / f"failed-{name}.png"), full_page=True)
    new_page.close()
    unexpected = [error for error in console.errors if not is_benign(error)]
    assert not unexpected, "The page logged errors:\n" + "\n".join(unexpected)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """artifacts/ in the project root (git-ignored): screenshots and downloads."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
