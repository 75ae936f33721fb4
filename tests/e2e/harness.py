"""Real-browser harness shared by the e2e tests and benchmarks/browser.py.

Starts (or reuses) a Streamlit server on a loopback address, launches Debian's chromium
through Playwright, and waits for Streamlit reruns the way Streamlit's own e2e suite does
(``e2e_playwright/conftest.py``: ``wait_for_app_run`` / ``wait_for_app_loaded``): the
``stApp`` element reports ``data-test-connection-state="CONNECTED"`` and
``data-test-script-state="notRunning"``, and no ``stSkeleton`` is left. Instead of
Streamlit's fixed 210 ms pause before that check (which may be too short to see the
rerun start, and adds 210 ms to every timing), a script installed before the app loads
counts the "script finished" messages the server sends, so a caller waits for *its*
rerun to finish and then for the page to be idle.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    Route,
    expect,
)

T = TypeVar("T")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:  # benchmarks import this module by its folder
    sys.path.insert(0, str(PROJECT_ROOT))
from tests.reference_data import HOUSING_CSV  # noqa: E402

DATA_PATH = HOUSING_CSV
URL_ENV_VAR = "GEOCLUSTER_E2E_URL"
CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
)
VIEWPORT = {"width": 1400, "height": 900}
SERVER_START_TIMEOUT_S = 60.0
SERVER_STOP_TIMEOUT_S = 10.0
RUN_TIMEOUT_MS = 30_000
# The first run on a fresh server fits k-means for every k (and other agents may share
# the CPUs), so a first page load may take far longer than a rerun.
LOAD_TIMEOUT_MS = 120_000
EXPECT_TIMEOUT_MS = 20_000

# Counts the script runs the server reports as finished, so that a caller can wait for
# the rerun its own action caused, without a fixed pause. The DOM's script state alone
# is not enough: React may batch a fast run's running -> notRunning into one commit, and
# then no attribute ever changes. So every websocket message is read as a ForwardMsg far
# enough to find field 6 (script_finished, a varint enum); statuses 0 (finished) and 3
# (fragment finished) count, 2 (stopped early for a rerun) does not.
RUN_COUNTER_SCRIPT = """
(() => {
  window.__e2eRuns = {finished: 0, lastFinishedAt: 0};
  const SCRIPT_FINISHED_FIELD = 6;
  const readVarint = (bytes, at) => {
    let value = 0, shift = 0, byte;
    do {
      byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return [value, at];
  };
  const scriptFinishedStatus = (buffer) => {
    const bytes = new Uint8Array(buffer);
    let at = 0;
    while (at < bytes.length) {
      let key, value;
      [key, at] = readVarint(bytes, at);
      const field = Math.floor(key / 8), wire = key & 7;
      if (wire === 0) {
        [value, at] = readVarint(bytes, at);
        if (field === SCRIPT_FINISHED_FIELD) return value;
      } else if (wire === 2) {
        [value, at] = readVarint(bytes, at);
        at += value;
      } else if (wire === 1) {
        at += 8;
      } else if (wire === 5) {
        at += 4;
      } else {
        return null;
      }
    }
    return null;
  };
  const count = (buffer) => {
    const status = scriptFinishedStatus(buffer);
    if (status === 0 || status === 3) {
      window.__e2eRuns.finished += 1;
      window.__e2eRuns.lastFinishedAt = performance.now();
    }
  };
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class CountingWebSocket extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (event.data instanceof ArrayBuffer) count(event.data);
      });
    }
  };
})();
"""

# The sandbox has no internet. The only outside resource the app loads is the map's
# base-map style from Carto's CDN (Streamlit's default for st.pydeck_chart). An empty
# style lets the data layers draw on a blank background instead of logging a fetch
# error; every other outside request is refused.
EMPTY_MAP_STYLE = '{"version": 8, "sources": {}, "layers": []}'
CARTO_STYLE_URL = "https://basemaps.cartocdn.com/gl/positron-gl-style/style.json"


def offline_route(route: Route) -> None:
    """Answer a request to the outside world: empty map style, or refuse."""
    if route.request.url.endswith("style.json"):
        route.fulfill(status=200, content_type="application/json", body=EMPTY_MAP_STYLE)
    else:
        route.abort()


def new_offline_context(browser: Browser) -> BrowserContext:
    """A browser context of VIEWPORT size whose https requests never leave this machine.

    Only https is intercepted: the app itself is plain http on a loopback address, and
    routing its requests through Playwright would slow every page load. While a route is
    set Playwright turns the context's HTTP cache off: every load fetches everything.
    """
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.route("https://**/*", offline_route)
    context.set_default_timeout(RUN_TIMEOUT_MS)
    return context


LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` points at this machine (127.0.0.0/8, ::1 or localhost).

    Parameters
    ----------
    url : str
        An absolute URL.

    Returns
    -------
    bool
        True for loopback hosts only.
    """
    host = urllib.parse.urlsplit(url).hostname or ""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class StreamlitServer:
    """A Streamlit server started by :func:`start_streamlit`."""

    url: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    command: tuple[str, ...] = field(default=())

    def output(self, tail_chars: int = 4000) -> str:
        """The last ``tail_chars`` characters the server wrote to stdout and stderr."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", errors="replace")[-tail_chars:]


def server_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The server's environment: ours plus the reference data set."""
    environment = dict(os.environ)
    environment["GEOCLUSTER_DATA"] = str(DATA_PATH)
    environment.update(extra or {})
    return environment


def _health_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1.0) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def start_streamlit(
    app: str = "serve.py",
    *,
    cwd: Path = PROJECT_ROOT,
    timeout_s: float = SERVER_START_TIMEOUT_S,
    extra_env: dict[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
) -> StreamlitServer:
    """Start ``streamlit run <app>`` on a free loopback port and wait until it is healthy.

    Parameters
    ----------
    app : str
        The script, relative to ``cwd``.
    cwd : Path
        Working directory of the server (the project root).
    timeout_s : float
        How long to wait for ``/_stcore/health``.
    extra_env : dict of str to str, optional
        Variables added to the server's environment.
    extra_args : tuple of str
        More ``streamlit run`` options (they come last, so they override ours).

    Returns
    -------
    StreamlitServer
        The running server; stop it with :func:`stop_streamlit`.
    """
    if not (cwd / app).is_file():
        raise FileNotFoundError(f"app={app!r} does not exist in {cwd}.")
    port = free_loopback_port()
    command = (
        sys.executable,
        "-m",
        "streamlit",
        "run",
        app,
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        # Other agents edit the sources while the tests run; a file watcher would put a
        # "source file changed" prompt on the page and make runs non-reproducible.
        "--server.fileWatcherType",
        "none",
        *extra_args,
    )
    # A temporary file, not a pipe: a chatty server must never block on a full pipe.
    log = tempfile.TemporaryFile()  # noqa: SIM115 -- lives as long as the server; closed in stop_streamlit
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=server_environment(extra_env),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    server = StreamlitServer(f"http://127.0.0.1:{port}", process, log, command)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = server.output()
            log.close()
            raise RuntimeError(
                f"The Streamlit server exited with code {process.returncode} before it was "
                f"healthy.\nCommand: {' '.join(command)}\nOutput:\n{output}"
            )
        if _health_ok(server.url):
            return server
        time.sleep(0.2)  # bounded polling of the health endpoint
    output = server.output()
    stop_streamlit(server)
    raise RuntimeError(
        f"The Streamlit server did not answer {server.url}/_stcore/health within "
        f"{timeout_s:.0f} s.\nCommand: {' '.join(command)}\nOutput:\n{output}"
    )


def stop_streamlit(server: StreamlitServer, timeout_s: float = SERVER_STOP_TIMEOUT_S) -> None:
    """Terminate the server, kill it if it has not exited after ``timeout_s``."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=timeout_s)
    if not server.log.closed:
        server.log.close()


@contextlib.contextmanager
def app_url(app: str = "serve.py", *, cwd: Path = PROJECT_ROOT) -> Iterator[str]:
    """Yield the base URL of the app: ``$GEOCLUSTER_E2E_URL`` or a server we start.

    Parameters
    ----------
    app : str
        The script to run when we start the server ourselves.
    cwd : Path
        Its working directory.

    Yields
    ------
    str
        Base URL without a trailing slash, always on a loopback address.
    """
    given = os.environ.get(URL_ENV_VAR, "").strip()
    if given:
        if not is_loopback_url(given):
            raise ValueError(
                f"{URL_ENV_VAR}={given!r} is not a loopback address; the browser tests only "
                "talk to 127.0.0.1, ::1 or localhost."
            )
        yield given.rstrip("/")
        return
    server = start_streamlit(app, cwd=cwd)
    try:
        yield server.url
    finally:
        stop_streamlit(server)


def launch_chromium(playwright: Playwright) -> Browser:
    """Launch Debian's headless chromium (never a Playwright-downloaded browser)."""
    if not Path(CHROMIUM_PATH).exists():
        raise FileNotFoundError(
            f"{CHROMIUM_PATH} is missing; install Debian's chromium (apt-get install chromium)."
        )
    return playwright.chromium.launch(
        executable_path=CHROMIUM_PATH, headless=True, args=list(CHROMIUM_ARGS)
    )


def install_run_counter(page: Page) -> None:
    """Count finished Streamlit script runs in ``window.__e2eRuns`` (call before goto)."""
    page.add_init_script(RUN_COUNTER_SCRIPT)


def finished_runs(page: Page) -> int:
    """How many script runs have finished since the page loaded."""
    return int(page.evaluate("() => window.__e2eRuns ? window.__e2eRuns.finished : 0"))


def wait_for_idle(page: Page, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Wait until the app is connected, its script is not running and nothing is loading.

    Streamlit's ``wait_for_app_run`` without its fixed pauses: CONNECTED, notRunning, no
    ``stSkeleton``, and (as older Streamlit suites did) no running-man status icon.
    """
    app = page.locator('[data-testid="stApp"]')
    app.and_(page.locator('[data-test-connection-state="CONNECTED"]')).wait_for(
        state="attached", timeout=timeout_ms
    )
    app.and_(page.locator('[data-test-script-state="notRunning"]')).wait_for(
        state="attached", timeout=timeout_ms
    )
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout_ms)
    expect(page.get_by_test_id("stStatusWidgetRunningIcon")).to_have_count(0, timeout=timeout_ms)


def wait_for_rerun(page: Page, runs_before: int, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Wait until a script run that finished after ``runs_before`` and the app is idle."""
    try:
        page.wait_for_function(
            "(before) => window.__e2eRuns && window.__e2eRuns.finished > before",
            arg=runs_before,
            timeout=timeout_ms,
            polling="raf",
        )
    except Error as error:
        raise AssertionError(
            f"No Streamlit rerun finished within {timeout_ms} ms after the action "
            f"(finished runs stayed at {runs_before}); did the action change a widget?"
        ) from error
    # The message is counted on arrival; give the frontend two frames to apply it.
    page.evaluate(
        "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )
    wait_for_idle(page, timeout_ms)


def act_and_wait(
    page: Page, action: Callable[[], object], timeout_ms: int = RUN_TIMEOUT_MS
) -> None:
    """Run ``action`` (which must trigger a rerun) and wait until that rerun is done."""
    before = finished_runs(page)
    action()
    wait_for_rerun(page, before, timeout_ms)


def goto_and_wait(page: Page, url: str, timeout_ms: int = LOAD_TIMEOUT_MS) -> None:
    """Open ``url`` and wait for the first script run to finish (wait_for_app_loaded)."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    page.locator('[data-testid="stAppViewContainer"]').wait_for(
        state="attached", timeout=timeout_ms
    )
    page.wait_for_function(
        "() => window.__e2eRuns && window.__e2eRuns.finished > 0",
        timeout=timeout_ms,
        polling="raf",
    )
    wait_for_idle(page, timeout_ms)


def wait_until(
    page: Page,
    read: Callable[[], T],
    expected: T,
    *,
    timeout_ms: int = 10_000,
    interval_ms: int = 100,
    what: str = "value",
) -> None:
    """Poll ``read()`` until it equals ``expected`` (bounded), else fail naming both.

    For values that redraw asynchronously after a rerun (plotly's ``react``, the data
    grid) and that Playwright's ``expect`` cannot express.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        value = read()
        if value == expected:
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{what} is {value!r} after {timeout_ms} ms; expected {expected!r}."
            )
        page.wait_for_timeout(interval_ms)


@dataclass
class ConsoleLog:
    """Console errors and uncaught page errors seen by one page."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        """Record console ``error`` messages and uncaught exceptions of ``page``."""
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location.get("url", "")
            self.errors.append(f"console.error: {message.text} (at {location})")
